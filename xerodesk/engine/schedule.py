"""When the next scheduled pass runs: as often as the day's Xero calls allow.

Xero counts an organisation's calls over a rolling 24 hours (5,000, or 1,000
on the Starter tier). A fixed interval either wastes freshness on a quiet
big allowance or spends a small one before the day is out, after which not
even a confirmed order reaches Xero. The planner spaces passes so that the
day never runs out:

- a share of the budget (``push_reserve``) is kept for pushes: passes are
  planned on the rest, and the client refuses a pull's call that would take
  it (pushes may, see ``xerodesk.xero.transport``); on a day whose pushes
  have taken more than the reserve in the last 24 hours, passes are planned
  on what those pushes leave, so the day's pace of orders cannot run the
  pulls out of calls;
- a pass costs what the last scheduled passes cost (the run log's median,
  so one expensive first import does not slow the day down);
- spread evenly, the pull budget allows a pass every ``DAY × cost ÷ budget``;
  never more often than the user's minimum interval
  (``sync_interval_minutes``);
- when the calls left today do not cover a pass, it waits until enough of the
  calls of the last 24 hours (from the run log) leave the window.

Both the headless service and the app's automatic sync ask ``next_pass``;
everything here is arithmetic on the run log, so it is the same after a
restart.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, select

from xerodesk.domain.sync import NOT_PASSES
from xerodesk.engine.budget import DAY, DayUsage, day_usage, push_reserve
from xerodesk.store.options import Options
from xerodesk.store.xd_models import SyncRun

__all__ = [
    "PassSchedule",
    "measured_pass_bytes",
    "measured_pass_cost",
    "next_pass",
    "plan_next_pass",
    "planned_now",
]

#: a pass after no change reads five entities once, tax rates and currencies hourly:
#: the cost assumed before any is measured (a little above a quiet pass)
DEFAULT_PASS_COST = 6
#: scheduled passes whose calls make the measured cost
MEASURED_RUNS = 5

EVEN = "as often as the day's calls allow"
MINIMUM = "the minimum interval between syncs"
WAITING = "waiting for calls to free up"
WEBHOOKS = "Xero's webhooks announce changes; this sync catches what they miss"


@dataclass(frozen=True)
class PassSchedule:
    """The next scheduled pass and why it is then."""

    due_at: datetime
    interval: timedelta
    reason: str
    pass_cost: int
    reserve: int
    calls_left: int
    #: calls this schedule spends in 24 hours on passes (pushes not included)
    forecast_calls: int

    def to_json(self) -> dict[str, Any]:
        return {
            "next_pass_at": self.due_at.isoformat(),
            "interval_seconds": round(self.interval.total_seconds()),
            "reason": self.reason,
            "pass_cost": self.pass_cost,
            "push_reserve": self.reserve,
            "calls_left": self.calls_left,
            "forecast_calls": self.forecast_calls,
        }


def plan_next_pass(
    usage: DayUsage, pass_cost: int, min_interval: timedelta, last_end: datetime
) -> PassSchedule:
    """The pass after one that ended at ``last_end``, given today's ``usage``."""
    reserve = push_reserve(usage.daily_budget)
    cost = max(1, pass_cost)
    # the calls pushes are taking at today's pace, or the reserve if that is more,
    # and those of the reads webhook events asked for at today's pace
    taken = max(reserve, usage.push_calls) + usage.webhook_calls
    pull_budget = max(1, usage.daily_budget - taken)
    even = DAY * (cost / pull_budget)
    interval = max(min_interval, even)
    due = last_end + interval
    reason = EVEN if even > min_interval else MINIMUM
    freed_at = _enough_calls_at(usage, cost + reserve)
    if freed_at is not None and freed_at > due:
        due, reason = freed_at, WAITING
    passes = int(DAY / interval)
    return PassSchedule(
        due_at=due,
        interval=interval,
        reason=reason,
        pass_cost=cost,
        reserve=reserve,
        calls_left=usage.calls_left,
        forecast_calls=passes * cost,
    )


def _enough_calls_at(usage: DayUsage, needed: int) -> datetime | None:
    """When at least ``needed`` calls are left (None: they are now).

    Calls leave the window 24 hours after their run; what the runs do not
    explain (another app, Xero's own count) frees up a day after Xero said it.
    """
    short = needed - usage.calls_left
    if short <= 0:
        return None
    for calls, at in sorted(usage.runs, key=lambda run: run[1]):
        short -= calls
        if short <= 0:
            return at + DAY
    return (usage.xero_seen_at or usage.as_of) + DAY


def measured_pass_cost(connection: Connection) -> int:
    """The median calls of the last scheduled passes that finished (a default before any)."""
    rows = connection.execute(
        select(SyncRun.calls_used)
        .where(SyncRun.trigger == "schedule", SyncRun.outcome == "ok")
        .order_by(SyncRun.id.desc())
        .limit(MEASURED_RUNS)
    ).all()
    costs = [int(calls or 0) for (calls,) in rows]
    return round(statistics.median(costs)) if costs else DEFAULT_PASS_COST


def measured_pass_bytes(connection: Connection) -> tuple[int, int]:
    """The median bytes (as read, on the wire) of the last scheduled passes that finished."""
    rows = connection.execute(
        select(SyncRun.bytes_read, SyncRun.wire_bytes)
        .where(SyncRun.trigger == "schedule", SyncRun.outcome == "ok")
        .order_by(SyncRun.id.desc())
        .limit(MEASURED_RUNS)
    ).all()
    if not rows:
        return 0, 0
    read = round(statistics.median(int(r or 0) for r, _ in rows))
    wire = round(statistics.median(int(w or 0) for _, w in rows))
    return read, wire


def next_pass(
    connection: Connection, last_end: datetime, now: datetime, *, webhooks: bool = False
) -> PassSchedule:
    """The next scheduled pass, from the options and the run log alone; ``webhooks``:
    Xero's webhooks announce changes, so passes are the safety net and come at most
    every ``webhook_poll_minutes``."""
    options = Options.load(connection)
    usage = day_usage(connection, options.daily_call_budget, now)
    minutes = options.sync_interval_minutes
    if webhooks:
        minutes = max(minutes, options.webhook_poll_minutes)
    schedule = plan_next_pass(
        usage, measured_pass_cost(connection), timedelta(minutes=minutes), last_end
    )
    if webhooks and schedule.reason == MINIMUM:
        return replace(schedule, reason=WEBHOOKS)
    return schedule


def planned_now(connection: Connection, now: datetime, *, webhooks: bool = False) -> PassSchedule:
    """The schedule as it stands, after the last pass that finished (status, GUI)."""
    last = connection.scalar(
        select(func.max(SyncRun.finished_at)).where(SyncRun.trigger.not_in(NOT_PASSES))
    )
    return next_pass(connection, last or now, now, webhooks=webhooks)
