"""Small hand-made organisations (the ``--org`` JSON shape), one record per case."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

STAMP = "/Date(1767225600000+0000)/"  # 2026-01-01T00:00:00Z


def phone(kind: str, country: str = "", area: str = "", number: str = "") -> dict[str, str]:
    return {
        "PhoneType": kind,
        "PhoneNumber": number,
        "PhoneAreaCode": area,
        "PhoneCountryCode": country,
    }


def contact(contact_id: str, name: str, **fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "ContactID": contact_id,
        "ContactStatus": "ACTIVE",
        "Name": name,
        "Addresses": [{"AddressType": "STREET"}, {"AddressType": "POBOX"}],
        "Phones": [phone("DEFAULT"), phone("DDI"), phone("FAX"), phone("MOBILE")],
        "UpdatedDateUTC": STAMP,
        "IsSupplier": False,
        "IsCustomer": True,
        "HasAttachments": False,
    }
    record.update(fields)
    return record


def item(item_id: str, code: str, **fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "ItemID": item_id,
        "Code": code,
        "Name": f"Item {code}",
        "IsSold": True,
        "IsPurchased": True,
        "IsTrackedAsInventory": False,
        "SalesDetails": {"UnitPrice": 10.0, "AccountCode": "200", "TaxType": "OUTPUT2"},
        "PurchaseDetails": {"UnitPrice": 4.0, "AccountCode": "300", "TaxType": "INPUT2"},
        "UpdatedDateUTC": STAMP,
    }
    record.update(fields)
    return record


ACME = "11111111-1111-4111-8111-111111111111"
BOTH = "22222222-2222-4222-8222-222222222222"
SUPPLIER = "33333333-3333-4333-8333-333333333333"
NEITHER = "44444444-4444-4444-8444-444444444444"
ARCHIVED = "55555555-5555-4555-8555-555555555555"
NO_PERSON = "66666666-6666-4666-8666-666666666666"
BROKEN = "77777777-7777-4777-8777-777777777777"
TRACKED = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
UNTRACKED = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"
UNSOLD = "cccccccc-cccc-4ccc-8ccc-cccccccccccc"


def master_org() -> dict[str, Any]:
    """Contacts and items covering every row of the master-data sections."""
    contacts = [
        contact(
            ACME,
            "Acme Trading Ltd",
            AccountNumber="ACME01",
            FirstName="Ada",
            LastName="Lovelace",
            EmailAddress="ada@acme.example",
            Phones=[
                phone("DEFAULT", "44", "020", "7946 0000"),
                phone("FAX", "", "020", "7946 0001"),
                phone("MOBILE", "44", "", "7700 900000"),
                phone("DDI"),
            ],
            Addresses=[
                {"AddressType": "STREET", "AddressLine1": "Not this one", "City": "Nowhere"},
                {
                    "AddressType": "POBOX",
                    "AddressLine1": "PO Box 12",
                    "AddressLine2": "Unit 4",
                    "AddressLine3": "Trading Estate",
                    "AddressLine4": "North Side",
                    "City": "Leeds",
                    "Region": "West Yorkshire",
                    "PostalCode": "LS1 4AP",
                    "Country": "United Kingdom",
                },
            ],
            DefaultCurrency="GBP",
            AccountsReceivableTaxType="OUTPUT2",
            TaxNumber="GB123456789",
            Discount=12.5,
            Website="https://acme.example",
            Balances={
                "AccountsReceivable": {"Outstanding": 1234.56, "Overdue": 234.5},
                "AccountsPayable": {"Outstanding": 0.0, "Overdue": 0.0},
            },
            ContactPersons=[
                {"FirstName": "Other", "LastName": "Person", "EmailAddress": "o@acme.example"}
            ],
        ),
        contact(
            BOTH, "Both Ways plc", IsSupplier=True, IsCustomer=True, EmailAddress="b@both.example"
        ),
        contact(
            SUPPLIER,
            "Widget Supplies",
            IsSupplier=True,
            IsCustomer=False,
            EmailAddress="sales@widgets.example",
            Website="https://widgets.example",
            Phones=[phone("DEFAULT", "", "0113", "496 0000"), phone("FAX", "", "0113", "496 0001")],
            Addresses=[
                {
                    "AddressType": "POBOX",
                    "AddressLine1": "1 Mill Lane",
                    "City": "York",
                    "PostalCode": "YO1 7HH",
                    "Country": "United Kingdom",
                },
                {"AddressType": "STREET"},
            ],
            DefaultCurrency="EUR",
        ),
        contact(NEITHER, "Prospect Co", IsCustomer=False, IsSupplier=False),
        contact(ARCHIVED, "Gone Away Ltd", ContactStatus="ARCHIVED", AccountNumber="GONE"),
        contact(NO_PERSON, "No Person Ltd"),
    ]
    items = [
        item(
            TRACKED,
            "WIDGET-1",
            Name="Widget",
            Description="A very fine widget, 20 mm",
            IsTrackedAsInventory=True,
            InventoryAssetAccountCode="630",
            QuantityOnHand=42.0,
            TotalCostPool=168.0,
            SalesDetails={"UnitPrice": 19.99, "AccountCode": "200", "TaxType": "OUTPUT2"},
            PurchaseDetails={"UnitPrice": 4.25, "COGSAccountCode": "310", "TaxType": "INPUT2"},
        ),
        item(UNTRACKED, "SERVICE-1", Name="Consulting hour", Description="One hour"),
        item(UNSOLD, "OLD-1", Name="Old stock", IsSold=False, SalesDetails={}),
    ]
    return {
        "Organisation": {
            "OrganisationID": "99999999-9999-4999-8999-999999999999",
            "Name": "Test Trading",
            "BaseCurrency": "GBP",
            "CountryCode": "GB",
            "Version": "UK",
        },
        "Contacts": contacts,
        "Items": items,
        "Invoices": [],
        "CreditNotes": [],
        "PurchaseOrders": [],
        "TaxRates": [
            {
                "Name": "20% (VAT on Income)",
                "TaxType": "OUTPUT2",
                "Status": "ACTIVE",
                "ReportTaxType": "OUTPUT",
                "CanApplyToRevenue": True,
                "CanApplyToExpenses": False,
                "EffectiveRate": 20.0,
                "DisplayTaxRate": 20.0,
                "TaxComponents": [
                    {"Name": "VAT", "Rate": 20.0, "IsCompound": False, "IsNonRecoverable": False}
                ],
            },
            {
                "Name": "20% (VAT on Expenses)",
                "TaxType": "INPUT2",
                "Status": "ACTIVE",
                "ReportTaxType": "INPUT",
                "CanApplyToRevenue": False,
                "CanApplyToExpenses": True,
                "EffectiveRate": 20.0,
                "DisplayTaxRate": 20.0,
                "TaxComponents": [
                    {"Name": "VAT", "Rate": 20.0, "IsCompound": False, "IsNonRecoverable": False}
                ],
            },
        ],
        "Currencies": [
            {"Code": "GBP", "Description": "British Pound"},
            {"Code": "EUR", "Description": "Euro"},
        ],
    }


# --- documents, tax rates and currencies --------------------------------------

GBP_ONLY = "dddddddd-dddd-4ddd-8ddd-dddddddddddd"  # a customer invoiced only in EUR


def uid(kind: int, number: int) -> str:
    """A stable GUID: ``kind`` tells documents (1), lines (2), … apart."""
    return f"{kind:08x}-0000-4000-8000-{number:012x}"


def ms_date(day: str) -> str:
    """``2026-03-01`` → ``/Date(…+0000)/`` (midnight UTC)."""
    moment = datetime.fromisoformat(day).replace(tzinfo=UTC)
    return f"/Date({int(moment.timestamp() * 1000)}+0000)/"


def doc_line(number: int, description: str, **fields: Any) -> dict[str, Any]:
    """A document line with a fixed LineItemID (the sandbox keeps the lines it is given)."""
    record: dict[str, Any] = {
        "LineItemID": uid(2, number),
        "Description": description,
        "AccountCode": "200",
        "TaxType": "OUTPUT2",
    }
    record.update(fields)
    return record


def invoice(
    number: int, contact_id: str, status: str, lines: list[dict[str, Any]], **fields: Any
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "Type": "ACCREC",
        "InvoiceID": uid(1, number),
        "InvoiceNumber": f"INV-{number:04d}",
        "Contact": {"ContactID": contact_id},
        "Date": ms_date("2026-03-01"),
        "DueDate": ms_date("2026-03-31"),
        "Status": status,
        "LineAmountTypes": "Exclusive",
        "LineItems": lines,
        "CurrencyCode": "GBP",
        "CurrencyRate": 1,
        "UpdatedDateUTC": STAMP,
    }
    record.update(fields)
    return record


def credit_note(
    number: int, contact_id: str, status: str, lines: list[dict[str, Any]], **fields: Any
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "Type": "ACCRECCREDIT",
        "CreditNoteID": uid(3, number),
        "CreditNoteNumber": f"CN-{number:04d}",
        "Contact": {"ContactID": contact_id},
        "Date": ms_date("2026-03-05"),
        "Status": status,
        "LineAmountTypes": "Exclusive",
        "LineItems": lines,
        "CurrencyCode": "GBP",
        "CurrencyRate": 1,
        "UpdatedDateUTC": STAMP,
    }
    record.update(fields)
    return record


def purchase_order(
    number: int, contact_id: str, status: str, lines: list[dict[str, Any]], **fields: Any
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "PurchaseOrderID": uid(4, number),
        "PurchaseOrderNumber": f"PO-{number:04d}",
        "Contact": {"ContactID": contact_id},
        "Date": ms_date("2026-02-01"),
        "DeliveryDate": ms_date("2026-02-14"),
        "Reference": f"Order {number}",
        "Status": status,
        "LineAmountTypes": "Exclusive",
        "LineItems": lines,
        "CurrencyCode": "GBP",
        "UpdatedDateUTC": STAMP,
    }
    record.update(fields)
    return record


def widget_line(number: int, quantity: int, **fields: Any) -> dict[str, Any]:
    return doc_line(
        number, "Widget", ItemCode="WIDGET-1", Quantity=quantity, UnitAmount=19.99, **fields
    )


def tax_rate(
    tax_type: str, name: str, rate: float, status: str = "ACTIVE", **flags: bool
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "Name": name,
        "TaxType": tax_type,
        "Status": status,
        "ReportTaxType": "OUTPUT",
        "EffectiveRate": rate,
        "DisplayTaxRate": rate,
        "TaxComponents": [
            {"Name": "VAT", "Rate": rate, "IsCompound": False, "IsNonRecoverable": False}
        ],
    }
    record.update(flags)
    return record


# invoice numbers by case (InvoiceID = uid(1, n))
INV_AUTHORISED, INV_PAID, INV_DRAFT, INV_SUBMITTED = 1, 2, 3, 4
INV_DELETED, INV_VOIDED, INV_ZERO, INV_EURO, INV_FROM_QUOTE = 5, 6, 7, 8, 9
BILL = 50
# credit note numbers (CreditNoteID = uid(3, n))
CN_AUTHORISED, CN_PAID, CN_VOIDED, CN_DELETED, CN_SUPPLIER = 1, 2, 3, 4, 50
# purchase order numbers (PurchaseOrderID = uid(4, n))
PO_AUTHORISED, PO_BILLED, PO_DELETED, PO_DRAFT = 1, 2, 3, 4


def _invoices() -> list[dict[str, Any]]:
    service = "SERVICE-1"
    return [
        invoice(
            INV_AUTHORISED,
            ACME,
            "AUTHORISED",
            [
                widget_line(101, 3),
                doc_line(102, "Site survey", Quantity=2, UnitAmount=150, AccountCode="260"),
            ],
            Reference="PO 4471",
            DueDate=ms_date("2026-04-15"),
        ),
        invoice(
            INV_PAID,
            ACME,
            "PAID",
            [doc_line(201, "Consulting", ItemCode=service, Quantity=4, UnitAmount=100)],
            AmountPaid=480,
            FullyPaidOnDate=ms_date("2026-03-20"),
        ),
        invoice(
            INV_DRAFT,
            BOTH,
            "DRAFT",
            [widget_line(301, 5), doc_line(302, "Fitting", Quantity=1, UnitAmount=60)],
            LineAmountTypes="Inclusive",
        ),
        invoice(
            INV_SUBMITTED,
            BOTH,
            "SUBMITTED",
            [widget_line(401, 2, TaxType="NONE")],
            LineAmountTypes="NoTax",
        ),
        invoice(INV_DELETED, ACME, "DELETED", [widget_line(501, 7)]),
        invoice(
            INV_VOIDED, BOTH, "VOIDED", [doc_line(601, "Cancelled", Quantity=1, UnitAmount=999)]
        ),
        invoice(
            INV_ZERO,
            ACME,
            "AUTHORISED",
            [doc_line(701, "Goodwill visit", Quantity=1, UnitAmount=0)],
        ),
        invoice(
            INV_EURO,
            GBP_ONLY,
            "AUTHORISED",
            [doc_line(801, "Export order", Quantity=10, UnitAmount=12, TaxType="NONE")],
            CurrencyCode="EUR",
            CurrencyRate=1.2,
            LineAmountTypes="NoTax",
        ),
        invoice(
            INV_FROM_QUOTE,
            ACME,
            "DRAFT",
            [widget_line(901, 1)],
            Reference="Q-1001",
        ),
        {
            **invoice(
                BILL, SUPPLIER, "AUTHORISED", [doc_line(5001, "Parts", Quantity=1, UnitAmount=40)]
            ),
            "Type": "ACCPAY",
            "InvoiceNumber": "SUPP-77",
        },
    ]


def _credit_notes() -> list[dict[str, Any]]:
    return [
        credit_note(
            CN_AUTHORISED,
            ACME,
            "AUTHORISED",
            [widget_line(1101, 1), doc_line(1102, "Restocking", Quantity=1, UnitAmount=-5)],
            Reference="RMA 12",
        ),
        credit_note(
            CN_PAID,
            BOTH,
            "PAID",
            [doc_line(1201, "Refund", Quantity=1, UnitAmount=30)],
            FullyPaidOnDate=ms_date("2026-03-10"),
        ),
        credit_note(
            CN_VOIDED, ACME, "VOIDED", [doc_line(1301, "Mistake", Quantity=1, UnitAmount=70)]
        ),
        credit_note(
            CN_DELETED, BOTH, "DELETED", [doc_line(1401, "Draft gone", Quantity=1, UnitAmount=15)]
        ),
        {
            **credit_note(
                CN_SUPPLIER,
                SUPPLIER,
                "AUTHORISED",
                [doc_line(5101, "Supplier refund", Quantity=1, UnitAmount=20)],
            ),
            "Type": "ACCPAYCREDIT",
        },
    ]


def _purchase_orders() -> list[dict[str, Any]]:
    def po_line(number: int, quantity: int) -> dict[str, Any]:
        return doc_line(
            number,
            "Widget (supplier pack)",
            ItemCode="WIDGET-1",
            Quantity=quantity,
            UnitAmount=4.25,
            AccountCode="300",
            TaxType="INPUT2",
        )

    return [
        purchase_order(
            PO_AUTHORISED, SUPPLIER, "AUTHORISED", [po_line(2101, 10), po_line(2102, 5)]
        ),
        purchase_order(PO_BILLED, SUPPLIER, "BILLED", [po_line(2201, 20)]),
        purchase_order(PO_DELETED, SUPPLIER, "DELETED", [po_line(2301, 30)]),
        purchase_order(PO_DRAFT, BOTH, "DRAFT", [po_line(2401, 2)]),
    ]


def documents_org() -> dict[str, Any]:
    """``master_org`` plus documents, tax rates and currencies covering every row of
    the Sales orders and invoices, Credit notes, Purchase orders and Tax rates and
    currencies sections, with an ACCPAY bill and an ACCPAYCREDIT that must stay out."""
    org = master_org()
    org["Contacts"].append(contact(GBP_ONLY, "Euro Imports GmbH", DefaultCurrency="EUR"))
    org["Invoices"] = _invoices()
    org["CreditNotes"] = _credit_notes()
    org["PurchaseOrders"] = _purchase_orders()
    org["TaxRates"] = [
        *org["TaxRates"],
        tax_rate("NONE", "No VAT", 0.0),
        tax_rate("TAX001", "Old standard rate", 17.5, "DELETED", CanApplyToRevenue=True),
        tax_rate(
            "TAX002",
            "Old reduced rate",
            8.0,
            "ARCHIVED",
            CanApplyToRevenue=True,
            CanApplyToExpenses=True,
        ),
        tax_rate(
            "GSTONIMPORTS",
            "Import VAT",
            20.0,
            CanApplyToRevenue=False,
            CanApplyToExpenses=False,
            CanApplyToLiabilities=True,
        ),
    ]
    org["Currencies"] = [*org["Currencies"], {"Code": "USD", "Description": "US Dollar"}]
    return org
