"""Incremental pulls of master data: idempotent, cheap, and nothing missed."""

from __future__ import annotations

import asyncio
import copy
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, select

from tests.support import orgs
from tests.support.sandbox import TEST_CLIENT_ID, TEST_CLIENT_SECRET, RunningSandbox, start_sandbox
from tests.support.sync import snapshot_tables, sync_pass, table_rows
from xerodesk.domain.sync import EntityKind
from xerodesk.store.models import Company, Division, SalesLedger
from xerodesk.store.options import set_option
from xerodesk.store.state import load_cursor, save_cursor
from xerodesk.store.types import utcnow
from xerodesk.store.xd_models import ReviewItem

MASTER = (EntityKind.CONTACTS, EntityKind.ITEMS)
CRM_TABLES = (
    "company",
    "division",
    "sales_ledger",
    "purchase_ledger",
    "contact",
    "product",
    "stock_level",
    "warehouse",
)


@pytest.fixture
def master(make_sandbox: object) -> Iterator[RunningSandbox]:
    running = start_sandbox(rate_limits="off")
    running.control("POST", "/load", orgs.master_org())
    yield running
    running.close()


def run(sandbox: RunningSandbox, engine: Engine, **kwargs: object) -> object:
    report = asyncio.run(sync_pass(sandbox, engine, only=MASTER, **kwargs))  # type: ignore[arg-type]
    assert report.outcome == "ok", report.message
    return report


def calls_by_endpoint(sandbox: RunningSandbox) -> dict[str, int]:
    counters = sandbox.control("GET", "/counters")
    return {k: v for k, v in counters["by_endpoint"].items() if v}


def test_rerun_is_idempotent_and_cheap(master: RunningSandbox, db_engine: Engine) -> None:
    run(master, db_engine)
    before = snapshot_tables(db_engine, CRM_TABLES)
    master.control("POST", "/counters/reset")
    report = run(master, db_engine)
    assert snapshot_tables(db_engine, CRM_TABLES) == before
    counts = report.counts  # type: ignore[attr-defined]
    assert (counts.created, counts.updated) == (0, 0)
    calls = calls_by_endpoint(master)
    # one call per entity: items come whole (stock and deletions included)
    assert calls == {"GET /Contacts": 1, "GET /Items": 1}, calls


def test_full_resync_creates_no_duplicates(master: RunningSandbox, db_engine: Engine) -> None:
    run(master, db_engine)
    before = snapshot_tables(db_engine, CRM_TABLES)
    report = run(master, db_engine, full=True)
    assert snapshot_tables(db_engine, CRM_TABLES) == before
    assert report.counts.unchanged >= 9  # type: ignore[attr-defined]


def test_edit_in_xero_shows_after_one_incremental_pass(
    master: RunningSandbox, db_engine: Engine
) -> None:
    run(master, db_engine)
    master.control(
        "POST",
        "/edit",
        {
            "collection": "Contacts",
            "id": orgs.ACME,
            "changes": {"EmailAddress": "new@acme.example"},
        },
    )
    master.control("POST", f"/contacts/{orgs.BOTH}/archive")
    master.control(
        "POST",
        "/edit",
        {"collection": "Items", "id": orgs.UNTRACKED, "changes": {"Name": "Consulting (2027)"}},
    )
    report = run(master, db_engine)
    rows = {r["sales_ledger_id"]: r for r in table_rows(db_engine, "sales_ledger")}
    assert rows[orgs.ACME]["email"] == "new@acme.example"
    assert rows[orgs.BOTH]["on_stop"] is True
    products = {r["product_item_id"]: r for r in table_rows(db_engine, "product")}
    assert products["SERVICE-1"]["description"] == "Consulting (2027)"
    assert report.counts.updated == 3  # type: ignore[attr-defined]
    assert len(table_rows(db_engine, "company")) == 6


def test_restored_contact_comes_off_stop(master: RunningSandbox, db_engine: Engine) -> None:
    run(master, db_engine)
    master.control(
        "POST",
        "/edit",
        {"collection": "Contacts", "id": orgs.ARCHIVED, "changes": {"ContactStatus": "ACTIVE"}},
    )
    run(master, db_engine)
    rows = {r["sales_ledger_id"]: r for r in table_rows(db_engine, "sales_ledger")}
    assert rows[orgs.ARCHIVED]["on_stop"] is False


def test_stock_moves_are_read_on_every_pass(master: RunningSandbox, db_engine: Engine) -> None:
    run(master, db_engine)
    master.control("POST", f"/items/{orgs.TRACKED}/quantity", {"QuantityOnHand": 17})
    run(master, db_engine)
    (stock,) = table_rows(db_engine, "stock_level")
    assert stock["free_stock"] == stock["physical_stock"] == Decimal("17")


def test_deleted_items_become_obsolete(master: RunningSandbox, db_engine: Engine) -> None:
    run(master, db_engine)
    master.control("DELETE", f"/items/{orgs.TRACKED}")
    master.control("DELETE", f"/items/{orgs.UNTRACKED}")
    master.control("POST", "/counters/reset")
    run(master, db_engine)
    products = {r["product_item_id"]: r for r in table_rows(db_engine, "product")}
    # a routine pass reads the items changed: a deleted item is not among them
    assert products["WIDGET-1"]["obsolete"] is not True
    assert calls_by_endpoint(master) == {"GET /Contacts": 1, "GET /Items": 1}
    # the scheduled sweep: the items step reads the whole list, the sweep reuses it
    with db_engine.begin() as connection:
        save_cursor(connection, "items", last_reconcile_at=utcnow() - timedelta(days=2))
    master.control("POST", "/counters/reset")
    report = run(master, db_engine)
    products = {r["product_item_id"]: r for r in table_rows(db_engine, "product")}
    assert products["WIDGET-1"]["obsolete"] is True
    assert products["SERVICE-1"]["obsolete"] is True
    assert report.sweep is not None and report.sweep.items_deleted == 2  # type: ignore[attr-defined]
    assert calls_by_endpoint(master)["GET /Items"] == 1
    assert len(products) == 3  # never deleted


def test_balances_and_flags_unseen_by_modified_since_arrive_with_the_daily_refresh(
    master: RunningSandbox, db_engine: Engine
) -> None:
    run(master, db_engine)
    master.control(
        "POST",
        f"/contacts/{orgs.ACME}/balances",
        {"AccountsReceivable": {"Outstanding": 99.99, "Overdue": 9.99}},
    )
    master.control("POST", f"/contacts/{orgs.SUPPLIER}/flags", {"IsCustomer": True})
    run(master, db_engine)
    ledger = {r["sales_ledger_id"]: r for r in table_rows(db_engine, "sales_ledger")}
    assert ledger[orgs.ACME]["balance_outstanding"] == Decimal("1234.56")  # not bumped: unseen
    with db_engine.begin() as connection:  # two hours on: still not due
        cursor = load_cursor(connection, "contacts")
        assert cursor.last_refresh_at is not None
        save_cursor(
            connection, "contacts", last_refresh_at=cursor.last_refresh_at - timedelta(hours=2)
        )
    master.control("POST", "/counters/reset")
    run(master, db_engine)
    assert calls_by_endpoint(master)["GET /Contacts"] == 1
    ledger = {r["sales_ledger_id"]: r for r in table_rows(db_engine, "sales_ledger")}
    assert ledger[orgs.ACME]["balance_outstanding"] == Decimal("1234.56")
    with db_engine.begin() as connection:  # a day on: the whole re-read
        cursor = load_cursor(connection, "contacts")
        assert cursor.last_refresh_at is not None
        save_cursor(
            connection, "contacts", last_refresh_at=cursor.last_refresh_at - timedelta(hours=24)
        )
    run(master, db_engine)
    ledger = {r["sales_ledger_id"]: r for r in table_rows(db_engine, "sales_ledger")}
    assert ledger[orgs.ACME]["balance_outstanding"] == Decimal("99.99")
    assert ledger[orgs.ACME]["balance_overdue"] == Decimal("9.99")
    assert orgs.SUPPLIER in ledger  # now a customer too: it has a sales ledger


def test_pushed_crm_customer_is_matched_not_duplicated(
    master: RunningSandbox, db_engine: Engine
) -> None:
    with db_engine.begin() as connection:
        company = connection.execute(
            insert(Company).values(name="Acme Trading Ltd")
        ).inserted_primary_key[0]
        division = connection.execute(
            insert(Division).values(name="Acme Trading Ltd", company_id=company)
        ).inserted_primary_key[0]
        connection.execute(
            insert(SalesLedger).values(
                name="Acme Trading Ltd",
                company_id=company,
                division_id=division,
                origin="crm",
                sales_ledger_id=orgs.ACME,  # written back by the push
            )
        )
    run(master, db_engine)
    acme = [r for r in table_rows(db_engine, "sales_ledger") if r["name"] == "Acme Trading Ltd"]
    assert len(acme) == 1
    assert acme[0]["origin"] == "crm" and acme[0]["company_id"] == company
    assert acme[0]["email"] == "ada@acme.example"
    companies = [r for r in table_rows(db_engine, "company") if r["name"] == "Acme Trading Ltd"]
    assert [c["id"] for c in companies] == [company]
    assert companies[0]["xero_contact_id"] == orgs.ACME
    run(master, db_engine, full=True)
    assert len(table_rows(db_engine, "company")) == 6


def test_display_account_number_option_applies_without_rereading(
    master: RunningSandbox, db_engine: Engine
) -> None:
    run(master, db_engine)
    with db_engine.begin() as connection:
        set_option(connection, "display_account_number", "false")
    master.control("POST", "/counters/reset")
    run(master, db_engine)
    ledger = {r["sales_ledger_id"]: r for r in table_rows(db_engine, "sales_ledger")}
    assert ledger[orgs.ACME]["display_description"] == "Acme Trading Ltd"
    assert sum(calls_by_endpoint(master).values()) == 2  # no full re-read: one call each
    with db_engine.begin() as connection:
        set_option(connection, "display_account_number", "true")
    run(master, db_engine)
    ledger = {r["sales_ledger_id"]: r for r in table_rows(db_engine, "sales_ledger")}
    assert ledger[orgs.ACME]["display_description"] == "ACME01"


def test_malformed_record_goes_to_review_and_the_rest_lands(db_engine: Engine) -> None:
    org = copy.deepcopy(orgs.master_org())
    org["Contacts"].append(
        orgs.contact(orgs.BROKEN, "Broken Dates Ltd", UpdatedDateUTC="yesterday")
    )
    org["Contacts"].append(
        orgs.contact(orgs.BROKEN.replace("7", "8"), "Bad Currency", DefaultCurrency="XXQ")
    )
    sandbox = start_sandbox(rate_limits="off")
    try:
        sandbox.control("POST", "/load", org)
        report = run(sandbox, db_engine)
    finally:
        sandbox.close()
    assert report.counts.skipped == 2  # type: ignore[attr-defined]
    assert report.new_review_items == 2  # type: ignore[attr-defined]
    with db_engine.connect() as connection:
        items = connection.execute(
            select(ReviewItem.kind, ReviewItem.title, ReviewItem.xero_id)
        ).all()
    assert {i.kind for i in items} == {"malformed_record"}
    assert any("Broken Dates Ltd" in i.title and "UpdatedDateUTC" in i.title for i in items)
    assert any("Bad Currency" in i.title and "DefaultCurrency" in i.title for i in items)
    names = {r["name"] for r in table_rows(db_engine, "sales_ledger")}
    assert "Acme Trading Ltd" in names and "Broken Dates Ltd" not in names


def test_cli_sync_only_contacts_and_items(tmp_path: Path) -> None:
    sandbox = subprocess.Popen(
        [sys.executable, "-m", "xerodesk", "sandbox", "--generate", "demo", "--rate-limits", "off"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert sandbox.stdout is not None
        base = sandbox.stdout.readline().strip()
        assert base.startswith("http://127.0.0.1:")
        env = {
            **os.environ,
            "XERODESK_HOME": str(tmp_path),
            "XERODESK_CLIENT_ID": TEST_CLIENT_ID,
            "XERODESK_CLIENT_SECRET": TEST_CLIENT_SECRET,
        }
        db = f"sqlite:///{tmp_path / 'crm.db'}"
        args = [
            sys.executable,
            "-m",
            "xerodesk",
            "sync",
            "--db",
            db,
            "--xero",
            base,
            "--only",
            "contacts,items",
        ]
        first = subprocess.run(args, capture_output=True, text=True, env=env, timeout=300)
        assert first.returncode == 0, first.stderr
        assert "contacts" in first.stdout and "items" in first.stdout
        assert "invoices" not in first.stdout
        second = subprocess.run(args, capture_output=True, text=True, env=env, timeout=300)
        assert second.returncode == 0, second.stderr
        bad = subprocess.run(
            [*args[:-1], "contacts,widgets"], capture_output=True, text=True, env=env, timeout=300
        )
        assert bad.returncode == 2 and "unknown entity widgets" in bad.stderr
    finally:
        sandbox.terminate()
        sandbox.wait(10)


def test_an_empty_full_read_is_reported_and_changes_nothing(
    master: RunningSandbox, db_engine: Engine
) -> None:
    run(master, db_engine)
    before = snapshot_tables(db_engine, CRM_TABLES)
    org = copy.deepcopy(orgs.master_org())
    org["Contacts"] = []
    master.control("POST", "/load", org)
    run(master, db_engine, full=True)
    assert snapshot_tables(db_engine, ("sales_ledger", "company")) == {
        k: before[k] for k in ("sales_ledger", "company")
    }
    with db_engine.connect() as connection:
        titles = (
            connection.execute(select(ReviewItem.title).where(ReviewItem.kind == "sanity_guard"))
            .scalars()
            .all()
        )
    assert titles == ["Xero returned no contacts, though 6 were synced before"]


def test_pushed_customer_whose_write_back_was_lost_is_claimed_by_number(
    db_engine: Engine,
) -> None:
    with db_engine.begin() as connection:
        ledger_id = connection.execute(
            insert(SalesLedger).values(name="Fresh From CRM", origin="crm")
        ).inserted_primary_key[0]
    org = copy.deepcopy(orgs.master_org())
    created_in_xero = "abcdefab-0000-4000-8000-000000000001"
    org["Contacts"].append(
        orgs.contact(created_in_xero, "Fresh From CRM", ContactNumber=f"CRM-{ledger_id}")
    )
    sandbox = start_sandbox(rate_limits="off")
    try:
        sandbox.control("POST", "/load", org)
        run(sandbox, db_engine)
    finally:
        sandbox.close()
    fresh = [r for r in table_rows(db_engine, "sales_ledger") if r["name"] == "Fresh From CRM"]
    assert len(fresh) == 1
    assert fresh[0]["id"] == ledger_id and fresh[0]["origin"] == "crm"
    assert fresh[0]["sales_ledger_id"] == created_in_xero
