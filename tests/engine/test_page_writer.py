"""The pass's page writer: the next page is mapped while the one before it is written.

Real pages of the sandbox's sales invoices, a real database and the real
invoices step; the step is only wrapped to record where and when its parts
run, to fail on a chosen page, or to hold a page's mapping until told.
"""

from __future__ import annotations

import asyncio
import threading
from itertools import pairwise
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
from xerodesk.store.database import open_engine
from xerodesk.store.models import SalesOrderHeader
from xerodesk.store.options import Options
from xerodesk.store.rows import SqliteBinder
from xerodesk.store.state import load_cursor
from xerodesk.store.types import utcnow
from xerodesk.xero.client import SALES_INVOICES
from xerodesk.xero.connect import open_client
from xerodesk.xero.paging import Page

PAGE_SIZE = 4


class Recording(InvoicesStep):
    """The invoices step, noting each part's page and thread, failing or holding on request:
    the mapping of page ``hold_map`` or the write of page ``hold_write`` waits for
    ``release``."""

    def __init__(
        self,
        fail_on: int | None = None,
        hold_map: int | None = None,
        hold_write: int | None = None,
    ) -> None:
        super().__init__()
        self.events: list[tuple[str, int, str]] = []
        self.fail_on = fail_on
        self.hold_map = hold_map
        self.hold_write = hold_write
        self.held = 0  # parts waiting for ``release``
        self.release = threading.Event()

    def prepare(self, page: Page, binder: SqliteBinder | None = None) -> MappedPage[MappedInvoice]:
        if page.page == self.hold_map:
            self.held += 1
            self.release.wait(30)
        self.events.append(("map", page.page, threading.current_thread().name))
        return super().prepare(page, binder)

    def write_prepared(
        self,
        connection: Any,
        page: Page,
        prepared: MappedPage[MappedInvoice] | None,
        context: WriteContext,
    ) -> PageOutcome:
        self.events.append(("write", page.page, threading.current_thread().name))
        if page.page == self.hold_write:
            self.held += 1  # the write stays in flight until released
            self.release.wait(30)
        if page.page == self.fail_on:
            raise RuntimeError(f"page {page.page} refused")
        outcome = super().write_prepared(connection, page, prepared, context)
        self.events.append(("written", page.page, threading.current_thread().name))
        return outcome


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
    for before, page in pairwise(numbers):
        assert order.index(("map", page)) < order.index(("write", page))
        assert order.index(("write", before)) < order.index(("write", page))
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
    page 1 is saved whole; page 2 is never written."""
    first = asyncio.run(_pages(sandbox))[0]
    step = Recording(hold_map=2, hold_write=1)
    seen = _stop_when_held(sandbox, db_engine, step, holding=2)
    assert seen["headers"] == len(first.records)
    assert [n for kind, n, _ in step.events if kind == "written"] == [1]
    _assert_resumes_at_page_2(db_engine)


def test_a_stop_while_a_page_is_written_lets_that_write_finish(
    sandbox: RunningSandbox, db_engine: Engine
) -> None:
    """A pull cancelled while it writes page 1 (and reads page 2) returns only once
    page 1 is saved whole."""
    first = asyncio.run(_pages(sandbox))[0]
    step = Recording(hold_write=1)
    seen = _stop_when_held(sandbox, db_engine, step, holding=1)
    assert seen["headers"] == len(first.records)
    assert [n for kind, n, _ in step.events if kind == "written"] == [1]
    _assert_resumes_at_page_2(db_engine)


def _stop_when_held(
    sandbox: RunningSandbox, db_engine: Engine, step: Recording, *, holding: int
) -> dict[str, int]:
    """Cancel a pull of ``step`` once ``holding`` of its parts are held: the pull
    must wait for them (a write in flight) before it ends."""
    seen: dict[str, int] = {}

    async def stopped() -> None:
        client = await open_client(xero_url=sandbox.base_url, env=CLIENT_ENV)
        client.page_size = PAGE_SIZE
        async with client:
            options = await db.read(Options.load)
            task = asyncio.create_task(run_pull(step, client, db, options))
            while step.held < holding:
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
    return seen


def _assert_resumes_at_page_2(db_engine: Engine) -> None:
    with db_engine.connect() as connection:
        cursor = load_cursor(connection, EntityKind.INVOICES.value)
    assert cursor.modified_since is None  # the walk did not finish: no cursor
    assert cursor.resume is not None and cursor.resume["next_page"] == 2


def _contents(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every CRM row the pull writes, and the links, without the time of the write."""
    tables = {
        "sales_order_header": "xero_invoice_id",
        "sales_transaction": "xero_line_id",
        "xd_link": "xero_id",
    }
    found: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as connection:
        for table, key in tables.items():
            rows = connection.exec_driver_sql(f"SELECT * FROM {table} ORDER BY {key}")
            columns = list(rows.keys())
            found[table] = [
                tuple(v for c, v in zip(columns, row, strict=True) if c != "synced_at")
                for row in rows
            ]
    return found


def test_pages_bound_on_the_mapping_thread_store_what_the_write_itself_maps(
    sandbox: RunningSandbox, database_factory: Any
) -> None:
    """On SQLite a prepared page carries its rows bound for the driver; the same pages
    written without preparing (mapped and bound in the write) store the same rows,
    ids and snapshots, value for value."""
    pages = asyncio.run(_pages(sandbox))
    engines = [open_engine(database_factory.fresh("sqlite")) for _ in range(2)]
    try:
        db = DbWorker(engines[0])
        try:
            writer = asyncio.run(_write(db, InvoicesStep(), pages))
            assert writer._binder is not None  # the rows were bound ahead
        finally:
            db.close()
        step = InvoicesStep()
        with engines[1].connect() as connection:
            options = Options.load(connection)
        context = WriteContext(EntityKind.INVOICES, None, options, True)
        for page in pages:
            with engines[1].begin() as connection:
                step.write_page(connection, page, context)
        prepared, unprepared = (_contents(engine) for engine in engines)
    finally:
        for engine in engines:
            engine.dispose()
    assert len(prepared["sales_transaction"]) > len(prepared["sales_order_header"]) > 0
    assert prepared == unprepared
