"""The day's call budget: today's calls from the run log, the plan, and the hard stop.

The backfill test runs real passes against the sandbox under a 1,000-call
budget: the sandbox allows 5,000 a day, so any call past our own budget would
show in its counters. Pages of two invoices make the organisation's backfill
longer than a day's budget.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, insert, select, update

from tests.support.databases import DatabaseFactory
from tests.support.sandbox import RunningSandbox, start_sandbox
from tests.support.sync import CLIENT_ENV
from xerodesk.domain.sync import EntityKind
from xerodesk.engine.budget import DOCUMENTS, MASTER, PUSH, SWEEP, day_usage, push_reserve
from xerodesk.engine.dbworker import DbWorker
from xerodesk.engine.pass_types import PassReport, PassRequest
from xerodesk.engine.passes import PassRunner, current_plan
from xerodesk.store.database import open_engine
from xerodesk.store.models import SalesOrderHeader
from xerodesk.store.options import set_option
from xerodesk.store.state import load_cursor
from xerodesk.store.types import utcnow
from xerodesk.store.xd_models import OutboxItem, SyncRun
from xerodesk.xero.connect import open_client
from xerodesk.xero.limits import RateLimits

BUDGET = 1000
INVOICES = 3000  # about 2,400 sales invoices, the rest bills
PAGE_SIZE = 2  # about 1,200 pages of sales invoices: more than a day's budget


def _run(engine: Engine, calls: int, hours_ago: float, remaining: int | None = None) -> None:
    at = utcnow() - timedelta(hours=hours_ago)
    with engine.begin() as connection:
        connection.execute(
            insert(SyncRun).values(
                trigger="test",
                started_at=at,
                finished_at=at,
                outcome="ok",
                calls_used=calls,
                day_remaining=remaining,
            )
        )


def test_calls_left_count_the_runs_of_the_last_24_hours(db_engine: Engine) -> None:
    _run(db_engine, 300, hours_ago=30)  # yesterday's: no longer counted
    _run(db_engine, 120, hours_ago=5)
    _run(db_engine, 80, hours_ago=1)
    with db_engine.connect() as connection:
        usage = day_usage(connection, BUDGET)
    assert (usage.used, usage.xero_remaining, usage.calls_left) == (200, None, 800)


def test_xero_last_word_caps_calls_left(db_engine: Engine) -> None:
    # Xero said 450 were left after the first run (another app used some);
    # the run since used 50 more.
    _run(db_engine, 100, hours_ago=3, remaining=450)
    _run(db_engine, 50, hours_ago=2)
    with db_engine.connect() as connection:
        usage = day_usage(connection, BUDGET)
    assert (usage.used, usage.xero_remaining, usage.calls_left) == (150, 400, 400)
    assert usage.xero_seen_at is not None


def test_plan_puts_pushes_and_master_data_before_a_backfill(db_engine: Engine) -> None:
    now = utcnow()
    with db_engine.begin() as connection:
        set_option(connection, "daily_call_budget", "100")
        for n in range(3):
            connection.execute(
                insert(OutboxItem).values(
                    kind="customer",
                    record_table="sales_ledger",
                    record_id=n + 1,
                    idempotency_key=f"xd-customer-{n + 1}",
                    state="pending",
                    created_at=now,
                )
            )
    _run(db_engine, 98, hours_ago=1)
    with db_engine.connect() as connection:
        plan = current_plan(connection)
    groups = [step.group for step in plan.steps]
    assert groups == sorted(groups, key=[PUSH, "reference", MASTER, SWEEP, DOCUMENTS].index)
    assert plan.steps[0].name == PUSH and plan.steps[0].calls == 3
    assert plan.calls_left == 2
    # A first sync: every document entity is a backfill, and they come last.
    backfills = [step for step in plan.steps if step.backfill]
    assert {step.name for step in backfills} == {"invoices", "credit_notes", "purchase_orders"}
    assert set(plan.deferred) >= {step.name for step in backfills}
    assert plan.to_json()["calls_left"] == 2


# -- the backfill under a 1,000-call budget --------------------------------------


@pytest.fixture(scope="module")
def big_sandbox() -> Iterator[RunningSandbox]:
    size = f"contacts=20,items=10,invoices={INVOICES},credit_notes=0,purchase_orders=0"
    running = start_sandbox(generate=size, seed=3, rate_limits="real")
    running.control("POST", "/limits", {"minute": 100_000, "app_minute": 100_000})
    yield running
    running.close()


async def _pass(sandbox: RunningSandbox, engine: Engine) -> PassReport:
    db = DbWorker(engine)
    try:
        client = await open_client(xero_url=sandbox.base_url, env=CLIENT_ENV, daily_limit=BUDGET)
        # This organisation allows more than 60 calls a minute; pages are tiny.
        client.pacer.limits = RateLimits(per_minute=100_000)
        client.page_size = PAGE_SIZE
        async with client:
            return await PassRunner(client, db).run(PassRequest(trigger="test"))
    finally:
        db.close()


def _xero_day_used(sandbox: RunningSandbox) -> int:
    tenants = sandbox.control("GET", "/limits")["tenants"]
    return sum(int(t["day"]["used"]) for t in tenants.values())


def _invoices(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(SalesOrderHeader)) or 0)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_backfill_never_exceeds_the_budget_and_resumes_the_next_day(
    big_sandbox: RunningSandbox, database_factory: DatabaseFactory, kind: str
) -> None:
    big_sandbox.control("POST", "/reset", {})
    engine = open_engine(database_factory.fresh(kind))
    try:
        with engine.begin() as connection:
            set_option(connection, "daily_call_budget", str(BUDGET))

        first = asyncio.run(_pass(big_sandbox, engine))
        assert first.outcome == "day_limit", first.message
        assert "daily budget of 1000" in (first.message or "")
        assert first.calls <= BUDGET
        assert _xero_day_used(big_sandbox) == first.calls  # Xero saw no call past ours
        counters = big_sandbox.control("GET", "/counters")
        assert counters["rate_limited"].get("total", 0) == 0
        # Master data went first; the backfill got what was left.
        assert first.entities["contacts"].counts.created == 20
        assert first.sweep is None  # a first sync reads everything as it is
        sales = sum(1 for i in big_sandbox.state.org.export()["Invoices"] if i["Type"] == "ACCREC")
        assert sales // PAGE_SIZE > BUDGET
        read = _invoices(engine)
        assert 0 < read < sales
        with engine.connect() as connection:
            resume = load_cursor(connection, EntityKind.INVOICES.value).resume
            plan = current_plan(connection)
        assert resume is not None and resume["next_page"] > 1 and resume["full"] is True
        # What is left today is the budget less what the run log counts (the
        # organisation look-up before the pass is no call on the day's limit):
        # the calls kept for pushes, which the backfill could not take.
        assert plan.calls_left == BUDGET - first.calls
        assert push_reserve(BUDGET) <= plan.calls_left < push_reserve(BUDGET) + 5
        assert "invoices" in plan.deferred

        # The same day: nothing more is sent.
        again = asyncio.run(_pass(big_sandbox, engine))
        assert again.outcome == "day_limit" and again.calls == 0
        assert _xero_day_used(big_sandbox) == first.calls

        # A day later (Xero's window has turned, the runs are a day old).
        big_sandbox.control("POST", "/clock", {"advance": 86_400})
        with engine.begin() as connection:
            day_ago = timedelta(hours=24, minutes=1)
            runs = connection.execute(select(SyncRun.id, SyncRun.started_at, SyncRun.finished_at))
            for run_id, started, finished in runs.all():
                connection.execute(
                    update(SyncRun)
                    .where(SyncRun.id == run_id)
                    .values(started_at=started - day_ago, finished_at=finished - day_ago)
                )
        last = asyncio.run(_pass(big_sandbox, engine))
        assert last.outcome == "ok", last.message
        assert _invoices(engine) == sales
        resumed = last.entities["invoices"].pages
        # It resumed where it stopped instead of starting again from page one.
        assert resumed <= (sales - read) // PAGE_SIZE + 2
        assert last.calls <= BUDGET
    finally:
        engine.dispose()
