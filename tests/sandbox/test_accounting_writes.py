"""Accounting API writes: creates, updates, computed fields and Xero's
validation errors, with and without summarizeErrors."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from tests.contract.harness import SandboxApi, make_api
from xerodesk.sandbox.wire import parse_date

ZERO_ID = "00000000-0000-0000-0000-000000000000"


@pytest.fixture
def api() -> Iterator[SandboxApi]:
    api = make_api("demo", seed=21)
    yield api
    api.close()


def active_contact(api: SandboxApi, **fields: Any) -> dict[str, Any]:
    for contact in api.get("/Contacts", params={"page": 1}).json()["Contacts"]:
        if contact["ContactStatus"] == "ACTIVE" and all(
            contact.get(k) == v for k, v in fields.items()
        ):
            return contact
    raise AssertionError(f"no active contact with {fields}")


def item(api: SandboxApi, **fields: Any) -> dict[str, Any]:
    for record in api.get("/Items", params={"unitdp": 4}).json()["Items"]:
        if all(record.get(k) == v for k, v in fields.items()):
            return record
    raise AssertionError(f"no item with {fields}")


def invoice_body(contact_id: str, **extra: Any) -> dict[str, Any]:
    base = {
        "Type": "ACCREC",
        "Contact": {"ContactID": contact_id},
        "LineItems": [
            {"Description": "Work", "Quantity": 1, "UnitAmount": 100, "AccountCode": "200"}
        ],
    }
    return {"Invoices": [{**base, **extra}]}


def errors_of(element: dict[str, Any]) -> list[str]:
    return [e["Message"] for e in element["ValidationErrors"]]


# ------------------------------------------------------------------ contacts
def test_create_contact_with_read_only_fields_ignored(api: SandboxApi) -> None:
    api.clock.advance(1)
    reply = api.put(
        "/Contacts",
        {
            "Contacts": [
                {
                    "Name": "  Fresh Prospects Ltd ",
                    "ContactNumber": "CRM-17",
                    "EmailAddress": "hello@fresh.example",
                    "IsCustomer": True,
                    "IsSupplier": True,
                    "Discount": 50,
                    "Website": "https://ignored.example",
                    "Balances": {"AccountsReceivable": {"Outstanding": 5}},
                    "Phones": [
                        {"PhoneType": "MOBILE", "PhoneNumber": "555-1212", "PhoneAreaCode": "415"}
                    ],
                    "Addresses": [
                        {"AddressType": "POBOX", "AddressLine1": "PO Box 1", "City": "Leeds"}
                    ],
                }
            ]
        },
    )
    assert reply.status_code == 200, reply.text
    (contact,) = reply.json()["Contacts"]
    assert contact["Name"] == "Fresh Prospects Ltd"
    assert contact["ContactNumber"] == "CRM-17"
    assert contact["ContactStatus"] == "ACTIVE"
    assert (contact["IsCustomer"], contact["IsSupplier"]) == (False, False)
    assert "Discount" not in contact and "Website" not in contact and "Balances" not in contact
    assert [p["PhoneType"] for p in contact["Phones"]] == ["MOBILE", "DDI", "DEFAULT", "FAX"]
    assert {a["AddressType"] for a in contact["Addresses"]} == {"POBOX", "STREET"}
    assert parse_date(contact["UpdatedDateUTC"]).date() == api.clock.now().date()  # type: ignore[union-attr]
    assert contact["StatusAttributeString"] == "OK"
    fetched = api.get("/Contacts/CRM-17").json()["Contacts"][0]
    assert fetched["ContactID"] == contact["ContactID"]


def test_duplicate_contact_name_is_refused(api: SandboxApi) -> None:
    existing = active_contact(api)
    reply = api.put("/Contacts", {"Contacts": [{"Name": existing["Name"].upper()}]})
    assert reply.status_code == 400
    body = reply.json()
    assert (body["ErrorNumber"], body["Type"], body["Message"]) == (
        10,
        "ValidationException",
        "A validation exception occurred",
    )
    (element,) = body["Elements"]
    assert element["ContactID"] == ZERO_ID
    assert element["HasValidationErrors"] is True
    assert errors_of(element) == [
        f"The contact name {existing['Name'].upper()} is already assigned to another contact. "
        "The contact name must be unique across all active contacts."
    ]


def test_archived_names_may_be_reused(api: SandboxApi) -> None:
    archived = next(
        c for c in api.all("Contacts", includeArchived="true") if c["ContactStatus"] == "ARCHIVED"
    )
    assert api.put("/Contacts", {"Contacts": [{"Name": archived["Name"]}]}).status_code == 200


def test_missing_name_and_bad_tax_type(api: SandboxApi) -> None:
    reply = api.put(
        "/Contacts",
        {
            "Contacts": [
                {"EmailAddress": "x@y.z"},
                {"Name": "Taxing Ltd", "AccountsReceivableTaxType": "NOPE"},
            ]
        },
    )
    assert reply.status_code == 400
    messages = [errors_of(e) for e in reply.json()["Elements"]]
    assert messages == [
        ["Contact Name cannot be empty."],
        ["The TaxType code NOPE does not exist or cannot be used for this type of transaction."],
    ]


def test_update_contact_by_id_number_and_name(api: SandboxApi) -> None:
    contact = active_contact(api)
    api.clock.advance(2)
    reply = api.post(
        f"/Contacts/{contact['ContactID']}", {"Contacts": [{"EmailAddress": "new@x.example"}]}
    )
    assert reply.status_code == 200
    updated = reply.json()["Contacts"][0]
    assert updated["EmailAddress"] == "new@x.example" and updated["Name"] == contact["Name"]
    assert updated["UpdatedDateUTC"] > contact["UpdatedDateUTC"]
    api.post(
        "/Contacts", {"Contacts": [{"ContactID": contact["ContactID"], "ContactNumber": "CRM-9"}]}
    )
    by_number = api.post(
        "/Contacts", {"Contacts": [{"ContactNumber": "CRM-9", "FirstName": "Zed"}]}
    )
    assert by_number.json()["Contacts"][0]["ContactID"] == contact["ContactID"]
    by_name = api.post("/Contacts", {"Contacts": [{"Name": contact["Name"], "LastName": "Q"}]})
    assert by_name.json()["Contacts"][0]["ContactID"] == contact["ContactID"]
    api.org.options.contact_upsert_by_name = False
    refused = api.post("/Contacts", {"Contacts": [{"Name": contact["Name"]}]})
    assert refused.status_code == 400


def test_phones_and_addresses_update_by_slot(api: SandboxApi) -> None:
    contact = active_contact(api)
    reply = api.post(
        f"/Contacts/{contact['ContactID']}",
        {"Contacts": [{"Phones": [{"PhoneType": "FAX", "PhoneNumber": "999"}]}]},
    )
    phones = {p["PhoneType"]: p for p in reply.json()["Contacts"][0]["Phones"]}
    assert phones["FAX"]["PhoneNumber"] == "999"
    before = {p["PhoneType"]: p for p in contact["Phones"]}
    assert phones["DEFAULT"] == before["DEFAULT"]


def test_archive_through_the_api(api: SandboxApi) -> None:
    contact = active_contact(api)
    reply = api.post(
        f"/Contacts/{contact['ContactID']}", {"Contacts": [{"ContactStatus": "ARCHIVED"}]}
    )
    assert reply.json()["Contacts"][0]["ContactStatus"] == "ARCHIVED"
    assert contact["ContactID"] not in [c["ContactID"] for c in api.all("Contacts")]


def test_unknown_path_id_is_404(api: SandboxApi) -> None:
    assert api.post(f"/Contacts/{ZERO_ID}", {"Contacts": [{"Name": "x"}]}).status_code == 404
    assert api.post(f"/Invoices/{ZERO_ID}", {"Invoices": [{"Status": "DRAFT"}]}).status_code == 404


def test_unreadable_body(api: SandboxApi) -> None:
    reply = api.call("PUT", "/Contacts", content=b"{not json")
    assert reply.status_code == 400
    assert reply.json()["Type"] == "PostDataInvalidException"


# --------------------------------------------------------------------- items
def test_create_update_and_delete_items(api: SandboxApi) -> None:
    reply = api.put(
        "/Items",
        {
            "Items": [
                {
                    "Code": "NEW-1",
                    "Name": "New thing",
                    "Description": "Sales text",
                    "SalesDetails": {
                        "UnitPrice": 12.3456,
                        "AccountCode": "200",
                        "TaxType": "OUTPUT2",
                    },
                    "QuantityOnHand": 50,
                },
                {
                    "Code": "TRK-1",
                    "Name": "Tracked thing",
                    "InventoryAssetAccountCode": "630",
                    "PurchaseDetails": {"COGSAccountCode": "310", "UnitPrice": 4},
                },
            ]
        },
        params={"unitdp": 4},
    )
    assert reply.status_code == 200, reply.text
    plain, tracked = reply.json()["Items"]
    assert plain["IsTrackedAsInventory"] is False and "QuantityOnHand" not in plain
    assert plain["SalesDetails"]["UnitPrice"] == 12.3456
    assert plain["IsSold"] is True and plain["IsPurchased"] is True
    assert tracked["IsTrackedAsInventory"] is True and tracked["QuantityOnHand"] == 0
    two_places = api.get("/Items/NEW-1").json()["Items"][0]
    assert two_places["SalesDetails"]["UnitPrice"] == 12.35
    update = api.post("/Items", {"Items": [{"Code": "NEW-1", "IsSold": False}]})
    unsold = update.json()["Items"][0]
    assert unsold["ItemID"] == plain["ItemID"]
    assert unsold["SalesDetails"] == {} and "Description" not in unsold
    assert api.delete(f"/Items/{plain['ItemID']}").status_code == 204
    assert api.get("/Items/NEW-1").status_code == 404


def test_item_validation(api: SandboxApi) -> None:
    taken = item(api)["Code"]
    reply = api.put(
        "/Items",
        {
            "Items": [
                {"Code": taken},
                {"Name": "no code"},
                {"Code": "X" * 31},
                {"Code": "T1", "SalesDetails": {"TaxType": "BAD"}},
            ]
        },
    )
    assert reply.status_code == 400
    assert [errors_of(e) for e in reply.json()["Elements"]] == [
        [f"Price List Item with Code ''{taken}'' already exists"],
        ["Item Code must be specified."],
        ["Code must be 30 characters or less."],
        ["The TaxType code BAD does not exist or cannot be used for this type of transaction."],
    ]


# ------------------------------------------------------------------ invoices
def test_create_invoice_computes_everything(api: SandboxApi) -> None:
    contact = active_contact(api, IsCustomer=False, IsSupplier=False)
    sold = item(api, IsSold=True)
    api.clock.advance(1)
    body = invoice_body(
        contact["ContactID"],
        LineItems=[
            {
                "Description": "Consulting",
                "Quantity": 3,
                "UnitAmount": 33.335,
                "TaxType": "OUTPUT2",
            },
            {"ItemCode": sold["Code"], "Quantity": 2, "DiscountRate": 10},
            {"Description": "Reduced", "LineAmount": 10, "TaxType": "RROUTPUT"},
        ],
        Status="AUTHORISED",
        Reference="Q-100",
        Url="https://crm.example/quotes/100",
        Date="2026-06-15",
        DueDate="2026-07-15",
    )
    reply = api.put("/Invoices", body)
    assert reply.status_code == 200, reply.text
    (invoice,) = reply.json()["Invoices"]
    first, linked, flat = invoice["LineItems"]
    assert first["LineAmount"] == 100.01  # 3 × 33.335 = 100.005, rounded half-up
    assert first["TaxAmount"] == 20.0  # 20.002
    assert linked["Item"] == {"ItemID": sold["ItemID"], "Code": sold["Code"], "Name": sold["Name"]}
    assert linked["Description"] == sold["Description"]
    assert linked["AccountCode"] == sold["SalesDetails"]["AccountCode"]
    assert linked["TaxType"] == sold["SalesDetails"]["TaxType"]
    assert Decimal(str(linked["UnitAmount"])) == Decimal(
        str(sold["SalesDetails"]["UnitPrice"])
    ).quantize(Decimal("0.01"))
    assert (flat["Quantity"], flat["UnitAmount"], flat["TaxAmount"]) == (1, 10, 0.5)
    amounts = [Decimal(str(line["LineAmount"])) for line in invoice["LineItems"]]
    taxes = [Decimal(str(line["TaxAmount"])) for line in invoice["LineItems"]]
    assert Decimal(str(invoice["SubTotal"])) == sum(amounts)
    assert Decimal(str(invoice["TotalTax"])) == sum(taxes)
    assert Decimal(str(invoice["Total"])) == sum(amounts) + sum(taxes)
    assert invoice["AmountDue"] == invoice["Total"] and invoice["AmountPaid"] == 0
    price = Decimal(str(sold["SalesDetails"]["UnitPrice"]))
    assert Decimal(str(linked["LineAmount"])) == (2 * price * Decimal("0.9")).quantize(
        Decimal("0.01")
    )
    assert invoice["IsDiscounted"] is True
    assert Decimal(str(invoice["TotalDiscount"])) == (2 * price).quantize(
        Decimal("0.01")
    ) - Decimal(str(linked["LineAmount"]))
    assert invoice["InvoiceNumber"].startswith("INV-")
    assert (invoice["DateString"], invoice["DueDateString"]) == (
        "2026-06-15T00:00:00",
        "2026-07-15T00:00:00",
    )
    assert invoice["CurrencyCode"] == "GBP" and invoice["CurrencyRate"] == 1
    assert invoice["Url"] == "https://crm.example/quotes/100"
    assert invoice["Contact"]["Name"] == contact["Name"]
    after = api.get(f"/Contacts/{contact['ContactID']}").json()["Contacts"][0]
    assert after["IsCustomer"] is True
    assert after["UpdatedDateUTC"] == contact["UpdatedDateUTC"]
    assert after["Balances"]["AccountsReceivable"]["Outstanding"] == invoice["AmountDue"]


def test_inclusive_and_no_tax_lines(api: SandboxApi) -> None:
    contact = active_contact(api)
    line = {"Description": "Gross", "Quantity": 1, "UnitAmount": 120, "TaxType": "OUTPUT2"}
    inclusive = api.put(
        "/Invoices",
        invoice_body(contact["ContactID"], LineAmountTypes="Inclusive", LineItems=[line]),
    )
    (invoice,) = inclusive.json()["Invoices"]
    assert (invoice["SubTotal"], invoice["TotalTax"], invoice["Total"]) == (100, 20, 120)
    no_tax = api.put("/Invoices", invoice_body(contact["ContactID"], LineAmountTypes="NoTax"))
    (invoice,) = no_tax.json()["Invoices"]
    assert (invoice["TotalTax"], invoice["Total"]) == (0, 100)
    assert invoice["LineItems"][0]["TaxType"] == "NONE"


def test_auto_numbers_and_unique_numbers(api: SandboxApi) -> None:
    contact = active_contact(api)
    one = api.put("/Invoices", invoice_body(contact["ContactID"])).json()["Invoices"][0]
    two = api.put("/Invoices", invoice_body(contact["ContactID"])).json()["Invoices"][0]
    assert int(two["InvoiceNumber"][4:]) == int(one["InvoiceNumber"][4:]) + 1
    clash = api.put(
        "/Invoices", invoice_body(contact["ContactID"], InvoiceNumber=one["InvoiceNumber"])
    )
    assert clash.status_code == 400
    assert errors_of(clash.json()["Elements"][0]) == ["Invoice # must be unique."]
    upsert = api.post(
        "/Invoices",
        invoice_body(
            contact["ContactID"], InvoiceNumber=one["InvoiceNumber"], Reference="by number"
        ),
    )
    assert upsert.json()["Invoices"][0]["InvoiceID"] == one["InvoiceID"]
    bill = api.put(
        "/Invoices", invoice_body(contact["ContactID"], Type="ACCPAY", InvoiceNumber="SUP-1")
    )
    again = api.put(
        "/Invoices", invoice_body(contact["ContactID"], Type="ACCPAY", InvoiceNumber="SUP-1")
    )
    assert bill.status_code == again.status_code == 200


def test_invoice_validation_errors(api: SandboxApi) -> None:
    contact = active_contact(api)
    archived = next(
        c for c in api.all("Contacts", includeArchived="true") if c["ContactStatus"] == "ARCHIVED"
    )
    cases = [
        (invoice_body(ZERO_ID), f"The contact with ContactID {ZERO_ID} could not be found."),
        (
            invoice_body(archived["ContactID"]),
            "The contact with the specified contact details has been archived. The contact must "
            "be un-archived before creating new invoices or credit notes.",
        ),
        (
            invoice_body(contact["ContactID"], LineItems=[{"ItemCode": "NOPE-1"}]),
            "Item code 'NOPE-1' is not valid",
        ),
        (
            invoice_body(
                contact["ContactID"],
                LineItems=[{"Description": "x", "UnitAmount": 1, "TaxType": "TAX001"}],
            ),
            "The TaxType code TAX001 does not exist or cannot be used for this type of "
            "transaction.",
        ),
        (
            invoice_body(
                contact["ContactID"],
                LineItems=[{"Description": "x", "UnitAmount": 1, "TaxType": "INPUT2"}],
            ),
            "The TaxType code INPUT2 does not exist or cannot be used for this type of "
            "transaction.",
        ),
        (
            invoice_body(contact["ContactID"], Status="PAID"),
            "Invoice not of valid status for creation",
        ),
        (
            invoice_body(contact["ContactID"], CurrencyCode="JPY"),
            "The Currency JPY has not been set up in this organisation.",
        ),
        (
            invoice_body(contact["ContactID"], Type="ACCWHAT"),
            "Invoice Type must be specified as ACCREC or ACCPAY.",
        ),
        (
            {"Invoices": [{"Type": "ACCREC", "LineItems": []}]},
            "A Contact must be specified for this type of transaction",
        ),
    ]
    for body, message in cases:
        reply = api.put("/Invoices", body)
        assert reply.status_code == 400, message
        (element,) = reply.json()["Elements"]
        assert message in errors_of(element)
        assert element["HasErrors"] is True and element["InvoiceID"] == ZERO_ID
    bad_line = api.put("/Invoices", cases[2][0]).json()["Elements"][0]
    assert errors_of(bad_line["LineItems"][0]) == ["Item code 'NOPE-1' is not valid"]


def test_contact_by_name_links_or_creates(api: SandboxApi) -> None:
    contact = active_contact(api)
    linked = api.put(
        "/Invoices",
        {"Invoices": [{**invoice_body("")["Invoices"][0], "Contact": {"Name": contact["Name"]}}]},
    )
    assert linked.json()["Invoices"][0]["Contact"]["ContactID"] == contact["ContactID"]
    created = api.put(
        "/Invoices",
        {"Invoices": [{**invoice_body("")["Invoices"][0], "Contact": {"Name": "Brand New Buyer"}}]},
    )
    new_id = created.json()["Invoices"][0]["Contact"]["ContactID"]
    shown = api.get(f"/Contacts/{new_id}").json()["Contacts"][0]
    assert shown["Name"] == "Brand New Buyer" and shown["IsCustomer"] is True


def test_status_changes(api: SandboxApi) -> None:
    contact = active_contact(api)
    invoice = api.put("/Invoices", invoice_body(contact["ContactID"])).json()["Invoices"][0]
    assert invoice["Status"] == "DRAFT"
    path = f"/Invoices/{invoice['InvoiceID']}"
    assert (
        api.post(path, {"Invoices": [{"Status": "SUBMITTED"}]}).json()["Invoices"][0]["Status"]
        == "SUBMITTED"
    )
    assert (
        api.post(path, {"Invoices": [{"Status": "AUTHORISED"}]}).json()["Invoices"][0]["Status"]
        == "AUTHORISED"
    )
    for status in ("DRAFT", "DELETED", "SUBMITTED"):
        refused = api.post(path, {"Invoices": [{"Status": status}]})
        assert errors_of(refused.json()["Elements"][0]) == [
            "Invoice not of valid status for modification"
        ]
        assert refused.json()["Elements"][0]["InvoiceID"] == invoice["InvoiceID"]
    voided = api.post(path, {"Invoices": [{"Status": "VOIDED"}]}).json()["Invoices"][0]
    assert (voided["Status"], voided["AmountDue"]) == ("VOIDED", 0)
    for change in ({"Reference": "late"}, {"Status": "AUTHORISED"}):
        assert api.post(path, {"Invoices": [change]}).status_code == 400
    draft = api.put("/Invoices", invoice_body(contact["ContactID"])).json()["Invoices"][0]
    deleted = api.post(f"/Invoices/{draft['InvoiceID']}", {"Invoices": [{"Status": "DELETED"}]})
    assert deleted.json()["Invoices"][0]["Status"] == "DELETED"


def test_paid_and_part_paid_invoices_refuse_financial_changes(api: SandboxApi) -> None:
    paid = api.all("Invoices", where='Status=="PAID" AND Total > 0')[0]
    refused = api.post(f"/Invoices/{paid['InvoiceID']}", {"Invoices": [{"Status": "DRAFT"}]})
    assert errors_of(refused.json()["Elements"][0]) == [
        "Invoice not of valid status for modification"
    ]
    lines = api.post(f"/Invoices/{paid['InvoiceID']}", {"Invoices": [{"LineItems": []}]})
    assert lines.status_code == 400
    ok = api.post(f"/Invoices/{paid['InvoiceID']}", {"Invoices": [{"Reference": "note"}]})
    assert ok.status_code == 200 and ok.json()["Invoices"][0]["Total"] == paid["Total"]
    part = api.all("Invoices", where='Status=="AUTHORISED" AND AmountPaid > 0')[0]
    voiding = api.post(f"/Invoices/{part['InvoiceID']}", {"Invoices": [{"Status": "VOIDED"}]})
    assert errors_of(voiding.json()["Elements"][0]) == [
        "This document cannot be edited as it has a payment or credit note allocated to it."
    ]


def test_line_updates_keep_or_replace_lines(api: SandboxApi) -> None:
    contact = active_contact(api)
    invoice = api.put(
        "/Invoices",
        invoice_body(
            contact["ContactID"],
            LineItems=[
                {"Description": "A", "UnitAmount": 1},
                {"Description": "B", "UnitAmount": 2},
            ],
        ),
    ).json()["Invoices"][0]
    keep = invoice["LineItems"][0]
    updated = api.post(
        f"/Invoices/{invoice['InvoiceID']}",
        {
            "Invoices": [
                {
                    "LineItems": [
                        {"LineItemID": keep["LineItemID"], "Quantity": 5},
                        {"Description": "C", "UnitAmount": 3},
                    ]
                }
            ]
        },
    ).json()["Invoices"][0]
    first, second = updated["LineItems"]
    assert first["LineItemID"] == keep["LineItemID"]
    assert (first["Description"], first["Quantity"], first["LineAmount"]) == ("A", 5, 5)
    assert (
        second["Description"] == "C"
        and second["LineItemID"] != invoice["LineItems"][1]["LineItemID"]
    )
    assert updated["SubTotal"] == 8


def test_zero_total_authorised_invoice_is_paid(api: SandboxApi) -> None:
    contact = active_contact(api)
    reply = api.put(
        "/Invoices",
        invoice_body(
            contact["ContactID"],
            Status="AUTHORISED",
            LineItems=[{"Description": "Free", "UnitAmount": 0}],
        ),
    )
    (invoice,) = reply.json()["Invoices"]
    assert (invoice["Status"], invoice["Total"], invoice["AmountDue"]) == ("PAID", 0, 0)
    assert invoice["FullyPaidOnDate"] == invoice["Date"]


def test_foreign_currency_defaults_to_a_day_rate(api: SandboxApi) -> None:
    contact = active_contact(api)
    invoice = api.put("/Invoices", invoice_body(contact["ContactID"], CurrencyCode="EUR")).json()[
        "Invoices"
    ][0]
    assert invoice["CurrencyCode"] == "EUR" and invoice["CurrencyRate"] == 1.17
    given = api.put(
        "/Invoices", invoice_body(contact["ContactID"], CurrencyCode="USD", CurrencyRate=1.3)
    ).json()
    assert given["Invoices"][0]["CurrencyRate"] == 1.3


def test_due_date_from_payment_terms(api: SandboxApi) -> None:
    contact = next(c for c in api.all("Contacts") if c.get("PaymentTerms"))
    days = contact["PaymentTerms"]["Sales"]["Day"]
    invoice = api.put("/Invoices", invoice_body(contact["ContactID"], Date="2026-03-01")).json()[
        "Invoices"
    ][0]
    due = parse_date(invoice["DueDate"])
    issued = parse_date(invoice["Date"])
    assert due is not None and issued is not None and (due - issued).days == days


def test_bills_make_suppliers(api: SandboxApi) -> None:
    contact = active_contact(api, IsSupplier=False)
    reply = api.put(
        "/Invoices",
        invoice_body(
            contact["ContactID"],
            Type="ACCPAY",
            LineItems=[{"Description": "x", "UnitAmount": 5, "TaxType": "INPUT2"}],
        ),
    )
    assert reply.status_code == 200, reply.text
    shown = api.get(f"/Contacts/{contact['ContactID']}").json()["Contacts"][0]
    assert shown["IsSupplier"] is True


# ------------------------------------------------------------ summarizeErrors
def test_summarize_errors_false_saves_the_good_elements(api: SandboxApi) -> None:
    contact = active_contact(api)
    reply = api.put(
        "/Invoices",
        {
            "Invoices": [
                invoice_body(contact["ContactID"])["Invoices"][0],
                invoice_body(ZERO_ID)["Invoices"][0],
            ]
        },
        params={"summarizeErrors": "false"},
    )
    assert reply.status_code == 200
    good, bad = reply.json()["Invoices"]
    assert good["StatusAttributeString"] == "OK" and good["InvoiceID"] != ZERO_ID
    assert bad["StatusAttributeString"] == "ERROR" and errors_of(bad)
    assert api.get(f"/Invoices/{good['InvoiceID']}").status_code == 200


@pytest.mark.parametrize("value", [None, "true", "TRUE"])
def test_summarized_by_default_and_good_elements_may_be_saved(
    api: SandboxApi, value: str | None
) -> None:
    params = {} if value is None else {"summarizeErrors": value}
    reply = api.put(
        "/Contacts",
        {"Contacts": [{"Name": "Saved Anyway Ltd"}, {"Name": ""}]},
        params=params,
    )
    assert reply.status_code == 400
    assert [e["Name"] for e in reply.json()["Elements"]] == [""]
    names = [c["Name"] for c in api.get("/Contacts").json()["Contacts"]]
    assert "Saved Anyway Ltd" in names


def test_all_or_nothing_is_an_option(api: SandboxApi) -> None:
    api.org.options.save_valid_on_error = False
    reply = api.put("/Contacts", {"Contacts": [{"Name": "Never Saved Ltd"}, {"Name": ""}]})
    assert reply.status_code == 400
    names = [c["Name"] for c in api.get("/Contacts").json()["Contacts"]]
    assert "Never Saved Ltd" not in names


def test_bare_objects_and_case_insensitive_names(api: SandboxApi) -> None:
    bare = api.put("/Contacts", {"name": "Lower Case Ltd", "emailaddress": "lc@example.com"})
    assert bare.status_code == 200, bare.text
    contact = bare.json()["Contacts"][0]
    assert (contact["Name"], contact["EmailAddress"]) == ("Lower Case Ltd", "lc@example.com")


# --------------------------------------------------------------------- stock
def test_approved_sales_and_bills_move_tracked_stock(api: SandboxApi) -> None:
    tracked = next(
        i
        for i in api.get("/Items").json()["Items"]
        if i["IsTrackedAsInventory"] and i["IsSold"] and i["QuantityOnHand"] >= 3
    )
    contact = active_contact(api)
    on_hand = tracked["QuantityOnHand"]
    line = {"ItemCode": tracked["Code"], "Quantity": 2}
    draft = api.put("/Invoices", invoice_body(contact["ContactID"], LineItems=[line])).json()[
        "Invoices"
    ][0]
    assert api.get(f"/Items/{tracked['ItemID']}").json()["Items"][0]["QuantityOnHand"] == on_hand
    api.clock.advance(1)
    path = f"/Invoices/{draft['InvoiceID']}"
    api.post(path, {"Invoices": [{"Status": "AUTHORISED"}]})
    after_sale = api.get(f"/Items/{tracked['ItemID']}").json()["Items"][0]
    assert after_sale["QuantityOnHand"] == on_hand - 2
    assert after_sale["UpdatedDateUTC"] > tracked["UpdatedDateUTC"]
    api.post(path, {"Invoices": [{"Status": "VOIDED"}]})
    assert api.get(f"/Items/{tracked['ItemID']}").json()["Items"][0]["QuantityOnHand"] == on_hand
    bill = invoice_body(
        contact["ContactID"],
        Type="ACCPAY",
        Status="AUTHORISED",
        LineItems=[{**line, "UnitAmount": 4, "TaxType": "INPUT2"}],
    )
    assert api.put("/Invoices", bill).status_code == 200
    assert (
        api.get(f"/Items/{tracked['ItemID']}").json()["Items"][0]["QuantityOnHand"] == on_hand + 2
    )


def test_selling_more_than_on_hand_needs_allow_backorders(api: SandboxApi) -> None:
    tracked = next(
        i for i in api.get("/Items").json()["Items"] if i["IsTrackedAsInventory"] and i["IsSold"]
    )
    contact = active_contact(api)
    too_many = tracked["QuantityOnHand"] + 1
    body = invoice_body(
        contact["ContactID"],
        Status="AUTHORISED",
        LineItems=[{"ItemCode": tracked["Code"], "Quantity": too_many}],
    )
    refused = api.put("/Invoices", body)
    assert refused.status_code == 400
    assert "not enough" in errors_of(refused.json()["Elements"][0])[0]
    assert (
        api.put(
            "/Invoices", {**body, "Invoices": [{**body["Invoices"][0], "Status": "DRAFT"}]}
        ).status_code
        == 200
    )
    allowed = api.put("/Invoices", body, params={"allowBackorders": "true"})
    assert allowed.status_code == 200
    assert api.get(f"/Items/{tracked['ItemID']}").json()["Items"][0]["QuantityOnHand"] == -1
