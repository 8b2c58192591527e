"""Sending the CRM's values of a conflict or CRM edit to Xero: a real update call.

A person chose "send the CRM value to Xero" (``engine.resolve``); with the
next push, each such item becomes one ``POST`` of the record's id and only
the fields the item names, built from the CRM rows as they are now
(``mapping.updates``). When Xero takes it, in one transaction: the link's
snapshot takes the values sent (they are now agreed with Xero), each field
goes to the audit trail with Xero's correlation id, and the item closes.
When Xero refuses, the item stays open with Xero's words and the send is no
longer pending; a transient failure leaves it pending for the next push.

The links to another Xero record a person asked for (``engine.relink``) and
the records to look at again (``engine.recheck``) go with the same step:
each reads its record from Xero once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select, update

from xerodesk.engine.audit import SIDE_CRM, AuditLine, write_audit
from xerodesk.engine.conflicts import RULES
from xerodesk.engine.dbworker import DbWorker
from xerodesk.engine.edits import PART_TABLES, crm_rows
from xerodesk.engine.findings import CONFLICT, keep_open_saying
from xerodesk.engine.links import snapshot_value
from xerodesk.engine.recheck import RECHECK_REQUESTED, recheck_requested
from xerodesk.engine.relink import LINK_REQUESTED, link_requested
from xerodesk.engine.resolve import SEND_REQUESTED, typed_value
from xerodesk.errors import (
    ConfigurationError,
    RetryableError,
    UnreachableError,
    XeroRequestError,
)
from xerodesk.mapping.updates import contact_update_body, item_update_body
from xerodesk.store.types import utcnow
from xerodesk.store.xd_models import RecordLink, ReviewItem
from xerodesk.xero.client import XeroClient
from xerodesk.xero.endpoints import CONTACTS, ITEMS, EntitySpec
from xerodesk.xero.writes import idempotency_key

__all__ = ["SendReport", "has_send_requests", "send_requested"]

log = logging.getLogger(__name__)

_SPECS: dict[str, EntitySpec] = {"contacts": CONTACTS, "items": ITEMS}
_REFUSED_PREFIX = "Xero refused the CRM value: "


@dataclass(frozen=True)
class _Send:
    item_id: int
    entity: str
    xero_id: str
    body: dict[str, Any]
    #: ``part.column`` → the CRM value sent
    values: dict[str, Any]
    key: str


@dataclass
class SendReport:
    sent: int = 0
    refused: int = 0
    deferred: int = 0
    errors: list[str] = field(default_factory=list)
    #: links to another Xero record made, and refused
    linked: int = 0
    link_refused: int = 0
    #: records read from Xero again and judged ("look again now")
    rechecked: int = 0


def has_send_requests(connection: Connection) -> bool:
    """Whether a person asked for a value to be sent, a record linked or read again."""
    found = connection.scalar(
        select(ReviewItem.id)
        .where(
            ReviewItem.resolved_at.is_(None),
            ReviewItem.resolution.in_((SEND_REQUESTED, LINK_REQUESTED, RECHECK_REQUESTED)),
        )
        .limit(1)
    )
    return found is not None


def _requests(connection: Connection) -> list[tuple[int, str, str | None, Any, Any]]:
    query = (
        select(
            ReviewItem.id,
            ReviewItem.kind,
            ReviewItem.xero_id,
            ReviewItem.details,
            ReviewItem.updated_at,
        )
        .where(ReviewItem.resolved_at.is_(None), ReviewItem.resolution == SEND_REQUESTED)
        .order_by(ReviewItem.id)
    )
    return [(r[0], r[1], r[2], r[3], r[4]) for r in connection.execute(query)]


def _crm_value(kind: str, entity: str, name: str, recorded: Any, current: Any) -> Any:
    """The CRM value to send: after a conflict Xero's value is in the CRM row, so the
    CRM's own value is the one the item recorded; after a CRM edit, the row's."""
    if kind != CONFLICT or not isinstance(recorded, dict):
        return current
    part, _, column = name.partition(".")
    rule = RULES[entity].get(part, {}).get(column)
    return typed_value(rule, recorded.get("crm")) if rule is not None else current


def _plan(
    connection: Connection, item_id: int, kind: str, xero_id: str | None, details: Any, stamp: Any
) -> _Send:
    entity = details.get("entity") if isinstance(details, dict) else None
    fields = details.get("fields") if isinstance(details, dict) else None
    if entity not in _SPECS or not xero_id or not isinstance(fields, dict) or not fields:
        raise ConfigurationError("the item does not say which Xero record and fields to send")
    parts = crm_rows(connection, entity, [xero_id]).get(xero_id)
    if not parts:
        raise ConfigurationError("the CRM record is no longer there")
    names = [str(name) for name in fields]
    values: dict[str, Any] = {}
    for name in names:
        part, _, column = name.partition(".")
        row = dict(parts.get(part) or {})
        values[name] = _crm_value(kind, entity, name, fields[name], row.get(column))
        row[column] = values[name]
        parts[part] = row
    if entity == "contacts":
        body = contact_update_body(xero_id, names, parts)
    else:
        body = item_update_body(xero_id, names, parts.get("product") or {})
    key = idempotency_key("send_crm", item_id, str(stamp), sorted(values.items()))
    return _Send(item_id, str(entity), xero_id, body, values, key)


def load_sends(connection: Connection) -> tuple[list[_Send], list[tuple[int, str]]]:
    """The sends to make now, and the items that cannot be sent (with why)."""
    sends: list[_Send] = []
    bad: list[tuple[int, str]] = []
    for item_id, kind, xero_id, details, stamp in _requests(connection):
        try:
            sends.append(_plan(connection, item_id, kind, xero_id, details, stamp))
        except ConfigurationError as error:
            bad.append((item_id, str(error)))
    return sends, bad


def apply_sent(
    connection: Connection, send: _Send, correlation_id: str | None, run_id: int | None
) -> None:
    """Xero took the values: snapshot, audit trail and item, in one transaction."""
    snapshot = connection.scalar(
        select(RecordLink.snapshot).where(
            RecordLink.entity == send.entity, RecordLink.xero_id == send.xero_id
        )
    )
    agreed: dict[str, Any] = dict(snapshot) if isinstance(snapshot, dict) else {}
    lines: list[AuditLine] = []
    ids = crm_rows(connection, send.entity, [send.xero_id]).get(send.xero_id, {})
    for name, value in send.values.items():
        part, _, column = name.partition(".")
        row = dict(agreed.get(part) or {})
        old = row.get(column)
        row[column] = snapshot_value(value)
        agreed[part] = row
        row_id = (ids.get(part) or {}).get("id")
        table, _key = PART_TABLES[send.entity][part]
        if row_id is not None and (ids.get(part) or {}).get(column) != value:
            # after a conflict the CRM row holds Xero's value: the CRM's goes back
            connection.execute(update(table).where(table.c.id == row_id).values({column: value}))
        lines.append(
            AuditLine(part, row_id, send.xero_id, column, old, value, SIDE_CRM, correlation_id)
        )
    connection.execute(
        update(RecordLink)
        .where(RecordLink.entity == send.entity, RecordLink.xero_id == send.xero_id)
        .values(snapshot=agreed, synced_at=utcnow())
    )
    write_audit(connection, lines, run_id)
    now = utcnow()
    connection.execute(
        update(ReviewItem)
        .where(ReviewItem.id == send.item_id)
        .values(resolved_at=now, updated_at=now, resolution="sent_crm")
    )


def refuse(connection: Connection, item_id: int, message: str) -> None:
    """The send cannot be made: the item stays open, saying why."""
    keep_open_saying(connection, item_id, message, prefix=_REFUSED_PREFIX, detail="xero_refusal")


async def send_requested(client: XeroClient, db: DbWorker, run_id: int | None = None) -> SendReport:
    """Send every CRM value a person chose to send; one update call per record."""
    report = SendReport()
    sends, bad = await db.read(load_sends)
    for item_id, reason in bad:
        await db.write(refuse, item_id, reason)
        report.refused += 1
    for send in sends:
        try:
            results = await client.save_batch(
                _SPECS[send.entity], [send.body], record_keys=[send.key], method="POST"
            )
        except (RetryableError, UnreachableError) as error:
            log.info("sending CRM values of review item %d deferred: %s", send.item_id, error)
            report.deferred += 1
            continue
        except XeroRequestError as error:
            await db.write(refuse, send.item_id, "; ".join(error.messages) or str(error))
            report.refused += 1
            continue
        result = results[0]
        if result.ok:
            await db.write(apply_sent, send, result.correlation_id, run_id)
            report.sent += 1
        else:
            await db.write(refuse, send.item_id, "; ".join(result.messages) or "no reason given")
            report.refused += 1
    links = await link_requested(client, db, run_id)
    report.linked, report.link_refused = links.linked, links.refused
    report.deferred += links.deferred
    report.rechecked = await recheck_requested(client, db, run_id)
    return report
