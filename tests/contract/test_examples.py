"""The spec's own example payloads load through ``OrgStore.load`` (the
``--org FILE.json`` path) and come back from the API as Xero showed them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.contract.examples import example_org, same
from tests.contract.harness import SandboxApi, make_api
from tests.contract.spec import assert_valid, example

# Fields that belong to one response, not to the stored record.
RESPONSE_ONLY = ("StatusAttributeString", "ValidationErrors", "Warnings")


@pytest.fixture
def api() -> Iterator[SandboxApi]:
    api = make_api(data=example_org())
    yield api
    api.close()


def stored_view(record: dict[str, Any], drop: tuple[str, ...] = ()) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in RESPONSE_ONLY + drop}


def test_the_example_file_survives_json(tmp_path: Any) -> None:
    path = tmp_path / "org.json"
    path.write_text(json.dumps(example_org()))
    api = make_api(data=json.loads(path.read_text()))
    assert api.org.counts() == {
        "Contacts": 5,  # 3 listed, 2 only embedded in documents
        "Items": 2,
        "Invoices": 4,
        "CreditNotes": 2,
        "PurchaseOrders": 3,
        "TaxRates": 5,
        "Currencies": 1,
    }


def test_organisation_comes_back_unchanged(api: SandboxApi) -> None:
    body = api.get("/Organisation").json()
    assert body["Organisations"] == [example("/Organisation")["Organisations"][0]]
    assert api.org.tenant_id == "b2c885a9-4bb9-4a00-9b6e-6c2bf60b1a2b"
    assert_valid(body, "Organisations")


def test_contact_by_number_is_the_example(api: SandboxApi) -> None:
    reply = api.get("/Contacts/SB2")
    assert reply.status_code == 200
    expected = example("/Contacts/{ContactNumber}")["Contacts"][0]
    (actual,) = reply.json()["Contacts"]
    assert same(expected, actual) == []
    assert_valid(reply.json(), "Contacts")


def test_paged_contacts_match_the_list_example(api: SandboxApi) -> None:
    body = api.get("/Contacts", params={"page": 1}).json()
    by_id = {c["ContactID"]: c for c in body["Contacts"]}
    for expected in example("/Contacts")["Contacts"]:
        assert same(expected, by_id[expected["ContactID"]]) == []
    assert body["pagination"] == {"page": 1, "pageSize": 100, "pageCount": 1, "itemCount": 5}


def test_invoice_by_id_is_the_example_with_the_current_contact(api: SandboxApi) -> None:
    expected = example("/Invoices/{InvoiceID}")["Invoices"][0]
    reply = api.get(f"/Invoices/{expected['InvoiceID']}")
    (actual,) = reply.json()["Invoices"]
    assert same(stored_view(expected, ("Contact",)), actual) == []
    assert actual["Contact"]["ContactID"] == expected["Contact"]["ContactID"]
    assert actual["Contact"]["ContactPersons"] == expected["Contact"]["ContactPersons"]
    assert "StatusAttributeString" not in actual
    assert_valid(reply.json(), "Invoices")


def test_invoice_list_matches_the_example(api: SandboxApi) -> None:
    body = api.get("/Invoices").json()
    by_id = {i["InvoiceID"]: i for i in body["Invoices"]}
    for expected in example("/Invoices")["Invoices"]:
        assert same(expected, by_id[expected["InvoiceID"]]) == []
    assert_valid(body, "Invoices")


def test_credit_notes_keep_undeclared_fields(api: SandboxApi) -> None:
    body = api.get("/CreditNotes").json()
    by_id = {c["CreditNoteID"]: c for c in body["CreditNotes"]}
    for expected in example("/CreditNotes")["CreditNotes"]:
        assert same(expected, by_id[expected["CreditNoteID"]]) == []
        assert by_id[expected["CreditNoteID"]]["ID"] == expected["CreditNoteID"]
    assert_valid(body, "CreditNotes")


def test_purchase_orders_match_the_examples(api: SandboxApi) -> None:
    body = api.get("/PurchaseOrders", params={"page": 1}).json()
    by_id = {p["PurchaseOrderID"]: p for p in body["PurchaseOrders"]}
    for expected in example("/PurchaseOrders")["PurchaseOrders"]:
        actual = by_id[expected["PurchaseOrderID"]]
        assert same(stored_view(expected, ("Contact",)), actual) == []
        assert actual["Type"] == "PURCHASEORDER"
    assert [p["Status"] for p in body["PurchaseOrders"]].count("DELETED") == 2
    assert_valid(body, "PurchaseOrders")


def test_items_tracked_and_untracked(api: SandboxApi) -> None:
    tracked = example("/Items/{ItemID}")["Items"][0]
    reply = api.get(f"/Items/{tracked['ItemID']}", params={"unitdp": 4})
    assert same(stored_view(tracked), reply.json()["Items"][0]) == []
    untracked = example("/Items")["Items"][1]
    listed = {i["ItemID"]: i for i in api.get("/Items").json()["Items"]}
    assert same(untracked, listed[untracked["ItemID"]]) == []
    assert listed[untracked["ItemID"]]["SalesDetails"] == {}
    assert_valid(reply.json(), "Items")


def test_tax_rates_and_currencies_are_the_examples(api: SandboxApi) -> None:
    rates = api.get("/TaxRates").json()
    assert same(example("/TaxRates")["TaxRates"], rates["TaxRates"]) == []
    currencies = api.get("/Currencies").json()
    assert currencies["Currencies"] == example("/Currencies")["Currencies"]
    assert_valid(rates, "TaxRates")
    assert_valid(currencies, "Currencies")


def test_writing_into_the_example_organisation(api: SandboxApi) -> None:
    """The example's NZ tax set drives the sums: 15% GST on income."""
    reply = api.put(
        "/Invoices",
        {
            "Invoices": [
                {
                    "Type": "ACCREC",
                    "Contact": {"ContactID": "430fa14a-f945-44d3-9f97-5df5e28441b8"},
                    "LineItems": [{"ItemCode": "123", "Quantity": 2}],
                    "Date": "2019-03-11",
                }
            ]
        },
    )
    assert reply.status_code == 200, reply.text
    (invoice,) = reply.json()["Invoices"]
    assert invoice["InvoiceNumber"] == "INV-0007"  # after INV-0006 in the examples
    assert invoice["LineItems"][0]["TaxType"] == "OUTPUT2"
    assert (invoice["SubTotal"], invoice["TotalTax"], invoice["Total"]) == (10000, 1500, 11500)
    assert invoice["CurrencyCode"] == "NZD"
    assert_valid(reply.json(), "Invoices")
