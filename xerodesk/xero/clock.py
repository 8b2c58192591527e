"""Time for the client: injectable so pacing can be tested and scaled.

All pacing arithmetic is in *server seconds*: the seconds of the clock that
Xero's limits are counted on. Against the real Xero that is real time
(``scale=1``). The sandbox can run its clock N times faster than real time;
the client is then built with ``time_scale=N`` so that "60 calls a minute"
and ``Retry-After`` values mean sandbox minutes and sandbox seconds, and every
wait lasts ``seconds / N`` real seconds.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

__all__ = ["Clock", "ManualClock", "ScaledClock"]


class Clock(Protocol):
    """A monotonic clock, a wall clock and a sleeper, all in server seconds."""

    def monotonic(self) -> float:
        """Server seconds since an arbitrary origin; never goes back."""
        ...

    def now(self) -> datetime:
        """The current server time as an aware UTC datetime."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` server seconds."""
        ...


class ScaledClock:
    """Real time, optionally running ``scale`` times faster (for the sandbox)."""

    def __init__(self, scale: float = 1.0) -> None:
        if scale <= 0:
            raise ValueError("time scale must be positive")
        self.scale = scale
        self._origin_real = time.monotonic()
        self._origin_wall = datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic() * self.scale

    def now(self) -> datetime:
        elapsed = (time.monotonic() - self._origin_real) * self.scale
        return self._origin_wall + timedelta(seconds=elapsed)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds) / self.scale)


class ManualClock:
    """A clock that only moves when told to: ``sleep`` advances it at once.

    For tests of pacing logic without waiting. A sleep moves the clock to the
    end of that sleep unless it is already later, so concurrent sleepers wait in
    parallel as they would on a real clock. The sleeps are recorded so a test
    can assert how long the client chose to wait.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._t = 0.0
        self._start = start or datetime(2026, 1, 1, tzinfo=UTC)
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self._t

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self._t)

    def advance(self, seconds: float) -> None:
        self._t += max(0.0, seconds)

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        wake = self._t + max(0.0, seconds)
        await asyncio.sleep(0)
        self._t = max(self._t, wake)
