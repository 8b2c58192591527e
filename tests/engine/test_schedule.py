"""The pass planner: passes as often as the day's calls allow, a reserve for pushes.

The arithmetic is checked alone at a full, a half and an empty budget; then
on SQLite, PostgreSQL and MariaDB from the run log (as a restarted process
sees it), and a push sent on a day whose pull budget is spent.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, insert, select

from tests.engine.push_support import crm_customer, one, push_sandbox_module, xero_records
from tests.support.sandbox import RunningSandbox
from tests.support.sync import CLIENT_ENV
from xerodesk.engine.budget import (
    DayUsage,
    day_usage,
    prepare_client,
    push_reserve,
    record_push_run,
)
from xerodesk.engine.dbworker import DbWorker
from xerodesk.engine.push import push_pending
from xerodesk.engine.schedule import (
    DEFAULT_PASS_COST,
    EVEN,
    MINIMUM,
    WAITING,
    measured_pass_cost,
    next_pass,
    plan_next_pass,
    planned_now,
)
from xerodesk.errors import DailyLimitReachedError
from xerodesk.store.options import set_option
from xerodesk.store.xd_models import SyncRun, SyncRunEntity
from xerodesk.xero.connect import open_client

__all__ = ["push_sandbox_module"]

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
FIVE_MINUTES = timedelta(minutes=5)
DAY = timedelta(hours=24)


def usage(budget: int, used: int, runs: tuple[tuple[int, datetime], ...] = ()) -> DayUsage:
    return DayUsage(NOW, budget, used, None, None, budget - used, runs)


def test_the_reserve_is_a_tenth_of_the_day_and_at_least_fifty() -> None:
    assert push_reserve(1000) == 100
    assert push_reserve(5000) == 500
    assert push_reserve(200) == 50
    assert push_reserve(30) == 30


def test_a_full_starter_day_spreads_its_passes_over_the_day() -> None:
    schedule = plan_next_pass(usage(1000, 0), 7, FIVE_MINUTES, NOW)
    # 900 calls for passes of 7: one every 86400 * 7 / 900 = 672 s
    assert schedule.interval == timedelta(seconds=672)
    assert schedule.due_at == NOW + timedelta(seconds=672)
    assert schedule.reason == EVEN
    assert schedule.reserve == 100
    assert schedule.forecast_calls == (86400 // 672) * 7 <= 900


def test_a_full_core_day_runs_at_the_users_minimum_interval() -> None:
    schedule = plan_next_pass(usage(5000, 0), 7, FIVE_MINUTES, NOW)
    assert schedule.interval == FIVE_MINUTES  # 4,500 calls would allow one every 134 s
    assert schedule.reason == MINIMUM
    assert schedule.forecast_calls == 288 * 7


def test_half_a_day_spent_keeps_the_even_pace() -> None:
    runs = ((250, NOW - timedelta(hours=10)), (250, NOW - timedelta(hours=2)))
    schedule = plan_next_pass(usage(1000, 500, runs), 7, FIVE_MINUTES, NOW)
    assert schedule.due_at == NOW + timedelta(seconds=672)
    assert (schedule.reason, schedule.calls_left) == (EVEN, 500)


def test_a_spent_pull_budget_waits_until_the_oldest_calls_leave_the_window() -> None:
    # 100 left: all of them the pushes' reserve; the 400 calls of 20 hours ago
    # free up in 4 hours, more than a pass needs.
    runs = ((400, NOW - timedelta(hours=20)), (500, NOW - timedelta(hours=2)))
    schedule = plan_next_pass(usage(1000, 900, runs), 7, FIVE_MINUTES, NOW)
    assert schedule.due_at == NOW + timedelta(hours=4)
    assert schedule.reason == WAITING


def test_calls_only_xero_counted_free_up_a_day_after_it_said_so() -> None:
    seen = NOW - timedelta(hours=1)
    spent = DayUsage(NOW, 1000, 0, 0, seen, 0, ())
    schedule = plan_next_pass(spent, 7, FIVE_MINUTES, NOW)
    assert schedule.due_at == seen + DAY and schedule.reason == WAITING


def test_a_pass_is_never_planned_more_often_than_the_minimum() -> None:
    schedule = plan_next_pass(usage(100_000, 0), 1, timedelta(minutes=30), NOW)
    assert schedule.interval == timedelta(minutes=30)


def test_pushes_above_the_reserve_slow_the_passes_down() -> None:
    busy = DayUsage(NOW, 1000, 300, None, None, 700, (), push_calls=300)
    schedule = plan_next_pass(busy, 7, FIVE_MINUTES, NOW)
    # 1,000 less the 300 pushes took: one pass of 7 every 86400 * 7 / 700 = 864 s
    assert schedule.interval == timedelta(seconds=864)
    quiet = DayUsage(NOW, 1000, 60, None, None, 940, (), push_calls=60)
    assert plan_next_pass(quiet, 7, FIVE_MINUTES, NOW).interval == timedelta(seconds=672)


# -- from the run log, on every database -------------------------------------------


def _run(engine: Engine, calls: int, ago: timedelta, trigger: str = "schedule") -> None:
    at = datetime.now(UTC) - ago
    with engine.begin() as connection:
        connection.execute(
            insert(SyncRun).values(
                trigger=trigger, started_at=at, finished_at=at, outcome="ok", calls_used=calls
            )
        )


def test_the_pass_cost_is_the_median_of_the_last_scheduled_passes(db_engine: Engine) -> None:
    with db_engine.connect() as connection:
        assert measured_pass_cost(connection) == DEFAULT_PASS_COST
    _run(db_engine, 400, timedelta(hours=6))  # the first import: older than the last five
    for calls in (7, 9, 7, 8, 30):
        _run(db_engine, calls, timedelta(hours=1))
    _run(db_engine, 2, timedelta(minutes=5), trigger="manual")  # not a scheduled pass
    with db_engine.connect() as connection:
        assert measured_pass_cost(connection) == 8


def test_a_restarted_process_plans_from_the_days_run_log(db_engine: Engine) -> None:
    with db_engine.begin() as connection:
        set_option(connection, "daily_call_budget", "1000")
    _run(db_engine, 450, timedelta(hours=21))
    _run(db_engine, 440, timedelta(hours=3))
    for _ in range(3):
        _run(db_engine, 7, timedelta(minutes=30))
    # 1000 - 911 = 89 left: not the 7 + 100 a pass needs beside the reserve, so
    # the next pass waits for the calls of 21 hours ago, 3 hours on.
    now = datetime.now(UTC)
    with db_engine.connect() as connection:
        schedule = next_pass(connection, now, now)
    assert schedule.calls_left == 89
    assert schedule.reason == WAITING
    assert abs(schedule.due_at - (now + timedelta(hours=3))) < timedelta(seconds=5)
    assert schedule.to_json()["push_reserve"] == 100


def test_pushes_between_passes_are_in_the_run_log_and_not_a_pass(db_engine: Engine) -> None:
    _run(db_engine, 7, timedelta(minutes=10))
    _run(db_engine, 3, timedelta(minutes=2), trigger="manual")
    _run(db_engine, 5, timedelta(hours=2), trigger="push")
    pass_end = datetime.now(UTC) - timedelta(minutes=2)
    with db_engine.begin() as connection:
        record_push_run(connection, 4, datetime.now(UTC) - timedelta(minutes=1), 800)
        record_push_run(connection, 0, datetime.now(UTC), None)  # nothing sent: no run
        connection.execute(
            insert(SyncRunEntity).values(
                run_id=connection.scalar(
                    select(func.max(SyncRun.id)).where(SyncRun.calls_used == 3)
                ),
                entity="push",
                calls=2,
            )
        )
    now = datetime.now(UTC)
    with db_engine.connect() as connection:
        day = day_usage(connection, 1000, now)
        assert (day.used, day.push_calls) == (19, 5 + 4 + 2)
        assert day.xero_remaining == 800  # Xero's word, from the push's answer
        schedule = planned_now(connection, now)
    # planned after the last pass, not after the push a minute ago
    assert abs(schedule.due_at - (pass_end + schedule.interval)) < timedelta(seconds=5)


def test_a_push_goes_out_on_a_spent_pull_budget(
    push_sandbox_module: RunningSandbox, db_engine: Engine
) -> None:
    sandbox = push_sandbox_module
    sandbox.reset()
    with db_engine.begin() as connection:
        set_option(connection, "daily_call_budget", "1000")
    _run(db_engine, 900, timedelta(hours=2))  # only the pushes' 100 are left
    ledger = crm_customer(db_engine, "Late Order Ltd")

    async def body() -> tuple[str, int]:
        db = DbWorker(db_engine)
        try:
            client = await open_client(xero_url=sandbox.base_url, env=CLIENT_ENV)
            async with client:
                await prepare_client(client, db)
                with pytest.raises(DailyLimitReachedError, match="kept for sending"):
                    async for _page in client.contacts():  # a pull's read
                        break
                report = await push_pending(client, db)
                return str(report.created), report.calls
        finally:
            db.close()

    created, calls = asyncio.run(body())
    assert created == "{'customer': 1}" and calls == 1
    contact_id = one(db_engine, "sales_ledger", id=ledger)["sales_ledger_id"]
    [sent] = xero_records(sandbox, "Contacts", f'ContactNumber=="CRM-{ledger}"')
    assert sent["ContactID"] == contact_id and sent["Name"] == "Late Order Ltd"
