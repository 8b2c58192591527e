"""How fast the engine maps and writes sales invoice lines, with no network in the way.

Contacts and items are synced first by a real ``xerodesk sync --only …``; then
pages of sales invoices are read from the sandbox into memory with the real
client, and only the engine's page writes are timed: the pass's own page
writer maps each page (and binds its rows for SQLite) on its mapping thread
while the page before it is written in one transaction (with its resume
point) through the database worker, exactly as a pass does once its pages
have arrived. The interpreter is set as a sync process sets it at its start
(``app.tune_interpreter``), after the pages are read: the ten pages held here
stand for what a pass streams in a page at a time, and are frozen out of
the collector's sweeps with everything else that was there before the
writes began. On SQLite the writes are timed ``TRIALS`` times, each into a
copy of the database as the master sync left it, and the median trial is
reported with the others' figures. CPU seconds are the process's, all
threads together.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import make_url

from benchmarks.harness import CLIENT_ID, CLIENT_SECRET, Database, run_xerodesk, table_counts
from benchmarks.scenarios import Context, check, upgrade
from xerodesk.app import tune_interpreter
from xerodesk.domain.sync import EntityKind
from xerodesk.engine.cursors import WALK_ORDER, WalkPlan, after_page, plan_walk
from xerodesk.engine.dbworker import DbWorker
from xerodesk.engine.pull import PageWriter, WriteContext, write_page_transaction
from xerodesk.engine.steps.invoices import InvoicesStep
from xerodesk.mapping.xero_dates import parse_xero_date
from xerodesk.store.database import open_engine
from xerodesk.store.options import Options
from xerodesk.store.rows import binder_for
from xerodesk.store.types import utcnow
from xerodesk.xero.client import SALES_INVOICES
from xerodesk.xero.connect import open_client
from xerodesk.xero.paging import Page

#: at most this many pages of invoices are held in memory and timed
MAX_PAGES = 10
MASTER = "tax_rates,currencies,contacts,items"
#: timed trials on SQLite, each into a copy of the database the master sync made;
#: the median is reported (one page of a small organisation writes in a tenth of
#: a second, where one hiccup of the machine shows)
TRIALS = 5


def invoice_lines_per_second(context: Context, database: Database) -> dict[str, Any]:
    upgrade(context, database)
    sandbox = context.sandbox
    master = _sync_master(context, database)
    pages = asyncio.run(_read_pages(sandbox.base_url))
    tune_interpreter()
    if database.kind == "sqlite":
        trials = [asyncio.run(_write_pages(url, pages)) for url in _copies(database.url)]
        trials.sort(key=lambda t: t["lines_per_second"] or 0)
        result = trials[len(trials) // 2]
        result["trials_lines_per_second"] = [t["lines_per_second"] for t in trials]
    else:
        result = asyncio.run(_write_pages(database.url, pages))
    result["master_sync_seconds"] = master["seconds"]
    return result


def _copies(url: str) -> Iterator[str]:
    """URLs of ``TRIALS`` copies, one at a time, of the SQLite database at ``url``."""
    path = Path(make_url(url).database or "")
    for trial in range(TRIALS):
        copy = path.with_name(f"{path.stem}-trial-{trial}{path.suffix}")
        shutil.copyfile(path, copy)
        try:
            yield f"sqlite:///{copy}"
        finally:
            for leftover in (copy, Path(f"{copy}-wal"), Path(f"{copy}-shm")):
                leftover.unlink(missing_ok=True)


def _sync_master(context: Context, database: Database) -> dict[str, Any]:
    """Tax rates, currencies, contacts and items, by a real sync process."""
    args = ["sync", "--db", database.url, "--xero", context.sandbox.base_url, "--only", MASTER]
    run = run_xerodesk(args, context.home("throughput"))
    check(run, "xerodesk sync --only " + MASTER)
    return {"seconds": round(run.seconds, 3)}


async def _read_pages(base_url: str) -> list[Page]:
    env = {"XERODESK_CLIENT_ID": CLIENT_ID, "XERODESK_CLIENT_SECRET": CLIENT_SECRET}
    client = await open_client(xero_url=base_url, env=env)
    pages: list[Page] = []
    async with client:
        async for page in client.invoices(where=SALES_INVOICES, order=WALK_ORDER):
            pages.append(page)
            if len(pages) >= MAX_PAGES:
                break
    return pages


def _rehearse(connection: Connection, page: Page, context: WriteContext, plan: WalkPlan) -> None:
    """Write ``page`` as the pass would, then roll it back: the statements are
    compiled and prepared before the clock starts, as a sync does once per
    process. The dates it parsed are forgotten, so the timed pages parse theirs."""
    step = InvoicesStep()
    prepared = step.prepare(page, binder_for(connection.dialect))
    write_page_transaction(
        connection, step, page, context, after_page(plan, utcnow(), 1), 1, prepared
    )
    connection.rollback()
    parse_xero_date.cache_clear()


async def _write_pages(url: str, pages: list[Page]) -> dict[str, Any]:
    engine = open_engine(url)
    db = DbWorker(engine)
    try:
        before = table_counts(url, ("sales_transaction", "sales_order_header"))
        options = await db.read(Options.load)
        context = WriteContext(EntityKind.INVOICES, None, options, True)
        writer = PageWriter(db, InvoicesStep(), context)
        plan = plan_walk(None, None, True)
        await db.read(_rehearse, pages[0], context, plan)
        started, cpu = time.perf_counter(), time.process_time()
        for page in pages:
            await writer.put(page, after_page(plan, utcnow(), page.page), 1)
        await writer.flush()
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu
        after = table_counts(url, ("sales_transaction", "sales_order_header"))
    finally:
        db.close()
        engine.dispose()
    lines = after["sales_transaction"] - before["sales_transaction"]
    invoices = after["sales_order_header"] - before["sales_order_header"]
    return {
        "pages": len(pages),
        "invoices": invoices,
        "lines": lines,
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu, 3),
        "lines_per_second": round(lines / seconds) if seconds else None,
        "lines_per_cpu_second": round(lines / cpu) if cpu else None,
    }
