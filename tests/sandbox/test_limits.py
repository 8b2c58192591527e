"""Xero's rate limits in the sandbox: the limiter alone, then over HTTP."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.support.sandbox import RunningSandbox
from xerodesk.sandbox.limits import LimitConfig, RateLimiter


class ManualClock:
    def __init__(self) -> None:
        self.moment = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.moment

    def advance(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)


def admit(limiter: RateLimiter, count: int, tenant: str = "t1") -> None:
    for _ in range(count):
        decision = limiter.acquire(tenant)
        assert decision.admitted, decision
        limiter.release(tenant)


def test_sixty_first_call_in_a_minute_is_refused() -> None:
    clock = ManualClock()
    limiter = RateLimiter(clock.now)
    admit(limiter, 30)
    clock.advance(20)
    admit(limiter, 30)
    refused = limiter.acquire("t1")
    assert not refused.admitted and refused.problem == "minute"
    assert refused.retry_after == 40
    assert refused.headers["X-MinLimit-Remaining"] == "0"
    assert limiter.acquire("t2").admitted  # another tenant has its own minute
    clock.advance(39)
    assert limiter.acquire("t1").problem == "minute"
    clock.advance(1)
    assert limiter.acquire("t1").admitted


def test_headers_count_down() -> None:
    limiter = RateLimiter(ManualClock().now)
    seen = []
    for _ in range(3):
        decision = limiter.acquire("t1")
        limiter.release("t1")
        seen.append(
            (
                decision.headers["X-DayLimit-Remaining"],
                decision.headers["X-MinLimit-Remaining"],
                decision.headers["X-AppMinLimit-Remaining"],
            )
        )
    assert seen == [("4999", "59", "9999"), ("4998", "58", "9998"), ("4997", "57", "9997")]


def test_day_limit_and_its_retry_after() -> None:
    clock = ManualClock()
    limiter = RateLimiter(clock.now, LimitConfig(daily=1000))
    for _ in range(16):
        admit(limiter, 60)
        clock.advance(60)
    admit(limiter, 40)
    refused = limiter.acquire("t1")
    assert refused.problem == "day"
    assert refused.retry_after == 86400 - 16 * 60
    assert refused.headers["X-DayLimit-Remaining"] == "0"
    clock.advance(refused.retry_after)
    assert limiter.acquire("t1").admitted


def test_concurrency_limit() -> None:
    limiter = RateLimiter(ManualClock().now)
    held = [limiter.acquire("t1") for _ in range(5)]
    assert all(d.admitted for d in held)
    sixth = limiter.acquire("t1")
    assert sixth.problem == "concurrent" and sixth.retry_after == 1
    limiter.release("t1")
    assert limiter.acquire("t1").admitted
    assert limiter.snapshot()["tenants"]["t1"]["peak_in_flight"] == 5


def test_app_minute_limit_spans_tenants() -> None:
    limiter = RateLimiter(ManualClock().now, LimitConfig(app_minute=100))
    for n in range(100):
        admit(limiter, 1, tenant=f"t{n % 3}")
    refused = limiter.acquire("t9")
    assert refused.problem == "appminute"


def test_refusal_headers_give_sandbox_and_real_seconds() -> None:
    clock = ManualClock()
    limiter = RateLimiter(clock.now, scale=lambda: 60.0)
    admit(limiter, 60)
    headers = limiter.refusal_headers(limiter.acquire("t1"))
    assert headers["Retry-After"] == "60"
    assert headers["X-Rate-Limit-Problem"] == "minute"
    assert headers["X-Sandbox-Retry-After-Real"] == "1.000"


def test_mode_off_only_counts() -> None:
    limiter = RateLimiter(ManualClock().now, LimitConfig(mode="off"))
    for _ in range(200):
        decision = limiter.acquire("t1")
        assert decision.admitted and decision.headers == {}
    snapshot = limiter.snapshot()
    assert snapshot["tenants"]["t1"]["minute"]["used"] == 200
    assert snapshot["tenants"]["t1"]["in_flight"] == 200


def test_reconfigure_and_reset() -> None:
    limiter = RateLimiter(ManualClock().now)
    admit(limiter, 60)
    assert limiter.acquire("t1").problem == "minute"
    limiter.reset()
    assert limiter.acquire("t1").admitted
    limiter.reconfigure(minute=2)
    assert limiter.acquire("t1").admitted
    assert limiter.acquire("t1").problem == "minute"
    with pytest.raises(ValueError, match="mode"):
        limiter.reconfigure(mode="sometimes")


# -- over HTTP ---------------------------------------------------------------


@pytest.fixture
def sb(make_sandbox: Callable[..., RunningSandbox]) -> RunningSandbox:
    return make_sandbox()


def sandbox_now(sb: RunningSandbox) -> datetime:
    return datetime.fromisoformat(sb.control("GET", "/clock")["now"])


def test_61st_call_in_a_sandbox_minute_gets_429(sb: RunningSandbox) -> None:
    before_first = sandbox_now(sb)
    remaining = []
    for _ in range(60):
        response = sb.api("GET", "/Organisation")
        assert response.status_code == 200
        remaining.append(int(response.headers["X-MinLimit-Remaining"]))
    assert remaining == list(range(59, -1, -1))
    assert response.headers["X-DayLimit-Remaining"] == "4940"
    assert response.headers["X-AppMinLimit-Remaining"] == "9940"
    refused = sb.api("GET", "/Organisation")
    after_refusal = sandbox_now(sb)
    assert refused.status_code == 429
    assert refused.headers["X-Rate-Limit-Problem"] == "minute"
    retry = int(refused.headers["Retry-After"])
    # the minute began with the first call: its end is at most 60 s away, and
    # no nearer than the clock readings around the calls allow
    assert math.floor(60 - (after_refusal - before_first).total_seconds()) <= retry <= 60
    assert float(refused.headers["X-Sandbox-Retry-After-Real"]) == pytest.approx(retry, abs=0.01)
    assert refused.headers["X-MinLimit-Remaining"] == "0"
    assert refused.json()["Status"] == 429
    sb.control("POST", "/clock", {"advance": retry})
    assert sb.api("GET", "/Organisation").status_code == 200
    counters = sb.control("GET", "/counters")
    assert counters["rate_limited"] == {"total": 1, "minute": 1}
    assert counters["by_status"] == {"200": 61, "429": 1}
    assert counters["by_endpoint"]["GET /Organisation"] == 62


def test_daily_limit_of_the_starter_tier(make_sandbox: Callable[..., RunningSandbox]) -> None:
    """The day is a rolling 24 hours from the first call: Retry-After counts to
    its end. The bounds come from the sandbox's clock, read before the first
    call and after the refusal, so they hold however slowly the calls run."""
    sb = make_sandbox(daily_limit=1000)
    before_first = sandbox_now(sb)
    done = 0
    while done < 1000:
        for _ in range(min(60, 1000 - done)):
            assert sb.api("GET", "/Organisation").status_code == 200
            done += 1
        sb.control("POST", "/clock", {"advance": 60})
    refused = sb.api("GET", "/Organisation")
    after_refusal = sandbox_now(sb)
    assert refused.status_code == 429
    assert refused.headers["X-Rate-Limit-Problem"] == "day"
    assert refused.headers["X-DayLimit-Remaining"] == "0"
    retry = int(refused.headers["Retry-After"])
    # refused at least 17 clock advances of 60 s after the first call, and at most
    # the time between the two clock readings
    longest = 86400 - (after_refusal - before_first).total_seconds()
    assert math.floor(longest) <= retry <= 86400 - 17 * 60 + 1
    sb.control("POST", "/clock", {"advance": retry})
    sb.connect()  # a day later the access token has long expired
    fresh = sb.api("GET", "/Organisation")
    assert fresh.status_code == 200 and fresh.headers["X-DayLimit-Remaining"] == "999"


def test_sixth_call_in_flight_gets_429(sb: RunningSandbox) -> None:
    sb.control("POST", "/faults", {"spec": "timeout=0:1.5", "queue": ["timeout"] * 5})
    token = sb.connect()
    statuses: list[int] = []

    def slow_call() -> None:
        with httpx.Client(base_url=sb.base_url, timeout=10) as client:
            response = client.get("/api.xro/2.0/Organisation", headers=token.headers)
            statuses.append(response.status_code)

    threads = [threading.Thread(target=slow_call) for _ in range(5)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 5
    while sb.control("GET", "/counters")["in_flight"] < 5:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    sixth = sb.http.get("/api.xro/2.0/Organisation", headers=token.headers)
    assert sixth.status_code == 429
    assert sixth.headers["X-Rate-Limit-Problem"] == "concurrent"
    assert sixth.headers["Retry-After"] == "1"
    for thread in threads:
        thread.join()
    assert statuses == [200] * 5
    counters = sb.control("GET", "/counters")
    assert counters["peak_concurrency"] == 6
    assert counters["rate_limited"]["concurrent"] == 1
    limits = sb.control("GET", "/limits")
    assert limits["tenants"][sb.state.org.tenant_id]["peak_in_flight"] == 5


def test_scaled_clock_windows_pass_in_real_time(
    make_sandbox: Callable[..., RunningSandbox],
) -> None:
    sb = make_sandbox(clock_scale=120.0)
    for _ in range(60):
        sb.api("GET", "/Organisation")
    refused = sb.api("GET", "/Organisation")
    if refused.status_code == 429:  # the sandbox minute may already be over
        real = float(refused.headers["X-Sandbox-Retry-After-Real"])
        assert real <= 0.51
        time.sleep(real + 0.05)
    assert sb.api("GET", "/Organisation").status_code == 200


def test_mode_off_counts_without_refusing(make_sandbox: Callable[..., RunningSandbox]) -> None:
    sb = make_sandbox(rate_limits="off")
    for _ in range(70):
        response = sb.api("GET", "/Organisation")
        assert response.status_code == 200
        assert "X-MinLimit-Remaining" not in response.headers
    state = sb.control("GET", "/limits")
    assert state["config"]["mode"] == "off"
    assert state["tenants"][sb.state.org.tenant_id]["minute"]["used"] == 70
    assert sb.control("GET", "/counters")["calls"] == 70


def test_limits_can_be_changed_and_reset_at_runtime(sb: RunningSandbox) -> None:
    sb.control("POST", "/limits", {"minute": 3})
    statuses = [sb.api("GET", "/Organisation").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    sb.control("POST", "/limits/reset")
    assert sb.api("GET", "/Organisation").status_code == 200
    sb.control("POST", "/limits", {"minute": 60, "app_minute": 2})
    sb.control("POST", "/limits/reset")
    statuses = [sb.api("GET", "/Organisation").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    refused = sb.api("GET", "/Organisation")
    assert refused.headers["X-Rate-Limit-Problem"] == "appminute"
    assert refused.headers["X-AppMinLimit-Remaining"] == "0"
    bad = sb.http.post("/_sandbox/limits", json={"hourly": 5})
    assert bad.status_code == 400


def test_refused_calls_do_not_reach_the_limiter(sb: RunningSandbox) -> None:
    for _ in range(65):
        assert sb.http.get("/api.xro/2.0/Organisation").status_code == 401
    assert sb.api("GET", "/Organisation").headers["X-MinLimit-Remaining"] == "59"
