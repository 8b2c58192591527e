"""A Xero item → a ``product`` row, plus a ``stock_level`` row for tracked items.

Feature sheet, "Products"; mapping rules, "Products". Items are keyed by
``Code`` (``product.product_item_id``). The stock row carries only the
quantities: the engine adds ``product_id`` and the default warehouse's
``warehouse_id``. ``origin`` is "xero" for products created from Xero and is
left out of ``XERO_OWNED_PRODUCT_COLUMNS``, so a pushed CRM product keeps
``origin = 'crm'``. Pure, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from xerodesk.domain.values import Origin
from xerodesk.mapping.reader import CODE_MAX, NAME_MAX, TEXT_MAX, Fields, Row

__all__ = [
    "PRODUCT_KEY",
    "XERO_OWNED_PRODUCT_COLUMNS",
    "XERO_OWNED_STOCK_COLUMNS",
    "MappedItem",
    "deleted_item_changes",
    "map_item",
]

#: the column items are matched on
PRODUCT_KEY = "product_item_id"
#: the product columns a pull may overwrite (everything mapped except ``origin``)
XERO_OWNED_PRODUCT_COLUMNS = (
    "product_item_id",
    "description",
    "extended_description",
    "sell_price",
    "cost_price",
    "sales_analysis",
    "purchase_analysis",
    "vat_code",
    "stocked",
    "sellable",
    "obsolete",
    "xero_item_id",
    "xero_updated_at",
)
#: the stock columns a pull writes (on_order and allocated stay NULL: not in Xero)
XERO_OWNED_STOCK_COLUMNS = ("free_stock", "physical_stock")


@dataclass(frozen=True)
class MappedItem:
    """One Xero item as CRM rows."""

    item_id: str | None
    code: str
    updated_at: datetime
    product: Row
    stock: Row | None


def map_item(record: Mapping[str, Any]) -> MappedItem:
    """Map one Xero item; raises ``MalformedXeroRecordError`` naming the bad field."""
    item = Fields.of_record(record, "item", "ItemID", "Code")
    # Sheet "Product SKU": Code → product_item_id (required: it is the key).
    code = item.required_text("Code", CODE_MAX)
    sales = item.block("SalesDetails") or Fields({}, item.ref, "SalesDetails.")
    purchase = item.block("PurchaseDetails") or Fields({}, item.ref, "PurchaseDetails.")
    # Sheet "Tracked inventory": tracked items are Stocked.
    tracked = item.flag("IsTrackedAsInventory", False)
    # Sheet "Sold and purchased flags": Sold → Sellable, not Sold → Obsolete.
    sold = item.flag("IsSold", True)
    product: Row = {
        "product_item_id": code,
        # Sheet "Product name and description": Name → description,
        # Description → extended_description.
        "description": item.text("Name", NAME_MAX),
        "extended_description": item.text("Description", TEXT_MAX),
        # Sheet "Selling price" and "Cost price".
        "sell_price": sales.amount("UnitPrice"),
        "cost_price": purchase.amount("UnitPrice"),
        # Sheet "Sales account code" and "Purchase account code".
        "sales_analysis": sales.text("AccountCode", CODE_MAX),
        "purchase_analysis": purchase.text("AccountCode", CODE_MAX),
        # Sheet "Sales tax type": SalesDetails.TaxType → vat_code.
        "vat_code": sales.text("TaxType", CODE_MAX),
        "stocked": tracked,
        "sellable": sold,
        "obsolete": not sold,
        "xero_item_id": item.xero_id("ItemID"),
        "origin": Origin.XERO.value,
        "xero_updated_at": item.required_instant("UpdatedDateUTC"),
    }
    return MappedItem(
        item_id=product["xero_item_id"],
        code=code,
        updated_at=product["xero_updated_at"],
        product=product,
        stock=_stock(item) if tracked else None,
    )


def _stock(item: Fields) -> Row:
    # Sheet "Stock levels": QuantityOnHand → Free Stock and Physical Stock;
    # On-Order and allocated are not in Xero's API, so they stay NULL.
    on_hand: Decimal | None = item.amount("QuantityOnHand")
    if on_hand is None:
        raise item.fail("QuantityOnHand", "is missing on an item tracked as inventory")
    return {"free_stock": on_hand, "physical_stock": on_hand, "on_order": None, "allocated": None}


def deleted_item_changes() -> Row:
    """What a product becomes when its item is deleted in Xero: obsolete, never deleted."""
    return {"obsolete": True, "sellable": False}
