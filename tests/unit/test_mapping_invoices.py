"""Xero ACCREC invoices → sales_order_header and sales_transaction rows.

One case per pull-side row of the sheet's "Sales orders and invoices" section
(the test id names the row), then the mapping-rules decisions.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from xerodesk.domain.xero_codes import DocumentStatus, LineAmountType
from xerodesk.errors import MalformedRecordError
from xerodesk.mapping.documents import line_values
from xerodesk.mapping.invoices import MappedInvoice, map_invoice, order_status_for

INVOICE_ID = "a03ffcd2-5d91-4c7e-b483-318584e9e439"
CONTACT_ID = "430fa14a-f945-44d3-9f97-5df5e28441b8"
D = Decimal


def line(line_id: str = "b18f39d9-7739-4246-9288-72afe939d2d5", **changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "ItemCode": "GTR",
        "Description": "Guitars Fender Strat",
        "UnitAmount": D("50.00"),
        "TaxType": "OUTPUT2",
        "TaxAmount": D("15.00"),
        "LineAmount": D("100.00"),
        "AccountCode": "200",
        "Tracking": [],
        "Quantity": D("2.0000"),
        "DiscountRate": D("0.00"),
        "LineItemID": line_id,
    }
    record.update(changes)
    return record


def invoice_record(**changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "Type": "ACCREC",
        "InvoiceID": INVOICE_ID,
        "InvoiceNumber": "INV-0006",
        "Reference": "Tour",
        "AmountDue": D("0.00"),
        "AmountPaid": D("115.00"),
        "CurrencyRate": D("1.000000"),
        "Contact": {"ContactID": CONTACT_ID, "Name": "Liam Gallagher"},
        "DateString": "2019-03-07T00:00:00",
        "Date": "/Date(1551916800000+0000)/",
        "DueDateString": "2019-03-13T00:00:00",
        "DueDate": "/Date(1552435200000+0000)/",
        "Status": "PAID",
        "LineAmountTypes": "Exclusive",
        "LineItems": [line()],
        "SubTotal": D("100.00"),
        "TotalTax": D("15.00"),
        "Total": D("115.00"),
        "UpdatedDateUTC": "/Date(1551981568133+0000)/",
        "UpdatedDateUTCString": "2019-03-07T17:59:28Z",
        "CurrencyCode": "NZD",
        "FullyPaidOnDate": "/Date(1552953600000+0000)/",
    }
    record.update(changes)
    return record


def mapped(**changes: Any) -> MappedInvoice:
    return map_invoice(invoice_record(**changes))


# --- feature sheet: Sales orders and invoices -------------------------------------

HEADER_ROWS = [
    pytest.param(
        {},
        {"xero_invoice_id": INVOICE_ID, "order_number": "INV-0006", "xero_contact_id": CONTACT_ID},
        id="Sales orders and invoices: Sales invoices - header linked by the Invoice ID",
    ),
    pytest.param(
        {"Status": "AUTHORISED"},
        {"order_status": "Invoice", "xero_status": "AUTHORISED", "exclude_from_reports": False},
        id="Sales orders and invoices: Invoice status mapping - AUTHORISED is an Invoice",
    ),
    pytest.param(
        {"Status": "PAID"},
        {"order_status": "Invoice", "xero_status": "PAID"},
        id="Sales orders and invoices: Invoice status mapping - PAID is an Invoice",
    ),
    pytest.param(
        {"Status": "DRAFT"},
        {"order_status": "Pending", "exclude_from_reports": False},
        id="Sales orders and invoices: Invoice status mapping - DRAFT is Pending",
    ),
    pytest.param(
        {"Status": "SUBMITTED"},
        {"order_status": "Pending"},
        id="Sales orders and invoices: Invoice status mapping - SUBMITTED is Pending",
    ),
    pytest.param(
        {"Status": "DELETED"},
        {"order_status": "Deleted", "exclude_from_reports": True},
        id="Sales orders and invoices: Invoice status mapping - DELETED flagged out of reports",
    ),
    pytest.param(
        {"Status": "VOIDED"},
        {"order_status": "Voided", "exclude_from_reports": True},
        id="Sales orders and invoices: Invoice status mapping - VOIDED flagged out of reports",
    ),
    pytest.param(
        {"Status": "PAID"},
        {"is_paid": True, "paid_date": date(2019, 3, 19)},
        id="Sales orders and invoices: Paid status and date - fully paid",
    ),
    pytest.param(
        {"Status": "AUTHORISED", "Total": D("0.00"), "FullyPaidOnDate": None},
        {"is_paid": True, "paid_date": None},
        id="Sales orders and invoices: Paid status and date - zero total is paid",
    ),
    pytest.param(
        {"Status": "AUTHORISED", "FullyPaidOnDate": None, "AmountDue": D("115.00")},
        {"is_paid": False, "paid_date": None, "amount_due": D("115.00")},
        id="Sales orders and invoices: Paid status and date - unpaid",
    ),
    pytest.param(
        {"Reference": "PO 4411"},
        {"customer_reference": "PO 4411"},
        id="Sales orders and invoices: Customer reference",
    ),
    pytest.param(
        {},
        {"order_date": date(2019, 3, 7), "due_date": date(2019, 3, 13)},
        id="Sales orders and invoices: Due dates - invoice date and due date",
    ),
]


@pytest.mark.parametrize(("changes", "expected"), HEADER_ROWS)
def test_sales_invoices_feature_sheet_row(
    changes: dict[str, Any], expected: dict[str, Any]
) -> None:
    header = mapped(**changes).header
    for column, value in expected.items():
        assert header[column] == value, column


def test_sales_invoices_feature_sheet_row_invoice_lines() -> None:
    """Sales orders and invoices: Invoice lines - product, description, quantity, unit
    price, tax-exclusive and tax-inclusive values, home-currency values, account code."""
    result = mapped(LineItems=[line(), line("second-line", LineAmount=D("10.00"), TaxAmount=0)])
    assert len(result.lines) == 2
    first = result.lines[0]
    assert first == {
        "transaction_type": "I",
        "document_number": "INV-0006",
        "transaction_date": date(2019, 3, 7),
        "xero_line_id": "b18f39d9-7739-4246-9288-72afe939d2d5",
        "xero_credit_note_id": None,
        "product_item_id": "GTR",
        "description": "Guitars Fender Strat",
        "quantity": D("2.0000"),
        "unit_price": D("50.00"),
        "discount_rate": D("0.00"),
        "net_value": D("100.00"),
        "tax_value": D("15.00"),
        "gross_value": D("115.00"),
        "home_net_value": D("100.00"),
        "home_gross_value": D("115.00"),
        "account_code": "200",
        "tax_type": "OUTPUT2",
        "is_paid": True,
        "exclude_from_reports": False,
    }
    assert result.lines[1]["xero_line_id"] == "second-line"


def test_header_carries_totals_currency_and_amount_type() -> None:
    header = mapped(CurrencyCode="USD", CurrencyRate=D("0.650000")).header
    assert header["currency_code"] == "USD"
    assert header["currency_rate"] == D("0.650000")
    assert header["line_amount_types"] == "Exclusive"
    assert (header["net_total"], header["tax_total"], header["gross_total"]) == (
        D("100.00"),
        D("15.00"),
        D("115.00"),
    )
    assert (header["amount_paid"], header["amount_due"]) == (D("115.00"), D("0.00"))
    assert header["xero_updated_at"] == datetime(2019, 3, 7, 17, 59, 28, 133000, tzinfo=UTC)


def test_mapped_invoice_exposes_the_ids_the_engine_links_by() -> None:
    result = mapped()
    assert result.invoice_id == INVOICE_ID
    assert result.invoice_number == "INV-0006"
    assert result.contact_id == CONTACT_ID
    assert result.status is DocumentStatus.PAID
    assert result.updated_at == result.header["xero_updated_at"]


# --- mapping rules ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount_type", "line_amount", "tax", "net", "tax_value", "gross"),
    [
        pytest.param("Exclusive", "100.00", "15.00", "100.00", "15.00", "115.00", id="Exclusive"),
        pytest.param("Inclusive", "115.00", "15.00", "100.00", "15.00", "115.00", id="Inclusive"),
        pytest.param("NoTax", "100.00", "15.00", "100.00", "0.00", "100.00", id="NoTax"),
        pytest.param("EXCLUSIVE", "10.00", "1.50", "10.00", "1.50", "11.50", id="upper case"),
        pytest.param(None, "10.00", "1.50", "10.00", "1.50", "11.50", id="missing: Exclusive"),
    ],
)
def test_rules_line_values_by_line_amount_types(
    amount_type: str | None, line_amount: str, tax: str, net: str, tax_value: str, gross: str
) -> None:
    result = mapped(
        LineAmountTypes=amount_type, LineItems=[line(LineAmount=D(line_amount), TaxAmount=D(tax))]
    )
    row = result.lines[0]
    assert (row["net_value"], row["tax_value"], row["gross_value"]) == (
        D(net),
        D(tax_value),
        D(gross),
    )


@pytest.mark.parametrize(
    ("rate", "home_net", "home_gross"),
    [
        pytest.param(None, "100.00", "115.00", id="missing rate: equal"),
        pytest.param("1.000000", "100.00", "115.00", id="rate 1: equal"),
        pytest.param("0.650000", "153.85", "176.92", id="divided by the rate"),
        pytest.param("8", "12.50", "14.38", id="half-even at 2 dp (14.375 -> 14.38)"),
        pytest.param("16", "6.25", "7.19", id="half-even (7.1875 -> 7.19)"),
    ],
)
def test_rules_home_currency_values(rate: str | None, home_net: str, home_gross: str) -> None:
    result = mapped(CurrencyRate=None if rate is None else D(rate))
    row = result.lines[0]
    assert row["home_net_value"] == D(home_net)
    assert row["home_gross_value"] == D(home_gross)


def test_rules_half_even_rounding_of_home_values() -> None:
    # 0.125 / 1 stays, 0.25 / 2 = 0.125 -> 0.12 (half-even), 0.75 / 2 = 0.375 -> 0.38
    result = mapped(
        CurrencyRate=D(2),
        LineAmountTypes="NoTax",
        LineItems=[line(LineAmount=D("0.25")), line("l2", LineAmount=D("0.75"))],
    )
    assert [row["home_net_value"] for row in result.lines] == [D("0.12"), D("0.38")]


def test_rules_deleted_and_voided_lines_are_excluded_too() -> None:
    for status in ("DELETED", "VOIDED"):
        result = mapped(Status=status)
        assert all(row["exclude_from_reports"] for row in result.lines)


def test_is_paid_is_copied_to_lines() -> None:
    assert mapped(Status="PAID").lines[0]["is_paid"] is True
    assert mapped(Status="AUTHORISED").lines[0]["is_paid"] is False


def test_line_values_function_matches_the_rules() -> None:
    values = line_values(D("115.00"), D("15.00"), LineAmountType.INCLUSIVE)
    assert (values.net, values.tax, values.gross) == (D("100.00"), D("15.00"), D("115.00"))


def test_order_status_covers_every_xero_status() -> None:
    assert {order_status_for(status).value for status in DocumentStatus} == {
        "Invoice",
        "Pending",
        "Deleted",
        "Voided",
    }


def test_lines_edge_cases() -> None:
    result = mapped(
        LineItems=[
            {"LineItemID": "text-only", "Description": "A note"},
            line("by-item", ItemCode=None, Item={"Code": "FROM-ITEM"}),
        ]
    )
    note, by_item = result.lines
    assert note["net_value"] == note["gross_value"] == D(0)
    assert note["quantity"] is None and note["product_item_id"] is None
    assert by_item["product_item_id"] == "FROM-ITEM"


def test_no_lines_in_a_summary_listing() -> None:
    assert mapped(LineItems=[]).lines == ()


def test_dates_fall_back_to_the_string_twins() -> None:
    header = mapped(Date=None, DueDate=None).header
    assert header["order_date"] == date(2019, 3, 7)
    assert header["due_date"] == date(2019, 3, 13)


# --- refused and malformed ------------------------------------------------------------


def test_bills_are_refused() -> None:
    with pytest.raises(MalformedRecordError, match=r"Type is ACCPAY"):
        mapped(Type="ACCPAY")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param({"Type": None}, "Type", id="missing type"),
        pytest.param({"Type": "ACCRECCREDIT"}, "Type", id="a credit note type"),
        pytest.param({"InvoiceID": ""}, "InvoiceID", id="missing id"),
        pytest.param({"Status": "LOST"}, "Status", id="unknown status"),
        pytest.param({"Status": None}, "Status", id="missing status"),
        pytest.param({"Contact": None}, "Contact", id="missing contact"),
        pytest.param({"Contact": {"Name": "x"}}, "Contact.ContactID", id="contact without id"),
        pytest.param({"Date": "yesterday"}, "Date", id="bad date"),
        pytest.param({"DueDate": "/Date(99999999999999999999)/"}, "DueDate", id="date overflow"),
        pytest.param({"CurrencyCode": "ZZZ"}, "CurrencyCode", id="unknown currency"),
        pytest.param({"CurrencyRate": D("-1")}, "CurrencyRate", id="negative rate"),
        pytest.param({"CurrencyRate": D("1e-30")}, "CurrencyRate", id="absurd rate"),
        pytest.param({"LineAmountTypes": "Both"}, "LineAmountTypes", id="unknown amount type"),
        pytest.param({"Total": "NaN"}, "Total", id="NaN total"),
        pytest.param({"LineItems": {}}, "LineItems", id="lines not a list"),
        pytest.param(
            {"LineItems": [line(LineItemID=None)]}, "LineItems[0].LineItemID", id="line without id"
        ),
        pytest.param(
            {"LineItems": [line(), line()]}, "LineItems[1].LineItemID", id="repeated line id"
        ),
        pytest.param(
            {"LineItems": [line(LineAmount="abc")]}, "LineItems[0].LineAmount", id="bad line amount"
        ),
        pytest.param(
            {"LineItems": [line(LineAmount=None)]},
            "LineItems[0].LineAmount",
            id="priced line without amount",
        ),
        pytest.param(
            {"LineItems": [line(LineAmount=D("99999999999999"), TaxAmount=D(1))]},
            "LineItems[0].LineAmount",
            id="gross beyond the column",
        ),
        pytest.param(
            {"CurrencyRate": D("0.0000001"), "LineItems": [line(LineAmount=D("1e10"))]},
            "LineItems[0].LineAmount",
            id="home value beyond the column",
        ),
    ],
)
def test_malformed_invoice_names_the_record_and_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(MalformedRecordError) as caught:
        mapped(**changes)
    message = str(caught.value)
    assert field in message
    assert "invoice" in message
