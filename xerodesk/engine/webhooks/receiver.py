"""The webhook receiver: an ASGI app that keeps Xero's verified deliveries.

One path, ``POST /xero/webhooks`` (other paths 404, other methods 405).
Xero's rules (developer.xero.com/documentation/webhooks/configuring-your-server):
an HTTPS URL on port 443 (so this app sits behind a reverse proxy), an answer
within 5 seconds, 200 with no body and no cookies for a delivery taken, 401
when the signature does not match. A delivery without an acceptable answer is
sent again, less and less often, for up to 24 hours; then Xero disables the
webhook. Its "intent to receive" check posts bodies with no events, some
signed right and some not: each must get 200 or 401 accordingly.

So, for each delivery, in order:

1. the body is read as a stream, and refused with 413 past ``max_body``
   bytes (a ``Content-Length`` over it is refused before any is read);
   Xero's deliveries are a few kilobytes;
2. its signature (``x-xero-signature``, see ``delivery``) is checked over the
   raw bytes; missing or wrong: 401. Nothing is parsed before that;
3. the events of the connected organisation in the categories the sync keeps
   are stored (``store_events``, through the engine's ``DbWorker``) *before*
   the 200, so nothing answered is lost; if the database fails, 500, and Xero
   sends the delivery again (a repeat adds nothing). Events of another
   organisation or category are counted in the log, not kept;
4. ``on_events`` is called when something new was stored (it wakes the
   consumer, which reads the records the events name).

Every answer is empty. The log says what happened in plain words; it never
holds the key or a body.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from xerodesk.credentials import Secret
from xerodesk.engine.dbworker import DbWorker
from xerodesk.engine.webhooks.delivery import (
    Delivery,
    UnreadableDelivery,
    read_delivery,
    signature_matches,
)
from xerodesk.logsetup import FILE_ONLY
from xerodesk.store.types import utcnow
from xerodesk.store.webhook_events import store_events

__all__ = ["MAX_BODY_BYTES", "SIGNATURE_HEADER", "WEBHOOK_PATH", "WebhookReceiver"]

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/xero/webhooks"
SIGNATURE_HEADER = "x-xero-signature"
#: far above any delivery Xero sends (a few kB), far below what would hurt
MAX_BODY_BYTES = 1024 * 1024
#: Xero waits 5 seconds for the answer; past this the delivery gets a 503
#: (Xero sends it again) while its write finishes on its own
STORE_WITHIN_SECONDS = 4.0


class WebhookReceiver:
    """Receives deliveries for ``tenant_id``, signed with ``key``; ``app`` serves them."""

    def __init__(
        self,
        key: Secret,
        tenant_id: str,
        db: DbWorker,
        *,
        on_events: Callable[[], None] | None = None,
        max_body: int = MAX_BODY_BYTES,
        store_within: float = STORE_WITHIN_SECONDS,
    ) -> None:
        self.key = key
        self.tenant_id = tenant_id
        self.db = db
        self.on_events = on_events
        self.max_body = max_body
        self.store_within = store_within
        self._late: set[asyncio.Future[int]] = set()
        self.app = Starlette(
            routes=[Route(WEBHOOK_PATH, self.receive, methods=["POST"])],
            exception_handlers={HTTPException: _bare_error},
        )

    async def receive(self, request: Request) -> Response:
        body = await self._read_body(request)
        if isinstance(body, Response):
            return body
        signature = request.headers.get(SIGNATURE_HEADER)
        if not signature_matches(body, signature, self.key):
            reason = "bad signature" if signature else "no signature"
            log.warning("webhook delivery refused: %s", reason)
            return _answer(401)
        try:
            delivery = read_delivery(body, self.tenant_id)
        except UnreadableDelivery as error:
            # Signed with the key, so it came from Xero: the same bytes will
            # never parse, and anything but a 200 would have Xero send them
            # again for 24 hours, then disable the webhook (and with it the
            # deliveries that do parse). Polling still reads what it meant.
            log.warning("webhook delivery ignored: %s", error)
            return _answer(200)
        _log_left_out(delivery)
        if not delivery.changes:
            if not delivery.total:
                log.info("webhook delivery with no events answered (Xero's intent to receive)")
            return _answer(200)
        return await self._store(delivery)

    async def _read_body(self, request: Request) -> bytes | Response:
        """The raw body, or the answer refusing it (held in memory: at most ``max_body``)."""
        declared = request.headers.get("content-length")
        if declared is not None:
            if not declared.strip().isdigit():
                log.warning("webhook delivery refused: a Content-Length that is not a number")
                return _answer(400, close=True)
            if int(declared) > self.max_body:
                return self._too_large()
        chunks: list[bytes] = []
        size = 0
        try:
            async for chunk in request.stream():
                size += len(chunk)
                if size > self.max_body:
                    return self._too_large()
                chunks.append(chunk)
        except ClientDisconnect:
            log.warning("webhook delivery cut off before its end")
            return _answer(400, close=True)
        return b"".join(chunks)

    def _too_large(self) -> Response:
        log.warning("webhook delivery refused: the body is over %d bytes", self.max_body)
        return _answer(413, close=True)

    async def _store(self, delivery: Delivery) -> Response:
        write = asyncio.ensure_future(
            self.db.write(
                store_events,
                delivery.changes,
                received_at=utcnow(),
                sequence=delivery.sequence,
            )
        )
        done, _ = await asyncio.wait({write}, timeout=self.store_within)
        if not done:
            self._late.add(write)
            write.add_done_callback(self._stored_late)
            log.warning("webhook delivery not answered in time: the database is busy")
            return _answer(503)
        try:
            new = write.result()
        except Exception as error:
            log.error("webhook delivery not stored (%s); Xero will send it again", _name(error))
            log.debug("webhook delivery not stored", exc_info=True, extra=FILE_ONLY)
            return _answer(500)
        log.info("webhook delivery: %s kept, %d new", _events(len(delivery.changes)), new)
        if new:
            self._wake()
        return _answer(200)

    def _stored_late(self, write: asyncio.Future[int]) -> None:
        self._late.discard(write)
        if write.cancelled():
            return
        error = write.exception()
        if error is not None:
            log.error("webhook delivery not stored (%s); Xero will send it again", _name(error))
        elif write.result():
            log.info("webhook delivery kept after its answer: %d new", write.result())
            self._wake()

    def _wake(self) -> None:
        if self.on_events is None:
            return
        try:
            self.on_events()
        except Exception as error:  # stored already: the next pass or wake-up reads them
            log.error("webhook events stored, but waking their reader failed (%s)", _name(error))


def _log_left_out(delivery: Delivery) -> None:
    if delivery.other_tenant:
        log.info("ignored %s for another organisation", _events(delivery.other_tenant))
    if delivery.other_category:
        kinds = ", ".join(sorted(delivery.other_category))
        count = sum(delivery.other_category.values())
        log.info("ignored %s of a kind the sync does not keep (%s)", _events(count), kinds)
    if delivery.unfit:
        log.warning("ignored %s not in Xero's format", _events(delivery.unfit))


def _answer(status: int, *, close: bool = False) -> Response:
    """An empty answer: no body, no cookie (Xero's rule)."""
    return Response(status_code=status, headers={"connection": "close"} if close else None)


async def _bare_error(_request: Request, error: Exception) -> Response:
    """404 and 405 (with its Allow header) without Starlette's text body."""
    assert isinstance(error, HTTPException)
    return Response(status_code=error.status_code, headers=error.headers)


def _events(count: int) -> str:
    return f"{count} event" if count == 1 else f"{count} events"


def _name(error: BaseException) -> str:
    return type(error).__name__
