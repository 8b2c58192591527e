"""When and how long to wait before trying a failed call again."""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = ["RETRYABLE_STATUSES", "RetryPolicy"]

#: Statuses worth another try: Xero's internal error, gateway trouble, offline.
RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """Jittered exponential backoff with a cap.

    ``attempts`` counts every try of one call that failed for a transient
    reason (timeout, connection error, 500/502/503/504); 429s have their own
    allowance, ``rate_limited_attempts``, because each one comes with its own
    ``Retry-After``. Delays are server seconds.
    """

    attempts: int = 6
    base_delay: float = 1.0
    max_delay: float = 30.0
    rate_limited_attempts: int = 30

    def delay(self, failures: int, rng: random.Random) -> float:
        """The wait after the ``failures``-th failure (1-based): equal jitter.

        Half the exponential step is kept and half drawn at random, so
        clients that failed together do not retry together.
        """
        step = min(self.max_delay, self.base_delay * (2 ** max(0, failures - 1)))
        return float(step / 2 + rng.uniform(0, step / 2))
