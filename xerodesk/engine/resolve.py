"""Acting on a conflict or a CRM edit: each action in one transaction.

- ``keep_xero``: Xero's value (the snapshot: last agreed with Xero) is written
  back into the CRM for every field of the item; audited as the user's.
- ``send_crm``: the item is marked to be sent; the push side sends the CRM's
  values to Xero (``engine.send_crm``) and closes the item when Xero took them.
- ``retry``: the record is read from Xero again at once (``engine.recheck``)
  and judged again; the item closes and the record is reported again if the
  CRM still differs from Xero.
- ``dismiss``: closed; a dismissed CRM edit is not reported again while the
  CRM keeps that value.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Connection, select, update

from xerodesk.engine.audit import SIDE_USER, AuditLine, write_audit
from xerodesk.engine.conflicts import RULES, FieldRole, FieldRule, comparable
from xerodesk.engine.edits import PART_TABLES
from xerodesk.engine.findings import CONFLICT, CRM_EDIT
from xerodesk.errors import ConfigurationError
from xerodesk.store.types import utcnow
from xerodesk.store.views import ReviewRow
from xerodesk.store.xd_models import RecordLink, ReviewItem

__all__ = [
    "FINDING_KINDS",
    "SEND_REQUESTED",
    "finding_fields",
    "keep_xero_in",
    "request_send_in",
    "send_unavailable",
    "typed_value",
]

FINDING_KINDS = (CONFLICT, CRM_EDIT)

#: ``resolution`` of an open item whose CRM values wait to be sent to Xero
SEND_REQUESTED = "send_requested"


def finding_fields(item: ReviewRow) -> list[tuple[str, str, FieldRule]]:
    """The item's fields as (part, column, rule), those the engine knows."""
    entity = item.details.get("entity")
    fields = item.details.get("fields")
    if not isinstance(entity, str) or entity not in RULES or not isinstance(fields, dict):
        return []
    known: list[tuple[str, str, FieldRule]] = []
    for name in fields:
        part, _, column = str(name).partition(".")
        rule = RULES[entity].get(part, {}).get(column)
        if rule is not None:
            known.append((part, column, rule))
    return known


def send_unavailable(item: ReviewRow) -> str | None:
    """Why the item's CRM values cannot be sent to Xero (None: they can)."""
    if item.resolution == SEND_REQUESTED:
        return "the CRM value is already on its way to Xero."
    fields = finding_fields(item)
    if not item.xero_id or not fields:
        return "the item does not say which Xero record and fields it is about."
    fixed = [f"{p}.{c}" for p, c, rule in fields if rule.role is not FieldRole.SENDABLE]
    if fixed:
        return f"Xero does not accept {', '.join(fixed)} through its API; change it in Xero."
    return None


def request_send_in(connection: Connection, item: ReviewRow) -> str:
    """Mark the item's CRM values to be sent to Xero with the next push."""
    reason = send_unavailable(item)
    if reason is not None:
        raise ConfigurationError(f"Cannot send the CRM value to Xero: {reason}")
    connection.execute(
        update(ReviewItem)
        .where(ReviewItem.id == item.id, ReviewItem.resolved_at.is_(None))
        .values(resolution=SEND_REQUESTED, updated_at=utcnow())
    )
    return SEND_REQUESTED


def typed_value(rule: FieldRule, value: Any) -> Any:
    """A snapshot value (JSON) as the CRM column takes it."""
    if value is None:
        return None
    if rule.kind == "money":
        try:
            return Decimal(str(value))
        except InvalidOperation:
            return None
    if rule.kind == "flag":
        return bool(value)
    return value


def _snapshot(connection: Connection, entity: str, xero_id: str) -> dict[str, Any]:
    found = connection.scalar(
        select(RecordLink.snapshot).where(
            RecordLink.entity == entity, RecordLink.xero_id == xero_id
        )
    )
    if not isinstance(found, dict) or not found:
        raise ConfigurationError("the record has no values synced from Xero to go back to")
    return found


def keep_xero_in(connection: Connection, item: ReviewRow, run_id: int | None = None) -> int:
    """Write Xero's values of the item's fields into the CRM; returns the fields changed.

    An item that names no record (or fields the engine does not know) only
    closes: Xero's value is what the CRM has after a conflict.
    """
    fields = finding_fields(item)
    entity = item.details.get("entity")
    if not fields or not item.xero_id or not isinstance(entity, str):
        return 0
    snapshot = _snapshot(connection, entity, item.xero_id)
    lines: list[AuditLine] = []
    for part, column, rule in fields:
        table, key = PART_TABLES[entity][part]
        agreed = snapshot.get(part)
        if not isinstance(agreed, dict) or column not in agreed:
            continue
        value = typed_value(rule, agreed[column])
        current = connection.execute(
            select(table.c.id, table.c[column]).where(table.c[key] == item.xero_id)
        ).first()
        if current is None or comparable(rule.kind, current[1]) == comparable(rule.kind, value):
            continue  # the CRM has Xero's value already (Xero won the conflict)
        connection.execute(update(table).where(table.c.id == current[0]).values({column: value}))
        lines.append(
            AuditLine(part, int(current[0]), item.xero_id, column, current[1], value, SIDE_USER)
        )
    write_audit(connection, lines, run_id)
    return len(lines)
