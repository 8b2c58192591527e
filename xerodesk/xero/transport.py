"""One call to Xero: paced, counted, retried when that is safe, errors typed.

Every HTTP request to the Accounting API and to ``/connections`` goes through
``Transport.call``. It takes a pacing slot (concurrency, minute and day
limits), sends with the current access token, feeds the limit headers back to
the pacer, counts the call, and then:

- 429: the pacer pauses every caller for ``Retry-After``; the call goes again
  (a day 429 ends the run with ``DailyLimitReachedError``);
- 401: one token refresh and one more try, then ``AuthenticationError``;
- timeouts, connection errors, 500/502/503/504: jittered exponential backoff,
  but a create or update only when it carries an ``Idempotency-Key``, so
  that Xero replays rather than repeats it;
- other refusals: typed errors carrying Xero's messages.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from xerodesk.errors import (
    AuthenticationError,
    DailyLimitReachedError,
    RateLimitedError,
    RetryableError,
    XeroNotFoundError,
    XeroRequestError,
    XeroUnreachableError,
)
from xerodesk.xero import jsoncodec
from xerodesk.xero.limits import LimitHeaders, Pacer
from xerodesk.xero.retry import RETRYABLE_STATUSES, RetryPolicy
from xerodesk.xero.usage import CallAccounting, DailyBudget, outcome_for_status

__all__ = ["TokenSource", "Transport", "XeroRequest", "XeroResponse", "error_messages"]

log = logging.getLogger(__name__)

_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class TokenSource(Protocol):
    """Gives a valid access token; told when Xero rejected one."""

    async def access_token(self) -> str: ...

    async def token_rejected(self, token: str) -> None: ...


@dataclass(frozen=True)
class XeroRequest:
    """What to send; ``endpoint`` names it in the accounting (``"GET Contacts"``)."""

    method: str
    url: str
    endpoint: str
    params: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    idempotency_key: str | None = None
    with_tenant: bool = True
    accept_validation_errors: bool = False
    #: Called when a successful response's headers arrive, before its body:
    #: Xero has taken its snapshot of the data by then (see ``paging``).
    on_headers: Callable[[], None] | None = field(default=None, compare=False)

    @property
    def retryable(self) -> bool:
        """Reads always; writes only under an idempotency key."""
        return self.method not in _WRITE_METHODS or self.idempotency_key is not None


@dataclass(frozen=True)
class XeroResponse:
    """A response Xero gave, with its JSON parsed (``Decimal`` for fractions)."""

    status: int
    headers: httpx.Headers
    body: Any
    limits: LimitHeaders
    correlation_id: str | None


class _Transient(Exception):
    """A failure worth another try (internal to ``Transport``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Transport:
    """Sends ``XeroRequest``s for one organisation."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        tokens: TokenSource,
        tenant_id: str | None,
        pacer: Pacer,
        accounting: CallAccounting,
        budget: DailyBudget,
        retry: RetryPolicy | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.http = http
        self.tokens = tokens
        self.tenant_id = tenant_id
        self.pacer = pacer
        self.accounting = accounting
        self.budget = budget
        self.retry = retry or RetryPolicy()
        self.rng = rng or random.Random()

    async def call(self, request: XeroRequest) -> XeroResponse:
        """Send ``request`` until it succeeds or fails for good."""
        failures = 0
        rate_limited = 0
        refreshed = False
        while True:
            token = await self.tokens.access_token()
            try:
                response = await self._send(request, token)
            except _Transient as transient:
                failures += 1
                await self._backoff_or_raise(request, failures, transient.reason)
                continue
            if response.status == 429:
                rate_limited += 1
                self._check_rate_limit_allowance(request, response, rate_limited)
                continue
            if response.status == 401 and not refreshed:
                refreshed = True
                log.info("Xero rejected the access token on %s; refreshing it", request.endpoint)
                await self.tokens.token_rejected(token)
                continue
            return self._final(request, response)

    async def _send(self, request: XeroRequest, token: str) -> XeroResponse:
        async with self.pacer.slot() as ticket:
            self._spend_budget()
            try:
                raw, content = await self._exchange(request, token)
            except httpx.TimeoutException as exc:
                self.accounting.record(request.endpoint, "timeout")
                raise _Transient(f"no answer in time ({type(exc).__name__})") from None
            except httpx.TransportError as exc:
                self.accounting.record(request.endpoint, "connection_error")
                raise _Transient(f"connection failed ({type(exc).__name__})") from None
            return self._take_in(request, raw, content, ticket)

    async def _exchange(self, request: XeroRequest, token: str) -> tuple[httpx.Response, bytes]:
        """Send and read the response, telling ``on_headers`` as soon as a success starts.

        The body is read into a buffer of its own rather than kept on the
        response: httpx's response and its stream refer to each other, so a
        response lives until the collector's next full sweep, and with its
        body (a page of a thousand invoices is about 2 MB) that would be
        several pages' worth of memory held for nothing.
        """
        async with self.http.stream(
            request.method,
            request.url,
            params=request.params or None,
            headers=self._headers(request, token),
            content=None if request.body is None else jsoncodec.dumps(request.body),
        ) as raw:
            if request.on_headers is not None and (
                200 <= raw.status_code < 300 or raw.status_code == 304
            ):
                request.on_headers()
            content = b"".join([chunk async for chunk in raw.aiter_bytes()])
        return raw, content

    def _spend_budget(self) -> None:
        """Count the call against the user's daily budget, or stop if it is spent."""
        held = self.budget.held_back()
        if self.budget.local_remaining() <= held:
            reset = self.budget.resets_at()
            when = f" It frees up from {reset:%Y-%m-%d %H:%M} UTC." if reset else ""
            wait = (reset - self.pacer.clock.now()).total_seconds() if reset else None
            kept = f", less the {held} kept for sending orders and customers," if held else ""
            raise DailyLimitReachedError(
                f"The daily budget of {self.budget.daily_limit} Xero calls set in the options"
                f"{kept} is used up.{when} The next sync resumes where this one stopped.",
                retry_after=wait,
            )
        self.budget.record_call()

    def _take_in(
        self, request: XeroRequest, raw: httpx.Response, content: bytes, ticket: int
    ) -> XeroResponse:
        """Feed limits to the pacer, count the call, parse the body (in the slot)."""
        limits = LimitHeaders.from_headers(raw.headers)
        self.pacer.observe(limits, ticket)
        correlation = raw.headers.get("Xero-Correlation-Id")
        status = raw.status_code
        self.accounting.record(request.endpoint, outcome_for_status(status), correlation)
        # num_bytes_downloaded counts the raw stream, before httpx decodes it
        self.accounting.record_bytes(request.endpoint, len(content), raw.num_bytes_downloaded)
        if status == 429:
            day_over = self.pacer.rate_limited(limits)
            log.info(
                "Xero said 429 (%s) on %s; waiting %s s",
                limits.problem or "limit",
                request.endpoint,
                limits.retry_after,
            )
            if day_over is not None:
                raise day_over
        if status in RETRYABLE_STATUSES:
            raise _Transient(f"HTTP {status}")
        try:
            body = jsoncodec.loads(content) if content.strip() else None
        except ValueError:
            if 200 <= status < 300:
                raise _Transient(f"HTTP {status} with a body that is not JSON") from None
            body = None
        return XeroResponse(status, raw.headers, body, limits, correlation)

    def _headers(self, request: XeroRequest, token: str) -> dict[str, str]:
        headers = {
            "Accept": "application/json",
            # Ask for compressed answers, by name: httpx would otherwise offer every
            # decoder that happens to be installed. Content negotiation is plain HTTP
            # (RFC 9110, sections 8.4 and 12.5.3); Xero's documentation does not say
            # which encodings api.xero.com serves, so both sizes are measured.
            "Accept-Encoding": "gzip",
            "Authorization": f"Bearer {token}",
        }
        if request.with_tenant and self.tenant_id:
            headers["xero-tenant-id"] = self.tenant_id
        if request.body is not None:
            headers["Content-Type"] = "application/json"
        if request.idempotency_key is not None:
            headers["Idempotency-Key"] = request.idempotency_key
        headers.update(request.headers)
        return headers

    async def _backoff_or_raise(self, request: XeroRequest, failures: int, reason: str) -> None:
        if not request.retryable:
            raise RetryableError(
                f"Xero call {request.endpoint} failed ({reason}); it was not repeated "
                "because it has no idempotency key."
            )
        if failures >= self.retry.attempts:
            raise XeroUnreachableError(
                f"Xero did not answer {request.endpoint} after {failures} tries "
                f"(last: {reason}). Try again later."
            )
        delay = self.retry.delay(failures, self.rng)
        self.accounting.record_retry()
        log.warning(
            "Xero call %s failed (%s); try %d of %d in %.1f s",
            request.endpoint,
            reason,
            failures + 1,
            self.retry.attempts,
            delay,
        )
        await self.pacer.clock.sleep(delay)

    def _check_rate_limit_allowance(
        self, request: XeroRequest, response: XeroResponse, count: int
    ) -> None:
        if count < self.retry.rate_limited_attempts:
            self.accounting.record_retry()
            return
        raise RateLimitedError(
            f"Xero refused {request.endpoint} {count} times for exceeding its rate limit.",
            retry_after=response.limits.retry_after or 60.0,
            problem=response.limits.problem,
        )

    def _final(self, request: XeroRequest, response: XeroResponse) -> XeroResponse:
        status = response.status
        if 200 <= status < 300 or status == 304:
            return response
        if status == 400 and request.accept_validation_errors:
            return response
        messages = error_messages(response.body)
        detail = f": {'; '.join(messages[:3])}" if messages else ""
        if status == 401:
            raise AuthenticationError(
                "Xero did not accept the sign-in for this organisation. Sign in to Xero again."
            )
        if status == 403:
            raise AuthenticationError(
                "Xero refused access to this organisation (it was disconnected, or a "
                "permission is missing). Sign in to Xero again and choose the organisation."
            )
        if status == 404:
            raise XeroNotFoundError(
                f"Xero found nothing for {request.endpoint}{detail}", status, messages
            )
        raise XeroRequestError(
            f"Xero refused {request.endpoint} (HTTP {status}){detail}", status, messages
        )


def error_messages(body: Any) -> list[str]:
    """Xero's human messages from an error body of any of its shapes."""
    if not isinstance(body, dict):
        return []
    messages: list[str] = []
    for element in body.get("Elements") or []:
        if isinstance(element, dict):
            messages.extend(validation_messages(element))
    if not messages:
        for key in ("Detail", "Message", "Title"):
            value = body.get(key)
            if isinstance(value, str) and value:
                messages.append(value)
                break
    return messages


def validation_messages(record: dict[str, Any]) -> list[str]:
    """The ``ValidationErrors`` messages of one record, nested ones included."""
    found: list[str] = []
    _collect(record, found, depth=0)
    return list(dict.fromkeys(found))


def _collect(value: Any, found: list[str], depth: int) -> None:
    if depth > 4:
        return
    if isinstance(value, dict):
        for error in value.get("ValidationErrors") or []:
            if isinstance(error, dict) and isinstance(error.get("Message"), str):
                found.append(error["Message"])
        for key, item in value.items():
            if key != "ValidationErrors" and isinstance(item, dict | list):
                _collect(item, found, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _collect(item, found, depth + 1)
