"""Walking one entity's pages from Xero into the CRM, a page per transaction.

A pull step knows how to ask Xero for its entity and how to write one page;
``run_pull`` does the rest the same way for every entity: plan the walk from
the cursor, save each page with its resume point in one transaction, advance
the cursor when the whole walk is saved, report progress, stop cleanly at a
page boundary when cancelled.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, cast

from sqlalchemy import Connection, func, select

from xerodesk.domain.sync import Counts, EntityKind, Phase, ProgressEvent, ProgressSink
from xerodesk.engine.cursors import (
    OVERLAP,
    ResumeState,
    WalkPlan,
    after_page,
    next_cursor,
    plan_walk,
)
from xerodesk.engine.dbworker import DbWorker
from xerodesk.engine.guards import PLENTY, WalkWatch, empty_full_read
from xerodesk.store.options import Options
from xerodesk.store.rows import SqliteBinder, binder_for
from xerodesk.store.state import (
    add_run_counts,
    load_cursor,
    mark_entity_read,
    raise_review,
    save_cursor,
)
from xerodesk.store.types import utcnow
from xerodesk.store.xd_models import RecordLink
from xerodesk.xero.client import XeroClient
from xerodesk.xero.paging import Page

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WriteContext:
    """What a step's page writer may need besides the page."""

    entity: EntityKind
    run_id: int | None
    options: Options
    full: bool


@dataclass(frozen=True)
class PageOutcome:
    """What writing one page did."""

    counts: Counts
    newest: datetime | None = None


class PullStep(Protocol):
    """One entity's pull: how to read it from Xero and how to write a page."""

    entity: EntityKind

    def walk(self, client: XeroClient, plan: WalkPlan) -> AsyncIterator[Page]:
        """The pages of the walk ``plan`` describes, in order."""
        ...

    def write_page(self, connection: Connection, page: Page, context: WriteContext) -> PageOutcome:
        """Map and write one page (inside the caller's transaction)."""
        ...


class PreparingStep(PullStep, Protocol):
    """A step whose pages can be mapped apart from the database (``prepare``, pure),
    so that one page is mapped while the one before it is written."""

    def prepare(self, page: Page, binder: SqliteBinder | None) -> Any:
        """Map ``page`` (no database, no shared state): what ``write_prepared`` takes;
        with a ``binder`` (SQLite), its rows bound as the database takes them."""
        ...

    def write_prepared(
        self, connection: Connection, page: Page, prepared: Any, context: WriteContext
    ) -> PageOutcome:
        """Write a page ``prepare`` mapped (inside the caller's transaction)."""
        ...


@dataclass
class PullResult:
    entity: EntityKind
    counts: Counts = field(default_factory=Counts)
    pages: int = 0
    calls: int = 0
    cursor: datetime | None = None
    #: why the walk stopped early (a sanity guard), None when it completed
    stopped: str | None = None


#: the thread pages are mapped on, apart from the event loop and the database's thread
_MAPPER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xerodesk-map")


class PageWriter:
    """Writes a walk's pages in order, each with its resume point in one transaction.

    A page is written while the walk reads the next one from Xero: the write
    is left in flight when ``put`` returns. A step that can ``prepare`` a
    page apart from the database has it mapped (and, on SQLite, its rows
    bound) on a thread of its own while the page before it is written.
    Mapping is Python; a write is mostly SQLite's own work, which runs without
    holding the interpreter, many rows to a statement, so the two overlap
    (a syncing process shortens the switch interval so that the database
    thread gets the interpreter back promptly after each statement: see
    ``app.tune_interpreter``). Writes stay one at a time and in order, so a
    page is never saved before the one before it, and a stop (an error, a
    cancellation) lets the write in flight finish first.
    """

    def __init__(self, db: DbWorker, step: PullStep, context: WriteContext) -> None:
        self.db = db
        self.step = step
        self.context = context
        prepare = getattr(step, "prepare", None)
        self._prepare: Callable[[Page, SqliteBinder | None], Any] | None = (
            prepare if callable(prepare) else None
        )
        self._binder = binder_for(db.engine.dialect)
        self._pending: asyncio.Future[PageOutcome] | None = None
        self._pending_page: Page | None = None

    async def put(
        self, page: Page, resume: ResumeState, calls: int
    ) -> tuple[PageOutcome, Page] | None:
        """Queue ``page``; returns the outcome of the page before it, once written."""
        prepared = None
        if self._prepare is not None:
            loop = asyncio.get_running_loop()
            prepared = await loop.run_in_executor(_MAPPER, self._prepare, page, self._binder)
        done = await self.flush()
        self._pending = asyncio.ensure_future(
            self.db.write(
                write_page_transaction, self.step, page, self.context, resume, calls, prepared
            )
        )
        self._pending_page = page
        return done

    def _take(self) -> tuple[asyncio.Future[PageOutcome], Page] | None:
        """The write in flight and its page, no longer held here."""
        pending, page = self._pending, self._pending_page
        self._pending = self._pending_page = None
        return None if pending is None or page is None else (pending, page)

    async def flush(self) -> tuple[PageOutcome, Page] | None:
        """Wait for the page in flight; its outcome and page (None if there was none)."""
        taken = self._take()
        return None if taken is None else (await taken[0], taken[1])

    async def settle(self) -> tuple[PageOutcome, Page] | None:
        """After a stop: let the write in flight finish; its outcome if it was saved."""
        taken = self._take()
        if taken is None:
            return None
        pending, page = taken
        await asyncio.wait([pending])
        if pending.cancelled() or pending.exception() is not None:
            return None
        return pending.result(), page


def write_page_transaction(
    connection: Connection,
    step: PullStep,
    page: Page,
    context: WriteContext,
    resume: ResumeState,
    calls: int,
    prepared: Any = None,
) -> PageOutcome:
    if prepared is None:  # the step maps its page in the write itself
        outcome = step.write_page(connection, page, context)
    else:
        outcome = cast(PreparingStep, step).write_prepared(connection, page, prepared, context)
    save_cursor(connection, context.entity.value, resume=resume.to_json())
    record_page_counts(connection, context, outcome, calls)
    return outcome


def record_page_counts(
    connection: Connection, context: WriteContext, outcome: PageOutcome, calls: int
) -> None:
    """Add one written page's counts and calls to its run's figures for the entity."""
    if context.run_id is None:
        return
    c = outcome.counts
    add_run_counts(
        connection,
        context.run_id,
        context.entity.value,
        created=c.created,
        updated=c.updated,
        unchanged=c.unchanged,
        skipped=c.skipped,
        errors=c.errors,
        pages=1,
        calls=calls,
    )


def _finish_walk(
    connection: Connection,
    entity: EntityKind,
    cursor: datetime | None,
    full: bool,
    run_id: int | None = None,
) -> None:
    """The walk's cursor. The first walk of an entity the sweep reconciles read
    everything as it is (archived and merged contacts included): it counts as the
    entity's reconciliation, saved here with the cursor, so that a pass stopped
    before its sweep cannot leave the entity read but never reconciled (the next
    pass would sweep it a day early, and apply merges an uninterrupted pair of
    passes leaves for the first scheduled sweep). The run log says the entity
    was read whole in this run (``mark_entity_read``), in the same transaction."""
    from xerodesk.engine.sweep import SWEPT  # the sweep builds on this module

    now = utcnow()
    values: dict[str, object] = {"modified_since": cursor, "resume": None}
    if full:
        values["last_full_at"] = now
    if entity in SWEPT:
        before = load_cursor(connection, entity.value)
        if before.modified_since is None and before.last_reconcile_at is None:
            values["last_reconcile_at"] = now
    save_cursor(connection, entity.value, **values)
    if run_id is not None:
        mark_entity_read(connection, run_id, entity.value, now)


#: at most this many catch-up walks after a walk that saw records move
CATCH_UP_ROUNDS = 3


@dataclass
class _Walk:
    """What one walk of a pull saw."""

    watch: WalkWatch
    started_at: datetime | None
    newest: datetime | None = None
    stopped: bool = False


async def run_pull(
    step: PullStep,
    client: XeroClient,
    db: DbWorker,
    options: Options,
    *,
    full: bool = False,
    run_id: int | None = None,
    progress: ProgressSink | None = None,
) -> PullResult:
    """Pull one entity: every page saved with its resume point, then the cursor.

    A walk that saw fewer records than Xero counted lost some to edits made
    while it read (they moved to the front of the newest-first order): a
    catch-up walk from the walk's start reads them before the pass moves on.
    """
    entity = step.entity
    cursor = await db.read(load_cursor, entity.value)
    plan = plan_walk(cursor.modified_since, ResumeState.from_json(cursor.resume), full)
    result = PullResult(entity)
    emit = progress or (lambda _event: None)
    emit(ProgressEvent(entity.value, Phase.READING))
    walk = await _walk(step, client, db, options, plan, run_id, result, emit)
    newest = walk.newest
    if walk.stopped:
        return result
    if plan.full and plan.start_page == 1 and walk.watch.records == 0:
        known = await db.read(_linked_count, entity)
        if known >= PLENTY:
            await db.write(raise_review, empty_full_read(entity, known), run_id)
    for _ in range(CATCH_UP_ROUNDS):
        if not walk.watch.missing() or walk.started_at is None:
            break
        catch_up = WalkPlan(walk.started_at - OVERLAP, 1, None, plan.full)
        walk = await _walk(step, client, db, options, catch_up, run_id, result, emit)
        if walk.stopped:
            return result
        if walk.newest and (newest is None or walk.newest > newest):
            newest = walk.newest
    result.cursor = next_cursor(cursor.modified_since, walk.started_at, newest)
    await db.write(_finish_walk, entity, result.cursor, plan.full, run_id)
    emit(
        ProgressEvent(
            entity.value, Phase.DONE, result.counts, pages=result.pages, calls=result.calls
        )
    )
    return result


async def _walk(
    step: PullStep,
    client: XeroClient,
    db: DbWorker,
    options: Options,
    plan: WalkPlan,
    run_id: int | None,
    result: PullResult,
    emit: ProgressSink,
) -> _Walk:
    """One walk: each page written with its resume point in one transaction."""
    entity = step.entity
    context = WriteContext(entity, run_id, options, plan.full)
    walk = _Walk(WalkWatch(entity, plan.start_page), plan.started_at)
    writer = PageWriter(db, step, context)

    def saved(done: tuple[PageOutcome, Page] | None) -> None:
        if done is None:
            return
        outcome, page = done
        result.counts += outcome.counts
        result.pages += 1
        if outcome.newest and (walk.newest is None or outcome.newest > walk.newest):
            walk.newest = outcome.newest
        emit(_progress(entity, result, page))

    calls_before = client.usage().calls
    try:
        async for page in step.walk(client, plan):
            problem = walk.watch.observe(page)
            if problem is not None:
                saved(await writer.flush())
                await db.write(raise_review, problem, run_id)
                result.stopped = problem.title
                emit(
                    ProgressEvent(entity.value, Phase.FAILED, result.counts, message=problem.title)
                )
                walk.stopped = True
                return walk
            walk.started_at = walk.started_at or page.response_time
            calls_now = client.usage().calls
            resume = after_page(plan, walk.started_at, page.page)
            result.calls += calls_now - calls_before
            saved(await writer.put(page, resume, calls_now - calls_before))
            calls_before = calls_now
        saved(await writer.flush())
    finally:
        saved(await writer.settle())
    return walk


def _linked_count(connection: Connection, entity: EntityKind) -> int:
    query = select(func.count()).select_from(RecordLink).where(RecordLink.entity == entity.value)
    return int(connection.scalar(query) or 0)


def _progress(entity: EntityKind, result: PullResult, page: Page) -> ProgressEvent:
    expected = page.pagination.item_count if page.pagination else None
    return ProgressEvent(
        entity.value,
        Phase.WRITING,
        result.counts,
        expected=expected,
        pages=result.pages,
        calls=result.calls,
        minute_remaining=page.limits.minute_remaining,
        day_remaining=page.limits.day_remaining,
    )
