"""The one clock of a simulated day: it moves only when told, or when something waits.

It serves as the Xero client's clock (``xerodesk.xero.clock.Clock``: pacing,
the daily budget, token expiry) and, through ``set_wall_clock``, as the
engine's wall clock (the run log, cursors, the planner). A wait (a pacing
pause, a retry's back-off) moves it on at once, as the time would pass.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

__all__ = ["SimClock"]


class SimClock:
    """Simulated time, starting at ``start`` (aware UTC)."""

    def __init__(self, start: datetime) -> None:
        self._start = start
        self._elapsed = 0.0

    def monotonic(self) -> float:
        return self._elapsed

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self._elapsed)

    def advance(self, seconds: float) -> None:
        self._elapsed += max(0.0, seconds)

    async def sleep(self, seconds: float) -> None:
        self.advance(seconds)
        await asyncio.sleep(0)
