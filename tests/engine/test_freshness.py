"""How old each entity's copy is, and the day's forecast with its warning.

Freshness is read from the run log on SQLite, PostgreSQL and MariaDB: never
read, a failed run that does not refresh an entity, an entity read whole in a
run that failed later, ages from an injected now; then through real passes
against the sandbox, one of them stopped by the day's calls at invoices. The
warning is checked on a full, a low and a spent day, from the arithmetic and
from the run log.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, insert, update

from tests.engine.push_support import push_sandbox_module
from tests.support.sandbox import RunningSandbox
from tests.support.sync import CLIENT_ENV
from xerodesk.domain.sync import EntityKind
from xerodesk.engine.budget import DayUsage
from xerodesk.engine.dbworker import DbWorker
from xerodesk.engine.freshness import age_text, entity_freshness
from xerodesk.engine.outlook import LOW, OK, SPENT, day_outlook, sync_outlook
from xerodesk.engine.pass_types import PassReport, PassRequest
from xerodesk.engine.passes import PassRunner
from xerodesk.engine.schedule import plan_next_pass
from xerodesk.store.options import set_option
from xerodesk.store.state import add_run_counts, mark_entity_read
from xerodesk.store.xd_models import SyncRun
from xerodesk.xero.connect import open_client

__all__ = ["push_sandbox_module"]

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
FIVE_MINUTES = timedelta(minutes=5)
HOUR = timedelta(hours=1)


def _run(
    engine: Engine,
    ended: datetime,
    outcome: str,
    read: tuple[str, ...] = (),
    partial: tuple[str, ...] = (),
    calls: int = 0,
) -> int:
    """A run that ended at ``ended``: ``read`` walked whole, ``partial`` only some pages."""
    with engine.begin() as connection:
        run_id = int(
            connection.execute(
                insert(SyncRun).values(
                    trigger="manual",
                    started_at=ended - timedelta(minutes=2),
                    finished_at=ended,
                    outcome=outcome,
                    calls_used=calls,
                )
            ).inserted_primary_key[0]  # type: ignore[index]
        )
        for entity in (*read, *partial):
            add_run_counts(connection, run_id, entity, updated=3, pages=1, calls=1)
        for entity in read:
            mark_entity_read(connection, run_id, entity, ended - timedelta(minutes=1))
    return run_id


def _ages(engine: Engine, now: datetime) -> dict[str, int | None]:
    with engine.connect() as connection:
        return {entry.entity: entry.age_seconds for entry in entity_freshness(connection, now)}


def test_an_entity_never_read_whole_has_no_time_and_no_age(db_engine: Engine) -> None:
    assert set(_ages(db_engine, NOW).values()) == {None}
    # pages of invoices written, then the run failed: still never read whole
    _run(db_engine, NOW - HOUR, "failed", partial=("invoices",))
    with db_engine.connect() as connection:
        [invoices] = entity_freshness(connection, NOW, (EntityKind.INVOICES,))
    assert (invoices.last_read_at, invoices.age_seconds) == (None, None)
    assert invoices.to_json() == {"last_read_at": None, "age_seconds": None}
    assert invoices.line == "Invoices: not read yet"


def test_a_failed_run_refreshes_only_what_it_read_whole(db_engine: Engine) -> None:
    _run(db_engine, NOW - 3 * HOUR, "ok", read=("contacts", "items", "invoices"))
    # contacts and items read whole, then the run failed on invoices after a page
    _run(db_engine, NOW - HOUR, "failed", read=("contacts", "items"), partial=("invoices",))
    # a later pass that did not get to items (stopped by the day's calls)
    _run(db_engine, NOW - 10 * timedelta(minutes=1), "day_limit", read=("contacts",))
    ages = _ages(db_engine, NOW)
    assert ages["contacts"] == 600  # the end of the run, not the walk's
    assert ages["items"] == 3600
    assert ages["invoices"] == 3 * 3600
    assert ages["credit_notes"] is None
    with db_engine.connect() as connection:
        fresh = {e.entity: e for e in entity_freshness(connection, NOW)}
    assert fresh["invoices"].last_read_at == NOW - 3 * HOUR
    assert fresh["invoices"].to_json()["last_read_at"] == "2026-12-07T09:00:00+00:00"
    assert fresh["contacts"].line == "Customers and suppliers: read 10 minutes ago"


def test_ages_are_counted_from_the_injected_now(db_engine: Engine) -> None:
    _run(db_engine, NOW - HOUR, "ok", read=("tax_rates",))
    assert _ages(db_engine, NOW)["tax_rates"] == 3600
    assert _ages(db_engine, NOW + timedelta(days=2))["tax_rates"] == 3600 + 2 * 86400
    # a run still under way (no end yet): the moment its walk finished
    run_id = _run(db_engine, NOW, "running", read=("currencies",))
    with db_engine.begin() as connection:
        connection.execute(update(SyncRun).where(SyncRun.id == run_id).values(finished_at=None))
    assert _ages(db_engine, NOW)["currencies"] == 60


def test_age_in_words() -> None:
    assert [age_text(s) for s in (None, 0, 59, 60, 179, 3600, 7300, 172_800)] == [
        "not read yet",
        "read just now",
        "read just now",
        "read 1 minute ago",
        "read 2 minutes ago",
        "read 1 hour ago",
        "read 2 hours ago",
        "read 2 days ago",
    ]


# -- real passes -------------------------------------------------------------------


async def _pass(sandbox: RunningSandbox, engine: Engine, budget: int, full: bool) -> PassReport:
    db = DbWorker(engine)
    try:
        client = await open_client(xero_url=sandbox.base_url, env=CLIENT_ENV, daily_limit=budget)
        async with client:
            only = (EntityKind.CONTACTS, EntityKind.INVOICES)
            return await PassRunner(client, db).run(PassRequest("test", full, only))
    finally:
        db.close()


def test_a_pass_stopped_at_invoices_leaves_invoices_as_old_as_before(
    push_sandbox_module: RunningSandbox, db_engine: Engine
) -> None:
    sandbox = push_sandbox_module
    sandbox.reset()
    first = asyncio.run(_pass(sandbox, db_engine, 5000, full=True))
    assert first.outcome == "ok"
    with db_engine.connect() as connection:
        before = {e.entity: e.last_read_at for e in entity_freshness(connection, NOW)}
    assert before["contacts"] is not None and before["invoices"] is not None
    assert before["items"] is None  # not in the pass
    # a day of 100 calls with two left beside the 50 kept for pushes: the
    # client's look-up of the organisation (GET /connections, before the pass)
    # and the contacts' changes (one page); then invoices are refused
    with db_engine.begin() as connection:
        set_option(connection, "daily_call_budget", "100")
    _run(db_engine, datetime.now(UTC), "ok", calls=100 - 52 - first.calls)
    second = asyncio.run(_pass(sandbox, db_engine, 100, full=False))
    assert (second.outcome, second.calls) == ("day_limit", 1)
    with db_engine.connect() as connection:
        after = {e.entity: e.last_read_at for e in entity_freshness(connection, NOW)}
        [run] = connection.execute(
            SyncRun.__table__.select().where(SyncRun.id == second.run_id)
        ).all()
    assert after["invoices"] == before["invoices"]
    assert after["contacts"] == run.finished_at
    assert after["contacts"] is not None and before["contacts"] is not None
    assert after["contacts"] > before["contacts"]


# -- the day's warning -------------------------------------------------------------


def _usage(budget: int, runs: tuple[tuple[int, datetime], ...], pushes: int = 0) -> DayUsage:
    used = sum(calls for calls, _at in runs)
    return DayUsage(NOW, budget, used, None, None, max(0, budget - used), runs, pushes)


def test_a_full_day_is_ok() -> None:
    usage = _usage(1000, ())
    schedule = plan_next_pass(usage, 7, FIVE_MINUTES, NOW)
    today = day_outlook(usage, schedule, NOW)
    assert (today.level, today.forecast_calls, today.runs_out_at) == (OK, 896, None)
    assert today.message() == (
        "Today's 1,000 Xero calls are enough at this rate: about 896 in the next 24 hours."
    )


def test_the_days_megabytes_and_their_forecast_at_this_schedule() -> None:
    usage = replace(_usage(1000, ((7, NOW - timedelta(hours=1)),)), bytes_read=4_200_000)
    usage = replace(usage, wire_bytes=700_000)
    schedule = plan_next_pass(usage, 7, FIVE_MINUTES, NOW)  # one pass every 672 s: 128 a day
    today = day_outlook(usage, schedule, NOW, (30_000, 6_000))
    data = today.to_json()
    assert (data["bytes_read"], data["wire_bytes"]) == (4_200_000, 700_000)
    assert (data["forecast_bytes_read"], data["forecast_wire_bytes"]) == (3_840_000, 768_000)
    assert today.data_text() == (
        "Read from Xero in the last 24 hours: 4.2 MB (0.7 MB over the network); "
        "about 3.8 MB in the next 24 hours at this rate"
    )


def test_a_steady_starter_day_is_ok() -> None:
    # a pass of 7 every 672 s for the last 24 hours: about 104 left, one pass
    # above the reserve, and a pass's calls leave the window every 672 s
    runs = tuple((7, NOW - timedelta(seconds=672 * n + 300)) for n in range(128))
    usage = _usage(1000, runs)
    schedule = plan_next_pass(usage, 7, FIVE_MINUTES, NOW - timedelta(seconds=300))
    today = day_outlook(usage, schedule, NOW)
    assert (today.calls_left, today.level) == (104, OK)


def test_a_big_import_this_morning_makes_a_low_day() -> None:
    # 800 calls two hours ago: 200 left, 100 for pushes; at 896 calls a day the
    # other 100 last 2.7 hours, long before the import's calls leave the window
    usage = _usage(1000, ((800, NOW - 2 * HOUR),))
    schedule = plan_next_pass(usage, 7, FIVE_MINUTES, NOW)
    today = day_outlook(usage, schedule, NOW)
    assert today.level == LOW and today.runs_out_at is not None
    lasts = timedelta(seconds=100 * 86400 / 896)  # 2 h 40 min 43 s
    assert abs(today.runs_out_at - (NOW + lasts)) < timedelta(milliseconds=1)
    assert today.message(lambda at: f"{at:%H:%M}") == (
        "At this rate today's 1,000 Xero calls run out around 14:40; syncs will space "
        "out to keep 100 for sending orders and customers to Xero."
    )


def test_a_sync_beside_the_schedule_is_no_warning() -> None:
    # 20 calls ten minutes ago make the last passes of the next 24 hours wait a
    # little: less than three passes short
    usage = _usage(1000, ((20, NOW - timedelta(minutes=10)),))
    schedule = plan_next_pass(usage, 7, FIVE_MINUTES, NOW)
    assert day_outlook(usage, schedule, NOW).level == OK
    # 60 of them are a burst the day does not absorb
    usage = _usage(1000, ((60, NOW - timedelta(minutes=10)),))
    assert day_outlook(usage, schedule, NOW).level == LOW


def test_pushes_that_take_most_of_the_day_make_it_low() -> None:
    # 3,000 calls of pushes in the last 24 hours: passes get the other 2,000
    # (one of 7 every 302 s: 1,995), and the day has no room left for the 500
    # kept for them
    usage = _usage(5000, ((300, NOW - HOUR),), pushes=3000)
    schedule = plan_next_pass(usage, 7, FIVE_MINUTES, NOW)
    today = day_outlook(usage, schedule, NOW)
    assert (schedule.forecast_calls, today.forecast_calls, today.level) == (1995, 4995, LOW)
    # more pushes than the day allows
    usage = _usage(5000, ((300, NOW - HOUR),), pushes=5200)
    today = day_outlook(usage, plan_next_pass(usage, 7, FIVE_MINUTES, NOW), NOW)
    assert today.forecast_calls > 5000 and today.level == LOW


def test_a_spent_day_waits_for_calls_to_free_up() -> None:
    usage = _usage(1000, ((950, NOW - 3 * HOUR),))
    schedule = plan_next_pass(usage, 7, FIVE_MINUTES, NOW)
    today = day_outlook(usage, schedule, NOW)
    assert (today.calls_left, today.level, today.runs_out_at) == (50, SPENT, None)
    assert today.next_pass_at == NOW + timedelta(hours=21)
    assert today.message() == (
        "Today's 1,000 Xero calls are used up but for the 100 kept for sending orders "
        "and customers to Xero: syncs wait until calls free up, the next at 09:00 UTC."
    )


def test_the_outlook_from_the_run_log(db_engine: Engine) -> None:
    with db_engine.begin() as connection:
        set_option(connection, "daily_call_budget", "1000")
    now = datetime.now(UTC)

    def outlook() -> dict[str, object]:
        with db_engine.connect() as connection:
            return sync_outlook(connection, now).to_json()

    full = outlook()
    assert full["today"] == {  # type: ignore[comparison-overlap]
        "calls_used": 0,
        "calls_left": 1000,
        "daily_budget": 1000,
        "push_reserve": 100,
        "push_calls": 0,
        "forecast_calls": 6 * (86400 // 576),  # 900 for passes less the 100
        "warning": OK,
        "message": "Today's 1,000 Xero calls are enough at this rate: about 900 in the next "
        "24 hours.",
        "runs_out_at": None,
        "bytes_read": 0,
        "wire_bytes": 0,
        "forecast_bytes_read": 0,
        "forecast_wire_bytes": 0,
    }
    run_id = _run(db_engine, now - 2 * HOUR, "ok", read=("contacts",), calls=800)
    with db_engine.begin() as connection:
        add_run_counts(connection, run_id, "push", calls=20)
    low = outlook()["today"]
    assert low["warning"] == LOW and low["push_calls"] == 20  # type: ignore[index]
    assert low["forecast_calls"] == 900 + 20  # type: ignore[index]
    _run(db_engine, now - HOUR, "day_limit", calls=150)
    spent = outlook()
    assert spent["today"]["warning"] == SPENT  # type: ignore[index]
    assert spent["freshness"]["contacts"]["age_seconds"] == 7200  # type: ignore[index]
