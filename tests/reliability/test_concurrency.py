"""Two runners on one PostgreSQL database while the CRM keeps writing.

A GUI-style runner (``app.run_sync_pass`` in a loop on a thread of its own,
as the desktop app's runner process calls it) and a ``xerodesk sync --watch``
service share one database for a sustained period while a writer adds
customers and confirmed quotes. The service holds the database first and
makes scheduled passes (one a minute) while the GUI-style runner is turned
away; half-way the service stops and the GUI-style runner takes over. Runs
must never overlap (``xd_run``'s start and finish times), each runner must
have made passes of its own, a runner turned away must be told who holds the
database, and at the end every CRM record is in Xero exactly once with its
outbox row done.
"""

from __future__ import annotations

import asyncio
import itertools
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from tests.support.databases import DatabaseFactory
from tests.support.reliability import (
    TIME_SCALE,
    CrmBatch,
    make_crm_batch,
    outbox_states,
    record,
    reliability_sandbox,
    sandbox_duplicates,
    sandbox_holds,
    scale,
    xerodesk,
)
from tests.support.sandbox import (
    TEST_CLIENT_ID,
    TEST_CLIENT_SECRET,
    RunningSandbox,
)
from xerodesk import app
from xerodesk.engine.lock import RunnerBusyError, current_holder
from xerodesk.store.database import open_engine
from xerodesk.store.options import set_option
from xerodesk.store.xd_models import SyncRun

SCALE = scale()
pytestmark = pytest.mark.timeout(3600)


def gui_runner(settings: app.SyncSettings, stop: threading.Event, tally: dict[str, int]) -> None:
    """Passes one after another until told to stop, as the app's runner makes them."""
    while not stop.is_set():
        try:
            asyncio.run(app.run_sync_pass(settings))
            tally["passes"] += 1
        except RunnerBusyError as error:
            assert "another xerodesk" in str(error)
            tally["refused"] += 1
        except Exception as error:
            tally["errors"] += 1
            print(f"gui runner: {type(error).__name__}: {error}")
        stop.wait(0.5)


def finished_runs(engine: Engine, trigger: str) -> int:
    with engine.connect() as connection:
        query = select(func.count()).where(
            SyncRun.trigger == trigger, SyncRun.finished_at.is_not(None)
        )
        return int(connection.scalar(query) or 0)


def shortest_interval(engine: Engine) -> None:
    """Scheduled passes once a minute, the shortest interval the option allows."""
    with engine.begin() as connection:
        set_option(connection, "sync_interval_minutes", "1")


def lease_holder(engine: Engine) -> str:
    with engine.connect() as connection:
        holder = current_holder(connection)
    return holder.holder or "" if holder is not None else ""


def wait_for(condition: Callable[[], bool], until: float, limit: float) -> None:
    """Wait until ``condition()`` and the monotonic time ``until``; at most ``limit`` s."""
    give_up = time.monotonic() + limit
    while time.monotonic() < give_up and not (condition() and time.monotonic() >= until):
        time.sleep(0.2)


def check_and_record(
    engine: Engine,
    sandbox: RunningSandbox,
    batches: list[CrmBatch],
    generated: dict[str, dict[str, int]],
    tally: dict[str, int],
    watch_seconds: float,
    kind: str,
) -> None:
    """The runs never overlapped, both runners made passes, every push once."""
    with engine.connect() as connection:
        runs = connection.execute(
            select(SyncRun.started_at, SyncRun.finished_at, SyncRun.trigger).order_by(
                SyncRun.started_at
            )
        ).all()
    overlaps = [
        (a.trigger, b.trigger)
        for a, b in itertools.pairwise(runs)
        if a.finished_at is None or b.started_at < a.finished_at
    ]
    states = outbox_states(engine)
    held: dict[str, int] = {}
    for batch in batches:
        for key, count in sandbox_holds(sandbox, batch).items():
            held[key] = held.get(key, 0) + count
    duplicates = sandbox_duplicates(sandbox, generated)
    pushed = len(batches)
    triggers: dict[str, int] = {}
    for run in runs:
        triggers[run.trigger] = triggers.get(run.trigger, 0) + 1
    record(
        f"concurrency_{kind}",
        {
            "database": kind,
            "seconds": SCALE.concurrency_seconds,
            "crm_records_written": 3 * pushed,
            "runs_by_trigger": triggers,
            "watch_seconds": round(watch_seconds, 1),
            "watch_scheduled_passes": triggers.get("schedule", 0),
            "gui_passes": tally["passes"],
            "gui_refused": tally["refused"],
            "gui_errors": tally["errors"],
            "overlapping_runs": len(overlaps),
            "outbox": states,
            "sandbox_duplicates": duplicates,
            "held": held,
        },
    )
    assert overlaps == [], overlaps
    # both runners made passes of their own: the database was handed over
    assert triggers.get("schedule", 0) >= 1, triggers
    assert tally["passes"] >= 1 and triggers.get("gui", 0) >= 1, (tally, triggers)
    # the GUI-style runner was turned away while the service held the database
    assert tally["refused"] >= 1, tally
    assert tally["errors"] == 0
    assert duplicates == {}
    assert held == {"contacts": pushed, "items": pushed, "invoices": pushed}
    assert states == {"done": 3 * pushed}


@pytest.mark.network_db
@pytest.mark.parametrize("kind", SCALE.concurrency_kinds)
def test_one_runner_at_a_time_and_every_push_once(
    database_factory: DatabaseFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
) -> None:
    """The watch service takes the database first and makes its scheduled passes
    (one a minute, the shortest interval) while the GUI-style runner is turned
    away, told who holds it; half-way the service is stopped and the GUI-style
    runner takes over. The CRM writes all along."""
    sandbox = reliability_sandbox(generate="demo", seed=3)
    url = database_factory.fresh(kind)
    engine = open_engine(url)
    shortest_interval(engine)
    stop = threading.Event()
    tally = {"passes": 0, "refused": 0, "errors": 0}
    monkeypatch.setenv("XERODESK_CLIENT_ID", TEST_CLIENT_ID)
    monkeypatch.setenv("XERODESK_CLIENT_SECRET", TEST_CLIENT_SECRET)
    settings = app.SyncSettings(url, sandbox.base_url, trigger="gui", time_scale=TIME_SCALE)
    service = xerodesk(["sync", "--watch", "--db", url, "--xero", sandbox.base_url], tmp_path)
    thread = threading.Thread(target=gui_runner, args=(settings, stop, tally), daemon=True)
    batches: list[CrmBatch] = []
    half = SCALE.concurrency_seconds / 2
    watch_seconds = 0.0
    err = ""

    def write_until(moment: float) -> None:
        while time.monotonic() < moment:
            batches.append(make_crm_batch(engine, f"C{len(batches)}", 1))
            time.sleep(1.0)

    try:
        generated = sandbox_duplicates(sandbox)
        started = time.monotonic()
        wait_for(lambda: lease_holder(engine).startswith("xerodesk-watch"), started, 120)
        assert lease_holder(engine).startswith("xerodesk-watch"), "the service never started"
        thread.start()
        write_until(started + half)
        # the service's scheduled pass is let finish (on a loaded machine it may
        # outlast half the window), then it is stopped and the GUI-style runner
        # takes the database over
        wait_for(lambda: finished_runs(engine, "schedule") >= 1, started + half, 600)
        service.send_signal(signal.SIGTERM)
        _, err = service.communicate(timeout=600)
        watch_seconds = time.monotonic() - started
        handed_over = time.monotonic()
        write_until(handed_over + SCALE.concurrency_seconds - half)
        wait_for(lambda: tally["passes"] >= 1, handed_over, 600)
    finally:
        stop.set()
        thread.join(600)
        if service.poll() is None:
            service.send_signal(signal.SIGTERM)
            _, err = service.communicate(timeout=600)
    try:
        assert service.returncode == 0, err
        assert "Traceback" not in err
        # whatever was left queued goes with one last pass
        asyncio.run(app.run_sync_pass(app.SyncSettings(url, sandbox.base_url, trigger="final")))
        check_and_record(engine, sandbox, batches, generated, tally, watch_seconds, kind)
    finally:
        engine.dispose()
        sandbox.close()
