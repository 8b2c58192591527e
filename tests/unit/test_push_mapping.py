"""CRM rows to Xero request bodies (feature sheet: pushes, custom descriptions, delivery)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from xerodesk.mapping.push import (
    InvoiceSettings,
    PushInputError,
    contact_body,
    invoice_body,
    item_body,
    quote_url,
)

LEDGER = {
    "id": 42,
    "name": "New Customer Ltd",
    "account_number": "NEW01",
    "email": "buy@new.example",
    "phone": "44 161 496 0000",
    "fax": "0161 496 0001",
    "address_line1": "PO Box 9",
    "address_line2": None,
    "address_line5": "Manchester, Greater Manchester",
    "postcode": "M1 1AA",
    "country": "United Kingdom",
    "currency_code": "GBP",
    "tax_type": "OUTPUT2",
    "vat_number": "GB999",
    "overall_discount": Decimal("5"),
}
PRODUCT = {
    "id": 7,
    "product_item_id": "NEW-SKU",
    "description": "Gizmo",
    "extended_description": "Gizmo, anodised, 40 mm",
    "sell_price": Decimal("12.50"),
    "cost_price": Decimal("5.00"),
    "sales_analysis": "200",
    "purchase_analysis": "300",
    "vat_code": "OUTPUT2",
    "sellable": True,
}
QUOTE = {
    "id": 5,
    "quote_number": "Q-0005",
    "currency_code": "EUR",
    "confirmed_at": datetime(2026, 11, 20, 23, 30, tzinfo=UTC),
    "delivery_charge": Decimal("15.00"),
}
LINES = [
    {
        "id": 2,
        "line_number": 2,
        "product_id": None,
        "description": "Set-up",
        "quantity": Decimal("1"),
        "unit_price": Decimal("99.99"),
        "discount_rate": None,
        "tax_type": "OUTPUT2",
    },
    {
        "id": 1,
        "line_number": 1,
        "product_id": 7,
        "description": "Gizmo",
        "quantity": Decimal("3"),
        "unit_price": Decimal("12.50"),
        "discount_rate": Decimal("10"),
        "tax_type": None,
    },
]
SETTINGS = InvoiceSettings(
    status="DRAFT",
    delivery_account_code="425",
    delivery_description="Carriage",
    quote_url_template="https://crm.example/quotes/{quote_id}",
)


def test_customer_becomes_a_contact_keyed_by_contact_number() -> None:
    body = contact_body(LEDGER)
    assert body["Name"] == "New Customer Ltd"
    assert body["ContactNumber"] == "CRM-42"
    assert body["AccountNumber"] == "NEW01"
    assert body["EmailAddress"] == "buy@new.example"
    assert body["DefaultCurrency"] == "GBP"
    assert body["AccountsReceivableTaxType"] == "OUTPUT2"
    assert body["TaxNumber"] == "GB999"
    assert body["Discount"] == Decimal("5")
    assert body["Phones"] == [
        {"PhoneType": "DEFAULT", "PhoneNumber": "44 161 496 0000"},
        {"PhoneType": "FAX", "PhoneNumber": "0161 496 0001"},
    ]
    assert body["Addresses"] == [
        {
            "AddressType": "POBOX",
            "AddressLine1": "PO Box 9",
            "City": "Manchester",
            "Region": "Greater Manchester",
            "PostalCode": "M1 1AA",
            "Country": "United Kingdom",
        }
    ]


def test_customer_without_a_name_cannot_be_sent() -> None:
    with pytest.raises(PushInputError, match="customer 42 has no name"):
        contact_body({**LEDGER, "name": "  "})


def test_product_becomes_an_item() -> None:
    body = item_body(PRODUCT)
    assert body == {
        "Code": "NEW-SKU",
        "Name": "Gizmo",
        "Description": "Gizmo, anodised, 40 mm",
        "SalesDetails": {"UnitPrice": Decimal("12.50"), "AccountCode": "200", "TaxType": "OUTPUT2"},
        "PurchaseDetails": {"UnitPrice": Decimal("5.00"), "AccountCode": "300"},
        "IsSold": True,
        "IsPurchased": True,
    }


def test_confirmed_crm_order_becomes_an_accrec_invoice() -> None:
    body = invoice_body(QUOTE, LINES, {7: PRODUCT}, "contact-1", SETTINGS, date(2026, 1, 1))
    assert body["Type"] == "ACCREC"
    assert body["Status"] == "DRAFT"
    assert body["Contact"] == {"ContactID": "contact-1"}
    assert body["Date"] == "2026-11-20"
    assert body["CurrencyCode"] == "EUR"
    assert body["Reference"] == "Q-0005"
    assert body["Url"] == "https://crm.example/quotes/5"
    first, second, _delivery = body["LineItems"]
    assert first == {
        "Description": "Gizmo",
        "Quantity": Decimal("3"),
        "UnitAmount": Decimal("12.50"),
        "ItemCode": "NEW-SKU",
        "AccountCode": "200",
        "DiscountRate": Decimal("10"),
        "TaxType": "OUTPUT2",
    }
    assert second["Description"] == "Set-up" and "ItemCode" not in second


def test_delivery_charges() -> None:
    body = invoice_body(QUOTE, LINES, {7: PRODUCT}, "c", SETTINGS, date(2026, 1, 1))
    assert body["LineItems"][-1] == {
        "Description": "Carriage",
        "Quantity": Decimal("1"),
        "UnitAmount": Decimal("15.00"),
        "AccountCode": "425",
    }
    none = invoice_body(
        {**QUOTE, "delivery_charge": Decimal("0")},
        LINES,
        {7: PRODUCT},
        "c",
        SETTINGS,
        date(2026, 1, 1),
    )
    assert len(none["LineItems"]) == 2


def test_custom_description_handling() -> None:
    combined = InvoiceSettings(combine_descriptions=True)
    body = invoice_body(QUOTE, LINES[1:], {7: PRODUCT}, "c", combined, date(2026, 1, 1))
    assert body["LineItems"][0]["Description"] == "Gizmo\nGizmo, anodised, 40 mm"
    plain = invoice_body(QUOTE, LINES[1:], {7: PRODUCT}, "c", InvoiceSettings(), date(2026, 1, 1))
    assert plain["LineItems"][0]["Description"] == "Gizmo"


def test_invoice_status_and_link_follow_the_options() -> None:
    body = invoice_body(
        QUOTE, LINES, {}, "c", InvoiceSettings(status="AUTHORISED"), date(2026, 1, 1)
    )
    assert body["Status"] == "AUTHORISED" and "Url" not in body
    assert quote_url("https://x/{quote_number}", QUOTE) == "https://x/Q-0005"


def test_a_quote_without_lines_cannot_be_sent() -> None:
    with pytest.raises(PushInputError, match="has no lines"):
        invoice_body(QUOTE, [], {}, "c", SETTINGS, date(2026, 1, 1))
