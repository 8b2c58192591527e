"""The public contracts, checked from the outside as other software uses them.

Each test drives the installed ``xerodesk`` command in its own process, with
an empty home, and looks only at what the contracts publish: the CRM schema of
``docs/crm-schema.md`` read with the standard library's ``sqlite3``, the Xero
paths the sandbox serves (``docs/cli.md``) over plain HTTP, and the exit
statuses and one-line errors of the command line.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support.contract import contract_tables
from xerodesk.sandbox.tokens import pkce_challenge

CLIENT_ID, CLIENT_SECRET = "smoke", "smoke-secret"
API = "/api.xro/2.0"
LISTS = [
    ("Organisation", "Organisations"),
    ("Contacts?page=1&pageSize=1000", "Contacts"),
    ("Items", "Items"),
    ("Invoices?page=1&pageSize=1000", "Invoices"),
    ("CreditNotes?page=1&pageSize=1000", "CreditNotes"),
    ("PurchaseOrders?page=1&pageSize=1000", "PurchaseOrders"),
    ("TaxRates", "TaxRates"),
    ("Currencies", "Currencies"),
]
FILLED_BY_A_SYNC = [
    "company",
    "division",
    "sales_ledger",
    "purchase_ledger",
    "contact",
    "product",
    "warehouse",
    "stock_level",
    "sales_order_header",
    "sales_transaction",
    "purchase_order_header",
    "purchase_transaction",
    "vat_code",
    "currency",
    "exchange_rate",
    "system_option",
]


def xerodesk_command() -> str:
    """The console script installed beside this Python, as a user has it."""
    local = Path(sys.executable).with_name("xerodesk")
    found = str(local) if local.exists() else shutil.which("xerodesk")
    assert found, "the xerodesk command is not installed in this environment"
    return found


@dataclass
class Outside:
    """A user's machine as outside software sees it: an empty home, the command."""

    home: Path
    command: str

    @property
    def env(self) -> dict[str, str]:
        folders = {
            "HOME": "",
            "XDG_DATA_HOME": "data",
            "XDG_CONFIG_HOME": "config",
            "XDG_STATE_HOME": "state",
            "XDG_CACHE_HOME": "cache",
        }
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("XERODESK_", "XDG_"))}
        return {
            **keep,
            **{name: str(self.home / sub) for name, sub in folders.items()},
            "XERODESK_CLIENT_ID": CLIENT_ID,
            "XERODESK_CLIENT_SECRET": CLIENT_SECRET,
            "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
            "QT_QPA_PLATFORM": "offscreen",
        }

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.command, *args],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=600,
            check=False,
        )


@pytest.fixture(scope="module")
def outside(tmp_path_factory: pytest.TempPathFactory) -> Outside:
    home = tmp_path_factory.mktemp("outside-home")
    return Outside(home=home, command=xerodesk_command())


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def tables_of(path: Path) -> dict[str, set[str]]:
    with sqlite3.connect(path) as con:
        names = [n for (n,) in con.execute("select name from sqlite_master where type='table'")]
        return {n: {row[1] for row in con.execute(f"pragma table_info('{n}')")} for n in names}


# --- the schema ------------------------------------------------------------------------


def test_db_upgrade_creates_every_contract_table_and_column(
    outside: Outside, tmp_path: Path
) -> None:
    db = tmp_path / "crm.db"
    result = outside.run("db", "upgrade", "--db", sqlite_url(db))
    assert result.returncode == 0, result.stderr
    live = tables_of(db)
    contract = contract_tables()
    assert len(contract) == 18
    for table, columns in contract.items():
        assert table in live, f"contract table {table} missing"
        assert columns <= live[table], f"{table}: missing {columns - live[table]}"


@pytest.mark.parametrize("url", ["nosuchdialect://x", "postgresql+psycopg://nobody@127.0.0.1:1/x"])
def test_a_bad_database_is_one_line_and_a_usage_or_reach_exit(outside: Outside, url: str) -> None:
    result = outside.run("db", "upgrade", "--db", url)
    assert result.returncode in (2, 3), result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


# --- the sandbox over HTTP -------------------------------------------------------------


@dataclass
class Served:
    base: str
    first_line: str
    http: httpx.Client

    def token(self) -> str:
        basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        reply = self.http.post(
            "/connect/token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": f"Basic {basic}"},
        )
        assert reply.status_code == 200, reply.text
        token: str = reply.json()["access_token"]
        return token

    def tenant(self, token: str) -> str:
        reply = self.http.get("/connections", headers={"Authorization": f"Bearer {token}"})
        assert reply.status_code == 200, reply.text
        tenant: str = reply.json()[0]["tenantId"]
        return tenant


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def served(outside: Outside) -> Iterator[Served]:
    """``xerodesk sandbox`` in its own process, as a test harness starts it."""
    port = free_port()
    args = ["sandbox", "--host", "127.0.0.1", "--port", str(port)]
    args += ["--generate", "demo", "--seed", "1", "--rate-limits", "off"]
    process = subprocess.Popen(
        [outside.command, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=outside.env,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        found = re.search(r"https?://\S+", first)
        base = found.group(0).rstrip("/") if found else f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=60) as http:
            yield Served(base=base, first_line=first, http=http)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def test_the_sandbox_prints_its_base_url_first(served: Served) -> None:
    assert re.search(r"https?://\S+", served.first_line), served.first_line
    assert served.base.startswith("http://127.0.0.1:")


def test_a_client_credentials_token_and_its_connection(served: Served) -> None:
    token = served.token()
    assert re.fullmatch(r"[0-9a-f-]{36}", served.tenant(token))


@pytest.mark.parametrize(("path", "key"), LISTS, ids=[key for _, key in LISTS])
def test_the_accounting_api_answers_as_xero(served: Served, path: str, key: str) -> None:
    token = served.token()
    headers = {
        "Authorization": f"Bearer {token}",
        "xero-tenant-id": served.tenant(token),
        "Accept": "application/json",
    }
    reply = served.http.get(f"{API}/{path}", headers=headers)
    assert reply.status_code == 200, reply.text
    assert isinstance(reply.json()[key], list) and reply.json()[key]


def test_no_token_no_tenant_are_refused(served: Served) -> None:
    anonymous = served.http.get(f"{API}/Contacts", headers={"Accept": "application/json"})
    assert anonymous.status_code == 401, anonymous.text
    token = served.token()
    no_tenant = served.http.get(f"{API}/Contacts", headers={"Authorization": f"Bearer {token}"})
    assert no_tenant.status_code in (400, 403), no_tenant.text


def test_the_sign_in_page_redirects_with_a_code(served: Served) -> None:
    redirect = "http://localhost:53682/callback"
    params = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": redirect,
        "scope": "openid offline_access accounting.contacts",
        "state": "smoke",
        "code_challenge": pkce_challenge("v" * 43),
        "code_challenge_method": "S256",
    }
    reply = served.http.get("/identity/connect/authorize", params=params)
    assert reply.status_code == 302, reply.text
    assert reply.headers["location"].startswith(redirect + "?code=")


def test_the_rates_feed_is_in_the_ecb_format(served: Served) -> None:
    reply = served.http.get("/rates/eurofxref-daily.xml")
    assert reply.status_code == 200
    assert b"<Cube currency=" in reply.content


def test_the_control_api_counts_calls(served: Served) -> None:
    reply = served.http.get("/_sandbox/counters")
    assert reply.status_code == 200, reply.text
    assert isinstance(reply.json(), dict)


# --- a sync, then what the CRM sees ----------------------------------------------------


@pytest.fixture(scope="module")
def synced(outside: Outside, served: Served, tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("outside-sync") / "crm.db"
    result = outside.run("sync", "--db", sqlite_url(db), "--xero", served.base)
    assert result.returncode in (0, 1), result.stderr or result.stdout
    assert "Traceback" not in result.stderr
    return db


@pytest.mark.parametrize("table", FILLED_BY_A_SYNC)
def test_a_sync_fills_the_contract_tables(synced: Path, table: str) -> None:
    with sqlite3.connect(synced) as con:
        (count,) = con.execute(f"select count(*) from {table}").fetchone()
    assert count > 0, f"{table} is empty after a sync"


def test_status_json_is_the_state_in_json(outside: Outside, synced: Path) -> None:
    result = outside.run("status", "--db", sqlite_url(synced), "--json")
    assert result.returncode == 0, result.stderr
    assert isinstance(json.loads(result.stdout), dict)


def test_history_of_a_pulled_record(outside: Outside, synced: Path) -> None:
    with sqlite3.connect(synced) as con:
        (contact_id,) = con.execute(
            "select sales_ledger_id from sales_ledger where sales_ledger_id is not null limit 1"
        ).fetchone()
    result = outside.run("history", "--db", sqlite_url(synced), contact_id, "--json")
    assert result.returncode == 0, result.stderr
    entries = json.loads(result.stdout)
    assert isinstance(entries, list) and entries


def test_xero_unreachable_is_exit_3_in_one_line(outside: Outside, tmp_path: Path) -> None:
    db = tmp_path / "crm.db"
    result = outside.run(
        "sync", "--db", sqlite_url(db), "--xero", f"http://127.0.0.1:{free_port()}"
    )
    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if not line.startswith("WARNING: ")]
    assert len(errors) == 1 and errors[0].startswith("xerodesk: "), result.stderr
