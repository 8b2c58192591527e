"""One runner per database: the second sees who holds it, and takes over from the dead."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from xerodesk.engine.lock import RunnerBusyError, RunnerLock, current_holder
from xerodesk.store.database import open_engine


def _second_engine(engine: Engine) -> Engine:
    """Another process's view of the same database: its own engine and pool."""
    return open_engine(engine.url.render_as_string(hide_password=False))


def test_second_runner_is_refused_with_who_and_since(db_engine: Engine) -> None:
    other_engine = _second_engine(db_engine)
    first = RunnerLock(db_engine, holder="desktop-app")
    second = RunnerLock(other_engine, holder="watch-service")
    try:
        first.acquire()
        with pytest.raises(RunnerBusyError) as refused:
            second.acquire()
        message = str(refused.value)
        assert "desktop-app" in message and "syncing this database since" in message
        with db_engine.connect() as connection:
            holder = current_holder(connection)
        assert holder is not None and holder.holder == "desktop-app"
        assert holder.acquired_at is not None
        first.release()
        second.acquire()
        with db_engine.connect() as connection:
            holder = current_holder(connection)
        assert holder is not None and holder.holder == "watch-service"
        second.release()
    finally:
        other_engine.dispose()


def test_heartbeat_keeps_the_lease(db_engine: Engine) -> None:
    lock = RunnerLock(db_engine, holder="one", ttl=timedelta(seconds=2))
    lock.acquire()
    with db_engine.connect() as connection:
        before = current_holder(connection)
    time.sleep(0.05)
    lock.heartbeat()
    with db_engine.connect() as connection:
        after = current_holder(connection)
    assert before is not None and after is not None
    assert after.expires_at is not None and before.expires_at is not None
    assert after.expires_at > before.expires_at
    assert after.acquired_at == before.acquired_at
    lock.release()


def test_a_dead_holder_is_taken_over_after_expiry(db_engine: Engine) -> None:
    other_engine = _second_engine(db_engine)
    dead = RunnerLock(other_engine, holder="crashed", ttl=timedelta(seconds=1))
    alive = RunnerLock(db_engine, holder="survivor")
    try:
        dead.acquire()
        # the holder dies: its connections go away without releasing anything
        if dead._advisory is not None:
            dead._advisory.invalidate()
            dead._advisory = None
        other_engine.dispose()
        with pytest.raises(RunnerBusyError):
            alive.acquire()
        time.sleep(1.2)
        alive.acquire()
        with db_engine.connect() as connection:
            holder = current_holder(connection)
        assert holder is not None and holder.holder == "survivor"
        with pytest.raises(RunnerBusyError):
            dead.heartbeat()  # a holder that comes back finds its lease gone
        alive.release()
    finally:
        other_engine.dispose()


def test_a_holder_whose_process_died_on_this_host_is_replaced_at_once(
    db_engine: Engine,
) -> None:
    import subprocess
    import sys

    from sqlalchemy import update

    from xerodesk.store.xd_models import RunnerLease

    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead_pid = int(gone.stdout)
    killed = RunnerLock(db_engine, holder="killed")
    killed.acquire()
    if killed._advisory is not None:  # the server drops a dead session's advisory lock
        killed._advisory.invalidate()
        killed._advisory = None
    with db_engine.begin() as connection:
        connection.execute(update(RunnerLease).values(pid=dead_pid))
    other_engine = _second_engine(db_engine)
    try:
        RunnerLock(other_engine, holder="restarted").acquire()
        with db_engine.connect() as connection:
            holder = current_holder(connection)
        assert holder is not None and holder.holder == "restarted"
    finally:
        other_engine.dispose()
