"""Xero purchase orders → purchase_order_header and purchase_transaction rows.

One case per row of the sheet's "Purchase orders" section (the test id names
the row), then the line values by line-amount type.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from xerodesk.domain.xero_codes import PurchaseOrderStatus
from xerodesk.errors import MalformedRecordError
from xerodesk.mapping.purchase_orders import MappedPurchaseOrder, map_purchase_order

PO_ID = "f9627f0d-b715-4039-bb6a-96dc3eae5ec5"
CONTACT_ID = "430fa14a-f945-44d3-9f97-5df5e28441b8"
D = Decimal


def line(line_id: str = "0f7b54b8-bfa4-4c5d-9c22-73dbd5796e54", **changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "ItemCode": "GTR",
        "Description": "Foobar",
        "UnitAmount": D("20.0000"),
        "TaxType": "INPUT2",
        "TaxAmount": D("3.00"),
        "LineAmount": D("20.00"),
        "AccountCode": "300",
        "Tracking": [],
        "Quantity": D("1.0000"),
        "LineItemID": line_id,
    }
    record.update(changes)
    return record


def po_record(**changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "PurchaseOrderID": PO_ID,
        "PurchaseOrderNumber": "PO-0001",
        "DateString": "2019-03-12T00:00:00",
        "Date": "/Date(1552348800000+0000)/",
        "DeliveryDate": "/Date(1552953600000+0000)/",
        "Reference": "Spring stock",
        "Type": "PURCHASEORDER",
        "CurrencyRate": D("1.000000"),
        "CurrencyCode": "NZD",
        "Contact": {"ContactID": CONTACT_ID, "Name": "Liam Gallagher"},
        "Status": "AUTHORISED",
        "LineAmountTypes": "Exclusive",
        "LineItems": [line()],
        "SubTotal": D("20.00"),
        "TotalTax": D("3.00"),
        "Total": D("23.00"),
        "UpdatedDateUTC": "/Date(1552522703443+0000)/",
    }
    record.update(changes)
    return record


def mapped(**changes: Any) -> MappedPurchaseOrder:
    return map_purchase_order(po_record(**changes))


def test_purchase_orders_feature_sheet_row_xero_purchase_orders() -> None:
    """Purchase orders: Xero purchase orders - Purchase Order Headers and Purchase
    Transaction lines."""
    result = mapped()
    assert result.header == {
        "xero_purchase_order_id": PO_ID,
        "order_number": "PO-0001",
        "xero_status": "AUTHORISED",
        "order_completed": False,
        "obsolete": False,
        "order_date": date(2019, 3, 12),
        "delivery_date": date(2019, 3, 19),
        "reference": "Spring stock",
        "currency_code": "NZD",
        "net_total": D("20.00"),
        "tax_total": D("3.00"),
        "gross_total": D("23.00"),
        "xero_contact_id": CONTACT_ID,
        "xero_updated_at": datetime(2019, 3, 14, 0, 18, 23, 443000, tzinfo=UTC),
    }
    assert result.lines == (
        {
            "xero_line_id": "0f7b54b8-bfa4-4c5d-9c22-73dbd5796e54",
            "product_item_id": "GTR",
            "description": "Foobar",
            "quantity": D("1.0000"),
            "unit_price": D("20.0000"),
            "net_value": D("20.00"),
            "tax_value": D("3.00"),
            "gross_value": D("23.00"),
            "account_code": "300",
            "tax_type": "INPUT2",
        },
    )
    assert (result.purchase_order_id, result.contact_id) == (PO_ID, CONTACT_ID)
    assert result.purchase_order_number == "PO-0001"


@pytest.mark.parametrize(
    ("status", "completed", "obsolete"),
    [
        pytest.param("BILLED", True, False, id="Purchase orders: Purchase order status - BILLED"),
        pytest.param("DELETED", False, True, id="Purchase orders: Purchase order status - DELETED"),
        pytest.param("DRAFT", False, False, id="Purchase orders: Purchase order status - DRAFT"),
        pytest.param(
            "SUBMITTED", False, False, id="Purchase orders: Purchase order status - SUBMITTED"
        ),
        pytest.param(
            "AUTHORISED", False, False, id="Purchase orders: Purchase order status - AUTHORISED"
        ),
    ],
)
def test_purchase_orders_feature_sheet_row_status(
    status: str, completed: bool, obsolete: bool
) -> None:
    result = mapped(Status=status)
    assert result.status is PurchaseOrderStatus(status)
    assert result.header["xero_status"] == status
    assert result.header["order_completed"] is completed
    assert result.header["obsolete"] is obsolete


@pytest.mark.parametrize(
    ("amount_type", "net", "tax", "gross"),
    [
        ("Exclusive", "20.00", "3.00", "23.00"),
        ("Inclusive", "17.00", "3.00", "20.00"),
        ("NoTax", "20.00", "0.00", "20.00"),
    ],
)
def test_line_values_by_line_amount_types(amount_type: str, net: str, tax: str, gross: str) -> None:
    row = mapped(LineAmountTypes=amount_type).lines[0]
    assert (row["net_value"], row["tax_value"], row["gross_value"]) == (D(net), D(tax), D(gross))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param({"PurchaseOrderID": None}, "PurchaseOrderID", id="missing id"),
        pytest.param({"Status": "PAID"}, "Status", id="not a purchase order status"),
        pytest.param({"DeliveryDate": "soon"}, "DeliveryDate", id="bad delivery date"),
        pytest.param({"Contact": "Liam"}, "Contact", id="contact not an object"),
        pytest.param(
            {"LineItems": [line(Description=7)]},
            "LineItems[0].Description",
            id="description not text",
        ),
    ],
)
def test_malformed_purchase_order_names_the_record_and_field(
    changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(MalformedRecordError) as caught:
        mapped(**changes)
    assert field in str(caught.value)
    assert "purchase order" in str(caught.value)
