"""Pull Xero items into products and stock levels.

Products are keyed on the item Code (``product_item_id``); a code changed in
Xero renames the product found by its ItemID rather than adding another. Items
that disappear from Xero (a real delete there) make their products obsolete,
never deleted. Stock on hand moves with transactions without bumping an
item's UpdatedDateUTC, so tracked items are re-read on every pass.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, bindparam, delete, insert, select, update

from xerodesk.domain.sync import Counts, EntityKind
from xerodesk.engine.audit import CREATED, SIDE_XERO, AuditLine, write_audit
from xerodesk.engine.cursors import WalkPlan
from xerodesk.engine.edits import judge_pulled
from xerodesk.engine.findings import raise_findings
from xerodesk.engine.links import load_links, make_snapshot, save_links
from xerodesk.engine.pull import PageOutcome, WriteContext
from xerodesk.engine.steps.common import (
    write_mapped_page,
)
from xerodesk.mapping.items import (
    PRODUCT_KEY,
    XERO_OWNED_PRODUCT_COLUMNS,
    XERO_OWNED_STOCK_COLUMNS,
    MappedItem,
    deleted_item_changes,
    map_item,
)
from xerodesk.store.models import Product, StockLevel, Warehouse
from xerodesk.store.upsert import bulk_upsert, fetch_ids
from xerodesk.xero.client import XeroClient
from xerodesk.xero.endpoints import ITEMS
from xerodesk.xero.paging import Page

PRODUCTS: Table = Product.__table__  # type: ignore[assignment]
STOCK: Table = StockLevel.__table__  # type: ignore[assignment]
TRACKED_ONLY = "IsTrackedAsInventory==true"


@dataclass
class ItemsStep:
    """Items changed since the cursor (Xero returns them in one unpaged call)."""

    entity: EntityKind = EntityKind.ITEMS

    def walk(self, client: XeroClient, plan: WalkPlan) -> AsyncIterator[Page]:
        return client.items(modified_since=plan.since)

    def write_page(self, connection: Connection, page: Page, context: WriteContext) -> PageOutcome:
        return write_item_page(connection, page, context)


def write_item_page(connection: Connection, page: Page, context: WriteContext) -> PageOutcome:
    warehouse = context.options.default_warehouse_code
    return write_mapped_page(
        connection,
        page,
        context,
        map_item,
        "ItemID",
        lambda mapped: write_items(connection, mapped, warehouse, context.run_id),
    )


def tracked_items(client: XeroClient) -> AsyncIterator[Page]:
    """Every item tracked as inventory: the stock refresh of each pass (one call)."""
    return client.pages(ITEMS, where=TRACKED_ONLY)


def all_items(client: XeroClient) -> AsyncIterator[Page]:
    """Every item: the sweep that finds items deleted in Xero (one call)."""
    return client.pages(ITEMS)


def item_snapshot(mapped: MappedItem) -> dict[str, Any]:
    return make_snapshot({"product": mapped.product, "stock": mapped.stock})


def write_items(
    connection: Connection,
    mapped: Sequence[MappedItem],
    warehouse: str,
    run_id: int | None = None,
) -> Counts:
    """Upsert products and stock for ``mapped``; unchanged items are not written.

    Linked products are judged field by field first (``engine.edits``): a
    Xero-owned value edited in the CRM only is kept, conflicts are reported,
    and every value written goes to the audit trail.
    """
    entity = EntityKind.ITEMS.value
    latest = {m.code: m for m in sorted(mapped, key=lambda m: m.updated_at)}
    records = list(latest.values())
    keyed = [m for m in records if m.item_id]
    links = load_links(connection, entity, [m.item_id for m in keyed if m.item_id])
    snapshots = {m.code: item_snapshot(m) for m in records}
    todo = [
        m
        for m in records
        if not m.item_id or m.item_id not in links or links[m.item_id].snapshot != snapshots[m.code]
    ]
    if not todo:
        return Counts(unchanged=len(records))
    judged = judge_pulled(
        connection,
        entity,
        [(m.item_id, links[m.item_id], snapshots[m.code]) for m in todo if m.item_id in links],
    )
    _rename_changed_codes(connection, todo)
    columns = sorted({c for m in todo for c in m.product})
    rows = [
        {c: m.product.get(c) for c in columns}
        | judged.keep.get(m.item_id or "", {}).get("product", {})
        for m in todo
    ]
    owned = [c for c in columns if c in XERO_OWNED_PRODUCT_COLUMNS and c != PRODUCT_KEY]
    bulk_upsert(connection, PRODUCTS, rows, [PRODUCT_KEY], update=owned)
    ids = fetch_ids(connection, PRODUCTS, [PRODUCT_KEY], [m.code for m in todo])
    _write_stock(connection, todo, ids, warehouse_id(connection, warehouse))
    save_links(
        connection,
        entity,
        [
            (m.item_id, "product", ids[m.code], snapshots[m.code], m.updated_at)
            for m in todo
            if m.item_id
        ],
    )
    new = [m for m in todo if not m.item_id or m.item_id not in links]
    created = [
        AuditLine("product", ids[m.code], m.item_id, CREATED, None, m.code, SIDE_XERO) for m in new
    ]
    write_audit(connection, [*created, *judged.audit], run_id)
    raise_findings(connection, judged.findings, run_id)
    return Counts(
        created=len(new), updated=len(todo) - len(new), unchanged=len(records) - len(todo)
    )


def _rename_changed_codes(connection: Connection, todo: Sequence[MappedItem]) -> None:
    """A product whose item kept its ItemID but changed Code follows the new code."""
    by_id = {m.item_id: m.code for m in todo if m.item_id}
    if not by_id:
        return
    rows = connection.execute(
        select(Product.id, Product.xero_item_id, Product.product_item_id).where(
            Product.xero_item_id.in_(list(by_id))
        )
    ).all()
    renames = [(pid, by_id[xid]) for pid, xid, code in rows if xid and by_id[xid] != code]
    if not renames:
        return
    taken = set(
        connection.execute(
            select(Product.product_item_id).where(
                Product.product_item_id.in_([code for _, code in renames])
            )
        ).scalars()
    )
    params = [{"pid": pid, "code": code} for pid, code in renames if code not in taken]
    if params:
        connection.execute(
            update(PRODUCTS)
            .where(PRODUCTS.c.id == bindparam("pid"))
            .values(product_item_id=bindparam("code")),
            params,
        )


def warehouse_id(connection: Connection, code: str) -> int:
    """The id of the default warehouse ``code``, created when missing."""
    found = connection.execute(select(Warehouse.id).where(Warehouse.code == code)).scalar()
    if found is not None:
        return int(found)
    result = connection.execute(
        insert(Warehouse).values(code=code, name=code.title(), is_default=True)
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def _write_stock(
    connection: Connection, todo: Sequence[MappedItem], ids: dict[str, int], warehouse: int
) -> None:
    tracked = [
        {"product_id": ids[m.code], "warehouse_id": warehouse, **m.stock}
        for m in todo
        if m.stock is not None
    ]
    if tracked:
        bulk_upsert(
            connection,
            STOCK,
            tracked,
            ["product_id", "warehouse_id"],
            update=list(XERO_OWNED_STOCK_COLUMNS),
        )
    untracked = [ids[m.code] for m in todo if m.stock is None]
    if untracked:
        connection.execute(
            delete(StockLevel).where(
                StockLevel.product_id.in_(untracked), StockLevel.warehouse_id == warehouse
            )
        )


def mark_deleted(connection: Connection, present_ids: set[str], tracked_only: bool) -> int:
    """Products whose Xero item is gone become obsolete; returns how many changed.

    ``present_ids`` is every ItemID of a complete list (of tracked items only,
    when ``tracked_only``); products linked to other items were deleted in Xero.
    """
    query = select(Product.id, Product.xero_item_id).where(
        Product.xero_item_id.is_not(None), Product.obsolete.is_not(True)
    )
    if tracked_only:
        query = query.where(Product.stocked.is_(True))
    gone = [pid for pid, xid in connection.execute(query) if xid not in present_ids]
    if gone:
        connection.execute(
            update(Product).where(Product.id.in_(gone)).values(**deleted_item_changes())
        )
    return len(gone)
