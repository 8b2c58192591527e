"""Pull Xero items into products and stock levels.

Products are keyed on the item Code (``product_item_id``); a code changed in
Xero renames the product found by its ItemID rather than adding another. Items
that disappear from Xero (a real delete there) make their products obsolete,
never deleted. Stock on hand moves with transactions without bumping an
item's UpdatedDateUTC (Xero's documentation does not say it does), and an
item deleted in Xero simply leaves the list. So the step reads, in one call
(Xero does not page items):

- the whole list on the first read, on a full resync and when the
  reconciliation sweep is due for items (it looks for deletions in that list);
- otherwise only the items changed since the cursor (If-Modified-Since,
  which Xero documents for ``GET /Items``): a quiet pass reads next to nothing.

Stock moved by the documents a pass reads, and stock moved by what the sync
does not read (bills, bank transactions), is read by ``engine.stock`` after
the documents. Only items whose mapped values differ from their snapshot are
written, so a pass with nothing changed writes and audits nothing.

Deletions are inferred only from a list that looks whole (``mark_gone_items``):
an empty list where the CRM holds plenty of items, or one that lacks most of
them at once, is reported for review and marks nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, bindparam, delete, insert, select, update

from xerodesk.domain.sync import Counts, EntityKind
from xerodesk.engine.audit import CREATED, SIDE_XERO, AuditLine, write_audit
from xerodesk.engine.cursors import WalkPlan
from xerodesk.engine.edits import judge_pulled
from xerodesk.engine.findings import raise_findings
from xerodesk.engine.guards import PLENTY, empty_full_read, mass_disappearance
from xerodesk.engine.links import load_links, make_snapshot, save_links
from xerodesk.engine.pull import PageOutcome, WriteContext
from xerodesk.engine.steps.common import (
    write_mapped_page,
)
from xerodesk.errors import MalformedRecordError
from xerodesk.mapping.items import (
    PRODUCT_KEY,
    XERO_OWNED_PRODUCT_COLUMNS,
    XERO_OWNED_STOCK_COLUMNS,
    MappedItem,
    deleted_item_changes,
    map_item,
)
from xerodesk.mapping.xero_dates import parse_xero_datetime
from xerodesk.store.models import Product, StockLevel, Warehouse
from xerodesk.store.state import raise_review
from xerodesk.store.upsert import bulk_upsert, fetch_ids
from xerodesk.store.xd_models import ReviewItem
from xerodesk.xero.client import XeroClient
from xerodesk.xero.endpoints import ITEMS
from xerodesk.xero.paging import Page

PRODUCTS: Table = Product.__table__  # type: ignore[assignment]
STOCK: Table = StockLevel.__table__  # type: ignore[assignment]


@dataclass
class ItemsStep:
    """Items in one unpaged call: all of them, or those changed since the cursor.

    With ``whole`` (or on a full walk) the list is read whole; then, with
    ``mark_gone``, the products whose item is missing from it become obsolete
    (guarded, see ``mark_gone_items``); a pass whose reconciliation sweep
    covers items leaves that to the sweep, which reuses ``listed``.
    """

    entity: EntityKind = EntityKind.ITEMS
    mark_gone: bool = True
    #: read the whole list even when the cursor allows changes only
    whole: bool = False
    #: the ItemIDs of the whole list as read by this pass, once written
    listed: frozenset[str] | None = None
    #: products this step marked obsolete
    gone: int = 0

    #: the cursor of this pass's walk (None: a full read)
    since: datetime | None = None
    #: this pass read the items changed since the cursor, not the whole list
    changes_only: bool = False

    def walk(self, client: XeroClient, plan: WalkPlan) -> AsyncIterator[Page]:
        self.since = None if plan.full else plan.since
        self.changes_only = not self.whole and self.since is not None
        if self.changes_only:
            return client.items(modified_since=self.since)
        return all_items(client)

    def write_page(self, connection: Connection, page: Page, context: WriteContext) -> PageOutcome:
        records = [r for r in page.records if not _settled_malformed(r, self.since)]
        written = page if len(records) == len(page.records) else replace(page, records=records)
        outcome = write_item_page(connection, written, context)
        if self.changes_only:
            return outcome  # the items changed, not the whole list
        self.listed = listed_ids(page)
        if self.mark_gone:
            gone = mark_gone_items(connection, self.listed, context.run_id)
            self.gone += gone
            outcome = PageOutcome(outcome.counts + Counts(updated=gone), outcome.newest)
        return outcome


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


def _settled_malformed(record: Mapping[str, Any], since: datetime | None) -> bool:
    """An item that cannot be mapped and has not changed since the cursor: the pass
    that first read it sent it to review, so a dismissed item stays dismissed."""
    if since is None:
        return False
    try:
        map_item(record)
        return False
    except MalformedRecordError:
        pass
    stamp = record.get("UpdatedDateUTC")
    try:
        changed = parse_xero_datetime(stamp) if isinstance(stamp, str) else None
    except ValueError:
        return False
    return changed is not None and changed <= since


def all_items(client: XeroClient) -> AsyncIterator[Page]:
    """Every item, unfiltered and without If-Modified-Since (one call: items are not paged)."""
    return client.pages(ITEMS)


def listed_ids(page: Page) -> frozenset[str]:
    """The ItemIDs of a list of items."""
    return frozenset(r["ItemID"] for r in page.records if isinstance(r.get("ItemID"), str))


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


def mark_gone_items(
    connection: Connection, present_ids: AbstractSet[str], run_id: int | None
) -> int:
    """Products whose Xero item is missing from the whole list become obsolete.

    ``present_ids`` is every ItemID of Xero's list; returns how many products
    changed. The sanity guards come first: an empty list while the CRM holds
    ``PLENTY`` linked products, or one lacking at least ``PLENTY`` and more
    than half of them, is more likely a fault than real deletions: it is
    reported for review and nothing is marked. A mass disappearance the user
    dismissed (the same figures) is taken as real.
    """
    query = select(Product.id, Product.xero_item_id).where(
        Product.xero_item_id.is_not(None), Product.obsolete.is_not(True)
    )
    known = connection.execute(query).all()
    gone = [pid for pid, xid in known if xid not in present_ids]
    if not gone:
        return 0
    entity = EntityKind.ITEMS
    if not present_ids and len(known) >= PLENTY:
        raise_review(connection, empty_full_read(entity, len(known)), run_id)
        return 0
    if len(gone) >= PLENTY and 2 * len(gone) > len(known):
        review = mass_disappearance(entity, len(gone), len(known))
        if not _dismissed(connection, review.dedupe_key, review.details or {}):
            raise_review(connection, review, run_id)
            return 0
    return mark_deleted(connection, gone)


def _dismissed(connection: Connection, dedupe_key: str, details: dict[str, Any]) -> bool:
    """Whether the user dismissed a review item of ``dedupe_key`` with these figures."""
    query = select(ReviewItem.details).where(
        ReviewItem.dedupe_key == dedupe_key, ReviewItem.resolution == "dismissed"
    )
    return any(
        isinstance(found, dict) and all(found.get(k) == v for k, v in details.items())
        for found in connection.execute(query).scalars()
    )


def mark_deleted(connection: Connection, product_ids: Sequence[int]) -> int:
    """Products ``product_ids`` (their item deleted in Xero) become obsolete; returns how many."""
    if product_ids:
        connection.execute(
            update(Product)
            .where(Product.id.in_(list(product_ids)))
            .values(**deleted_item_changes())
        )
    return len(product_ids)
