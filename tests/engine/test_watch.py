"""`xerodesk sync --watch`: a real service process, stopped by signals, one per database."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from tests.support.sandbox import TEST_CLIENT_ID, TEST_CLIENT_SECRET, RunningSandbox, start_sandbox


@pytest.fixture
def demo_sandbox() -> Iterator[RunningSandbox]:
    running = start_sandbox(rate_limits="off")
    yield running
    running.close()


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
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _runs(db: Path) -> list[tuple[str, str | None]]:
    if not db.exists():
        return []
    try:
        with sqlite3.connect(db) as connection:
            return list(connection.execute("select trigger, outcome from xd_run order by id"))
    except sqlite3.OperationalError:
        return []


def _wait_for(predicate: object, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError("timed out")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_watch_runs_passes_and_stops_cleanly_on_a_signal(
    demo_sandbox: RunningSandbox, tmp_path: Path, signum: int
) -> None:
    db = tmp_path / "crm.db"
    service = _watch(demo_sandbox.base_url, db, tmp_path)
    try:
        _wait_for(lambda: any(outcome == "ok" for _, outcome in _runs(db)))
        service.send_signal(signum)
        _out, err = service.communicate(timeout=60)
    finally:
        if service.poll() is None:
            service.kill()
    assert service.returncode == 0, err
    assert "Traceback" not in err
    assert "stopped after 1 pass" in err
    runs = _runs(db)
    assert runs[0] == ("schedule", "ok")
    with sqlite3.connect(db) as connection:
        assert connection.execute("select count(*) from sales_ledger").fetchone()[0] > 0
        holder = connection.execute("select holder from xd_lease").fetchone()
    assert holder == (None,)  # the lease was released


def test_a_second_watcher_waits_for_the_first(demo_sandbox: RunningSandbox, tmp_path: Path) -> None:
    db = tmp_path / "crm.db"
    first = _watch(demo_sandbox.base_url, db, tmp_path / "one")
    second: subprocess.Popen[str] | None = None
    try:
        _wait_for(lambda: any(outcome == "ok" for _, outcome in _runs(db)))
        second = _watch(demo_sandbox.base_url, db, tmp_path / "two")
        assert second.stderr is not None
        seen = [second.stderr.readline() for _ in range(2)]
        busy = next(line for line in seen if "syncing this database since" in line)
        assert "xerodesk-watch" in busy
        assert len(_runs(db)) == 1  # the second did not sync
        second.send_signal(signal.SIGTERM)
        second.communicate(timeout=60)
        assert second.returncode == 0
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(60)
    assert first.returncode == 0


def test_watch_pushes_a_new_customer_and_order_within_seconds(
    demo_sandbox: RunningSandbox, tmp_path: Path
) -> None:
    from tests.engine.push_support import crm_customer, crm_product, crm_quote
    from xerodesk.store.database import open_engine

    db = tmp_path / "crm.db"
    service = _watch(demo_sandbox.base_url, db, tmp_path)
    engine = None
    try:
        _wait_for(lambda: any(outcome == "ok" for _, outcome in _runs(db)))
        engine = open_engine(f"sqlite:///{db}")
        ledger = crm_customer(engine, "Walk-in Customer Ltd", email="walkin@example.com")
        product = crm_product(engine, "WALKIN-1", sell_price=Decimal("9.50"))
        committed = time.monotonic()
        quote = crm_quote(
            engine, ledger, "Q-WATCH-1", [(product, "Walk-in widget", "2", "9.50", None, None)]
        )

        def invoice_written() -> bool:
            with sqlite3.connect(db) as connection:
                row = connection.execute(
                    "select xero_invoice_id, push_state from quote where id = ?", (quote,)
                ).fetchone()
            return bool(row and row[0] and row[1] == "sent")

        _wait_for(invoice_written, timeout=60)
        elapsed = time.monotonic() - committed
        invoices = demo_sandbox.api(
            "GET", "/Invoices", params={"where": 'Reference=="Q-WATCH-1"'}
        ).json()["Invoices"]
        assert len(invoices) == 1
        assert invoices[0]["Status"] == "DRAFT"
        assert elapsed < 15, f"the order took {elapsed:.1f} s to reach Xero"
        with sqlite3.connect(db) as connection:
            contact = connection.execute(
                "select sales_ledger_id from sales_ledger where id = ?", (ledger,)
            ).fetchone()[0]
        assert contact == invoices[0]["Contact"]["ContactID"]
    finally:
        if engine is not None:
            engine.dispose()
        service.send_signal(signal.SIGTERM)
        service.wait(60)
    assert service.returncode == 0
