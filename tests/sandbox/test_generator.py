"""Generated organisations: deterministic, realistic, internally consistent,
and covering every row of the feature sheet."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest

from xerodesk.sandbox.generator import DEFAULT_TODAY, SIZES, Counts, generate, parse_size
from xerodesk.sandbox.wire import midnight, parse_date

Record = dict[str, Any]


def records(size: str = "demo", seed: int = 1, **kwargs: Any) -> dict[str, list[Record]]:
    snapshot = generate(size, seed, **kwargs)
    return {name: [e.record() for e in entries] for name, entries in snapshot.collections.items()}


@pytest.fixture(scope="module")
def demo() -> dict[str, list[Record]]:
    return records("demo")


@pytest.fixture(scope="module")
def small() -> dict[str, list[Record]]:
    return records("small", seed=11)


def test_sizes_and_custom_counts() -> None:
    assert parse_size("demo") == SIZES["demo"]
    assert parse_size(" Large ") == Counts(10_000, 5_000, 100_000, 10_000, 5_000)
    assert parse_size("contacts=5,invoices=7") == Counts(5, 100, 7, 100, 60)
    assert parse_size(
        "contacts=5000,items=2000,invoices=100000,credit_notes=5000,purchase_orders=3000"
    ) == Counts(5000, 2000, 100000, 5000, 3000)
    for bad in ("huge", "contacts=many", "widgets=3", "contacts"):
        with pytest.raises(ValueError, match="bad size"):
            parse_size(bad)


def test_the_same_seed_gives_the_same_organisation() -> None:
    one, two = generate("demo", 42), generate("demo", 42)
    assert one.organisation == two.organisation
    for name, entries in one.collections.items():
        assert [e.blob for e in entries] == [e.blob for e in two.collections[name]]
    other = generate("demo", 43)
    assert other.organisation["OrganisationID"] != one.organisation["OrganisationID"]


def test_counts(demo: dict[str, list[Record]], small: dict[str, list[Record]]) -> None:
    for data, counts in ((demo, SIZES["demo"]), (small, SIZES["small"])):
        assert len(data["Contacts"]) == counts.contacts
        assert len(data["Items"]) == counts.items
        assert len(data["Invoices"]) == counts.invoices
        assert len(data["CreditNotes"]) == counts.credit_notes
        assert len(data["PurchaseOrders"]) == counts.purchase_orders


def test_custom_counts_can_be_tiny() -> None:
    data = records("contacts=3,items=2,invoices=4,credit_notes=1,purchase_orders=1")
    assert [len(data[k]) for k in ("Contacts", "Items", "Invoices")] == [3, 2, 4]
    empty = records("contacts=0,items=0,invoices=0,credit_notes=0,purchase_orders=0")
    assert empty["Invoices"] == [] and empty["TaxRates"]


def test_every_document_status_and_type(demo: dict[str, list[Record]]) -> None:
    sales = {i["Status"] for i in demo["Invoices"] if i["Type"] == "ACCREC"}
    assert sales == {"DRAFT", "SUBMITTED", "AUTHORISED", "PAID", "VOIDED", "DELETED"}
    assert {i["Type"] for i in demo["Invoices"]} == {"ACCREC", "ACCPAY"}
    assert {c["Status"] for c in demo["CreditNotes"]} == {
        "DRAFT",
        "SUBMITTED",
        "AUTHORISED",
        "PAID",
        "VOIDED",
        "DELETED",
    }
    assert {c["Type"] for c in demo["CreditNotes"]} == {"ACCRECCREDIT", "ACCPAYCREDIT"}
    assert {p["Status"] for p in demo["PurchaseOrders"]} == {
        "DRAFT",
        "SUBMITTED",
        "AUTHORISED",
        "BILLED",
        "DELETED",
    }
    assert {i["LineAmountTypes"] for i in demo["Invoices"]} == {"Exclusive", "Inclusive", "NoTax"}


def test_payments_credits_and_zero_totals(demo: dict[str, list[Record]]) -> None:
    invoices = demo["Invoices"]
    assert any(i["Total"] == 0 and i["Status"] == "PAID" for i in invoices)
    assert any(
        i["Status"] == "AUTHORISED" and i["AmountPaid"] > 0 and i["AmountDue"] > 0 for i in invoices
    )
    assert any(i["AmountCredited"] > 0 and i["CreditNotes"] for i in invoices)
    assert any(i.get("IsDiscounted") for i in invoices)
    assert any(c["Allocations"] for c in demo["CreditNotes"])
    assert any(i["CurrencyCode"] != "GBP" and i["CurrencyRate"] != 1 for i in invoices)


def test_contacts_cover_the_feature_sheet(demo: dict[str, list[Record]]) -> None:
    contacts = demo["Contacts"]
    roles = Counter((c["IsCustomer"], c["IsSupplier"]) for c in contacts)
    assert set(roles) == {(True, False), (False, True), (True, True), (False, False)}
    assert any(c["ContactStatus"] == "ARCHIVED" and "MergedToContactID" not in c for c in contacts)
    merged = [c for c in contacts if "MergedToContactID" in c]
    assert merged and all(c["ContactStatus"] == "ARCHIVED" for c in merged)
    active = {c["ContactID"] for c in contacts if c["ContactStatus"] == "ACTIVE"}
    assert all(c["MergedToContactID"] in active for c in merged)
    assert any(c["ContactPersons"] for c in contacts)
    assert any(c.get("AccountNumber") for c in contacts)
    assert any(c.get("ContactNumber") for c in contacts)
    assert any(c.get("Discount") for c in contacts)
    assert any(c.get("TaxNumber") for c in contacts)
    assert any(c.get("DefaultCurrency") not in (None, "GBP") for c in contacts)
    for phone_type in ("DEFAULT", "DDI", "FAX", "MOBILE"):
        assert any(
            p["PhoneType"] == phone_type and p["PhoneNumber"] for c in contacts for p in c["Phones"]
        )
    for address_type in ("POBOX", "STREET"):
        assert any(
            a["AddressType"] == address_type and a.get("AddressLine1")
            for c in contacts
            for a in c["Addresses"]
        )
    assert all(len(c["Phones"]) == 4 and len(c["Addresses"]) == 2 for c in contacts)
    names = [c["Name"].lower() for c in contacts if c["ContactStatus"] == "ACTIVE"]
    assert len(names) == len(set(names))


def test_items_cover_the_feature_sheet(demo: dict[str, list[Record]]) -> None:
    items = demo["Items"]
    assert {i["IsTrackedAsInventory"] for i in items} == {True, False}
    assert {i["IsSold"] for i in items} == {True, False}
    assert {i["IsPurchased"] for i in items} == {True, False}
    for item in items:
        if not item["IsSold"]:
            assert item["SalesDetails"] == {} and "Description" not in item
        if item["IsTrackedAsInventory"]:
            assert item["InventoryAssetAccountCode"] and item["PurchaseDetails"]["COGSAccountCode"]
            assert "QuantityOnHand" in item and "TotalCostPool" in item


def test_tax_rates_and_currencies(demo: dict[str, list[Record]]) -> None:
    rates = demo["TaxRates"]
    assert {r["Status"] for r in rates} == {"ACTIVE", "DELETED", "ARCHIVED"}
    assert any(r["CanApplyToRevenue"] and not r["CanApplyToExpenses"] for r in rates)
    assert any(r["CanApplyToExpenses"] and not r["CanApplyToRevenue"] for r in rates)
    compound = next(r for r in rates if len(r["TaxComponents"]) > 1)
    assert compound["EffectiveRate"] == Decimal("23.0000")
    assert [c["Code"] for c in demo["Currencies"]] == ["GBP", "EUR", "USD", "AUD", "NZD"]


def _lines_add_up(document: Record, rates: dict[str, Decimal]) -> None:
    cent = Decimal("0.01")
    amounts = taxes = Decimal(0)
    for line in document["LineItems"]:
        gross = line["Quantity"] * line["UnitAmount"]
        expected = (gross * (100 - line.get("DiscountRate", 0)) / 100).quantize(cent, ROUND_HALF_UP)
        assert line["LineAmount"] == expected
        rate = rates[line["TaxType"]]
        if document["LineAmountTypes"] == "NoTax":
            tax = Decimal(0)
        elif document["LineAmountTypes"] == "Inclusive":
            tax = (expected * rate / (100 + rate)).quantize(cent, ROUND_HALF_UP)
        else:
            tax = (expected * rate / 100).quantize(cent, ROUND_HALF_UP)
        assert line["TaxAmount"] == tax
        amounts += expected
        taxes += tax
    assert document["TotalTax"] == taxes
    total = amounts if document["LineAmountTypes"] == "Inclusive" else amounts + taxes
    assert document["Total"] == total
    assert document["SubTotal"] == total - taxes


def test_amounts_are_consistent(small: dict[str, list[Record]]) -> None:
    rates = {r["TaxType"]: r["EffectiveRate"] for r in small["TaxRates"]}
    for invoice in small["Invoices"]:
        _lines_add_up(invoice, rates)
        paid = sum((p["Amount"] for p in invoice["Payments"]), Decimal(0))
        assert invoice["AmountPaid"] == paid
        if invoice["Status"] in ("PAID", "VOIDED", "DELETED"):
            assert invoice["AmountDue"] == 0
        else:
            assert invoice["AmountDue"] == invoice["Total"] - paid - invoice["AmountCredited"]
        assert ("FullyPaidOnDate" in invoice) == (invoice["Status"] == "PAID")
    for note in small["CreditNotes"]:
        _lines_add_up(note, rates)
        used = sum((a["Amount"] for a in note["Allocations"] + note["Payments"]), Decimal(0))
        if note["Status"] in ("AUTHORISED", "DRAFT", "SUBMITTED"):
            assert note["RemainingCredit"] == note["Total"] - used
        else:
            assert note["RemainingCredit"] == 0


def test_balances_and_roles_follow_the_documents(small: dict[str, list[Record]]) -> None:
    today = midnight(DEFAULT_TODAY)
    expected: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 4)
    customers, suppliers = set(), set()
    for invoice in small["Invoices"]:
        contact = invoice["Contact"]["ContactID"]
        (customers if invoice["Type"] == "ACCREC" else suppliers).add(contact)
        if invoice["Status"] == "AUTHORISED":
            at = 0 if invoice["Type"] == "ACCREC" else 2
            expected[contact][at] += invoice["AmountDue"]
            due = parse_date(invoice["DueDate"])
            if due is not None and due < today:
                expected[contact][at + 1] += invoice["AmountDue"]
    for note in small["CreditNotes"]:
        contact = note["Contact"]["ContactID"]
        (customers if note["Type"] == "ACCRECCREDIT" else suppliers).add(contact)
        if note["Status"] == "AUTHORISED":
            expected[contact][0 if note["Type"] == "ACCRECCREDIT" else 2] -= note["RemainingCredit"]
    for contact in small["Contacts"]:
        assert contact["IsCustomer"] == (contact["ContactID"] in customers)
        assert contact["IsSupplier"] == (contact["ContactID"] in suppliers)
        sums = expected.get(contact["ContactID"])
        balances = contact.get("Balances")
        if sums is None or not any(sums):
            continue
        assert balances is not None
        receivable, payable = balances["AccountsReceivable"], balances["AccountsPayable"]
        got = [
            receivable["Outstanding"],
            receivable["Overdue"],
            payable["Outstanding"],
            payable["Overdue"],
        ]
        assert got == sums


def test_documents_reference_real_records(small: dict[str, list[Record]]) -> None:
    contacts = {c["ContactID"]: c for c in small["Contacts"]}
    items = {i["Code"] for i in small["Items"]}
    invoice_ids = {i["InvoiceID"] for i in small["Invoices"]}
    for kind in ("Invoices", "CreditNotes", "PurchaseOrders"):
        for document in small[kind]:
            contact = contacts[document["Contact"]["ContactID"]]
            assert "MergedToContactID" not in contact
            assert all(
                line.get("ItemCode", next(iter(items))) in items for line in document["LineItems"]
            )
            assert 1 <= len(document["LineItems"]) <= 8
    for note in small["CreditNotes"]:
        assert all(a["Invoice"]["InvoiceID"] in invoice_ids for a in note["Allocations"])
    numbers = [i["InvoiceNumber"] for i in small["Invoices"] if i["Type"] == "ACCREC"]
    assert len(numbers) == len(set(numbers))


def test_all_times_are_before_the_anchor_day() -> None:
    day = date(2025, 1, 15)
    data = records("demo", today=day)
    for kind in ("Contacts", "Items", "Invoices", "CreditNotes", "PurchaseOrders"):
        for record in data[kind]:
            moment = parse_date(record["UpdatedDateUTC"])
            assert moment is not None and moment < midnight(day)
    assert max(parse_date(i["Date"]) for i in data["Invoices"]) < midnight(day)  # type: ignore[type-var]
