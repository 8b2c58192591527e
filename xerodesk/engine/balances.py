"""Contact balances refreshed after the sales documents that move them.

Xero changes a contact's ``Balances`` (and its customer flag) when its
invoices and credit notes change, without bumping the contact's
``UpdatedDateUTC``, so the contacts walk does not see it. After the
invoices and credit notes of a pass, the contacts whose balance those
documents may have moved (a new document, or a change of status, totals,
amounts due or paid, due date or contact) are re-read by id, at most 50 ids
a call (Xero's URLs fail past about 52 GUIDs), and written through the
contacts writer, which skips the unchanged.

Balances also move with the calendar alone: an invoice whose due date has
passed counts as overdue from the next day, with no change to any record.
``falling_due`` finds, from the CRM's own copy of the invoices, the contacts
with an unpaid invoice that fell due since the last pass, so that they are
re-read by id too. (Xero counts days in the organisation's time zone; the
CRM's due dates are compared with the UTC date, so a balance can turn overdue
up to a pass later than in Xero, never missed.)

Only contacts the CRM already has are re-read: a new contact reaches the
CRM through the contacts walk. When this pass already read every contact
(a full or scheduled refresh, before the documents), there is nothing to do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from xerodesk.domain.sync import NOT_PASSES, Counts, EntityKind
from xerodesk.engine.dbworker import DbWorker
from xerodesk.engine.links import load_links
from xerodesk.engine.pull import PageOutcome, WriteContext
from xerodesk.engine.steps.contacts import ContactsStep
from xerodesk.store.models import SalesOrderHeader
from xerodesk.store.options import Options
from xerodesk.store.state import add_run_counts
from xerodesk.store.xd_models import SyncRun
from xerodesk.xero.client import XeroClient
from xerodesk.xero.endpoints import CONTACTS
from xerodesk.xero.paging import Page

#: ids per ``GET /Contacts?IDs=…`` call
IDS_PER_CALL = 50


@dataclass
class BalanceRefresh:
    counts: Counts
    contacts: int = 0
    calls: int = 0


def known_contacts(connection: Connection, contact_ids: Iterable[str]) -> list[str]:
    """The ContactIDs among ``contact_ids`` that the CRM already has."""
    return sorted(load_links(connection, EntityKind.CONTACTS.value, contact_ids))


def falling_due(connection: Connection, run_id: int | None, now: datetime) -> set[str]:
    """ContactIDs with an unpaid approved invoice whose due date passed since the
    last pass that finished (the day before it up to yesterday): its overdue moved.
    """
    query = select(SyncRun.started_at).where(
        SyncRun.outcome == "ok", SyncRun.trigger.not_in(NOT_PASSES)
    )
    if run_id is not None:
        query = query.where(SyncRun.id != run_id)
    last = connection.scalar(query.order_by(SyncRun.id.desc()).limit(1))
    today = now.date()
    if last is None or last.date() >= today:
        return set()
    header = SalesOrderHeader
    rows = connection.execute(
        select(header.xero_contact_id)
        .where(
            header.xero_status == "AUTHORISED",
            header.amount_due > 0,
            header.due_date >= last.date(),
            header.due_date < today,
            header.xero_contact_id.is_not(None),
        )
        .distinct()
    ).scalars()
    return {str(contact) for contact in rows}


def _write_page(
    connection: Connection, page: Page, context: WriteContext, calls: int
) -> PageOutcome:
    outcome = ContactsStep().write_page(connection, page, context)
    if context.run_id is not None:
        c = outcome.counts
        add_run_counts(
            connection,
            context.run_id,
            context.entity.value,
            updated=c.created + c.updated,
            skipped=c.skipped,
            calls=calls,
        )
    return outcome


async def refresh_balances(
    client: XeroClient,
    db: DbWorker,
    contact_ids: Iterable[str],
    options: Options,
    run_id: int | None = None,
) -> BalanceRefresh:
    """Re-read the known contacts among ``contact_ids`` and write what changed."""
    wanted = await db.read(known_contacts, set(contact_ids))
    result = BalanceRefresh(Counts(), len(wanted))
    context = WriteContext(EntityKind.CONTACTS, run_id, options, False)
    for start in range(0, len(wanted), IDS_PER_CALL):
        ids = ",".join(wanted[start : start + IDS_PER_CALL])
        before = client.usage().calls
        pages = client.pages(CONTACTS, include_archived=True, extra_params={"IDs": ids})
        async for page in pages:
            calls = client.usage().calls - before
            before += calls
            outcome = await db.write(_write_page, page, context, calls)
            result.counts += outcome.counts
            result.calls += calls
    return result
