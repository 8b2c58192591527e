"""The pass's page writer: the next page is mapped while the one before it is written.

Real pages of the sandbox's sales invoices, a real database and the real
invoices step; the step is only wrapped to record where and when its parts
run, to fail on a chosen page, or to hold a page's mapping until told.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from tests.support.sandbox import RunningSandbox
from tests.support.sync import CLIENT_ENV
from xerodesk.domain.sync import EntityKind
from xerodesk.engine.cursors import after_page, plan_walk
from xerodesk.engine.dbworker import DbWorker
from xerodesk.engine.pull import PageOutcome, PageWriter, WriteContext, run_pull
from xerodesk.engine.steps.common import MappedPage
from xerodesk.engine.steps.invoices import InvoicesStep
from xerodesk.mapping.invoices import MappedInvoice
from xerodesk.store.models import SalesOrderHeader
from xerodesk.store.options import Options
from xerodesk.store.state import load_cursor
from xerodesk.store.types import utcnow
from xerodesk.xero.client import SALES_INVOICES
from xerodesk.xero.connect import open_client
from xerodesk.xero.paging import Page

PAGE_SIZE = 4


class Recording(InvoicesStep):
    """The invoices step, noting each part's page and thread, failing or holding on request."""

    def __init__(self, fail_on: int | None = None, hold: int | None = None) -> None:
        super().__init__()
        self.events: list[tuple[str, int, str]] = []
        self.fail_on = fail_on
        self.hold = hold
        self.holding = threading.Event()
        self.writing = threading.Event()
        self.release = threading.Event()

    def prepare(self, page: Page) -> MappedPage[MappedInvoice]:
        if page.page == self.hold:
            self.holding.set()
            self.release.wait(30)
        self.events.append(("map", page.page, threading.current_thread().name))
        return super().prepare(page)

    def write_prepared(
        self,
        connection: Any,
        page: Page,
        prepared: MappedPage[MappedInvoice] | None,
        context: WriteContext,
    ) -> PageOutcome:
        self.events.append(("write", page.page, threading.current_thread().name))
        if self.hold is not None and page.page == self.hold - 1:
            self.writing.set()  # the page before the held one stays in flight until released
            self.release.wait(30)
        if page.page == self.fail_on:
            raise RuntimeError(f"page {page.page} refused")
        return super().write_prepared(connection, page, prepared, context)


async def _pages(sandbox: RunningSandbox) -> list[Page]:
    client = await open_client(xero_url=sandbox.base_url, env=CLIENT_ENV)
    client.page_size = PAGE_SIZE
    pages: list[Page] = []
    async with client:
        async for page in client.invoices(where=SALES_INVOICES):
            pages.append(page)
    assert len(pages) >= 4
    return pages


def _headers(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(SalesOrderHeader)) or 0)


async def _write(db: DbWorker, step: InvoicesStep, pages: list[Page]) -> PageWriter:
    options = await db.read(Options.load)
    writer = PageWriter(db, step, WriteContext(EntityKind.INVOICES, None, options, True))
    plan = plan_walk(None, None, True)
    for page in pages:
        await writer.put(page, after_page(plan, utcnow(), page.page), 1)
    await writer.flush()
    return writer


def test_pages_are_mapped_apart_and_written_in_order(
    sandbox: RunningSandbox, db_engine: Engine
) -> None:
    pages = asyncio.run(_pages(sandbox))
    step = Recording()
    db = DbWorker(db_engine)
    try:
        asyncio.run(_write(db, step, pages))
    finally:
        db.close()
    numbers = [p.page for p in pages]
    assert [n for kind, n, _ in step.events if kind == "write"] == numbers
    assert [n for kind, n, _ in step.events if kind == "map"] == numbers
    assert {t for kind, _, t in step.events if kind == "map"} == {"xerodesk-map_0"}
    assert {t.split("_")[0] for kind, _, t in step.events if kind == "write"} == {"xerodesk-db"}
    # each page is mapped before the page before it is waited for
    order = [(kind, n) for kind, n, _ in step.events]
    assert order.index(("map", numbers[1])) < order.index(("write", numbers[1]))
    records = sum(len(p.records) for p in pages)
    assert _headers(db_engine) == records
    with db_engine.connect() as connection:
        resume = load_cursor(connection, EntityKind.INVOICES.value).resume
    assert resume is not None and resume["next_page"] == numbers[-1] + 1


def test_a_failed_write_stops_the_walk_with_the_pages_before_it_saved(
    sandbox: RunningSandbox, db_engine: Engine
) -> None:
    pages = asyncio.run(_pages(sandbox))
    step = Recording(fail_on=pages[2].page)
    db = DbWorker(db_engine)
    try:
        with pytest.raises(RuntimeError, match="refused"):
            asyncio.run(_write(db, step, pages))
    finally:
        db.close()
    written = [n for kind, n, _ in step.events if kind == "write"]
    assert written == [p.page for p in pages[:3]]  # nothing after the refused page
    assert _headers(db_engine) == len(pages[0].records) + len(pages[1].records)
    with db_engine.connect() as connection:
        resume = load_cursor(connection, EntityKind.INVOICES.value).resume
    assert resume is not None and resume["next_page"] == pages[1].page + 1


def test_a_stop_while_mapping_lets_the_write_in_flight_finish(
    sandbox: RunningSandbox, db_engine: Engine
) -> None:
    """A pull cancelled while it maps page 2 and writes page 1 returns only once
    page 1 is saved whole."""
    first = asyncio.run(_pages(sandbox))[0]
    step = Recording(hold=2)
    seen: dict[str, int] = {}

    async def stopped() -> None:
        client = await open_client(xero_url=sandbox.base_url, env=CLIENT_ENV)
        client.page_size = PAGE_SIZE
        async with client:
            options = await db.read(Options.load)
            task = asyncio.create_task(run_pull(step, client, db, options))
            while not (step.holding.is_set() and step.writing.is_set()):
                await asyncio.sleep(0.01)
            task.cancel()
            await asyncio.sleep(0.2)  # the stop has reached the pull, which waits
            assert not task.done()
            step.release.set()
            with pytest.raises(asyncio.CancelledError):
                await task
            seen["headers"] = _headers(db_engine)

    db = DbWorker(db_engine)
    try:
        asyncio.run(stopped())
    finally:
        db.close()
    assert seen["headers"] == len(first.records)
    assert [n for kind, n, _ in step.events if kind == "write"] == [1]
    with db_engine.connect() as connection:
        cursor = load_cursor(connection, EntityKind.INVOICES.value)
    assert cursor.modified_since is None  # the walk did not finish: no cursor
    assert cursor.resume is not None and cursor.resume["next_page"] == 2
