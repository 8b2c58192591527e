"""Whether Xero's webhooks are working, from the database alone.

A service started with webhooks says so (``mark_listening``). Webhooks then
count as working until they look off: no delivery for
``webhook_silence_minutes`` while scheduled passes, polling as the safety net,
still find changes to invoices or credit notes that no event announced (a
pass finds the records the consumer already wrote unchanged, so what it
creates or updates came unannounced). Contacts are left out of that count: a
pass also re-reads balances, which Xero moves without an event. Xero switches a webhook off
after 24 hours of failed deliveries, and a subscription can be edited or
removed in its developer portal, so silence alone is no proof (a quiet
organisation sends nothing) but silence beside unannounced changes is. A
change a pass found counts once ``DELIVERY_GRACE`` has passed without its
delivery.

While webhooks work, scheduled passes come at most every
``webhook_poll_minutes``; once they look off, as often as without them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, select

from xerodesk.domain.sync import EntityKind
from xerodesk.store.options import Options
from xerodesk.store.state import load_cursor, save_cursor
from xerodesk.store.webhook_events import last_delivery_at, waiting_counts
from xerodesk.store.xd_models import SyncRun, SyncRunEntity

#: the cursor row that says a service listens for webhooks, and since when
CURSOR = "webhooks"
#: how long a change found by a pass may wait for its delivery before it counts as
#: unannounced (xerodesk's choice: Xero gathers events into batches and documents no
#: delay, so a pass can read a change before its delivery comes)
DELIVERY_GRACE = timedelta(minutes=10)
#: the entities whose pass counts are all walk (balances refreshes count under contacts)
ANNOUNCED = (EntityKind.INVOICES, EntityKind.CREDIT_NOTES)


@dataclass(frozen=True)
class WebhookHealth:
    listening_since: datetime | None
    last_delivery_at: datetime | None
    waiting: int
    #: changes scheduled passes found since the last delivery (unannounced)
    unannounced: int
    looks_off: bool

    @property
    def working(self) -> bool:
        return self.listening_since is not None and not self.looks_off

    def to_json(self) -> dict[str, Any]:
        def stamp(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "listening_since": stamp(self.listening_since),
            "last_delivery_at": stamp(self.last_delivery_at),
            "waiting_events": self.waiting,
            "unannounced_changes": self.unannounced,
            "looks_off": self.looks_off,
            "working": self.working,
        }


def mark_listening(connection: Connection, since: datetime | None) -> None:
    """Say that a service listens for webhooks from ``since`` (None: it stopped)."""
    value = {"listening_since": since.isoformat()} if since else None
    save_cursor(connection, CURSOR, resume=value)


def webhook_health(connection: Connection, now: datetime) -> WebhookHealth:
    options = Options.load(connection)
    since = _listening_since(connection)
    last = last_delivery_at(connection)
    waiting = sum(waiting_counts(connection).values())
    if since is None:
        return WebhookHealth(None, last, waiting, 0, False)
    quiet_from = max(since, last) if last else since
    unannounced = _found_by_passes(connection, quiet_from, now - DELIVERY_GRACE)
    silence = timedelta(minutes=options.webhook_silence_minutes)
    looks_off = now - quiet_from >= silence and unannounced > 0
    return WebhookHealth(since, last, waiting, unannounced, looks_off)


def _listening_since(connection: Connection) -> datetime | None:
    resume = load_cursor(connection, CURSOR).resume
    raw = resume.get("listening_since") if isinstance(resume, dict) else None
    return datetime.fromisoformat(raw) if isinstance(raw, str) else None


def _found_by_passes(connection: Connection, since: datetime, until: datetime) -> int:
    """Invoices and credit notes that scheduled passes begun between ``since`` and
    ``until`` created or updated."""
    entity = SyncRunEntity
    query = (
        select(func.coalesce(func.sum(entity.created + entity.updated), 0))
        .join(SyncRun, SyncRun.id == entity.run_id)
        .where(
            SyncRun.trigger == "schedule",
            SyncRun.started_at >= since,
            SyncRun.started_at <= until,
            entity.entity.in_([kind.value for kind in ANNOUNCED]),
        )
    )
    return int(connection.scalar(query) or 0)
