"""The ``where`` and ``order`` parser (Xero's C#-like filter language)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from xerodesk.sandbox.fields import CONTACTS, INVOICES, ITEMS, PURCHASE_ORDERS
from xerodesk.sandbox.query import OrderKey, QueryError, compile_where, parse_order, sort_key

CONTACT_ID = "5cc8cf28-567e-4d43-b287-687cfcaec47c"
INVOICE: dict[str, Any] = {
    "Type": "ACCREC",
    "Status": "AUTHORISED",
    "InvoiceNumber": "INV-0042",
    "Reference": "",
    "Contact.ContactID": CONTACT_ID,
    "Contact.Name": "Acme Parts Co.",
    "Date": datetime(2015, 6, 1, tzinfo=UTC),
    "AmountDue": Decimal("10.00"),
    "SentToContact": True,
}


def matches(text: str, record: dict[str, Any] = INVOICE) -> bool:
    return bool(compile_where(INVOICES, text)(record.get))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('Type=="ACCREC"', True),
        ('Type!="ACCREC"', False),
        ('type == "accrec"', True),  # names and strings ignore case
        ('Status = "AUTHORISED"', True),  # the API previewer's single =
        ('Type=="ACCREC" AND Status=="PAID"', False),
        ('Type=="ACCREC" && Status=="AUTHORISED"', True),
        ('Status=="PAID" OR Status=="AUTHORISED"', True),
        ('Status=="PAID" || Status=="DRAFT"', False),
        ('(Status=="PAID" OR Status=="AUTHORISED") AND Type=="ACCREC"', True),
        ('Status=="PAID" OR (Status=="AUTHORISED" AND Type=="ACCPAY")', False),
        ('NOT (Type=="ACCPAY")', True),
        ('!(Type=="ACCREC")', False),
        (f'Contact.ContactID==Guid("{CONTACT_ID.upper()}")', True),
        (f'Contact.ContactID!=Guid("{CONTACT_ID}")', False),
        (f'Contact.ContactID.ToString()=="{CONTACT_ID}"', True),
        ('Contact.Name.Contains("parts")', True),
        ('Contact.Name.StartsWith("Acme")', True),
        ('Contact.Name.EndsWith("Ltd")', False),
        ('InvoiceNumber.ToLower()=="inv-0042"', True),
        ("Date >= DateTime(2015, 01, 01) && Date < DateTime(2015, 12, 31)", True),
        ("Date > DateTime(2015, 06, 01)", False),
        ("Date >= DateTime(2015, 06, 01, 0, 0, 0)", True),
        ('Date<DateTime.Parse("2015-06-02T00:00:00")', True),
        ("AmountDue > 5", True),
        ("AmountDue >= 10.00", True),
        ("AmountDue < 10", False),
        ("AmountDue <= 9.99", False),
        ("SentToContact == true", True),
        ("SentToContact", True),
        ("Reference == null", True),  # an empty string is null
        ("Reference != null", False),
        ('Reference == ""', True),
        ('InvoiceNumber == "say ""hi"""', False),
    ],
)
def test_filters(text: str, expected: bool) -> None:
    assert matches(text) is expected


def test_escaped_quotes_inside_strings() -> None:
    record = {**INVOICE, "Reference": 'say "hi"'}
    assert matches('Reference == "say ""hi"""', record)


def test_missing_values_never_compare_greater_or_smaller() -> None:
    record = {**INVOICE, "AmountDue": None}
    assert not matches("AmountDue > 0", record)
    assert not matches("AmountDue <= 0", record)
    assert matches("AmountDue == null", record)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Expression expected"),
        ("Type==", "Expression expected"),
        ('Type=="A" AND', "Expression expected"),
        ('((Type=="A")', "')' expected"),
        ('Type==="A"', "Syntax error"),
        ("Type == 'A'", "Syntax error"),
        ("Nope==1", "No property or field 'Nope' exists in type 'Invoice'"),
        ("Contact.Nope==1", "No property or field 'Nope' exists in type 'Contact'"),
        (
            f'Contact.ContactID=="{CONTACT_ID}"',
            "incompatible with operand types 'Guid' and 'String'",
        ),
        ('AmountDue=="1"', "incompatible with operand types 'Decimal' and 'String'"),
        ('Date=="2015-01-01"', "incompatible with operand types 'DateTime' and 'String'"),
        ("Status==1", "incompatible with operand types 'String' and 'Int32'"),
        ("SentToContact > true", "incompatible"),
        ('Guid("not-a-guid")==Contact.ContactID', "Unrecognized Guid format."),
        ("Date > DateTime(2015, 13, 1)", "month must be in 1..12"),
        ("Date > DateTime(2015, 1)", "No applicable constructor"),
        ('AmountDue.Contains("1")', "No applicable method"),
        ("Type.Frobnicate()", "No applicable method"),
        ('"ACCREC"', "Expression of type 'Boolean' expected"),
    ],
)
def test_malformed_filters_are_refused(text: str, message: str) -> None:
    with pytest.raises(QueryError, match=message.replace("(", r"\(").replace(")", r"\)")):
        compile_where(INVOICES, text)


def test_booleans_are_not_strings() -> None:
    """The exact refusal integrators meet on ``IsSold=="true"``."""
    with pytest.raises(QueryError) as caught:
        compile_where(ITEMS, 'IsSold=="true"')
    assert str(caught.value) == (
        "Operator '==' incompatible with operand types 'Boolean' and 'String'"
    )
    assert compile_where(ITEMS, "IsSold==true")({"IsSold": True}.get)


def test_contact_fields() -> None:
    contact = {"Name": "Blake", "EmailAddress": None, "IsCustomer": False}
    assert compile_where(CONTACTS, 'EmailAddress==null AND Name.StartsWith("bl")')(contact.get)
    assert not compile_where(CONTACTS, "IsCustomer==true")(contact.get)


def test_order_clauses() -> None:
    assert parse_order(INVOICES, "Date DESC, invoicenumber") == [
        OrderKey("Date", True),
        OrderKey("InvoiceNumber", False),
    ]
    assert parse_order(INVOICES, "Contact.Name asc") == [OrderKey("Contact.Name", False)]
    assert parse_order(PURCHASE_ORDERS, "PurchaseOrderNumber ASC") == [
        OrderKey("PurchaseOrderNumber", False)
    ]
    for bad in ("Date SIDEWAYS", "Nope ASC", "Date ASC DESC"):
        with pytest.raises(QueryError):
            parse_order(INVOICES, bad)


def test_sort_keys_put_nulls_first_and_ignore_case() -> None:
    values = ["beta", None, "Alpha", ""]
    assert sorted(values, key=sort_key) == [None, "", "Alpha", "beta"]
