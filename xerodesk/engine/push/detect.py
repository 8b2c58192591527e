"""Finding what the CRM wants pushed, and queueing it in the outbox.

Three indexed queries: new CRM customers (``origin = 'crm'`` without a
ContactID: ``ix_sales_ledger_origin_pending``), newly confirmed quotes
(``ix_quote_status_push_state``) and the products of those quotes that Xero
does not have yet. Each new push becomes one ``xd_outbox`` row, written in
the transaction that found it, together with ``quote.push_state =
'pending'``. A record already queued is never queued again (its row's
``idempotency_key`` is unique and looked up through ``ix_xd_outbox_record``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import ColumnElement

from xerodesk.engine.push.model import (
    Detected,
    PushKind,
    PushState,
    QuoteState,
    outbox_key,
)
from xerodesk.store.models import Product, Quote, QuoteLine, SalesLedger
from xerodesk.store.types import utcnow
from xerodesk.store.xd_models import OutboxItem

__all__ = ["CONFIRMED", "detect_pushes", "queue_products", "quote_state_for"]

#: ``quote.status`` of a confirmed order
CONFIRMED = "Confirmed"

_QUOTE_STATES = {
    PushState.DONE: QuoteState.SENT,
    PushState.FAILED: QuoteState.FAILED,
    PushState.BLOCKED: QuoteState.BLOCKED,
}


def quote_state_for(state: PushState) -> QuoteState | None:
    """The ``quote.push_state`` that shows an invoice push's state."""
    if state is PushState.CANCELLED:
        return None
    return _QUOTE_STATES.get(state, QuoteState.PENDING)


def _queued(kind: PushKind, record_id: InstrumentedAttribute[int]) -> ColumnElement[bool]:
    return (
        select(OutboxItem.id)
        .where(OutboxItem.record_table == kind.record_table, OutboxItem.record_id == record_id)
        .exists()
    )


def _enqueue(connection: Connection, kind: PushKind, ids: Iterable[int], now: datetime) -> int:
    rows = [
        {
            "kind": kind.value,
            "record_table": kind.record_table,
            "record_id": record_id,
            "idempotency_key": outbox_key(kind, record_id),
            "state": PushState.PENDING.value,
            "attempts": 0,
            "revision": 0,
            "created_at": now,
            "updated_at": now,
        }
        for record_id in dict.fromkeys(ids)
    ]
    if rows:
        connection.execute(insert(OutboxItem), rows)
    return len(rows)


def _new_customers(connection: Connection) -> list[int]:
    query = (
        select(SalesLedger.id)
        .where(SalesLedger.origin == "crm", SalesLedger.sales_ledger_id.is_(None))
        .where(~_queued(PushKind.CUSTOMER, SalesLedger.id))
        .order_by(SalesLedger.id)
    )
    return list(connection.scalars(query))


def queue_products(connection: Connection, quote_ids: Sequence[int], now: datetime) -> int:
    """Queue the products on ``quote_ids``' lines that Xero does not have yet."""
    if not quote_ids:
        return 0
    query = (
        select(Product.id)
        .join(QuoteLine, QuoteLine.product_id == Product.id)
        .where(QuoteLine.quote_id.in_(list(quote_ids)))
        .where(Product.xero_item_id.is_(None), Product.product_item_id.is_not(None))
        .where(~_queued(PushKind.PRODUCT, Product.id))
        .distinct()
    )
    return _enqueue(connection, PushKind.PRODUCT, sorted(connection.scalars(query)), now)


def _confirmed_quotes(connection: Connection, now: datetime) -> tuple[int, list[int]]:
    """Queue newly confirmed quotes; returns how many rows were added and the quotes."""
    quotes = list(
        connection.scalars(
            select(Quote.id)
            .where(Quote.status == CONFIRMED, Quote.push_state.is_(None))
            .where(Quote.xero_invoice_id.is_(None))
            .order_by(Quote.id)
        )
    )
    if not quotes:
        return 0, []
    found = connection.execute(
        select(OutboxItem.record_id, OutboxItem.state).where(
            OutboxItem.record_table == PushKind.INVOICE.record_table,
            OutboxItem.record_id.in_(quotes),
        )
    )
    existing = {int(record_id): str(state) for record_id, state in found}
    fresh = [quote for quote in quotes if quote not in existing]
    added = _enqueue(connection, PushKind.INVOICE, fresh, now)
    for quote_id, state in existing.items():
        _requeue_quote(connection, quote_id, PushState(state), now)
    _set_push_state(connection, fresh, QuoteState.PENDING)
    return added, quotes


def _requeue_quote(connection: Connection, quote_id: int, state: PushState, now: datetime) -> None:
    """A quote confirmed again after it was cancelled, or whose push_state was cleared."""
    if state is PushState.CANCELLED:
        connection.execute(
            update(OutboxItem)
            .where(
                OutboxItem.record_table == PushKind.INVOICE.record_table,
                OutboxItem.record_id == quote_id,
            )
            .values(state=PushState.PENDING.value, updated_at=now, next_attempt_at=None)
        )
        state = PushState.PENDING
    shown = quote_state_for(state)
    _set_push_state(connection, [quote_id], shown)


def _set_push_state(connection: Connection, quote_ids: list[int], state: QuoteState | None) -> None:
    if quote_ids:
        connection.execute(
            update(Quote)
            .where(Quote.id.in_(quote_ids), Quote.push_state.is_(None))
            .values(push_state=state.value if state else None)
        )


def detect_pushes(connection: Connection, now: datetime | None = None) -> Detected:
    """Queue every new push in the outbox, in this transaction; returns what was added."""
    now = now or utcnow()
    customers = _enqueue(connection, PushKind.CUSTOMER, _new_customers(connection), now)
    invoices, quotes = _confirmed_quotes(connection, now)
    products = queue_products(connection, quotes, now)
    return Detected(customers=customers, products=products, invoices=invoices)
