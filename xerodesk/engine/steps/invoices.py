"""Pull Xero sales invoices (ACCREC) into sales order headers and sales transactions.

Only ``Type=="ACCREC"`` is asked for: bills are never fetched. Headers are
keyed on ``xero_invoice_id``, lines on ``xero_line_id`` and replaced exactly.
Deleted and voided invoices keep their rows, flagged ``exclude_from_reports``.
The step remembers the contacts whose balance its writes may have moved, so
the pass can refresh them (Xero changes balances without bumping the contact).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

from sqlalchemy import Connection, Table, bindparam, select, update

from xerodesk.domain.sync import Counts, EntityKind
from xerodesk.engine.audit import document_lines, document_state, write_audit
from xerodesk.engine.cursors import WALK_ORDER, WalkPlan
from xerodesk.engine.links import load_links, save_links
from xerodesk.engine.pull import PageOutcome, WriteContext
from xerodesk.engine.steps.common import (
    MappedPage,
    line_item_codes,
    made_snapshot,
    map_page,
    write_mapped_page,
)
from xerodesk.engine.steps.documents import (
    DocumentRows,
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
from xerodesk.engine.steps.snapshots import (
    balance_contacts,
    changed,
    document_snapshot,
    previous_states,
)
from xerodesk.mapping.invoices import LINE_COLUMNS, MappedInvoice, map_invoice
from xerodesk.store.models import Quote, SalesLedger, SalesOrderHeader, SalesTransaction
from xerodesk.store.rows import SqliteBinder, any_of, binder_for
from xerodesk.xero.client import SALES_INVOICES, XeroClient
from xerodesk.xero.paging import Page

HEADERS: Table = SalesOrderHeader.__table__  # type: ignore[assignment]
LINES: Table = SalesTransaction.__table__  # type: ignore[assignment]
LEDGERS: Table = SalesLedger.__table__  # type: ignore[assignment]
ENTITY = EntityKind.INVOICES.value
#: what moves the contact's balance (outstanding and overdue) when it changes
BALANCE_COLUMNS = ("xero_status", "gross_total", "amount_due", "amount_paid", "due_date")


@dataclass
class InvoicesStep:
    """Sales invoices changed since the cursor, newest first, with their lines."""

    entity: EntityKind = EntityKind.INVOICES
    #: ContactIDs of the invoices written (created or changed) by this step
    touched: set[str] = field(default_factory=set)
    #: item codes on the lines of the invoices this step read (their stock may have moved)
    moved_items: set[str] = field(default_factory=set)

    def walk(self, client: XeroClient, plan: WalkPlan) -> AsyncIterator[Page]:
        return client.invoices(
            modified_since=plan.since,
            where=SALES_INVOICES,
            order=WALK_ORDER,
            start_page=plan.start_page,
        )

    def prepare(self, page: Page, binder: SqliteBinder | None = None) -> MappedPage[MappedInvoice]:
        """The page mapped, with each invoice's snapshot and its rows, bound by
        ``binder`` when given (pure: no database)."""
        prepared = map_page(page.records, map_invoice, "InvoiceID")
        rows = prepared.rows = invoice_rows(prepared.mapped, binder)
        prepared.snapshots = {id(m): _snapshot(m, rows) for m in prepared.mapped}
        return prepared

    def write_page(self, connection: Connection, page: Page, context: WriteContext) -> PageOutcome:
        return self.write_prepared(connection, page, None, context)

    def write_prepared(
        self,
        connection: Connection,
        page: Page,
        prepared: MappedPage[MappedInvoice] | None,
        context: WriteContext,
    ) -> PageOutcome:
        made = prepared.snapshots if prepared is not None else None
        rows = prepared.rows if prepared is not None else None

        def write(mapped: Sequence[MappedInvoice]) -> Counts:
            counts, touched = write_invoices(connection, mapped, context.run_id, made, rows)
            self.touched |= touched
            if counts.created or counts.updated:
                self.moved_items |= line_item_codes(page.records)
            return counts

        return write_mapped_page(
            connection, page, context, map_invoice, "InvoiceID", write, prepared
        )


def invoice_rows(
    mapped: Sequence[MappedInvoice], binder: SqliteBinder | None = None
) -> DocumentRows:
    """The header and line rows of ``mapped``, bound by ``binder`` when given."""
    return document_rows(
        mapped,
        attrgetter("header"),
        attrgetter("line_values"),
        (HEADERS, LINES),
        binder,
        LINE_COLUMNS,
    )


def write_invoices(
    connection: Connection,
    mapped: Sequence[MappedInvoice],
    run_id: int | None = None,
    made: Mapping[int, dict[str, Any]] | None = None,
    rows: DocumentRows | None = None,
) -> tuple[Counts, set[str]]:
    """Write the invoices that changed; returns the counts and their ContactIDs.

    ``rows`` holds the rows made with the mapping and ``made`` their snapshots
    (both by ``id()``); without them both are made here."""
    records = latest_per_id(mapped, lambda m: m.invoice_id)
    if rows is None:
        rows, made = invoice_rows(records, binder_for(connection.dialect)), None
    links = load_links(connection, ENTITY, [m.invoice_id for m in records])
    snapshots = {
        m.invoice_id: made_snapshot(made, m, lambda m: _snapshot(m, rows)) for m in records
    }
    todo = [
        m
        for m in records
        if changed(links.get(m.invoice_id), snapshots[m.invoice_id], m.updated_at)
    ]
    if not todo:
        return Counts(unchanged=len(records)), set()
    ledgers = ids_by(connection, LEDGERS, "sales_ledger_id", (m.contact_id for m in todo))
    headers = header_rows(rows, todo, ("sales_ledger_id",), lambda m: (ledgers.get(m.contact_id),))
    header_ids = upsert_by_key(connection, HEADERS, headers, "xero_invoice_id")
    _link_quotes(connection, header_ids)
    products = product_ids(connection, rows.line_values(todo, "product_item_id"))
    lines = line_rows(
        rows,
        todo,
        ("sales_order_header_id", "sales_ledger_id", "product_id"),
        lambda m, code: (
            header_ids[m.invoice_id],
            ledgers.get(m.contact_id),
            products.get(code or ""),
        ),
    )
    replace_lines(connection, LINES, "sales_order_header_id", list(header_ids.values()), lines)
    save_links(
        connection,
        ENTITY,
        [
            (
                i.invoice_id,
                HEADERS.name,
                header_ids[i.invoice_id],
                snapshots[i.invoice_id],
                i.updated_at,
            )
            for i in todo
        ],
    )
    written = [
        (m.invoice_id, header_ids[m.invoice_id], snapshots[m.invoice_id]["state"]) for m in todo
    ]
    before = previous_states(links, (m.invoice_id for m in todo))
    write_audit(connection, document_lines(HEADERS.name, written, before), run_id)
    created = sum(1 for m in todo if m.invoice_id not in links)
    touched = set().union(
        *(balance_contacts(links.get(m.invoice_id), snapshots[m.invoice_id]) for m in todo)
    )
    return write_counts(len(todo), len(records), created), touched


def _snapshot(mapped: MappedInvoice, rows: DocumentRows) -> dict[str, Any]:
    header = mapped.header
    balance = rows.header_values(mapped, BALANCE_COLUMNS)  # as written (bound on SQLite)
    state = document_state(header["order_number"], header["xero_status"], header["gross_total"])
    return document_snapshot(mapped.contact_id, rows.digest(mapped), balance=balance, state=state)


def _link_quotes(connection: Connection, header_ids: dict[str, int]) -> None:
    """An invoice pushed from a CRM quote points back at it (``quote_id``)."""
    rows = connection.execute(
        select(Quote.id, Quote.xero_invoice_id).where(
            any_of(connection, Quote.xero_invoice_id, header_ids)
        )
    ).all()
    params = [{"hid": header_ids[xid], "qid": qid} for qid, xid in rows if xid in header_ids]
    if params:
        connection.execute(
            update(HEADERS)
            .where(HEADERS.c.id == bindparam("hid"), HEADERS.c.quote_id.is_(None))
            .values(quote_id=bindparam("qid")),
            params,
        )
