"""Every kind of response the sandbox gives validates against Xero's
official OpenAPI schemas: lists (paged and not), single records, create and
update results, validation errors, summarizeErrors=false results, query
errors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.contract.harness import SandboxApi, make_api
from tests.contract.spec import assert_valid, problems

LISTS = ["Contacts", "Items", "Invoices", "CreditNotes", "PurchaseOrders", "TaxRates", "Currencies"]
PAGED = ["Contacts", "Invoices", "CreditNotes", "PurchaseOrders"]
KEYS = {
    "Contacts": "ContactID",
    "Items": "ItemID",
    "Invoices": "InvoiceID",
    "CreditNotes": "CreditNoteID",
    "PurchaseOrders": "PurchaseOrderID",
    "TaxRates": "TaxType",
}


@pytest.fixture(scope="module")
def api() -> Iterator[SandboxApi]:
    api = make_api("small", seed=7)
    yield api
    api.close()


def test_the_validator_catches_a_wrong_shape() -> None:
    assert problems({"Invoices": [{"Status": "NOPE"}]}, "Invoices")
    assert problems({"Contacts": [{"ContactID": "not-a-uuid"}]}, "Contacts")
    assert problems({"ErrorNumber": "ten"}, "Error")


def test_organisation(api: SandboxApi) -> None:
    assert_valid(api.get("/Organisation").json(), "Organisations")


@pytest.mark.parametrize("collection", LISTS)
def test_unpaged_lists(api: SandboxApi, collection: str) -> None:
    body = api.get(f"/{collection}").json()
    assert body[collection]
    assert_valid(body, collection)


@pytest.mark.parametrize("collection", PAGED)
def test_every_page_of_every_record(api: SandboxApi, collection: str) -> None:
    """All generated variants (statuses, payments, allocations…) validate."""
    records = api.all(collection, includeArchived="true")
    assert records
    assert_valid({collection: records}, collection)


@pytest.mark.parametrize("collection", PAGED)
def test_summary_only_and_four_places(api: SandboxApi, collection: str) -> None:
    params = {"page": 1, "summaryOnly": "true", "unitdp": 4}
    assert_valid(api.get(f"/{collection}", params=params).json(), collection)


@pytest.mark.parametrize("collection", list(KEYS))
def test_single_records(api: SandboxApi, collection: str) -> None:
    first: dict[str, Any] = api.get(f"/{collection}").json()[collection][0]
    reply = api.get(f"/{collection}/{first[KEYS[collection]]}")
    assert reply.status_code == 200
    assert len(reply.json()[collection]) == 1
    assert_valid(reply.json(), collection)


def test_create_and_update_results(api: SandboxApi) -> None:
    contact = api.put("/Contacts", {"Contacts": [{"Name": "Schema Check Ltd"}]})
    assert contact.status_code == 200
    assert_valid(contact.json(), "Contacts")
    contact_id = contact.json()["Contacts"][0]["ContactID"]
    item = api.put("/Items", {"Items": [{"Code": "SCHEMA-1", "Name": "Schema item"}]})
    assert_valid(item.json(), "Items")
    invoice = api.put(
        "/Invoices",
        {
            "Invoices": [
                {
                    "Type": "ACCREC",
                    "Contact": {"ContactID": contact_id},
                    "LineItems": [{"ItemCode": "SCHEMA-1", "Description": "x", "UnitAmount": 5}],
                }
            ]
        },
    )
    assert_valid(invoice.json(), "Invoices")
    invoice_id = invoice.json()["Invoices"][0]["InvoiceID"]
    updated = api.post(f"/Invoices/{invoice_id}", {"Invoices": [{"Status": "AUTHORISED"}]})
    assert updated.status_code == 200
    assert_valid(updated.json(), "Invoices")
    assert_valid(
        api.post(
            "/Contacts", {"Contacts": [{"ContactID": contact_id, "EmailAddress": "a@b.c"}]}
        ).json(),
        "Contacts",
    )


def test_validation_errors(api: SandboxApi) -> None:
    for path, body in (
        ("/Contacts", {"Contacts": [{"Name": ""}]}),
        ("/Items", {"Items": [{"Name": "no code"}]}),
        ("/Invoices", {"Invoices": [{"Type": "ACCREC", "LineItems": [{"ItemCode": "NOPE"}]}]}),
    ):
        reply = api.put(path, body)
        assert reply.status_code == 400
        assert reply.json()["Type"] == "ValidationException"
        assert_valid(reply.json(), "Error")


def test_summarize_errors_false_results(api: SandboxApi) -> None:
    reply = api.put(
        "/Contacts",
        {"Contacts": [{"Name": "Mixed Batch Good"}, {"Name": ""}]},
        params={"summarizeErrors": "false"},
    )
    assert reply.status_code == 200
    assert [c["StatusAttributeString"] for c in reply.json()["Contacts"]] == ["OK", "ERROR"]
    assert_valid(reply.json(), "Contacts")


def test_query_errors(api: SandboxApi) -> None:
    reply = api.get("/Invoices", params={"where": "Status=="})
    assert reply.status_code == 400
    assert_valid(reply.json(), "Error")
