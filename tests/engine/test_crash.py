"""Crash safety: kill -9 a real `xerodesk sync` at many moments, restart, converge.

Each trial starts a sync process against the sandbox, kills it with SIGKILL
at a moment spread over the pass, and starts it again; after the last kill a
run is let finish. The CRM tables must then equal those of an uninterrupted
run (compared by value, database ids aside), with nothing duplicated.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Integer, select

from tests.support.sandbox import TEST_CLIENT_ID, TEST_CLIENT_SECRET, RunningSandbox, start_sandbox
from xerodesk.store import models  # noqa: F401  (register the tables)
from xerodesk.store.base import Base
from xerodesk.store.database import open_engine

ORG = "contacts=600,items=200,invoices=2500,credit_notes=500,purchase_orders=400"
TABLES = (
    "company",
    "division",
    "sales_ledger",
    "purchase_ledger",
    "contact",
    "product",
    "stock_level",
    "warehouse",
    "sales_order_header",
    "sales_transaction",
    "purchase_order_header",
    "purchase_transaction",
    "vat_code",
    "currency",
)
KILLS_PER_DATABASE = 7
DATABASES = 4


@pytest.fixture(scope="module")
def org_sandbox() -> Iterator[RunningSandbox]:
    running = start_sandbox(generate=ORG, seed=7, rate_limits="off")
    yield running
    running.close()


def _sync(base: str, db: Path, home: Path) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "XERODESK_HOME": str(home),
        "XERODESK_CLIENT_ID": TEST_CLIENT_ID,
        "XERODESK_CLIENT_SECRET": TEST_CLIENT_SECRET,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "xerodesk", "sync", "--db", f"sqlite:///{db}", "--xero", base],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def canonical(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every CRM table's rows by value: integer ids and links left out, sorted."""
    engine = open_engine(f"sqlite:///{db}")
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


def _pages_saved(db: Path) -> int:
    """Pages committed so far over every run (each page commits its count with it)."""
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=5) as connection:
            row = connection.execute("select coalesce(sum(pages), 0) from xd_run_entity").fetchone()
            return int(row[0])
    except sqlite3.OperationalError:
        return 0


def _kill_after_progress(
    base: str, db: Path, home: Path, rng: random.Random, timeout: float = 120.0
) -> bool:
    """Start a sync, let it commit at least one more page, kill -9 it a moment later.

    Returns False when the process finished before it could be killed.
    """
    before = _pages_saved(db)
    process = _sync(base, db, home)
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        if _pages_saved(db) > before:
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


@pytest.mark.slow
def test_kill_9_at_many_moments_converges(org_sandbox: RunningSandbox, tmp_path: Path) -> None:
    base = org_sandbox.base_url
    clean_db = tmp_path / "clean.db"
    clean = _sync(base, clean_db, tmp_path / "clean")
    _, err = clean.communicate(timeout=600)
    assert clean.returncode == 0, err
    expected = canonical(clean_db)
    assert len(expected["sales_transaction"]) > 1000

    rng = random.Random(20261124)
    kills = 0
    for trial in range(DATABASES):
        db = tmp_path / f"trial{trial}.db"
        for _ in range(KILLS_PER_DATABASE):
            kills += _kill_after_progress(base, db, tmp_path / f"t{trial}", rng)
        final = _sync(base, db, tmp_path / f"t{trial}")
        _, err = final.communicate(timeout=600)
        assert final.returncode == 0, err
        got = canonical(db)
        for table in TABLES:
            assert len(got[table]) == len(expected[table]), f"trial {trial}: {table} count"
            assert got[table] == expected[table], f"trial {trial}: {table} differs"
    assert kills >= 20, f"only {kills} processes were still running when killed"


def _watch(base: str, db: Path, home: Path) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "XERODESK_HOME": str(home),
        "XERODESK_CLIENT_ID": TEST_CLIENT_ID,
        "XERODESK_CLIENT_SECRET": TEST_CLIENT_SECRET,
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "xerodesk",
            "sync",
            "--watch",
            "--db",
            f"sqlite:///{db}",
            "--xero",
            base,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


@pytest.mark.slow
def test_stop_mid_pass_finishes_the_page_and_resumes(
    org_sandbox: RunningSandbox, tmp_path: Path
) -> None:
    base = org_sandbox.base_url
    clean_db = tmp_path / "clean.db"
    clean = _sync(base, clean_db, tmp_path / "clean")
    _, err = clean.communicate(timeout=600)
    assert clean.returncode == 0, err

    db = tmp_path / "stopped.db"
    service = _watch(base, db, tmp_path / "svc")
    deadline = time.monotonic() + 120
    while _pages_saved(db) < 3 and time.monotonic() < deadline and service.poll() is None:
        time.sleep(0.02)
    service.send_signal(signal.SIGTERM)
    _, err = service.communicate(timeout=120)
    assert service.returncode == 0, err
    assert "Traceback" not in err
    with sqlite3.connect(db) as connection:
        outcome = connection.execute("select outcome from xd_run order by id").fetchall()
    assert outcome == [("cancelled",)]
    resumed = _sync(base, db, tmp_path / "svc")
    _, err = resumed.communicate(timeout=600)
    assert resumed.returncode == 0, err
    assert canonical(db) == canonical(clean_db)
