"""Read the records Xero's webhook events name, by id, through the pull's writers.

Xero's events say which contact, invoice or credit note changed, never how
(developer.xero.com/documentation/webhooks/overview; the vendored
xero-webhooks.yaml). The consumer takes the waiting events a category at a
time, contacts first so that a new customer is in the CRM before its first
invoice, and reads their records ``IDS_PER_CALL`` a call
(``GET /Contacts?IDs=…``, ``/Invoices?IDs=…``, ``/CreditNotes?IDs=…``), through
the same writers as a pass, which skip what did not change. The events of a
page are marked done in the transaction that writes it: a crash before that
leaves them waiting, and they are read after the restart.

Invoices and credit notes are asked for with the pass's own filter (sales
ones): a supplier bill's event finds no record and ends ``not_synced``. What
the documents moved is refreshed as a pass does: the balances of their
contacts and the stock of their tracked items. No cursor moves: the next
scheduled pass still reads every change since its own cursor, which is the
safety net for deliveries that never came.

Each read is a run of its own in the run log (trigger ``webhook``), so its
calls and bytes count in the day's usage; its calls are pulls, so they cannot
take the reserve kept for pushes (``xerodesk.xero.transport``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, select, update

from xerodesk.domain.sync import Counts, EntityKind
from xerodesk.engine.backfill import fill_missing_links
from xerodesk.engine.balances import refresh_balances
from xerodesk.engine.budget import WEBHOOK, prepare_client, record_day_remaining
from xerodesk.engine.dbworker import DbWorker
from xerodesk.engine.display import rederive_display_descriptions
from xerodesk.engine.pull import PageOutcome, WriteContext, record_page_counts
from xerodesk.engine.steps.contacts import ContactsStep
from xerodesk.engine.steps.credit_notes import CreditNotesStep
from xerodesk.engine.steps.invoices import InvoicesStep
from xerodesk.engine.stock import check_stock
from xerodesk.errors import DailyLimitReachedError, XerodeskError
from xerodesk.store.options import Options
from xerodesk.store.state import finish_run, start_run
from xerodesk.store.types import utcnow
from xerodesk.store.webhook_events import (
    CONTACT,
    CREDIT_NOTE,
    EVENTS,
    INVOICE,
    WaitingEvent,
    finish_events,
    waiting_counts,
    waiting_events,
)
from xerodesk.store.xd_models import SyncRun
from xerodesk.xero.client import SALES_CREDIT_NOTES, SALES_INVOICES, XeroClient
from xerodesk.xero.endpoints import CONTACTS, CREDIT_NOTES, INVOICES, EntitySpec
from xerodesk.xero.paging import Page

log = logging.getLogger(__name__)

#: ids per ``GET …?IDs=`` call (Xero's URLs fail past about 52 GUIDs)
IDS_PER_CALL = 50
#: events taken at once: several may name the same record
EVENTS_PER_TAKE = 500

READ, NOT_SYNCED, COVERED = "read", "not_synced", "covered"


@dataclass(frozen=True)
class Category:
    """How one category's records are read and written."""

    name: str
    entity: EntityKind
    spec: EntitySpec
    where: str | None
    include_archived: bool


CATEGORIES = (
    Category(CONTACT, EntityKind.CONTACTS, CONTACTS, None, True),
    Category(INVOICE, EntityKind.INVOICES, INVOICES, SALES_INVOICES, False),
    Category(CREDIT_NOTE, EntityKind.CREDIT_NOTES, CREDIT_NOTES, SALES_CREDIT_NOTES, False),
)

Writer = InvoicesStep | CreditNotesStep | ContactsStep


@dataclass
class WebhookReport:
    """What one read of waiting events did."""

    run_id: int | None = None
    outcome: str = "ok"
    message: str | None = None
    events: int = 0
    records: int = 0
    calls: int = 0
    counts: Counts = field(default_factory=Counts)


class WebhookConsumer:
    """Reads what the waiting events name; one run at a time, between passes."""

    def __init__(
        self,
        client: XeroClient,
        db: DbWorker,
        *,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self.client = client
        self.db = db
        self.now = now

    async def waiting(self) -> bool:
        return bool(await self.db.read(waiting_counts))

    async def run(self) -> WebhookReport:
        """Read every waiting event's record; a spent day leaves the rest waiting."""
        report = WebhookReport()
        if not await self.waiting():
            return report
        await prepare_client(self.client, self.db)
        report.run_id = await self.db.write(start_run, WEBHOOK)
        calls_before = self.client.usage().calls
        bytes_before = self.client.accounting.bytes_totals()
        try:
            options = await self.db.read(Options.load)
            await self._read_all(report, options)
        except DailyLimitReachedError as error:
            report.outcome, report.message = "day_limit", str(error)
            log.warning("webhook events wait for calls: %s", error)
        except XerodeskError as error:
            report.outcome, report.message = "failed", str(error)
            raise
        finally:
            finish = asyncio.ensure_future(self._finish(report, calls_before, bytes_before))
            try:
                await asyncio.shield(finish)
            except asyncio.CancelledError:
                await finish
                raise
        return report

    async def _read_all(self, report: WebhookReport, options: Options) -> None:
        touched: set[str] = set()
        moved: set[str] = set()
        for category in CATEGORIES:
            writer = _writer(category)
            wrote = await self._read_category(category, writer, options, report)
            if isinstance(writer, InvoicesStep | CreditNotesStep):
                touched |= writer.touched
                moved |= writer.moved_items
            if category.name == CONTACT and wrote:
                await self.db.write(rederive_display_descriptions, options.display_account_number)
                await self.db.write(fill_missing_links)
        if touched:
            refreshed = await refresh_balances(
                self.client, self.db, touched, options, report.run_id
            )
            report.counts += refreshed.counts
        if moved:
            checked = await check_stock(
                self.client, self.db, moved, options, self.now(), report.run_id
            )
            report.counts += checked.counts
        if touched or moved:
            await self.db.write(fill_missing_links)

    async def _read_category(
        self, category: Category, writer: Writer, options: Options, report: WebhookReport
    ) -> bool:
        """Read the category's waiting records, a call at a time; True if any was written."""
        context = WriteContext(category.entity, report.run_id, options, False)
        wrote = False
        while True:
            events = await self.db.read(waiting_events, category.name, EVENTS_PER_TAKE)
            if not events:
                return wrote
            batch = _first_ids(events)
            ids = sorted({event.resource_id for event in batch})
            pages = self.client.pages(
                category.spec,
                include_archived=category.include_archived,
                where=category.where,
                extra_params={"IDs": ",".join(ids)},
            )
            before = self.client.usage().calls
            found: set[str] = set()
            async for page in pages:
                calls = self.client.usage().calls - before
                before += calls
                found |= _ids_of(page, category.spec)
                outcome = await self.db.write(
                    _write_page, writer, page, context, calls, _events_of(batch, found)
                )
                report.counts += outcome.counts
                report.calls += calls
                wrote = wrote or bool(outcome.counts.created or outcome.counts.updated)
            missing = [event.id for event in batch if event.resource_id not in found]
            await self.db.write(
                finish_events, missing, outcome=NOT_SYNCED, run_id=report.run_id, now=self.now()
            )
            report.events += len(batch)
            report.records += len(found)

    async def _finish(
        self, report: WebhookReport, calls_before: int, bytes_before: tuple[int, int]
    ) -> None:
        assert report.run_id is not None
        calls = self.client.usage().calls - calls_before
        read, wire = self.client.accounting.bytes_totals()
        spent = (read - bytes_before[0], wire - bytes_before[1])
        report.calls = calls
        await self.db.write(finish_run, report.run_id, report.outcome, calls, report.message, spent)
        await self.db.write(record_day_remaining, report.run_id, self.client.usage().day_remaining)
        log.info(
            "webhook events: %d read (%d records, %d calls), %s",
            report.events,
            report.records,
            calls,
            report.outcome,
        )


def _writer(category: Category) -> Writer:
    if category.name == INVOICE:
        return InvoicesStep()
    if category.name == CREDIT_NOTE:
        return CreditNotesStep()
    return ContactsStep()


def _first_ids(events: list[WaitingEvent]) -> list[WaitingEvent]:
    """The events of the first ``IDS_PER_CALL`` distinct records, oldest first."""
    chosen: set[str] = set()
    batch: list[WaitingEvent] = []
    for event in events:
        if event.resource_id not in chosen:
            if len(chosen) == IDS_PER_CALL:
                continue
            chosen.add(event.resource_id)
        batch.append(event)
    return batch


def _ids_of(page: Page, spec: EntitySpec) -> set[str]:
    key = spec.id_field
    return {str(record[key]) for record in page.records if isinstance(record.get(key), str)}


def _events_of(batch: list[WaitingEvent], found: set[str]) -> list[int]:
    return [event.id for event in batch if event.resource_id in found]


def _write_page(
    connection: Connection,
    writer: Writer,
    page: Page,
    context: WriteContext,
    calls: int,
    event_ids: list[int],
) -> PageOutcome:
    """One page of records and the events it answers, in one transaction."""
    outcome = writer.write_page(connection, page, context)
    finish_events(connection, event_ids, outcome=READ, run_id=context.run_id, now=utcnow())
    record_page_counts(connection, context, outcome, calls)
    return outcome


def cover_events(connection: Connection, run_id: int) -> int:
    """After a scheduled pass that ended well: the events received before it began
    are answered by its reads (every change since the cursor), so they are done."""
    started = connection.scalar(
        select(SyncRun.started_at).where(SyncRun.id == run_id, SyncRun.outcome == "ok")
    )
    if started is None:
        return 0
    result = connection.execute(
        update(EVENTS)
        .where(EVENTS.c.done_at.is_(None), EVENTS.c.received_at < started)
        .values(done_at=utcnow(), outcome=COVERED, run_id=run_id)
    )
    return int(result.rowcount or 0)
