"""The outbox's state changes, each a function of a Connection (one transaction).

The Xero id of a push is written back to its CRM record in the same
transaction that marks the row ``done``, with an ``xd_link`` so that later
pulls see the record as known. Every other outcome (deferred, waiting,
failed, blocked, cancelled) is a state change here too, with its review item
where a person must act.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, or_, select, update

from xerodesk.engine.audit import CREATED, SIDE_CRM, AuditLine, write_audit
from xerodesk.engine.links import save_links
from xerodesk.engine.push.model import (
    OutboxRow,
    PushKind,
    PushState,
    QuoteState,
    review_key,
)
from xerodesk.store.models import Product, Quote, SalesLedger, SalesOrderHeader
from xerodesk.store.state import ReviewRequest, raise_review, resolve_reviews
from xerodesk.store.types import utcnow
from xerodesk.store.xd_models import OutboxItem, RecordLink

__all__ = [
    "WriteBackConflict",
    "block",
    "cancel",
    "complete",
    "defer",
    "fail",
    "load_due",
    "load_row",
    "mark_sending",
    "record_of",
    "wait",
]

_COLUMNS = (
    OutboxItem.id,
    OutboxItem.kind,
    OutboxItem.record_id,
    OutboxItem.idempotency_key,
    OutboxItem.state,
    OutboxItem.attempts,
    OutboxItem.revision,
    OutboxItem.created_at,
    OutboxItem.first_sent_at,
    OutboxItem.xero_id,
)


class WriteBackConflict(Exception):
    """The Xero id already belongs to another CRM record (internal)."""


def _row(values: Any) -> OutboxRow:
    (id_, kind, record_id, key, state, attempts, revision, created, first, xero_id) = values
    return OutboxRow(
        id_,
        PushKind(kind),
        record_id,
        key,
        PushState(state),
        attempts,
        revision or 0,
        created,
        first,
        xero_id,
    )


def load_row(connection: Connection, outbox_id: int) -> OutboxRow | None:
    found = connection.execute(select(*_COLUMNS).where(OutboxItem.id == outbox_id)).first()
    return _row(found) if found is not None else None


def load_due(connection: Connection, now: datetime) -> list[OutboxRow]:
    """Rows to send now, customers and products before the invoices that need them.

    ``sending`` rows are leftovers of a run that stopped before the answer was
    written back: they are sent again under the same key.
    """
    states = [PushState.PENDING.value, PushState.SENDING.value]
    query = (
        select(*_COLUMNS)
        .where(OutboxItem.state.in_(states))
        .where(or_(OutboxItem.next_attempt_at.is_(None), OutboxItem.next_attempt_at <= now))
    )
    rows = [_row(values) for values in connection.execute(query)]
    return sorted(rows, key=lambda row: (row.kind.rank, row.id))


def record_of(connection: Connection, table: Table, record_id: int | None) -> dict[str, Any] | None:
    """One CRM row as a dict keyed by column name (None when it is gone)."""
    if record_id is None:
        return None
    found = connection.execute(select(table).where(table.c.id == record_id)).mappings().first()
    return dict(found) if found is not None else None


def _set(connection: Connection, row: OutboxRow, **values: Any) -> None:
    values.setdefault("updated_at", utcnow())
    connection.execute(update(OutboxItem).where(OutboxItem.id == row.id).values(**values))


def _quote_state(connection: Connection, row: OutboxRow, state: QuoteState | None) -> None:
    if row.kind is PushKind.INVOICE:
        connection.execute(
            update(Quote)
            .where(Quote.id == row.record_id)
            .values(push_state=state.value if state else None)
        )


def mark_sending(connection: Connection, row: OutboxRow, now: datetime) -> None:
    """Committed before the call: a crash after it leaves a row that is sent again."""
    _set(
        connection,
        row,
        state=PushState.SENDING.value,
        attempts=row.attempts + 1,
        first_sent_at=row.first_sent_at or now,
        next_attempt_at=None,
        updated_at=now,
    )


def defer(connection: Connection, row: OutboxRow, message: str, next_at: datetime) -> None:
    """A transient failure: the same push goes again from ``next_at``, same key."""
    _set(
        connection, row, state=PushState.PENDING.value, last_error=message, next_attempt_at=next_at
    )


def wait(connection: Connection, row: OutboxRow, message: str) -> None:
    """Not sendable yet (its customer or products are not in Xero): stays pending."""
    _set(connection, row, state=PushState.PENDING.value, last_error=message)


def cancel(connection: Connection, row: OutboxRow, message: str) -> None:
    _set(connection, row, state=PushState.CANCELLED.value, last_error=message)
    _quote_state(connection, row, None)
    resolve_reviews(connection, review_key(row.key), "cancelled")


def fail(connection: Connection, row: OutboxRow, review: ReviewRequest, run_id: int | None) -> None:
    """Refused (by Xero or as it stands in the CRM): a person must act."""
    _set(connection, row, state=PushState.FAILED.value, last_error=review.explanation)
    _quote_state(connection, row, QuoteState.FAILED)
    raise_review(connection, review, run_id)


def block(
    connection: Connection, row: OutboxRow, review: ReviewRequest, run_id: int | None
) -> None:
    """An order for a customer on stop: held until the user releases it."""
    _set(connection, row, state=PushState.BLOCKED.value, last_error=review.explanation)
    _quote_state(connection, row, QuoteState.BLOCKED)
    raise_review(connection, review, run_id)


def complete(
    connection: Connection,
    row: OutboxRow,
    xero_id: str,
    correlation_id: str | None = None,
    *,
    linked: bool = False,
    side: str = SIDE_CRM,
    run_id: int | None = None,
) -> int:
    """Write the Xero id back and mark the row done, in one transaction.

    Returns the CRM row now holding the id (another customer when Xero's
    contact was already in the CRM). ``WriteBackConflict`` when the id
    belongs to another quote. The audit trail records the push: ``created``
    in Xero (with Xero's correlation id) or ``linked`` to a record Xero had.
    """
    writer = _WRITE_BACK[row.kind]
    target = int(writer(connection, row.record_id, xero_id))
    _save_link(connection, row.kind, xero_id, row.kind.record_table, target)
    field = "linked" if linked else CREATED
    audit = AuditLine(
        row.kind.record_table, row.record_id, xero_id, field, None, xero_id, side, correlation_id
    )
    write_audit(connection, [audit], run_id)
    _set(
        connection,
        row,
        state=PushState.DONE.value,
        xero_id=xero_id,
        correlation_id=correlation_id,
        last_error=None,
        next_attempt_at=None,
    )
    resolve_reviews(connection, review_key(row.key), "pushed")
    return target


def _save_link(
    connection: Connection, kind: PushKind, xero_id: str, table: str, crm_id: int
) -> None:
    """A link for later pulls, unless a pull already made one (with its snapshot)."""
    entity = kind.entity.value
    known = connection.scalar(
        select(RecordLink.id).where(RecordLink.entity == entity, RecordLink.xero_id == xero_id)
    )
    if known is None:
        save_links(connection, entity, [(xero_id, table, crm_id, {}, None)])


def _holder(connection: Connection, model: Any, column: str, xero_id: str) -> int | None:
    """The CRM row that already holds ``xero_id`` in ``column``, if any."""
    found = connection.scalar(select(model.id).where(getattr(model, column) == xero_id))
    return int(found) if found is not None else None


def _customer_written(connection: Connection, ledger_id: int, contact_id: str) -> int:
    holder = _holder(connection, SalesLedger, "sales_ledger_id", contact_id)
    if holder is None:
        connection.execute(
            update(SalesLedger)
            .where(SalesLedger.id == ledger_id, SalesLedger.sales_ledger_id.is_(None))
            .values(sales_ledger_id=contact_id)
        )
        return ledger_id
    if holder != ledger_id:
        # Xero's contact is already a CRM customer: this one's orders go to it
        connection.execute(
            update(Quote).where(Quote.sales_ledger_id == ledger_id).values(sales_ledger_id=holder)
        )
    return holder


def _product_written(connection: Connection, product_id: int, item_id: str) -> int:
    holder = _holder(connection, Product, "xero_item_id", item_id)
    if holder is None:
        connection.execute(
            update(Product)
            .where(Product.id == product_id, Product.xero_item_id.is_(None))
            .values(xero_item_id=item_id)
        )
        return product_id
    return holder


def _invoice_written(connection: Connection, quote_id: int, invoice_id: str) -> int:
    holder = _holder(connection, Quote, "xero_invoice_id", invoice_id)
    if holder is not None and holder != quote_id:
        raise WriteBackConflict(f"the Xero invoice already belongs to quote {holder}")
    connection.execute(
        update(Quote)
        .where(Quote.id == quote_id)
        .values(xero_invoice_id=invoice_id, push_state=QuoteState.SENT.value)
    )
    connection.execute(
        update(SalesOrderHeader)
        .where(SalesOrderHeader.xero_invoice_id == invoice_id, SalesOrderHeader.quote_id.is_(None))
        .values(quote_id=quote_id)
    )
    return quote_id


_WRITE_BACK: Mapping[PushKind, Any] = {
    PushKind.CUSTOMER: _customer_written,
    PushKind.PRODUCT: _product_written,
    PushKind.INVOICE: _invoice_written,
}
