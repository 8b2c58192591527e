"""Pull Xero customer credit notes (ACCRECCREDIT) into sales transactions of type ``C``.

Only ``Type=="ACCRECCREDIT"`` is asked for: supplier credit notes are never
fetched. A credit note has no header row: its lines stand alone, negated, and
are replaced exactly on re-import (keyed on ``xero_line_id``, grouped by
``xero_credit_note_id``). The link snapshot keeps the credit note's ContactID,
so lines written before their customer reached the CRM get their ledger later.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from operator import attrgetter
from typing import Any

from sqlalchemy import Connection, Table

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
    ids_by,
    latest_per_id,
    line_rows,
    product_ids,
    replace_lines,
    write_counts,
)
from xerodesk.engine.steps.snapshots import (
    balance_contacts,
    changed,
    document_snapshot,
    previous_states,
)
from xerodesk.mapping.credit_notes import MappedCreditNote, map_credit_note
from xerodesk.store.models import SalesLedger, SalesTransaction
from xerodesk.store.rows import SqliteBinder, binder_for
from xerodesk.xero.client import SALES_CREDIT_NOTES, XeroClient
from xerodesk.xero.paging import Page

LINES: Table = SalesTransaction.__table__  # type: ignore[assignment]
LEDGERS: Table = SalesLedger.__table__  # type: ignore[assignment]
ENTITY = EntityKind.CREDIT_NOTES.value


@dataclass
class CreditNotesStep:
    """Customer credit notes changed since the cursor, newest first."""

    entity: EntityKind = EntityKind.CREDIT_NOTES
    #: ContactIDs of the credit notes written (created or changed) by this step
    touched: set[str] = field(default_factory=set)
    #: item codes on the lines of the credit notes this step read (their stock may have moved)
    moved_items: set[str] = field(default_factory=set)

    def walk(self, client: XeroClient, plan: WalkPlan) -> AsyncIterator[Page]:
        return client.credit_notes(
            modified_since=plan.since,
            where=SALES_CREDIT_NOTES,
            order=WALK_ORDER,
            start_page=plan.start_page,
        )

    def prepare(
        self, page: Page, binder: SqliteBinder | None = None
    ) -> MappedPage[MappedCreditNote]:
        """The page mapped, with each credit note's snapshot and its line rows,
        bound by ``binder`` when given (pure: no database)."""
        prepared = map_page(page.records, map_credit_note, "CreditNoteID")
        rows = prepared.rows = credit_note_rows(prepared.mapped, binder)
        prepared.snapshots = {id(m): _snapshot(m, rows) for m in prepared.mapped}
        return prepared

    def write_page(self, connection: Connection, page: Page, context: WriteContext) -> PageOutcome:
        return self.write_prepared(connection, page, None, context)

    def write_prepared(
        self,
        connection: Connection,
        page: Page,
        prepared: MappedPage[MappedCreditNote] | None,
        context: WriteContext,
    ) -> PageOutcome:
        made = prepared.snapshots if prepared is not None else None
        rows = prepared.rows if prepared is not None else None

        def write(mapped: Sequence[MappedCreditNote]) -> Counts:
            counts, touched = write_credit_notes(connection, mapped, context.run_id, made, rows)
            self.touched |= touched
            if counts.created or counts.updated:
                self.moved_items |= line_item_codes(page.records)
            return counts

        return write_mapped_page(
            connection, page, context, map_credit_note, "CreditNoteID", write, prepared
        )


def credit_note_rows(
    mapped: Sequence[MappedCreditNote], binder: SqliteBinder | None = None
) -> DocumentRows:
    """The line rows of ``mapped`` (credit notes have no header), bound by ``binder``."""
    return document_rows(mapped, None, attrgetter("lines"), (None, LINES), binder)


def write_credit_notes(
    connection: Connection,
    mapped: Sequence[MappedCreditNote],
    run_id: int | None = None,
    made: Mapping[int, dict[str, Any]] | None = None,
    rows: DocumentRows | None = None,
) -> tuple[Counts, set[str]]:
    """Write the credit notes that changed; returns the counts and their ContactIDs.

    ``rows`` holds the rows made with the mapping and ``made`` their snapshots
    (both by ``id()``); without them both are made here."""
    records = latest_per_id(mapped, lambda m: m.credit_note_id)
    if rows is None:
        rows, made = credit_note_rows(records, binder_for(connection.dialect)), None
    links = load_links(connection, ENTITY, [m.credit_note_id for m in records])
    snapshots = {
        m.credit_note_id: made_snapshot(made, m, lambda m: _snapshot(m, rows)) for m in records
    }
    todo = [
        m
        for m in records
        if changed(links.get(m.credit_note_id), snapshots[m.credit_note_id], m.updated_at)
    ]
    if not todo:
        return Counts(unchanged=len(records)), set()
    ledgers = ids_by(connection, LEDGERS, "sales_ledger_id", (m.contact_id for m in todo))
    products = product_ids(connection, rows.line_values(todo, "product_item_id"))
    lines = line_rows(
        rows,
        todo,
        ("sales_ledger_id", "product_id"),
        lambda m, code: (ledgers.get(m.contact_id), products.get(code or "")),
    )
    first_lines = replace_lines(
        connection,
        LINES,
        "xero_credit_note_id",
        [m.credit_note_id for m in todo],
        lines,
        first_ids=True,
    )
    save_links(
        connection,
        ENTITY,
        [
            (
                m.credit_note_id,
                "sales_transaction",
                first_lines.get(m.credit_note_id, 0),
                snapshots[m.credit_note_id],
                m.updated_at,
            )
            for m in todo
        ],
    )
    written = [
        (m.credit_note_id, first_lines.get(m.credit_note_id), snapshots[m.credit_note_id]["state"])
        for m in todo
    ]
    before = previous_states(links, (m.credit_note_id for m in todo))
    write_audit(connection, document_lines("sales_transaction", written, before), run_id)
    created = sum(1 for m in todo if m.credit_note_id not in links)
    touched = set().union(
        *(balance_contacts(links.get(m.credit_note_id), snapshots[m.credit_note_id]) for m in todo)
    )
    return write_counts(len(todo), len(records), created), touched


def _snapshot(mapped: MappedCreditNote, rows: DocumentRows) -> dict[str, Any]:
    balance = [mapped.status.value, mapped.is_paid, [line["gross_value"] for line in mapped.lines]]
    # the rows lack the status (but for paid, deleted and voided) and the time of change
    values = rows.digest(mapped, mapped.status.value, mapped.updated_at.isoformat())
    total = sum((line["gross_value"] or 0 for line in mapped.lines), Decimal(0))
    state = document_state(mapped.credit_note_number, mapped.status.value, total)
    return document_snapshot(mapped.contact_id, values, balance=balance, state=state)
