"""Walking pages: in order, a few at a time, and only as far as the data goes."""

from __future__ import annotations

import asyncio
import contextlib
import random

from xerodesk.xero.limits import LimitHeaders
from xerodesk.xero.paging import Page, page_from_body, walk_pages


class FakeEndpoint:
    def __init__(self, items: int, size: int, count_pages: bool = True, stale: int = 0) -> None:
        self.items = items
        self.size = size
        self.count_pages = count_pages
        self.stale = stale
        self.in_flight = 0
        self.peak = 0
        self.asked: list[int] = []

    async def fetch(self, number: int) -> Page:
        self.asked.append(number)
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            await asyncio.sleep(random.uniform(0, 0.01))
        finally:
            self.in_flight -= 1
        start = (number - 1) * self.size
        records = [{"n": n} for n in range(start, min(start + self.size, self.items))]
        pagination: dict[str, int] = {"page": number, "pageSize": self.size}
        if self.count_pages:
            known = self.items - self.stale
            pagination["pageCount"] = -(-known // self.size)
            pagination["itemCount"] = known
        body = {"Contacts": records, "pagination": pagination, "DateTimeUTC": "/Date(0)/"}
        return page_from_body(
            "Contacts",
            "Contacts",
            body,
            page=number,
            page_size=self.size,
            limits=LimitHeaders(),
            correlation_id=None,
        )


async def _walk(endpoint: FakeEndpoint, start: int = 1) -> list[Page]:
    return [page async for page in walk_pages(endpoint.fetch, prefetch=5, start_page=start)]


async def test_pages_in_order_five_at_a_time() -> None:
    endpoint = FakeEndpoint(items=2345, size=100)
    pages = await _walk(endpoint)
    assert [p.page for p in pages] == list(range(1, 25))
    assert [r["n"] for p in pages for r in p.records] == list(range(2345))
    assert 1 < endpoint.peak <= 5
    assert pages[-1].is_last and not pages[0].is_last
    assert pages[0].response_time is not None


async def test_without_a_page_count_the_walk_is_sequential() -> None:
    endpoint = FakeEndpoint(items=250, size=100, count_pages=False)
    pages = await _walk(endpoint)
    assert [len(p) for p in pages] == [100, 100, 50]
    assert endpoint.peak == 1


async def test_a_full_last_page_is_followed_by_one_more_look() -> None:
    # Records pushed back during the walk (newest-first order) land past the
    # counted pages: a full last page is therefore checked with one more call.
    counted = FakeEndpoint(items=300, size=100)
    assert [len(p) for p in await _walk(counted)] == [100, 100, 100, 0]
    uncounted = FakeEndpoint(items=300, size=100, count_pages=False)
    assert [len(p) for p in await _walk(uncounted)] == [100, 100, 100, 0]


async def test_a_stale_page_count_does_not_lose_records() -> None:
    endpoint = FakeEndpoint(items=520, size=100, stale=30)  # 30 arrived after page 1
    pages = await _walk(endpoint)
    assert sum(len(p) for p in pages) == 520


async def test_resume_from_a_page() -> None:
    endpoint = FakeEndpoint(items=950, size=100)
    pages = await _walk(endpoint, start=7)
    assert [p.page for p in pages] == [7, 8, 9, 10]


async def test_stopping_early_cancels_the_fetches_ahead() -> None:
    endpoint = FakeEndpoint(items=5000, size=100)
    walk = walk_pages(endpoint.fetch, prefetch=5)
    async with contextlib.aclosing(walk):
        async for page in walk:
            if page.page == 3:
                break
    await asyncio.sleep(0.05)
    assert max(endpoint.asked) <= 8
    assert endpoint.in_flight == 0
