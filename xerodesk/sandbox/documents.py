"""Keeping an invoice, credit note or purchase order internally consistent
after a change: totals, amounts due, status side effects, date strings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from xerodesk.sandbox import wire
from xerodesk.sandbox.fields import CREDIT_NOTES, INVOICES, PURCHASE_ORDERS, Kind
from xerodesk.sandbox.records import date_fields, document_shape, stamp

Record = dict[str, Any]
ZERO = Decimal("0.00")

DATE_FIELDS: dict[str, tuple[str, ...]] = {
    INVOICES.name: ("Date", "DueDate", "ExpectedPaymentDate", "PlannedPaymentDate"),
    CREDIT_NOTES.name: ("Date", "DueDate"),
    PURCHASE_ORDERS.name: ("Date", "DeliveryDate", "ExpectedArrivalDate"),
}
CLOSED = ("VOIDED", "DELETED")


def _sum(items: Any, field: str) -> Decimal:
    total = ZERO
    for item in items if isinstance(items, list) else []:
        value = wire.to_decimal(item.get(field)) if isinstance(item, dict) else None
        total += value or ZERO
    return total


def settle_invoice(record: Record, today: datetime) -> None:
    """``AmountDue`` from the totals and payments; an approved invoice with
    nothing left to pay is PAID (zero-total invoices included)."""
    paid = wire.money(record.get("AmountPaid") or ZERO)
    credited = wire.money(record.get("AmountCredited") or ZERO)
    record["AmountPaid"] = paid
    record["AmountCredited"] = credited
    status = record.get("Status")
    if status in CLOSED:
        record["AmountDue"] = ZERO
        return
    due = wire.money(record["Total"] - paid - credited)
    record["AmountDue"] = due if due > 0 else ZERO
    if status == "AUTHORISED" and due <= 0:
        record["Status"] = "PAID"
    if record.get("Status") == "PAID":
        record["AmountDue"] = ZERO
        record.setdefault("FullyPaidOnDate", record.get("Date") or wire.ms_date(today))
    else:
        record.pop("FullyPaidOnDate", None)


def settle_credit_note(record: Record, today: datetime) -> None:
    """``RemainingCredit`` after allocations and refunds; a fully used,
    approved credit note is PAID."""
    status = record.get("Status")
    if status in CLOSED:
        record["RemainingCredit"] = ZERO
        return
    used = _sum(record.get("Allocations"), "Amount") + _sum(record.get("Payments"), "Amount")
    remaining = wire.money(record["Total"] - used)
    record["RemainingCredit"] = remaining if remaining > 0 else ZERO
    if status == "AUTHORISED" and remaining <= 0:
        record["Status"] = "PAID"
    if record.get("Status") == "PAID":
        record["RemainingCredit"] = ZERO
        record.setdefault("FullyPaidOnDate", record.get("Date") or wire.ms_date(today))


def refresh_document(
    kind: Kind,
    record: Record,
    now: datetime,
    rate_of: Callable[[str | None], Decimal],
    *,
    reprice: bool = True,
    bump: bool = True,
) -> Record:
    """The document made consistent; ``bump`` sets ``UpdatedDateUTC`` to now."""
    record = document_shape(record, now, rate_of, keep_totals=not reprice)
    date_fields(record, DATE_FIELDS[kind.name])
    today = wire.midnight(now.date())
    if kind is INVOICES:
        settle_invoice(record, today)
    elif kind is CREDIT_NOTES:
        record["ID"] = record["CreditNoteID"]
        settle_credit_note(record, today)
    if bump:
        stamp(record, now, iso_string=kind is not PURCHASE_ORDERS)
    return record
