"""A sync pass: pull every chosen entity in dependency order, with its refreshes.

The order is ``PULL_ORDER``: tax rates and currencies (with exchange rates),
then contacts and items, then invoices, credit notes and purchase orders, so
documents find the rows they link to. Contacts and items are read as far as
their changes need: those changed since the cursor (If-Modified-Since). What
modified-since cannot see is read where it can have moved:

- balances: after the invoices and credit notes, the contacts they touched
  and those with an invoice that fell due since the last pass are re-read by
  id (``balances``);
- stock: the tracked items on the lines of those documents, and every
  tracked item hourly for moves the sync does not read (``stock``);
- what neither catches (a contact made a supplier by a bill, a payment on no
  invoice): a whole re-read of contacts daily (``CONTACT_REFRESH``);
- deletions, voids and merges: every ``reconcile_interval_hours`` per entity
  (or on a full resync) the reconciliation sweep (``sweep``), which reuses the
  whole list of items the items step reads when the sweep is due. The sweep
  runs after the master data and before the documents, so that under a tight
  call budget it goes before a backfill.

The organisation (for its base currency, which Xero does not let change once
set) is read when the CRM has no home currency yet, on a full resync and daily.
After the contacts and items, links that documents of earlier passes could
not fill yet (their contact or item was not in the CRM) are filled. At the
end, ``on_order``/``allocated`` are derived from the documents when the
option says so.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy import Connection, func, select

from xerodesk.domain.sync import Counts, EntityKind, Phase, ProgressEvent, ProgressSink
from xerodesk.engine.backfill import fill_missing_links
from xerodesk.engine.balances import falling_due, refresh_balances
from xerodesk.engine.budget import (
    CONTACT_REFRESH,
    CallPlan,
    DayUsage,
    day_usage,
    plan_pass,
    prepare_client,
    record_day_remaining,
    reference_due,
)
from xerodesk.engine.commitments import derive_stock_commitments
from xerodesk.engine.dbworker import DbWorker
from xerodesk.engine.display import rederive_display_descriptions
from xerodesk.engine.edits import scan_crm_edits
from xerodesk.engine.pass_types import PassReport, PassRequest, PassState
from xerodesk.engine.pull import PullResult, PullStep, run_pull
from xerodesk.engine.rates import RatesProviderFactory, default_provider, rates_url, refresh_rates
from xerodesk.engine.steps.contacts import ContactsStep
from xerodesk.engine.steps.credit_notes import CreditNotesStep
from xerodesk.engine.steps.currencies import (
    CurrenciesStep,
    known_home_currency,
    organisation_due,
)
from xerodesk.engine.steps.invoices import InvoicesStep
from xerodesk.engine.steps.items import ItemsStep
from xerodesk.engine.steps.purchase_orders import PurchaseOrdersStep
from xerodesk.engine.steps.tax_rates import TaxRatesStep
from xerodesk.engine.stock import STOCK_CURSOR, check_stock
from xerodesk.engine.sweep import Sweep, never_synced, record_sweep, sweep_due
from xerodesk.errors import DailyLimitReachedError, XerodeskError
from xerodesk.store.options import Options
from xerodesk.store.state import finish_run, load_cursor, save_cursor, start_run
from xerodesk.store.types import utcnow
from xerodesk.store.xd_models import ReviewItem
from xerodesk.xero.client import XeroClient

log = logging.getLogger(__name__)

#: entities whose rows documents link to
MASTER_DATA = (EntityKind.CONTACTS, EntityKind.ITEMS)
#: documents: after the sweep, and what a tight budget leaves for last
DOCUMENTS = (EntityKind.INVOICES, EntityKind.CREDIT_NOTES, EntityKind.PURCHASE_ORDERS)
#: documents that move contacts' balances
SALES_DOCUMENTS = (EntityKind.INVOICES, EntityKind.CREDIT_NOTES)


Handler = Callable[[PassState], Awaitable[PullResult]]


def _open_review_count(connection: Connection) -> int:
    query = select(func.count()).select_from(ReviewItem).where(ReviewItem.resolved_at.is_(None))
    return int(connection.scalar(query) or 0)


def _due(last: datetime | None, interval: timedelta, now: datetime) -> bool:
    return last is None or now - last >= interval


def _last_of(group: tuple[EntityKind, ...], only: tuple[EntityKind, ...]) -> EntityKind | None:
    chosen = [entity for entity in only if entity in group]
    return chosen[-1] if chosen else None


class PassRunner:
    """Runs passes for one organisation into one database.

    ``rates`` makes the exchange-rates provider for a feed URL (default: the
    ECB daily XML reader).
    """

    def __init__(
        self,
        client: XeroClient,
        db: DbWorker,
        progress: ProgressSink | None = None,
        *,
        rates: RatesProviderFactory | None = None,
    ):
        self.client = client
        self.db = db
        self.progress: ProgressSink = progress or (lambda _event: None)
        self.rates = rates or default_provider
        #: the report of the pass running or run last (None before the first)
        self.last_report: PassReport | None = None

    async def run(self, request: PassRequest) -> PassReport:
        usage = await prepare_client(self.client, self.db)
        run_id = await self.db.write(start_run, request.trigger)
        report = PassReport(run_id)
        self.last_report = report
        reviews_before = await self.db.read(_open_review_count)
        calls_before = self.client.usage().calls
        bytes_before = self.client.accounting.bytes_totals()
        try:
            options = await self.db.read(Options.load)
            state = PassState(options, request, run_id, report)
            report.plan = await self.db.read(pass_plan, request, options, usage)
            _log_plan(report.plan)
            await self._run_entities(state)
            await self.db.write(
                derive_stock_commitments,
                options.derive_stock_commitments,
                options.default_warehouse_code,
            )
            report.outcome = "ok"
        except DailyLimitReachedError as error:
            report.outcome, report.message = "day_limit", str(error)
        except XerodeskError as error:
            report.outcome, report.message = "failed", str(error)
            raise
        finally:
            # the run's record is written whole even when the pass is being
            # stopped (a stop arriving here would otherwise leave it "running")
            finish = asyncio.ensure_future(
                self._finish(report, calls_before, bytes_before, reviews_before)
            )
            try:
                await asyncio.shield(finish)
            except asyncio.CancelledError:
                await finish
                raise
        return report

    async def _finish(
        self,
        report: PassReport,
        calls_before: int,
        bytes_before: tuple[int, int],
        reviews_before: int,
    ) -> None:
        """Record how the pass ended: outcome, calls, bytes, new review items, Xero's day count."""
        run_id = report.run_id
        report.calls = self.client.usage().calls - calls_before
        now_read, now_wire = self.client.accounting.bytes_totals()
        report.bytes_read = now_read - bytes_before[0]
        report.wire_bytes = now_wire - bytes_before[1]
        report.new_review_items = max(0, await self.db.read(_open_review_count) - reviews_before)
        outcome = report.outcome if report.outcome != "running" else "cancelled"
        read = (report.bytes_read, report.wire_bytes)
        await self.db.write(finish_run, run_id, outcome, report.calls, report.message, read)
        await self.db.write(record_day_remaining, run_id, self.client.usage().day_remaining)

    async def _run_entities(self, state: PassState) -> None:
        handlers = self._handlers()
        only = state.request.only
        request = state.request
        state.sweep_due = await self.db.read(
            sweep_due, request.only, request.full, state.options, utcnow()
        )
        state.first_reads = await self.db.read(never_synced, request.only)
        for entity in only:
            handler = handlers.get(entity)
            if handler is None:
                continue
            if entity in DOCUMENTS and not state.swept:
                await self._sweep(state)
            state.report.entities[entity.value] = await handler(state)
            if entity is _last_of(MASTER_DATA, only):
                await self.db.write(scan_crm_edits, state.run_id)
                filled = await self.db.write(fill_missing_links)
                log.debug("filled %d links to new contacts and items", filled)
            if entity is _last_of(SALES_DOCUMENTS, only):
                await self._refresh_balances(state)
        if EntityKind.ITEMS in only:
            await self._refresh_stock(state)
        if not state.swept:
            await self._sweep(state)

    async def _sweep(self, state: PassState) -> None:
        """The reconciliation sweep of the entities it is due for (see ``sweep``)."""
        state.swept = True
        now = utcnow()
        for entity in state.first_reads:
            await self.db.write(save_cursor, entity.value, last_reconcile_at=now)
        if not state.sweep_due:
            return
        sweep = Sweep(
            self.client,
            self.db,
            state.options,
            state.run_id,
            self.progress,
            listed_items=state.listed_items,
        )
        result = await sweep.run(state.sweep_due)
        state.report.sweep = result
        await self.db.write(record_sweep, state.run_id, result)
        for entity in state.sweep_due:
            await self.db.write(save_cursor, entity.value, last_reconcile_at=now)

    def _handlers(self) -> dict[EntityKind, Handler]:
        return {
            EntityKind.TAX_RATES: self._tax_rates,
            EntityKind.CURRENCIES: self._currencies,
            EntityKind.CONTACTS: self._contacts,
            EntityKind.ITEMS: self._items,
            EntityKind.INVOICES: self._invoices,
            EntityKind.CREDIT_NOTES: self._credit_notes,
            EntityKind.PURCHASE_ORDERS: self._purchase_orders,
        }

    async def _pull(self, step: PullStep, state: PassState, *, full: bool = False) -> PullResult:
        return await run_pull(
            step,
            self.client,
            self.db,
            state.options,
            full=full or state.request.full,
            run_id=state.run_id,
            progress=self.progress,
        )

    # -- reference data -------------------------------------------------------

    def _skipped(self, entity: EntityKind, why: str) -> PullResult:
        """An entity this pass does not read (no call), and why."""
        self.progress(ProgressEvent(entity.value, Phase.DONE, message=why))
        return PullResult(entity)

    async def _reference_due(self, entity: EntityKind, state: PassState) -> bool:
        return await self.db.read(reference_due, entity, state.request.full, utcnow())

    async def _tax_rates(self, state: PassState) -> PullResult:
        """Tax rates, hourly (``budget.reference_due``)."""
        if not await self._reference_due(EntityKind.TAX_RATES, state):
            return self._skipped(EntityKind.TAX_RATES, "read hourly")
        return await self._pull(TaxRatesStep(), state)

    async def _currencies(self, state: PassState) -> PullResult:
        """Currencies hourly, then exchange rates; neither (and no call) when the option is off."""
        entity = EntityKind.CURRENCIES
        if not state.options.import_currencies:
            return self._skipped(entity, "import_currencies is off")
        if await self._reference_due(entity, state):
            step = await self._currencies_step(state)
            result = await self._pull(step, state)
            if step.read_organisation and step.home is not None:
                await self.db.write(save_cursor, entity.value, last_refresh_at=utcnow())
        else:
            result = self._skipped(entity, "read hourly")
        url = rates_url(state.options.rates_source_url, self.client.endpoints)
        self.progress(ProgressEvent(result.entity.value, Phase.REFRESHING, message="rates"))
        applied = await refresh_rates(
            self.db, self.rates(url), url, run_id=state.run_id, force=state.request.full
        )
        if applied.fetched:
            log.info("exchange rates of %s: %d currencies updated", applied.as_of, applied.updated)
        return result

    async def _currencies_step(self, state: PassState) -> CurrenciesStep:
        """The step, reading the organisation only when due (``organisation_due``)."""
        home = await self.db.read(known_home_currency)
        due = await self.db.read(organisation_due, state.request.full, utcnow())
        return CurrenciesStep(home=home, read_organisation=due)

    # -- master data ----------------------------------------------------------

    async def _contacts(self, state: PassState) -> PullResult:
        step = ContactsStep()
        cursor = await self.db.read(load_cursor, step.entity.value)
        now = utcnow()
        refresh = _due(cursor.last_refresh_at, CONTACT_REFRESH, now)
        result = await self._pull(step, state, full=refresh)
        if refresh or state.request.full:
            await self.db.write(save_cursor, step.entity.value, last_refresh_at=now)
            state.contacts_read_whole = True
        await self.db.write(rederive_display_descriptions, state.options.display_account_number)
        return result

    async def _items(self, state: PassState) -> PullResult:
        """Every item in one call: changes, stock and deletions (see ``steps.items``).

        When the sweep is due for items, it marks the deletions from this list.
        """
        sweeping = EntityKind.ITEMS in state.sweep_due
        step = ItemsStep(mark_gone=not sweeping, whole=sweeping)
        result = await self._pull(step, state)
        state.listed_items = step.listed
        if step.listed is not None:
            state.items_read_whole = True
            await self.db.write(save_cursor, STOCK_CURSOR, last_refresh_at=utcnow())
        return result

    # -- documents ------------------------------------------------------------

    async def _invoices(self, state: PassState) -> PullResult:
        step = InvoicesStep()
        result = await self._pull(step, state)
        state.touched_contacts |= step.touched
        state.moved_items |= step.moved_items
        return result

    async def _credit_notes(self, state: PassState) -> PullResult:
        step = CreditNotesStep()
        result = await self._pull(step, state)
        state.touched_contacts |= step.touched
        state.moved_items |= step.moved_items
        return result

    async def _purchase_orders(self, state: PassState) -> PullResult:
        return await self._pull(PurchaseOrdersStep(), state)

    async def _refresh_balances(self, state: PassState) -> None:
        """Balances of the contacts this pass's sales documents touched and of those
        whose invoices fell due since the last pass (see ``balances``)."""
        if state.contacts_read_whole:
            return
        due = await self.db.read(falling_due, state.run_id, utcnow())
        wanted = state.touched_contacts | due
        if not wanted:
            return
        entity = EntityKind.CONTACTS
        self.progress(ProgressEvent(entity.value, Phase.REFRESHING, message="balances"))
        refreshed = await refresh_balances(
            self.client, self.db, wanted, state.options, state.run_id
        )
        result = state.report.entities.setdefault(entity.value, PullResult(entity))
        written = refreshed.counts.created + refreshed.counts.updated
        result.counts += Counts(updated=written, skipped=refreshed.counts.skipped)
        result.calls += refreshed.calls
        if written:
            await self.db.write(fill_missing_links)

    async def _refresh_stock(self, state: PassState) -> None:
        """Stock the pass's documents may have moved, and hourly all of it (see ``stock``)."""
        moved = set() if state.items_read_whole else state.moved_items
        entity = EntityKind.ITEMS
        self.progress(ProgressEvent(entity.value, Phase.REFRESHING, message="stock"))
        checked = await check_stock(
            self.client, self.db, moved, state.options, utcnow(), state.run_id
        )
        if checked.calls:
            result = state.report.entities.setdefault(entity.value, PullResult(entity))
            written = checked.counts.created + checked.counts.updated
            result.counts += Counts(updated=written, skipped=checked.counts.skipped)
            result.calls += checked.calls


def pass_plan(
    connection: Connection, request: PassRequest, options: Options, usage: DayUsage
) -> CallPlan:
    """What ``request`` would cost, step by step, against today's calls."""
    due = sweep_due(connection, request.only, request.full, options, usage.as_of)
    return plan_pass(connection, request.only, request.full, options, due, usage)


def current_plan(connection: Connection, request: PassRequest | None = None) -> CallPlan:
    """The next pass's plan and today's calls left, from the database alone (status, GUI)."""
    options = Options.load(connection)
    usage = day_usage(connection, options.daily_call_budget)
    return pass_plan(connection, request or PassRequest(), options, usage)


def _log_plan(plan: CallPlan) -> None:
    log.info(
        "plan: about %d calls, %d left today%s",
        plan.total,
        plan.calls_left,
        f"; not today: {', '.join(plan.deferred)}" if plan.deferred else "",
    )
