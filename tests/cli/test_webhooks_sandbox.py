"""`xerodesk sync --watch --webhooks` against a sandbox that sends webhooks as Xero does.

Real processes and a real database: the sandbox's intent-to-receive check
passes against the watch's receiver, a change made in Xero reaches the CRM
through a delivery and a read by id (no pass in between), and a watch killed
with SIGKILL after storing an event but before reading its record loses
nothing: the record arrives when it is started again.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from tests.cli.test_webhooks import _env, _receiver_url, _watch, _xerodesk
from tests.support import orgs
from tests.support.databases import DatabaseFactory
from tests.support.sandbox import RunningSandbox, start_sandbox
from tests.support.webhooks import KEY
from xerodesk.store.database import open_engine
from xerodesk.store.models import SalesLedger
from xerodesk.store.webhook_events import waiting_counts
from xerodesk.store.xd_models import SyncRun

__all__ = ["_env"]

#: real seconds the tests wait at most for something the watch does in well under one
PATIENCE = 90.0


@pytest.fixture
def master() -> Iterator[RunningSandbox]:
    running = start_sandbox(rate_limits="off")
    running.control("POST", "/load", orgs.documents_org())
    yield running
    running.close()


@pytest.fixture
def crm(database_factory: DatabaseFactory) -> Iterator[Engine]:
    engine = open_engine(database_factory.fresh("sqlite"))
    yield engine
    engine.dispose()


def eventually(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + PATIENCE
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.1)


def runs(crm: Engine, trigger: str) -> int:
    with crm.connect() as connection:
        query = (
            select(func.count())
            .select_from(SyncRun)
            .where(SyncRun.trigger == trigger, SyncRun.outcome == "ok")
        )
        return int(connection.scalar(query) or 0)


def email(crm: Engine) -> str | None:
    with crm.connect() as connection:
        return connection.scalar(
            select(SalesLedger.email).where(SalesLedger.sales_ledger_id == orgs.ACME)
        )


def waiting(crm: Engine) -> dict[str, int]:
    with crm.connect() as connection:
        return waiting_counts(connection)


def edit_email(sandbox: RunningSandbox, address: str) -> None:
    changes = {"EmailAddress": address}
    sandbox.control(
        "POST", "/edit", {"collection": "Contacts", "id": orgs.ACME, "changes": changes}
    )


def test_a_change_in_xero_arrives_by_webhook_and_survives_a_kill(
    master: RunningSandbox, crm: Engine, tmp_path: Path
) -> None:
    base = master.base_url
    assert (
        _xerodesk("webhooks", "set-key", "--xero", base, home=tmp_path, stdin=KEY).returncode == 0
    )
    service = _watch(base, crm, tmp_path, "127.0.0.1:0")
    try:
        url = _receiver_url(service)
        eventually(lambda: runs(crm, "schedule") >= 1, "the first pass")
        master.control("POST", "/webhooks", {"url": url, "key": KEY, "batch_seconds": 0.2})
        intent = master.control("POST", "/webhooks/intent")
        assert intent["passed"], intent
        # a change in Xero: delivered, stored and read by id, long before the next pass
        edit_email(master, "first@example.com")
        eventually(lambda: email(crm) == "first@example.com", "the delivered change in the CRM")
        assert runs(crm, "webhook") == 1
        assert runs(crm, "schedule") == 1
        # the next read by id is held up in Xero; the watch dies after storing its event
        master.control("POST", "/faults", {"queue": ["timeout"]})
        edit_email(master, "second@example.com")
        eventually(lambda: waiting(crm) == {"CONTACT": 1}, "the second event stored")
        service.send_signal(signal.SIGKILL)
        service.wait(30)
    finally:
        if service.poll() is None:
            service.kill()
            service.wait(10)
    assert email(crm) == "first@example.com"
    assert waiting(crm) == {"CONTACT": 1}  # kept: the SIGKILL lost nothing
    master.control("POST", "/faults", {"clear": True})
    again = _watch(base, crm, tmp_path, "127.0.0.1:0")
    try:
        _receiver_url(again)
        eventually(lambda: email(crm) == "second@example.com", "the record after the restart")
        eventually(lambda: waiting(crm) == {}, "the event done")
        again.send_signal(signal.SIGTERM)
        _, err = again.communicate(timeout=60)
    finally:
        if again.poll() is None:
            again.kill()
            again.wait(10)
    assert again.returncode == 0, err
    assert "Traceback" not in err
