"""Pages of records, and walking an endpoint's pages in order.

The first page tells how many there are (``pagination.pageCount``); the rest
are then fetched a few at a time (up to the concurrency limit) and yielded in
order, so memory holds at most that many pages whatever the organisation's
size (and fewer while the caller is the slower side). Without a page count
the walk is sequential until a short page.

Pages are numbered over an order that moves while the walk runs (an edited
record jumps to the front of a newest-first list, pushing the others back).
Read in page order, a record that is not edited can only be read twice, never
skipped; read out of order, it can fall between two pages. So each page is
asked for only once Xero has started answering the one before it (its
response headers are in, and with them its snapshot of the data), while
bodies still download, parse and wait for the caller side by side. A page
that had to be asked for again after its successors were sent (its body was
lost) sends them again too.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from xerodesk.errors import XeroRequestError
from xerodesk.mapping.xero_dates import parse_xero_datetime
from xerodesk.xero.limits import LimitHeaders

__all__ = ["Page", "Pagination", "walk_pages"]

Record = dict[str, Any]


@dataclass(frozen=True)
class Pagination:
    """Xero's ``pagination`` block (absent on unpaged endpoints)."""

    page: int
    page_size: int
    page_count: int | None
    item_count: int | None

    @classmethod
    def from_body(cls, body: Any) -> Pagination | None:
        block = body.get("pagination") if isinstance(body, dict) else None
        if not isinstance(block, dict):
            return None
        return cls(
            page=_as_int(block.get("page")) or 1,
            page_size=_as_int(block.get("pageSize")) or 0,
            page_count=_as_int(block.get("pageCount")),
            item_count=_as_int(block.get("itemCount")),
        )


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class Page:
    """One page of records as Xero sent them (JSON dicts, ``Decimal`` money).

    ``page_size`` is the size asked for (``None`` on unpaged endpoints);
    ``is_last`` is true when no page follows. ``response_time`` is Xero's
    ``DateTimeUTC`` of the response, a safe cursor for the next
    ``If-Modified-Since``.
    """

    entity: str
    records: list[Record]
    page: int
    page_size: int | None
    pagination: Pagination | None
    is_last: bool
    limits: LimitHeaders
    correlation_id: str | None
    response_time: datetime | None = None
    warnings: list[str] = field(default_factory=list)
    not_modified: bool = False

    def __len__(self) -> int:
        return len(self.records)

    @property
    def page_count(self) -> int | None:
        return self.pagination.page_count if self.pagination else None


def page_from_body(
    entity: str,
    collection_key: str,
    body: Any,
    *,
    page: int,
    page_size: int | None,
    limits: LimitHeaders,
    correlation_id: str | None,
) -> Page:
    """Build a ``Page`` from a response body (``None`` for 304 / empty).

    A body that is not a page of ``collection_key`` (a list, an object without
    the list, the list replaced by something else) is refused with a clear
    error rather than read as an empty page, which would pass for "nothing
    changed". Entries of the list that are not records are left out and said
    so in the page's warnings.
    """
    if body is not None and (
        not isinstance(body, dict) or not isinstance(body.get(collection_key), list)
    ):
        shape = type(body).__name__ if not isinstance(body, dict) else "an object without a list"
        raise XeroRequestError(
            f"Xero's answer for {collection_key} (page {page}) was not a page of "
            f"{collection_key} but {shape}; nothing of it was saved",
            200,
        )
    data = body if isinstance(body, dict) else {}
    raw = data.get(collection_key) or []
    records = [r for r in raw if isinstance(r, dict)]
    pagination = Pagination.from_body(data)
    warnings = [
        w["Message"]
        for w in data.get("Warnings") or []
        if isinstance(w, dict) and isinstance(w.get("Message"), str)
    ]
    if len(records) < len(raw):
        warnings.append(f"{len(raw) - len(records)} entries of the page were not records")
    stamp = data.get("DateTimeUTC")
    return Page(
        entity=entity,
        records=records,
        page=page,
        page_size=page_size,
        pagination=pagination,
        is_last=_is_last(records, page, page_size, pagination),
        limits=limits,
        correlation_id=correlation_id,
        response_time=_parse_stamp(stamp),
        warnings=warnings,
        not_modified=body is None,
    )


def _is_last(
    records: list[Record], page: int, page_size: int | None, pagination: Pagination | None
) -> bool:
    """No page follows: unpaged, empty, short of the size Xero used, or the last
    page of a count that this very page bears out.

    A full page is the last one only when its own ``pagination`` says so and
    agrees with what came: it is the last counted page and holds exactly the
    records the count leaves for it. A count that lags behind the records
    (more came than it allows for) is not trusted, and the walk looks further.
    """
    if page_size is None or not records:
        return True
    effective = pagination.page_size if pagination and pagination.page_size else page_size
    if pagination is None or pagination.page_count is None:
        return len(records) < effective
    if page < pagination.page_count:
        return False
    if len(records) < effective:
        return True
    items = pagination.item_count
    return (
        page == pagination.page_count
        and items is not None
        and items - (page - 1) * effective == len(records)
    )


def _parse_stamp(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return parse_xero_datetime(value)
    except ValueError:
        return None


#: ``fetch(number, on_headers)``: ``on_headers`` (may be ``None``) is to be called
#: when a successful answer to that page starts arriving.
FetchPage = Callable[[int, Callable[[], None] | None], Awaitable[Page]]


async def walk_pages(fetch: FetchPage, prefetch: int, start_page: int = 1) -> AsyncIterator[Page]:
    """Yield pages ``start_page``, the next, ... in order until the last one.

    Once the first page reports ``pageCount``, up to ``prefetch`` later pages
    are in flight at once (the pacer keeps them within Xero's limits). If the
    count was stale (the last counted page is full), the walk goes on one page
    at a time until a short page.
    """
    first = await fetch(start_page, None)
    yield first
    if first.is_last:
        return
    count = first.page_count
    next_page = start_page + 1
    if count is not None and count >= next_page and prefetch > 1:
        last: Page | None = None
        async with contextlib.aclosing(_pipelined(fetch, next_page, count, prefetch)) as pages:
            async for page in pages:
                last = page
                yield page
        if last is None or last.is_last:
            return
        next_page = count + 1
    async for page in _sequential(fetch, next_page):
        yield page


async def _sequential(fetch: FetchPage, start: int) -> AsyncIterator[Page]:
    number = start
    while True:
        page = await fetch(number, None)
        yield page
        if page.is_last:
            return
        number += 1


class _Pipeline:
    """Pages asked for in order, each once the one before it is being answered."""

    def __init__(self, fetch: FetchPage) -> None:
        self.fetch = fetch
        self.pending: deque[tuple[int, asyncio.Task[Page]]] = deque()
        self.answers: dict[int, int] = {}
        self.last_gate: asyncio.Event | None = None

    def launch(self, number: int) -> None:
        after = self.last_gate
        gate = self.last_gate = asyncio.Event()
        self.answers[number] = 0

        def answered() -> None:
            self.answers[number] += 1
            gate.set()

        async def run() -> Page:
            if after is not None:
                await after.wait()
            return await self.fetch(number, answered)

        self.pending.append((number, asyncio.ensure_future(run())))

    def ready(self) -> int:
        """Pages answered in full that the caller has not taken yet."""
        return sum(1 for _, task in self.pending if task.done())

    async def cancel(self) -> None:
        tasks = [task for _, task in self.pending]
        self.pending.clear()
        self.last_gate = None
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


#: Pages in hand (asked for or answered) when the caller is the slower side.
READY_AHEAD = 2


async def _pipelined(
    fetch: FetchPage, start: int, stop: int, width: int
) -> AsyncGenerator[Page, None]:
    """Pages ``start..stop`` with up to ``width`` in hand at once, in order.

    While the caller keeps up (it comes back for a page that is still on its
    way), ``width`` requests are in flight, hiding Xero's latency. When it is
    the slower side (a page was answered in full while it worked on the one
    before), more pages in hand would only wait parsed in memory without
    making the walk any faster, so they are kept to ``READY_AHEAD``: the page
    it takes next and one more on its way. The walk starts with that many,
    until the caller shows which side it is.
    """
    pipeline = _Pipeline(fetch)
    number = start
    try:
        while number <= stop or pipeline.pending:
            waiting = pipeline.pending and pipeline.ready() == 0
            in_hand = width if waiting else min(width, READY_AHEAD)
            while number <= stop and len(pipeline.pending) < in_hand:
                pipeline.launch(number)
                number += 1
            done, task = pipeline.pending.popleft()
            page = await task
            if pipeline.answers[done] > 1 and pipeline.pending:
                # Answered again after its successors were sent: their
                # snapshots may be older than its own, so ask for them again.
                number = pipeline.pending[0][0]
                await pipeline.cancel()
            yield page
            if page.is_last:
                return
    finally:
        await pipeline.cancel()
