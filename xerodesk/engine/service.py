"""The long-running sync: scheduled passes, immediate pushes, one runner per database.

``SyncService.run(stop)`` takes the database's runner lease, then loops: a
pass as often as the day's Xero calls allow and never more often than
``sync_interval_minutes`` (``engine.schedule``, planned afresh after each
pass, so a changed option applies), pushes as soon as the CRM has something to send,
and a heartbeat on the lease. With a webhook consumer, the records that
Xero's webhook events name are read between passes as soon as the events
are stored (``engine.webhooks``); while webhooks work, passes are the safety
net and come at most every ``webhook_poll_minutes``, and a pass that ends
well answers the events received before it began. Setting ``stop`` cancels the work in hand at
its next page boundary (the page being written is finished, never cut), then
releases the lease.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

from xerodesk.domain.sync import ProgressSink
from xerodesk.engine.dbworker import DbWorker
from xerodesk.engine.lock import RunnerBusyError, RunnerLock
from xerodesk.engine.pass_types import PassReport, PassRequest
from xerodesk.engine.passes import PassRunner
from xerodesk.engine.schedule import PassSchedule, next_pass
from xerodesk.engine.webhooks.consumer import WebhookConsumer, WebhookReport, cover_events
from xerodesk.engine.webhooks.health import mark_listening, webhook_health
from xerodesk.errors import DailyLimitReachedError, UnreachableError, XerodeskError
from xerodesk.store.options import Options
from xerodesk.store.types import utcnow

log = logging.getLogger(__name__)


class Pusher(Protocol):
    """What the service needs of the push side: notice work, then send it."""

    async def pending(self) -> bool:
        """Detect new CRM customers, products and confirmed orders; True if any wait."""
        ...

    async def push(self) -> None:
        """Send what waits in the outbox."""
        ...


@dataclass
class ServiceSettings:
    poll_seconds: float = 1.0
    heartbeat: timedelta = timedelta(seconds=30)
    busy_retry: timedelta = timedelta(seconds=30)
    retry_after_failure: timedelta = timedelta(minutes=1)


@dataclass
class ServiceStats:
    passes: int = 0
    pushes: int = 0
    failures: int = 0
    reports: list[PassReport] = field(default_factory=list)
    #: reads of records named by webhook events
    webhook_reads: int = 0
    webhook_reports: list[WebhookReport] = field(default_factory=list)


class SyncService:
    """Runs passes and pushes until told to stop."""

    def __init__(
        self,
        runner: PassRunner,
        db: DbWorker,
        lock: RunnerLock,
        *,
        pusher: Pusher | None = None,
        settings: ServiceSettings | None = None,
        progress: ProgressSink | None = None,
        on_report: Callable[[PassReport], None] | None = None,
        consumer: WebhookConsumer | None = None,
        webhook_events: asyncio.Event | None = None,
    ) -> None:
        self.runner = runner
        self.db = db
        self.lock = lock
        self.pusher = pusher
        self.settings = settings or ServiceSettings()
        self.progress = progress
        self.on_report = on_report
        self.consumer = consumer
        #: set by the webhook receiver when it stored new events (None: look every poll)
        self.webhook_events = webhook_events
        self.stats = ServiceStats()
        self.schedule: PassSchedule | None = None
        self._consumer_held_until = 0.0

    async def run(self, stop: asyncio.Event) -> ServiceStats:
        if not await self._take_lock(stop):
            return self.stats
        try:
            if self.consumer is not None:
                await self.db.write(mark_listening, utcnow())
            await self._loop(stop)
        finally:
            if self.consumer is not None:
                await self.db.write(mark_listening, None)
            await asyncio.to_thread(self.lock.release)
        return self.stats

    async def _take_lock(self, stop: asyncio.Event) -> bool:
        while not stop.is_set():
            try:
                await asyncio.to_thread(self.lock.acquire)
                return True
            except RunnerBusyError as busy:
                log.warning("%s; waiting for it to finish", busy)
                await _wait(stop, self.settings.busy_retry.total_seconds())
        return False

    async def _loop(self, stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        next_pass = loop.time()
        next_beat = loop.time() + self.settings.heartbeat.total_seconds()
        while not stop.is_set():
            now = loop.time()
            if now >= next_pass:
                delay = await self._guarded(stop, self._scheduled_pass())
                next_pass = loop.time() + delay
            else:
                if self.pusher is not None:
                    await self._guarded(stop, self._push_if_pending())
                if self.consumer is not None:
                    await self._guarded(stop, self._read_announced())
            if loop.time() >= next_beat:
                await asyncio.to_thread(self.lock.heartbeat)
                next_beat = loop.time() + self.settings.heartbeat.total_seconds()
            wait = min(self.settings.poll_seconds, max(0.0, next_pass - loop.time()))
            await _wait(stop, wait)

    async def _guarded(self, stop: asyncio.Event, work: Awaitable[float | None]) -> float:
        """Run ``work`` until done or until ``stop``; returns the delay it asks for."""
        task = asyncio.ensure_future(work)
        stopper = asyncio.ensure_future(stop.wait())
        try:
            done, _ = await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
            if task not in done:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
                return 0.0
            return task.result() or 0.0
        finally:
            stopper.cancel()

    async def _scheduled_pass(self) -> float:
        """One pass (with the pushes around it); the seconds until the next, as planned."""
        options = await self.db.read(Options.load)
        interval = options.sync_interval_minutes * 60.0
        try:
            if self.pusher is not None:
                await self._push_if_pending()
            try:
                report = await self.runner.run(PassRequest(trigger="schedule"))
            except asyncio.CancelledError:
                # stopped as the pass was recording its end: it did finish
                last = self.runner.last_report
                if last is not None and last.outcome == "ok":
                    self._count(last)
                raise
            self._count(report)  # the pass is done, whatever happens to the pushes after it
            self._consumer_held_until = 0.0
            if self.consumer is not None and report.outcome == "ok":
                covered = await self.db.write(cover_events, report.run_id)
                if covered:
                    log.info("the pass answered %d webhook event(s) waiting", covered)
            if self.pusher is not None:
                await self._push_if_pending()
        except DailyLimitReachedError as error:
            log.warning("%s", error)
            return error.retry_after or interval
        except (UnreachableError, XerodeskError) as error:
            self.stats.failures += 1
            log.error("sync pass failed: %s", error)
            return self.settings.retry_after_failure.total_seconds()
        return await self._next_pass_in()

    async def _next_pass_in(self) -> float:
        now = utcnow()
        webhooks = False
        if self.consumer is not None:
            health = await self.db.read(webhook_health, now)
            webhooks = health.working
            if health.looks_off:
                log.warning(
                    "Xero's webhooks look off: nothing delivered since %s while syncs found "
                    "%d unannounced change(s); syncing as often as without them",
                    f"{health.last_delivery_at or health.listening_since:%Y-%m-%d %H:%M}",
                    health.unannounced,
                )
        self.schedule = await self.db.read(next_pass, now, now, webhooks=webhooks)
        log.info(
            "next pass at %s (%s; about %d calls a pass, %d left today)",
            f"{self.schedule.due_at:%H:%M:%S}",
            self.schedule.reason,
            self.schedule.pass_cost,
            self.schedule.calls_left,
        )
        return max(0.0, (self.schedule.due_at - now).total_seconds())

    def _count(self, report: PassReport) -> None:
        self.stats.passes += 1
        counts = report.counts
        log.info(
            "pass %d %s: %d created, %d updated, %d unchanged, %d to review; %d Xero calls",
            report.run_id,
            "finished" if report.outcome == "ok" else report.outcome,
            counts.created,
            counts.updated,
            counts.unchanged,
            report.new_review_items,
            report.calls,
        )
        self.stats.reports.append(report)
        if self.on_report is not None:
            self.on_report(report)

    async def _read_announced(self) -> None:
        """Read what waiting webhook events name (pushes go first: they are called
        before this). After a failure it waits ``retry_after_failure``; on a spent
        day it leaves the events to the next pass, which answers them."""
        assert self.consumer is not None
        loop = asyncio.get_running_loop()
        if loop.time() < self._consumer_held_until:
            return
        if self.webhook_events is not None:
            if not self.webhook_events.is_set():
                return
            self.webhook_events.clear()
        try:
            report = await self.consumer.run()  # nothing waiting: no run, no call
        except (UnreachableError, XerodeskError) as error:
            self.stats.failures += 1
            log.error("reading the records webhook events named failed: %s", error)
            self._hold_consumer(self.settings.retry_after_failure.total_seconds())
            return
        if report.run_id is None:
            return
        self.stats.webhook_reads += 1
        self.stats.webhook_reports.append(report)
        if report.outcome == "day_limit":
            self._hold_consumer(float("inf"))  # until the next pass has run

    def _hold_consumer(self, seconds: float) -> None:
        self._consumer_held_until = asyncio.get_running_loop().time() + seconds
        if self.webhook_events is not None:
            self.webhook_events.set()  # look again once the hold is over

    async def _push_if_pending(self) -> None:
        assert self.pusher is not None
        if await self.pusher.pending():
            await self.pusher.push()
            self.stats.pushes += 1


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
