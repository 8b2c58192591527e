"""The reconciliation sweep: what modified-since cannot see, caught cheaply.

A walk of records modified since the cursor never shows a record that left
Xero (an item is hard-deleted), and can miss what changed without a new
``UpdatedDateUTC`` or what a failed pass skipped. Every
``reconcile_interval_hours`` (and on a full resync) the sweep lists, at the
largest page size and with filters that keep the lists short:

- contacts: the ARCHIVED ones only (``where``, ``includeArchived``, paged so
  Xero includes ``MergedToContactID``; archived contacts are few). Archived
  contacts put their customers on stop; a merged one makes the CRM's rows
  follow the surviving contact (``merges``);
- items: the whole list (Xero's Items are unpaged, one call, or none when
  the pass's items step already read it: ``listed_items``); products whose item
  is gone are marked obsolete, behind the sanity guards of
  ``steps.items.mark_gone_items``;
- invoices: the DELETED and VOIDED sales invoices (``Statuses``,
  ``summaryOnly``), credit notes (``where`` on Status: that endpoint takes
  neither) and DELETED purchase orders (``Status``). Those the CRM does not
  have as deleted or voided yet are re-read in full (by ``IDs``, 50 a call, or
  one by one where the endpoint has no ``IDs``) and written by their step, so
  the mapping rules apply as on any pull.

Each part's calls are counted in the run log under the entity ``sweep``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from xerodesk.domain.sync import Counts, EntityKind, Phase, ProgressEvent, ProgressSink
from xerodesk.engine.balances import refresh_balances
from xerodesk.engine.dbworker import DbWorker
from xerodesk.engine.merges import MergeOutcome, apply_merges, pending_merges
from xerodesk.engine.pull import PullStep, WriteContext
from xerodesk.engine.steps.contacts import ContactsStep
from xerodesk.engine.steps.credit_notes import CreditNotesStep
from xerodesk.engine.steps.invoices import InvoicesStep
from xerodesk.engine.steps.items import all_items, listed_ids, mark_gone_items, write_item_page
from xerodesk.engine.steps.purchase_orders import PurchaseOrdersStep
from xerodesk.store.models import PurchaseOrderHeader, SalesOrderHeader, SalesTransaction
from xerodesk.store.options import Options
from xerodesk.store.state import add_run_counts, load_cursor
from xerodesk.store.upsert import batches
from xerodesk.xero.client import SALES_INVOICES, XeroClient
from xerodesk.xero.endpoints import CONTACTS, CREDIT_NOTES, INVOICES, PURCHASE_ORDERS
from xerodesk.xero.limits import LimitHeaders
from xerodesk.xero.paging import Page

log = logging.getLogger(__name__)

#: the run log's entity for the sweep's calls
SWEEP = "sweep"
#: ids per ``IDs=`` call (Xero's URLs fail past about 52 GUIDs)
IDS_PER_CALL = 50
CLOSED = ("DELETED", "VOIDED")
ARCHIVED_CONTACTS = 'ContactStatus=="ARCHIVED"'
CLOSED_CREDIT_NOTES = 'Type=="ACCRECCREDIT" AND (Status=="DELETED" OR Status=="VOIDED")'

#: the entities the sweep looks at, in the order it does
SWEPT = (
    EntityKind.CONTACTS,
    EntityKind.ITEMS,
    EntityKind.INVOICES,
    EntityKind.CREDIT_NOTES,
    EntityKind.PURCHASE_ORDERS,
)


@dataclass
class SweepResult:
    """What one sweep found and what it cost."""

    calls: int = 0
    pages: int = 0
    calls_by_entity: dict[str, int] = field(default_factory=dict)
    items_deleted: int = 0
    #: documents newly found DELETED or VOIDED, by entity
    documents_closed: dict[str, int] = field(default_factory=dict)
    merges: list[MergeOutcome] = field(default_factory=list)
    counts: Counts = field(default_factory=Counts)

    @property
    def merged(self) -> int:
        return sum(1 for m in self.merges if m.applied)


def estimate_sweep_calls(entities: Iterable[EntityKind]) -> int:
    """The calls of a sweep with nothing new to re-read: one list per entity."""
    return sum(1 for entity in entities if entity in SWEPT)


def one_page(entity: str, records: list[dict[str, Any]]) -> Page:
    """Records re-read one by one, as a page for a step's writer."""
    return Page(entity, records, 1, None, None, True, LimitHeaders(), None)


class Sweep:
    """One sweep over the chosen entities; ``run`` returns its ``SweepResult``.

    ``listed_items`` are the ItemIDs of the whole list of items this pass
    already read and wrote (the items step): the sweep then looks for
    deletions among them without a call.
    """

    def __init__(
        self,
        client: XeroClient,
        db: DbWorker,
        options: Options,
        run_id: int | None,
        progress: ProgressSink | None = None,
        *,
        listed_items: frozenset[str] | None = None,
    ) -> None:
        self.client = client
        self.listed_items = listed_items
        self.db = db
        self.options = options
        self.run_id = run_id
        self.progress: ProgressSink = progress or (lambda _event: None)
        self.result = SweepResult()
        #: ContactIDs whose balance the documents re-read may have moved
        self.touched: set[str] = set()

    async def run(self, entities: Sequence[EntityKind]) -> SweepResult:
        parts: dict[EntityKind, Callable[[], Any]] = {
            EntityKind.CONTACTS: self._contacts,
            EntityKind.ITEMS: self._items,
            EntityKind.INVOICES: self._invoices,
            EntityKind.CREDIT_NOTES: self._credit_notes,
            EntityKind.PURCHASE_ORDERS: self._purchase_orders,
        }
        self.progress(ProgressEvent(SWEEP, Phase.READING))
        for entity in SWEPT:
            if entity not in entities:
                continue
            before = self.client.usage().calls
            await parts[entity]()
            self._count(entity, self.client.usage().calls - before)
        if self.touched:
            await self._refresh(self.touched)
        result = self.result
        self.progress(ProgressEvent(SWEEP, Phase.DONE, result.counts, calls=result.calls))
        log.info(
            "sweep: %d calls, %d items gone, %s documents closed, %d merges",
            result.calls,
            result.items_deleted,
            result.documents_closed,
            result.merged,
        )
        return result

    def _count(self, entity: EntityKind, calls: int) -> None:
        self.result.calls += calls
        by = self.result.calls_by_entity
        by[entity.value] = by.get(entity.value, 0) + calls

    async def _pages(self, pages: AsyncIterator[Page]) -> AsyncIterator[Page]:
        async for page in pages:
            self.result.pages += 1
            yield page

    # -- contacts ------------------------------------------------------------

    async def _contacts(self) -> None:
        step = ContactsStep()
        context = WriteContext(step.entity, self.run_id, self.options, False)
        merges: dict[str, str] = {}
        pages = self.client.pages(
            CONTACTS, include_archived=True, where=ARCHIVED_CONTACTS, order="ContactID ASC"
        )
        async for page in self._pages(pages):
            outcome = await self.db.write(step.write_page, page, context)
            self.result.counts += outcome.counts
            for record in page.records:
                loser, winner = record.get("ContactID"), record.get("MergedToContactID")
                if isinstance(loser, str) and isinstance(winner, str) and winner:
                    merges[loser] = winner
        if not merges:
            return
        todo = await self.db.read(pending_merges, merges)
        if not todo:
            return
        # The winners as Xero has them now (a merge can make one a customer
        # without bumping its UpdatedDateUTC), so their ledgers exist.
        await self._refresh(set(todo.values()), known_only=False)
        self.result.merges = await self.db.write(apply_merges, merges, self.run_id)
        moved = {m.loser for m in self.result.merges if m.applied}
        await self._refresh(moved | {m.winner for m in self.result.merges if m.applied})

    async def _refresh(self, contact_ids: set[str], *, known_only: bool = True) -> None:
        if known_only:
            # No run id: the sweep's row of the run log counts these calls.
            refreshed = await refresh_balances(self.client, self.db, contact_ids, self.options)
            self.result.counts += refreshed.counts
            return
        step = ContactsStep()
        context = WriteContext(step.entity, self.run_id, self.options, False)
        for chunk in _chunks(sorted(contact_ids)):
            pages = self.client.pages(
                CONTACTS, include_archived=True, extra_params={"IDs": ",".join(chunk)}
            )
            async for page in self._pages(pages):
                outcome = await self.db.write(step.write_page, page, context)
                self.result.counts += outcome.counts

    # -- items ---------------------------------------------------------------

    async def _items(self) -> None:
        if self.listed_items is not None:
            gone = await self.db.write(mark_gone_items, self.listed_items, self.run_id)
            self.result.items_deleted += gone
            return
        context = WriteContext(EntityKind.ITEMS, self.run_id, self.options, True)
        async for page in self._pages(all_items(self.client)):
            gone = await self.db.write(_write_item_list, page, context)
            self.result.items_deleted += gone

    # -- documents -----------------------------------------------------------

    async def _invoices(self) -> None:
        pages = self.client.pages(
            INVOICES,
            where=SALES_INVOICES,
            extra_params={"Statuses": ",".join(CLOSED), "summaryOnly": "true"},
        )
        closed = await self._closed_ids(pages, "InvoiceID")
        todo = await self.db.read(_open_invoices, closed)
        step = InvoicesStep()
        for chunk in _chunks(todo):
            extra = {"IDs": ",".join(chunk)}
            async for page in self._pages(self.client.pages(INVOICES, extra_params=extra)):
                await self._write(step, page)
        self.touched |= step.touched
        self._closed(EntityKind.INVOICES, len(todo))

    async def _credit_notes(self) -> None:
        pages = self.client.pages(CREDIT_NOTES, where=CLOSED_CREDIT_NOTES)
        closed = await self._closed_ids(pages, "CreditNoteID")
        todo = await self.db.read(_open_credit_notes, closed)
        step = CreditNotesStep()
        for credit_note_id in todo:
            record = await self.client.get(CREDIT_NOTES, credit_note_id)
            await self._write(step, one_page(CREDIT_NOTES.name, [record]))
        self.touched |= step.touched
        self._closed(EntityKind.CREDIT_NOTES, len(todo))

    async def _purchase_orders(self) -> None:
        pages = self.client.purchase_orders(status="DELETED")
        closed = await self._closed_ids(pages, "PurchaseOrderID")
        todo = await self.db.read(_open_purchase_orders, closed)
        step = PurchaseOrdersStep()
        for order_id in todo:
            record = await self.client.get(PURCHASE_ORDERS, order_id)
            await self._write(step, one_page(PURCHASE_ORDERS.name, [record]))
        self._closed(EntityKind.PURCHASE_ORDERS, len(todo))

    async def _closed_ids(self, pages: AsyncIterator[Page], key: str) -> list[str]:
        ids: list[str] = []
        async for page in self._pages(pages):
            for record in page.records:
                value, status = record.get(key), record.get("Status")
                if isinstance(value, str) and status in CLOSED:
                    ids.append(value)
        return ids

    async def _write(self, step: PullStep, page: Page) -> None:
        context = WriteContext(step.entity, self.run_id, self.options, False)
        outcome = await self.db.write(step.write_page, page, context)
        self.result.counts += outcome.counts

    def _closed(self, entity: EntityKind, count: int) -> None:
        if count:
            self.result.documents_closed[entity.value] = count


def _chunks(ids: Sequence[str]) -> list[list[str]]:
    return [list(ids[i : i + IDS_PER_CALL]) for i in range(0, len(ids), IDS_PER_CALL)]


def _write_item_list(connection: Connection, page: Page, context: WriteContext) -> int:
    write_item_page(connection, page, context)
    return mark_gone_items(connection, listed_ids(page), context.run_id)


def _in_chunks(ids: Sequence[str]) -> list[list[str]]:
    return [[item["id"] for item in chunk] for chunk in batches(({"id": i} for i in ids), 500)]


def _open_invoices(connection: Connection, ids: Sequence[str]) -> list[str]:
    """The invoices among ``ids`` the CRM has, not deleted or voided yet."""
    found: list[str] = []
    for chunk in _in_chunks(ids):
        query = select(SalesOrderHeader.xero_invoice_id).where(
            SalesOrderHeader.xero_invoice_id.in_(chunk),
            SalesOrderHeader.xero_status.not_in(CLOSED) | SalesOrderHeader.xero_status.is_(None),
        )
        found.extend(str(v) for v in connection.execute(query).scalars())
    return sorted(found)


def _open_credit_notes(connection: Connection, ids: Sequence[str]) -> list[str]:
    """The credit notes among ``ids`` whose lines the CRM still reports."""
    found: set[str] = set()
    for chunk in _in_chunks(ids):
        query = select(SalesTransaction.xero_credit_note_id).where(
            SalesTransaction.xero_credit_note_id.in_(chunk),
            SalesTransaction.exclude_from_reports.is_not(True),
        )
        found.update(str(v) for v in connection.execute(query).scalars())
    return sorted(found)


def _open_purchase_orders(connection: Connection, ids: Sequence[str]) -> list[str]:
    """The purchase orders among ``ids`` the CRM has, not obsolete yet."""
    found: list[str] = []
    for chunk in _in_chunks(ids):
        query = select(PurchaseOrderHeader.xero_purchase_order_id).where(
            PurchaseOrderHeader.xero_purchase_order_id.in_(chunk),
            PurchaseOrderHeader.obsolete.is_not(True),
        )
        found.extend(str(v) for v in connection.execute(query).scalars())
    return sorted(found)


def record_sweep(connection: Connection, run_id: int, result: SweepResult) -> None:
    """The sweep's figures in the run log, as the entity ``sweep``."""
    c = result.counts
    add_run_counts(
        connection,
        run_id,
        SWEEP,
        created=c.created,
        updated=c.updated + result.items_deleted,
        unchanged=c.unchanged,
        skipped=c.skipped,
        pages=result.pages,
        calls=result.calls,
    )


def _synced(connection: Connection, entity: EntityKind) -> bool:
    cursor = load_cursor(connection, entity.value)
    return cursor.modified_since is not None or cursor.last_reconcile_at is not None


def never_synced(connection: Connection, only: Iterable[EntityKind]) -> tuple[EntityKind, ...]:
    """The swept entities among ``only`` no pass has read yet."""
    chosen = (entity for entity in SWEPT if entity in set(only))
    return tuple(entity for entity in chosen if not _synced(connection, entity))


def sweep_due(
    connection: Connection,
    only: Iterable[EntityKind],
    full: bool,
    options: Options,
    now: datetime,
) -> tuple[EntityKind, ...]:
    """The entities among ``only`` whose sweep is due (all of them on a full resync).

    An entity never synced is not: its first walk reads everything as it is.
    """
    chosen = tuple(entity for entity in SWEPT if entity in set(only))
    if full:
        return chosen
    interval = timedelta(hours=options.reconcile_interval_hours)
    due: list[EntityKind] = []
    for entity in chosen:
        cursor = load_cursor(connection, entity.value)
        if _synced(connection, entity) and (
            cursor.last_reconcile_at is None or now - cursor.last_reconcile_at >= interval
        ):
            due.append(entity)
    return tuple(due)
