"""The audit trail: every change the sync makes to a record, written in bulk.

An entry says which record (CRM table and row, and its Xero id), which field,
the old and the new value, which side made the change and when, in which run,
and for changes sent to Xero, Xero's correlation id. Sides:

- ``xero``: a value from Xero written into the CRM (by a pull);
- ``crm``: a CRM record or value sent to Xero (by a push or "send the CRM value");
- ``user``: a person's decision in the review queue (keep Xero's value, dismiss).

A created record is one entry (field ``created``, the new value naming it);
an updated one is one entry per changed field. A document (invoice, credit
note, purchase order) is one entry per write, ``created`` or ``updated``,
with its status and total before and after; its lines are not audited one by
one. Entries are written with one statement per page (``executemany``) in the
transaction of the change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import Connection, Table

from xerodesk.store.rows import Rows
from xerodesk.store.types import utcnow
from xerodesk.store.upsert import bulk_insert
from xerodesk.store.xd_models import AuditEntry

__all__ = [
    "CREATED",
    "SIDE_CRM",
    "SIDE_USER",
    "SIDE_XERO",
    "AuditLine",
    "audit_text",
    "write_audit",
]

AUDIT: Table = AuditEntry.__table__  # type: ignore[assignment]

SIDE_XERO = "xero"
SIDE_CRM = "crm"
SIDE_USER = "user"

#: the field of the entry that records a record's creation
CREATED = "created"

_FIELD_MAX = 64
_ID_MAX = 64


def audit_text(value: Any) -> str | None:
    """A value as the audit trail shows it: exact amounts, ISO dates, plain text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f") if value else "0"
        return text
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


@dataclass(frozen=True)
class AuditLine:
    """One entry to write."""

    record_table: str
    record_id: int | None
    xero_id: str | None
    field: str
    old: Any
    new: Any
    side: str
    correlation_id: str | None = None


def write_audit(
    connection: Connection,
    lines: Sequence[AuditLine],
    run_id: int | None,
    at: datetime | None = None,
) -> int:
    """Write ``lines`` in one statement; returns how many."""
    if not lines:
        return 0
    moment = at or utcnow()
    rows = [
        (
            line.record_table,
            line.record_id,
            line.xero_id[:_ID_MAX] if line.xero_id else None,
            line.field[:_FIELD_MAX],
            audit_text(line.old),
            audit_text(line.new),
            line.side,
            run_id,
            line.correlation_id,
            moment,
        )
        for line in lines
    ]
    return bulk_insert(connection, AUDIT, Rows(_WRITTEN, rows))


#: the columns ``write_audit`` writes, in order
_WRITTEN = (
    "record_table",
    "record_id",
    "xero_id",
    "field",
    "old_value",
    "new_value",
    "side",
    "run_id",
    "correlation_id",
    "changed_at",
)


def document_state(number: Any, status: Any, total: Any) -> dict[str, Any]:
    """What a document's audit entries show: its number, status and total (JSON-safe)."""
    return {"number": audit_text(number), "status": audit_text(status), "total": audit_text(total)}


def _state_text(state: Mapping[str, Any], with_number: bool = False) -> str:
    text = f"{state.get('status') or 'no status'}, total {state.get('total') or '0'}"
    return f"{state['number']}: {text}" if with_number and state.get("number") else text


def document_lines(
    table: str,
    written: Sequence[tuple[str, int | None, Mapping[str, Any]]],
    before: Mapping[str, Mapping[str, Any] | None],
) -> list[AuditLine]:
    """One entry per document written: ``created``, or ``updated`` from its state before.

    ``written`` holds (Xero id, CRM row id, new state); ``before`` the state
    each known document had (None when the link has none recorded yet). Lines
    are not audited one by one: a document is what the CRM reads.
    """
    lines: list[AuditLine] = []
    for xero_id, row_id, state in written:
        if xero_id not in before:
            new = _state_text(state, with_number=True)
            lines.append(AuditLine(table, row_id, xero_id, CREATED, None, new, SIDE_XERO))
            continue
        old_state = before[xero_id]
        old = _state_text(old_state) if old_state else None
        lines.append(
            AuditLine(table, row_id, xero_id, "updated", old, _state_text(state), SIDE_XERO)
        )
    return lines
