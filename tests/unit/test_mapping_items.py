"""Xero items → product and stock rows: one case per row of the sheet's Products section."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from xerodesk.errors import MalformedRecordError
from xerodesk.mapping.items import (
    XERO_OWNED_PRODUCT_COLUMNS,
    MappedItem,
    deleted_item_changes,
    map_item,
)

ITEM_ID = "c8c54d65-f3f2-452d-926e-bf450b12fb07"


def item_record(**changes: Any) -> dict[str, Any]:
    """A tracked item as Xero sends it (shaped like the spec's GET /Items/{ItemID})."""
    record: dict[str, Any] = {
        "ItemID": ITEM_ID,
        "Code": "123",
        "Description": "Guitars Fender Strat",
        "PurchaseDescription": "Brand new Fender Strats",
        "UpdatedDateUTC": "/Date(1552333309387+0000)/",
        "PurchaseDetails": {
            "UnitPrice": Decimal("2500.0000"),
            "AccountCode": "300",
            "COGSAccountCode": "310",
            "TaxType": "INPUT2",
        },
        "SalesDetails": {
            "UnitPrice": Decimal("5000.0000"),
            "AccountCode": "200",
            "TaxType": "OUTPUT2",
        },
        "Name": "Guitars",
        "IsTrackedAsInventory": True,
        "InventoryAssetAccountCode": "630",
        "TotalCostPool": Decimal("25000.00"),
        "QuantityOnHand": Decimal("10.0000"),
        "IsSold": True,
        "IsPurchased": True,
    }
    record.update(changes)
    return record


def mapped(**changes: Any) -> MappedItem:
    return map_item(item_record(**changes))


PRODUCT_ROWS = [
    pytest.param({"Code": "GTR-01"}, {"product_item_id": "GTR-01"}, id="Products: Product SKU"),
    pytest.param(
        {},
        {"description": "Guitars", "extended_description": "Guitars Fender Strat"},
        id="Products: Product name and description",
    ),
    pytest.param({}, {"sell_price": Decimal("5000.0000")}, id="Products: Selling price"),
    pytest.param({}, {"cost_price": Decimal("2500.0000")}, id="Products: Cost price"),
    pytest.param({}, {"sales_analysis": "200"}, id="Products: Sales account code"),
    pytest.param({}, {"purchase_analysis": "300"}, id="Products: Purchase account code"),
    pytest.param({}, {"vat_code": "OUTPUT2"}, id="Products: Sales tax type"),
    pytest.param(
        {"IsTrackedAsInventory": True},
        {"stocked": True},
        id="Products: Tracked inventory - tracked",
    ),
    pytest.param(
        {"IsTrackedAsInventory": False},
        {"stocked": False},
        id="Products: Tracked inventory - not tracked",
    ),
    pytest.param(
        {"IsSold": True},
        {"sellable": True, "obsolete": False},
        id="Products: Sold and purchased flags - sold",
    ),
    pytest.param(
        {"IsSold": False},
        {"sellable": False, "obsolete": True},
        id="Products: Sold and purchased flags - not sold is obsolete",
    ),
]


@pytest.mark.parametrize(("changes", "expected"), PRODUCT_ROWS)
def test_products_feature_sheet_row(changes: dict[str, Any], expected: dict[str, Any]) -> None:
    product = mapped(**changes).product
    for column, value in expected.items():
        assert product[column] == value, column
        assert type(product[column]) is type(value), column


STOCK_ROWS = [
    pytest.param(
        {"IsTrackedAsInventory": True, "QuantityOnHand": Decimal("7.5000")},
        {
            "free_stock": Decimal("7.5000"),
            "physical_stock": Decimal("7.5000"),
            "on_order": None,
            "allocated": None,
        },
        id="Products: Stock levels - tracked: on hand is free and physical, no on-order",
    ),
    pytest.param(
        {"IsTrackedAsInventory": False, "QuantityOnHand": None},
        None,
        id="Products: Stock levels - untracked items get no stock row",
    ),
]


@pytest.mark.parametrize(("changes", "expected"), STOCK_ROWS)
def test_products_stock_levels(changes: dict[str, Any], expected: dict[str, Any] | None) -> None:
    assert mapped(**changes).stock == expected


def test_untracked_item_with_empty_detail_blocks() -> None:
    result = map_item(
        {
            "ItemID": "a4544d51-48f6-441f-a623-99ecbced6ab7",
            "Code": "abc65591",
            "Description": "Barfoo",
            "UpdatedDateUTC": "/Date(1552331873580+0000)/",
            "PurchaseDetails": {},
            "SalesDetails": {},
            "Name": "Hello11350",
            "IsTrackedAsInventory": False,
            "IsSold": True,
            "IsPurchased": True,
        }
    )
    product = result.product
    assert product["sell_price"] is None and product["cost_price"] is None
    assert product["sales_analysis"] is None and product["vat_code"] is None
    assert result.stock is None


def test_item_without_detail_blocks_at_all() -> None:
    result = mapped(SalesDetails=None, PurchaseDetails=None)
    assert result.product["sell_price"] is None
    assert result.product["purchase_analysis"] is None


def test_ids_origin_and_owned_columns() -> None:
    result = mapped()
    assert result.item_id == ITEM_ID == result.product["xero_item_id"]
    assert result.code == "123"
    assert result.updated_at == datetime(2019, 3, 11, 19, 41, 49, 387000, tzinfo=UTC)
    assert result.product["origin"] == "xero"
    assert set(result.product) - {"origin"} == set(XERO_OWNED_PRODUCT_COLUMNS)


def test_flags_default_as_xero_does() -> None:
    result = mapped(IsSold=None, IsTrackedAsInventory=None)
    assert result.product["sellable"] is True
    assert result.product["stocked"] is False


def test_deleted_item_becomes_obsolete() -> None:
    assert deleted_item_changes()["obsolete"] is True


def test_whole_number_quantities_arrive_as_int() -> None:
    stock = mapped(QuantityOnHand=4).stock
    assert stock is not None
    assert stock["free_stock"] == Decimal(4)
    assert isinstance(stock["free_stock"], Decimal)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param({"Code": ""}, "Code", id="missing code"),
        pytest.param({"Code": None}, "Code", id="null code"),
        pytest.param({"Code": ["123"]}, "Code", id="code not text"),
        pytest.param({"Code": "C" * 65}, "Code", id="code too long"),
        pytest.param({"SalesDetails": []}, "SalesDetails", id="details not an object"),
        pytest.param(
            {"SalesDetails": {"UnitPrice": "cheap"}}, "SalesDetails.UnitPrice", id="bad price"
        ),
        pytest.param(
            {"PurchaseDetails": {"UnitPrice": Decimal("1e20")}},
            "PurchaseDetails.UnitPrice",
            id="price too large",
        ),
        pytest.param({"QuantityOnHand": None}, "QuantityOnHand", id="tracked without quantity"),
        pytest.param({"IsSold": "false"}, "IsSold", id="flag as text"),
        pytest.param({"UpdatedDateUTC": "2019-13-45"}, "UpdatedDateUTC", id="bad date"),
    ],
)
def test_malformed_item_names_the_record_and_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(MalformedRecordError) as caught:
        mapped(**changes)
    assert field in str(caught.value)
    assert "item" in str(caught.value)
