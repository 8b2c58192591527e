"""`xerodesk sync --watch`: a real service process, stopped by signals, one per database.

Each test runs on SQLite and on PostgreSQL (where pushes are noticed through
LISTEN/NOTIFY rather than by polling).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import IO

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from tests.support.databases import DatabaseFactory
from tests.support.sandbox import TEST_CLIENT_ID, TEST_CLIENT_SECRET, RunningSandbox, start_sandbox
from xerodesk.store.database import open_engine


@pytest.fixture
def demo_sandbox() -> Iterator[RunningSandbox]:
    running = start_sandbox(rate_limits="off")
    yield running
    running.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def watch_db(request: pytest.FixtureRequest, database_factory: DatabaseFactory) -> Iterator[Engine]:
    """A fresh database for the service; the engine reads what the service wrote."""
    engine = open_engine(database_factory.fresh(request.param))
    yield engine
    engine.dispose()


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _watch(
    base: str, db: Engine, home: Path, stderr: int | IO[str] = subprocess.PIPE, **extra: str
) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "XERODESK_HOME": str(home),
        "XERODESK_CLIENT_ID": TEST_CLIENT_ID,
        "XERODESK_CLIENT_SECRET": TEST_CLIENT_SECRET,
        **extra,
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "xerodesk",
            "sync",
            "--watch",
            "--db",
            _url(db),
            "--xero",
            base,
        ],
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        env=env,
    )


def _runs(db: Engine) -> list[tuple[str, str | None]]:
    try:
        with db.connect() as connection:
            rows = connection.execute(text("select trigger, outcome from xd_run order by id"))
            return [(row[0], row[1]) for row in rows]
    except DBAPIError:
        return []


def _scalar(db: Engine, sql: str, **params: object) -> object:
    with db.connect() as connection:
        return connection.execute(text(sql), params).scalar()


def _wait_for(predicate: object, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError("timed out")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_watch_runs_passes_and_stops_cleanly_on_a_signal(
    demo_sandbox: RunningSandbox, watch_db: Engine, tmp_path: Path, signum: int
) -> None:
    db = watch_db
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
    assert int(_scalar(db, "select count(*) from sales_ledger")) > 0  # type: ignore[call-overload]
    assert _scalar(db, "select holder from xd_lease") is None  # the lease was released


def test_under_systemd_each_pass_is_a_line_in_the_journal(
    demo_sandbox: RunningSandbox, watch_db: Engine, tmp_path: Path
) -> None:
    """systemd names the journal stream in JOURNAL_STREAM: the watch then logs its passes there."""
    journal = tmp_path / "journal"
    with journal.open("w", encoding="utf-8") as stream:
        stat = os.fstat(stream.fileno())
        service = _watch(
            demo_sandbox.base_url, watch_db, tmp_path, stream,
            JOURNAL_STREAM=f"{stat.st_dev}:{stat.st_ino}",
        )  # fmt: skip
        try:
            _wait_for(lambda: "<6>next pass at" in journal.read_text(encoding="utf-8"))
            service.send_signal(signal.SIGTERM)
            service.communicate(timeout=60)
        finally:
            if service.poll() is None:
                service.kill()
    assert service.returncode == 0
    lines = journal.read_text(encoding="utf-8").splitlines()
    finished = [line for line in lines if line.startswith("<6>pass 1 finished: ")]
    assert len(finished) == 1, lines
    assert " created, " in finished[0] and finished[0].endswith(" Xero calls")
    assert "Traceback" not in "\n".join(lines)


def test_a_second_watcher_waits_for_the_first(
    demo_sandbox: RunningSandbox, watch_db: Engine, tmp_path: Path
) -> None:
    db = watch_db
    first = _watch(demo_sandbox.base_url, db, tmp_path / "one")
    second: subprocess.Popen[str] | None = None
    try:
        _wait_for(lambda: any(outcome == "ok" for _, outcome in _runs(db)))
        second = _watch(demo_sandbox.base_url, db, tmp_path / "two")
        assert second.stderr is not None
        seen = [second.stderr.readline() for _ in range(2)]
        busy = next(line for line in seen if "syncing this database since" in line)
        # (on PostgreSQL the test account's password is "xerodesk", so every
        # occurrence of the word is redacted from the output, as secrets are)
        assert "-watch-" in busy and f"pid {first.pid}" in busy
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


def test_watch_pushes_a_new_customer_and_order_at_once(
    demo_sandbox: RunningSandbox, watch_db: Engine, tmp_path: Path
) -> None:
    from tests.engine.push_support import crm_customer, crm_product, crm_quote

    db = engine = watch_db
    service = _watch(demo_sandbox.base_url, db, tmp_path)
    try:
        _wait_for(lambda: any(outcome == "ok" for _, outcome in _runs(db)))
        ledger = crm_customer(engine, "Walk-in Customer Ltd", email="walkin@example.com")
        product = crm_product(engine, "WALKIN-1", sell_price=Decimal("9.50"))
        quote = crm_quote(
            engine, ledger, "Q-WATCH-1", [(product, "Walk-in widget", "2", "9.50", None, None)]
        )

        def invoice_written() -> bool:
            with db.connect() as connection:
                row = connection.execute(
                    text("select xero_invoice_id, push_state from quote where id = :id"),
                    {"id": quote},
                ).one_or_none()
            return bool(row and row[0] and row[1] == "sent")

        _wait_for(invoice_written, timeout=60)
        # pushed at once, not by the next scheduled pass (five minutes on); the
        # push's calls are logged as a run of its own, for the day's count
        _wait_for(lambda: "push" in [trigger for trigger, _ in _runs(db)])
        triggers = [trigger for trigger, _ in _runs(db)]
        assert [trigger for trigger in triggers if trigger != "push"] == ["schedule"]
        with db.connect() as connection:
            pushed = connection.execute(
                text("select sum(calls_used) from xd_run where trigger = 'push'")
            ).scalar()
        assert int(pushed or 0) >= 2  # the customer and the invoice at least
        invoices = demo_sandbox.api(
            "GET", "/Invoices", params={"where": 'Reference=="Q-WATCH-1"'}
        ).json()["Invoices"]
        assert len(invoices) == 1
        assert invoices[0]["Status"] == "DRAFT"
        contact = _scalar(db, "select sales_ledger_id from sales_ledger where id = :id", id=ledger)
        assert contact == invoices[0]["Contact"]["ContactID"]
    finally:
        service.send_signal(signal.SIGTERM)
        service.wait(60)
    assert service.returncode == 0
