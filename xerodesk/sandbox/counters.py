"""Call counters of the sandbox, read and reset at ``/_sandbox/counters``.

Counted: Accounting API calls by endpoint (``GET /Contacts``,
``POST /Invoices/{id}``) and by status, 429s (``rate_limited.total`` counts
every 429, storms included; the other keys count real limit refusals by
``X-Rate-Limit-Problem``), faults by kind,
pages served (successful GETs that sent ``page``), calls in flight and their
peak, identity calls by kind (token grants, authorize, connections), and the
bytes of the Accounting API's response bodies by endpoint: as the handlers
wrote them and as they went on the wire (gzip, when the client asked for it).
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any


def endpoint_key(method: str, path: str) -> str:
    """``GET /Contacts/3f0c…/Attachments`` -> ``GET /Contacts/{id}/Attachments``."""
    segments = [s for s in path.split("/") if s]
    shaped = [s if i % 2 == 0 else "{id}" for i, s in enumerate(segments)]
    return f"{method.upper()} /" + "/".join(shaped)


class Counters:
    """Thread-safe tallies; ``snapshot()`` is the JSON the control API returns."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.calls = 0
            self.by_endpoint: Counter[str] = Counter()
            self.by_status: Counter[str] = Counter()
            self.rate_limited: Counter[str] = Counter()
            self.faults: Counter[str] = Counter()
            self.identity: Counter[str] = Counter()
            self.pages_served = 0
            self.bytes_body: Counter[str] = Counter()
            self.bytes_wire: Counter[str] = Counter()
            self.in_flight = getattr(self, "in_flight", 0)
            self.peak_concurrency = self.in_flight

    def call_started(self, method: str, path: str) -> None:
        with self._lock:
            self.calls += 1
            self.by_endpoint[endpoint_key(method, path)] += 1
            self.in_flight += 1
            self.peak_concurrency = max(self.peak_concurrency, self.in_flight)

    def call_finished(self) -> None:
        with self._lock:
            self.in_flight = max(self.in_flight - 1, 0)

    def status(self, status: int, page_served: bool) -> None:
        with self._lock:
            self.by_status[str(status)] += 1
            if page_served and status == 200:
                self.pages_served += 1
            if status == 429:
                self.rate_limited["total"] += 1

    def bytes_sent(self, method: str, path: str, body: int, wire: int) -> None:
        """One response's body: ``body`` bytes as written, ``wire`` as sent."""
        key = endpoint_key(method, path)
        with self._lock:
            self.bytes_body[key] += body
            self.bytes_wire[key] += wire

    def limited(self, problem: str) -> None:
        with self._lock:
            self.rate_limited[problem] += 1

    def fault(self, kind: str) -> None:
        with self._lock:
            self.faults[kind] += 1

    def identity_call(self, kind: str) -> None:
        with self._lock:
            self.identity[kind] += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "calls": self.calls,
                "by_endpoint": dict(sorted(self.by_endpoint.items())),
                "by_status": dict(sorted(self.by_status.items())),
                "rate_limited": {"total": self.rate_limited.get("total", 0), **self._problems()},
                "peak_concurrency": self.peak_concurrency,
                "in_flight": self.in_flight,
                "pages_served": self.pages_served,
                "faults": dict(sorted(self.faults.items())),
                "identity": dict(sorted(self.identity.items())),
                "bytes": {
                    "body": sum(self.bytes_body.values()),
                    "wire": sum(self.bytes_wire.values()),
                    "by_endpoint": {
                        key: {"body": self.bytes_body[key], "wire": self.bytes_wire[key]}
                        for key in sorted(self.bytes_body)
                    },
                },
            }

    def _problems(self) -> dict[str, int]:
        return {k: v for k, v in sorted(self.rate_limited.items()) if k != "total"}
