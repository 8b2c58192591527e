"""Small hand-made organisations (the ``--org`` JSON shape), one record per case."""

from __future__ import annotations

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
