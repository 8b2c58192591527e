"""A Xero ACCREC invoice → a ``sales_order_header`` row and its ``sales_transaction`` rows.

Feature sheet, "Sales orders and invoices"; mapping rules, "Invoices and
credit notes". Only sales (ACCREC) invoices are imported: a bill (ACCPAY) is
refused with ``MalformedXeroRecordError``, since the pull should never have
asked for it. The engine fills the foreign keys (``sales_ledger_id`` from
``contact_id``, ``sales_order_header_id``, ``product_id`` from
``product_item_id``) and replaces a document's lines matched by
``xero_line_id``. Pure, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from types import MappingProxyType
from typing import Any, TypeVar

from xerodesk.domain.currency_codes import is_known_currency
from xerodesk.domain.values import OrderStatus, TransactionType
from xerodesk.domain.xero_codes import DocumentStatus, InvoiceType, LineAmountType
from xerodesk.mapping import plain
from xerodesk.mapping.documents import (
    PLAIN_LINE_KEYS,
    SMALLEST_RATE,
    contact_id_of,
    currency_rate_of,
    document_date,
    is_paid,
    line_amount_type_of,
    line_basics,
    plain_sales_lines,
    read_lines,
    sales_line_values,
    updated_at_of,
)
from xerodesk.mapping.plain import NotPlain
from xerodesk.mapping.reader import CODE_MAX, NAME_MAX, Fields, Row

__all__ = [
    "EXCLUDED_STATUSES",
    "LINE_COLUMNS",
    "ORDER_STATUS_BY_XERO_STATUS",
    "MappedInvoice",
    "map_invoice",
    "order_status_for",
]

# Sheet "Invoice status mapping": AUTHORISED and PAID → Invoice, DRAFT and
# SUBMITTED → Pending, DELETED and VOIDED flagged accordingly.
ORDER_STATUS_BY_XERO_STATUS: Mapping[DocumentStatus, OrderStatus] = MappingProxyType(
    {
        DocumentStatus.AUTHORISED: OrderStatus.INVOICE,
        DocumentStatus.PAID: OrderStatus.INVOICE,
        DocumentStatus.DRAFT: OrderStatus.PENDING,
        DocumentStatus.SUBMITTED: OrderStatus.PENDING,
        DocumentStatus.DELETED: OrderStatus.DELETED,
        DocumentStatus.VOIDED: OrderStatus.VOIDED,
    }
)
# Sheet "Invoice status mapping" / "Credit notes: Status and paid flag":
# deleted and voided documents are filtered out of reports.
EXCLUDED_STATUSES = frozenset({DocumentStatus.DELETED, DocumentStatus.VOIDED})


def order_status_for(status: DocumentStatus) -> OrderStatus:
    return ORDER_STATUS_BY_XERO_STATUS[status]


#: the columns of an invoice's line rows, in their order
LINE_COLUMNS = (
    "transaction_type",
    "document_number",
    "transaction_date",
    "xero_credit_note_id",
    *PLAIN_LINE_KEYS,
    "is_paid",
    "exclude_from_reports",
)


@dataclass(frozen=True)
class MappedInvoice:
    """One sales invoice: its header row, its line rows and the ids the engine links by.

    The lines are kept as the values of ``LINE_COLUMNS`` (``line_values``), the
    form they are written in; ``lines`` gives them as rows (column → value).
    """

    invoice_id: str
    invoice_number: str | None
    contact_id: str
    status: DocumentStatus
    updated_at: datetime
    header: Row
    line_values: tuple[tuple[Any, ...], ...]

    @cached_property
    def lines(self) -> tuple[Row, ...]:
        return tuple(dict(zip(LINE_COLUMNS, values, strict=True)) for values in self.line_values)


def map_invoice(record: Mapping[str, Any]) -> MappedInvoice:
    """Map one Xero invoice; raises ``MalformedXeroRecordError`` naming the bad field."""
    if type(record) is dict:
        try:
            return _plain_invoice(record)
        except NotPlain:
            pass  # read again field by field, which maps it or names what is wrong
    return _checked_invoice(record)


def _checked_invoice(record: Mapping[str, Any]) -> MappedInvoice:
    doc = Fields.of_record(record, "invoice", "InvoiceID", "InvoiceNumber")
    # Sheet "Sales invoices": all ACCREC invoices; bills are not imported.
    if doc.choice("Type", InvoiceType) is not InvoiceType.ACCREC:
        raise doc.fail("Type", "is ACCPAY: only sales invoices (ACCREC) are imported")
    invoice_id = doc.required_id("InvoiceID")
    header = _header(doc)
    lines = tuple(tuple(line[c] for c in LINE_COLUMNS) for line in _lines(doc, header))
    return MappedInvoice(
        invoice_id=invoice_id,
        invoice_number=header["order_number"],
        contact_id=header["xero_contact_id"],
        status=DocumentStatus(header["xero_status"]),
        updated_at=header["xero_updated_at"],
        header=header,
        line_values=lines,
    )


def _header(doc: Fields) -> Row:
    status = doc.choice("Status", DocumentStatus)
    total = doc.amount("Total")
    return {
        # Sheet "Sales invoices": linked by the Xero Invoice ID for re-imports.
        "xero_invoice_id": doc.required_id("InvoiceID"),
        "order_number": doc.text("InvoiceNumber", NAME_MAX),
        # Sheet "Invoice status mapping".
        "order_status": order_status_for(status).value,
        "xero_status": status.value,
        "exclude_from_reports": status in EXCLUDED_STATUSES,
        # Sheet "Due dates": invoice date and due date.
        "order_date": document_date(doc, "Date"),
        "due_date": document_date(doc, "DueDate"),
        # Sheet "Customer reference": Reference → customer_reference.
        "customer_reference": doc.text("Reference", NAME_MAX),
        "currency_code": doc.currency("CurrencyCode"),
        "currency_rate": currency_rate_of(doc),
        "line_amount_types": line_amount_type_of(doc).value,
        "net_total": doc.amount("SubTotal"),
        "tax_total": doc.amount("TotalTax"),
        "gross_total": total,
        "amount_paid": doc.amount("AmountPaid"),
        "amount_due": doc.amount("AmountDue"),
        # Sheet "Paid status and date": fully paid or zero total; FullyPaidOnDate.
        "is_paid": is_paid(status, total),
        "paid_date": doc.day("FullyPaidOnDate"),
        "xero_contact_id": contact_id_of(doc),
        "xero_updated_at": updated_at_of(doc),
    }


def _lines(doc: Fields, header: Row) -> list[Row]:
    # Sheet "Invoice lines": every Xero line becomes a Sales Transaction row.
    amount_type = line_amount_type_of(doc)
    rate = currency_rate_of(doc)
    rows = []
    for line in read_lines(doc):
        row: Row = {
            "transaction_type": TransactionType.INVOICE.value,
            "document_number": header["order_number"],
            "transaction_date": header["order_date"],
            "xero_credit_note_id": None,
            **line_basics(line),
            **sales_line_values(line, amount_type, rate),
            "is_paid": header["is_paid"],
            "exclude_from_reports": header["exclude_from_reports"],
        }
        rows.append(row)
    return rows


# --- the fast reading of a plain invoice (see ``mapping.plain``) ----------------

E = TypeVar("E", DocumentStatus, LineAmountType)

_STATUSES = {status.value: status for status in DocumentStatus}
_AMOUNT_TYPES = {kind.value: kind for kind in LineAmountType}
_INVOICE_LINE = TransactionType.INVOICE.value


def _plain_invoice(record: dict[str, Any]) -> MappedInvoice:
    """``_checked_invoice`` for a plain record; raises ``NotPlain`` at any other value."""
    if record.get("Type") != "ACCREC":
        raise NotPlain
    status = _choice(_STATUSES, record.get("Status"))
    invoice_id = plain.required_id(record, "InvoiceID")
    number = plain.text(record, "InvoiceNumber", NAME_MAX)
    total = plain.amount(record, "Total")
    paid = status is DocumentStatus.PAID or (total is not None and total == 0)
    excluded = status in EXCLUDED_STATUSES
    order_date = plain.day(record, "Date")
    if order_date is None:
        order_date = plain.day(record, "DateString")
    due_date = plain.day(record, "DueDate")
    if due_date is None:
        due_date = plain.day(record, "DueDateString")
    currency = plain.text(record, "CurrencyCode", CODE_MAX)
    if currency is not None and not is_known_currency(currency):
        raise NotPlain
    rate = plain.amount(record, "CurrencyRate")
    if rate is not None and rate < SMALLEST_RATE:
        if rate != 0:
            raise NotPlain
        rate = None
    amount_type = _plain_amount_type(record)
    contact = record.get("Contact")
    if type(contact) is not dict:
        raise NotPlain
    updated = plain.instant(record, "UpdatedDateUTC")
    if updated is None:
        updated = plain.instant(record, "UpdatedDateUTCString")
        if updated is None:
            raise NotPlain
    header: Row = {
        "xero_invoice_id": invoice_id,
        "order_number": number,
        "order_status": ORDER_STATUS_BY_XERO_STATUS[status].value,
        "xero_status": status.value,
        "exclude_from_reports": excluded,
        "order_date": order_date,
        "due_date": due_date,
        "customer_reference": plain.text(record, "Reference", NAME_MAX),
        "currency_code": currency,
        "currency_rate": rate,
        "line_amount_types": amount_type.value,
        "net_total": plain.amount(record, "SubTotal"),
        "tax_total": plain.amount(record, "TotalTax"),
        "gross_total": total,
        "amount_paid": plain.amount(record, "AmountPaid"),
        "amount_due": plain.amount(record, "AmountDue"),
        "is_paid": paid,
        "paid_date": plain.day(record, "FullyPaidOnDate"),
        "xero_contact_id": plain.required_id(contact, "ContactID"),
        "xero_updated_at": updated,
    }
    head = (_INVOICE_LINE, number, order_date, None)
    tail = (paid, excluded)
    lines = tuple(head + values + tail for values in plain_sales_lines(record, amount_type, rate))
    return MappedInvoice(
        invoice_id, number, header["xero_contact_id"], status, updated, header, lines
    )


def _plain_amount_type(record: Mapping[str, Any]) -> LineAmountType:
    value = record.get("LineAmountTypes")
    return LineAmountType.EXCLUSIVE if value is None else _choice(_AMOUNT_TYPES, value)


def _choice(members: Mapping[str, E], value: object) -> E:
    """The member Xero's exact spelling names (any other: read field by field)."""
    found = members.get(value) if type(value) is str else None
    if found is None:
        raise NotPlain
    return found
