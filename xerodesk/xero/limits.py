"""Xero's rate limits: reading the headers and pacing calls under them.

Xero allows, per organisation and app, 5 calls in flight, 60 a minute and
5,000 a day (1,000 on the Starter tier), and 10,000 a minute per app across
organisations. Every response reports what is left in ``X-MinLimit-Remaining``,
``X-DayLimit-Remaining`` and ``X-AppMinLimit-Remaining``; a 429 names the limit
in ``X-Rate-Limit-Problem`` and says how long to wait in ``Retry-After``.

The ``Pacer`` keeps a client-side sliding window of send times, a little longer
than a minute, so no fixed minute window of Xero's (wherever its boundaries
fall) can see more than the limit: a normal sync gets no 429 while still
sending a full minute's worth. The headers steer it where the local log cannot
know: calls made by another copy of the app, the app-wide minute limit and the
day's remainder. All times are server seconds from the injected clock.

Xero sends ``X-MinLimit-Remaining`` with every answer. A server that has
answered several calls without it keeps no minute limit (the sandbox with
its limits off): the local minute window is then not applied, until an
answer carries the header again. Concurrency,
429s and the day's budget are kept either way.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from xerodesk.errors import DailyLimitReachedError
from xerodesk.xero.clock import Clock

__all__ = ["LimitHeaders", "Pacer", "RateLimits", "daily_limit_message"]


@dataclass(frozen=True)
class RateLimits:
    """The limits to pace under; Xero's defaults.

    ``margin`` lengthens the local window (server seconds) to cover the time a
    request takes to reach Xero, so a call sent at the end of one window is
    not counted in the next. ``real_margin`` is the same in real seconds, for a
    scaled sandbox clock where real latency is worth more server seconds.
    """

    per_minute: int = 60
    concurrent: int = 5
    window: float = 60.0
    margin: float = 1.0
    real_margin: float = 0.1
    default_retry_after: float = 60.0

    def window_span(self, scale: float) -> float:
        return self.window + max(self.margin, self.real_margin * scale)


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    raw = headers.get(name)
    if raw is None:
        return None
    try:
        return int(raw.strip())
    except ValueError:
        return None


def _float_header(headers: Mapping[str, str], name: str) -> float | None:
    raw = headers.get(name)
    if raw is None:
        return None
    try:
        value = float(raw.strip())
    except ValueError:
        return None
    return value if value >= 0 else None


@dataclass(frozen=True)
class LimitHeaders:
    """The limit headers of one response (``None`` where absent)."""

    minute_remaining: int | None = None
    day_remaining: int | None = None
    app_minute_remaining: int | None = None
    retry_after: float | None = None
    problem: str | None = None
    retry_after_real: float | None = None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> LimitHeaders:
        """Read the headers (``headers`` must be case-insensitive, as httpx's are)."""
        problem = headers.get("X-Rate-Limit-Problem")
        return cls(
            minute_remaining=_int_header(headers, "X-MinLimit-Remaining"),
            day_remaining=_int_header(headers, "X-DayLimit-Remaining"),
            app_minute_remaining=_int_header(headers, "X-AppMinLimit-Remaining"),
            retry_after=_float_header(headers, "Retry-After"),
            problem=problem.strip().lower() if problem else None,
            retry_after_real=_float_header(headers, "X-Sandbox-Retry-After-Real"),
        )

    @property
    def is_daily(self) -> bool:
        return self.problem is not None and self.problem.startswith("day")


def daily_limit_message(reset_at: datetime | None) -> str:
    """User text for a spent day budget, saying when it resets if known."""
    base = "Xero's daily call limit for this organisation is used up"
    if reset_at is None:
        return base + "; it resets within 24 hours. The next sync resumes where this one stopped."
    when = reset_at.strftime("%Y-%m-%d %H:%M UTC")
    return f"{base}; it resets at about {when}. The next sync resumes where this one stopped."


@dataclass
class _Observation:
    at: float
    remaining: int
    sent_before: int


class Pacer:
    """Admits calls under the concurrency, minute, app-minute and day limits.

    Use ``async with pacer.slot():`` around each call, then ``observe`` the
    response's ``LimitHeaders`` and, on a 429, ``rate_limited``. One pacer per
    organisation: share it between clients that talk to the same one.
    """

    def __init__(self, clock: Clock, limits: RateLimits | None = None, scale: float = 1.0) -> None:
        self.clock = clock
        self.limits = limits or RateLimits()
        self._span = self.limits.window_span(scale)
        self._scale = scale
        self._concurrency = asyncio.Semaphore(self.limits.concurrent)
        self._sends: deque[float] = deque()
        self._sent_total = 0
        self._open: set[int] = set()
        self._paused_until = 0.0
        self._foreign = 0
        self._foreign_until = 0.0
        self._app: _Observation | None = None
        self._day: _Observation | None = None
        self._day_reset_at: float | None = None
        self._day_probe: asyncio.Future[None] | None = None
        self.latest = LimitHeaders()
        #: answers seen without a minute remainder, while none has had one
        self._unmetered_answers = 0
        self._minute_told = False

    # -- admission ---------------------------------------------------------

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[int]:
        """Wait until one more call may be sent, and hold a concurrency slot.

        Yields the call's ticket (its number in sending order) for ``observe``.
        """
        async with self._concurrency:
            probe = await self._wait_for_budget()
            self._sends.append(self.clock.monotonic())
            self._sent_total += 1
            ticket = self._sent_total
            self._open.add(ticket)
            try:
                yield ticket
            finally:
                self._open.discard(ticket)
                if probe:
                    self._end_probe()

    async def _wait_for_budget(self) -> bool:
        """Wait for budget; True when this call is the day-limit probe."""
        while True:
            probe = await self._check_day()
            delay = self.delay_needed()
            if delay <= 0:
                return probe
            if probe:
                self._end_probe()
            await self.clock.sleep(delay)

    def delay_needed(self) -> float:
        """Server seconds to wait before the next call may go (0: now)."""
        now = self.clock.monotonic()
        while self._sends and self._sends[0] <= now - self._span:
            self._sends.popleft()
        waits = [self._paused_until - now]
        if now >= self._foreign_until:
            self._foreign = 0
        if self.minute_metered and len(self._sends) + self._foreign >= self.limits.per_minute:
            release = self._sends[0] + self._span if self._sends else self._foreign_until
            if self._foreign:
                release = min(release, self._foreign_until)
            waits.append(release - now)
        app = self._app
        if app is not None and now < app.at + self._span:
            if app.remaining - (self._sent_total - app.sent_before) <= 0:
                waits.append(app.at + self._span - now)
        return max(0.0, *waits)

    async def _check_day(self) -> bool:
        """Raise once the day is spent; True when this call must go as the probe.

        Xero only says when the day resets on a 429, so when its count says
        nothing is left one call goes out as a probe while the others wait
        for its answer: a 429 ends the day with the reset time, a success
        (the day turned over) lets everyone go on.
        """
        while True:
            self._raise_if_day_spent()
            if self._day_probe is not None:
                await asyncio.shield(self._day_probe)
                continue
            remaining = self.day_remaining()
            if remaining is None or remaining > 0:
                return False
            self._day_probe = asyncio.get_running_loop().create_future()
            return True

    def _raise_if_day_spent(self) -> None:
        if self._day_reset_at is None:
            return
        now = self.clock.monotonic()
        if now < self._day_reset_at:
            raise DailyLimitReachedError(
                daily_limit_message(self._reset_datetime()),
                retry_after=self._day_reset_at - now,
            )
        self._day_reset_at = None
        self._day = None

    def _reset_datetime(self) -> datetime | None:
        if self._day_reset_at is None:
            return None
        return self.clock.now() + timedelta(seconds=self._day_reset_at - self.clock.monotonic())

    def _end_probe(self) -> None:
        if self._day_probe is not None:
            if not self._day_probe.done():
                self._day_probe.set_result(None)
            self._day_probe = None

    # -- feedback ----------------------------------------------------------

    def observe(self, headers: LimitHeaders, ticket: int | None = None) -> None:
        """Take in the limit headers of the response to call ``ticket`` (any status).

        Calls sent after that one may not be counted in the headers yet, so
        the remainders are read as less those calls.
        """
        now = self.clock.monotonic()
        sent = self._sent_total if ticket is None else ticket
        self.latest = _merge(self.latest, headers)
        if headers.minute_remaining is None:
            self._unmetered_answers += 1
        else:
            self._minute_told = True
            self._unmetered_answers = 0
        if headers.minute_remaining is not None:
            # Calls Xero counted that this pacer did not send: another copy of
            # the app. They hold budget until the window surely turned over.
            recent = sum(1 for t in self._sends if t > now - self._span)
            foreign = (self.limits.per_minute - headers.minute_remaining) - recent
            if foreign > 0:
                self._foreign = foreign
                self._foreign_until = now + self._span
        if headers.app_minute_remaining is not None:
            self._app = _Observation(now, headers.app_minute_remaining, sent)
        if headers.day_remaining is not None:
            self._observe_day(_Observation(now, headers.day_remaining, sent))

    def _observe_day(self, seen: _Observation) -> None:
        # Calls sent before this one and still unanswered may not have reached
        # Xero yet: count them as spent too. Every estimate is then a lower
        # bound of what is left, so the highest one is the best (answers that
        # overtake each other cannot lift it wrongly).
        unanswered = sum(1 for ticket in self._open if ticket < seen.sent_before)
        seen = _Observation(seen.at, seen.remaining - unanswered, seen.sent_before)
        current = self.day_remaining()
        if current is None or self._estimate(seen) > current:
            self._day = seen

    def _estimate(self, seen: _Observation) -> int:
        return seen.remaining - (self._sent_total - seen.sent_before)

    def rate_limited(self, headers: LimitHeaders) -> DailyLimitReachedError | None:
        """Take in a 429: pause everyone, or return the error that ends the day."""
        now = self.clock.monotonic()
        retry_after = headers.retry_after
        if headers.retry_after_real is not None:
            # The sandbox's exact wait in real seconds: in server seconds that
            # is exact whatever rounding Retry-After had.
            retry_after = headers.retry_after_real * self._scale
        if headers.is_daily:
            wait = retry_after if retry_after is not None else 24 * 3600.0
            self._day_reset_at = now + wait
            return DailyLimitReachedError(
                daily_limit_message(self._reset_datetime()), retry_after=wait
            )
        if retry_after is None:
            retry_after = (
                1.0 if headers.problem == "concurrent" else self.limits.default_retry_after
            )
        self._paused_until = max(self._paused_until, now + retry_after)
        return None

    # -- reading -----------------------------------------------------------

    #: answers without a minute remainder after which the server is taken to keep none
    UNMETERED_AFTER = 5

    @property
    def minute_metered(self) -> bool:
        """Whether calls are held to the minute limit (see the module's notes)."""
        return self._minute_told or self._unmetered_answers < self.UNMETERED_AFTER

    def calls_in_window(self) -> int:
        now = self.clock.monotonic()
        return sum(1 for t in self._sends if t > now - self._span)

    def paused_for(self) -> float:
        return max(0.0, self._paused_until - self.clock.monotonic())

    def day_remaining(self) -> int | None:
        """Xero's last word on the day's remainder, less calls sent since."""
        if self._day_reset_at is not None and self.clock.monotonic() < self._day_reset_at:
            return 0
        if self._day is None:
            return None
        return max(0, self._estimate(self._day))

    @property
    def in_flight(self) -> int:
        return len(self._open)


def _merge(old: LimitHeaders, new: LimitHeaders) -> LimitHeaders:
    return LimitHeaders(
        minute_remaining=_pick(new.minute_remaining, old.minute_remaining),
        day_remaining=_pick(new.day_remaining, old.day_remaining),
        app_minute_remaining=_pick(new.app_minute_remaining, old.app_minute_remaining),
        retry_after=new.retry_after,
        problem=new.problem,
    )


def _pick(new: int | None, old: int | None) -> int | None:
    return new if new is not None else old
