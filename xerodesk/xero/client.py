"""``XeroClient``: the Accounting API calls the sync needs, typed and paced.

Reads are async iterators of ``Page``s at the largest page size each endpoint
allows; writes go in batches of at most 50 with per-record results. Usage:

    async with XeroClient(tokens, tenant_id, endpoints=XeroEndpoints.for_base(url)) as xero:
        async for page in xero.contacts(modified_since=cursor):
            ...
        results = await xero.save(CONTACTS, records, record_keys=keys)
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from datetime import datetime
from types import TracebackType
from typing import Any, Self

import httpx

from xerodesk.mapping.xero_dates import format_if_modified_since
from xerodesk.xero.clock import Clock, ScaledClock
from xerodesk.xero.endpoints import (
    CONTACTS,
    CREDIT_NOTES,
    CURRENCIES,
    INVOICES,
    ITEMS,
    MAX_PAGE_SIZE,
    ORGANISATION,
    PURCHASE_ORDERS,
    TAX_RATES,
    EntitySpec,
    XeroEndpoints,
)
from xerodesk.xero.identity import Connection
from xerodesk.xero.limits import Pacer, RateLimits
from xerodesk.xero.paging import FetchPage, Page, page_from_body, walk_pages
from xerodesk.xero.retry import RetryPolicy
from xerodesk.xero.transport import TokenSource, Transport, XeroRequest
from xerodesk.xero.usage import DAILY_LIMIT_CORE, CallAccounting, DailyBudget, UsageSnapshot
from xerodesk.xero.writes import BatchWriter

__all__ = ["SALES_CREDIT_NOTES", "SALES_INVOICES", "XeroClient"]

SALES_INVOICES = 'Type=="ACCREC"'
SALES_CREDIT_NOTES = 'Type=="ACCRECCREDIT"'


class XeroClient(BatchWriter):
    """The one place that speaks HTTP to Xero's Accounting API for one organisation.

    ``time_scale`` is how many times faster than real time the server's clock
    runs (1 for Xero; N for a sandbox started with clock scale N), so limits
    and ``Retry-After`` are read in the server's seconds. ``clock`` replaces
    the clock altogether (tests). ``daily_limit`` is the day's call budget
    (5,000, or 1,000 on Xero's Starter tier). Share one ``pacer`` between
    clients that talk to the same organisation at once.
    """

    def __init__(
        self,
        tokens: TokenSource,
        tenant_id: str | None,
        *,
        endpoints: XeroEndpoints | None = None,
        time_scale: float = 1.0,
        clock: Clock | None = None,
        limits: RateLimits | None = None,
        daily_limit: int = DAILY_LIMIT_CORE,
        retry: RetryPolicy | None = None,
        http: httpx.AsyncClient | None = None,
        timeout: float = 60.0,
        page_size: int = MAX_PAGE_SIZE,
        pacer: Pacer | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.endpoints = endpoints or XeroEndpoints()
        self.clock: Clock = clock or ScaledClock(time_scale)
        self.tenant_id = tenant_id
        self.page_size = page_size
        self.pacer = pacer or Pacer(self.clock, limits, scale=time_scale)
        self.budget = DailyBudget(self.clock, daily_limit)
        self.budget.attach(self.pacer)
        self.accounting = CallAccounting(self.pacer, self.budget)
        self._on_close: list[Callable[[], Awaitable[None]]] = []
        self._owns_http = http is None
        self._http = http or httpx.AsyncClient(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 15.0)),
            limits=httpx.Limits(max_connections=self.pacer.limits.concurrent + 2),
        )
        self.transport = Transport(
            self._http, tokens, tenant_id, self.pacer, self.accounting, self.budget, retry, rng
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()
        for close in self._on_close:
            await close()
        self._on_close.clear()

    def close_with(self, close: Callable[[], Awaitable[None]]) -> None:
        """Run ``close`` when the client closes (e.g. its token endpoint's)."""
        self._on_close.append(close)

    def set_tenant(self, tenant_id: str) -> None:
        """Talk to another organisation from now on (custom connections learn it late)."""
        self.tenant_id = tenant_id
        self.transport.tenant_id = tenant_id

    # -- usage and budget ----------------------------------------------------

    def usage(self) -> UsageSnapshot:
        """Calls by endpoint and outcome, and the latest limits."""
        return self.accounting.snapshot()

    def remaining_today(self) -> int:
        """Calls left today (the budget, capped by what Xero last reported)."""
        return self.budget.remaining_today()

    def can_afford(self, calls: int) -> bool:
        """Whether ``calls`` more calls fit in today's budget."""
        return self.budget.can_afford(calls)

    # -- reads ---------------------------------------------------------------

    async def connections(self, auth_event_id: str | None = None) -> list[Connection]:
        """The organisations the token may use (``GET /connections``)."""
        params = {"authEventId": auth_event_id} if auth_event_id else {}
        response = await self.transport.call(
            XeroRequest(
                "GET", self.endpoints.connections, "GET connections", params, with_tenant=False
            )
        )
        body = response.body if isinstance(response.body, list) else []
        return [Connection.from_dict(item) for item in body if isinstance(item, dict)]

    def contacts(
        self,
        *,
        modified_since: datetime | None = None,
        include_archived: bool = True,
        where: str | None = None,
        order: str | None = None,
        start_page: int = 1,
    ) -> AsyncIterator[Page]:
        """Contacts, archived ones included by default (to see archives and merges)."""
        return self.pages(
            CONTACTS,
            modified_since=modified_since,
            include_archived=include_archived,
            where=where,
            order=order,
            start_page=start_page,
        )

    def invoices(
        self,
        *,
        modified_since: datetime | None = None,
        where: str | None = SALES_INVOICES,
        include_archived: bool = False,
        order: str | None = None,
        start_page: int = 1,
    ) -> AsyncIterator[Page]:
        """Invoices with their lines; sales invoices (``ACCREC``) unless told otherwise."""
        return self.pages(
            INVOICES,
            modified_since=modified_since,
            where=where,
            include_archived=include_archived,
            order=order,
            start_page=start_page,
        )

    def credit_notes(
        self,
        *,
        modified_since: datetime | None = None,
        where: str | None = SALES_CREDIT_NOTES,
        order: str | None = None,
        start_page: int = 1,
    ) -> AsyncIterator[Page]:
        """Credit notes; customer ones (``ACCRECCREDIT``) unless told otherwise."""
        return self.pages(
            CREDIT_NOTES,
            modified_since=modified_since,
            where=where,
            order=order,
            start_page=start_page,
        )

    def purchase_orders(
        self,
        *,
        modified_since: datetime | None = None,
        status: str | None = None,
        order: str | None = None,
        start_page: int = 1,
    ) -> AsyncIterator[Page]:
        """Purchase orders (this endpoint takes ``Status``, not ``where``)."""
        extra = {"Status": status} if status else None
        return self.pages(
            PURCHASE_ORDERS,
            modified_since=modified_since,
            order=order,
            extra_params=extra,
            start_page=start_page,
        )

    def items(self, *, modified_since: datetime | None = None) -> AsyncIterator[Page]:
        """Every item in one page (Xero does not page items)."""
        return self.pages(ITEMS, modified_since=modified_since)

    def tax_rates(self, *, where: str | None = None) -> AsyncIterator[Page]:
        """Every tax rate in one page (no paging, no If-Modified-Since)."""
        return self.pages(TAX_RATES, where=where)

    def currencies(self) -> AsyncIterator[Page]:
        """The organisation's currencies in one page."""
        return self.pages(CURRENCIES)

    async def organisation(self) -> dict[str, Any]:
        """The organisation's record (base currency, lock dates, ...)."""
        page = await self._fetch(ORGANISATION, 1, {}, {})
        if not page.records:
            raise ValueError("Xero returned no organisation record")
        return page.records[0]

    def pages(
        self,
        spec: EntitySpec,
        *,
        modified_since: datetime | None = None,
        include_archived: bool = False,
        where: str | None = None,
        order: str | None = None,
        extra_params: Mapping[str, str] | None = None,
        start_page: int = 1,
    ) -> AsyncIterator[Page]:
        """Walk any list endpoint, honouring what ``spec`` says it accepts.

        ``start_page`` resumes an interrupted walk (paged endpoints only).
        """
        params = _list_params(spec, include_archived, where, order, extra_params)
        headers: dict[str, str] = {}
        if modified_since is not None and spec.modified_since:
            headers["If-Modified-Since"] = format_if_modified_since(modified_since)

        async def fetch(number: int, on_headers: Callable[[], None] | None) -> Page:
            return await self._fetch(spec, number, params, headers, on_headers)

        if not spec.paged:
            return _single(fetch)
        return walk_pages(fetch, prefetch=self.pacer.limits.concurrent, start_page=start_page)

    async def get(self, spec: EntitySpec, record_id: str) -> dict[str, Any]:
        """One record by its Xero id (``XeroNotFoundError`` if there is none)."""
        params = {"unitdp": "4"} if spec.unitdp else {}
        response = await self.transport.call(
            XeroRequest(
                "GET",
                f"{self.endpoints.api}/{spec.path}/{record_id}",
                f"GET {spec.name}/id",
                params,
            )
        )
        page = page_from_body(
            spec.name,
            spec.collection_key,
            response.body,
            page=1,
            page_size=None,
            limits=response.limits,
            correlation_id=response.correlation_id,
        )
        if not page.records:
            raise ValueError(f"Xero returned no {spec.name} record for that id")
        return page.records[0]

    async def _fetch(
        self,
        spec: EntitySpec,
        number: int,
        params: dict[str, str],
        headers: dict[str, str],
        on_headers: Callable[[], None] | None = None,
    ) -> Page:
        page_params = dict(params)
        page_size: int | None = None
        if spec.paged:
            page_size = min(self.page_size, spec.max_page_size)
            page_params.update(page=str(number), pageSize=str(page_size))
        response = await self.transport.call(
            XeroRequest(
                "GET",
                f"{self.endpoints.api}/{spec.path}",
                f"GET {spec.name}",
                page_params,
                dict(headers),
                on_headers=on_headers,
            )
        )
        return page_from_body(
            spec.name,
            spec.collection_key,
            None if response.status == 304 else response.body,
            page=number,
            page_size=page_size,
            limits=response.limits,
            correlation_id=response.correlation_id,
        )


def _list_params(
    spec: EntitySpec,
    include_archived: bool,
    where: str | None,
    order: str | None,
    extra: Mapping[str, str] | None,
) -> dict[str, str]:
    params: dict[str, str] = {}
    if where and spec.where:
        params["where"] = where
    if include_archived and spec.include_archived:
        params["includeArchived"] = "true"
    if order:
        params["order"] = order
    if spec.unitdp:
        params["unitdp"] = "4"
    params.update(extra or {})
    return params


async def _single(fetch: FetchPage) -> AsyncIterator[Page]:
    yield await fetch(1, None)
