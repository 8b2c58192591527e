"""What a person can do about a push from the review queue.

- ``retry_push``: send a failed (or waiting) push again; a refused one goes
  under a new Idempotency-Key, since Xero replays a refusal to the old one;
- ``release_quote``: send an order held because its customer was on stop,
  once the customer is off stop;
- ``link_to_existing_contact``: a CRM customer whose name Xero already has
  becomes that Xero contact instead of a new one.

Each is one transaction; the push itself goes with the next ``push_pending``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, update

from xerodesk.engine.audit import SIDE_USER
from xerodesk.engine.dbworker import DbWorker
from xerodesk.engine.push.model import OutboxRow, PushKind, PushState, QuoteState, review_key
from xerodesk.engine.push.outbox import complete, load_row, record_of
from xerodesk.engine.push.prepare import QUOTES, SALES
from xerodesk.errors import ConfigurationError
from xerodesk.store.state import resolve_reviews
from xerodesk.store.types import utcnow
from xerodesk.store.xd_models import OutboxItem, ReviewItem

__all__ = [
    "link_to_existing_contact",
    "link_to_existing_contact_in",
    "release_quote",
    "release_quote_in",
    "retry_push",
    "retry_push_in",
]


def _requeue(connection: Connection, row: OutboxRow, *, new_key: bool, resolution: str) -> None:
    connection.execute(
        update(OutboxItem)
        .where(OutboxItem.id == row.id)
        .values(
            state=PushState.PENDING.value,
            revision=row.revision + 1 if new_key else row.revision,
            next_attempt_at=None,
            updated_at=utcnow(),
        )
    )
    if row.kind is PushKind.INVOICE:
        connection.execute(
            update(QUOTES)
            .where(QUOTES.c.id == row.record_id)
            .values(push_state=QuoteState.PENDING.value)
        )
    resolve_reviews(connection, review_key(row.key), resolution)


def _row_or_raise(connection: Connection, outbox_id: int) -> OutboxRow:
    row = load_row(connection, outbox_id)
    if row is None:
        raise ConfigurationError(f"there is no push number {outbox_id}")
    return row


def retry_push_in(connection: Connection, outbox_id: int) -> bool:
    """Queue a failed or waiting push to go at once; False when it is done already."""
    row = _row_or_raise(connection, outbox_id)
    if row.state is PushState.DONE:
        return False
    if row.state is PushState.BLOCKED:
        raise ConfigurationError("this order is held for a customer on stop: release it instead")
    # a refusal is replayed to its key: only a failed push needs a new one (a
    # pending one may have reached Xero with its answer lost, so it keeps its key)
    _requeue(connection, row, new_key=row.state is PushState.FAILED, resolution="retried")
    return True


def release_quote_in(connection: Connection, quote_id: int) -> bool:
    """Queue a held order once its customer is off stop; False when it was not held."""
    found = connection.scalar(
        select(OutboxItem.id).where(
            OutboxItem.record_table == PushKind.INVOICE.record_table,
            OutboxItem.record_id == quote_id,
        )
    )
    if found is None:
        raise ConfigurationError(f"quote {quote_id} has not been queued for Xero")
    row = _row_or_raise(connection, int(found))
    if row.state is not PushState.BLOCKED:
        return False
    quote = record_of(connection, QUOTES, quote_id) or {}
    ledger = record_of(connection, SALES, quote.get("sales_ledger_id"))
    if ledger is not None and ledger["on_stop"]:
        raise ConfigurationError(
            f"customer {ledger['name']} is still on stop; take it off stop in Xero first"
        )
    _requeue(connection, row, new_key=False, resolution="released")
    return True


def _offered_contact(connection: Connection, row: OutboxRow) -> str | None:
    details: Any = connection.scalar(
        select(ReviewItem.details)
        .where(ReviewItem.dedupe_key == review_key(row.key))
        .order_by(ReviewItem.id.desc())
    )
    if isinstance(details, dict) and isinstance(details.get("existing_contact_id"), str):
        return str(details["existing_contact_id"])
    return None


def link_to_existing_contact_in(
    connection: Connection, outbox_id: int, contact_id: str | None = None
) -> int:
    """Make the CRM customer of a refused push the existing Xero contact.

    ``contact_id`` defaults to the one the review item offered. Returns the
    sales ledger now holding the ContactID: the customer itself, or the CRM
    customer already made from that contact (its orders then go to it).
    """
    row = _row_or_raise(connection, outbox_id)
    if row.kind is not PushKind.CUSTOMER:
        raise ConfigurationError("only a customer push can be linked to an existing contact")
    if row.state is PushState.DONE:
        raise ConfigurationError("this customer is already in Xero")
    chosen = contact_id or _offered_contact(connection, row)
    if not chosen:
        raise ConfigurationError("no existing Xero contact was offered for this customer")
    resolve_reviews(connection, review_key(row.key), "linked")
    return complete(connection, row, chosen, linked=True, side=SIDE_USER)


async def retry_push(db: DbWorker, outbox_id: int) -> bool:
    return await db.write(retry_push_in, outbox_id)


async def release_quote(db: DbWorker, quote_id: int) -> bool:
    return await db.write(release_quote_in, quote_id)


async def link_to_existing_contact(
    db: DbWorker, outbox_id: int, contact_id: str | None = None
) -> int:
    return await db.write(link_to_existing_contact_in, outbox_id, contact_id)
