"""The sandbox's webhooks: what a change sends, batching, retries and disabling,
over a real receiver on loopback, on a sandbox clock moved by the test."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.contract.spec import webhook_problems
from tests.sandbox.webhook_support import (
    KEY,
    advance,
    deliver,
    edit,
    hook_state,
    pick,
    still_sandbox,
    subscribe,
)
from tests.support.sandbox import RunningSandbox
from tests.support.webhook_receiver import WebhookReceiver, signature_of
from xerodesk.sandbox.webhook_wire import event_date


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver(KEY) as running:
        yield running


@pytest.fixture
def sb(make_sandbox: Callable[..., RunningSandbox]) -> RunningSandbox:
    return still_sandbox(make_sandbox)


def test_an_api_edit_of_a_contact_sends_one_signed_update(
    sb: RunningSandbox, receiver: WebhookReceiver
) -> None:
    subscribe(sb, receiver)
    contact = pick(sb, "Contacts", ContactStatus="ACTIVE")
    changed_at = sb.state.clock.now()
    reply = sb.api(
        "POST",
        f"/Contacts/{contact['ContactID']}",
        json={"Contacts": [{"ContactID": contact["ContactID"], "EmailAddress": "a@b.example"}]},
    )
    assert reply.status_code == 200, reply.text
    assert deliver(sb) == []  # the batch is still open
    advance(sb, 5)
    (result,) = deliver(sb)
    assert (result.ok, result.signed, result.first_sequence, result.last_sequence) == (
        True,
        True,
        1,
        1,
    )
    (got,) = receiver.received
    assert got.headers["content-type"] == "application/json"
    assert got.signature == signature_of(got.body, KEY)
    body = got.json()
    assert webhook_problems(body) == []
    assert (body["firstEventSequence"], body["lastEventSequence"]) == (1, 1)
    assert re.fullmatch("[A-Z]{20}", body["entropy"])
    assert body["events"] == [
        {
            "resourceUrl": f"https://api.xero.com/api.xro/2.0/Contacts/{contact['ContactID']}",
            "resourceId": contact["ContactID"],
            "eventDateUtc": event_date(changed_at),
            "eventType": "UPDATE",
            "eventCategory": "CONTACT",
            "tenantId": sb.state.org.tenant_id,
            "tenantType": "ORGANISATION",
        }
    ]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}", body["events"][0]["eventDateUtc"])
    state = hook_state(sb)
    assert (state["status"], state["sequence"], state["queued"], state["waiting"]) == (
        "OK",
        1,
        0,
        0,
    )
    assert state["deliveries"]["sent"] == 1 and state["deliveries"]["acknowledged"] == 1
    assert state["deliveries"]["failed"] == 0 and state["last_status"] == 200


def test_a_new_invoice_for_a_new_contact_gives_two_creates(
    sb: RunningSandbox, receiver: WebhookReceiver
) -> None:
    subscribe(sb, receiver)
    line = {"Description": "Work", "Quantity": 1, "UnitAmount": 100, "AccountCode": "200"}
    invoice = {"Type": "ACCREC", "Contact": {"Name": "Hooked Newco Ltd"}, "LineItems": [line]}
    reply = sb.api("PUT", "/Invoices", json={"Invoices": [invoice]})
    assert reply.status_code == 200, reply.text
    (saved,) = reply.json()["Invoices"]
    advance(sb, 5)
    assert [r.ok for r in deliver(sb)] == [True]
    (body,) = receiver.bodies()
    assert webhook_problems(body) == []
    assert [(e["eventCategory"], e["eventType"], e["resourceId"]) for e in body["events"]] == [
        ("CONTACT", "CREATE", saved["Contact"]["ContactID"]),
        ("INVOICE", "CREATE", saved["InvoiceID"]),
    ]
    assert (body["firstEventSequence"], body["lastEventSequence"]) == (1, 2)


def test_an_invoice_for_an_existing_contact_announces_the_invoice_only(
    sb: RunningSandbox, receiver: WebhookReceiver
) -> None:
    subscribe(sb, receiver)
    contact = pick(sb, "Contacts", ContactStatus="ACTIVE", IsCustomer=False)
    line = {"Description": "Work", "Quantity": 2, "UnitAmount": 50, "AccountCode": "200"}
    invoice = {
        "Type": "ACCREC",
        "Status": "AUTHORISED",
        "Contact": {"ContactID": contact["ContactID"]},
        "LineItems": [line],
    }
    reply = sb.api("PUT", "/Invoices", json={"Invoices": [invoice]})
    assert reply.status_code == 200, reply.text
    # Balances and IsCustomer moved without a new UpdatedDateUTC: no contact event.
    assert sb.state.org.record("Contacts", contact["ContactID"])["IsCustomer"] is True
    advance(sb, 5)
    deliver(sb)
    (body,) = receiver.bodies()
    assert [(e["eventCategory"], e["eventType"]) for e in body["events"]] == [("INVOICE", "CREATE")]


def test_a_credit_note_event_carries_its_type_and_status(
    sb: RunningSandbox, receiver: WebhookReceiver
) -> None:
    subscribe(sb, receiver)
    note = pick(sb, "CreditNotes", Status="AUTHORISED")
    path = f"/documents/CreditNotes/{note['CreditNoteID']}/status"
    sb.control("POST", path, {"Status": "VOIDED"})
    advance(sb, 5)
    deliver(sb)
    (body,) = receiver.bodies()
    assert webhook_problems(body, "CreditNoteWebhookEvent") == []
    (event,) = body["events"]
    assert (event["eventCategory"], event["eventType"], event["resourceId"]) == (
        "CREDITNOTE",
        "UPDATE",
        note["CreditNoteID"],
    )
    assert event["data"] == {"Type": note["Type"], "Status": "VOIDED"}


def test_a_rolled_back_write_sends_nothing_and_a_commit_announces_each_record_once(
    sb: RunningSandbox, receiver: WebhookReceiver
) -> None:
    subscribe(sb, receiver)
    org = sb.state.org
    first, second = (pick(sb, "Contacts", n, ContactStatus="ACTIVE") for n in (0, 1))
    with org.transaction() as rollback:
        org.edit("Contacts", first["ContactID"], {"Name": "Never Saved Ltd"})
        rollback()
    assert org.record("Contacts", first["ContactID"])["Name"] == first["Name"]
    advance(sb, 5)
    assert deliver(sb) == [] and hook_state(sb)["sequence"] == 0
    with org.transaction():
        org.edit("Contacts", first["ContactID"], {"Name": "Once Ltd"})
        org.edit("Contacts", second["ContactID"], {"Name": "Twice Ltd"})
        org.edit("Contacts", first["ContactID"], {"Name": "Once Again Ltd"})
    advance(sb, 5)
    deliver(sb)
    (body,) = receiver.bodies()
    assert [e["resourceId"] for e in body["events"]] == [first["ContactID"], second["ContactID"]]


def test_changes_xero_does_not_announce_send_nothing(
    sb: RunningSandbox, receiver: WebhookReceiver
) -> None:
    subscribe(sb, receiver)
    item = pick(sb, "Items", IsTrackedAsInventory=True)
    contact = pick(sb, "Contacts", ContactStatus="ACTIVE")
    edit(sb, "Items", item["ItemID"], Name="Renamed Widget")
    sb.control("POST", f"/items/{item['ItemID']}/quantity", {"QuantityOnHand": 3})
    order = pick(sb, "PurchaseOrders")
    edit(sb, "PurchaseOrders", order["PurchaseOrderID"], DeliveryInstructions="Back door")
    sb.control("POST", f"/contacts/{contact['ContactID']}/flags", {"IsSupplier": True})
    balances = {"AccountsReceivable": {"Outstanding": 12, "Overdue": 0}}
    sb.control("POST", f"/contacts/{contact['ContactID']}/balances", balances)
    advance(sb, 60)
    assert deliver(sb) == []
    assert receiver.received == [] and hook_state(sb)["sequence"] == 0


def test_changes_within_a_batch_window_share_one_delivery(
    sb: RunningSandbox, receiver: WebhookReceiver
) -> None:
    subscribe(sb, receiver, batch_seconds=10, max_events=2)
    contacts = [pick(sb, "Contacts", n, ContactStatus="ACTIVE") for n in range(4)]
    edit(sb, "Contacts", contacts[0]["ContactID"], Name="One Ltd")
    advance(sb, 4)
    edit(sb, "Contacts", contacts[1]["ContactID"], Name="Two Ltd")
    sb.control("POST", "/random-edit", {"collection": "Invoices", "count": 1})
    advance(sb, 4)
    assert deliver(sb) == []  # 8 s into a 10 s window
    advance(sb, 2)
    results = deliver(sb)
    assert [(r.first_sequence, r.last_sequence, r.events) for r in results] == [
        (1, 2, 2),
        (3, 3, 1),
    ]
    first, second = receiver.bodies()
    assert [e["eventCategory"] for e in first["events"] + second["events"]] == [
        "CONTACT",
        "CONTACT",
        "INVOICE",
    ]
    dates = [e["eventDateUtc"] for e in first["events"]]
    assert dates == sorted(dates) and dates[0] != dates[1]
    edit(sb, "Contacts", contacts[3]["ContactID"], Name="Four Ltd")
    advance(sb, 9.5)
    assert deliver(sb) == []
    advance(sb, 0.5)
    assert [(r.first_sequence, r.last_sequence) for r in deliver(sb)] == [(4, 4)]


def test_a_failing_receiver_gets_the_same_body_again_less_and_less_often(
    sb: RunningSandbox, receiver: WebhookReceiver
) -> None:
    receiver.mode = "500"
    subscribe(sb, receiver)
    edit(sb, "Contacts", pick(sb, "Contacts")["ContactID"], Name="Retried Ltd")
    advance(sb, 5)
    assert [(r.status, r.attempt) for r in deliver(sb)] == [(500, 1)]
    state = hook_state(sb)
    assert (state["waiting"], state["deliveries"]["failed"], state["last_status"]) == (1, 1, 500)
    for gap in (60, 120, 240):
        advance(sb, gap - 1)
        assert deliver(sb) == []
        advance(sb, 1)
        assert [r.status for r in deliver(sb)] == [500]
    assert len(receiver.received) == 4
    assert len({r.body for r in receiver.received}) == 1
    assert len({r.signature for r in receiver.received}) == 1
    receiver.mode = "verify"
    advance(sb, 480)
    assert [(r.status, r.attempt) for r in deliver(sb)] == [(200, 5)]
    state = hook_state(sb)
    assert state["deliveries"]["acknowledged"] == 1 and state["waiting"] == 0


def test_after_24_hours_of_failures_the_webhook_is_disabled_until_intent_passes(
    sb: RunningSandbox, receiver: WebhookReceiver
) -> None:
    receiver.mode = "500"
    subscribe(sb, receiver)
    contact = pick(sb, "Contacts")
    edit(sb, "Contacts", contact["ContactID"], Name="Unheard Ltd")
    advance(sb, 5)
    deliver(sb)
    advance(sb, 86_399)
    assert [r.status for r in deliver(sb)] == [500]
    assert hook_state(sb)["status"] == "OK"
    advance(sb, 120)
    assert [r.status for r in deliver(sb)] == [500]
    state = hook_state(sb)
    assert (state["status"], state["waiting"], state["events"]["lost"]) == ("DISABLED", 0, 1)
    assert state["disabled_at"] is not None
    edit(sb, "Contacts", contact["ContactID"], Name="Still Unheard Ltd")
    advance(sb, 3600)
    assert deliver(sb) == []
    assert (hook_state(sb)["queued"], hook_state(sb)["sequence"]) == (0, 1)
    receiver.mode = "verify"
    assert sb.control("POST", "/webhooks/intent")["passed"] is True
    edit(sb, "Contacts", contact["ContactID"], Name="Heard Again Ltd")
    advance(sb, 5)
    assert [(r.ok, r.first_sequence) for r in deliver(sb)] == [(True, 2)]


def test_the_control_endpoints_register_show_deliver_and_remove(
    sb: RunningSandbox, receiver: WebhookReceiver
) -> None:
    listed = sb.control("GET", "/")["endpoints"]
    for endpoint in ("POST /_sandbox/webhooks", "DELETE /_sandbox/webhooks"):
        assert endpoint in listed
    assert "POST /_sandbox/webhooks/intent" in listed
    assert hook_state(sb) == {"registered": False}
    bad: list[dict[str, Any]] = [
        {"key": KEY},
        {"url": receiver.url},
        {"url": receiver.url, "key": KEY, "categories": ["ITEM"]},
        {"url": receiver.url, "key": KEY, "faults": {"drop": 0.6, "repeat": 0.6}},
        {"url": receiver.url, "key": KEY, "faults": {"lose": 0.1}},
        {"url": receiver.url, "key": KEY, "batch": 3},
        {"url": receiver.url, "key": KEY, "delay_seconds": -1},
    ]
    for body in bad:
        assert sb.http.post("/_sandbox/webhooks", json=body).status_code == 400, body
    assert sb.http.post("/_sandbox/webhooks/intent").status_code == 404
    state = subscribe(sb, receiver, categories=["INVOICE"], delay_seconds=30)
    assert (state["status"], state["categories"]) == ("OK", ["INVOICE"])
    assert "key" not in state["options"] and state["options"]["delay_seconds"] == 30
    edit(sb, "Contacts", pick(sb, "Contacts")["ContactID"], Name="Not Subscribed Ltd")
    sb.control("POST", "/random-edit", {"collection": "Invoices", "count": 2})
    assert hook_state(sb)["queued"] == 2
    advance(sb, 34)
    assert sb.control("POST", "/webhooks/deliver")["results"] == []  # ready at 30, closes at 35
    advance(sb, 1)
    (result,) = sb.control("POST", "/webhooks/deliver")["results"]
    assert (result["events"], result["status"], result["ok"]) == (2, 200, True)
    assert sb.control("DELETE", "/webhooks") == {"deleted": True}
    assert hook_state(sb) == {"registered": False}
    assert sb.control("DELETE", "/webhooks") == {"deleted": False}


def test_the_server_delivers_as_the_sandbox_clock_passes(make_sandbox: Any) -> None:
    with WebhookReceiver(KEY) as hooked:
        subscription = {"url": hooked.url, "key": KEY, "intent": False, "batch_seconds": 5}
        running = make_sandbox(
            generate="demo", seed=5, rate_limits="off", clock_scale=50, webhook=subscription
        )
        assert hook_state(running)["status"] == "OK"
        contact = pick(running, "Contacts")
        edit(running, "Contacts", contact["ContactID"], Name="Threaded Ltd")
        (got,) = hooked.wait_for(1)
        assert got.signature == signature_of(got.body, KEY)
        assert [e["resourceId"] for e in got.json()["events"]] == [contact["ContactID"]]
        moment = datetime.fromisoformat(got.json()["events"][0]["eventDateUtc"]).replace(tzinfo=UTC)
        assert moment <= running.state.clock.now()
