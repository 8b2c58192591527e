"""Injected faults on the Accounting API (never on identity, rates or control).

The spec (``--faults SPEC``, or ``spec`` in ``POST /_sandbox/faults``) is a
comma-separated list of ``KIND=PROBABILITY[:PARAM]`` entries, plus an
optional ``seed=N`` that fixes the random draws (default: the sandbox seed)::

    500=0.02,503=0.02,timeout=0.01:20,reset=0.01,storm429=0.01:5,lost=0.02,churn=0.05:3,seed=7

Each call draws once; at most one fault hits it. Probabilities add up to 1 at
most. ``none`` or an empty spec means no faults.

=========  ==========================================================  =================
kind       what the client sees                                        PARAM (default)
=========  ==========================================================  =================
500        HTTP 500 with Xero's problem body; nothing is done           -
503        HTTP 503 (organisation offline / maintenance); nothing done  -
timeout    the call is held PARAM real seconds before being handled     seconds (30)
           normally, so a client with a shorter timeout gives up
           (a write may still commit after the client gave up)
reset      the connection is reset (TCP RST), no response, nothing done -
storm429   this call and the next PARAM-1 calls of the tenant get 429   burst length (5)
           with ``X-Rate-Limit-Problem: minute`` and ``Retry-After: 1``
lost       writes only (PUT/POST/DELETE): the write is applied, then    -
           the connection is dropped without a response
churn      paged GETs only (``page`` sent): PARAM records of the        records (3)
           collection being paged are edited (``UpdatedDateUTC``
           bumped) before the page is served, so page-number paging
           over a moving sort skips records
=========  ==========================================================  =================

Faults can also be queued to hit the next calls they apply to, whatever the
probabilities: ``POST /_sandbox/faults {"queue": ["lost", "500"]}``.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import struct
import threading
from dataclasses import dataclass, field
from typing import Any

from starlette.types import Receive, Scope

KINDS = ("500", "503", "timeout", "reset", "storm429", "lost", "churn")
DEFAULT_PARAMS: dict[str, float] = {"timeout": 30.0, "storm429": 5.0, "churn": 3.0}
WRITE_METHODS = frozenset({"PUT", "POST", "DELETE", "PATCH"})


class FaultSpecError(ValueError):
    """A ``--faults`` spec that cannot be parsed; the message says why."""


@dataclass(frozen=True)
class Fault:
    kind: str
    param: float = 0.0


@dataclass
class FaultSpec:
    rates: dict[str, float] = field(default_factory=dict)
    params: dict[str, float] = field(default_factory=dict)
    seed: int | None = None

    def param(self, kind: str) -> float:
        return self.params.get(kind, DEFAULT_PARAMS.get(kind, 0.0))

    def describe(self) -> str:
        parts = []
        for kind in KINDS:
            if kind in self.rates:
                extra = f":{self.params[kind]:g}" if kind in self.params else ""
                parts.append(f"{kind}={self.rates[kind]:g}{extra}")
        if self.seed is not None:
            parts.append(f"seed={self.seed}")
        return ",".join(parts)


def parse_fault_spec(text: str | None) -> FaultSpec:
    """Parse ``KIND=P[:PARAM],...[,seed=N]``; raise ``FaultSpecError`` if it is wrong."""
    spec = FaultSpec()
    text = (text or "").strip()
    if text.lower() in ("", "none", "off"):
        return spec
    for entry in text.split(","):
        key, sep, value = entry.strip().partition("=")
        key = key.strip().lower()
        if not sep or not value.strip():
            raise FaultSpecError(f"fault entry {entry.strip()!r} is not KIND=PROBABILITY")
        if key == "seed":
            spec.seed = _number(value, entry, int)
            continue
        if key not in KINDS:
            raise FaultSpecError(f"unknown fault kind {key!r} (known: {', '.join(KINDS)}, seed)")
        rate_text, _, param_text = value.partition(":")
        rate = _number(rate_text, entry, float)
        if not 0.0 <= rate <= 1.0:
            raise FaultSpecError(f"fault probability in {entry.strip()!r} must be within 0..1")
        spec.rates[key] = rate
        if param_text.strip():
            param = _number(param_text, entry, float)
            if param < 0:
                raise FaultSpecError(f"fault parameter in {entry.strip()!r} must not be negative")
            spec.params[key] = param
    if sum(spec.rates.values()) > 1.0 + 1e-9:
        raise FaultSpecError("fault probabilities add up to more than 1")
    return spec


def _number(text: str, entry: str, kind: type[int] | type[float]) -> Any:
    try:
        return kind(text.strip())
    except ValueError:
        raise FaultSpecError(f"bad number in fault entry {entry.strip()!r}") from None


def applies(kind: str, method: str, paged: bool) -> bool:
    """Whether a fault kind can hit a call (lost: writes; churn: paged GETs)."""
    if kind == "lost":
        return method in WRITE_METHODS
    if kind == "churn":
        return method == "GET" and paged
    return True


class FaultInjector:
    """Chooses the fault, if any, for each Accounting API call."""

    def __init__(self, spec: FaultSpec | None = None, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._default_seed = seed
        self.spec = FaultSpec()
        self._rng = random.Random(seed)
        self._queue: list[str] = []
        self._storms: dict[str, int] = {}
        self.configure(spec or FaultSpec())

    def configure(self, spec: FaultSpec, seed: int | None = None) -> None:
        """Replace the spec and restart the random draws from its seed."""
        with self._lock:
            self.spec = spec
            chosen = seed if seed is not None else spec.seed
            self._rng = random.Random(self._default_seed if chosen is None else chosen)
            self._storms.clear()

    def enqueue(self, kinds: list[str]) -> None:
        unknown = [k for k in kinds if k not in KINDS]
        if unknown:
            raise FaultSpecError(f"unknown fault kind(s): {', '.join(unknown)}")
        with self._lock:
            self._queue.extend(kinds)

    def clear(self) -> None:
        with self._lock:
            self.spec = FaultSpec()
            self._queue.clear()
            self._storms.clear()

    def rng(self) -> random.Random:
        """The injector's random source (churn picks its records with it)."""
        return self._rng

    def choose(self, tenant_id: str, method: str, paged: bool) -> Fault | None:
        with self._lock:
            left = self._storms.get(tenant_id, 0)
            if left > 0:
                self._storms[tenant_id] = left - 1
                return Fault("storm429")
            kind = self._pop_queued(method, paged) or self._draw(method, paged)
            if kind is None:
                return None
            param = self.spec.param(kind)
            if kind == "storm429":
                self._storms[tenant_id] = max(int(param) - 1, 0)
            return Fault(kind, param)

    def state(self) -> dict[str, Any]:
        with self._lock:
            return {
                "spec": self.spec.describe(),
                "rates": dict(self.spec.rates),
                "params": {k: self.spec.param(k) for k in ("timeout", "storm429", "churn")},
                "queue": list(self._queue),
                "storms": {t: n for t, n in self._storms.items() if n},
            }

    def _pop_queued(self, method: str, paged: bool) -> str | None:
        for index, kind in enumerate(self._queue):
            if applies(kind, method, paged):
                return self._queue.pop(index)
        return None

    def _draw(self, method: str, paged: bool) -> str | None:
        if not self.spec.rates:
            return None
        draw = self._rng.random()
        total = 0.0
        for kind in KINDS:
            rate = self.spec.rates.get(kind, 0.0)
            if rate and applies(kind, method, paged):
                total += rate
                if draw < total:
                    return kind
        return None


class ConnectionRegistry:
    """Open client connections by peer address, so a fault can cut one.

    The server's protocol registers each transport; the fault code finds the
    one carrying a request through ``scope["client"]``.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_peer: dict[tuple[str, int], asyncio.Transport] = {}

    def add(self, peer: tuple[str, int] | None, transport: asyncio.Transport) -> None:
        if peer is not None:
            with self._lock:
                self._by_peer[peer] = transport

    def discard(self, peer: tuple[str, int] | None, transport: asyncio.Transport) -> None:
        if peer is not None:
            with self._lock:
                if self._by_peer.get(peer) is transport:
                    del self._by_peer[peer]

    def find(self, scope: Scope) -> asyncio.Transport | None:
        client = scope.get("client")
        if not client:
            return None
        with self._lock:
            return self._by_peer.get((client[0], int(client[1])))


async def drop_connection(
    registry: ConnectionRegistry, scope: Scope, receive: Receive, reset: bool
) -> bool:
    """Close the request's connection without a response (RST if ``reset``).

    Returns False when no transport is known (e.g. not behind our server); the
    caller must then answer some other way.
    """
    transport = registry.find(scope)
    if transport is None:
        return False
    sock = transport.get_extra_info("socket")
    if sock is not None:
        linger = struct.pack("ii", 1, 0) if reset else struct.pack("ii", 0, 0)
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
    if reset:
        transport.abort()
    else:
        transport.close()
    await _await_disconnect(receive)
    return True


async def _await_disconnect(receive: Receive) -> None:
    """Let the server notice the closed connection, so it sends nothing itself."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(2.0):
            while (await receive())["type"] != "http.disconnect":
                pass
