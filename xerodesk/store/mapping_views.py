"""Read queries of the mapping tables: which CRM row each Xero record became.

Pages by offset over a narrow id scan (a "deferred join"), so a page deep in
100,000 links costs an index walk, not 100,000 joins; searchable by the CRM
record's label or the Xero id.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
)

from xerodesk.store.base import Base
from xerodesk.store.models import (
    Currency,
    Product,
    PurchaseLedger,
    PurchaseOrderHeader,
    Quote,
    SalesLedger,
    SalesOrderHeader,
    SalesTransaction,
    VatCode,
)
from xerodesk.store.xd_models import RecordLink


@dataclass(frozen=True)
class MappingRow:
    link_id: int
    entity: str
    xero_id: str
    crm_table: str
    crm_id: int
    label: str
    synced_at: datetime | None
    xero_updated_at: datetime | None


def _text(column: Any) -> ColumnElement[str]:
    return func.coalesce(cast(column, String), literal(""))


def _joined(*columns: Any) -> ColumnElement[str]:
    joined: ColumnElement[str] = _text(columns[0])
    for column in columns[1:]:
        joined = joined + literal(" ") + _text(column)
    return func.trim(joined)


#: how a person knows a CRM row of each table a link can point at
_LABELS: dict[str, tuple[Any, ColumnElement[str]]] = {
    "sales_ledger": (SalesLedger, _text(SalesLedger.name)),
    "purchase_ledger": (PurchaseLedger, _text(PurchaseLedger.name)),
    "product": (Product, _joined(Product.product_item_id, Product.description)),
    "sales_order_header": (SalesOrderHeader, _text(SalesOrderHeader.order_number)),
    "quote": (Quote, _text(Quote.quote_number)),
    "sales_transaction": (SalesTransaction, _text(SalesTransaction.document_number)),
    "purchase_order_header": (PurchaseOrderHeader, _text(PurchaseOrderHeader.order_number)),
    "vat_code": (VatCode, _joined(VatCode.code, VatCode.name)),
    "currency": (Currency, _joined(Currency.code, Currency.description)),
}

#: the CRM tables each pulled entity links to
ENTITY_TABLES: dict[str, tuple[str, ...]] = {
    "tax_rates": ("vat_code",),
    "currencies": ("currency",),
    "contacts": ("sales_ledger", "purchase_ledger"),
    "items": ("product",),
    "invoices": ("sales_order_header", "quote"),
    "credit_notes": ("sales_transaction",),
    "purchase_orders": ("purchase_order_header",),
}


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _label_query(entity: str, columns: list[Any]) -> tuple[Select[Any], ColumnElement[str]]:
    """``columns`` over the links of ``entity``, joined to their CRM rows, and the label."""
    tables = ENTITY_TABLES.get(entity, tuple(_LABELS))
    query = select(*columns).select_from(RecordLink)
    labels: list[ColumnElement[str]] = []
    for name in tables:
        model, label = _LABELS[name]
        query = query.outerjoin(
            model, and_(RecordLink.crm_table == name, model.id == RecordLink.crm_id)
        )
        labels.append(case((RecordLink.crm_table == name, label)))
    combined = func.coalesce(*labels, literal("")) if len(labels) > 1 else labels[0]
    return query, combined


def _search(label: ColumnElement[str], text: str) -> ColumnElement[bool]:
    pattern = f"%{escape_like(text.strip().lower())}%"
    return or_(
        func.lower(RecordLink.xero_id).like(pattern, escape="\\"),
        func.lower(label).like(pattern, escape="\\"),
    )


def mapping_count(connection: Connection, entity: str, text: str = "") -> int:
    """How many links of ``entity`` match ``text`` (Xero id or the CRM record's name)."""
    if not text.strip():
        query = select(func.count()).select_from(RecordLink).where(RecordLink.entity == entity)
        return int(connection.scalar(query) or 0)
    query, label = _label_query(entity, [func.count()])
    query = query.where(RecordLink.entity == entity, _search(label, text))
    return int(connection.scalar(query) or 0)


def mapping_page(
    connection: Connection, entity: str, offset: int, limit: int, text: str = ""
) -> list[MappingRow]:
    """Rows ``offset`` to ``offset + limit`` of ``entity``'s links, in link order."""
    columns = [
        RecordLink.id,
        RecordLink.entity,
        RecordLink.xero_id,
        RecordLink.crm_table,
        RecordLink.crm_id,
        RecordLink.synced_at,
        RecordLink.xero_updated_at,
    ]
    query, label = _label_query(entity, columns)
    query = query.add_columns(label.label("label")).where(RecordLink.entity == entity)
    if text.strip():
        query = query.where(_search(label, text)).order_by(RecordLink.id)
        query = query.limit(limit).offset(offset)
    else:
        page = (
            select(RecordLink.id.label("id"))
            .where(RecordLink.entity == entity)
            .order_by(RecordLink.id)
            .limit(limit)
            .offset(offset)
            .subquery("page")
        )
        query = query.join(page, page.c.id == RecordLink.id).order_by(RecordLink.id)
    return [
        MappingRow(
            r.id,
            r.entity,
            r.xero_id,
            r.crm_table,
            r.crm_id,
            r.label or "",
            r.synced_at,
            r.xero_updated_at,
        )
        for r in connection.execute(query)
    ]


def record_labels(
    connection: Connection, rows: Iterable[tuple[str, int]]
) -> dict[tuple[str, int], str]:
    """How a person knows each CRM row that has a name: ``("sales_ledger", 7)`` → ``Acme Ltd``."""
    by_table: dict[str, set[int]] = {}
    for table, row_id in rows:
        by_table.setdefault(table, set()).add(row_id)
    found: dict[tuple[str, int], str] = {}
    for table, ids in by_table.items():
        if table in _LABELS:
            model, label = _LABELS[table]
            id_column, name = model.id, label
        else:
            schema = Base.metadata.tables.get(table)
            if schema is None or "name" not in schema.c:
                continue
            id_column, name = schema.c.id, _text(schema.c.name)
        query = select(id_column, name).where(id_column.in_(sorted(ids)))
        found.update({(table, int(i)): str(n) for i, n in connection.execute(query) if n})
    return found
