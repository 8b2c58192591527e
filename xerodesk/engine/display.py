"""The ``display_account_number`` option, applied without re-reading Xero."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Connection, and_, case, func, or_, update

from xerodesk.store.models import SalesLedger


def rederive_display_descriptions(connection: Connection, show_account_number: bool) -> int:
    """Set every Xero customer's display description by the option; returns rows changed.

    On: the account number where one is set, else the name. Off: the name.
    One statement, touching only rows whose description is out of step.
    """
    number = func.trim(SalesLedger.account_number)
    wanted: ColumnElement[str | None]
    if show_account_number:
        wanted = case(
            (and_(SalesLedger.account_number.is_not(None), number != ""), number),
            else_=SalesLedger.name,
        )
    else:
        wanted = SalesLedger.name.expression
    statement = (
        update(SalesLedger)
        .where(SalesLedger.sales_ledger_id.is_not(None))
        .where(
            or_(
                SalesLedger.display_description.is_(None), SalesLedger.display_description != wanted
            )
        )
        .values(display_description=wanted)
    )
    return int(connection.execute(statement).rowcount or 0)
