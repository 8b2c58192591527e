"""The day ahead: calls used and left, the forecast at this schedule, and a warning.

Xero counts calls over a rolling 24 hours. The forecast for the next 24 hours
is what the schedule spends on passes (``PassSchedule.forecast_calls``) plus
the pushes at the pace of the last 24 hours (a day of orders is like the day
before). Whether that fits is worked out on the rolling window: the calls
left now, less the pushes' reserve, go down at the forecast's pace and come
back as the calls of the last 24 hours leave the window; they run out when
only the reserve is left.

At a steady pace the calls left sit within a pass of the reserve (the planner
spends the rest evenly), and a sync now and then beside the schedule makes the
last passes of the next 24 hours wait a little: neither is worth a warning.
So the day is low only when the calls fall more than a few passes
(``LOW_PASSES``) short, that is, when syncs will wait noticeably.

Warning levels:

- ``spent``: nothing is left but the reserve, and no pass's worth of calls
  frees up within the planned interval: syncs wait until calls free up;
- ``low``: at this pace the calls fall more than a few passes short within
  the next 24 hours, or the forecast is more than the day's budget: syncs will
  space out;
- ``ok``: the day's calls last at this pace.

Everything here is arithmetic on the run log and the schedule, as of an
injected ``now``; ``sync_outlook`` gathers it for ``xerodesk status`` and the
app's status tab.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from xerodesk.engine.budget import DAY, DayUsage, day_usage
from xerodesk.engine.freshness import EntityFreshness, entity_freshness
from xerodesk.engine.schedule import PassSchedule, measured_pass_bytes, planned_now
from xerodesk.engine.webhooks.health import WebhookHealth, webhook_health
from xerodesk.store.options import Options

__all__ = ["LOW", "OK", "SPENT", "DayOutlook", "SyncOutlook", "day_outlook", "sync_outlook"]

OK, LOW, SPENT = "ok", "low", "spent"
#: passes' worth of calls the day may fall short before it is low
LOW_PASSES = 3

ClockText = Callable[[datetime], str]


def utc_clock(moment: datetime) -> str:
    """``16:40 UTC`` (the command line's times are UTC)."""
    return f"{moment:%H:%M} UTC"


@dataclass(frozen=True)
class DayOutlook:
    """Today's calls and the next 24 hours' forecast, with the warning they call for."""

    as_of: datetime
    daily_budget: int
    calls_used: int
    calls_left: int
    push_reserve: int
    #: of ``calls_used``, the pushes' calls (their pace is the forecast's)
    push_calls: int
    #: calls of the next 24 hours at this schedule: passes plus pushes
    forecast_calls: int
    level: str
    #: when, at this pace, the calls beside the reserve run out (None: they last)
    runs_out_at: datetime | None
    next_pass_at: datetime
    #: bytes of Xero's answers in the last 24 hours: as read, and on the wire
    bytes_read: int = 0
    wire_bytes: int = 0
    #: the same for the next 24 hours at this schedule (the passes' median bytes)
    forecast_bytes_read: int = 0
    forecast_wire_bytes: int = 0

    def data_text(self) -> str:
        """What was read from Xero today and the forecast, in megabytes."""
        return (
            f"Read from Xero in the last 24 hours: {megabytes(self.bytes_read)} "
            f"({megabytes(self.wire_bytes)} over the network); about "
            f"{megabytes(self.forecast_bytes_read)} in the next 24 hours at this rate"
        )

    def message(self, clock: ClockText = utc_clock) -> str:
        """The warning in an admin's words (times through ``clock``)."""
        budget = f"{self.daily_budget:,}"
        reserve = f"{self.push_reserve:,}"
        kept = f"{reserve} kept for sending orders and customers to Xero"
        if self.level == SPENT:
            return (
                f"Today's {budget} Xero calls are used up but for the {kept}: syncs wait "
                f"until calls free up, the next at {clock(self.next_pass_at)}."
            )
        if self.level == LOW and self.runs_out_at is not None:
            return (
                f"At this rate today's {budget} Xero calls run out around "
                f"{clock(self.runs_out_at)}; syncs will space out to keep {reserve} for "
                "sending orders and customers to Xero."
            )
        if self.level == LOW:
            return (
                f"At this rate the next 24 hours need about {self.forecast_calls:,} Xero "
                f"calls, more than the {budget} a day allows; syncs will space out to keep "
                f"{reserve} for sending orders and customers to Xero."
            )
        return (
            f"Today's {budget} Xero calls are enough at this rate: about "
            f"{self.forecast_calls:,} in the next 24 hours."
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "calls_used": self.calls_used,
            "calls_left": self.calls_left,
            "daily_budget": self.daily_budget,
            "push_reserve": self.push_reserve,
            "push_calls": self.push_calls,
            "forecast_calls": self.forecast_calls,
            "warning": self.level,
            "message": self.message(),
            "runs_out_at": self.runs_out_at.isoformat() if self.runs_out_at else None,
            "bytes_read": self.bytes_read,
            "wire_bytes": self.wire_bytes,
            "forecast_bytes_read": self.forecast_bytes_read,
            "forecast_wire_bytes": self.forecast_wire_bytes,
        }


def runs_out_at(
    usage: DayUsage, reserve: int, per_day: int, slack: int, now: datetime
) -> datetime | None:
    """When, spending ``per_day`` calls a day evenly, the calls beside ``reserve``
    fall more than ``slack`` short, as the runs of the last 24 hours leave the
    window; None if not within the next 24 hours."""
    rate = per_day / DAY.total_seconds()
    if rate <= 0:
        return None
    ahead = float(usage.calls_left - reserve + slack)
    freed = sorted((at + DAY, calls) for calls, at in usage.runs if now < at + DAY <= now + DAY)
    moment = now
    for frees_at, calls in [*freed, (now + DAY, 0)]:
        lasts = timedelta(seconds=max(0.0, ahead) / rate)
        if ahead < 0 or moment + lasts < frees_at:
            return moment + lasts
        ahead += calls - rate * (frees_at - moment).total_seconds()
        moment = frees_at
    return None


def _freed_within(usage: DayUsage, now: datetime, span: timedelta) -> int:
    """Calls of the last 24 hours that leave the window within ``span``."""
    return sum(calls for calls, at in usage.runs if now < at + DAY <= now + span)


def megabytes(count: int) -> str:
    """``12.3 MB`` (decimal megabytes, as data allowances are counted)."""
    return f"{count / 1_000_000:,.1f} MB"


def day_outlook(
    usage: DayUsage,
    schedule: PassSchedule,
    now: datetime,
    pass_bytes: tuple[int, int] = (0, 0),
) -> DayOutlook:
    """The warning for today's ``usage`` at ``schedule``, pushes at their last day's pace
    (``DayUsage.push_calls``: those sent within passes and in runs of their own);
    ``pass_bytes`` is what a pass reads (as read, on the wire), for the day's forecast."""
    reserve = schedule.reserve
    forecast = schedule.forecast_calls + usage.push_calls
    soon = usage.calls_left - reserve + _freed_within(usage, now, schedule.interval)
    short = runs_out_at(usage, reserve, forecast, LOW_PASSES * schedule.pass_cost, now)
    if usage.calls_left <= reserve and soon < schedule.pass_cost:
        level = SPENT
    elif short is not None or forecast > usage.daily_budget:
        level = LOW
    else:
        level = OK
    return DayOutlook(
        as_of=now,
        daily_budget=usage.daily_budget,
        calls_used=usage.used,
        calls_left=usage.calls_left,
        push_reserve=reserve,
        push_calls=usage.push_calls,
        forecast_calls=forecast,
        level=level,
        runs_out_at=runs_out_at(usage, reserve, forecast, 0, now) if level == LOW else None,
        next_pass_at=schedule.due_at,
        bytes_read=usage.bytes_read,
        wire_bytes=usage.wire_bytes,
        forecast_bytes_read=pass_bytes[0] * _passes_a_day(schedule),
        forecast_wire_bytes=pass_bytes[1] * _passes_a_day(schedule),
    )


def _passes_a_day(schedule: PassSchedule) -> int:
    return int(DAY / schedule.interval) if schedule.interval.total_seconds() > 0 else 0


@dataclass(frozen=True)
class SyncOutlook:
    """What an admin needs at a glance: each entity's age, the next pass, the day's calls."""

    freshness: list[EntityFreshness]
    schedule: PassSchedule
    today: DayOutlook
    as_of: datetime
    webhooks: WebhookHealth

    def to_json(self) -> dict[str, Any]:
        return {
            "freshness": {entry.entity: entry.to_json() for entry in self.freshness},
            "today": self.today.to_json(),
            "webhooks": self.webhooks.to_json(),
        }


def sync_outlook(connection: Connection, now: datetime) -> SyncOutlook:
    """Freshness, schedule and today's outlook from the database alone, as of ``now``."""
    options = Options.load(connection)
    usage = day_usage(connection, options.daily_call_budget, now)
    webhooks = webhook_health(connection, now)
    schedule = planned_now(connection, now, webhooks=webhooks.working)
    today = day_outlook(usage, schedule, now, measured_pass_bytes(connection))
    return SyncOutlook(entity_freshness(connection, now), schedule, today, now, webhooks)
