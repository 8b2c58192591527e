"""Crash safety: kill -9 a real `xerodesk sync` at many moments, restart, converge.

Each trial starts a sync process against the sandbox, kills it with SIGKILL
at a moment spread over the pass (a moment after it committed another page),
and starts it again; after the last kill a run is let finish. The CRM tables
must then equal those of an uninterrupted run (compared by value, database
ids aside), with nothing duplicated. Run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Integer, func, select
from sqlalchemy.exc import DBAPIError

from tests.support.databases import DatabaseFactory
from tests.support.reliability import TABLES
from tests.support.sandbox import TEST_CLIENT_ID, TEST_CLIENT_SECRET, RunningSandbox, start_sandbox
from xerodesk.store import models  # noqa: F401  (register the tables)
from xerodesk.store.base import Base
from xerodesk.store.database import open_engine
from xerodesk.store.xd_models import SyncRun, SyncRunEntity

ORG = "contacts=2100,items=200,invoices=4000,credit_notes=1200,purchase_orders=1100"
KILLS_PER_DATABASE = 7
DATABASES = 3
CRASH_KINDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="module")
def org_sandbox() -> Iterator[RunningSandbox]:
    running = start_sandbox(generate=ORG, seed=7, rate_limits="off")
    yield running
    running.close()


def _env(home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "XERODESK_HOME": str(home),
        "XERODESK_CLIENT_ID": TEST_CLIENT_ID,
        "XERODESK_CLIENT_SECRET": TEST_CLIENT_SECRET,
    }


def _sync(base: str, url: str, home: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "xerodesk", "sync", *extra, "--db", url, "--xero", base],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(home),
    )


def canonical(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every CRM table's rows by value: integer ids and links left out, sorted."""
    engine = open_engine(url)
    try:
        result: dict[str, list[tuple[Any, ...]]] = {}
        with engine.connect() as connection:
            for name in TABLES:
                table = Base.metadata.tables[name]
                columns = [
                    c
                    for c in table.c
                    if not (
                        isinstance(c.type, Integer) and (c.name == "id" or c.name.endswith("_id"))
                    )
                ]
                rows = connection.execute(select(*columns)).all()
                result[name] = sorted((tuple(r) for r in rows), key=repr)
        return result
    finally:
        engine.dispose()


def _pages_saved(url: str) -> int:
    """Pages committed so far over every run (each page commits its count with it)."""
    engine = open_engine(url, check=False)
    try:
        with engine.connect() as connection:
            return int(
                connection.scalar(select(func.coalesce(func.sum(SyncRunEntity.pages), 0))) or 0
            )
    except DBAPIError:
        return 0
    finally:
        engine.dispose()


def _outcomes(url: str) -> list[str | None]:
    engine = open_engine(url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(select(SyncRun.outcome).order_by(SyncRun.id)).scalars())
    finally:
        engine.dispose()


def _kill_after_progress(
    base: str, url: str, home: Path, rng: random.Random, timeout: float = 120.0
) -> bool:
    """Start a sync, let it commit at least one more page, kill -9 it a moment later.

    Returns False when the process finished before it could be killed.
    """
    before = _pages_saved(url)
    process = _sync(base, url, home)
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        if _pages_saved(url) > before:
            time.sleep(rng.uniform(0.0, 0.25))  # land anywhere: mid-request, mid-write
            break
        time.sleep(0.02)
    alive = process.poll() is None
    if alive:
        process.send_signal(signal.SIGKILL)
    process.wait(60)
    if process.stderr is not None:
        process.stderr.close()
    return alive


def _finish(base: str, url: str, home: Path) -> None:
    final = _sync(base, url, home)
    _, err = final.communicate(timeout=600)
    assert final.returncode == 0, err


@pytest.mark.slow
@pytest.mark.timeout(900)  # 21 kills and restarts of a real sync, then a final pass
@pytest.mark.parametrize("kind", CRASH_KINDS)
def test_kill_9_at_many_moments_converges(
    org_sandbox: RunningSandbox, database_factory: DatabaseFactory, tmp_path: Path, kind: str
) -> None:
    base = org_sandbox.base_url
    clean = database_factory.fresh(kind)
    _finish(base, clean, tmp_path / "clean")
    expected = canonical(clean)
    assert len(expected["sales_transaction"]) > 1000

    rng = random.Random(20261124)
    kills = 0
    for trial in range(DATABASES):
        url = database_factory.fresh(kind)
        for _ in range(KILLS_PER_DATABASE):
            kills += _kill_after_progress(base, url, tmp_path / f"t{trial}", rng)
        _finish(base, url, tmp_path / f"t{trial}")
        got = canonical(url)
        for table in TABLES:
            assert len(got[table]) == len(expected[table]), f"trial {trial}: {table} count"
            assert got[table] == expected[table], f"trial {trial}: {table} differs"
    print(f"{kind}: {kills} of {DATABASES * KILLS_PER_DATABASE} syncs killed mid-pass")
    assert kills >= 20, f"only {kills} processes were still running when killed"


@pytest.mark.slow
@pytest.mark.parametrize("kind", CRASH_KINDS)
def test_stop_mid_pass_finishes_the_page_and_resumes(
    org_sandbox: RunningSandbox, database_factory: DatabaseFactory, tmp_path: Path, kind: str
) -> None:
    base = org_sandbox.base_url
    clean = database_factory.fresh(kind)
    _finish(base, clean, tmp_path / "clean")

    url = database_factory.fresh(kind)
    service = _sync(base, url, tmp_path / "svc", "--watch")
    deadline = time.monotonic() + 120
    while _pages_saved(url) < 3 and time.monotonic() < deadline and service.poll() is None:
        time.sleep(0.02)
    service.send_signal(signal.SIGTERM)
    _, err = service.communicate(timeout=120)
    assert service.returncode == 0, err
    assert "Traceback" not in err
    assert _outcomes(url) == ["cancelled"]
    _finish(base, url, tmp_path / "svc")
    assert canonical(url) == canonical(clean)
