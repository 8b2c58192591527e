"""Pull Xero purchase orders into purchase order headers and purchase transactions.

Headers are keyed on ``xero_purchase_order_id`` and linked to the supplier's
``purchase_ledger`` (the ContactID is kept in ``xero_contact_id`` until the
supplier reaches the CRM); lines are keyed on ``xero_line_id`` and replaced
exactly. Deleted orders stay, marked obsolete. Xero bills (ACCPAY invoices)
are a different endpoint and are never read.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from operator import attrgetter

from sqlalchemy import Connection, Table

from xerodesk.domain.sync import Counts, EntityKind
from xerodesk.engine.audit import document_lines, document_state, write_audit
from xerodesk.engine.cursors import WALK_ORDER, WalkPlan
from xerodesk.engine.links import load_links, save_links
from xerodesk.engine.pull import PageOutcome, WriteContext
from xerodesk.engine.steps.common import (
    write_mapped_page,
)
from xerodesk.engine.steps.documents import (
    document_rows,
    header_rows,
    ids_by,
    latest_per_id,
    line_rows,
    product_ids,
    replace_lines,
    upsert_by_key,
    write_counts,
)
from xerodesk.engine.steps.snapshots import changed, document_snapshot, previous_states
from xerodesk.mapping.purchase_orders import MappedPurchaseOrder, map_purchase_order
from xerodesk.store.models import PurchaseLedger, PurchaseOrderHeader, PurchaseTransaction
from xerodesk.store.rows import binder_for
from xerodesk.xero.client import XeroClient
from xerodesk.xero.paging import Page

HEADERS: Table = PurchaseOrderHeader.__table__  # type: ignore[assignment]
LINES: Table = PurchaseTransaction.__table__  # type: ignore[assignment]
LEDGERS: Table = PurchaseLedger.__table__  # type: ignore[assignment]
ENTITY = EntityKind.PURCHASE_ORDERS.value


@dataclass
class PurchaseOrdersStep:
    """Purchase orders changed since the cursor, newest first, with their lines."""

    entity: EntityKind = EntityKind.PURCHASE_ORDERS

    def walk(self, client: XeroClient, plan: WalkPlan) -> AsyncIterator[Page]:
        return client.purchase_orders(
            modified_since=plan.since, order=WALK_ORDER, start_page=plan.start_page
        )

    def write_page(self, connection: Connection, page: Page, context: WriteContext) -> PageOutcome:
        return write_mapped_page(
            connection,
            page,
            context,
            map_purchase_order,
            "PurchaseOrderID",
            lambda mapped: write_purchase_orders(connection, mapped, context.run_id),
        )


def write_purchase_orders(
    connection: Connection, mapped: Sequence[MappedPurchaseOrder], run_id: int | None = None
) -> Counts:
    """Write the purchase orders that changed; unchanged ones are not touched."""
    records = latest_per_id(mapped, lambda m: m.purchase_order_id)
    rows = document_rows(
        records,
        attrgetter("header"),
        attrgetter("lines"),
        (HEADERS, LINES),
        binder_for(connection.dialect),
    )
    links = load_links(connection, ENTITY, [m.purchase_order_id for m in records])
    snapshots = {
        m.purchase_order_id: document_snapshot(
            m.contact_id,
            rows.digest(m),
            state=document_state(
                m.header["order_number"], m.header["xero_status"], m.header["gross_total"]
            ),
        )
        for m in records
    }
    todo = [
        m
        for m in records
        if changed(links.get(m.purchase_order_id), snapshots[m.purchase_order_id], m.updated_at)
    ]
    if not todo:
        return Counts(unchanged=len(records))
    ledgers = ids_by(connection, LEDGERS, "purchase_ledger_id", (m.contact_id for m in todo))
    headers = header_rows(
        rows, todo, ("purchase_ledger_id",), lambda m: (ledgers.get(m.contact_id),)
    )
    header_ids = upsert_by_key(connection, HEADERS, headers, "xero_purchase_order_id")
    products = product_ids(connection, rows.line_values(todo, "product_item_id"))
    lines = line_rows(
        rows,
        todo,
        ("purchase_order_header_id", "product_id"),
        lambda m, code: (header_ids[m.purchase_order_id], products.get(code or "")),
    )
    replace_lines(connection, LINES, "purchase_order_header_id", list(header_ids.values()), lines)
    save_links(
        connection,
        ENTITY,
        [
            (
                m.purchase_order_id,
                HEADERS.name,
                header_ids[m.purchase_order_id],
                snapshots[m.purchase_order_id],
                m.updated_at,
            )
            for m in todo
        ],
    )
    written = [
        (
            m.purchase_order_id,
            header_ids[m.purchase_order_id],
            snapshots[m.purchase_order_id]["state"],
        )
        for m in todo
    ]
    before = previous_states(links, (m.purchase_order_id for m in todo))
    write_audit(connection, document_lines(HEADERS.name, written, before), run_id)
    created = sum(1 for m in todo if m.purchase_order_id not in links)
    return write_counts(len(todo), len(records), created)
