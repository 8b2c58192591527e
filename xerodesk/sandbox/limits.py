"""Xero's API rate limits, on the sandbox clock.

Per tenant (organisation) and app: 60 calls a minute, 5,000 a day (1,000 on
the Starter tier) and 5 calls in flight; per app: 10,000 calls a minute
across all tenants. Windows are fixed, not rolling, and each opens with the
first call made after the previous one closed, so every tenant has its own
reset times (as Xero says: trust ``Retry-After``, not the wall clock).

Every admitted Accounting API call gets the real headers
``X-DayLimit-Remaining``, ``X-MinLimit-Remaining`` and
``X-AppMinLimit-Remaining``. A call over a limit is refused with 429,
``X-Rate-Limit-Problem`` (``day``, ``minute``, ``appminute`` or
``concurrent``) and ``Retry-After`` in whole seconds *of sandbox time*.
Because the sandbox clock may run faster than real time (``--clock-scale``),
the refusal also carries ``X-Sandbox-Retry-After-Real``: the same wait in real
seconds (``Retry-After / scale``, as a decimal). A client that sleeps
``Retry-After`` real seconds is always safe; under a scaled clock it merely
oversleeps. Refused calls use up no quota.

Mode ``off`` enforces nothing and sends none of the ``X-*Limit-Remaining``
headers; it still counts, so ``/_sandbox/limits`` shows what a real
organisation would have used.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

MINUTE = 60.0
DAY = 86_400.0
MODES = ("real", "off")


@dataclass
class LimitConfig:
    """The limits in force; ``mode`` is ``real`` or ``off``."""

    mode: str = "real"
    minute: int = 60
    daily: int = 5_000
    concurrent: int = 5
    app_minute: int = 10_000

    def validate(self) -> None:
        if self.mode not in MODES:
            raise ValueError(
                f"rate-limit mode must be one of {', '.join(MODES)}, not {self.mode!r}"
            )
        for name in ("minute", "daily", "concurrent", "app_minute"):
            if getattr(self, name) < 1:
                raise ValueError(f"rate limit {name} must be at least 1")


@dataclass
class Window:
    """A fixed window that opens with its first call and lasts ``length`` seconds."""

    length: float
    start: datetime | None = None
    used: int = 0

    def roll(self, now: datetime) -> None:
        if self.start is None or now >= self.start + timedelta(seconds=self.length):
            self.start = None
            self.used = 0

    def take(self, now: datetime) -> None:
        if self.start is None:
            self.start = now
        self.used += 1

    def seconds_left(self, now: datetime) -> float:
        if self.start is None:
            return self.length
        left = (self.start + timedelta(seconds=self.length) - now).total_seconds()
        return max(left, 0.0)


@dataclass
class TenantUsage:
    minute: Window = field(default_factory=lambda: Window(MINUTE))
    day: Window = field(default_factory=lambda: Window(DAY))
    in_flight: int = 0
    peak_in_flight: int = 0


@dataclass(frozen=True)
class Decision:
    """The limiter's answer for one call: admitted (``problem is None``) or refused."""

    tenant_id: str
    headers: dict[str, str]
    problem: str | None = None
    retry_after: float = 0.0

    @property
    def admitted(self) -> bool:
        return self.problem is None


class RateLimiter:
    """Counts calls per tenant and app; in mode ``real`` it also refuses them."""

    def __init__(
        self,
        now: Callable[[], datetime],
        config: LimitConfig | None = None,
        scale: Callable[[], float] = lambda: 1.0,
    ) -> None:
        self._now = now
        self._scale = scale
        self._lock = threading.Lock()
        self.config = config or LimitConfig()
        self.config.validate()
        self._tenants: dict[str, TenantUsage] = {}
        self._app_minute = Window(MINUTE)

    def reconfigure(self, **changes: Any) -> LimitConfig:
        """Change some limits (mode, minute, daily, concurrent, app_minute)."""
        with self._lock:
            merged = {**asdict(self.config), **changes}
            config = LimitConfig(**merged)
            config.validate()
            self.config = config
            return config

    def reset(self) -> None:
        """Forget every window (calls in flight stay counted until they end)."""
        with self._lock:
            for usage in self._tenants.values():
                usage.minute = Window(MINUTE)
                usage.day = Window(DAY)
            self._app_minute = Window(MINUTE)

    def acquire(self, tenant_id: str) -> Decision:
        """Admit or refuse one call; an admitted call must be ``release``d."""
        with self._lock:
            now = self._now()
            usage = self._tenants.setdefault(tenant_id, TenantUsage())
            usage.minute.roll(now)
            usage.day.roll(now)
            self._app_minute.roll(now)
            problem, wait = self._problem(usage, now)
            if problem is not None and self.config.mode == "real":
                return Decision(tenant_id, self._headers(usage), problem, max(1.0, math.ceil(wait)))
            usage.minute.take(now)
            usage.day.take(now)
            self._app_minute.take(now)
            usage.in_flight += 1
            usage.peak_in_flight = max(usage.peak_in_flight, usage.in_flight)
            return Decision(tenant_id, self._headers(usage))

    def release(self, tenant_id: str) -> None:
        with self._lock:
            usage = self._tenants.get(tenant_id)
            if usage is not None and usage.in_flight > 0:
                usage.in_flight -= 1

    def refusal_headers(self, decision: Decision) -> dict[str, str]:
        """Headers of a 429: the remaining counts, the problem and the waits."""
        headers = dict(decision.headers)
        headers["X-Rate-Limit-Problem"] = decision.problem or ""
        headers["Retry-After"] = str(int(decision.retry_after))
        real = decision.retry_after / self._scale()
        headers["X-Sandbox-Retry-After-Real"] = f"{real:.3f}"
        return headers

    def snapshot(self) -> dict[str, Any]:
        """The limiter's state as JSON: config, app window and per-tenant windows."""
        with self._lock:
            now = self._now()
            tenants = {
                tenant: {
                    "minute": _window_state(u.minute, self.config.minute, now),
                    "day": _window_state(u.day, self.config.daily, now),
                    "in_flight": u.in_flight,
                    "peak_in_flight": u.peak_in_flight,
                }
                for tenant, u in self._tenants.items()
            }
            return {
                "config": asdict(self.config),
                "app_minute": _window_state(self._app_minute, self.config.app_minute, now),
                "tenants": tenants,
            }

    def _problem(self, usage: TenantUsage, now: datetime) -> tuple[str | None, float]:
        config = self.config
        if usage.day.used >= config.daily:
            return "day", usage.day.seconds_left(now)
        if usage.minute.used >= config.minute:
            return "minute", usage.minute.seconds_left(now)
        if self._app_minute.used >= config.app_minute:
            return "appminute", self._app_minute.seconds_left(now)
        if usage.in_flight >= config.concurrent:
            return "concurrent", 1.0
        return None, 0.0

    def _headers(self, usage: TenantUsage) -> dict[str, str]:
        if self.config.mode != "real":
            return {}
        config = self.config
        return {
            "X-DayLimit-Remaining": str(max(config.daily - usage.day.used, 0)),
            "X-MinLimit-Remaining": str(max(config.minute - usage.minute.used, 0)),
            "X-AppMinLimit-Remaining": str(max(config.app_minute - self._app_minute.used, 0)),
        }


def _window_state(window: Window, limit: int, now: datetime) -> dict[str, Any]:
    window.roll(now)
    return {
        "limit": limit,
        "used": window.used,
        "remaining": max(limit - window.used, 0),
        "resets_in": round(window.seconds_left(now), 3) if window.start else None,
    }
