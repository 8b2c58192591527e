"""Linking a CRM record to another existing Xero record, from a conflict or CRM edit.

Against the sandbox over HTTP, on SQLite, PostgreSQL and MariaDB: the CRM
record takes the other Xero record's id and values (read from Xero with the
next push), the link is re-pointed, the old Xero record is left as it was,
nothing is created in Xero, the audit trail says who re-linked what, and the
item closes; a record Xero does not have keeps the item open with the reason;
a Xero record linked to another CRM record, or a value that is not a Xero id,
is refused with a clear message.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, delete, insert, select

from tests.engine import push_support
from tests.engine.push_support import one, open_reviews, push, xero_records
from tests.engine.test_conflicts import (
    audit,
    edit_product,
    item_state,
    run_pass,
    two_sided_email_edit,
)
from tests.support import orgs
from tests.support.sandbox import RunningSandbox
from tests.support.sync import table_rows
from xerodesk.engine.review import action_states, perform
from xerodesk.errors import ConfigurationError
from xerodesk.store.models import SalesLedger, SalesOrderHeader, SalesTransaction
from xerodesk.store.views import review_item
from xerodesk.store.xd_models import RecordLink

push_sandbox_module = push_support.push_sandbox_module
xero = push_support.xero

MISSING = "9d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6"


def link_other(engine: Engine, item_id: int, target: str) -> str:
    with engine.begin() as connection:
        item = review_item(connection, item_id)
        assert item is not None
        return perform(connection, item, "link_other", target)


def new_xero_contact(sandbox: RunningSandbox, **fields: Any) -> dict[str, Any]:
    reply = sandbox.api("PUT", "/Contacts", json={"Contacts": [fields]})
    assert reply.status_code == 200, reply.text
    created: dict[str, Any] = reply.json()["Contacts"][0]
    return created


def xero_count(sandbox: RunningSandbox, collection: str) -> int:
    counts: dict[str, int] = sandbox.control("GET", "/state")["counts"]
    return int(counts[collection])


def contact_in_xero(sandbox: RunningSandbox, contact_id: str) -> dict[str, Any]:
    return xero_records(sandbox, "Contacts", f'ContactID==Guid("{contact_id}")')[0]


def links(engine: Engine, entity: str) -> dict[str, tuple[str, int]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(RecordLink.xero_id, RecordLink.crm_table, RecordLink.crm_id).where(
                RecordLink.entity == entity
            )
        )
        return {x: (t, i) for x, t, i in rows}


def test_link_other_repoints_a_conflicting_customer(
    xero: RunningSandbox, db_engine: Engine
) -> None:
    item = two_sided_email_edit(xero, db_engine)
    ledger_before = one(db_engine, "sales_ledger", sales_ledger_id=orgs.ACME)
    company_before = one(db_engine, "company", xero_contact_id=orgs.ACME)
    other = new_xero_contact(
        xero,
        Name="Acme Trading Limited",
        EmailAddress="ledger@acme-limited.example",
        AccountNumber="ACME-L",
    )
    new_id = other["ContactID"]
    old_contact = contact_in_xero(xero, orgs.ACME)
    contacts_before = xero_count(xero, "Contacts")
    with db_engine.connect() as connection:
        row = review_item(connection, item["id"])
    assert row is not None
    state = {s.name: s for s in action_states(row)}["link_other"]
    assert state.enabled and "another Xero record" in state.help

    assert link_other(db_engine, item["id"], new_id.upper()) == "link_requested"
    assert item_state(db_engine, item["id"])["resolved_at"] is None  # until Xero is read
    report = push(xero, db_engine)
    assert report.values_refused == 0

    ledger = one(db_engine, "sales_ledger", id=ledger_before["id"])
    assert ledger["sales_ledger_id"] == new_id
    assert (ledger["name"], ledger["email"], ledger["account_number"]) == (
        "Acme Trading Limited",
        "ledger@acme-limited.example",
        "ACME-L",
    )
    company = one(db_engine, "company", id=company_before["id"])
    assert (company["xero_contact_id"], company["name"]) == (new_id, "Acme Trading Limited")
    assert one(db_engine, "division", xero_contact_id=new_id)["name"] == "Acme Trading Limited"
    for table, column in (("sales_ledger", "sales_ledger_id"), ("company", "xero_contact_id")):
        assert [r for r in table_rows(db_engine, table) if r[column] == orgs.ACME] == []
    linked = links(db_engine, "contacts")
    assert orgs.ACME not in linked
    assert linked[new_id] == ("sales_ledger", ledger_before["id"])
    with db_engine.connect() as connection:
        snapshot = connection.scalar(
            select(RecordLink.snapshot).where(RecordLink.xero_id == new_id)
        )
    assert snapshot["sales_ledger"]["email"] == "ledger@acme-limited.example"
    relinked = [e for e in audit(db_engine, new_id) if e["field"] == "relinked"]
    assert [(e["old_value"], e["new_value"], e["side"], e["record_table"]) for e in relinked] == [
        (orgs.ACME, new_id, "user", "sales_ledger")
    ]
    assert relinked[0]["record_id"] == ledger_before["id"]
    closed = item_state(db_engine, item["id"])
    assert closed["resolution"] == "linked" and closed["resolved_at"] is not None

    # the next pass: nothing to report, nothing made twice, the old contact as it was
    run_pass(xero, db_engine)
    assert open_reviews(db_engine) == []
    assert one(db_engine, "sales_ledger", id=ledger_before["id"])["sales_ledger_id"] == new_id
    ledgers = table_rows(db_engine, "sales_ledger")
    assert [r["id"] for r in ledgers if r["sales_ledger_id"] == new_id] == [ledger_before["id"]]
    # the old contact is still a Xero contact: read again, it is a CRM record of its own
    assert all(r["id"] != ledger_before["id"] for r in ledgers if r["sales_ledger_id"] == orgs.ACME)
    assert contact_in_xero(xero, orgs.ACME) == old_contact
    assert xero_count(xero, "Contacts") == contacts_before


def test_a_crm_order_of_the_relinked_customer_goes_to_the_new_contact(
    xero: RunningSandbox, db_engine: Engine
) -> None:
    item = two_sided_email_edit(xero, db_engine)
    ledger_id = one(db_engine, "sales_ledger", sales_ledger_id=orgs.ACME)["id"]
    new_id = new_xero_contact(xero, Name="Acme Trading Limited")["ContactID"]
    link_other(db_engine, item["id"], new_id)
    push(xero, db_engine)
    quote = push_support.crm_quote(
        db_engine, ledger_id, "Q-RELINK-1", [(None, "Advice", "1", "40", None, None)]
    )
    report = push(xero, db_engine)
    assert report.failed == 0, report
    [invoice] = push_support.xero_invoices(xero, "Q-RELINK-1")
    assert invoice["Contact"]["ContactID"] == new_id
    assert one(db_engine, "quote", id=quote)["xero_invoice_id"] == invoice["InvoiceID"]


def test_documents_follow_the_crm_record(xero: RunningSandbox, db_engine: Engine) -> None:
    """The customer's documents keep pointing at it; the new contact's documents
    that had no CRM customer (read before the contact) join it."""
    item = two_sided_email_edit(xero, db_engine)
    ledger_id = one(db_engine, "sales_ledger", sales_ledger_id=orgs.ACME)["id"]
    new_id = new_xero_contact(xero, Name="Acme Trading Limited")["ContactID"]
    headers = SalesOrderHeader.__table__
    lines = SalesTransaction.__table__
    with db_engine.begin() as connection:
        own, orphan = (
            connection.execute(
                insert(headers).values(
                    order_number=number, sales_ledger_id=ledger, xero_contact_id=contact
                )
            ).inserted_primary_key[0]
            for number, ledger, contact in (
                ("INV-OWN", ledger_id, orgs.ACME),
                ("INV-ORPHAN", None, new_id),
            )
        )
        connection.execute(
            insert(lines),
            [
                {"sales_order_header_id": own, "sales_ledger_id": ledger_id, "description": "a"},
                {"sales_order_header_id": orphan, "sales_ledger_id": None, "description": "b"},
            ],
        )
    link_other(db_engine, item["id"], new_id)
    push(xero, db_engine)
    assert item_state(db_engine, item["id"])["resolution"] == "linked"
    by_number = {h["order_number"]: h for h in table_rows(db_engine, "sales_order_header")}
    assert by_number["INV-OWN"]["sales_ledger_id"] == ledger_id
    assert by_number["INV-ORPHAN"]["sales_ledger_id"] == ledger_id
    assert {
        r["description"]: r["sales_ledger_id"] for r in table_rows(db_engine, "sales_transaction")
    } == {
        "a": ledger_id,
        "b": ledger_id,
    }


def test_link_other_by_contact_number(xero: RunningSandbox, db_engine: Engine) -> None:
    item = two_sided_email_edit(xero, db_engine)
    new_id = new_xero_contact(xero, Name="Acme (Trading) Ltd", ContactNumber="ACME-9")["ContactID"]
    link_other(db_engine, item["id"], "number:ACME-9")
    push(xero, db_engine)
    assert item_state(db_engine, item["id"])["resolution"] == "linked"
    assert one(db_engine, "sales_ledger", sales_ledger_id=new_id)["name"] == "Acme (Trading) Ltd"


def test_a_record_xero_does_not_have_keeps_the_item_open(
    xero: RunningSandbox, db_engine: Engine
) -> None:
    item = two_sided_email_edit(xero, db_engine)
    contacts_before = xero_count(xero, "Contacts")
    assert link_other(db_engine, item["id"], MISSING) == "link_requested"
    push(xero, db_engine)
    state = item_state(db_engine, item["id"])
    assert state["resolved_at"] is None and state["resolution"] is None
    assert state["explanation"].startswith("The link to another Xero record was not made: ")
    assert state["details"]["link_refusal"] == f"Xero has no contact {MISSING}"
    ledger = one(db_engine, "sales_ledger", sales_ledger_id=orgs.ACME)
    assert ledger["email"] == "billing@acme-xero.example"
    assert orgs.ACME in links(db_engine, "contacts")
    assert xero_count(xero, "Contacts") == contacts_before
    # the item can be acted on again: the buttons are back
    with db_engine.connect() as connection:
        row = review_item(connection, item["id"])
    assert row is not None
    assert all(s.enabled for s in action_states(row)), [s.reason for s in action_states(row)]


def test_a_xero_record_linked_to_another_crm_record_is_refused(
    xero: RunningSandbox, db_engine: Engine
) -> None:
    item = two_sided_email_edit(xero, db_engine)
    one(db_engine, "sales_ledger", sales_ledger_id=orgs.BOTH)
    with pytest.raises(ConfigurationError) as refused:
        link_other(db_engine, item["id"], orgs.BOTH)
    message = str(refused.value)
    assert f'Xero contact {orgs.BOTH} is already linked to CRM customer "Both Ways plc"' in message
    assert "sales ledger" not in message
    assert item_state(db_engine, item["id"])["resolution"] is None
    with pytest.raises(ConfigurationError, match="is already linked to Xero contact"):
        link_other(db_engine, item["id"], orgs.ACME)


def test_a_named_contact_found_linked_when_xero_is_read_is_refused(
    xero: RunningSandbox, db_engine: Engine
) -> None:
    item = two_sided_email_edit(xero, db_engine)
    both = one(db_engine, "sales_ledger", sales_ledger_id=orgs.BOTH)
    assert link_other(db_engine, item["id"], "name:Both Ways plc") == "link_requested"
    push(xero, db_engine)
    state = item_state(db_engine, item["id"])
    assert state["resolved_at"] is None and state["resolution"] is None
    assert state["details"]["link_refusal"].startswith(
        f'Xero contact {orgs.BOTH} is already linked to CRM customer "Both Ways plc"'
    )
    assert one(db_engine, "sales_ledger", id=both["id"])["sales_ledger_id"] == orgs.BOTH
    assert orgs.ACME in links(db_engine, "contacts")


def test_a_customer_is_not_linked_to_a_supplier_only_contact(
    xero: RunningSandbox, db_engine: Engine
) -> None:
    item = two_sided_email_edit(xero, db_engine)
    ledger = one(db_engine, "sales_ledger", sales_ledger_id=orgs.ACME)
    supplier = new_xero_contact(xero, Name="Acme Supplies Ltd")["ContactID"]
    xero.control("POST", f"/contacts/{supplier}/flags", {"IsCustomer": False, "IsSupplier": True})
    link_other(db_engine, item["id"], supplier)
    push(xero, db_engine)
    state = item_state(db_engine, item["id"])
    assert state["resolved_at"] is None
    assert state["details"]["link_refusal"] == (
        f'Xero contact "Acme Supplies Ltd" ({supplier}) is not a customer in Xero, while the '
        "CRM record is a customer; link to a contact Xero "
        "holds as a customer"
    )
    assert one(db_engine, "sales_ledger", id=ledger["id"])["sales_ledger_id"] == orgs.ACME
    assert [r for r in table_rows(db_engine, "company") if r["xero_contact_id"] == supplier] == []


def test_a_value_that_is_not_a_xero_id_is_refused(xero: RunningSandbox, db_engine: Engine) -> None:
    item = two_sided_email_edit(xero, db_engine)
    for bad in ("ACME01", "11111111-1111-4111-8111-11111111111", "{11111111}", ""):
        with pytest.raises(ConfigurationError) as refused:
            link_other(db_engine, item["id"], bad)
        assert "Xero id" in str(refused.value), bad
    with pytest.raises(ConfigurationError, match="takes no value"):
        act_with_value(db_engine, item["id"])
    assert item_state(db_engine, item["id"])["resolution"] is None


def act_with_value(engine: Engine, item_id: int) -> str:
    with engine.begin() as connection:
        item = review_item(connection, item_id)
        assert item is not None
        return perform(connection, item, "keep_xero", orgs.BOTH)


def test_link_other_is_disabled_when_the_record_has_no_link(
    xero: RunningSandbox, db_engine: Engine
) -> None:
    item = two_sided_email_edit(xero, db_engine)
    with db_engine.begin() as connection:
        connection.execute(delete(RecordLink).where(RecordLink.xero_id == orgs.ACME))
    with db_engine.connect() as connection:
        row = review_item(connection, item["id"])
    assert row is not None and row.linked is False
    state = {s.name: s for s in action_states(row)}["link_other"]
    assert not state.enabled
    assert state.reason == "the CRM record is not linked to a Xero record any more."
    with pytest.raises(ConfigurationError, match="not linked to a Xero record"):
        link_other(db_engine, item["id"], MISSING)


def test_link_other_on_a_product_by_its_code(xero: RunningSandbox, db_engine: Engine) -> None:
    run_pass(xero, db_engine)
    edit_product(db_engine, "WIDGET-1", sell_price=Decimal("99.5"))
    run_pass(xero, db_engine)
    [item] = open_reviews(db_engine, "crm_edit")
    product_id = one(db_engine, "product", product_item_id="WIDGET-1")["id"]
    reply = xero.api(
        "PUT",
        "/Items",
        json={
            "Items": [
                {"Code": "WIDGET-2", "Name": "Widget Mk II", "SalesDetails": {"UnitPrice": 12.5}}
            ]
        },
    )
    assert reply.status_code == 200, reply.text
    new_id = reply.json()["Items"][0]["ItemID"]
    items_before = xero_count(xero, "Items")
    old_item = xero_records(xero, "Items", 'Code=="WIDGET-1"')[0]
    assert link_other(db_engine, item["id"], "code:widget-2") == "link_requested"
    push(xero, db_engine)
    assert item_state(db_engine, item["id"])["resolution"] == "linked"
    product = one(db_engine, "product", id=product_id)
    assert (product["xero_item_id"], product["product_item_id"]) == (new_id, "WIDGET-2")
    assert (product["description"], product["sell_price"]) == ("Widget Mk II", Decimal("12.5"))
    assert links(db_engine, "items")[new_id] == ("product", product_id)
    assert orgs.TRACKED not in links(db_engine, "items")
    run_pass(xero, db_engine)
    assert open_reviews(db_engine) == []
    assert xero_records(xero, "Items", 'Code=="WIDGET-1"')[0] == old_item
    assert xero_count(xero, "Items") == items_before
    assert [p["id"] for p in table_rows(db_engine, "product") if p["xero_item_id"] == new_id] == [
        product_id
    ]


def test_the_relinked_ledger_is_the_only_one_with_its_id(
    xero: RunningSandbox, db_engine: Engine
) -> None:
    """A link made twice (the request repeated) changes nothing more."""
    item = two_sided_email_edit(xero, db_engine)
    new_id = new_xero_contact(xero, Name="Acme Trading Limited")["ContactID"]
    link_other(db_engine, item["id"], new_id)
    push(xero, db_engine)
    push(xero, db_engine)
    with db_engine.connect() as connection:
        found = connection.execute(
            select(SalesLedger.id).where(SalesLedger.sales_ledger_id == new_id)
        ).all()
    assert len(found) == 1
    assert len([e for e in audit(db_engine, new_id) if e["field"] == "relinked"]) == 1
