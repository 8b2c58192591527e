"""Field-level conflicts against the sandbox over HTTP, on SQLite, PostgreSQL and MariaDB.

A field edited on both sides becomes one conflict with its base, CRM and
Xero values; a CRM-only edit of a Xero-owned field is reported and kept; and
each action of the review item does what it says: keep Xero's value puts it
back in the CRM, send the CRM value updates the record in Xero (a following
pass finds nothing to report), dismiss closes it for good, retry reads the record
from Xero again at once.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, select, update

from tests.engine import push_support
from tests.engine.push_support import one, open_reviews, push, xero_records
from tests.support import orgs
from tests.support.sandbox import RunningSandbox
from tests.support.sync import CLIENT_ENV, sync_pass
from xerodesk.domain.sync import EntityKind
from xerodesk.engine.dbworker import DbWorker
from xerodesk.engine.edits import scan_crm_edits
from xerodesk.engine.pushing import OutboxPusher
from xerodesk.engine.review import action_states, perform
from xerodesk.store.models import Product, SalesLedger
from xerodesk.store.views import review_item
from xerodesk.store.xd_models import AuditEntry, ReviewItem
from xerodesk.xero.connect import open_client

push_sandbox_module = push_support.push_sandbox_module
xero = push_support.xero

MASTER = (EntityKind.CONTACTS, EntityKind.ITEMS)


def run_pass(sandbox: RunningSandbox, engine: Engine) -> None:
    report = asyncio.run(sync_pass(sandbox, engine, only=MASTER))
    assert report.outcome == "ok", report.message


def edit_in_xero(sandbox: RunningSandbox, collection: str, xero_id: str, **changes: Any) -> None:
    sandbox.control("POST", "/edit", {"collection": collection, "id": xero_id, "changes": changes})


def edit_ledger(engine: Engine, contact_id: str, **values: Any) -> None:
    with engine.begin() as connection:
        connection.execute(
            update(SalesLedger).where(SalesLedger.sales_ledger_id == contact_id).values(**values)
        )


def edit_product(engine: Engine, code: str, **values: Any) -> None:
    with engine.begin() as connection:
        connection.execute(update(Product).where(Product.product_item_id == code).values(**values))


def act_in(connection: Connection, item_id: int, action: str) -> str:
    item = review_item(connection, item_id)
    assert item is not None
    return perform(connection, item, action)


def act(engine: Engine, item_id: int, action: str) -> str:
    with engine.begin() as connection:
        return act_in(connection, item_id, action)


def audit(engine: Engine, xero_id: str) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        query = select(AuditEntry.__table__).where(AuditEntry.xero_id == xero_id)
        return [dict(r._mapping) for r in connection.execute(query.order_by(AuditEntry.id))]


def item_state(engine: Engine, item_id: int) -> dict[str, Any]:
    with engine.connect() as connection:
        row = connection.execute(
            select(ReviewItem.__table__).where(ReviewItem.id == item_id)
        ).first()
    assert row is not None
    return dict(row._mapping)


def two_sided_email_edit(xero: RunningSandbox, engine: Engine) -> dict[str, Any]:
    """Acme's email: CRM and Xero each change it after a first sync; then a pass."""
    run_pass(xero, engine)
    edit_ledger(engine, orgs.ACME, email="accounts@acme-crm.example")
    edit_in_xero(xero, "Contacts", orgs.ACME, EmailAddress="billing@acme-xero.example")
    run_pass(xero, engine)
    items = open_reviews(engine)
    assert [i["kind"] for i in items] == ["conflict"]
    return items[0]


def test_two_sided_edit_is_one_conflict_with_base_crm_and_xero(
    xero: RunningSandbox, db_engine: Engine
) -> None:
    item = two_sided_email_edit(xero, db_engine)
    assert item["xero_id"] == orgs.ACME
    assert item["record_table"] == "sales_ledger"
    fields = item["details"]["fields"]
    assert set(fields) == {"sales_ledger.email"}
    assert fields["sales_ledger.email"]["base"] == "ada@acme.example"
    assert fields["sales_ledger.email"]["crm"] == "accounts@acme-crm.example"
    assert fields["sales_ledger.email"]["xero"] == "billing@acme-xero.example"
    # Xero wins by default, on the edited row and on the rows the CRM did not touch
    assert one(db_engine, "sales_ledger", sales_ledger_id=orgs.ACME)["email"] == (
        "billing@acme-xero.example"
    )
    assert one(db_engine, "company", xero_contact_id=orgs.ACME)["email"] == (
        "billing@acme-xero.example"
    )
    trail = {(e["record_table"], e["field"]): e for e in audit(db_engine, orgs.ACME)}
    written = trail[("sales_ledger", "email")]
    assert (written["old_value"], written["new_value"], written["side"]) == (
        "accounts@acme-crm.example",
        "billing@acme-xero.example",
        "xero",
    )
    assert trail[("company", "email")]["old_value"] == "ada@acme.example"
    with db_engine.connect() as connection:
        row = review_item(connection, item["id"])
    assert row is not None
    states = {s.name: s for s in action_states(row)}
    assert list(states) == ["keep_xero", "send_crm", "link_other", "retry", "dismiss"]
    assert all(s.enabled for s in states.values()), [s.reason for s in states.values()]
    # another pass with nothing new adds nothing
    run_pass(xero, db_engine)
    assert [i["id"] for i in open_reviews(db_engine)] == [item["id"]]


def test_keep_xero_on_a_conflict_keeps_xero_and_closes(
    xero: RunningSandbox, db_engine: Engine
) -> None:
    item = two_sided_email_edit(xero, db_engine)
    assert act(db_engine, item["id"], "keep_xero") == "kept_xero"
    assert item_state(db_engine, item["id"])["resolution"] == "kept_xero"
    # Xero's value was in the CRM already: nothing to write, nothing to audit
    assert [e for e in audit(db_engine, orgs.ACME) if e["side"] == "user"] == []
    assert one(db_engine, "sales_ledger", sales_ledger_id=orgs.ACME)["email"] == (
        "billing@acme-xero.example"
    )
    run_pass(xero, db_engine)
    assert open_reviews(db_engine) == []


def test_send_crm_on_a_conflict_updates_xero_and_the_crm(
    xero: RunningSandbox, db_engine: Engine
) -> None:
    item = two_sided_email_edit(xero, db_engine)
    assert act(db_engine, item["id"], "send_crm") == "send_requested"
    assert item_state(db_engine, item["id"])["resolved_at"] is None  # until Xero took it
    report = push(xero, db_engine)
    assert report.values_sent == 1
    contact = xero_records(xero, "Contacts", f'ContactID==Guid("{orgs.ACME}")')[0]
    assert contact["EmailAddress"] == "accounts@acme-crm.example"
    assert item_state(db_engine, item["id"])["resolution"] == "sent_crm"
    ledger = one(db_engine, "sales_ledger", sales_ledger_id=orgs.ACME)
    assert ledger["email"] == "accounts@acme-crm.example"
    sent = [e for e in audit(db_engine, orgs.ACME) if e["side"] == "crm"]
    assert [(e["field"], e["old_value"], e["new_value"]) for e in sent] == [
        ("email", "billing@acme-xero.example", "accounts@acme-crm.example")
    ]
    assert sent[0]["correlation_id"]
    run_pass(xero, db_engine)
    assert open_reviews(db_engine) == []
    assert one(db_engine, "company", xero_contact_id=orgs.ACME)["email"] == (
        "accounts@acme-crm.example"
    )


def test_crm_only_edit_is_reported_and_kept(xero: RunningSandbox, db_engine: Engine) -> None:
    run_pass(xero, db_engine)
    edit_ledger(db_engine, orgs.ACME, phone="0113 000 1111")
    edit_product(db_engine, "WIDGET-1", sell_price=Decimal("99.5"))
    # Xero changes another field of the same contact: the CRM's phone must survive it
    edit_in_xero(xero, "Contacts", orgs.ACME, AccountNumber="ACME02")
    run_pass(xero, db_engine)
    ledger = one(db_engine, "sales_ledger", sales_ledger_id=orgs.ACME)
    assert ledger["phone"] == "0113 000 1111"
    assert ledger["account_number"] == "ACME02"
    assert one(db_engine, "product", product_item_id="WIDGET-1")["sell_price"] == Decimal("99.5")
    items = {i["xero_id"]: i for i in open_reviews(db_engine)}
    assert {i["kind"] for i in items.values()} == {"crm_edit"}
    phone = items[orgs.ACME]["details"]["fields"]
    assert phone == {
        "sales_ledger.phone": {
            "base": "44 020 7946 0000",
            "crm": "0113 000 1111",
            "xero": "44 020 7946 0000",
            "role": "sendable",
        }
    }
    price = items[orgs.TRACKED]["details"]["fields"]["product.sell_price"]
    assert (price["crm"], price["xero"]) == ("99.5", price["base"])
    # the same edits, another pass: still one item each
    run_pass(xero, db_engine)
    assert len(open_reviews(db_engine)) == 2


def test_crm_edits_are_found_a_batch_at_a_time(xero: RunningSandbox, db_engine: Engine) -> None:
    """The scan reads links and CRM rows a batch at a time: edits in different
    batches are all reported, and one put back is closed without the others."""
    run_pass(xero, db_engine)
    edit_ledger(db_engine, orgs.ACME, phone="0113 000 1111")
    edit_ledger(db_engine, orgs.BOTH, phone="0113 000 2222")
    edit_product(db_engine, "WIDGET-1", sell_price=Decimal("99.5"))
    with db_engine.begin() as connection:
        assert scan_crm_edits(connection, None, batch=1) == 3
    edited = {i["xero_id"] for i in open_reviews(db_engine, "crm_edit")}
    assert edited == {orgs.ACME, orgs.BOTH, orgs.TRACKED}
    edit_ledger(db_engine, orgs.ACME, phone="44 020 7946 0000")  # back to Xero's value
    with db_engine.begin() as connection:
        assert scan_crm_edits(connection, None, batch=2) == 2
    assert {i["xero_id"] for i in open_reviews(db_engine, "crm_edit")} == {orgs.BOTH, orgs.TRACKED}
    with db_engine.begin() as connection:
        assert scan_crm_edits(connection, None, batch=2) == 2  # reported once each
    assert len(open_reviews(db_engine, "crm_edit")) == 2


def test_keep_xero_puts_xero_value_back_in_the_crm(xero: RunningSandbox, db_engine: Engine) -> None:
    run_pass(xero, db_engine)
    edit_ledger(db_engine, orgs.ACME, phone="0113 000 1111")
    run_pass(xero, db_engine)
    [item] = open_reviews(db_engine, "crm_edit")
    assert act(db_engine, item["id"], "keep_xero") == "kept_xero"
    assert one(db_engine, "sales_ledger", sales_ledger_id=orgs.ACME)["phone"] == (
        "44 020 7946 0000"
    )
    by_user = [e for e in audit(db_engine, orgs.ACME) if e["side"] == "user"]
    assert [(e["field"], e["old_value"], e["new_value"]) for e in by_user] == [
        ("phone", "0113 000 1111", "44 020 7946 0000")
    ]
    run_pass(xero, db_engine)
    assert open_reviews(db_engine) == []


def test_send_crm_on_a_crm_edit_updates_the_xero_item(
    xero: RunningSandbox, db_engine: Engine
) -> None:
    run_pass(xero, db_engine)
    edit_product(db_engine, "WIDGET-1", sell_price=Decimal("99.5"), description="Widget Mk II")
    run_pass(xero, db_engine)
    [item] = open_reviews(db_engine, "crm_edit")
    assert set(item["details"]["fields"]) == {"product.sell_price", "product.description"}
    act(db_engine, item["id"], "send_crm")
    assert push(xero, db_engine).values_sent == 1
    record = xero_records(xero, "Items", 'Code=="WIDGET-1"')[0]
    assert Decimal(str(record["SalesDetails"]["UnitPrice"])) == Decimal("99.5")
    assert record["Name"] == "Widget Mk II"
    assert record["IsTrackedAsInventory"] is True  # nothing else changed
    run_pass(xero, db_engine)
    assert open_reviews(db_engine) == []
    product = one(db_engine, "product", product_item_id="WIDGET-1")
    assert (product["sell_price"], product["description"]) == (Decimal("99.5"), "Widget Mk II")


def test_xero_refusal_keeps_the_item_open_with_its_words(
    xero: RunningSandbox, db_engine: Engine
) -> None:
    run_pass(xero, db_engine)
    edit_ledger(db_engine, orgs.ACME, name="Both Ways plc")  # Xero has a contact of that name
    run_pass(xero, db_engine)
    [item] = open_reviews(db_engine, "crm_edit")
    act(db_engine, item["id"], "send_crm")
    report = push(xero, db_engine)
    assert (report.values_sent, report.values_refused) == (0, 1)
    state = item_state(db_engine, item["id"])
    assert state["resolved_at"] is None and state["resolution"] is None
    assert state["explanation"].startswith("Xero refused the CRM value: ")
    assert "Both Ways plc" in state["details"]["xero_refusal"]
    contact = xero_records(xero, "Contacts", f'ContactID==Guid("{orgs.ACME}")')[0]
    assert contact["Name"] == "Acme Trading Ltd"
    assert all(e["side"] != "crm" for e in audit(db_engine, orgs.ACME))


def test_dismissed_edit_is_not_reported_again_until_it_changes(
    xero: RunningSandbox, db_engine: Engine
) -> None:
    run_pass(xero, db_engine)
    edit_ledger(db_engine, orgs.ACME, phone="0113 000 1111")
    run_pass(xero, db_engine)
    [item] = open_reviews(db_engine, "crm_edit")
    assert act(db_engine, item["id"], "dismiss") == "dismissed"
    run_pass(xero, db_engine)
    assert open_reviews(db_engine) == []
    assert one(db_engine, "sales_ledger", sales_ledger_id=orgs.ACME)["phone"] == "0113 000 1111"
    edit_ledger(db_engine, orgs.ACME, phone="0113 000 2222")
    run_pass(xero, db_engine)
    [again] = open_reviews(db_engine, "crm_edit")
    assert again["details"]["fields"]["sales_ledger.phone"]["crm"] == "0113 000 2222"


def test_retry_reads_the_record_again_at_once(xero: RunningSandbox, db_engine: Engine) -> None:
    run_pass(xero, db_engine)
    edit_ledger(db_engine, orgs.ACME, phone="0113 000 1111")
    run_pass(xero, db_engine)
    [item] = open_reviews(db_engine, "crm_edit")
    assert act(db_engine, item["id"], "retry") == "retry_requested"
    assert item_state(db_engine, item["id"])["resolved_at"] is None  # until Xero is read
    report = push(xero, db_engine)
    assert report.calls == 1  # that one record, by its id
    assert item_state(db_engine, item["id"])["resolution"] == "retry"
    [again] = open_reviews(db_engine, "crm_edit")  # the CRM still differs: reported again
    assert again["id"] != item["id"]
    assert again["details"]["fields"]["sales_ledger.phone"]["crm"] == "0113 000 1111"
    edit_ledger(db_engine, orgs.ACME, phone="44 020 7946 0000")  # put back by hand
    assert act(db_engine, again["id"], "retry") == "retry_requested"
    assert push(xero, db_engine).calls == 1
    assert open_reviews(db_engine) == []
    assert item_state(db_engine, again["id"])["resolution"] == "retry"
    run_pass(xero, db_engine)
    assert open_reviews(db_engine) == []


def test_retry_on_a_conflict_takes_xeros_newer_value_at_once(
    xero: RunningSandbox, db_engine: Engine
) -> None:
    item = two_sided_email_edit(xero, db_engine)
    edit_in_xero(xero, "Contacts", orgs.ACME, EmailAddress="finance@acme-xero.example")
    assert act(db_engine, item["id"], "retry") == "retry_requested"
    with db_engine.connect() as connection:
        row = review_item(connection, item["id"])
    assert row is not None
    waiting = {s.name: s for s in action_states(row)}
    assert not waiting["retry"].enabled and not waiting["send_crm"].enabled
    assert waiting["keep_xero"].enabled and waiting["dismiss"].enabled
    report = push(xero, db_engine)
    assert report.calls == 1
    assert item_state(db_engine, item["id"])["resolution"] == "retry"
    ledger = one(db_engine, "sales_ledger", sales_ledger_id=orgs.ACME)
    assert ledger["email"] == "finance@acme-xero.example"  # no pass needed
    changed = [e for e in audit(db_engine, orgs.ACME) if e["field"] == "email"]
    assert (changed[-1]["old_value"], changed[-1]["new_value"], changed[-1]["side"]) == (
        "billing@acme-xero.example",
        "finance@acme-xero.example",
        "xero",
    )
    assert open_reviews(db_engine) == []


def test_retry_of_a_record_xero_no_longer_has_keeps_the_item_open(
    xero: RunningSandbox, db_engine: Engine
) -> None:
    run_pass(xero, db_engine)
    edit_product(db_engine, "WIDGET-1", sell_price=Decimal("99.5"))
    run_pass(xero, db_engine)
    [item] = open_reviews(db_engine, "crm_edit")
    xero.control("DELETE", f"/items/{orgs.TRACKED}")
    act(db_engine, item["id"], "retry")
    push(xero, db_engine)
    state = item_state(db_engine, item["id"])
    assert state["resolved_at"] is None and state["resolution"] is None
    assert state["details"]["retry_refusal"] == f"Xero has no item {orgs.TRACKED} any more"
    assert state["explanation"].startswith("Xero's record could not be read again: ")


def test_the_sync_service_notices_a_send_and_makes_it(
    xero: RunningSandbox, db_engine: Engine
) -> None:
    """What the desktop app's runner does after "send the CRM value": its pusher
    reports work to do and sends it."""
    run_pass(xero, db_engine)
    edit_ledger(db_engine, orgs.ACME, vat_number="GB000111222")
    run_pass(xero, db_engine)
    [item] = open_reviews(db_engine, "crm_edit")

    async def serve() -> tuple[bool, bool]:
        db = DbWorker(db_engine)
        client = await open_client(xero_url=xero.base_url, env=CLIENT_ENV)
        pusher = OutboxPusher(client, db)
        try:
            idle = await pusher.pending()
            await db.write(lambda c: act_in(c, item["id"], "send_crm"))
            noticed = await pusher.pending()
            if noticed:
                await pusher.push()
            return idle, noticed
        finally:
            await pusher.close()
            await client.aclose()
            db.close()

    idle, noticed = asyncio.run(serve())
    assert (idle, noticed) == (False, True)
    assert item_state(db_engine, item["id"])["resolution"] == "sent_crm"
    contact = xero_records(xero, "Contacts", f'ContactID==Guid("{orgs.ACME}")')[0]
    assert contact["TaxNumber"] == "GB000111222"
