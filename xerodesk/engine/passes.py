"""A sync pass: pull every chosen entity in dependency order, with its refreshes.

Each entity's incremental walk comes first; then what modified-since cannot
see, on a schedule: a full re-read of contacts (balances and customer or
supplier flags change in Xero without bumping UpdatedDateUTC), the stock of
tracked items on every pass, and a sweep of every item to find deletions.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection, func, select

from xerodesk.domain.sync import PULL_ORDER, Counts, EntityKind, Phase, ProgressEvent, ProgressSink
from xerodesk.engine.dbworker import DbWorker
from xerodesk.engine.display import rederive_display_descriptions
from xerodesk.engine.pull import PullResult, WriteContext, run_pull
from xerodesk.engine.steps.contacts import ContactsStep
from xerodesk.engine.steps.items import (
    ItemsStep,
    all_items,
    mark_deleted,
    tracked_items,
    write_item_page,
)
from xerodesk.errors import DailyLimitReachedError, XerodeskError
from xerodesk.store.options import Options
from xerodesk.store.state import finish_run, load_cursor, save_cursor, start_run
from xerodesk.store.types import utcnow
from xerodesk.store.xd_models import ReviewItem
from xerodesk.xero.client import XeroClient
from xerodesk.xero.paging import Page

log = logging.getLogger(__name__)

#: how often contacts are re-read whole, for balances and flags
CONTACT_REFRESH = timedelta(hours=1)

IMPLEMENTED: tuple[EntityKind, ...] = (EntityKind.CONTACTS, EntityKind.ITEMS)


@dataclass(frozen=True)
class PassRequest:
    trigger: str = "manual"
    full: bool = False
    only: tuple[EntityKind, ...] = PULL_ORDER


@dataclass
class PassReport:
    run_id: int
    outcome: str = "running"
    message: str | None = None
    entities: dict[str, PullResult] = field(default_factory=dict)
    calls: int = 0
    new_review_items: int = 0

    @property
    def counts(self) -> Counts:
        total = Counts()
        for result in self.entities.values():
            total += result.counts
        return total


def _open_review_count(connection: Connection) -> int:
    query = select(func.count()).select_from(ReviewItem).where(ReviewItem.resolved_at.is_(None))
    return int(connection.scalar(query) or 0)


def _due(last: datetime | None, interval: timedelta, now: datetime) -> bool:
    return last is None or now - last >= interval


class PassRunner:
    """Runs passes for one organisation into one database."""

    def __init__(self, client: XeroClient, db: DbWorker, progress: ProgressSink | None = None):
        self.client = client
        self.db = db
        self.progress: ProgressSink = progress or (lambda _event: None)

    async def run(self, request: PassRequest) -> PassReport:
        run_id = await self.db.write(start_run, request.trigger)
        report = PassReport(run_id)
        reviews_before = await self.db.read(_open_review_count)
        calls_before = self.client.usage().calls
        try:
            options = await self.db.read(Options.load)
            for entity in request.only:
                handler = self._handlers().get(entity)
                if handler is None:
                    continue
                report.entities[entity.value] = await handler(options, request, run_id)
            report.outcome = "ok"
        except DailyLimitReachedError as error:
            report.outcome, report.message = "day_limit", str(error)
        except XerodeskError as error:
            report.outcome, report.message = "failed", str(error)
            raise
        finally:
            report.calls = self.client.usage().calls - calls_before
            report.new_review_items = max(
                0, await self.db.read(_open_review_count) - reviews_before
            )
            outcome = report.outcome if report.outcome != "running" else "cancelled"
            await self.db.write(finish_run, run_id, outcome, report.calls, report.message)
        return report

    def _handlers(
        self,
    ) -> dict[EntityKind, Callable[[Options, PassRequest, int], Awaitable[PullResult]]]:
        return {EntityKind.CONTACTS: self._contacts, EntityKind.ITEMS: self._items}

    async def _contacts(self, options: Options, request: PassRequest, run_id: int) -> PullResult:
        step = ContactsStep()
        cursor = await self.db.read(load_cursor, step.entity.value)
        now = utcnow()
        refresh = _due(cursor.last_refresh_at, CONTACT_REFRESH, now)
        result = await run_pull(
            step,
            self.client,
            self.db,
            options,
            full=request.full or refresh,
            run_id=run_id,
            progress=self.progress,
        )
        if refresh or request.full:
            await self.db.write(save_cursor, step.entity.value, last_refresh_at=now)
        await self.db.write(rederive_display_descriptions, options.display_account_number)
        return result

    async def _items(self, options: Options, request: PassRequest, run_id: int) -> PullResult:
        step = ItemsStep()
        result = await run_pull(
            step,
            self.client,
            self.db,
            options,
            full=request.full,
            run_id=run_id,
            progress=self.progress,
        )
        context = WriteContext(step.entity, run_id, options, True)
        cursor = await self.db.read(load_cursor, step.entity.value)
        now = utcnow()
        sweep = request.full or _due(
            cursor.last_reconcile_at, timedelta(hours=options.reconcile_interval_hours), now
        )
        self.progress(ProgressEvent(step.entity.value, Phase.REFRESHING))
        source = all_items(self.client) if sweep else tracked_items(self.client)
        async for page in source:
            await self.db.write(_write_refresh_page, page, context, not sweep)
            result.calls += 1
        if sweep:
            await self.db.write(save_cursor, step.entity.value, last_reconcile_at=now)
        return result


def _write_refresh_page(
    connection: Connection, page: Page, context: WriteContext, tracked_only: bool
) -> None:
    write_item_page(connection, page, context)
    present = {r["ItemID"] for r in page.records if isinstance(r.get("ItemID"), str)}
    mark_deleted(connection, present, tracked_only)
