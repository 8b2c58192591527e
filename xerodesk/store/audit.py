"""The audit trail of one record, newest first, found by CRM row or by Xero id.

A record is named ``table:id`` (a CRM row, e.g. ``sales_ledger:7``) or by its
Xero id. Both reach the same history through ``xd_link`` and the CRM row's
own Xero id column: the entries of every CRM row made from that Xero record
(a contact's company, ledgers and person) and of the Xero record itself.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, or_, select

from xerodesk.store.base import Base
from xerodesk.store.xd_models import AuditEntry, RecordLink

__all__ = ["AuditRecord", "UnknownRecordError", "record_history", "resolve_record"]

#: CRM table → its column holding the Xero id of the record it came from
XERO_ID_COLUMNS = {
    "company": "xero_contact_id",
    "division": "xero_contact_id",
    "sales_ledger": "sales_ledger_id",
    "purchase_ledger": "purchase_ledger_id",
    "contact": "xero_contact_id",
    "product": "xero_item_id",
    "quote": "xero_invoice_id",
    "sales_order_header": "xero_invoice_id",
}


class UnknownRecordError(LookupError):
    """Neither the CRM nor the sync knows the record named."""


@dataclass(frozen=True)
class AuditRecord:
    id: int
    changed_at: datetime
    record_table: str
    record_id: int | None
    xero_id: str | None
    field: str
    old_value: str | None
    new_value: str | None
    side: str
    run_id: int | None
    correlation_id: str | None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["changed_at"] = self.changed_at.isoformat()
        return data


@dataclass(frozen=True)
class RecordRef:
    """What a record name resolved to: CRM rows and Xero ids."""

    rows: tuple[tuple[str, int], ...]
    xero_ids: tuple[str, ...]


def _parse(record: str) -> tuple[str, int] | None:
    table, sep, ident = record.strip().partition(":")
    if sep and ident.strip().isdigit():
        return table.strip(), int(ident)
    return None


def resolve_record(connection: Connection, record: str) -> RecordRef:
    """The CRM rows and Xero ids ``record`` stands for; UnknownRecordError if none."""
    crm = _parse(record)
    rows: set[tuple[str, int]] = set()
    xero_ids: set[str] = set()
    if crm is not None:
        table, row_id = crm
        rows.add(crm)
        linked = select(RecordLink.xero_id).where(
            RecordLink.crm_table == table, RecordLink.crm_id == row_id
        )
        xero_ids.update(connection.scalars(linked))
        schema = Base.metadata.tables.get(table)
        column = XERO_ID_COLUMNS.get(table)
        if schema is not None and column is not None:
            own = connection.scalar(select(schema.c[column]).where(schema.c.id == row_id))
            if own:
                xero_ids.add(str(own))
        known = schema is not None and (
            connection.scalar(select(schema.c.id).where(schema.c.id == row_id)) is not None
        )
    else:
        xero_id = record.strip()
        xero_ids.add(xero_id)
        links = select(RecordLink.crm_table, RecordLink.crm_id).where(RecordLink.xero_id == xero_id)
        rows.update((table, int(row_id)) for table, row_id in connection.execute(links))
        known = bool(rows)
    if not known and not _has_entries(connection, rows, xero_ids):
        raise UnknownRecordError(record)
    return RecordRef(tuple(sorted(rows)), tuple(sorted(xero_ids)))


def _matching(rows: set[tuple[str, int]] | tuple[tuple[str, int], ...], xero_ids: Any) -> Any:
    conditions = [
        and_(AuditEntry.record_table == table, AuditEntry.record_id == row_id)
        for table, row_id in rows
    ]
    if xero_ids:
        conditions.append(AuditEntry.xero_id.in_(list(xero_ids)))
    return or_(*conditions)


def _has_entries(connection: Connection, rows: set[tuple[str, int]], xero_ids: set[str]) -> bool:
    if not rows and not xero_ids:
        return False
    found = connection.scalar(select(AuditEntry.id).where(_matching(rows, xero_ids)).limit(1))
    return found is not None


def record_history(connection: Connection, record: str, limit: int = 1_000) -> list[AuditRecord]:
    """The audit trail of ``record`` (``table:id`` or a Xero id), newest first.

    Raises UnknownRecordError when neither the CRM nor the sync knows it.
    """
    ref = resolve_record(connection, record)
    query = (
        select(
            AuditEntry.id,
            AuditEntry.changed_at,
            AuditEntry.record_table,
            AuditEntry.record_id,
            AuditEntry.xero_id,
            AuditEntry.field,
            AuditEntry.old_value,
            AuditEntry.new_value,
            AuditEntry.side,
            AuditEntry.run_id,
            AuditEntry.correlation_id,
        )
        .where(_matching(ref.rows, ref.xero_ids))
        .order_by(AuditEntry.changed_at.desc(), AuditEntry.id.desc())
        .limit(limit)
    )
    return [AuditRecord(*row) for row in connection.execute(query)]
