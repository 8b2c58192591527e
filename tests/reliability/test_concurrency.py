"""Two runners on one PostgreSQL database while the CRM keeps writing.

A GUI-style runner (``app.run_sync_pass`` in a loop on a thread of its own,
as the desktop app's runner process calls it) and a ``xerodesk sync --watch``
service share one database for a sustained period while a writer adds
customers and confirmed quotes. Runs must never overlap (``xd_run``'s start
and finish times), a runner turned away must be told who holds the database,
and at the end every CRM record is in Xero exactly once with its outbox row
done.
"""

from __future__ import annotations

import asyncio
import itertools
import signal
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.support.databases import DatabaseFactory
from tests.support.reliability import (
    TIME_SCALE,
    CrmBatch,
    make_crm_batch,
    outbox_states,
    record,
    sandbox_duplicates,
    sandbox_holds,
    scale,
    xerodesk,
)
from tests.support.sandbox import TEST_CLIENT_ID, TEST_CLIENT_SECRET, start_sandbox
from xerodesk import app
from xerodesk.engine.lock import RunnerBusyError
from xerodesk.store.database import open_engine
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


@pytest.mark.slow
@pytest.mark.network_db
@pytest.mark.parametrize("kind", SCALE.concurrency_kinds)
def test_one_runner_at_a_time_and_every_push_once(
    database_factory: DatabaseFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
) -> None:
    sandbox = start_sandbox(generate="demo", seed=3, rate_limits="off", clock_scale=TIME_SCALE)
    url = database_factory.fresh(kind)
    engine = open_engine(url)
    stop = threading.Event()
    tally = {"passes": 0, "refused": 0, "errors": 0}
    monkeypatch.setenv("XERODESK_CLIENT_ID", TEST_CLIENT_ID)
    monkeypatch.setenv("XERODESK_CLIENT_SECRET", TEST_CLIENT_SECRET)
    settings = app.SyncSettings(url, sandbox.base_url, trigger="gui", time_scale=TIME_SCALE)
    service = xerodesk(["sync", "--watch", "--db", url, "--xero", sandbox.base_url], tmp_path)
    thread = threading.Thread(target=gui_runner, args=(settings, stop, tally), daemon=True)
    batches: list[CrmBatch] = []
    try:
        generated = sandbox_duplicates(sandbox)
        thread.start()
        deadline = time.monotonic() + SCALE.concurrency_seconds
        while time.monotonic() < deadline:
            batches.append(make_crm_batch(engine, f"C{len(batches)}", 1))
            time.sleep(1.0)
    finally:
        stop.set()
        thread.join(600)
        service.send_signal(signal.SIGTERM)
        _, err = service.communicate(timeout=600)
    try:
        assert service.returncode == 0, err
        assert "Traceback" not in err
        # whatever was left queued goes with one last pass
        asyncio.run(app.run_sync_pass(app.SyncSettings(url, sandbox.base_url, trigger="final")))
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
        assert tally["errors"] == 0
        assert duplicates == {}
        assert held == {"contacts": pushed, "items": pushed, "invoices": pushed}
        assert states == {"done": 3 * pushed}
    finally:
        engine.dispose()
        sandbox.close()
