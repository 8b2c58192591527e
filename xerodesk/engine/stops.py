"""Customers put on stop in Xero, in the review queue with the quotes they hold up.

A customer is on stop exactly while its Xero contact is archived. When a pull
puts a CRM customer on stop, a ``customer_on_stop`` item names it with its
open quotes and the confirmed orders held back (those also have their own
``push_blocked`` items, with "release"); when Xero restores the contact, the
item closes by itself. Found from the audit lines of the page (the ``on_stop``
changes), so it costs one query for the quotes, and only when a customer moved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, select

from xerodesk.engine.audit import AuditLine
from xerodesk.store.models import Quote, SalesLedger
from xerodesk.store.state import ReviewRequest, raise_review, resolve_reviews

__all__ = ["ON_STOP", "report_stops", "stop_key"]

ON_STOP = "customer_on_stop"

_OPEN = "Open"
_BLOCKED = "blocked"


def stop_key(contact_id: str) -> str:
    return f"{ON_STOP}:{contact_id}"


@dataclass(frozen=True)
class _Moved:
    ledger_id: int
    contact_id: str


def _moves(lines: Sequence[AuditLine]) -> tuple[list[_Moved], list[_Moved]]:
    on: list[_Moved] = []
    off: list[_Moved] = []
    for line in lines:
        if line.record_table != "sales_ledger" or line.field != "on_stop":
            continue
        if line.record_id is None or not line.xero_id:
            continue
        moved = _Moved(line.record_id, line.xero_id)
        if line.new is True and line.old is not True:
            on.append(moved)
        elif line.old is True and line.new is not True:
            off.append(moved)
    return on, off


def _quotes(
    connection: Connection, ledger_ids: list[int]
) -> dict[int, tuple[list[str], list[str]]]:
    """Each ledger's open quotes and held (blocked) confirmed orders, by number."""
    found: dict[int, tuple[list[str], list[str]]] = {}
    query = (
        select(Quote.sales_ledger_id, Quote.id, Quote.quote_number, Quote.status, Quote.push_state)
        .where(Quote.sales_ledger_id.in_(ledger_ids))
        .order_by(Quote.id)
    )
    for ledger_id, quote_id, number, status, push_state in connection.execute(query):
        if ledger_id is None:
            continue
        open_quotes, held = found.setdefault(ledger_id, ([], []))
        label = number or f"quote {quote_id}"
        if push_state == _BLOCKED:
            held.append(label)
        elif status == _OPEN:
            open_quotes.append(label)
    return found


def _listed(labels: list[str]) -> str:
    return ", ".join(labels) if labels else "none"


def report_stops(connection: Connection, lines: Sequence[AuditLine], run_id: int | None) -> int:
    """Raise an item per customer the page put on stop, close those it took off."""
    on, off = _moves(lines)
    for moved in off:
        resolve_reviews(connection, stop_key(moved.contact_id), "off_stop")
    if not on:
        return 0
    ids = [m.ledger_id for m in on]
    quotes = _quotes(connection, ids)
    rows = connection.execute(
        select(SalesLedger.id, SalesLedger.name).where(SalesLedger.id.in_(ids))
    )
    names: dict[int, str | None] = {ledger_id: name for ledger_id, name in rows}
    for moved in on:
        open_quotes, held = quotes.get(moved.ledger_id, ([], []))
        name = names.get(moved.ledger_id) or f"customer {moved.ledger_id}"
        raise_review(
            connection,
            ReviewRequest(
                kind=ON_STOP,
                dedupe_key=stop_key(moved.contact_id),
                title=f"{name} is on stop: archived in Xero",
                explanation=(
                    f"{name} was archived in Xero, so the CRM has it on stop: confirmed "
                    "orders for it are held, not sent to Xero. Open quotes: "
                    f"{_listed(open_quotes)}. Orders held: {_listed(held)}. Restore the "
                    "contact in Xero to take it off stop (this item then closes), and "
                    "release the held orders from their own items."
                ),
                record_table="sales_ledger",
                record_id=moved.ledger_id,
                xero_id=moved.contact_id,
                details={
                    "ledger_id": moved.ledger_id,
                    "open_quotes": open_quotes,
                    "blocked_quotes": held,
                },
                actions=("dismiss",),
            ),
            run_id,
        )
    return len(on)
