"""Call accounting and the daily budget, for the GUI's gauges and the run log.

Every call the client makes is counted by endpoint (``"GET Contacts"``) and
outcome (``"ok"``, ``"rate_limited"``, ...), alongside the latest limit
headers, and so are the bytes of every response: as read (after
decompression) and as they crossed the network. Xero charges apps for the
data they read out, so both are kept per endpoint and in total.
``UsageSnapshot`` is an immutable copy that is safe to hand to another
thread. ``DailyBudget`` lets the engine plan a pass before it starts:
``remaining_today()`` and ``can_afford(n)``.
"""

from __future__ import annotations

import math
from collections import Counter, deque
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Literal

from xerodesk.xero.clock import Clock
from xerodesk.xero.limits import LimitHeaders, Pacer

__all__ = [
    "DAILY_LIMIT_CORE",
    "DAILY_LIMIT_STARTER",
    "CallAccounting",
    "DailyBudget",
    "Outcome",
    "UsageSnapshot",
    "pages_needed",
    "spending_reserve",
]

DAILY_LIMIT_CORE = 5000
DAILY_LIMIT_STARTER = 1000
_DAY = 24 * 3600.0

Outcome = Literal[
    "ok",
    "not_modified",
    "validation_error",
    "client_error",
    "unauthorized",
    "forbidden",
    "not_found",
    "rate_limited",
    "server_error",
    "timeout",
    "connection_error",
]


def outcome_for_status(status: int) -> Outcome:
    """The accounting outcome of an HTTP status."""
    table: dict[int, Outcome] = {
        304: "not_modified",
        400: "validation_error",
        401: "unauthorized",
        403: "forbidden",
        404: "not_found",
        429: "rate_limited",
    }
    if status in table:
        return table[status]
    if status < 400:
        return "ok"
    return "server_error" if status >= 500 else "client_error"


def pages_needed(records: int, page_size: int = 1000) -> int:
    """Calls to list ``records`` records at ``page_size`` a page (at least one)."""
    return max(1, math.ceil(records / page_size))


_SPENDING_RESERVE: ContextVar[bool] = ContextVar("xerodesk_spending_reserve", default=False)


@contextmanager
def spending_reserve() -> Iterator[None]:
    """Calls made inside (pushes) may take the calls the budget keeps back."""
    token = _SPENDING_RESERVE.set(True)
    try:
        yield
    finally:
        _SPENDING_RESERVE.reset(token)


class DailyBudget:
    """The calls a day the user allows (Xero's tier: 5,000, or 1,000 on Starter).

    Counts this process's calls over the last 24 hours and, when Xero has said
    how many are left today, trusts that too: what remains is the smaller.
    ``reserve`` calls are kept back for pushes: only calls made inside
    ``spending_reserve()`` may take them.
    """

    def __init__(self, clock: Clock, daily_limit: int = DAILY_LIMIT_CORE) -> None:
        if daily_limit <= 0:
            raise ValueError("the daily budget must be positive")
        self.clock = clock
        self.daily_limit = daily_limit
        self.reserve = 0
        self._calls: deque[float] = deque()
        self._pacer: Pacer | None = None

    def held_back(self) -> int:
        """The calls this call may not take: the reserve, unless it is a push's."""
        return 0 if _SPENDING_RESERVE.get() else self.reserve

    def attach(self, pacer: Pacer) -> None:
        """Read Xero's own day count from ``pacer`` from now on."""
        self._pacer = pacer

    def record_call(self) -> None:
        self._calls.append(self.clock.monotonic())

    def count_earlier(self, calls: int, age: float) -> None:
        """Count ``calls`` made ``age`` seconds ago by an earlier process (from the run log).

        They leave the 24-hour window when their time comes, as this process's do.
        """
        if calls <= 0 or age >= _DAY:
            return
        at = self.clock.monotonic() - max(0.0, age)
        merged = sorted([*self._calls, *([at] * calls)])
        self._calls = deque(merged)

    def _local_used(self) -> int:
        horizon = self.clock.monotonic() - _DAY
        while self._calls and self._calls[0] <= horizon:
            self._calls.popleft()
        return len(self._calls)

    def local_remaining(self) -> int:
        """The budget less this process's calls in the last 24 hours."""
        return max(0, self.daily_limit - self._local_used())

    def remaining_today(self) -> int:
        """Calls left today: the budget less calls made, capped by Xero's count."""
        remaining = self.local_remaining()
        if self._pacer is not None:
            server = self._pacer.day_remaining()
            if server is not None:
                remaining = min(remaining, server)
        return remaining

    def can_afford(self, calls: int) -> bool:
        """Whether a pass needing ``calls`` calls fits in what is left today."""
        return calls <= self.remaining_today()

    def resets_at(self) -> datetime | None:
        """When the oldest counted call leaves the 24-hour window (None: no calls)."""
        if self._local_used() == 0:
            return None
        age = self.clock.monotonic() - self._calls[0]
        return self.clock.now() + timedelta(seconds=_DAY - age)


@dataclass(frozen=True)
class UsageSnapshot:
    """Calls so far and the latest limits, for gauges and the run log."""

    taken_at: datetime
    calls: int
    by_endpoint: MappingProxyType[str, MappingProxyType[str, int]]
    by_outcome: MappingProxyType[str, int]
    rate_limited: int
    minute_remaining: int | None
    day_remaining: int | None
    app_minute_remaining: int | None
    calls_in_last_minute: int
    in_flight: int
    paused_seconds: float
    daily_limit: int
    remaining_today: int
    retries: int = 0
    last_correlation_id: str | None = field(default=None)
    #: bytes of the responses' bodies as read, after decompression
    bytes_read: int = 0
    #: bytes of the responses' bodies as they came over the network (compressed)
    wire_bytes: int = 0
    #: endpoint -> (bytes read, bytes on the wire)
    bytes_by_endpoint: MappingProxyType[str, tuple[int, int]] = field(
        default_factory=lambda: MappingProxyType({})
    )

    def as_dict(self) -> dict[str, object]:
        """Plain JSON-ready data for the run log."""
        return {
            "taken_at": self.taken_at.isoformat(),
            "calls": self.calls,
            "by_endpoint": {k: dict(v) for k, v in self.by_endpoint.items()},
            "by_outcome": dict(self.by_outcome),
            "rate_limited": self.rate_limited,
            "retries": self.retries,
            "minute_remaining": self.minute_remaining,
            "day_remaining": self.day_remaining,
            "app_minute_remaining": self.app_minute_remaining,
            "calls_in_last_minute": self.calls_in_last_minute,
            "daily_limit": self.daily_limit,
            "remaining_today": self.remaining_today,
            "bytes_read": self.bytes_read,
            "wire_bytes": self.wire_bytes,
            "bytes_by_endpoint": {
                k: {"read": read, "wire": wire}
                for k, (read, wire) in self.bytes_by_endpoint.items()
            },
        }


class CallAccounting:
    """Counts calls by endpoint and outcome; reads limits from the pacer."""

    def __init__(self, pacer: Pacer, budget: DailyBudget) -> None:
        self.pacer = pacer
        self.budget = budget
        self._by_endpoint: dict[str, Counter[str]] = {}
        self._by_outcome: Counter[str] = Counter()
        self._retries = 0
        self._last_correlation_id: str | None = None
        self._bytes: dict[str, list[int]] = {}

    def record(self, endpoint: str, outcome: Outcome, correlation_id: str | None = None) -> None:
        """Count one call that reached (or tried to reach) Xero."""
        self._by_endpoint.setdefault(endpoint, Counter())[outcome] += 1
        self._by_outcome[outcome] += 1
        if correlation_id:
            self._last_correlation_id = correlation_id

    def record_bytes(self, endpoint: str, read: int, wire: int) -> None:
        """Count one response's body: ``read`` after decompression, ``wire`` as sent."""
        totals = self._bytes.setdefault(endpoint, [0, 0])
        totals[0] += read
        totals[1] += wire

    def bytes_totals(self) -> tuple[int, int]:
        """(bytes read, bytes on the wire) of every response so far."""
        return (
            sum(read for read, _ in self._bytes.values()),
            sum(wire for _, wire in self._bytes.values()),
        )

    def record_retry(self) -> None:
        self._retries += 1

    def count(self, outcome: str | None = None) -> int:
        if outcome is None:
            return sum(self._by_outcome.values())
        return self._by_outcome[outcome]

    def snapshot(self) -> UsageSnapshot:
        latest: LimitHeaders = self.pacer.latest
        return UsageSnapshot(
            taken_at=self.pacer.clock.now(),
            calls=self.count(),
            by_endpoint=MappingProxyType(
                {k: MappingProxyType(dict(v)) for k, v in sorted(self._by_endpoint.items())}
            ),
            by_outcome=MappingProxyType(dict(self._by_outcome)),
            rate_limited=self._by_outcome["rate_limited"],
            minute_remaining=latest.minute_remaining,
            day_remaining=self.pacer.day_remaining(),
            app_minute_remaining=latest.app_minute_remaining,
            calls_in_last_minute=self.pacer.calls_in_window(),
            in_flight=self.pacer.in_flight,
            paused_seconds=self.pacer.paused_for(),
            daily_limit=self.budget.daily_limit,
            remaining_today=self.budget.remaining_today(),
            retries=self._retries,
            last_correlation_id=self._last_correlation_id,
            bytes_read=self.bytes_totals()[0],
            wire_bytes=self.bytes_totals()[1],
            bytes_by_endpoint=MappingProxyType(
                {k: (v[0], v[1]) for k, v in sorted(self._bytes.items())}
            ),
        )
