"""Customers archived in Xero reach the review queue with the quotes they hold up,
and leave it when Xero restores them; against the sandbox on all three databases."""

from __future__ import annotations

import asyncio

from sqlalchemy import Engine

from tests.engine import push_support
from tests.engine.push_support import crm_quote, one, open_reviews
from tests.support import orgs
from tests.support.sandbox import RunningSandbox
from tests.support.sync import sync_pass
from xerodesk.domain.sync import EntityKind
from xerodesk.store.models import Quote

push_sandbox_module = push_support.push_sandbox_module
xero = push_support.xero

MASTER = (EntityKind.CONTACTS, EntityKind.ITEMS)


def run_pass(sandbox: RunningSandbox, engine: Engine) -> None:
    report = asyncio.run(sync_pass(sandbox, engine, only=MASTER))
    assert report.outcome == "ok", report.message


def test_archived_customer_is_reported_with_its_quotes_until_restored(
    xero: RunningSandbox, db_engine: Engine
) -> None:
    run_pass(xero, db_engine)
    ledger = one(db_engine, "sales_ledger", sales_ledger_id=orgs.ACME)
    crm_quote(db_engine, ledger["id"], "Q-2001", [], status="Open")
    held = crm_quote(db_engine, ledger["id"], "Q-2002", [])
    with db_engine.begin() as connection:
        connection.execute(
            Quote.__table__.update().where(Quote.id == held).values(push_state="blocked")
        )
    assert open_reviews(db_engine) == []
    xero.control("POST", f"/contacts/{orgs.ACME}/archive")
    run_pass(xero, db_engine)
    [item] = open_reviews(db_engine)
    assert (item["kind"], item["record_table"], item["record_id"], item["xero_id"]) == (
        "customer_on_stop",
        "sales_ledger",
        ledger["id"],
        orgs.ACME,
    )
    assert item["details"]["open_quotes"] == ["Q-2001"]
    assert item["details"]["blocked_quotes"] == ["Q-2002"]
    assert "Acme Trading Ltd" in item["title"]
    assert "Q-2001" in item["explanation"] and "Q-2002" in item["explanation"]
    assert item["actions"] == ["dismiss"]
    run_pass(xero, db_engine)
    assert [i["id"] for i in open_reviews(db_engine)] == [item["id"]]
    xero.control(
        "POST",
        "/edit",
        {"collection": "Contacts", "id": orgs.ACME, "changes": {"ContactStatus": "ACTIVE"}},
    )
    run_pass(xero, db_engine)
    assert open_reviews(db_engine) == []
    assert one(db_engine, "sales_ledger", id=ledger["id"])["on_stop"] is False
