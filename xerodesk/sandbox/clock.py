"""The sandbox's clock: real time, optionally scaled and shifted, in UTC."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta


class SandboxClock:
    """A clock that runs ``scale`` times faster than real time and can be moved.

    ``now()`` is always an aware UTC datetime. ``advance()`` jumps forward (the
    control endpoint uses it); ``scale`` makes sandbox minutes pass quicker so
    limit tests and demos do not wait real minutes.
    """

    def __init__(self, start: datetime | None = None, scale: float = 1.0) -> None:
        if scale <= 0:
            raise ValueError("clock scale must be positive")
        self._lock = threading.Lock()
        self._origin_real = time.monotonic()
        self._origin = (start or datetime.now(UTC)).astimezone(UTC)
        self._scale = scale

    @property
    def scale(self) -> float:
        return self._scale

    def now(self) -> datetime:
        with self._lock:
            elapsed = (time.monotonic() - self._origin_real) * self._scale
            return self._origin + timedelta(seconds=elapsed)

    def advance(self, seconds: float) -> datetime:
        with self._lock:
            self._origin += timedelta(seconds=seconds)
        return self.now()

    def set_scale(self, scale: float) -> None:
        if scale <= 0:
            raise ValueError("clock scale must be positive")
        current = self.now()
        with self._lock:
            self._origin_real = time.monotonic()
            self._origin = current
            self._scale = scale

    def sleep_seconds(self, sandbox_seconds: float) -> float:
        """Real seconds that correspond to ``sandbox_seconds`` on this clock."""
        return sandbox_seconds / self._scale
