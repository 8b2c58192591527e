"""Xero's webhook events in the CRM database (``xd_webhook_event``).

The receiver stores a verified delivery's events here before it answers Xero
(``store_events``); the consumer takes the waiting ones a category at a time
(``waiting_events``) and marks them done in the transaction that writes their
records (``finish_events``), so nothing stored is lost to a crash between the
two. A repeated delivery adds no row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Table, func, select, update

from xerodesk.store.upsert import bulk_upsert
from xerodesk.store.xd_models import WebhookEvent

EVENTS: Table = WebhookEvent.__table__  # type: ignore[assignment]
KEY = ("category", "resource_id", "event_type", "event_at")

#: the categories whose records the sync keeps (Xero also sends SUBSCRIPTION)
CONTACT = "CONTACT"
INVOICE = "INVOICE"
CREDIT_NOTE = "CREDITNOTE"
CATEGORIES = (CONTACT, INVOICE, CREDIT_NOTE)


@dataclass(frozen=True)
class AnnouncedChange:
    """One event of a delivery: Xero says this record changed then."""

    category: str
    resource_id: str
    event_type: str
    event_at: datetime


@dataclass(frozen=True)
class WaitingEvent:
    id: int
    category: str
    resource_id: str
    received_at: datetime


def store_events(
    connection: Connection,
    changes: Sequence[AnnouncedChange],
    *,
    received_at: datetime,
    sequence: int | None,
) -> int:
    """Keep ``changes``; returns how many were new (a repeat adds none)."""
    if not changes:
        return 0
    before = _count(connection)
    rows = [
        {
            "category": change.category,
            "resource_id": change.resource_id,
            "event_type": change.event_type,
            "event_at": change.event_at,
            "received_at": received_at,
            "sequence": sequence,
        }
        for change in {
            (c.category, c.resource_id, c.event_type, c.event_at): c for c in changes
        }.values()
    ]
    bulk_upsert(connection, EVENTS, rows, list(KEY), update=[])
    return _count(connection) - before


def waiting_events(connection: Connection, category: str, limit: int) -> list[WaitingEvent]:
    """The oldest waiting events of ``category``, at most ``limit``."""
    rows = connection.execute(
        select(EVENTS.c.id, EVENTS.c.category, EVENTS.c.resource_id, EVENTS.c.received_at)
        .where(EVENTS.c.done_at.is_(None), EVENTS.c.category == category)
        .order_by(EVENTS.c.received_at, EVENTS.c.id)
        .limit(limit)
    ).all()
    return [WaitingEvent(*row) for row in rows]


def waiting_counts(connection: Connection) -> dict[str, int]:
    """Per category, how many events wait for their record to be read."""
    rows = connection.execute(
        select(EVENTS.c.category, func.count())
        .where(EVENTS.c.done_at.is_(None))
        .group_by(EVENTS.c.category)
    ).all()
    return {str(category): int(count) for category, count in rows}


def finish_events(
    connection: Connection,
    ids: Iterable[int],
    *,
    outcome: str,
    run_id: int | None,
    now: datetime,
) -> None:
    """Mark events done (in the transaction that wrote their records)."""
    chosen = sorted(set(ids))
    for start in range(0, len(chosen), 500):
        connection.execute(
            update(EVENTS)
            .where(EVENTS.c.id.in_(chosen[start : start + 500]), EVENTS.c.done_at.is_(None))
            .values(done_at=now, outcome=outcome, run_id=run_id)
        )


def last_delivery_at(connection: Connection) -> datetime | None:
    """When the last delivery with events came (None: never)."""
    value = connection.scalar(select(func.max(EVENTS.c.received_at)))
    return value if isinstance(value, datetime) else None


def _count(connection: Connection) -> int:
    return int(connection.scalar(select(func.count()).select_from(EVENTS)) or 0)
