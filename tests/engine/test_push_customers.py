"""Feature sheet, "Creating a new customer in the CRM pushes it to Xero straight away",
with mapping-rules "Pushes": against the sandbox over HTTP, on SQLite,
PostgreSQL and MariaDB."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from sqlalchemy import Engine, update

from tests.engine import push_support
from tests.engine.push_support import (
    crm_customer,
    crm_quote,
    one,
    open_reviews,
    outbox,
    push,
    table_rows,
    xero_customer,
    xero_records,
)
from tests.support import orgs
from tests.support.sandbox import RunningSandbox
from tests.support.sync import sync_pass
from xerodesk.domain.sync import EntityKind
from xerodesk.engine.dbworker import DbWorker
from xerodesk.engine.push import link_to_existing_contact, retry_push
from xerodesk.errors import ConfigurationError
from xerodesk.store.models import SalesLedger

push_sandbox_module = push_support.push_sandbox_module
xero = push_support.xero

FULL = {
    "account_number": "NEW01",
    "email": "buy@new.example",
    "phone": "44 161 496 0000",
    "fax": "0161 496 0001",
    "address_line1": "PO Box 9",
    "address_line2": "Unit 2",
    "address_line5": "Manchester, Greater Manchester",
    "postcode": "M1 1AA",
    "country": "United Kingdom",
    "currency_code": "EUR",
    "tax_type": "OUTPUT2",
    "vat_number": "GB999",
    "overall_discount": Decimal("5"),
}


def contact_numbered(sandbox: RunningSandbox, number: str) -> list[dict[str, object]]:
    return xero_records(sandbox, "Contacts", f'ContactNumber=="{number}"')


def test_new_customer_is_created_with_every_field(xero: RunningSandbox, db_engine: Engine) -> None:
    ledger_id = crm_customer(db_engine, "New Customer Ltd", **FULL)
    report = push(xero, db_engine)
    assert report.detected.customers == 1
    assert report.created == {"customer": 1} and report.calls == 1

    [contact] = contact_numbered(xero, f"CRM-{ledger_id}")
    assert contact["Name"] == "New Customer Ltd"
    assert contact["AccountNumber"] == "NEW01"
    assert contact["EmailAddress"] == "buy@new.example"
    assert contact["DefaultCurrency"] == "EUR"
    assert contact["AccountsReceivableTaxType"] == "OUTPUT2"
    assert contact["TaxNumber"] == "GB999"
    phones = {p["PhoneType"]: p["PhoneNumber"] for p in contact["Phones"]}
    assert phones["DEFAULT"] == "44 161 496 0000" and phones["FAX"] == "0161 496 0001"
    [pobox] = [a for a in contact["Addresses"] if a["AddressType"] == "POBOX"]
    assert (pobox["AddressLine1"], pobox["AddressLine2"]) == ("PO Box 9", "Unit 2")
    assert (pobox["City"], pobox["Region"]) == ("Manchester", "Greater Manchester")
    assert (pobox["PostalCode"], pobox["Country"]) == ("M1 1AA", "United Kingdom")

    ledger = one(db_engine, "sales_ledger", id=ledger_id)
    assert ledger["sales_ledger_id"] == contact["ContactID"]
    [row] = outbox(db_engine)
    assert (row["kind"], row["state"], row["xero_id"]) == ("customer", "done", contact["ContactID"])
    assert row["idempotency_key"] == f"xd-customer-{ledger_id}" and row["attempts"] == 1
    link = one(db_engine, "xd_link", entity="contacts", xero_id=contact["ContactID"])
    assert (link["crm_table"], link["crm_id"]) == ("sales_ledger", ledger_id)


def test_pushing_again_sends_nothing(xero: RunningSandbox, db_engine: Engine) -> None:
    crm_customer(db_engine, "Once Only Ltd")
    push(xero, db_engine)
    again = push(xero, db_engine)
    assert again.detected.total == 0 and again.calls == 0 and again.sent == 0
    assert len(xero_records(xero, "Contacts", 'Name=="Once Only Ltd"')) == 1
    assert len(outbox(db_engine)) == 1


def test_a_later_pull_matches_the_pushed_customer(xero: RunningSandbox, db_engine: Engine) -> None:
    ledger_id = crm_customer(db_engine, "Pulled Back Ltd", email="p@back.example")
    push(xero, db_engine)
    report = asyncio.run(sync_pass(xero, db_engine, only=(EntityKind.CONTACTS,)))
    assert report.outcome == "ok", report.message
    rows = [r for r in table_rows(db_engine, "sales_ledger") if r["name"] == "Pulled Back Ltd"]
    assert [r["id"] for r in rows] == [ledger_id]
    ledger = rows[0]
    company = one(db_engine, "company", id=ledger["company_id"])
    assert company["xero_contact_id"] == ledger["sales_ledger_id"]
    assert len([c for c in table_rows(db_engine, "company") if c["name"] == "Pulled Back Ltd"]) == 1


def test_a_name_xero_has_offers_a_link_not_a_retry_loop(
    xero: RunningSandbox, db_engine: Engine
) -> None:
    ledger_id = crm_customer(db_engine, "Acme Trading Ltd")
    report = push(xero, db_engine)
    assert report.failed == 1 and report.sent == 0
    [row] = outbox(db_engine)
    assert row["state"] == "failed" and "already assigned" in (row["last_error"] or "")
    [review] = open_reviews(db_engine)
    assert review["kind"] == "push_duplicate_contact"
    assert "link_existing" in review["actions"]
    assert review["details"]["existing_contact_id"] == orgs.ACME
    assert "Acme Trading Ltd" in review["title"]

    quiet = push(xero, db_engine)
    assert quiet.calls == 0 and quiet.failed == 0, "a refused customer is not re-sent by itself"

    async def link() -> int:
        db = DbWorker(db_engine)
        try:
            return await link_to_existing_contact(db, row["id"])
        finally:
            db.close()

    assert asyncio.run(link()) == ledger_id
    assert one(db_engine, "sales_ledger", id=ledger_id)["sales_ledger_id"] == orgs.ACME
    assert one(db_engine, "xd_outbox", id=row["id"])["state"] == "done"
    assert open_reviews(db_engine) == []
    assert len(xero_records(xero, "Contacts", 'Name=="Acme Trading Ltd"')) == 1


def test_a_renamed_customer_goes_on_retry(xero: RunningSandbox, db_engine: Engine) -> None:
    ledger_id = crm_customer(db_engine, "Acme Trading Ltd")
    push(xero, db_engine)
    [row] = outbox(db_engine)
    with db_engine.begin() as connection:
        connection.execute(
            update(SalesLedger).where(SalesLedger.id == ledger_id).values(name="Acme North Ltd")
        )

    async def retry() -> bool:
        db = DbWorker(db_engine)
        try:
            return await retry_push(db, row["id"])
        finally:
            db.close()

    assert asyncio.run(retry())
    assert open_reviews(db_engine) == []
    report = push(xero, db_engine)
    assert report.created == {"customer": 1}
    [contact] = contact_numbered(xero, f"CRM-{ledger_id}")
    assert contact["Name"] == "Acme North Ltd"
    done = one(db_engine, "xd_outbox", id=row["id"])
    assert (done["state"], done["revision"]) == ("done", 1)


def test_linking_to_a_contact_another_crm_customer_holds_is_refused(
    xero: RunningSandbox, db_engine: Engine
) -> None:
    pulled = xero_customer(db_engine, orgs.ACME, "Acme Trading Ltd")
    twin = crm_customer(db_engine, "Acme Trading Ltd")
    quote = crm_quote(db_engine, twin, "Q-TWIN", [(None, "Advice", "1", "40", None, None)])
    report = push(xero, db_engine)
    assert report.failed == 1 and report.waiting == 1
    customer = one(db_engine, "xd_outbox", kind="customer")

    async def link() -> int:
        db = DbWorker(db_engine)
        try:
            return await link_to_existing_contact(db, customer["id"])
        finally:
            db.close()

    with pytest.raises(ConfigurationError, match='already the CRM customer "Acme Trading Ltd"'):
        asyncio.run(link())
    # nothing changed: the twin has no Xero id, its order stays its own, the item stays open
    assert one(db_engine, "sales_ledger", id=twin)["sales_ledger_id"] is None
    assert one(db_engine, "sales_ledger", id=pulled)["sales_ledger_id"] == orgs.ACME
    assert one(db_engine, "quote", id=quote)["sales_ledger_id"] == twin
    assert one(db_engine, "xd_outbox", id=customer["id"])["state"] == "failed"
    [review] = open_reviews(db_engine)
    assert review["kind"] == "push_duplicate_contact" and review["resolution"] is None
