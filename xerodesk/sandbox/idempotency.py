"""Xero's ``Idempotency-Key`` header on PUT and POST.

- The same key with the same request replays the first response (status,
  body and headers) and changes nothing; a failure is replayed too.
- The same key with a different request is refused with a 400.
- A key longer than 128 characters is refused with a 400.
- A repeat that arrives while the first is still running waits for it.
- Keys live 6 minutes of sandbox time from first use; after that a repeat
  runs again as a new request.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

MAX_KEY_LENGTH = 128
LIFETIME = timedelta(minutes=6)


@dataclass(frozen=True)
class StoredResponse:
    """A response as it went out, so a repeat can be answered identically."""

    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()
    media_type: str = "application/json; charset=utf-8"


class IdempotencyError(ValueError):
    """The key cannot be used for this request (HTTP 400)."""


@dataclass
class _Slot:
    fingerprint: str
    created: datetime
    done: threading.Event
    response: StoredResponse | None = None


def fingerprint(method: str, path: str, query: Iterable[tuple[str, str]], body: bytes) -> str:
    """What makes two requests "the same": method, path, query and body (JSON
    bodies compared by content, not by spacing or key order)."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, UnicodeDecodeError):
        canonical = body
    digest = hashlib.sha256()
    for part in (method.upper(), path, "&".join(f"{k}={v}" for k, v in sorted(query))):
        digest.update(part.encode() + b"\x00")
    digest.update(canonical)
    return digest.hexdigest()


class IdempotencyCache:
    """Responses by idempotency key, for one tenant."""

    def __init__(self, now: Callable[[], datetime], lifetime: timedelta = LIFETIME) -> None:
        self._now = now
        self._lifetime = lifetime
        self._lock = threading.Lock()
        self._slots: dict[str, _Slot] = {}

    def __len__(self) -> int:
        with self._lock:
            self._expire()
            return len(self._slots)

    def clear(self) -> None:
        with self._lock:
            self._slots.clear()

    def run(
        self, key: str, request_fingerprint: str, execute: Callable[[], StoredResponse]
    ) -> tuple[StoredResponse, bool]:
        """The response for ``key``: replayed (True) or from ``execute`` (False).

        Raises IdempotencyError for a key that is too long or already used
        with a different request.
        """
        if len(key) > MAX_KEY_LENGTH:
            raise IdempotencyError(
                f"The Idempotency-Key header must be {MAX_KEY_LENGTH} characters or fewer."
            )
        while True:
            with self._lock:
                self._expire()
                slot = self._slots.get(key)
                if slot is None:
                    slot = _Slot(request_fingerprint, self._now(), threading.Event())
                    self._slots[key] = slot
                    break
                if slot.fingerprint != request_fingerprint:
                    raise IdempotencyError(
                        "The Idempotency-Key has already been used with a different request."
                    )
            slot.done.wait()
            if slot.response is not None:
                return slot.response, True
        try:
            response = execute()
        except BaseException:
            with self._lock:
                self._slots.pop(key, None)
            slot.done.set()
            raise
        slot.response = response
        slot.done.set()
        return response, False

    def _expire(self) -> None:
        cutoff = self._now() - self._lifetime
        for key in [k for k, s in self._slots.items() if s.done.is_set() and s.created <= cutoff]:
            del self._slots[key]
