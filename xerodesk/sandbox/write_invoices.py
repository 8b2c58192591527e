"""PUT/POST of invoices (ACCREC) and bills (ACCPAY).

- Matching (POST): ``InvoiceID``, else the ACCREC ``InvoiceNumber``; PUT
  creates, and refuses an ACCREC number in use ("Invoice # must be unique.").
- ACCREC numbers are automatic (``INV-0001`` style) when missing.
- The contact is linked by ``ContactID`` or ``ContactNumber`` (unknown ones
  are refused) or by ``Name`` (an unknown name creates the contact, as Xero
  does); new documents for ARCHIVED or GDPRREQUEST contacts are refused.
- Statuses: new invoices may be DRAFT (default), SUBMITTED or AUTHORISED;
  DRAFT/SUBMITTED may move to any of those or DELETED; AUTHORISED only to
  VOIDED, and only without payments or credits; PAID, VOIDED and DELETED
  invoices accept no financial change. An approved invoice with nothing to
  pay becomes PAID.
- Totals, tax, ``AmountDue`` are computed (``totals``); read-only fields sent
  by the client are ignored. An ACCREC invoice makes its contact a customer
  (an ACCPAY one a supplier) without bumping the contact's ``UpdatedDateUTC``.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

from xerodesk.sandbox import wire
from xerodesk.sandbox.collection import Entry
from xerodesk.sandbox.documents import refresh_document
from xerodesk.sandbox.fields import CONTACTS, INVOICES
from xerodesk.sandbox.invoice_lines import LineContext, build_lines
from xerodesk.sandbox.orgcore import OrgCore
from xerodesk.sandbox.records import INVOICE_ORDER, contact_ref, contact_shape, ordered, stamp
from xerodesk.sandbox.stock import move_stock, shortages, stock_changes
from xerodesk.sandbox.totals import EXCLUSIVE, canonical_line_amount_types
from xerodesk.sandbox.write_common import (
    Record,
    Result,
    WriteRequest,
    canonical_keys,
    echo,
    text,
    with_id,
)
from xerodesk.sandbox.write_contacts import active_named

CREATABLE = ("DRAFT", "SUBMITTED", "AUTHORISED")
TRANSITIONS = {
    "DRAFT": ("DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"),
    "SUBMITTED": ("DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"),
    "AUTHORISED": ("AUTHORISED", "VOIDED"),
    "PAID": ("PAID",),
}
FINANCIAL = ("LineItems", "Contact", "CurrencyCode", "CurrencyRate", "LineAmountTypes", "Date")
READ_ONLY = frozenset(
    {
        "SubTotal",
        "TotalTax",
        "Total",
        "TotalDiscount",
        "AmountDue",
        "AmountPaid",
        "AmountCredited",
        "Payments",
        "CreditNotes",
        "Prepayments",
        "Overpayments",
        "FullyPaidOnDate",
        "UpdatedDateUTC",
        "UpdatedDateUTCString",
        "HasErrors",
        "IsDiscounted",
        "HasAttachments",
        "Attachments",
        "DateString",
        "DueDateString",
        "StatusAttributeString",
        "ValidationErrors",
        "Warnings",
        "CISDeduction",
        "CISRate",
        "InvoiceID",
        "Type",
        "Contact",
        "LineItems",
    }
)
ARCHIVED = (
    "The contact with the specified contact details has been archived. The contact must be "
    "un-archived before creating new invoices or credit notes."
)
PAYMENT_LOCK = "This document cannot be edited as it has a payment or credit note allocated to it."
DATES = ("Date", "DueDate", "ExpectedPaymentDate", "PlannedPaymentDate")


def accrec_only(store: OrgCore) -> Callable[[Entry], bool]:
    """A filter of invoice entries to sales invoices (ACCREC numbers are unique)."""
    collection = store.collection(INVOICES)
    return lambda entry: collection.value(entry, "Type") == "ACCREC"


def _existing(store: OrgCore, data: Record, request: WriteRequest) -> tuple[Record | None, str]:
    if request.path_id:
        entry = store.collection(INVOICES).get(request.path_id) or store.collection(
            INVOICES
        ).find_number(request.path_id, accrec_only(store))
        return (entry.record() if entry else None), ""
    if request.create_only:
        return None, ""
    invoice_id = text(data.get("InvoiceID"))
    if invoice_id:
        found = store.record(INVOICES, invoice_id)
        return found, "" if found else f"Invoice with InvoiceID {invoice_id} could not be found."
    number = text(data.get("InvoiceNumber"))
    if number and text(data.get("Type")) in ("", "ACCREC"):
        entry = store.collection(INVOICES).find_number(number, accrec_only(store))
        if entry is not None:
            return entry.record(), ""
    return None, ""


class _Draft:
    """One element being checked, then turned into a saved invoice."""

    def __init__(
        self, store: OrgCore, data: Record, existing: Record | None, request: WriteRequest
    ) -> None:
        self.store = store
        self.request = request
        self.stock: dict[str, list[Decimal]] = {}
        self.data = data
        self.existing = existing
        self.errors: list[str] = []
        self.warnings: list[str] = []
        self.line_errors: dict[int, list[str]] = {}
        self.contact: Record | None = None
        self.new_contact = False
        self.lines: list[Record] | None = None
        self.dates: dict[str, datetime | None] = {}
        old = existing or {}
        self.type = text(old.get("Type")) or text(data.get("Type")).upper()
        self.status = text(data.get("Status")).upper() or text(old.get("Status")) or "DRAFT"

    @property
    def sales(self) -> bool:
        return self.type == "ACCREC"

    def check(self) -> None:
        if self.type not in ("ACCREC", "ACCPAY"):
            self.errors.append("Invoice Type must be specified as ACCREC or ACCPAY.")
            return
        self.check_status()
        self.check_contact()
        self.check_lines()
        self.check_currency_and_number()
        self.check_dates()
        self.check_stock()

    def check_stock(self) -> None:
        if self.errors:
            return
        lines = self.lines if self.lines is not None else (self.existing or {}).get("LineItems")
        after = {"Type": self.type, "Status": self.status, "LineItems": lines}
        self.stock = stock_changes(self.existing, after)
        if self.store.options.refuse_negative_stock and not self.request.allow_backorders:
            self.errors.extend(shortages(self.store, self.stock))

    def check_status(self) -> None:
        old = self.existing
        if old is None:
            if self.status not in CREATABLE:
                self.errors.append("Invoice not of valid status for creation")
            return
        before = str(old.get("Status"))
        paid = (wire.to_decimal(old.get("AmountPaid")) or 0) + (
            wire.to_decimal(old.get("AmountCredited")) or 0
        )
        financial = any(key in self.data for key in FINANCIAL)
        if self.status not in TRANSITIONS.get(before, ()):
            message = PAYMENT_LOCK if before == "AUTHORISED" and paid else None
            self.errors.append(message or "Invoice not of valid status for modification")
        elif before == "PAID" and financial:
            self.errors.append("Invoice not of valid status for modification")
        elif before == "AUTHORISED" and paid and (financial or self.status == "VOIDED"):
            self.errors.append(PAYMENT_LOCK)

    def check_contact(self) -> None:
        sent = self.data.get("Contact")
        if sent is None and self.existing is not None:
            contact_id = str((self.existing.get("Contact") or {}).get("ContactID", ""))
            self.contact = self.store.record(CONTACTS, contact_id)
            return
        if not isinstance(sent, dict) or not any(
            text(sent.get(k)) for k in ("ContactID", "ContactNumber", "Name")
        ):
            self.errors.append("A Contact must be specified for this type of transaction")
            return
        self.contact = self.find_contact(sent)
        if self.contact is not None and self.contact.get("ContactStatus") != "ACTIVE":
            self.errors.append(ARCHIVED)

    def find_contact(self, sent: Record) -> Record | None:
        contacts = self.store.collection(CONTACTS)
        for key in ("ContactID", "ContactNumber"):
            wanted = text(sent.get(key))
            if wanted:
                entry = contacts.get(wanted) if key == "ContactID" else contacts.find_number(wanted)
                if entry is None:
                    self.errors.append(f"The contact with {key} {wanted} could not be found.")
                    return None
                return entry.record()
        name = text(sent.get("Name"))
        match = active_named(self.store, name)
        if match is not None:
            return self.store.record(CONTACTS, match)
        self.new_contact = True
        return {"ContactID": self.store.new_id(), "Name": name, "ContactStatus": "ACTIVE"}

    def check_lines(self) -> None:
        line_types = canonical_line_amount_types(
            self.data.get("LineAmountTypes", (self.existing or {}).get("LineAmountTypes"))
        )
        if "LineAmountTypes" in self.data and line_types is None:
            self.errors.append("LineAmountTypes must be Exclusive, Inclusive or NoTax.")
        if "LineItems" not in self.data and self.existing is not None:
            return
        ctx = LineContext(self.store, self.sales, line_types or EXCLUSIVE, self.contact)
        old_lines = list((self.existing or {}).get("LineItems") or [])
        built = build_lines(ctx, self.data.get("LineItems", []), old_lines)
        self.lines = built.lines
        self.errors.extend(m for m in built.errors if m not in self.errors)
        self.line_errors = built.line_errors

    def check_currency_and_number(self) -> None:
        code = text(self.data.get("CurrencyCode")) or text(
            (self.existing or {}).get("CurrencyCode")
        )
        if code and code.upper() not in self.store.currency_codes():
            self.errors.append(f"The Currency {code} has not been set up in this organisation.")
        number = text(self.data.get("InvoiceNumber"))
        if not (self.sales and number):
            return
        entry = self.store.collection(INVOICES).find_number(number, accrec_only(self.store))
        own = str((self.existing or {}).get("InvoiceID", "")).lower()
        if entry is not None and entry.key != own:
            self.errors.append("Invoice # must be unique.")

    def check_dates(self) -> None:
        for name in DATES:
            if name in self.data and self.data[name] not in (None, ""):
                moment = wire.day_of(self.data[name])
                if moment is None:
                    self.errors.append(f"The {name} '{self.data[name]}' is not a valid date.")
                self.dates[name] = moment
            elif name in self.data:
                self.dates[name] = None

    def result(self) -> Result:
        if self.errors:
            return Result(
                echo=echo(
                    INVOICES,
                    with_id(INVOICES, self.data, self.existing),
                    self.errors,
                    self.line_errors,
                ),
                errors=self.errors,
                line_errors=self.line_errors,
            )
        return Result(echo=self.data, key=self.save(), warnings=self.warnings)

    def save(self) -> str:
        store, now = self.store, self.store.now()
        assert self.contact is not None
        if self.new_contact:
            self.contact = contact_shape(self.contact, now)
            stamp(self.contact, now, iso_string=False)
            store.save(CONTACTS, self.contact)
        record = self.assemble(now)
        reprice = self.lines is not None or "LineAmountTypes" in self.data
        record = refresh_document(INVOICES, record, now, store.rate_of, reprice=reprice)
        store.save(INVOICES, ordered(record, INVOICE_ORDER))
        move_stock(store, stock_changes(self.existing, record))
        self.mark_contact()
        return str(record["InvoiceID"])

    def assemble(self, now: datetime) -> Record:
        assert self.contact is not None
        record: Record = dict(
            self.existing or {"Type": self.type, "InvoiceID": self.store.new_id()}
        )
        for key, value in self.data.items():
            if key not in READ_ONLY and key not in DATES and key != "Status" and value is not None:
                record[key] = value
        record["Contact"] = contact_ref(self.contact)
        record["Status"] = self.status
        if self.lines is not None:
            record["LineItems"] = self.lines
        record["LineAmountTypes"] = (
            canonical_line_amount_types(record.get("LineAmountTypes")) or EXCLUSIVE
        )
        self.header_defaults(record, now)
        for name, moment in self.dates.items():
            record[name] = wire.ms_date(moment) if moment else None
        if record.get("SentToContact") and self.status not in ("AUTHORISED", "PAID"):
            record["SentToContact"] = False
            self.warnings.append(
                "Only AUTHORISED and PAID invoices may have SentToContact updated."
            )
        return {k: v for k, v in record.items() if v is not None}

    def header_defaults(self, record: Record, now: datetime) -> None:
        store = self.store
        if self.sales and not text(record.get("InvoiceNumber")):
            record["InvoiceNumber"] = store.next_number(INVOICES.name, "INV-", accrec_only(store))
        record.setdefault("InvoiceNumber", "")
        if self.sales:
            record.setdefault("Reference", "")
        code = (text(record.get("CurrencyCode")) or store.base_currency).upper()
        record["CurrencyCode"] = code
        if wire.to_decimal(record.get("CurrencyRate")) is None:
            record["CurrencyRate"] = store.currency_rate(code)
        for key in ("Payments", "CreditNotes", "Prepayments", "Overpayments"):
            record.setdefault(key, [])
        record.setdefault("SentToContact", False)
        if self.existing is None:
            issued = self.dates.get("Date") or wire.midnight(now.date())
            self.dates["Date"] = issued
            if "DueDate" not in self.dates:
                self.dates["DueDate"] = self.due_date(issued)

    def due_date(self, issued: datetime) -> datetime | None:
        side = "Sales" if self.sales else "Bills"
        for owner in (self.contact or {}, self.store.organisation):
            terms = (owner.get("PaymentTerms") or {}).get(side)
            if isinstance(terms, dict) and isinstance(terms.get("Day"), int):
                return due_from_terms(issued, int(terms["Day"]), str(terms.get("Type", "")))
        return None

    def mark_contact(self) -> None:
        assert self.contact is not None
        flag = "IsCustomer" if self.sales else "IsSupplier"
        contact = self.store.record(CONTACTS, str(self.contact["ContactID"]))
        if contact is not None and not contact.get(flag):
            contact[flag] = True
            self.store.save(CONTACTS, contact, announce=False)  # a flag, as set_contact_flags


def due_from_terms(issued: datetime, day: int, kind: str) -> datetime:
    """A due date from Xero payment terms (``Day`` and ``Type``)."""
    if kind == "DAYSAFTERBILLDATE":
        return issued + timedelta(days=day)
    month_end = issued.replace(day=calendar.monthrange(issued.year, issued.month)[1])
    if kind == "DAYSAFTERBILLMONTH":
        return month_end + timedelta(days=day)
    year, month = issued.year, issued.month
    if kind == "OFFOLLOWINGMONTH":
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    last = calendar.monthrange(year, month)[1]
    return issued.replace(year=year, month=month, day=min(max(day, 1), last))


def write_invoice(store: OrgCore, element: Record, request: WriteRequest) -> Result:
    data = canonical_keys(element, INVOICES)
    existing, problem = _existing(store, data, request)
    if problem:
        return Result(echo=echo(INVOICES, data, [problem], {}), errors=[problem])
    draft = _Draft(store, data, existing, request)
    draft.check()
    return draft.result()
