"""``xerodesk history``: a record's audit trail printed by a real process, after
real passes against the sandbox, on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import Engine, update

from tests.engine import push_support
from tests.engine.push_support import one
from tests.support import orgs
from tests.support.sandbox import RunningSandbox
from tests.support.sync import sync_pass
from xerodesk.domain.sync import EntityKind
from xerodesk.store.models import SalesLedger

push_sandbox_module = push_support.push_sandbox_module
xero = push_support.xero

MASTER = (EntityKind.CONTACTS, EntityKind.ITEMS)


def history(db_url: str, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XERODESK_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "xerodesk", "history", "--db", db_url, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def synced_with_a_conflict(xero: RunningSandbox, engine: Engine) -> None:
    asyncio.run(sync_pass(xero, engine, only=MASTER))
    with engine.begin() as connection:
        connection.execute(
            update(SalesLedger)
            .where(SalesLedger.sales_ledger_id == orgs.ACME)
            .values(email="crm@acme.example")
        )
    xero.control(
        "POST",
        "/edit",
        {"collection": "Contacts", "id": orgs.ACME, "changes": {"EmailAddress": "x@acme.example"}},
    )
    asyncio.run(sync_pass(xero, engine, only=MASTER))


def test_history_prints_the_trail_of_a_record(
    xero: RunningSandbox, db_engine: Engine, db_url: str, tmp_path: Path
) -> None:
    synced_with_a_conflict(xero, db_engine)
    ledger = one(db_engine, "sales_ledger", sales_ledger_id=orgs.ACME)
    result = history(db_url, tmp_path, f"sales_ledger:{ledger['id']}")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:7] == ["When", "(UTC)", "Side", "Record", "Field", "Change", "Run"]
    body = "\n".join(lines[1:])
    assert f"sales_ledger:{ledger['id']}  email" in body
    assert "crm@acme.example -> x@acme.example" in body
    assert lines[-1].split()[2:5] == ["xero", f"sales_ledger:{ledger['id']}", "created"]
    by_id = history(db_url, tmp_path, orgs.ACME, "--json")
    assert by_id.returncode == 0, by_id.stderr
    data = json.loads(by_id.stdout)
    assert [d["field"] for d in data][-1] == "created"
    email = next(d for d in data if d["record_table"] == "sales_ledger" and d["field"] == "email")
    assert (email["old_value"], email["new_value"], email["side"]) == (
        "crm@acme.example",
        "x@acme.example",
        "xero",
    )
    assert len(data) == len(lines) - 1


def test_unknown_record_is_one_line_and_usage_status(
    xero: RunningSandbox, db_engine: Engine, db_url: str, tmp_path: Path
) -> None:
    asyncio.run(sync_pass(xero, db_engine, only=MASTER))
    for record in ("sales_ledger:999999", "not-a-record", "nonsense:1"):
        result = history(db_url, tmp_path, record)
        assert result.returncode == 2, (record, result.stdout, result.stderr)
        assert result.stderr.count("\n") == 1 and "no record" in result.stderr
        assert "Traceback" not in result.stderr
