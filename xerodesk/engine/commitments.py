"""On-order and allocated stock worked out from documents (option ``derive_stock_commitments``).

Xero has neither figure. With the option on, at the end of each pass and in
one statement, every stock level of the default warehouse gets:

- ``on_order``: the quantity on lines of open purchase orders (any status but
  BILLED or DELETED) for its product;
- ``allocated``: the quantity on lines of confirmed CRM quotes not yet
  invoiced (no pulled invoice carries the quote's ``xero_invoice_id``), plus
  the quantity on lines of DRAFT and SUBMITTED sales invoices.

A product with no such lines gets 0. With the option off both stay NULL, as
the feature sheet says (and are set back to NULL if it was on before).
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Connection, Table, func, or_, select, update
from sqlalchemy.sql.selectable import ScalarSelect

from xerodesk.domain.values import TransactionType
from xerodesk.domain.xero_codes import DocumentStatus, PurchaseOrderStatus
from xerodesk.store.models import (
    PurchaseOrderHeader,
    PurchaseTransaction,
    Quote,
    QuoteLine,
    SalesOrderHeader,
    SalesTransaction,
    StockLevel,
    Warehouse,
)

STOCK: Table = StockLevel.__table__  # type: ignore[assignment]
CONFIRMED = "Confirmed"
CLOSED_ORDERS = (PurchaseOrderStatus.BILLED.value, PurchaseOrderStatus.DELETED.value)
UNAPPROVED = (DocumentStatus.DRAFT.value, DocumentStatus.SUBMITTED.value)
_ZERO = Decimal(0)


def _on_order() -> ScalarSelect[Decimal | None]:
    return (
        select(func.coalesce(func.sum(PurchaseTransaction.quantity), _ZERO))
        .join(
            PurchaseOrderHeader,
            PurchaseOrderHeader.id == PurchaseTransaction.purchase_order_header_id,
        )
        .where(
            PurchaseTransaction.product_id == STOCK.c.product_id,
            PurchaseOrderHeader.xero_status.not_in(CLOSED_ORDERS),
        )
        .scalar_subquery()
    )


def _quoted() -> ScalarSelect[Decimal | None]:
    invoiced = select(SalesOrderHeader.xero_invoice_id).where(
        SalesOrderHeader.xero_invoice_id.is_not(None)
    )
    return (
        select(func.coalesce(func.sum(QuoteLine.quantity), _ZERO))
        .join(Quote, Quote.id == QuoteLine.quote_id)
        .where(
            QuoteLine.product_id == STOCK.c.product_id,
            Quote.status == CONFIRMED,
            or_(Quote.xero_invoice_id.is_(None), Quote.xero_invoice_id.not_in(invoiced)),
        )
        .scalar_subquery()
    )


def _draft_invoiced() -> ScalarSelect[Decimal | None]:
    return (
        select(func.coalesce(func.sum(SalesTransaction.quantity), _ZERO))
        .join(SalesOrderHeader, SalesOrderHeader.id == SalesTransaction.sales_order_header_id)
        .where(
            SalesTransaction.product_id == STOCK.c.product_id,
            SalesTransaction.transaction_type == TransactionType.INVOICE.value,
            SalesOrderHeader.xero_status.in_(UNAPPROVED),
        )
        .scalar_subquery()
    )


def derive_stock_commitments(connection: Connection, enabled: bool, warehouse_code: str) -> int:
    """Fill (or, when off, clear) ``on_order`` and ``allocated``; returns rows touched."""
    if not enabled:
        result = connection.execute(
            update(STOCK)
            .where(or_(STOCK.c.on_order.is_not(None), STOCK.c.allocated.is_not(None)))
            .values(on_order=None, allocated=None)
        )
        return int(result.rowcount or 0)
    warehouse = select(Warehouse.id).where(Warehouse.code == warehouse_code).scalar_subquery()
    result = connection.execute(
        update(STOCK)
        .where(STOCK.c.warehouse_id == warehouse)
        .values(on_order=_on_order(), allocated=_quoted() + _draft_invoiced())
    )
    return int(result.rowcount or 0)
