"""A Xero ACCRECCREDIT credit note → ``sales_transaction`` rows of type ``C``.

Feature sheet, "Credit notes"; mapping rules, "Invoices and credit notes".
A credit note has no header row: its lines stand alone
(``sales_order_header_id`` NULL), carry the credit note's number and id, and
every value is negated so sums over ``sales_transaction`` net credits
against invoices. Negated are the quantity and every money value (net, tax,
gross, home net, home gross); ``unit_price`` and ``discount_rate`` keep their
sign, so quantity × price stays negative as the contract says. Supplier
credit notes (ACCPAYCREDIT) are refused. Pure, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from xerodesk.domain.values import TransactionType
from xerodesk.domain.xero_codes import CreditNoteType, DocumentStatus
from xerodesk.mapping.documents import (
    contact_id_of,
    currency_rate_of,
    document_date,
    is_paid,
    line_amount_type_of,
    line_basics,
    read_lines,
    sales_line_values,
    updated_at_of,
)
from xerodesk.mapping.invoices import EXCLUDED_STATUSES
from xerodesk.mapping.reader import NAME_MAX, Fields, Row

__all__ = ["NEGATED_COLUMNS", "MappedCreditNote", "map_credit_note"]

# Rules "Credit note lines": every value negated.
NEGATED_COLUMNS = (
    "quantity",
    "net_value",
    "tax_value",
    "gross_value",
    "home_net_value",
    "home_gross_value",
)


@dataclass(frozen=True)
class MappedCreditNote:
    """One customer credit note: its line rows and the ids the engine links by."""

    credit_note_id: str
    credit_note_number: str | None
    contact_id: str
    status: DocumentStatus
    updated_at: datetime
    is_paid: bool
    exclude_from_reports: bool
    lines: tuple[Row, ...]


def map_credit_note(record: Mapping[str, Any]) -> MappedCreditNote:
    """Map one Xero credit note; raises ``MalformedXeroRecordError`` naming the bad field."""
    doc = Fields.of_record(record, "credit note", "CreditNoteID", "CreditNoteNumber")
    # Sheet "ACCRECCREDIT credit notes": customer credit notes only.
    if doc.choice("Type", CreditNoteType) is not CreditNoteType.ACCRECCREDIT:
        raise doc.fail("Type", "is ACCPAYCREDIT: only customer credit notes are imported")
    credit_note_id = doc.required_id("CreditNoteID")
    number = doc.text("CreditNoteNumber", NAME_MAX)
    status = doc.choice("Status", DocumentStatus)
    # Sheet "Status and paid flag": paid flagged; DELETED and VOIDED out of reports.
    paid = is_paid(status, doc.amount("Total"))
    excluded = status in EXCLUDED_STATUSES
    shared: Row = {
        "sales_order_header_id": None,
        "transaction_type": TransactionType.CREDIT.value,
        "document_number": number,
        "transaction_date": document_date(doc, "Date"),
        "xero_credit_note_id": credit_note_id,
    }
    amount_type = line_amount_type_of(doc)
    rate = currency_rate_of(doc)
    lines = tuple(
        {
            **shared,
            **_negated({**line_basics(line), **sales_line_values(line, amount_type, rate)}),
            "is_paid": paid,
            "exclude_from_reports": excluded,
        }
        for line in read_lines(doc)
    )
    return MappedCreditNote(
        credit_note_id=credit_note_id,
        credit_note_number=number,
        contact_id=contact_id_of(doc),
        status=status,
        updated_at=updated_at_of(doc),
        is_paid=paid,
        exclude_from_reports=excluded,
        lines=lines,
    )


def _negated(row: Row) -> Row:
    # Sheet "ACCRECCREDIT credit notes": negative amounts, so credits net against invoices.
    for column in NEGATED_COLUMNS:
        value = row[column]
        if isinstance(value, Decimal) and value:
            row[column] = -value  # zero stays 0, not -0
    return row
