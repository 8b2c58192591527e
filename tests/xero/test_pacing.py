"""Pacing logic on a manual clock: limits kept, budget used, 429s and the day limit."""

from __future__ import annotations

import asyncio
import random

import httpx
import pytest

from xerodesk.errors import DailyLimitReachedError
from xerodesk.xero.clock import ManualClock
from xerodesk.xero.limits import LimitHeaders, Pacer, RateLimits
from xerodesk.xero.retry import RetryPolicy
from xerodesk.xero.usage import DailyBudget, pages_needed


async def _run_calls(
    pacer: Pacer, clock: ManualClock, calls: int, workers: int = 8, metered: bool = True
) -> list[float]:
    sends: list[float] = []
    queue = list(range(calls))
    active = 0
    peak = 0

    async def worker() -> None:
        nonlocal active, peak
        while queue:
            queue.pop()
            async with pacer.slot():
                active += 1
                peak = max(peak, active)
                sends.append(clock.monotonic())
                await clock.sleep(0.3)
                # what Xero says is left this minute (the sandbox with limits off: nothing)
                left = max(0, 60 - pacer.calls_in_window())
                pacer.observe(LimitHeaders(minute_remaining=left if metered else None))
                active -= 1

    await asyncio.gather(*(worker() for _ in range(workers)))
    assert peak <= pacer.limits.concurrent
    return sorted(sends)


def _max_in_any_minute(sends: list[float]) -> int:
    return max(sum(1 for s in sends if t <= s < t + 60.0) for t in sends)


async def test_never_more_than_sixty_in_any_minute_yet_the_budget_is_used() -> None:
    clock = ManualClock()
    pacer = Pacer(clock)
    sends = await _run_calls(pacer, clock, 200)
    assert len(sends) == 200
    assert _max_in_any_minute(sends) <= 60
    # 200 calls need three full windows after the first burst: about 3 x 61 s.
    assert sends[-1] == pytest.approx(3 * 61.0, abs=2.0)
    # The first minute's sixty calls go out at once (5 at a time), not spread thin.
    assert sends[59] < 5.0


async def test_a_server_that_keeps_no_minute_limit_is_not_paced() -> None:
    """Answers without X-MinLimit-Remaining (the sandbox with its limits off): after
    a few, calls go as fast as five in flight allow; one answer with it brings the
    minute window back."""
    clock = ManualClock()
    pacer = Pacer(clock)
    sends = await _run_calls(pacer, clock, 200, metered=False)
    assert len(sends) == 200
    assert sends[-1] < 20.0  # 200 calls of 0.3 s, five at a time: about 12 s
    assert _max_in_any_minute(sends) == 200
    assert pacer.in_flight == 0
    pacer.observe(LimitHeaders(minute_remaining=0))
    assert pacer.minute_metered
    assert pacer.delay_needed() > 0  # the last minute's 200 sends count again


async def test_a_few_answers_without_the_header_do_not_lift_the_limit() -> None:
    clock = ManualClock()
    pacer = Pacer(clock)
    for _ in range(Pacer.UNMETERED_AFTER - 1):
        async with pacer.slot():
            pacer.observe(LimitHeaders())
    assert pacer.minute_metered
    async with pacer.slot():
        pacer.observe(LimitHeaders(minute_remaining=55))
    for _ in range(Pacer.UNMETERED_AFTER * 3):
        async with pacer.slot():
            pacer.observe(LimitHeaders())  # an error page without headers, say
    assert pacer.minute_metered  # Xero has said it keeps one


async def test_a_429_pauses_everyone_for_retry_after() -> None:
    clock = ManualClock()
    pacer = Pacer(clock)
    async with pacer.slot():
        pass
    assert pacer.rate_limited(LimitHeaders(retry_after=7, problem="minute")) is None
    started = clock.monotonic()
    async with pacer.slot():
        assert clock.monotonic() - started >= 7.0


def test_limit_headers_are_read_case_insensitively() -> None:
    headers = LimitHeaders.from_headers(
        httpx.Headers(
            {"retry-after": "3", "x-rate-limit-problem": "Minute", "x-minlimit-remaining": "0"}
        )
    )
    assert headers.retry_after == 3.0
    assert headers.problem == "minute"
    assert headers.minute_remaining == 0


async def test_calls_by_another_copy_of_the_app_hold_back_this_one() -> None:
    clock = ManualClock()
    pacer = Pacer(clock)
    async with pacer.slot():
        # Xero counted 51 calls this minute, we sent one: 50 are someone else's.
        pacer.observe(LimitHeaders(minute_remaining=9))
    sends = await _run_calls(pacer, clock, 20)
    within = [s for s in sends if s < 60.0]
    assert len(within) <= 9


async def test_day_limit_probe_then_stop_with_reset_time() -> None:
    clock = ManualClock()
    pacer = Pacer(clock)
    async with pacer.slot():
        pacer.observe(LimitHeaders(day_remaining=0, minute_remaining=50))
    # The next call goes as a probe; Xero answers 429 "day" with the reset.
    async with pacer.slot():
        error = pacer.rate_limited(LimitHeaders(retry_after=3600, problem="day"))
    assert isinstance(error, DailyLimitReachedError)
    assert "resets at about" in str(error)
    with pytest.raises(DailyLimitReachedError) as raised:
        async with pacer.slot():
            pass
    assert raised.value.retry_after == pytest.approx(3600, abs=1)
    clock.advance(3601)
    async with pacer.slot():  # the day turned over: calls go again
        pass


async def test_other_callers_wait_for_the_day_probe() -> None:
    clock = ManualClock()
    pacer = Pacer(clock)
    async with pacer.slot():
        pacer.observe(LimitHeaders(day_remaining=0))
    outcomes: list[str] = []

    async def call(n: int) -> None:
        try:
            async with pacer.slot():
                await asyncio.sleep(0)
                if n == 0:
                    pacer.rate_limited(LimitHeaders(retry_after=100, problem="day"))
                outcomes.append("sent")
        except DailyLimitReachedError:
            outcomes.append("stopped")

    await asyncio.gather(*(call(n) for n in range(4)))
    assert outcomes.count("sent") == 1
    assert outcomes.count("stopped") == 3


async def test_budget_planning() -> None:
    clock = ManualClock()
    pacer = Pacer(clock)
    budget = DailyBudget(clock, 1000)
    budget.attach(pacer)
    assert budget.remaining_today() == 1000
    assert budget.can_afford(1000) and not budget.can_afford(1001)
    for _ in range(10):
        budget.record_call()
    assert budget.remaining_today() == 990
    async with pacer.slot():
        pacer.observe(LimitHeaders(day_remaining=400))
    assert budget.remaining_today() == 400
    assert pages_needed(0) == 1 and pages_needed(1000) == 1 and pages_needed(1001) == 2
    clock.advance(24 * 3600 + 1)
    assert budget.local_remaining() == 1000


def test_backoff_is_jittered_exponential_and_capped() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=30.0)
    rng = random.Random(1)
    for failures, step in [(1, 1.0), (2, 2.0), (3, 4.0), (6, 30.0), (10, 30.0)]:
        delays = [policy.delay(failures, rng) for _ in range(50)]
        assert all(step / 2 <= d <= step for d in delays)
        assert len(set(delays)) > 1


def test_limits_margin_grows_with_clock_scale() -> None:
    limits = RateLimits()
    assert limits.window_span(1.0) == 61.0
    assert limits.window_span(100.0) == pytest.approx(70.0)


async def test_day_count_from_answers_that_overtake_each_other() -> None:
    clock = ManualClock()
    pacer = Pacer(clock)
    first = pacer.slot()
    second = pacer.slot()
    ticket_a = await first.__aenter__()
    ticket_b = await second.__aenter__()
    # The second call's answer comes first; Xero had counted both by then.
    pacer.observe(LimitHeaders(day_remaining=98), ticket_b)
    assert pacer.day_remaining() == 97  # the first call may not have been counted
    await second.__aexit__(None, None, None)
    pacer.observe(LimitHeaders(day_remaining=99), ticket_a)
    assert pacer.day_remaining() == 98
    await first.__aexit__(None, None, None)
    async with pacer.slot() as ticket:
        assert ticket == 3
    assert pacer.day_remaining() == 97
