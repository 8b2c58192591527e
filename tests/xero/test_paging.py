"""Walking pages: in order, a few at a time, and only as far as the data goes."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable

import pytest

from xerodesk.errors import XeroRequestError
from xerodesk.xero.limits import LimitHeaders
from xerodesk.xero.paging import Page, page_from_body, walk_pages


class FakeEndpoint:
    """A paged list, newest first; ``churn`` records are edited before each page is served."""

    def __init__(
        self,
        items: int,
        size: int,
        count_pages: bool = True,
        stale: int = 0,
        churn: int = 0,
        answer_twice: int | None = None,
        grow: int = 0,
    ) -> None:
        self.rows = list(range(items))
        self.grow = grow
        self.size = size
        self.count_pages = count_pages
        self.stale = stale
        self.churn = churn
        self.answer_twice = answer_twice
        self.edited: set[int] = set()
        self.in_flight = 0
        self.peak = 0
        self.asked: list[int] = []
        self.rng = random.Random(7)

    async def fetch(self, number: int, on_headers: Callable[[], None] | None) -> Page:
        self.asked.append(number)
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            await asyncio.sleep(self.rng.uniform(0, 0.01))  # the request travels
            records = self._serve(number)
            if on_headers is not None:
                on_headers()
                if number == self.answer_twice:
                    self.answer_twice = None  # the body was lost; asked again
                    await asyncio.sleep(0.02)
                    records = self._serve(number)
                    on_headers()
            await asyncio.sleep(self.rng.uniform(0, 0.01))  # the body downloads
        finally:
            self.in_flight -= 1
        pagination: dict[str, int] = {"page": number, "pageSize": self.size}
        if self.count_pages:
            known = len(self.rows) - self.stale
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

    def _serve(self, number: int) -> list[dict[str, int]]:
        for _ in range(self.grow if number > 1 else 0):
            self.rows.insert(0, len(self.rows))  # created after page 1: newest first
        for _ in range(self.churn):
            row = self.rows.pop(self.rng.randrange(len(self.rows)))
            self.rows.insert(0, row)  # edited: newest first
            self.edited.add(row)
        start = (number - 1) * self.size
        return [{"n": n} for n in self.rows[start : start + self.size]]


async def _walk(endpoint: FakeEndpoint, start: int = 1) -> list[Page]:
    return [page async for page in walk_pages(endpoint.fetch, prefetch=5, start_page=start)]


async def test_pages_in_order_five_at_a_time() -> None:
    endpoint = FakeEndpoint(items=2345, size=100)
    pages = await _walk(endpoint)
    assert [p.page for p in pages] == list(range(1, 25))
    assert [r["n"] for p in pages for r in p.records] == list(range(2345))
    assert endpoint.asked == list(range(1, 25))
    assert 3 <= endpoint.peak <= 5  # a caller that keeps up has more in flight
    assert pages[-1].is_last and not pages[0].is_last
    assert pages[0].response_time is not None


async def test_a_slower_caller_holds_two_pages_not_five() -> None:
    # The caller comes back for each page only once every page asked for is
    # in: pages are then asked for one ahead, not five, so no more than the
    # page taken and the next are in memory (parsed, a page of a thousand
    # invoices is several megabytes).
    endpoint = FakeEndpoint(items=2000, size=100)
    ahead: list[int] = []
    taken: list[int] = []
    async for page in walk_pages(endpoint.fetch, prefetch=5):
        taken.append(page.page)
        await asyncio.sleep(0)  # the pages asked for now are sent
        ahead.append(len(endpoint.asked) - len(taken))
        while endpoint.in_flight:
            await asyncio.sleep(0.001)
    assert taken == list(range(1, 21))
    assert ahead[1:-1] == [1] * 18
    assert endpoint.peak <= 2


async def test_without_a_page_count_the_walk_is_sequential() -> None:
    endpoint = FakeEndpoint(items=250, size=100, count_pages=False)
    pages = await _walk(endpoint)
    assert [len(p) for p in pages] == [100, 100, 50]
    assert endpoint.peak == 1


async def test_a_full_last_page_the_count_bears_out_ends_the_walk() -> None:
    # The last counted page, holding exactly what the count leaves for it: no
    # page follows, and no call is spent to see an empty one.
    counted = FakeEndpoint(items=300, size=100)
    assert [len(p) for p in await _walk(counted)] == [100, 100, 100]
    assert counted.asked == [1, 2, 3]
    # Without a count, only a short (or empty) page can end the walk.
    uncounted = FakeEndpoint(items=300, size=100, count_pages=False)
    assert [len(p) for p in await _walk(uncounted)] == [100, 100, 100, 0]


async def test_records_created_during_the_walk_push_old_ones_onto_a_page_more() -> None:
    # Each page's own count includes the records created before it was served,
    # so the old records they push back (newest-first order) are still read.
    endpoint = FakeEndpoint(items=300, size=100, grow=1)
    pages = await _walk(endpoint)
    assert pages[0].page_count == 3
    seen = {r["n"] for p in pages for r in p.records}
    assert set(range(300)) <= seen
    assert len(pages) == 4


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


async def test_edits_during_a_walk_never_hide_an_unedited_record() -> None:
    for _ in range(5):
        endpoint = FakeEndpoint(items=2000, size=50, churn=3)
        pages = await _walk(endpoint)
        seen = {r["n"] for p in pages for r in p.records}
        assert endpoint.peak > 1
        # Only records edited during the walk (newer than its start) may be
        # missed; the next pass asks for those.
        assert set(range(2000)) - seen <= endpoint.edited


async def test_pages_after_one_answered_again_are_asked_for_again() -> None:
    endpoint = FakeEndpoint(items=950, size=100, answer_twice=3)
    pages = await _walk(endpoint)
    assert [p.page for p in pages] == list(range(1, 11))
    assert [r["n"] for p in pages for r in p.records] == list(range(950))
    assert endpoint.asked.count(4) == 2


@pytest.mark.parametrize("body", [[1, 2, 3], {"Contacts": "everything"}, {"Items": []}, "Contacts"])
def test_a_body_that_is_not_a_page_is_refused_not_read_as_empty(body: object) -> None:
    with pytest.raises(XeroRequestError, match="was not a page of Contacts"):
        page_from_body(
            "contacts",
            "Contacts",
            body,
            page=1,
            page_size=1000,
            limits=LimitHeaders(),
            correlation_id=None,
        )


def test_entries_that_are_not_records_are_left_out_and_said_so() -> None:
    page = page_from_body(
        "contacts",
        "Contacts",
        {"Contacts": [{"ContactID": "a"}, 7, "x"]},
        page=1,
        page_size=1000,
        limits=LimitHeaders(),
        correlation_id=None,
    )
    assert page.records == [{"ContactID": "a"}]
    assert page.warnings == ["2 entries of the page were not records"]
