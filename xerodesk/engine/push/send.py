"""Sending the outbox: each push once, under its own Idempotency-Key.

``push_pending`` first queues whatever the CRM added (``detect_pushes``),
then sends the due rows one record per call, customers and products before
the invoices that need them, then the CRM values a person chose to send from
the review queue (``engine.send_crm``). For each row:

1. ``prepare`` builds the request and marks the row ``sending`` (committed);
2. if it was first sent more than ``KEY_SAFE_AGE`` ago, Xero may have
   forgotten its key: the record is looked for first (ContactNumber, Code,
   Reference) and linked if found;
3. ``PUT`` with the row's key: a repeat after a lost answer or a crash is
   replayed by Xero, never made twice;
4. the Xero id is written back with the row marked ``done``, in one
   transaction. A refusal becomes ``failed`` with Xero's words in a review
   item (a contact name Xero has already: an offer to link to it; an item
   code Xero has already: linked). A transient failure leaves the row
   ``pending`` for a later try under the same key.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from xerodesk.domain.sync import Phase, ProgressEvent, ProgressSink, ignore_progress
from xerodesk.engine.dbworker import DbWorker
from xerodesk.engine.push.detect import detect_pushes
from xerodesk.engine.push.lookup import (
    find_contact_by_name,
    find_contact_by_number,
    find_existing,
    find_item_by_code,
)
from xerodesk.engine.push.model import KEY_SAFE_AGE, PushKind, PushReport, SentRecord
from xerodesk.engine.push.outbox import WriteBackConflict, complete, defer, fail, load_due
from xerodesk.engine.push.prepare import Plan, PlanKind, prepare
from xerodesk.engine.push.reviews import duplicate_contact_review, label_of, refused_review
from xerodesk.engine.send_crm import send_requested
from xerodesk.errors import (
    AuthenticationError,
    DailyLimitReachedError,
    RetryableError,
    UnreachableError,
    XeroRequestError,
)
from xerodesk.mapping.push import InvoiceSettings
from xerodesk.store.options import Options
from xerodesk.store.types import utcnow
from xerodesk.xero.client import XeroClient
from xerodesk.xero.usage import spending_reserve

__all__ = ["OnSent", "invoice_settings", "push_pending"]

log = logging.getLogger(__name__)

#: called after Xero answered a create, before the answer is written back
OnSent = Callable[[SentRecord], None]

#: rounds of one run: an order waiting for a customer or product sent in the
#: same run goes in the next round
_ROUNDS = 3
_TRANSIENT = (RetryableError, UnreachableError)
_STOPPING = (DailyLimitReachedError, AuthenticationError)


def invoice_settings(options: Options) -> InvoiceSettings:
    return InvoiceSettings(
        status=options.pushed_invoice_status,
        combine_descriptions=options.combine_descriptions,
        delivery_account_code=options.delivery_account_code,
        delivery_description=options.delivery_description,
        quote_url_template=options.quote_url_template,
    )


def retry_delay(attempts: int, error: BaseException) -> timedelta:
    """How long a push waits after a transient failure (Xero's Retry-After if given)."""
    hinted = getattr(error, "retry_after", None)
    if isinstance(hinted, int | float) and hinted > 0:
        return timedelta(seconds=float(hinted))
    return timedelta(seconds=min(300.0, 5.0 * 4 ** max(0, attempts - 1)))


@dataclass
class _Pusher:
    client: XeroClient
    db: DbWorker
    settings: InvoiceSettings
    now: datetime
    run_id: int | None
    on_sent: OnSent | None
    progress: ProgressSink
    report: PushReport = field(default_factory=PushReport)

    @property
    def safe_age(self) -> timedelta:
        scale = getattr(self.client.clock, "scale", 1.0)
        return KEY_SAFE_AGE / (scale if isinstance(scale, int | float) and scale > 0 else 1.0)

    async def run(self) -> None:
        settled: set[int] = set()
        for _ in range(_ROUNDS):
            rows = [row for row in await self.db.read(load_due, self.now) if row.id not in settled]
            sent_before = self.report.sent
            for row in rows:
                if await self.push_one(row.id) != PlanKind.WAIT:
                    settled.add(row.id)
            if self.report.sent == sent_before:
                return

    async def push_one(self, outbox_id: int) -> str:
        plan = await self.db.write(
            prepare, outbox_id, self.settings, self.now, self.safe_age, self.run_id
        )
        if plan.kind == PlanKind.SEND:
            await self.send(plan)
        elif plan.kind == PlanKind.DONE and plan.xero_id:
            await self.finish(plan, plan.xero_id, linked=True)
        else:
            self._count(plan)
        return plan.kind

    def _count(self, plan: Plan) -> None:
        report = self.report
        if plan.kind == PlanKind.WAIT:
            report.waiting += 1
        elif plan.kind == PlanKind.BLOCKED:
            report.blocked += 1
        elif plan.kind == PlanKind.REFUSED:
            report.failed += 1
        elif plan.kind == PlanKind.CANCELLED:
            report.cancelled += 1

    async def send(self, plan: Plan) -> None:
        assert plan.row is not None and plan.body is not None
        label = label_of(plan.row.kind, plan.body, plan.row.record_id)
        self.progress(ProgressEvent("push", Phase.PUSHING, message=label, at=utcnow()))
        try:
            await self._attempt(plan)
        except _STOPPING as error:
            await self.defer(plan, error)
            raise
        except _TRANSIENT as error:
            await self.defer(plan, error)

    async def _attempt(self, plan: Plan) -> None:
        assert plan.row is not None and plan.body is not None
        kind = plan.row.kind
        if plan.look_first:
            found = await find_existing(self.client, kind, plan.body)
            if found:
                await self.finish(plan, found, linked=True)
                return
        try:
            results = await self.client.save_batch(
                plan.spec, [plan.body], record_keys=[plan.record_key], method="PUT"
            )
        except XeroRequestError as error:
            await self.refused(plan, error.messages or [str(error)])
            return
        result = results[0]
        if self.on_sent is not None:
            self.on_sent(SentRecord(plan.row.id, kind, plan.row.record_id, result.xero_id))
        if result.ok and result.xero_id:
            await self.finish(
                plan, result.xero_id, linked=False, correlation_id=result.correlation_id
            )
        else:
            await self.refused(plan, result.messages)

    async def finish(
        self, plan: Plan, xero_id: str, *, linked: bool, correlation_id: str | None = None
    ) -> None:
        assert plan.row is not None
        try:
            await self.db.write(
                complete,
                plan.row,
                xero_id,
                correlation_id,
                linked=linked,
                run_id=self.run_id,
            )
        except WriteBackConflict as conflict:
            review = refused_review(plan.row, str(conflict), from_xero=False)
            await self.db.write(fail, plan.row, review, self.run_id)
            self.report.failed += 1
            return
        self.report.count(self.report.linked if linked else self.report.created, plan.row.kind)

    async def defer(self, plan: Plan, error: BaseException) -> None:
        assert plan.row is not None
        self.report.deferred += 1
        next_at = utcnow() + retry_delay(plan.row.attempts + 1, error)
        log.info("push %s deferred: %s", plan.row.key, error)
        await self.db.write(defer, plan.row, str(error), next_at)

    async def refused(self, plan: Plan, messages: Sequence[str]) -> None:
        """Xero said no: maybe it has the record already; else a review item."""
        assert plan.row is not None and plan.body is not None
        kind, body = plan.row.kind, plan.body
        found: str | None = None
        if kind is PushKind.CUSTOMER:
            found = await find_contact_by_number(self.client, str(body["ContactNumber"]))
        elif kind is PushKind.PRODUCT:
            found = await find_item_by_code(self.client, str(body["Code"]))
        if found:
            await self.finish(plan, found, linked=True)
            return
        text = "; ".join(messages) or "no reason given"
        review = refused_review(
            plan.row, text, from_xero=True, label=label_of(kind, body, 0), messages=messages
        )
        if kind is PushKind.CUSTOMER:
            existing = await find_contact_by_name(self.client, str(body["Name"]))
            if existing:
                review = duplicate_contact_review(plan.row, str(body["Name"]), existing, messages)
        await self.db.write(fail, plan.row, review, self.run_id)
        self.report.failed += 1


async def push_pending(
    client: XeroClient,
    db: DbWorker,
    options: Options | None = None,
    run_id: int | None = None,
    *,
    now: datetime | None = None,
    on_sent: OnSent | None = None,
    progress: ProgressSink | None = None,
) -> PushReport:
    """Queue what the CRM added, then send every due push; returns what happened.

    Raises ``DailyLimitReachedError`` or ``AuthenticationError`` (the pushes
    left stay queued); transient Xero failures only defer the push concerned.
    ``now`` replaces the clock (tests); ``on_sent`` is called after each
    create Xero answered, before the answer is written back.
    """
    if options is None:
        options = await db.read(Options.load)
    moment = now or utcnow()
    calls_before = client.usage().calls
    pusher = _Pusher(
        client,
        db,
        invoice_settings(options),
        moment,
        run_id,
        on_sent,
        progress or ignore_progress,
    )
    try:
        with spending_reserve():  # pushes may take the calls the day keeps for them
            pusher.report.detected = await db.write(detect_pushes, moment)
            await pusher.run()
            values = await send_requested(client, db, run_id)
        pusher.report.values_sent, pusher.report.values_refused = values.sent, values.refused
    finally:
        pusher.report.calls = client.usage().calls - calls_before
        pusher.progress(ProgressEvent("push", Phase.DONE, calls=pusher.report.calls, at=utcnow()))
    return pusher.report
