"""Deciding, in one transaction, what to do with one outbox row now.

A row is sent (its request built from the CRM rows by ``mapping.push``),
already done (the CRM record has its Xero id), waiting (the customer or a
product of an order is not in Xero yet), blocked (an order for a customer on
stop), refused as it stands (a ``PushInputError``: a review item says what to
fix) or cancelled (the quote is no longer confirmed). A row about to be sent
is marked ``sending`` in the same transaction, which commits before the call.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Table, select

from xerodesk.engine.push.detect import CONFIRMED, queue_products
from xerodesk.engine.push.model import OutboxRow, PushKind, PushState, request_key
from xerodesk.engine.push.outbox import (
    block,
    cancel,
    fail,
    load_row,
    mark_sending,
    record_of,
    wait,
)
from xerodesk.engine.push.reviews import blocked_review, refused_review
from xerodesk.mapping.push import (
    InvoiceSettings,
    PushInputError,
    contact_body,
    invoice_body,
    item_body,
)
from xerodesk.store.models import Product, Quote, QuoteLine, SalesLedger
from xerodesk.store.xd_models import OutboxItem
from xerodesk.xero.endpoints import CONTACTS, INVOICES, ITEMS, EntitySpec

__all__ = ["Plan", "PlanKind", "prepare"]

SALES: Table = SalesLedger.__table__  # type: ignore[assignment]
PRODUCTS: Table = Product.__table__  # type: ignore[assignment]
QUOTES: Table = Quote.__table__  # type: ignore[assignment]
LINES: Table = QuoteLine.__table__  # type: ignore[assignment]

SPECS: dict[PushKind, EntitySpec] = {
    PushKind.CUSTOMER: CONTACTS,
    PushKind.PRODUCT: ITEMS,
    PushKind.INVOICE: INVOICES,
}


class PlanKind:
    SEND = "send"
    DONE = "done"
    WAIT = "wait"
    BLOCKED = "blocked"
    REFUSED = "refused"
    CANCELLED = "cancelled"
    SKIP = "skip"


@dataclass(frozen=True)
class Plan:
    """What ``prepare`` decided (and, except for SEND and DONE, already recorded)."""

    kind: str
    row: OutboxRow | None = None
    body: dict[str, Any] | None = None
    record_key: str = ""
    #: the key may be forgotten by Xero: look for the record before creating it
    look_first: bool = False
    xero_id: str | None = None
    message: str = ""

    @property
    def spec(self) -> EntitySpec:
        assert self.row is not None
        return SPECS[self.row.kind]


@dataclass(frozen=True)
class _Built:
    """A body to send, or why there is none yet."""

    body: dict[str, Any] | None = None
    done_id: str | None = None
    wait: str = ""
    blocked: str = ""
    cancelled: str = ""
    label: str = ""


def prepare(
    connection: Connection,
    outbox_id: int,
    settings: InvoiceSettings,
    now: datetime,
    safe_age: timedelta,
    run_id: int | None = None,
) -> Plan:
    row = load_row(connection, outbox_id)
    if row is None or row.state not in (PushState.PENDING, PushState.SENDING):
        return Plan(PlanKind.SKIP, row)
    try:
        built = _BUILDERS[row.kind](connection, row, settings, now)
    except PushInputError as error:
        fail(connection, row, refused_review(row, str(error), from_xero=False), run_id)
        return Plan(PlanKind.REFUSED, row, message=str(error))
    return _decide(connection, row, built, now, safe_age, run_id)


def _decide(
    connection: Connection,
    row: OutboxRow,
    built: _Built,
    now: datetime,
    safe_age: timedelta,
    run_id: int | None,
) -> Plan:
    if built.done_id:
        return Plan(PlanKind.DONE, row, xero_id=built.done_id)
    if built.cancelled:
        cancel(connection, row, built.cancelled)
        return Plan(PlanKind.CANCELLED, row, message=built.cancelled)
    if built.blocked:
        block(connection, row, blocked_review(row, built.label, built.blocked), run_id)
        return Plan(PlanKind.BLOCKED, row, message=built.blocked)
    if built.wait:
        wait(connection, row, built.wait)
        return Plan(PlanKind.WAIT, row, message=built.wait)
    assert built.body is not None
    look_first = row.first_sent_at is not None and now - row.first_sent_at > safe_age
    mark_sending(connection, row, now)
    key = request_key(row.key, row.created_at, row.revision)
    return Plan(PlanKind.SEND, row, built.body, key, look_first)


def _customer(
    connection: Connection, row: OutboxRow, _settings: InvoiceSettings, _now: datetime
) -> _Built:
    ledger = record_of(connection, SALES, row.record_id)
    if ledger is None:
        return _Built(cancelled="the customer is no longer in the CRM")
    if ledger["sales_ledger_id"]:
        return _Built(done_id=str(ledger["sales_ledger_id"]))
    return _Built(body=contact_body(ledger))


def _product(
    connection: Connection, row: OutboxRow, _settings: InvoiceSettings, _now: datetime
) -> _Built:
    product = record_of(connection, PRODUCTS, row.record_id)
    if product is None:
        return _Built(cancelled="the product is no longer in the CRM")
    if product["xero_item_id"]:
        return _Built(done_id=str(product["xero_item_id"]))
    return _Built(body=item_body(product))


def _pushed_id(connection: Connection, kind: PushKind, record_id: int) -> str | None:
    """The Xero id a done push of this record left (when the CRM row could not take it)."""
    found = connection.scalar(
        select(OutboxItem.xero_id).where(
            OutboxItem.record_table == kind.record_table,
            OutboxItem.record_id == record_id,
            OutboxItem.state == PushState.DONE.value,
        )
    )
    return str(found) if found else None


def _invoice(
    connection: Connection, row: OutboxRow, settings: InvoiceSettings, now: datetime
) -> _Built:
    quote = record_of(connection, QUOTES, row.record_id)
    if quote is None or quote["status"] != CONFIRMED:
        return _Built(cancelled="the quote is no longer confirmed")
    if quote["xero_invoice_id"]:
        return _Built(done_id=str(quote["xero_invoice_id"]))
    number = quote["quote_number"] or quote["id"]
    ledger = record_of(connection, SALES, quote["sales_ledger_id"])
    if ledger is None:
        raise PushInputError(f"quote {number} has no customer")
    if ledger["on_stop"]:
        return _Built(blocked=f"customer {ledger['name']} is on stop", label=f"quote {number}")
    contact_id = ledger["sales_ledger_id"] or _pushed_id(
        connection, PushKind.CUSTOMER, ledger["id"]
    )
    if not contact_id:
        if ledger["origin"] != "crm":
            raise PushInputError(f"the customer of quote {number} is not in Xero")
        return _Built(wait=f"waiting for customer {ledger['name']} to reach Xero")
    lines = [
        dict(line)
        for line in connection.execute(select(LINES).where(LINES.c.quote_id == quote["id"]))
        .mappings()
        .all()
    ]
    products = _products(connection, lines)
    missing = [
        p
        for p in products.values()
        if not p["xero_item_id"]
        and p["product_item_id"]
        and not _pushed_id(connection, PushKind.PRODUCT, p["id"])
    ]
    if missing:
        queue_products(connection, [quote["id"]], now)
        codes = ", ".join(sorted(str(p["product_item_id"]) for p in missing))
        return _Built(wait=f"waiting for products {codes} to reach Xero")
    today = row.created_at.date()
    return _Built(body=invoice_body(quote, lines, products, str(contact_id), settings, today))


def _products(connection: Connection, lines: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    ids = sorted({line["product_id"] for line in lines if line["product_id"] is not None})
    if not ids:
        return {}
    rows = connection.execute(select(PRODUCTS).where(PRODUCTS.c.id.in_(ids))).mappings()
    return {int(row["id"]): dict(row) for row in rows}


_BUILDERS = {
    PushKind.CUSTOMER: _customer,
    PushKind.PRODUCT: _product,
    PushKind.INVOICE: _invoice,
}
