"""A Xero purchase order → a ``purchase_order_header`` row and ``purchase_transaction`` rows.

Feature sheet, "Purchase orders"; mapping rules, "Purchase orders". Line
values follow ``LineAmountTypes`` exactly as on invoices. The engine fills the
foreign keys (``purchase_ledger_id`` from ``contact_id``,
``purchase_order_header_id``, ``product_id``). Pure, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from xerodesk.domain.xero_codes import PurchaseOrderStatus
from xerodesk.mapping.documents import (
    contact_id_of,
    document_date,
    line_amount_type_of,
    line_basics,
    line_values_of,
    read_lines,
    updated_at_of,
)
from xerodesk.mapping.reader import NAME_MAX, Fields, Row

__all__ = ["MappedPurchaseOrder", "map_purchase_order"]


@dataclass(frozen=True)
class MappedPurchaseOrder:
    """One purchase order: header row, line rows and the ids the engine links by."""

    purchase_order_id: str
    purchase_order_number: str | None
    contact_id: str
    status: PurchaseOrderStatus
    updated_at: datetime
    header: Row
    lines: tuple[Row, ...]


def map_purchase_order(record: Mapping[str, Any]) -> MappedPurchaseOrder:
    """Map one Xero purchase order; raises ``MalformedXeroRecordError`` naming the bad field."""
    doc = Fields.of_record(record, "purchase order", "PurchaseOrderID", "PurchaseOrderNumber")
    status = doc.choice("Status", PurchaseOrderStatus)
    # Sheet "Xero purchase orders": imported as Purchase Order Headers and lines.
    header: Row = {
        "xero_purchase_order_id": doc.required_id("PurchaseOrderID"),
        "order_number": doc.text("PurchaseOrderNumber", NAME_MAX),
        "xero_status": status.value,
        # Sheet "Purchase order status": BILLED → Order Completed, DELETED → Obsolete.
        "order_completed": status is PurchaseOrderStatus.BILLED,
        "obsolete": status is PurchaseOrderStatus.DELETED,
        "order_date": document_date(doc, "Date"),
        "delivery_date": document_date(doc, "DeliveryDate"),
        "reference": doc.text("Reference", NAME_MAX),
        "currency_code": doc.currency("CurrencyCode"),
        "net_total": doc.amount("SubTotal"),
        "tax_total": doc.amount("TotalTax"),
        "gross_total": doc.amount("Total"),
        "xero_contact_id": contact_id_of(doc),
        "xero_updated_at": updated_at_of(doc),
    }
    amount_type = line_amount_type_of(doc)
    lines = []
    for line in read_lines(doc):
        values = line_values_of(line, amount_type)
        lines.append(
            {
                **line_basics(line),
                "net_value": values.net,
                "tax_value": values.tax,
                "gross_value": values.gross,
            }
        )
    return MappedPurchaseOrder(
        purchase_order_id=header["xero_purchase_order_id"],
        purchase_order_number=header["order_number"],
        contact_id=header["xero_contact_id"],
        status=status,
        updated_at=header["xero_updated_at"],
        header=header,
        lines=tuple(lines),
    )
