"""The day's Xero calls: what is left, what a pass will cost, and what goes first.

Xero allows each organisation 5,000 calls a day (1,000 on the Starter tier);
the option ``daily_call_budget`` says which. What is left today is the
smaller of the budget less the calls of the runs of the last 24 hours and
Xero's own last word (``X-DayLimit-Remaining``, kept with each run in the
run log, less the calls of the runs since), so a new process knows it before
its first call.

The plan estimates a pass from the cursors: an incremental walk is about one
page; a full read (first sync, full resync, the hourly re-read of contacts)
or an interrupted one is as many pages as the records known from the last
full read; items, not paged, are one call; the sweep is one list per entity
(none for items: it reuses the pass's list); pushes are the outbox's pending
items. Steps go in priority order: pushes, reference data, master data and
the sweep, then documents. A backfill (a full read of documents) takes what
is left; when that is spent it stops at a page boundary, each page already
committed with its resume point, and goes on once the budget allows.

The estimate plans; the client enforces. ``prime_client`` counts the calls
of earlier runs into the client's day budget, whose transport refuses any
call past it (``DailyLimitReachedError``): a pass never exceeds the budget,
whatever the estimate said.
"""

from __future__ import annotations

import weakref
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from xerodesk.domain.sync import WEBHOOK_TRIGGER, EntityKind
from xerodesk.engine.cursors import ResumeState, plan_walk
from xerodesk.engine.dbworker import DbWorker
from xerodesk.engine.push.model import PushState
from xerodesk.engine.steps.currencies import organisation_due
from xerodesk.engine.stock import stock_check_due
from xerodesk.engine.sweep import estimate_sweep_calls
from xerodesk.store.options import Options
from xerodesk.store.state import add_run_counts, load_cursor
from xerodesk.store.types import utcnow
from xerodesk.store.xd_models import OutboxItem, RecordLink, SyncRun, SyncRunEntity
from xerodesk.xero.client import XeroClient
from xerodesk.xero.endpoints import MAX_PAGE_SIZE
from xerodesk.xero.usage import pages_needed

DAY = timedelta(hours=24)
#: how often contacts are re-read whole, for what neither the balances re-read
#: after documents nor the falling-due re-read sees (see ``engine.passes``)
CONTACT_REFRESH = timedelta(hours=24)

#: how often tax rates and currencies are read (Xero offers no modified-since for them)
REFERENCE_REFRESH = timedelta(hours=1)

PUSH, REFERENCE, MASTER, SWEEP, DOCUMENTS = "push", "reference", "master", "sweep", "documents"
WEBHOOK = WEBHOOK_TRIGGER
GROUPS = {
    EntityKind.TAX_RATES: REFERENCE,
    EntityKind.CURRENCIES: REFERENCE,
    EntityKind.CONTACTS: MASTER,
    EntityKind.ITEMS: MASTER,
    EntityKind.INVOICES: DOCUMENTS,
    EntityKind.CREDIT_NOTES: DOCUMENTS,
    EntityKind.PURCHASE_ORDERS: DOCUMENTS,
}
PRIORITY = (PUSH, REFERENCE, MASTER, SWEEP, DOCUMENTS)


@dataclass(frozen=True)
class DayUsage:
    """Today's calls: the budget, what the runs of the last 24 hours used, what is left."""

    as_of: datetime
    daily_budget: int
    used: int
    #: Xero's last ``X-DayLimit-Remaining``, less the calls of the runs since (None: unknown)
    xero_remaining: int | None
    xero_seen_at: datetime | None
    calls_left: int
    #: (calls, when) of the runs of the last 24 hours, for ``prime_client``
    runs: tuple[tuple[int, datetime], ...] = ()
    #: of ``used``, the calls pushes made (their own runs and within passes)
    push_calls: int = 0
    #: bytes of Xero's answers in the last 24 hours: as read, and on the wire
    bytes_read: int = 0
    wire_bytes: int = 0
    #: of ``used``, the calls of reads of records named by webhook events
    webhook_calls: int = 0


def day_usage(connection: Connection, daily_budget: int, now: datetime | None = None) -> DayUsage:
    """What today's calls stand at, from the run log."""
    now = now or utcnow()
    rows = connection.execute(
        select(
            SyncRun.calls_used,
            SyncRun.started_at,
            SyncRun.finished_at,
            SyncRun.day_remaining,
            SyncRun.trigger,
            SyncRun.bytes_read,
            SyncRun.wire_bytes,
        )
        .where(SyncRun.started_at > now - DAY)
        .order_by(SyncRun.id)
    ).all()
    used = pushes = hooks = read = wire = 0
    xero: int | None = None
    seen_at: datetime | None = None
    runs: list[tuple[int, datetime]] = []
    for calls, started, finished, remaining, trigger, run_read, run_wire in rows:
        calls = int(calls or 0)
        read += int(run_read or 0)
        wire += int(run_wire or 0)
        used += calls
        pushes += calls if trigger == PUSH else 0
        hooks += calls if trigger == WEBHOOK else 0
        runs.append((calls, finished or started))
        if xero is not None:
            xero -= calls
        if remaining is not None:
            xero, seen_at = int(remaining), finished or started
    pushes += _push_calls_in_passes(connection, now)
    left = daily_budget - used
    if xero is not None:
        left = min(left, xero)
    runs_ = tuple(runs)
    return DayUsage(
        now, daily_budget, used, xero, seen_at, max(0, left), runs_, pushes, read, wire, hooks
    )


def _push_calls_in_passes(connection: Connection, now: datetime) -> int:
    """The calls of the pushes sent around passes in the last 24 hours."""
    query = (
        select(func.coalesce(func.sum(SyncRunEntity.calls), 0))
        .join(SyncRun, SyncRun.id == SyncRunEntity.run_id)
        .where(SyncRunEntity.entity == PUSH, SyncRun.started_at > now - DAY)
    )
    return int(connection.scalar(query) or 0)


def record_push_run(
    connection: Connection,
    calls: int,
    started_at: datetime,
    remaining: int | None,
    read: tuple[int, int] = (0, 0),
) -> None:
    """Log the calls of pushes sent between passes as a run of their own (trigger
    ``push``), so that the day's count and the planner see them after a restart;
    ``read`` is the bytes of Xero's answers (as read, on the wire)."""
    if calls > 0:
        connection.execute(
            insert(SyncRun).values(
                trigger=PUSH,
                started_at=started_at,
                finished_at=utcnow(),
                outcome="ok",
                calls_used=calls,
                day_remaining=remaining,
                bytes_read=read[0],
                wire_bytes=read[1],
            )
        )


def push_reserve(daily_budget: int) -> int:
    """Calls kept for pushes each day: a tenth of the budget, at least 50 (100 on
    Starter, 500 on the standard 5,000), so a day of confirmed orders always fits."""
    return min(daily_budget, max(50, daily_budget // 10))


_primed: weakref.WeakSet[XeroClient] = weakref.WeakSet()


def prime_client(client: XeroClient, usage: DayUsage) -> None:
    """Count earlier runs' calls (and Xero's last word) into the client's day budget, once."""
    if client in _primed:
        return
    _primed.add(client)
    budget = client.budget
    budget.reserve = push_reserve(budget.daily_limit)
    for calls, at in usage.runs:
        budget.count_earlier(calls, (usage.as_of - at).total_seconds())
    extra = budget.local_remaining() - usage.calls_left
    if extra > 0:
        # Fewer left than the runs explain: a smaller budget than the client's,
        # another app, or a process that died before logging its run. Hold
        # them from Xero's reading.
        seen = usage.xero_seen_at or usage.as_of
        budget.count_earlier(extra, (usage.as_of - seen).total_seconds())


async def prepare_client(client: XeroClient, db: DbWorker) -> DayUsage:
    """Read today's usage and prime ``client`` with it (a no-op the second time)."""
    options = await db.read(Options.load)
    usage = await db.read(day_usage, min(options.daily_call_budget, client.budget.daily_limit))
    prime_client(client, usage)
    return usage


def record_day_remaining(connection: Connection, run_id: int, remaining: int | None) -> None:
    """Keep Xero's day remainder with the run (nothing when no response said it)."""
    if remaining is not None:
        connection.execute(
            update(SyncRun).where(SyncRun.id == run_id).values(day_remaining=remaining)
        )


def record_push_calls(
    connection: Connection,
    run_id: int,
    calls: int,
    remaining: int | None,
    read: tuple[int, int] = (0, 0),
) -> None:
    """Add the calls (and the bytes, as read and on the wire) of the pushes sent
    around a pass to its run (entity ``push``)."""
    if calls > 0:
        add_run_counts(connection, run_id, PUSH, calls=calls)
        connection.execute(
            update(SyncRun)
            .where(SyncRun.id == run_id)
            .values(
                calls_used=SyncRun.calls_used + calls,
                bytes_read=SyncRun.bytes_read + read[0],
                wire_bytes=SyncRun.wire_bytes + read[1],
            )
        )
    record_day_remaining(connection, run_id, remaining)


# -- the plan ------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedStep:
    """One step of a pass: its estimated calls and whether today's budget covers it."""

    name: str
    group: str
    kind: str
    calls: int
    backfill: bool = False
    fits: bool = True


@dataclass(frozen=True)
class CallPlan:
    """A pass's estimated calls in priority order, against what is left today."""

    usage: DayUsage
    steps: tuple[PlannedStep, ...]

    @property
    def total(self) -> int:
        return sum(step.calls for step in self.steps)

    @property
    def calls_left(self) -> int:
        return self.usage.calls_left

    @property
    def deferred(self) -> list[str]:
        """Steps today's budget does not cover (a backfill resumes on the next day's)."""
        return [step.name for step in self.steps if not step.fits]

    def to_json(self) -> dict[str, Any]:
        usage = asdict(self.usage)
        usage.pop("runs")
        for key in ("as_of", "xero_seen_at"):
            usage[key] = usage[key].isoformat() if usage[key] else None
        return {
            **usage,
            "estimated_calls": self.total,
            "deferred": self.deferred,
            "steps": [asdict(step) for step in self.steps],
        }


def reference_due(connection: Connection, entity: EntityKind, full: bool, now: datetime) -> bool:
    """Whether a pass reads tax rates or currencies: on the first read and a full
    resync, when the organisation's base currency is due (with the currencies),
    and ``REFERENCE_REFRESH`` after the last read. They change rarely and Xero
    lists them whole, so a pass between reads costs two calls fewer."""
    if full:
        return True
    if entity is EntityKind.CURRENCIES and organisation_due(connection, full, now):
        return True
    last = load_cursor(connection, entity.value).modified_since
    return last is None or now - last >= REFERENCE_REFRESH


def _known(connection: Connection, entity: EntityKind) -> int:
    query = select(func.count()).select_from(RecordLink).where(RecordLink.entity == entity.value)
    return int(connection.scalar(query) or 0)


def _pending_pushes(connection: Connection) -> int:
    query = select(func.count()).select_from(OutboxItem)
    query = query.where(OutboxItem.state.in_([PushState.PENDING.value, PushState.SENDING.value]))
    return int(connection.scalar(query) or 0)


def _walk_estimate(
    connection: Connection, entity: EntityKind, full: bool, now: datetime
) -> tuple[str, int]:
    """(kind, calls) of one entity's walk, from its cursor and the records known."""
    cursor = load_cursor(connection, entity.value)
    if entity is EntityKind.ITEMS:
        # not paged: the whole list or the changes in one call, and hourly
        # every tracked item's stock (``engine.stock``)
        if full or cursor.modified_since is None:
            return "whole list", 1
        return "changes", 1 + int(stock_check_due(connection, now))
    if entity is EntityKind.CONTACTS and (
        cursor.last_refresh_at is None or now - cursor.last_refresh_at >= CONTACT_REFRESH
    ):
        full = True
    plan = plan_walk(cursor.modified_since, ResumeState.from_json(cursor.resume), full)
    if not plan.full:
        return "incremental", 1
    pages = pages_needed(_known(connection, entity), MAX_PAGE_SIZE)
    if plan.start_page > 1:
        return "resume", max(1, pages - plan.start_page + 1)
    return "full read", pages


def plan_pass(
    connection: Connection,
    only: tuple[EntityKind, ...],
    full: bool,
    options: Options,
    sweep_due: tuple[EntityKind, ...],
    usage: DayUsage,
) -> CallPlan:
    """The pass's steps in priority order, each marked whether today's calls cover it."""
    steps: list[PlannedStep] = []
    pushes = _pending_pushes(connection)
    if pushes:
        steps.append(PlannedStep(PUSH, PUSH, "pending", pushes))
    for entity in only:
        group = GROUPS.get(entity)
        if group is None:
            continue
        if entity is EntityKind.CURRENCIES and not options.import_currencies:
            continue
        if group == REFERENCE:
            if not reference_due(connection, entity, full, usage.as_of):
                continue
            calls = 1
            if entity is EntityKind.CURRENCIES and organisation_due(connection, full, usage.as_of):
                calls = 2  # the organisation too, for its base currency
            steps.append(PlannedStep(entity.value, group, "whole list", calls))
            continue
        kind, calls = _walk_estimate(connection, entity, full, usage.as_of)
        backfill = group == DOCUMENTS and kind != "incremental"
        steps.append(PlannedStep(entity.value, group, kind, calls, backfill))
    # The sweep looks for deleted items in the list the items step reads anyway.
    swept = [entity for entity in sweep_due if entity is not EntityKind.ITEMS]
    if sweep_due:
        steps.append(PlannedStep(SWEEP, SWEEP, "sweep", estimate_sweep_calls(swept)))
    steps.sort(key=lambda step: PRIORITY.index(step.group))
    fitted: list[PlannedStep] = []
    spent = 0
    reserve = push_reserve(usage.daily_budget)  # pulls leave it to pushes
    for step in steps:
        spent += step.calls
        fits = spent <= usage.calls_left - (0 if step.group == PUSH else reserve)
        fitted.append(
            PlannedStep(step.name, step.group, step.kind, step.calls, step.backfill, fits)
        )
    return CallPlan(usage, tuple(fitted))
