"""The organisation announces committed changes of contacts, invoices and credit
notes to its listeners (what the webhooks send), and nothing else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from xerodesk.sandbox.changes import Change
from xerodesk.sandbox.clock import SandboxClock
from xerodesk.sandbox.generator import generate
from xerodesk.sandbox.org import OrgStore

START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def clock() -> SandboxClock:
    return SandboxClock(start=START, scale=1e-9)


@pytest.fixture
def org(clock: SandboxClock) -> OrgStore:
    store = OrgStore(now=clock.now)
    store.load(generate("demo", 3))
    return store


def listen(org: OrgStore) -> list[list[Change]]:
    heard: list[list[Change]] = []
    org.add_change_listener(heard.append)
    return heard


def keys(org: OrgStore, collection: str) -> list[str]:
    found: list[str] = org.collection(collection).keys()
    return found


def test_an_edit_is_one_update_at_the_clock(org: OrgStore, clock: SandboxClock) -> None:
    heard = listen(org)
    clock.advance(30)
    contact_id = keys(org, "Contacts")[0]
    org.edit("Contacts", contact_id, {"Name": "Heard Ltd"})
    [[change]] = heard
    assert (change.collection, change.category, change.created) == ("Contacts", "CONTACT", False)
    assert change.resource_id.lower() == contact_id.lower()
    assert change.tenant_id == org.tenant_id and change.data is None
    assert abs(change.at - (START + timedelta(seconds=30))) < timedelta(milliseconds=1)


def test_a_credit_note_change_carries_type_and_status(org: OrgStore) -> None:
    heard = listen(org)
    note_id = keys(org, "CreditNotes")[0]
    note = org.record("CreditNotes", note_id)
    assert note is not None
    org.set_status("CreditNotes", note_id, "DELETED")
    [[change]] = heard
    assert change.category == "CREDITNOTE"
    assert change.data == {"Type": note["Type"], "Status": "DELETED"}


def test_rolled_back_writes_announce_nothing_even_when_nested(org: OrgStore) -> None:
    heard = listen(org)
    first, second = keys(org, "Contacts")[:2]
    with org.transaction():
        org.edit("Contacts", first, {"Name": "Kept Ltd"})
        with org.transaction() as rollback:
            org.edit("Contacts", second, {"Name": "Undone Ltd"})
            rollback()
        assert heard == []  # nothing before the outer commit
    assert [[c.resource_id.lower() for c in batch] for batch in heard] == [[first.lower()]]
    with org.transaction() as rollback:
        org.edit("Contacts", first, {"Name": "Undone Again Ltd"})
        rollback()
    assert len(heard) == 1


def test_a_record_created_and_edited_in_one_commit_is_one_create(org: OrgStore) -> None:
    heard = listen(org)
    template = org.record("Contacts", keys(org, "Contacts")[0])
    assert template is not None
    fresh = {**template, "ContactID": org.new_id(), "Name": "Fresh Ltd", "ContactNumber": "F-1"}
    with org.transaction():
        org.save("Contacts", fresh)
        org.edit("Contacts", fresh["ContactID"], {"Name": "Fresher Ltd"})
    [[change]] = heard
    assert (change.resource_id, change.created) == (fresh["ContactID"], True)


def test_items_orders_balances_and_flags_announce_nothing(org: OrgStore) -> None:
    heard = listen(org)
    contact_id = keys(org, "Contacts")[0]
    org.edit("Items", keys(org, "Items")[0], {"Name": "Quiet Widget"})
    org.edit("PurchaseOrders", keys(org, "PurchaseOrders")[0], {"Reference": "Quiet"})
    org.set_contact_balances(contact_id, ar_outstanding=5)
    org.set_contact_flags(contact_id, is_supplier=True)
    assert heard == []
