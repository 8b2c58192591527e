"""``xerodesk sync --dry-run``: a real pass's figures, with nothing written anywhere.

Every table of the database and the sandbox's organisation are compared
before and after the dry run; then a real pass runs and its figures must be
the ones the dry run reported. On all three databases.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.engine.push_support import crm_customer
from tests.support import orgs
from tests.support.sandbox import RunningSandbox, start_sandbox
from tests.support.sync import CLIENT_ENV, snapshot_tables, sync_pass, table_rows
from xerodesk import app
from xerodesk.engine.dryrun import DryRunReport
from xerodesk.engine.pass_types import PassReport
from xerodesk.store.base import Base


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    running = start_sandbox(rate_limits="off")
    running.control("POST", "/load", orgs.documents_org())
    yield running
    running.close()


@pytest.fixture
def client_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in CLIENT_ENV.items():
        monkeypatch.setenv(name, value)


def every_table(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    return snapshot_tables(engine, [table.name for table in Base.metadata.sorted_tables])


def xero_state(sandbox: RunningSandbox) -> dict[str, Any]:
    return dict(sandbox.state.org.export())


def change_xero(sandbox: RunningSandbox) -> None:
    """Edits, a void, a deletion and a merge, as users would make them in Xero."""
    sandbox.control(
        "POST",
        "/edit",
        {"collection": "Contacts", "id": orgs.ACME, "changes": {"Name": "Acme Trading Group"}},
    )
    invoice = orgs.uid(1, orgs.INV_AUTHORISED)
    sandbox.control("POST", f"/documents/Invoices/{invoice}/status", {"Status": "VOIDED"})
    sandbox.control("DELETE", f"/items/{orgs.UNTRACKED}")
    sandbox.control("POST", "/contacts/merge", {"from": orgs.BOTH, "into": orgs.ACME})


def dry_run(sandbox: RunningSandbox, url: str, *, full: bool = False) -> DryRunReport:
    settings = app.SyncSettings(db_url=url, xero_url=sandbox.base_url, full=full)
    return asyncio.run(app.run_dry_run(settings))


def figures(report: PassReport) -> dict[str, Any]:
    entities = {name: result.counts for name, result in report.entities.items()}
    sweep = report.sweep
    found = None
    if sweep is not None:
        merges = [(m.loser, m.winner, m.applied, m.moved) for m in sweep.merges]
        found = (sweep.items_deleted, sweep.documents_closed, merges, sweep.counts)
    return {"entities": entities, "sweep": found, "reviews": report.new_review_items}


def test_dry_run_changes_nothing_and_reports_what_the_pass_then_does(
    sandbox: RunningSandbox, db_url: str, db_engine: Engine, client_env: None
) -> None:
    assert asyncio.run(sync_pass(sandbox, db_engine, full=True)).outcome == "ok"
    change_xero(sandbox)
    database_before, xero_before = every_table(db_engine), xero_state(sandbox)
    counters_before = sandbox.control("GET", "/counters")["by_endpoint"]

    dry = dry_run(sandbox, db_url, full=True)

    assert dry.report.outcome == "ok", dry.report.message
    assert every_table(db_engine) == database_before
    assert xero_state(sandbox) == xero_before
    counters = sandbox.control("GET", "/counters")["by_endpoint"]
    sent = {k for k, v in counters.items() if v != counters_before.get(k)}
    assert sent and all(endpoint.startswith("GET ") for endpoint in sent), sent
    assert dry.pushes == {}
    # It saw the changes: the renamed contact, the void, the deletion, the merge.
    assert dry.report.entities["contacts"].counts.updated >= 1
    assert dry.report.sweep is not None and dry.report.sweep.items_deleted == 1
    assert dry.report.sweep.merged == 1

    real = asyncio.run(sync_pass(sandbox, db_engine, full=True))
    assert real.outcome == "ok", real.message
    assert figures(dry.report) == figures(real)
    assert every_table(db_engine) != database_before


def test_dry_run_reports_the_pushes_without_sending_them(
    sandbox: RunningSandbox, db_url: str, db_engine: Engine, client_env: None
) -> None:
    assert asyncio.run(sync_pass(sandbox, db_engine)).outcome == "ok"
    crm_customer(db_engine, "Brand New Customer Ltd")
    database_before, xero_before = every_table(db_engine), xero_state(sandbox)

    dry = dry_run(sandbox, db_url)

    assert dry.pushes == {"customer": 1}
    assert every_table(db_engine) == database_before  # not even queued
    assert xero_state(sandbox) == xero_before
    outcome = asyncio.run(
        app.run_sync_pass(app.SyncSettings(db_url=db_url, xero_url=sandbox.base_url))
    )
    assert sum(push.sent for push in outcome.pushes) == 1
    # The push's calls count in the pass's run, under the entity "push".
    run = next(r for r in table_rows(db_engine, "xd_run") if r["id"] == outcome.report.run_id)
    pushed = [
        r["calls"]
        for r in table_rows(db_engine, "xd_run_entity")
        if r["run_id"] == run["id"] and r["entity"] == "push"
    ]
    assert pushed and pushed[0] >= 1
    assert run["calls_used"] == outcome.report.calls + pushed[0]
    names = [c["Name"] for c in sandbox.state.org.export()["Contacts"]]
    assert "Brand New Customer Ltd" in names


def test_cli_dry_run_prints_both_sides(
    sandbox: RunningSandbox, database_factory: Any, tmp_path: Path
) -> None:
    url = database_factory.fresh("sqlite")
    env = {**os.environ, **CLIENT_ENV, "XERODESK_HOME": str(tmp_path)}
    args = [sys.executable, "-m", "xerodesk", "sync", "--db", url, "--xero", sandbox.base_url]
    first = subprocess.run(
        [*args, "--dry-run"], capture_output=True, text=True, env=env, timeout=300
    )
    assert first.returncode == 0, first.stderr
    assert "nothing was written" in first.stdout
    assert "To Xero, a pass would push: nothing" in first.stdout
    assert "invoices" in first.stdout
    status = subprocess.run(
        [sys.executable, "-m", "xerodesk", "status", "--db", url],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert status.returncode == 0, status.stderr
    assert "(no sync has run yet)" in status.stdout
    assert "Xero calls today: 0 used of 5000" in status.stdout
