"""``OrgStore``: loading, reset, export and the edits a user makes in Xero."""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from xerodesk.sandbox.clock import SandboxClock
from xerodesk.sandbox.generator import generate
from xerodesk.sandbox.org import OrgStore, StoreOptions
from xerodesk.sandbox.wire import ms_date, parse_date

START = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> SandboxClock:
    return SandboxClock(start=START, scale=1.0)


@pytest.fixture
def org(clock: SandboxClock) -> OrgStore:
    store = OrgStore(clock.now)
    store.load(generate("demo", 5))
    return store


def first(org: OrgStore, collection: str, **fields: object) -> dict[str, object]:
    for entry in org.collection(collection).in_insertion_order():
        record = entry.record()
        if all(record.get(k) == v for k, v in fields.items()):
            return record
    raise AssertionError(f"no {collection} record with {fields}")


def updated(record: dict[str, object]) -> datetime:
    moment = parse_date(record["UpdatedDateUTC"])
    assert moment is not None
    return moment


def test_a_new_store_is_an_empty_but_usable_organisation(clock: SandboxClock) -> None:
    store = OrgStore(clock.now)
    assert store.counts()["Contacts"] == 0
    assert store.counts()["TaxRates"] > 0
    assert store.tenant_id
    assert store.base_currency == "GBP"
    assert store.options == StoreOptions()


def test_load_counts_tenant_and_organisation(org: OrgStore) -> None:
    assert org.counts() == {
        "Contacts": 40,
        "Items": 30,
        "Invoices": 150,
        "CreditNotes": 20,
        "PurchaseOrders": 15,
        "TaxRates": 14,
        "Currencies": 5,
    }
    assert org.organisation["OrganisationID"] == org.tenant_id
    assert org.currency_codes() == {"GBP", "EUR", "USD", "AUD", "NZD"}


def test_reset_returns_to_what_was_loaded(org: OrgStore, clock: SandboxClock) -> None:
    contact = first(org, "Contacts", ContactStatus="ACTIVE")
    org.edit("Contacts", contact["ContactID"], {"Name": "Renamed Ltd"})
    item = first(org, "Items")
    org.delete_item(item["ItemID"])
    assert org.counts()["Items"] == 29
    org.reset()
    assert org.counts()["Items"] == 30
    assert org.record("Contacts", contact["ContactID"]) == contact


def test_export_loads_back_to_the_same_organisation(org: OrgStore, clock: SandboxClock) -> None:
    again = OrgStore(clock.now)
    again.load(org.export())
    assert again.counts() == org.counts()
    assert again.tenant_id == org.tenant_id
    invoice = first(org, "Invoices", Status="PAID")
    assert again.record("Invoices", invoice["InvoiceID"]) == invoice


def test_edit_bumps_updated_date_and_moves_the_record_last(
    org: OrgStore, clock: SandboxClock
) -> None:
    contact = first(org, "Contacts", ContactStatus="ACTIVE")
    clock.advance(60)
    changed = org.edit("Contacts", contact["ContactID"], {"EmailAddress": "new@example.com"})
    assert changed["EmailAddress"] == "new@example.com"
    assert timedelta(0) <= clock.now() - updated(changed) < timedelta(seconds=5)
    assert updated(changed) > updated(contact)
    assert org.collection("Contacts").ordered()[-1].key == contact["ContactID"].lower()


def test_edit_of_invoice_lines_recomputes_totals(org: OrgStore) -> None:
    invoice = first(org, "Invoices", Status="DRAFT", LineAmountTypes="Exclusive")
    lines = [{"Description": "Flat", "Quantity": 2, "UnitAmount": 50, "TaxType": "OUTPUT2"}]
    changed = org.edit("Invoices", invoice["InvoiceID"], {"LineItems": lines})
    assert (changed["SubTotal"], changed["TotalTax"], changed["Total"]) == (
        Decimal("100.00"),
        Decimal("20.00"),
        Decimal("120.00"),
    )
    assert changed["AmountDue"] == Decimal("120.00")


def test_edit_of_a_reference_keeps_totals(org: OrgStore) -> None:
    invoice = first(org, "Invoices", Status="PAID")
    changed = org.edit("Invoices", invoice["InvoiceID"], {"Reference": "Changed"})
    assert changed["Total"] == invoice["Total"]
    assert changed["Reference"] == "Changed"
    assert changed["UpdatedDateUTCString"].endswith("Z")


def test_unknown_records_and_statuses(org: OrgStore) -> None:
    with pytest.raises(KeyError):
        org.edit("Contacts", "00000000-0000-0000-0000-000000000000", {"Name": "x"})
    with pytest.raises(KeyError):
        org.edit("Nonsense", "x", {})
    invoice = first(org, "Invoices")
    with pytest.raises(ValueError, match="not a status"):
        org.set_status("Invoices", invoice["InvoiceID"], "BILLED")


def test_archive_and_restore_contact(org: OrgStore, clock: SandboxClock) -> None:
    contact = first(org, "Contacts", ContactStatus="ACTIVE")
    clock.advance(5)
    archived = org.archive_contact(contact["ContactID"])
    assert archived["ContactStatus"] == "ARCHIVED"
    assert updated(archived) > updated(contact)
    assert org.restore_contact(contact["ContactID"])["ContactStatus"] == "ACTIVE"


def test_merge_archives_the_loser_and_moves_its_documents(org: OrgStore) -> None:
    invoice = first(org, "Invoices", Type="ACCREC")
    loser_id = invoice["Contact"]["ContactID"]
    winner = next(
        e.record()
        for e in org.collection("Contacts")
        if e.key != loser_id.lower() and e.record()["ContactStatus"] == "ACTIVE"
    )
    merged = org.merge_contacts(loser_id, winner["ContactID"])
    assert merged["ContactStatus"] == "ARCHIVED"
    assert merged["MergedToContactID"] == winner["ContactID"]
    moved = org.record("Invoices", invoice["InvoiceID"])
    assert moved is not None and moved["Contact"]["ContactID"] == winner["ContactID"]
    assert org.record("Contacts", winner["ContactID"])["IsCustomer"] is True  # type: ignore[index]
    with pytest.raises(ValueError):
        org.merge_contacts(winner["ContactID"], winner["ContactID"])


def test_balances_and_flags_change_without_bumping(org: OrgStore, clock: SandboxClock) -> None:
    contact = first(org, "Contacts", ContactStatus="ACTIVE")
    clock.advance(30)
    changed = org.set_contact_balances(contact["ContactID"], ar_outstanding="12.5", ap_overdue=3)
    assert changed["Balances"]["AccountsReceivable"]["Outstanding"] == Decimal("12.50")
    assert changed["Balances"]["AccountsPayable"]["Overdue"] == Decimal("3.00")
    flagged = org.set_contact_flags(contact["ContactID"], is_customer=True, is_supplier=True)
    assert (flagged["IsCustomer"], flagged["IsSupplier"]) == (True, True)
    assert flagged["UpdatedDateUTC"] == contact["UpdatedDateUTC"]


def test_quantity_on_hand(org: OrgStore, clock: SandboxClock) -> None:
    tracked = first(org, "Items", IsTrackedAsInventory=True)
    clock.advance(5)
    changed = org.set_quantity_on_hand(tracked["ItemID"], 7)
    assert changed["QuantityOnHand"] == Decimal("7.0000")
    assert updated(changed) > updated(tracked)
    untracked = first(org, "Items", IsTrackedAsInventory=False)
    with pytest.raises(ValueError):
        org.set_quantity_on_hand(untracked["ItemID"], 1)


def test_delete_item_is_for_good(org: OrgStore) -> None:
    item = first(org, "Items")
    assert org.delete_item(item["ItemID"]) is True
    assert org.record("Items", item["ItemID"]) is None
    assert org.delete_item(item["ItemID"]) is False


def test_void_and_pay_invoices_keep_balances_in_step(org: OrgStore) -> None:
    invoice = first(org, "Invoices", Type="ACCREC", Status="AUTHORISED", CurrencyCode="GBP")
    contact_id = invoice["Contact"]["ContactID"]

    def outstanding() -> Decimal:
        record = org.record("Contacts", contact_id)
        assert record is not None
        return Decimal(record["Balances"]["AccountsReceivable"]["Outstanding"])

    before = outstanding()
    paid = org.set_status("Invoices", invoice["InvoiceID"], "PAID")
    assert paid["AmountDue"] == Decimal("0.00")
    assert paid["AmountPaid"] == invoice["AmountPaid"] + invoice["AmountDue"]
    assert paid["FullyPaidOnDate"] == ms_date(START.replace(hour=0))
    assert outstanding() == before - invoice["AmountDue"]


def test_voiding_zeroes_amount_due(org: OrgStore) -> None:
    invoice = first(org, "Invoices", Status="AUTHORISED")
    voided = org.set_status("Invoices", invoice["InvoiceID"], "VOIDED")
    assert voided["Status"] == "VOIDED"
    assert voided["AmountDue"] == Decimal("0.00")


def test_tax_rate_status_changes(org: OrgStore) -> None:
    changed = org.set_status("TaxRates", "RROUTPUT", "DELETED")
    assert changed["Status"] == "DELETED"
    assert "UpdatedDateUTC" not in changed


def test_random_edit_is_seeded(org: OrgStore) -> None:
    ids = [org.random_edit(random.Random(3), "Invoices") for _ in range(2)]
    assert ids[0] == ids[1]
    assert org.collection("Invoices").ordered()[-1].key == ids[0].lower()
    for collection in ("Contacts", "Items", "CreditNotes", "PurchaseOrders"):
        assert org.record(collection, org.random_edit(random.Random(1), collection))
    with pytest.raises(KeyError):
        org.random_edit(random.Random(1), "Currencies")


def test_concurrent_edits_are_safe(org: OrgStore) -> None:
    errors: list[BaseException] = []

    def churn(seed: int) -> None:
        rng = random.Random(seed)
        try:
            for _ in range(40):
                org.random_edit(rng, "Contacts")
                org.counts()
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=churn, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert org.counts()["Contacts"] == 40


def test_transaction_rollback_restores_everything(org: OrgStore) -> None:
    contact = first(org, "Contacts", ContactStatus="ACTIVE")
    with org.transaction() as rollback:
        org.edit("Contacts", contact["ContactID"], {"Name": "Temporary"})
        org.delete_item(first(org, "Items")["ItemID"])
        rollback()
    assert org.record("Contacts", contact["ContactID"]) == contact
    assert org.counts()["Items"] == 30


def test_clock_time_stamps_new_writes(org: OrgStore, clock: SandboxClock) -> None:
    clock.advance(timedelta(days=2).total_seconds())
    contact = first(org, "Contacts")
    changed = org.edit("Contacts", contact["ContactID"], {"Website": "https://x.example"})
    assert updated(changed).date() == (START + timedelta(days=2)).date()
