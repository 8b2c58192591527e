"""Xero ACCRECCREDIT credit notes → sales_transaction rows of type C.

One case per row of the sheet's "Credit notes" section (the test id names
the row), then the mapping-rules decisions.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from xerodesk.domain.xero_codes import DocumentStatus
from xerodesk.errors import MalformedRecordError
from xerodesk.mapping.credit_notes import NEGATED_COLUMNS, MappedCreditNote, map_credit_note

CREDIT_NOTE_ID = "249f15fa-f2a7-4acc-8769-0984103f2225"
CONTACT_ID = "430fa14a-f945-44d3-9f97-5df5e28441b8"
D = Decimal


def line(line_id: str = "5ab1b6f3-a5a4-4fe0-9f1c-a1c0a3f4ee01", **changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "ItemCode": "GTR",
        "Description": "Returned strings",
        "UnitAmount": D("15.00"),
        "TaxType": "OUTPUT2",
        "TaxAmount": D("4.50"),
        "LineAmount": D("30.00"),
        "AccountCode": "200",
        "Quantity": D("2.0000"),
        "LineItemID": line_id,
    }
    record.update(changes)
    return record


def credit_note_record(**changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "CreditNoteID": CREDIT_NOTE_ID,
        "CreditNoteNumber": "CN-0005",
        "ID": CREDIT_NOTE_ID,
        "CurrencyRate": D("1.000000"),
        "Type": "ACCRECCREDIT",
        "Reference": "US Tour",
        "RemainingCredit": D("32.50"),
        "Contact": {"ContactID": CONTACT_ID, "Name": "Liam Gallagher"},
        "DateString": "2019-03-05T00:00:00",
        "Date": "/Date(1551744000000+0000)/",
        "Status": "AUTHORISED",
        "LineAmountTypes": "Exclusive",
        "LineItems": [line()],
        "SubTotal": D("30.00"),
        "TotalTax": D("4.50"),
        "Total": D("34.50"),
        "UpdatedDateUTC": "/Date(1551812346157+0000)/",
        "CurrencyCode": "NZD",
    }
    record.update(changes)
    return record


def mapped(**changes: Any) -> MappedCreditNote:
    return map_credit_note(credit_note_record(**changes))


CREDIT_NOTE_ROWS = [
    pytest.param(
        {},
        {
            "transaction_type": "C",
            "sales_order_header_id": None,
            "document_number": "CN-0005",
            "xero_credit_note_id": CREDIT_NOTE_ID,
            "transaction_date": date(2019, 3, 5),
        },
        id="Credit notes: ACCRECCREDIT credit notes - type C rows without a header",
    ),
    pytest.param(
        {},
        {
            "quantity": D("-2.0000"),
            "unit_price": D("15.00"),
            "net_value": D("-30.00"),
            "tax_value": D("-4.50"),
            "gross_value": D("-34.50"),
            "home_net_value": D("-30.00"),
            "home_gross_value": D("-34.50"),
        },
        id="Credit notes: ACCRECCREDIT credit notes - negative amounts",
    ),
    pytest.param(
        {"Status": "PAID"},
        {"is_paid": True, "exclude_from_reports": False},
        id="Credit notes: Status and paid flag - paid credit notes are flagged",
    ),
    pytest.param(
        {"Status": "AUTHORISED"},
        {"is_paid": False, "exclude_from_reports": False},
        id="Credit notes: Status and paid flag - authorised is not paid",
    ),
    pytest.param(
        {"Status": "DELETED"},
        {"exclude_from_reports": True},
        id="Credit notes: Status and paid flag - DELETED filtered out of reports",
    ),
    pytest.param(
        {"Status": "VOIDED"},
        {"exclude_from_reports": True},
        id="Credit notes: Status and paid flag - VOIDED filtered out of reports",
    ),
]


@pytest.mark.parametrize(("changes", "expected"), CREDIT_NOTE_ROWS)
def test_credit_notes_feature_sheet_row(changes: dict[str, Any], expected: dict[str, Any]) -> None:
    result = mapped(**changes)
    assert len(result.lines) == 1
    row = result.lines[0]
    for column, value in expected.items():
        assert row[column] == value, column


def test_credit_line_keeps_product_account_and_tax() -> None:
    row = mapped().lines[0]
    assert row["product_item_id"] == "GTR"
    assert row["account_code"] == "200"
    assert row["tax_type"] == "OUTPUT2"
    assert row["xero_line_id"] == "5ab1b6f3-a5a4-4fe0-9f1c-a1c0a3f4ee01"
    assert row["description"] == "Returned strings"


def test_rules_every_value_negated_in_foreign_currency_too() -> None:
    row = mapped(CurrencyCode="USD", CurrencyRate=D("0.5")).lines[0]
    assert row["home_net_value"] == D("-60.00")
    assert row["home_gross_value"] == D("-69.00")


def test_rules_zero_values_stay_zero_not_minus_zero() -> None:
    row = mapped(LineItems=[line(TaxAmount=D("0.00"))]).lines[0]
    assert str(row["tax_value"]) == "0.00"


def test_rules_zero_total_counts_as_paid() -> None:
    assert mapped(Total=D("0.00"), LineItems=[]).is_paid is True


def test_mapped_credit_note_carries_ids_for_linking() -> None:
    result = mapped()
    assert result.credit_note_id == CREDIT_NOTE_ID
    assert result.credit_note_number == "CN-0005"
    assert result.contact_id == CONTACT_ID
    assert result.status is DocumentStatus.AUTHORISED
    assert result.updated_at == datetime(2019, 3, 5, 18, 59, 6, 157000, tzinfo=UTC)
    assert set(NEGATED_COLUMNS) <= set(result.lines[0])


def test_supplier_credit_notes_are_refused() -> None:
    with pytest.raises(MalformedRecordError, match="ACCPAYCREDIT"):
        mapped(Type="ACCPAYCREDIT", CreditNoteNumber="")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param({"Type": "ACCREC"}, "Type", id="an invoice type"),
        pytest.param({"CreditNoteID": None}, "CreditNoteID", id="missing id"),
        pytest.param({"Status": 3}, "Status", id="status not text"),
        pytest.param({"Date": "2019-02-30"}, "Date", id="impossible date"),
        pytest.param(
            {"LineItems": [line(Quantity=True)]}, "LineItems[0].Quantity", id="quantity a bool"
        ),
    ],
)
def test_malformed_credit_note_names_the_record_and_field(
    changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(MalformedRecordError) as caught:
        mapped(**changes)
    assert field in str(caught.value)
    assert "credit note" in str(caught.value)
