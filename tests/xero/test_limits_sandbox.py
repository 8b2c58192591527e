"""Pacing against the sandbox's real rate limits on a fast clock."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

import pytest

from tests.support.sandbox import RunningSandbox
from xerodesk.errors import DailyLimitReachedError
from xerodesk.xero.client import XeroClient
from xerodesk.xero.clock import ScaledClock

SCALE = 30.0


def _sandbox_now(sandbox: RunningSandbox) -> datetime:
    return sandbox.state.clock.now()


class SleepTally(ScaledClock):
    """The client's clock, noting each wait the pacer chose (server seconds)."""

    def __init__(self, scale: float) -> None:
        super().__init__(scale)
        self.waits: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        await super().sleep(seconds)


async def test_no_429_across_more_than_two_sandbox_minutes_using_the_whole_budget(
    xero_sandbox: Callable[..., RunningSandbox], client_for: Callable[..., XeroClient]
) -> None:
    sandbox = xero_sandbox(contacts=1495, clock_scale=SCALE)
    clock = SleepTally(SCALE)
    client = client_for(sandbox, page_size=10, clock=clock)
    started = _sandbox_now(sandbox)
    real_start = time.monotonic()
    seen = 0
    async for page in client.contacts():
        seen += len(page)
    elapsed = (_sandbox_now(sandbox) - started).total_seconds()
    real = time.monotonic() - real_start
    counters = sandbox.control("GET", "/counters")
    assert seen == 1495
    assert counters["by_endpoint"]["GET /Contacts"] == 150
    assert counters["rate_limited"]["total"] == 0
    assert counters["peak_concurrency"] <= 5
    # 150 calls at 60 a minute: two full minutes of waiting at least, and never
    # a wait longer than the minute's window (how long the calls themselves
    # take depends on the machine, so it is not bounded here)
    assert elapsed > 120, elapsed
    assert clock.waits and max(clock.waits) <= 60, max(clock.waits, default=0)
    usage = client.usage()
    assert usage.rate_limited == 0 and usage.calls == 150
    print(f"150 calls: {elapsed:.0f} sandbox s, {real:.1f} real s, 0 x 429")


async def test_a_429_storm_is_waited_out(
    xero_sandbox: Callable[..., RunningSandbox], client_for: Callable[..., XeroClient]
) -> None:
    sandbox = xero_sandbox(contacts=250, clock_scale=SCALE)
    client = client_for(sandbox, page_size=100)
    sandbox.control("POST", "/faults", {"queue": ["storm429"]})
    ids = [r["ContactID"] async for page in client.contacts() for r in page.records]
    assert len(set(ids)) == 250
    counters = sandbox.control("GET", "/counters")
    assert counters["rate_limited"]["total"] == 5
    assert client.usage().rate_limited == 5
    assert client.usage().by_endpoint["GET Contacts"]["ok"] == 3


async def test_the_day_limit_stops_cleanly_saying_when_it_resets(
    xero_sandbox: Callable[..., RunningSandbox], client_for: Callable[..., XeroClient]
) -> None:
    sandbox = xero_sandbox(contacts=300, clock_scale=SCALE)
    sandbox.control("POST", "/limits", {"daily": 12})
    client = client_for(sandbox, page_size=10)
    pages = 0
    with pytest.raises(DailyLimitReachedError) as stopped:
        async for _page in client.contacts():
            pages += 1
    # Twelve calls were admitted; pages fetched side by side may be admitted
    # out of order, so the walk yields the unbroken run it has.
    assert 8 <= pages <= 12
    day = sandbox.control("GET", "/limits")["tenants"][sandbox.state.org.tenant_id]["day"]
    assert day["used"] == 12 and day["remaining"] == 0
    message = str(stopped.value)
    assert "resets at about" in message and "UTC" in message
    assert stopped.value.retry_after is not None
    assert 86_000 < stopped.value.retry_after <= 86_400
    counters = sandbox.control("GET", "/counters")
    assert counters["rate_limited"]["total"] <= 1  # at most the probe that learned the reset
    assert client.remaining_today() == 0
    assert not client.can_afford(1)
    # Later calls stop at once, without asking Xero again.
    with pytest.raises(DailyLimitReachedError):
        async for _page in client.contacts(start_page=pages + 1):
            pass
    assert sandbox.control("GET", "/counters")["calls"] == counters["calls"]


async def test_a_user_budget_below_xeros_stops_first(
    xero_sandbox: Callable[..., RunningSandbox], client_for: Callable[..., XeroClient]
) -> None:
    sandbox = xero_sandbox(contacts=100)
    client = client_for(sandbox, page_size=10, daily_limit=4)
    with pytest.raises(DailyLimitReachedError, match="daily budget of 4"):
        async for _page in client.contacts():
            pass
    assert sandbox.control("GET", "/counters")["by_endpoint"]["GET /Contacts"] == 4
