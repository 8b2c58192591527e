"""The facade the desktop app drives: a database, a Xero connection, passes, gauges.

Qt-free and asyncio-only. Database work goes through a ``DbWorker`` (one
thread, awaited), so the caller's event loop never waits on the database.
Passes run in a *runner*, by default a separate process (see
``xerodesk.session``): reading a 2 MB page of invoices parses JSON for a
quarter of a second with the interpreter lock held, which a thread cannot
hide from the window, and a process can. The runner reports progress, call
usage and results as messages; the controller folds them into a snapshot per
entity that the app reads a few times a second, and tells listeners what
changed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import Connection, Engine

from xerodesk.domain.sync import PULL_ORDER, EntityKind, Phase
from xerodesk.engine.control_types import (
    CallUsage,
    Change,
    ConnectionInfo,
    DatabaseInfo,
    EntityProgress,
    Listener,
    Message,
    PassSummary,
    Runner,
    XeroTarget,
    _counts,
    check_database,
    database_owner,
    open_migrated,
    owner_of,
)
from xerodesk.engine.dbworker import DbWorker
from xerodesk.engine.eta import Overall, overall, pass_sizes
from xerodesk.engine.review import perform, undo_in
from xerodesk.engine.schedule import next_pass
from xerodesk.errors import AuthenticationError, ConfigurationError
from xerodesk.store.database import display_url
from xerodesk.store.options import OPTIONS, Options, OptionSpec, set_option
from xerodesk.store.organisation import claim_organisation, read_owner
from xerodesk.store.types import utcnow
from xerodesk.store.views import review_item

__all__ = [
    "CallUsage",
    "Change",
    "ConnectionInfo",
    "DatabaseInfo",
    "EntityProgress",
    "Listener",
    "Message",
    "PassSummary",
    "Runner",
    "SyncController",
    "XeroTarget",
    "check_database",
    "database_owner",
    "open_migrated",
]

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")


class SyncController:
    """The app's one handle on the engine."""

    def __init__(self, runner_factory: Callable[[], Runner], *, auto_sync: bool = True) -> None:
        self._runner_factory = runner_factory
        self.auto_sync = auto_sync
        self.database: DatabaseInfo | None = None
        self.connection: ConnectionInfo | None = None
        self.running = False
        self.progress: dict[str, EntityProgress] = {}
        self.last_pass: PassSummary | None = None
        self.next_sync_at: datetime | None = None
        self.usage: CallUsage | None = None
        self.usage_history: deque[CallUsage] = deque(maxlen=600)
        self._db: DbWorker | None = None
        self._engine: Engine | None = None
        self._runner: Runner | None = None
        self._target: XeroTarget | None = None
        self._listeners: list[Listener] = []
        self._schedule: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._pass_done: asyncio.Future[PassSummary] | None = None
        self._request: Message = {}
        self._closing: asyncio.Future[None] | None = None
        #: the pass in hand's (or last one's) start and end (monotonic), and entity sizes
        self._clock: tuple[float, float | None] | None = None
        self._sizes: dict[str, int | None] | None = None
        self._sizing: asyncio.Task[None] | None = None
        self.reset_progress()

    # -- listeners ------------------------------------------------------------

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _tell(self, change: Change, payload: object = None) -> None:
        for listener in list(self._listeners):
            try:
                listener(change, payload)
            except Exception:
                log.exception("a listener failed on %s", change)

    # -- database -------------------------------------------------------------

    async def open_database(self, url: str) -> DatabaseInfo:
        """Open (creating or upgrading) the CRM database at ``url``; closes the one before."""
        engine = await asyncio.to_thread(open_migrated, url)
        owner = await asyncio.to_thread(read_owner, engine)
        await self.disconnect()
        await self._close_database()
        self._engine, self._db = engine, DbWorker(engine)
        self.database = DatabaseInfo(url, display_url(url), engine.dialect.name, owner)
        self._tell(Change.DATABASE, self.database)
        return self.database

    async def _close_database(self) -> None:
        db, engine = self._db, self._engine
        self._db = self._engine = None
        self.database = None
        if db is not None:
            await asyncio.to_thread(db.close)
        if engine is not None:
            engine.dispose()

    def _worker(self) -> DbWorker:
        if self._db is None:
            raise ConfigurationError("Open a CRM database first (see the Connection tab).")
        return self._db

    async def query(
        self, fn: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run a read query (e.g. from ``xerodesk.store.views``) on the database worker."""
        return await self._worker().read(fn, *args, **kwargs)

    # -- options and review ---------------------------------------------------

    @staticmethod
    def option_specs() -> tuple[OptionSpec, ...]:
        return OPTIONS

    async def option_values(self) -> dict[str, str]:
        options = await self._worker().read(Options.load)
        return {spec.name: options.raw(spec.name) for spec in OPTIONS}

    async def save_options(self, values: Mapping[str, str]) -> dict[str, str]:
        """Validate every value, then store them all in one transaction."""
        spec_by_name = {spec.name: spec for spec in OPTIONS}
        for name, raw in values.items():
            if name not in spec_by_name:
                raise ConfigurationError(f"there is no system option called {name!r}")
            spec_by_name[name].validate(raw)

        def store(connection: Connection) -> dict[str, str]:
            return {name: set_option(connection, name, raw) for name, raw in values.items()}

        saved = await self._worker().write(store)
        self._tell(Change.OPTIONS, saved)
        self._wake.set()
        return saved

    async def review_action(self, item_id: int, action: str, target: str | None = None) -> str:
        """Carry out ``action`` on review item ``item_id``; returns the resolution.

        ``target`` is the value an action needs (``link_other``: the Xero record).
        """

        def act(connection: Connection) -> str:
            item = review_item(connection, item_id)
            if item is None:
                raise ConfigurationError("That review item no longer exists.")
            return perform(connection, item, action, target)

        done = await self._worker().write(act)
        if self._runner is not None:
            self._runner.send({"cmd": "push"})  # anything the action queued goes at once
        self._tell(Change.REVIEW, item_id)
        return done

    async def undo_review_action(self, item_id: int, action: str) -> None:
        """Take back ``action`` on item ``item_id`` (``engine.review.UNDOABLE``)."""
        await self._worker().write(undo_in, item_id, action)
        self._tell(Change.REVIEW, item_id)

    # -- connection -----------------------------------------------------------

    async def connect(self, target: XeroTarget) -> ConnectionInfo:
        """Start a runner connected to ``target`` (replacing any other connection)."""
        if self.database is None:
            raise ConfigurationError("Open a CRM database before connecting to Xero.")
        await self.disconnect()
        runner = self._runner_factory()
        try:
            ready = await runner.start(self.database.url, target, self._on_message)
        except AuthenticationError as error:
            self._tell(Change.SIGN_IN_NEEDED, str(error))
            raise
        try:  # a database keeps one organisation's books: refuse any other
            owner = await self._worker().write(claim_organisation, *owner_of(ready, target))
        except BaseException:
            await runner.close()
            raise
        self.database = replace(self.database, owner=owner)
        self._runner, self._target = runner, target
        self.connection = ConnectionInfo(
            target.label,
            str(ready.get("tenant_id") or ""),
            str(ready.get("organisation") or ""),
            target.demo,
        )
        self._on_usage(ready.get("usage"))
        self._tell(Change.CONNECTION, self.connection)
        if self.auto_sync:
            self._schedule = asyncio.ensure_future(self._scheduler())
        return self.connection

    async def disconnect(self) -> None:
        schedule, self._schedule = self._schedule, None
        if schedule is not None:
            schedule.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await schedule
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.close()
        if self.connection is not None:
            self.connection = None
            self.next_sync_at = None
            self._tell(Change.CONNECTION, None)
        self._finish_running()

    async def close(self) -> None:
        if self._sizing is not None:
            self._sizing.cancel()
        await self.disconnect()
        await self._close_database()

    # -- passes ---------------------------------------------------------------

    def sync_now(self) -> bool:
        """Start an incremental pass of every entity; False if one is running."""
        return self._start({"full": False, "only": [k.value for k in PULL_ORDER]}, "manual")

    def full_resync(self, entity: EntityKind | None = None) -> bool:
        """Re-read one entity (or all) in full; False if a pass is running."""
        only = [entity.value] if entity else [k.value for k in PULL_ORDER]
        return self._start({"full": True, "only": only}, "full_resync")

    def stop(self) -> None:
        """Cancel the pass in hand at its next page boundary."""
        if self._runner is not None and self.running:
            self._runner.send({"cmd": "stop"})

    async def wait_for_pass(self) -> PassSummary:
        """The summary of the pass in hand (tests and scripts)."""
        if self._pass_done is None:
            raise ConfigurationError("No pass is running.")
        return await self._pass_done

    def _start(self, request: Message, trigger: str) -> bool:
        if self._runner is None:
            raise ConfigurationError("Connect to Xero or the demo company first.")
        if self.running:
            return False
        self._request = {**request, "trigger": trigger}
        self.reset_progress(request["only"])
        self._clock, self._sizes = (time.monotonic(), None), None
        self._sizing = asyncio.ensure_future(self._read_sizes(request))
        self.running = True
        self._pass_done = asyncio.get_running_loop().create_future()
        self._runner.send({"cmd": "pass", **self._request})
        self._tell(Change.RUNNING, True)
        return True

    async def _read_sizes(self, request: Message) -> None:
        """How many pages each entity of the pass has, as far as the CRM knows."""
        only = tuple(EntityKind(name) for name in request["only"])
        try:
            self._sizes = await self._worker().read(pass_sizes, only, bool(request["full"]))
        except Exception as error:  # an estimate only: the pass goes on without it
            log.info("no estimate of the pass's pages: %s", error)
        self._tell(Change.PROGRESS, None)

    def overall(self) -> Overall | None:
        """The pass in hand (or the last one) as a whole; None before the first."""
        if self._clock is None:
            return None
        started, ended = self._clock
        elapsed = (ended if ended is not None else time.monotonic()) - started
        return overall(self.progress, self._sizes, elapsed)

    def reset_progress(self, only: list[str] | None = None) -> None:
        chosen = set(only) if only is not None else {k.value for k in PULL_ORDER}
        self.progress = {
            k.value: EntityProgress(k.value, included=k.value in chosen) for k in PULL_ORDER
        }

    async def _scheduler(self) -> None:
        """A pass now, then each as the day's calls allow (``engine.schedule``), never
        sooner than ``sync_interval_minutes`` after the last one ended."""
        due = utcnow()
        while True:
            self.next_sync_at = due
            self._tell(Change.SCHEDULE, due)
            self._wake.clear()
            delay = (due - utcnow()).total_seconds()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=max(0.0, delay))
            if utcnow() >= due and not self.running:
                self._start({"full": False, "only": [k.value for k in PULL_ORDER]}, "schedule")
            if self._pass_done is not None and not self._pass_done.done():
                await asyncio.wait([self._pass_done])
            last = self.last_pass.finished_at if self.last_pass else utcnow()
            schedule = await self._worker().read(next_pass, last, utcnow())
            due = schedule.due_at

    # -- messages from the runner ---------------------------------------------

    def _on_message(self, message: Message) -> None:
        kind = message.get("event")
        if kind == "progress":
            self._on_progress(message)
        elif kind == "usage":
            self._on_usage(message.get("usage"))
        elif kind == "finished":
            self._on_finished(message)
        elif kind == "failed":
            self._on_failed(message)
        elif kind == "exited":
            self._on_exited(message)
        elif kind == "pushed":
            self._tell(Change.PUSHED, dict(message.get("pushes") or {}))
            self._tell(Change.REVIEW, None)

    def _on_progress(self, message: Message) -> None:
        entity = str(message.get("entity"))
        entry = self.progress.setdefault(entity, EntityProgress(entity))
        entry.included = True
        entry.phase = Phase(message.get("phase", Phase.READING))
        entry.counts = _counts(message.get("counts") or {})
        entry.expected = message.get("expected") or entry.expected
        entry.pages = int(message.get("pages") or entry.pages)
        entry.calls = int(message.get("calls") or entry.calls)
        entry.message = message.get("message")
        self._tell(Change.PROGRESS, entity)

    def _on_usage(self, data: Mapping[str, Any] | None) -> None:
        if not data:
            return
        usage = CallUsage.from_message(data, utcnow())
        self.usage = usage
        if (
            not self.usage_history
            or (usage.taken_at - self.usage_history[-1].taken_at).total_seconds() >= 1
        ):
            self.usage_history.append(usage)
        self._tell(Change.USAGE, usage)

    def _on_finished(self, message: Message) -> None:
        summary = PassSummary.from_report(message.get("report") or {}, self._request, utcnow())
        for name, entry in self.progress.items():
            if entry.included and entry.phase not in (Phase.DONE, Phase.FAILED):
                # stopped (or at the day's limit) before its end: not finished
                entry.phase = Phase.DONE if summary.outcome == "ok" else Phase.CANCELLED
            if name in summary.counts:
                entry.counts = summary.counts[name]
        self._finish_pass(summary)

    def _on_failed(self, message: Message) -> None:
        reason = str(message.get("reason") or "error")
        text = str(message.get("message") or "The sync failed.")
        for entry in self.progress.values():
            if entry.included and entry.phase is not Phase.DONE:
                entry.phase = Phase.FAILED
        summary = PassSummary.from_report(
            {"outcome": "failed", "message": text}, self._request, utcnow()
        )
        if reason == "auth":
            self._tell(Change.SIGN_IN_NEEDED, text)
        self._tell(Change.PROBLEM, text)
        self._finish_pass(summary)

    def _on_exited(self, message: Message) -> None:
        if self._runner is None:
            return
        text = f"The sync process stopped unexpectedly (exit status {message.get('code')})."
        if self._schedule is not None:
            self._schedule.cancel()
            self._schedule = None
        runner, self._runner = self._runner, None
        self._closing = asyncio.ensure_future(runner.close())  # its pipes; it is gone
        self._tell(Change.PROBLEM, text)
        if self.running:
            self._on_failed({"reason": "error", "message": text})
        self.connection = None
        self.next_sync_at = None
        self._tell(Change.CONNECTION, None)

    def _finish_pass(self, summary: PassSummary) -> None:
        self.last_pass = summary
        if self._clock is not None and self._clock[1] is None:
            self._clock = (self._clock[0], time.monotonic())
        if self._pass_done is not None and not self._pass_done.done():
            self._pass_done.set_result(summary)
        self._finish_running()
        self._wake.set()
        self._tell(Change.PROGRESS, None)
        self._tell(Change.PASS_FINISHED, summary)
        self._tell(Change.REVIEW, None)

    def _finish_running(self) -> None:
        if self.running:
            self.running = False
            self._tell(Change.RUNNING, False)
        if self._pass_done is not None and not self._pass_done.done():
            self._pass_done.cancel()
