"""Xero contacts → company, division, ledgers and contact rows.

One case per row of the feature sheet's Customers, Contacts and Suppliers
sections (the test id names the row), then the mapping-rules decisions.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from xerodesk.domain.values import CompanyType
from xerodesk.domain.xero_codes import ContactStatus
from xerodesk.errors import MalformedRecordError
from xerodesk.mapping.contacts import (
    XERO_OWNED_COMPANY_COLUMNS,
    XERO_OWNED_CONTACT_COLUMNS,
    XERO_OWNED_DIVISION_COLUMNS,
    XERO_OWNED_PURCHASE_LEDGER_COLUMNS,
    XERO_OWNED_SALES_LEDGER_COLUMNS,
    MappedContact,
    company_type_for,
    display_description,
    map_contact,
)

CONTACT_ID = "8138a266-fb42-49b2-a104-014b7045753d"


def phone(kind: str, number: str = "", area: str = "", country: str = "") -> dict[str, str]:
    return {
        "PhoneType": kind,
        "PhoneNumber": number,
        "PhoneAreaCode": area,
        "PhoneCountryCode": country,
    }


def contact_record(**changes: Any) -> dict[str, Any]:
    """A complete customer as Xero sends it (shaped like the spec's example)."""
    record: dict[str, Any] = {
        "ContactID": CONTACT_ID,
        "ContactNumber": "SB2",
        "AccountNumber": "1234567",
        "ContactStatus": "ACTIVE",
        "Name": "Acme Parts Co.",
        "FirstName": "Blake",
        "LastName": "Kohler",
        "EmailAddress": "bk@krave.co",
        "TaxNumber": "123-22-3456",
        "AccountsReceivableTaxType": "TAX003",
        "AccountsPayableTaxType": "TAX022",
        "Addresses": [
            {"AddressType": "STREET", "AddressLine1": "123 Fake Street", "City": "Vancouver"},
            {
                "AddressType": "POBOX",
                "AddressLine1": "1234 Fake Street",
                "AddressLine2": "Unit 5",
                "AddressLine3": "",
                "AddressLine4": "Rear entrance",
                "City": "Vancouver",
                "Region": "British Columbia",
                "PostalCode": "V6B 2T4",
                "Country": "Canada",
            },
        ],
        "Phones": [
            phone("DDI", "489-44493", "345", "4"),
            phone("DEFAULT", "408-0914", "604", "1"),
            phone("FAX", "123-9933", "123", "2"),
            phone("MOBILE", "999-44", "234", "3"),
        ],
        "UpdatedDateUTC": "/Date(1551459777193+0000)/",
        "IsSupplier": False,
        "IsCustomer": True,
        "DefaultCurrency": "USD",
        "Discount": Decimal("13.00"),
        "Website": "http://www.example.com",
        "Balances": {
            "AccountsReceivable": {"Outstanding": Decimal("118.90"), "Overdue": Decimal("36.90")},
            "AccountsPayable": {"Outstanding": Decimal("-43.60"), "Overdue": Decimal("40.00")},
        },
        "ContactPersons": [
            {"FirstName": "Sue", "LastName": "Johnson", "EmailAddress": "sue@krave.com"}
        ],
    }
    record.update(changes)
    return record


def mapped(show_account_number: bool = True, **changes: Any) -> MappedContact:
    return map_contact(contact_record(**changes), display_account_number=show_account_number)


# --- Customers ------------------------------------------------------------------

# (feature-sheet row, changes to the record, option, table, expected columns)
CUSTOMER_ROWS = [
    pytest.param(
        {},
        True,
        "sales_ledger",
        {"sales_ledger_id": CONTACT_ID, "account_number": "1234567"},
        id="Customers: Customer account code - ContactID is the Sales Ledger ID",
    ),
    pytest.param(
        {},
        True,
        "sales_ledger",
        {"display_description": "1234567"},
        id="Customers: Customer account code - account number as Display Description",
    ),
    pytest.param(
        {},
        False,
        "sales_ledger",
        {"display_description": "Acme Parts Co."},
        id="Customers: Customer account code - option off shows the name",
    ),
    pytest.param(
        {"AccountNumber": ""},
        True,
        "sales_ledger",
        {"display_description": "Acme Parts Co.", "account_number": None},
        id="Customers: Customer account code - no account number shows the name",
    ),
    pytest.param(
        {"Name": "Acme Parts Co."},
        True,
        "company",
        {"name": "Acme Parts Co."},
        id="Customers: Company name - company",
    ),
    pytest.param(
        {}, True, "division", {"name": "Acme Parts Co."}, id="Customers: Company name - division"
    ),
    pytest.param(
        {},
        True,
        "sales_ledger",
        {"name": "Acme Parts Co."},
        id="Customers: Company name - sales ledger",
    ),
    pytest.param(
        {},
        True,
        "company",
        {"phone": "1 604 408-0914", "fax": "2 123 123-9933"},
        id="Customers: Company phone number - DEFAULT phone and FAX",
    ),
    pytest.param(
        {},
        True,
        "sales_ledger",
        {"phone": "1 604 408-0914", "fax": "2 123 123-9933"},
        id="Customers: Company phone number - on the sales ledger",
    ),
    pytest.param(
        {"IsCustomer": True, "IsSupplier": False},
        True,
        "company",
        {"company_type": "Customer"},
        id="Customers: Company type - IsCustomer",
    ),
    pytest.param(
        {"IsCustomer": False, "IsSupplier": True},
        True,
        "company",
        {"company_type": "Supplier"},
        id="Customers: Company type - IsSupplier only",
    ),
    pytest.param(
        {"IsCustomer": True, "IsSupplier": True},
        True,
        "company",
        {"company_type": "Customer"},
        id="Customers: Company type - both are Customers",
    ),
    pytest.param(
        {},
        True,
        "company",
        {"email": "bk@krave.co"},
        id="Customers: Email address - company",
    ),
    pytest.param(
        {},
        True,
        "sales_ledger",
        {"email": "bk@krave.co"},
        id="Customers: Email address - sales ledger",
    ),
    pytest.param(
        {},
        True,
        "sales_ledger",
        {
            "address_line1": "1234 Fake Street",
            "address_line2": "Unit 5",
            "address_line3": None,
            "address_line4": "Rear entrance",
            "address_line5": "Vancouver, British Columbia",
            "postcode": "V6B 2T4",
            "country": "Canada",
        },
        id="Customers: Postal address - the POBOX address",
    ),
    pytest.param(
        {"DefaultCurrency": "EUR"},
        True,
        "sales_ledger",
        {"currency_code": "EUR"},
        id="Customers: Default currency",
    ),
    pytest.param(
        {},
        True,
        "sales_ledger",
        {"tax_type": "TAX003"},
        id="Customers: Sales tax type - AccountsReceivableTaxType",
    ),
    pytest.param(
        {},
        True,
        "sales_ledger",
        {"vat_number": "123-22-3456"},
        id="Customers: VAT registration number - TaxNumber",
    ),
    pytest.param(
        {"Discount": Decimal("12.50")},
        True,
        "sales_ledger",
        {"overall_discount": Decimal("12.50")},
        id="Customers: Discount - Overall Discount",
    ),
    pytest.param(
        {"ContactStatus": "ARCHIVED"},
        True,
        "sales_ledger",
        {"on_stop": True},
        id="Customers: On stop status - archived is on stop",
    ),
    pytest.param(
        {"ContactStatus": "ACTIVE"},
        True,
        "sales_ledger",
        {"on_stop": False},
        id="Customers: On stop status - restored comes off stop",
    ),
    pytest.param(
        {},
        True,
        "sales_ledger",
        {"balance_outstanding": Decimal("118.90"), "balance_overdue": Decimal("36.90")},
        id="Customers: Customer balance - AR outstanding and overdue",
    ),
]


@pytest.mark.parametrize(("changes", "option", "table", "expected"), CUSTOMER_ROWS)
def test_customers_feature_sheet_row(
    changes: dict[str, Any], option: bool, table: str, expected: dict[str, Any]
) -> None:
    row = getattr(mapped(option, **changes), table)
    assert row is not None
    for column, value in expected.items():
        assert row[column] == value, column
        assert type(row[column]) is type(value), column


# --- Contacts -------------------------------------------------------------------

CONTACT_ROWS = [
    pytest.param(
        {},
        {
            "first_name": "Blake",
            "last_name": "Kohler",
            "email": "bk@krave.co",
            "phone": "1 604 408-0914",
            "is_primary": True,
            "xero_contact_id": CONTACT_ID,
        },
        id="Contacts: First Name, Last Name, Email and primary phone",
    ),
    pytest.param(
        {"FirstName": "", "LastName": "", "EmailAddress": ""},
        None,
        id="Contacts: no first name, last name or email - no contact row",
    ),
    pytest.param(
        {"FirstName": None, "LastName": None, "EmailAddress": "only@mail.example"},
        {"first_name": None, "last_name": None, "email": "only@mail.example"},
        id="Contacts: an email alone still makes the contact",
    ),
    pytest.param(
        {"FirstName": "Blake", "LastName": "", "EmailAddress": ""},
        {"first_name": "Blake", "last_name": None, "email": None},
        id="Contacts: a first name alone still makes the contact",
    ),
]


@pytest.mark.parametrize(("changes", "expected"), CONTACT_ROWS)
def test_contacts_feature_sheet_row(changes: dict[str, Any], expected: dict[str, Any]) -> None:
    row = mapped(**changes).contact
    if expected is None:
        assert row is None
        return
    assert row is not None
    for column, value in expected.items():
        assert row[column] == value, column


def test_contacts_other_contact_persons_are_not_imported() -> None:
    row = mapped().contact
    assert row is not None
    assert "Sue" not in row.values()
    assert "sue@krave.com" not in row.values()


# --- Suppliers ------------------------------------------------------------------

SUPPLIER_ROWS = [
    pytest.param(
        {"IsCustomer": False, "IsSupplier": True},
        {
            "purchase_ledger_id": CONTACT_ID,
            "name": "Acme Parts Co.",
            "phone": "1 604 408-0914",
            "fax": "2 123 123-9933",
            "email": "bk@krave.co",
            "website": "http://www.example.com",
            "address_line1": "1234 Fake Street",
            "address_line5": "Vancouver, British Columbia",
            "postcode": "V6B 2T4",
            "country": "Canada",
            "currency_code": "USD",
        },
        id="Suppliers: IsSupplier contacts are Purchase Ledgers with address, phone, "
        "email, fax and website",
    ),
]


@pytest.mark.parametrize(("changes", "expected"), SUPPLIER_ROWS)
def test_suppliers_feature_sheet_row(changes: dict[str, Any], expected: dict[str, Any]) -> None:
    result = mapped(**changes)
    assert result.purchase_ledger is not None
    assert result.sales_ledger is None
    for column, value in expected.items():
        assert result.purchase_ledger[column] == value, column
    assert result.company["website"] == "http://www.example.com"


# --- mapping rules ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("is_customer", "is_supplier", "company_type", "sales", "purchase"),
    [
        pytest.param(True, False, "Customer", True, False, id="customer only"),
        pytest.param(False, False, "Customer", True, False, id="neither flag"),
        pytest.param(False, True, "Supplier", False, True, id="supplier only"),
        pytest.param(True, True, "Customer", True, True, id="both"),
        pytest.param(None, None, "Customer", True, False, id="flags missing"),
    ],
)
def test_rules_type_decides_the_ledgers(
    is_customer: bool | None,
    is_supplier: bool | None,
    company_type: str,
    sales: bool,
    purchase: bool,
) -> None:
    result = mapped(IsCustomer=is_customer, IsSupplier=is_supplier)
    assert result.company_type == company_type
    assert result.company["company_type"] == company_type
    assert (result.sales_ledger is not None) is sales
    assert (result.purchase_ledger is not None) is purchase


def test_rules_company_type_for_is_a_plain_decision() -> None:
    assert company_type_for(False, True) is CompanyType.SUPPLIER
    assert company_type_for(True, True) is CompanyType.CUSTOMER
    assert company_type_for(False, False) is CompanyType.CUSTOMER


@pytest.mark.parametrize(
    ("phones", "expected"),
    [
        pytest.param(
            [phone("DEFAULT", "847-1294", "(626)", "")], "(626) 847-1294", id="no country"
        ),
        pytest.param([phone("DEFAULT", "", "", "")], None, id="all empty is NULL"),
        pytest.param([phone("DEFAULT", " 5550 ", " ", "44")], "44 5550", id="blank parts dropped"),
        pytest.param([phone("MOBILE", "1")], None, id="no DEFAULT phone"),
        pytest.param([], None, id="no phones"),
        pytest.param(None, None, id="phones missing"),
        pytest.param([phone("DEFAULT", "1"), phone("DEFAULT", "2")], "1", id="first DEFAULT wins"),
    ],
)
def test_rules_phone_is_the_non_empty_parts_joined_by_one_space(
    phones: list[dict[str, str]] | None, expected: str | None
) -> None:
    result = mapped(Phones=phones)
    assert result.company["phone"] == expected
    assert result.sales_ledger is not None
    assert result.sales_ledger["phone"] == expected


def test_rules_fax_is_the_fax_phone_built_the_same_way() -> None:
    result = mapped(Phones=[phone("FAX", "333-2233", "212")])
    assert result.company["fax"] == "212 333-2233"
    assert result.company["phone"] is None


@pytest.mark.parametrize(
    ("city", "region", "line5"),
    [
        ("Palo Alto", "CA", "Palo Alto, CA"),
        ("Palo Alto", "", "Palo Alto"),
        ("", "CA", "CA"),
        ("", "", None),
    ],
)
def test_rules_address_line5_is_city_and_region(city: str, region: str, line5: str | None) -> None:
    address = {"AddressType": "POBOX", "City": city, "Region": region}
    result = mapped(Addresses=[address])
    assert result.sales_ledger is not None
    assert result.sales_ledger["address_line5"] == line5


def test_rules_only_the_pobox_address_is_used() -> None:
    street = {"AddressType": "STREET", "AddressLine1": "Street side", "PostalCode": "S1"}
    result = mapped(Addresses=[street])
    assert result.sales_ledger is not None
    assert result.sales_ledger["address_line1"] is None
    assert result.sales_ledger["postcode"] is None


def test_rules_empty_address_keys_may_be_omitted() -> None:
    result = mapped(Addresses=[{"AddressType": "POBOX"}])
    assert result.sales_ledger is not None
    assert all(result.sales_ledger[f"address_line{n}"] is None for n in range(1, 6))


@pytest.mark.parametrize(
    ("name", "account_number", "option", "expected"),
    [
        ("Acme", "A-1", True, "A-1"),
        ("Acme", "A-1", False, "Acme"),
        ("Acme", "", True, "Acme"),
        ("Acme", "   ", True, "Acme"),
        ("Acme", None, True, "Acme"),
        ("Acme", None, False, "Acme"),
    ],
)
def test_rules_display_description(
    name: str, account_number: str | None, option: bool, expected: str
) -> None:
    assert display_description(name, account_number, option) == expected


def test_display_description_can_be_re_derived_from_the_stored_row() -> None:
    row = mapped(True).sales_ledger
    assert row is not None
    again = display_description(row["name"], row["account_number"], False)
    assert again == mapped(False).sales_ledger["display_description"]  # type: ignore[index]


def test_rules_balances_missing_are_unknown_not_zero() -> None:
    result = mapped(Balances=None)
    assert result.sales_ledger is not None
    assert result.sales_ledger["balance_outstanding"] is None
    assert result.sales_ledger["balance_overdue"] is None


def test_rules_gdpr_request_is_not_on_stop() -> None:
    result = mapped(ContactStatus="GDPRREQUEST")
    assert result.status is ContactStatus.GDPRREQUEST
    assert result.sales_ledger["on_stop"] is False  # type: ignore[index]


def test_origin_is_xero_and_not_owned_by_xero() -> None:
    result = mapped()
    assert result.sales_ledger is not None
    assert result.sales_ledger["origin"] == "xero"
    assert "origin" not in XERO_OWNED_SALES_LEDGER_COLUMNS


@pytest.mark.parametrize(
    ("table", "owned"),
    [
        ("company", XERO_OWNED_COMPANY_COLUMNS),
        ("division", XERO_OWNED_DIVISION_COLUMNS),
        ("sales_ledger", XERO_OWNED_SALES_LEDGER_COLUMNS),
        ("purchase_ledger", XERO_OWNED_PURCHASE_LEDGER_COLUMNS),
        ("contact", XERO_OWNED_CONTACT_COLUMNS),
    ],
)
def test_owned_columns_name_every_mapped_column_but_origin(
    table: str, owned: tuple[str, ...]
) -> None:
    row = getattr(mapped(IsSupplier=True), table)
    assert set(row) - {"origin"} == set(owned)


def test_ids_dates_and_merges() -> None:
    result = mapped(MergedToContactID="5cc8cf28-567e-4d43-b287-687cfcaec47c")
    assert result.contact_id == CONTACT_ID
    assert result.updated_at == datetime(2019, 3, 1, 17, 2, 57, 193000, tzinfo=UTC)
    assert result.sales_ledger["xero_updated_at"] == result.updated_at  # type: ignore[index]
    assert result.merged_to == "5cc8cf28-567e-4d43-b287-687cfcaec47c"
    assert mapped().merged_to is None
    assert result.company["xero_contact_id"] == CONTACT_ID
    assert result.division["xero_contact_id"] == CONTACT_ID


# --- malformed contacts -------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param({"Name": ""}, "Name", id="missing name"),
        pytest.param({"Name": None}, "Name", id="null name"),
        pytest.param({"Name": 12}, "Name", id="name not text"),
        pytest.param({"Name": "x" * 256}, "Name", id="name too long"),
        pytest.param({"ContactID": None}, "ContactID", id="missing id"),
        pytest.param({"UpdatedDateUTC": "/Date(x)/"}, "UpdatedDateUTC", id="bad date"),
        pytest.param({"UpdatedDateUTC": None}, "UpdatedDateUTC", id="missing date"),
        pytest.param({"DefaultCurrency": "XXQ"}, "DefaultCurrency", id="unknown currency"),
        pytest.param({"Discount": "lots"}, "Discount", id="discount not a number"),
        pytest.param({"Discount": 1.5}, "Discount", id="discount a float"),
        pytest.param({"IsCustomer": "yes"}, "IsCustomer", id="flag not a bool"),
        pytest.param({"ContactStatus": "GONE"}, "ContactStatus", id="unknown status"),
        pytest.param({"Phones": "none"}, "Phones", id="phones not a list"),
        pytest.param({"Phones": ["x"]}, "Phones[0]", id="phone not an object"),
        pytest.param(
            {"Balances": {"AccountsReceivable": {"Outstanding": "?"}}},
            "Balances.AccountsReceivable.Outstanding",
            id="bad balance",
        ),
        pytest.param({"EmailAddress": "a\x00b"}, "EmailAddress", id="NUL in text"),
        pytest.param({"Website": "\ud800"}, "Website", id="unpaired surrogate"),
    ],
)
def test_malformed_contact_names_the_record_and_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(MalformedRecordError) as caught:
        mapped(**changes)
    message = str(caught.value)
    assert field in message
    assert "contact" in message
    assert CONTACT_ID in message or "Acme Parts Co." in message


def test_malformed_record_that_is_not_an_object() -> None:
    with pytest.raises(MalformedRecordError, match="not an object"):
        map_contact(["not", "a", "contact"], display_account_number=True)  # type: ignore[arg-type]
