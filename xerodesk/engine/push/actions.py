"""What a person can do about a push from the review queue.

- ``retry_push``: send a failed (or waiting) push again; a refused one goes
  under a new Idempotency-Key, since Xero replays a refusal to the old one;
- ``release_quote``: send an order held because its customer was on stop,
  once the customer is off stop;
- ``link_to_existing_contact``: a CRM customer whose name Xero already has
  becomes that Xero contact instead of a new one: the customer takes the
  ContactID and the link follows. One Xero contact is one CRM customer, so a
  contact another CRM customer already holds is refused, naming that customer.

``release_refusal`` and ``link_refusal`` say, before anything is done, why
the action cannot work now (None when it can), so the app can show the
button disabled with the reason. Each action is one transaction; the push
itself goes with the next ``push_pending``.
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
from xerodesk.store.xd_models import OutboxItem, RecordLink, ReviewItem

__all__ = [
    "link_refusal",
    "link_to_existing_contact",
    "link_to_existing_contact_in",
    "release_quote",
    "release_quote_in",
    "release_refusal",
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


def _held_row(connection: Connection, quote_id: int) -> OutboxRow | None:
    found = connection.scalar(
        select(OutboxItem.id).where(
            OutboxItem.record_table == PushKind.INVOICE.record_table,
            OutboxItem.record_id == quote_id,
        )
    )
    return None if found is None else load_row(connection, int(found))


def release_refusal(connection: Connection, quote_id: int) -> str | None:
    """Why the held order of quote ``quote_id`` cannot be released now (None: it can)."""
    row = _held_row(connection, quote_id)
    if row is None:
        return "the order has not been queued for Xero."
    if row.state is not PushState.BLOCKED:
        return None  # no longer held: releasing it only closes the item
    quote = record_of(connection, QUOTES, quote_id) or {}
    ledger = record_of(connection, SALES, quote.get("sales_ledger_id"))
    if ledger is not None and ledger["on_stop"]:
        name = ledger["name"] or "the customer"
        return (
            f"customer {name} is still on stop (archived in Xero). Restore the contact in "
            "Xero; once a sync has taken the customer off stop, the order can be released."
        )
    return None


def release_quote_in(connection: Connection, quote_id: int) -> bool:
    """Queue a held order once its customer is off stop; False when it was not held."""
    refusal = release_refusal(connection, quote_id)
    if refusal is not None:
        raise ConfigurationError(refusal[:1].upper() + refusal[1:])
    row = _held_row(connection, quote_id)
    if row is None or row.state is not PushState.BLOCKED:
        return False
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


def _customer_words(connection: Connection, ledger_id: int) -> str:
    ledger = record_of(connection, SALES, ledger_id) or {}
    name = f'"{ledger["name"]}"' if ledger.get("name") else "without a name"
    account = ledger.get("account_number")
    return f"the CRM customer {name}" + (f" (account {account})" if account else "")


def link_refusal(
    connection: Connection, outbox_id: int, contact_id: str | None = None
) -> str | None:
    """Why the customer of push ``outbox_id`` cannot become the Xero contact (None: it can)."""
    row = load_row(connection, outbox_id)
    if row is None or row.kind is not PushKind.CUSTOMER:
        return "only a customer waiting to be sent to Xero can be linked to an existing contact."
    if row.state is PushState.DONE:
        return "this customer is already in Xero."
    chosen = contact_id or _offered_contact(connection, row)
    if not chosen:
        return "no existing Xero contact was offered for this customer."
    ledger = record_of(connection, SALES, row.record_id)
    if ledger is None:
        return "the customer is no longer in the CRM."
    if ledger["sales_ledger_id"] and ledger["sales_ledger_id"] != chosen:
        return "the customer is linked to another Xero contact already."
    holder = connection.scalar(
        select(SALES.c.id).where(SALES.c.sales_ledger_id == chosen, SALES.c.id != row.record_id)
    )
    link = connection.execute(
        select(RecordLink.crm_table, RecordLink.crm_id).where(
            RecordLink.entity == "contacts", RecordLink.xero_id == chosen
        )
    ).first()
    if holder is None and link is not None and link[0] == SALES.name and link[1] != row.record_id:
        holder = link[1]
    if holder is None:
        return None
    return (
        f"the Xero contact is already {_customer_words(connection, int(holder))}, and one "
        "Xero contact can be linked to one CRM customer only. Use that customer in the CRM "
        "(and dismiss this item), or rename this customer and retry to create it in Xero."
    )


def link_to_existing_contact_in(
    connection: Connection, outbox_id: int, contact_id: str | None = None
) -> int:
    """Make the CRM customer of a refused push the existing Xero contact.

    ``contact_id`` defaults to the one the review item offered. The customer
    takes the ContactID, the link points at it and the push is done; returns
    the customer's id. Raises ConfigurationError, saying why, when the
    contact is another CRM customer's (``link_refusal``): nothing changes.
    """
    refusal = link_refusal(connection, outbox_id, contact_id)
    if refusal is not None:
        raise ConfigurationError(refusal[:1].upper() + refusal[1:])
    row = _row_or_raise(connection, outbox_id)
    chosen = contact_id or _offered_contact(connection, row)
    assert chosen is not None
    resolve_reviews(connection, review_key(row.key), "linked")
    holder = complete(connection, row, chosen, linked=True, side=SIDE_USER)
    ledger = record_of(connection, SALES, row.record_id) or {}
    if holder != row.record_id or ledger.get("sales_ledger_id") != chosen:
        # the checks above leave no other holder: never close the item on a link not made
        raise ConfigurationError("the Xero contact could not be linked to this customer")
    return holder


async def retry_push(db: DbWorker, outbox_id: int) -> bool:
    return await db.write(retry_push_in, outbox_id)


async def release_quote(db: DbWorker, quote_id: int) -> bool:
    return await db.write(release_quote_in, quote_id)


async def link_to_existing_contact(
    db: DbWorker, outbox_id: int, contact_id: str | None = None
) -> int:
    return await db.write(link_to_existing_contact_in, outbox_id, contact_id)
