"""The gate in front of the Accounting API: auth, tenant, scope, limits, faults, counters.

Order of checks, as Xero's: the bearer token (401), the ``xero-tenant-id``
(403), the scope (401 ``AuthorizationUnsuccessful``), then the rate limits
(429). Faults hit only calls that passed all of them. Every admitted call's
response carries the rate-limit headers (mode ``real``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from xerodesk.sandbox.faults import Fault, drop_connection
from xerodesk.sandbox.identity_records import ApiRefusal

if TYPE_CHECKING:
    from xerodesk.sandbox.state import SandboxState

log = logging.getLogger(__name__)

TITLES = {
    401: "Unauthorized",
    403: "Forbidden",
    429: "Too Many Requests",
    500: "An error occurred",
    503: "Service Unavailable",
}
DETAILS = {
    429: "The rate limit was exceeded. Retry after the number of seconds in Retry-After.",
    500: "An error occurred in Xero. Check the API Status page http://status.developer.xero.com "
    "for current service status. Contact the API support team at api@xero.com for more "
    "assistance.",
    503: "The Xero API is temporarily unavailable (organisation offline or maintenance).",
}
# Collections a churn fault may edit, by the lower-case path segment.
PAGED_COLLECTIONS = {
    "contacts": "Contacts",
    "invoices": "Invoices",
    "creditnotes": "CreditNotes",
    "purchaseorders": "PurchaseOrders",
}


def problem(status: int, detail: str | None = None) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    """Xero's problem JSON (``Type``, ``Title``, ``Status``, ``Detail``, ``Instance``)."""
    instance = str(uuid.uuid4())
    body: dict[str, object] = {
        "Type": None,
        "Title": TITLES.get(status, "Error"),
        "Status": status,
        "Detail": detail if detail is not None else DETAILS.get(status, ""),
        "Instance": instance,
        "Extensions": {},
    }
    raw = json.dumps(body).encode()
    headers = [
        (b"content-type", b"application/json; charset=utf-8"),
        (b"content-length", str(len(raw)).encode()),
        (b"xero-correlation-id", instance.encode()),
    ]
    return raw, headers


async def send_problem(
    send: Send, status: int, detail: str | None = None, extra: dict[str, str] | None = None
) -> None:
    raw, headers = problem(status, detail)
    for name, value in (extra or {}).items():
        headers.append((name.lower().encode("latin-1"), value.encode("latin-1")))
    if status == 401:
        error = b"insufficient_scope" if detail == "AuthorizationUnsuccessful" else b"invalid_token"
        headers.append((b"www-authenticate", b'Bearer error="' + error + b'"'))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": raw})


class ApiGate:
    """ASGI wrapper of the Accounting API routes (mounted at ``/api.xro/2.0``)."""

    def __init__(self, app: ASGIApp, state: SandboxState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = self.state
        method = scope["method"].upper()
        path = _relative_path(scope)
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        paged = method == "GET" and any(k.lower() == "page" for k in query)
        state.counters.call_started(method, path)
        recorder = _StatusRecorder(send, state, paged)
        body = BodyCount()
        scope.setdefault("state", {})[BODY_COUNT] = body
        try:
            headers = Headers(scope=scope)
            access = state.identity.check_api(
                headers.get("authorization"), headers.get("xero-tenant-id"), method, path
            )
            if isinstance(access, ApiRefusal):
                await send_problem(recorder, access.status, access.detail)
                return
            tenant_id = state.org.tenant_id
            decision = state.limits.acquire(tenant_id)
            if not decision.admitted:
                state.counters.limited(decision.problem or "")
                extra = state.limits.refusal_headers(decision)
                await send_problem(recorder, 429, None, extra)
                return
            try:
                recorder.extra = decision.headers
                fault = state.faults.choose(tenant_id, method, paged)
                await self._serve(scope, receive, recorder, fault, path)
            finally:
                state.limits.release(tenant_id)
        finally:
            state.counters.call_finished()
            written = body.size if body.counted else recorder.wire
            state.counters.bytes_sent(method, path, written, recorder.wire)

    async def _serve(
        self, scope: Scope, receive: Receive, send: _StatusRecorder, fault: Fault | None, path: str
    ) -> None:
        state = self.state
        if fault is not None:
            state.counters.fault(fault.kind)
            if await self._fault_answered(scope, receive, send, fault, path):
                return
        if fault is not None and fault.kind == "lost":
            send.swallow = True
        try:
            await self.app(scope, receive, send)
        except Exception:
            log.exception("Accounting API handler failed on %s %s", scope["method"], path)
            if not send.started:
                send.swallow = False
                await send_problem(send, 500)
            return
        if send.swallow:
            if not await drop_connection(state.connections, scope, receive, reset=False):
                send.swallow = False
                await send_problem(send, 500)

    async def _fault_answered(
        self, scope: Scope, receive: Receive, send: _StatusRecorder, fault: Fault, path: str
    ) -> bool:
        """Apply a fault; True when it has answered (or dropped) the call itself."""
        kind = fault.kind
        if kind in ("500", "503"):
            await send_problem(send, int(kind))
            return True
        if kind == "storm429":
            real = 1.0 / self.state.clock.scale
            extra = {
                "X-Rate-Limit-Problem": "minute",
                "Retry-After": "1",
                "X-Sandbox-Retry-After-Real": f"{real:.3f}",
            }
            await send_problem(send, 429, None, extra)
            return True
        if kind == "reset":
            if not await drop_connection(self.state.connections, scope, receive, reset=True):
                await send_problem(send, 500)
            return True
        if kind == "timeout":
            await asyncio.sleep(fault.param)
        elif kind == "churn":
            self._churn(path, int(fault.param))
        return False

    def _churn(self, path: str, count: int) -> None:
        segment = path.strip("/").split("/")[0].lower()
        collection = PAGED_COLLECTIONS.get(segment)
        if collection is None:
            return
        rng = self.state.faults.rng()
        for _ in range(count):
            try:
                self.state.org.random_edit(rng, collection)
            except KeyError:  # nothing to edit
                return


class _StatusRecorder:
    """The ``send`` handed to the API: adds limit headers, counts statuses, may swallow."""

    def __init__(self, send: Send, state: SandboxState, paged: bool) -> None:
        self._send = send
        self._state = state
        self._paged = paged
        self.extra: dict[str, str] = {}
        self.swallow = False
        self.started = False
        #: body bytes sent, as they go on the wire
        self.wire = 0

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.body" and not self.swallow:
            self.wire += len(message.get("body", b""))
        if message["type"] == "http.response.start":
            self.started = True
            status = int(message["status"])
            self._state.counters.status(status, self._paged)
            if self.extra:
                message.setdefault("headers", [])
                headers = MutableHeaders(scope=message)
                for name, value in self.extra.items():
                    headers[name] = value
        if not self.swallow:
            await self._send(message)


#: where ``BodyCounter`` finds the call's ``BodyCount`` in the ASGI scope's state
BODY_COUNT = "xerodesk.body_count"


class BodyCount:
    """The bytes of one response's body as the handler wrote it (before gzip)."""

    def __init__(self) -> None:
        self.size = 0
        self.counted = False


class BodyCounter:
    """ASGI wrapper, inside the compression, that counts the bodies handlers write."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        count = scope.get("state", {}).get(BODY_COUNT)
        if scope["type"] != "http" or not isinstance(count, BodyCount):
            await self.app(scope, receive, send)
            return

        async def counting(message: Message) -> None:
            if message["type"] == "http.response.body":
                count.size += len(message.get("body", b""))
                count.counted = True
            await send(message)

        await self.app(scope, receive, counting)


def _relative_path(scope: Scope) -> str:
    path: str = scope.get("path", "")
    root: str = scope.get("root_path", "")
    if root and path.startswith(root):
        return path[len(root) :] or "/"
    return path
