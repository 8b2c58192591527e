"""The shape Xero gives each record: defaults, derived fields and key order.

Used when an organisation is loaded (records as the API returns them, so
given values are kept) and when the API or a control endpoint writes one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from xerodesk.sandbox import wire
from xerodesk.sandbox.totals import EXCLUSIVE, canonical_line_amount_types, price_document

Record = dict[str, Any]

ADDRESS_TYPES = ("STREET", "POBOX")
PHONE_TYPES = ("DDI", "DEFAULT", "FAX", "MOBILE")
RESPONSE_ONLY = ("StatusAttributeString", "ValidationErrors", "Warnings")

CONTACT_ORDER = (
    "ContactID",
    "MergedToContactID",
    "ContactNumber",
    "AccountNumber",
    "ContactStatus",
    "Name",
    "FirstName",
    "LastName",
    "CompanyNumber",
    "EmailAddress",
    "BankAccountDetails",
    "TaxNumber",
    "TaxNumberType",
    "AccountsReceivableTaxType",
    "AccountsPayableTaxType",
    "Addresses",
    "Phones",
    "UpdatedDateUTC",
    "ContactGroups",
    "IsSupplier",
    "IsCustomer",
    "SalesDefaultLineAmountType",
    "PurchasesDefaultLineAmountType",
    "DefaultCurrency",
    "Discount",
    "Website",
)
ITEM_ORDER = (
    "ItemID",
    "Code",
    "Description",
    "PurchaseDescription",
    "UpdatedDateUTC",
    "PurchaseDetails",
    "SalesDetails",
    "Name",
    "IsTrackedAsInventory",
    "InventoryAssetAccountCode",
    "TotalCostPool",
    "QuantityOnHand",
    "IsSold",
    "IsPurchased",
)
INVOICE_ORDER = (
    "Type",
    "InvoiceID",
    "InvoiceNumber",
    "Reference",
    "Payments",
    "CreditNotes",
    "Prepayments",
    "Overpayments",
    "AmountDue",
    "AmountPaid",
    "AmountCredited",
    "SentToContact",
    "CurrencyRate",
    "HasErrors",
    "IsDiscounted",
    "HasAttachments",
    "Contact",
    "DateString",
    "Date",
    "DueDateString",
    "DueDate",
    "Status",
    "LineAmountTypes",
    "LineItems",
    "SubTotal",
    "TotalTax",
    "Total",
    "TotalDiscount",
    "UpdatedDateUTC",
    "UpdatedDateUTCString",
    "CurrencyCode",
    "FullyPaidOnDate",
)
LINE_ORDER = (
    "ItemCode",
    "Description",
    "UnitAmount",
    "TaxType",
    "TaxAmount",
    "LineAmount",
    "AccountCode",
    "Item",
    "Tracking",
    "Quantity",
    "DiscountRate",
    "DiscountAmount",
    "LineItemID",
)


def ordered(record: Record, keys: Iterable[str]) -> Record:
    """``record`` with ``keys`` first (those present), then the others."""
    result = {key: record[key] for key in keys if key in record}
    result.update((key, value) for key, value in record.items() if key not in result)
    return result


def empty_address(address_type: str) -> Record:
    return {"AddressType": address_type, "City": "", "Region": "", "PostalCode": "", "Country": ""}


def empty_phone(phone_type: str) -> Record:
    return {"PhoneType": phone_type, "PhoneNumber": "", "PhoneAreaCode": "", "PhoneCountryCode": ""}


def complete_slots(
    given: Any, type_key: str, types: tuple[str, ...], empty: Callable[[str], Record]
) -> list[Record]:
    """Every slot type once (Xero always returns them all), given ones kept."""
    slots = [dict(x) for x in given if isinstance(x, dict)] if isinstance(given, list) else []
    present = {slot.get(type_key) for slot in slots}
    slots.extend(empty(t) for t in types if t not in present)
    return slots


def merge_slots(
    old: list[Record],
    new: Any,
    type_key: str,
    types: tuple[str, ...],
    empty: Callable[[str], Record],
) -> list[Record]:
    """Slots sent on an update replace the slot of the same type."""
    by_type = {slot.get(type_key): dict(slot) for slot in old}
    for slot in new if isinstance(new, list) else []:
        if isinstance(slot, dict) and slot.get(type_key) in types:
            base = empty(str(slot[type_key]))
            base.update(slot)
            by_type[slot[type_key]] = base
    return complete_slots(list(by_type.values()), type_key, types, empty)


def contact_shape(record: Record, now: datetime) -> Record:
    """A contact as Xero returns it: both addresses, all four phones…"""
    record = {k: v for k, v in record.items() if k not in RESPONSE_ONLY}
    record.setdefault("ContactStatus", "ACTIVE")
    record["Addresses"] = complete_slots(
        record.get("Addresses"), "AddressType", ADDRESS_TYPES, empty_address
    )
    record["Phones"] = complete_slots(record.get("Phones"), "PhoneType", PHONE_TYPES, empty_phone)
    record.setdefault("UpdatedDateUTC", wire.ms_date(now))
    record.setdefault("ContactGroups", [])
    record.setdefault("IsSupplier", False)
    record.setdefault("IsCustomer", False)
    record.setdefault("ContactPersons", [])
    record.setdefault("HasAttachments", False)
    record.setdefault("HasValidationErrors", False)
    return ordered(record, CONTACT_ORDER)


def item_shape(record: Record, now: datetime) -> Record:
    """An item as Xero returns it: unused detail blocks ``{}``, tracked flag."""
    record = {k: v for k, v in record.items() if k not in RESPONSE_ONLY}
    for block in ("PurchaseDetails", "SalesDetails"):
        if not isinstance(record.get(block), dict):
            record[block] = {}
    record.setdefault("IsSold", True)
    record.setdefault("IsPurchased", True)
    if record["IsSold"] is False:
        record.pop("Description", None)
        record["SalesDetails"] = {}
    if record["IsPurchased"] is False:
        record.pop("PurchaseDescription", None)
        record["PurchaseDetails"] = {}
    tracked = bool(
        record.get("InventoryAssetAccountCode") and record["PurchaseDetails"].get("COGSAccountCode")
    )
    record["IsTrackedAsInventory"] = tracked
    if tracked:
        record.setdefault("QuantityOnHand", Decimal("0.0000"))
        record.setdefault("TotalCostPool", Decimal("0.00"))
    else:
        for key in ("QuantityOnHand", "TotalCostPool"):
            record.pop(key, None)
    record.setdefault("UpdatedDateUTC", wire.ms_date(now))
    return ordered(record, ITEM_ORDER)


def contact_ref(contact: Record) -> Record:
    """How a document stores its contact: the id (and the name as a fallback)."""
    ref = {"ContactID": contact.get("ContactID", "")}
    if contact.get("Name"):
        ref["Name"] = contact["Name"]
    return ref


def date_fields(record: Record, fields: Iterable[str]) -> None:
    """Write ``Date`` and its ``DateString`` twin (Xero sends both) in place."""
    for name in fields:
        moment = wire.day_of(record.get(name))
        if moment is None:
            record.pop(name, None)
            record.pop(f"{name}String", None)
            continue
        record[name] = wire.ms_date(moment)
        record[f"{name}String"] = wire.date_string(moment)


def stamp(record: Record, moment: datetime, iso_string: bool) -> None:
    record["UpdatedDateUTC"] = wire.ms_date(moment)
    if iso_string:
        record["UpdatedDateUTCString"] = wire.iso_z(moment)


def document_shape(
    record: Record,
    now: datetime,
    rate_of: Callable[[str | None], Decimal],
    *,
    keep_totals: bool,
) -> Record:
    """Common fields of invoices, credit notes and purchase orders; totals are
    computed from the lines unless ``keep_totals`` and already present."""
    record = {k: v for k, v in record.items() if k not in RESPONSE_ONLY}
    record["LineAmountTypes"] = (
        canonical_line_amount_types(record.get("LineAmountTypes")) or EXCLUSIVE
    )
    lines = [dict(line) for line in record.get("LineItems") or [] if isinstance(line, dict)]
    for line in lines:
        line.setdefault("Tracking", [])
    record["LineItems"] = lines
    if not (keep_totals and "Total" in record):
        totals = price_document(lines, record["LineAmountTypes"], rate_of)
        record.update(SubTotal=totals.sub_total, TotalTax=totals.total_tax, Total=totals.total)
        record["IsDiscounted"] = totals.discounted
        if totals.discounted:
            record["TotalDiscount"] = totals.total_discount
    record["LineItems"] = [ordered(line, LINE_ORDER) for line in lines]
    record.setdefault("HasAttachments", False)
    record.setdefault("HasErrors", False)
    record.setdefault("IsDiscounted", False)
    if not record.get("UpdatedDateUTC"):
        stamp(record, now, iso_string=False)
    return record


def derive_strings(record: Record, date_names: Iterable[str], iso_string: bool) -> None:
    """Fill missing ``DateString``-style twins and ``UpdatedDateUTCString``."""
    for name in date_names:
        moment = wire.parse_date(record.get(name)) if isinstance(record.get(name), str) else None
        if moment is not None and f"{name}String" not in record:
            record[f"{name}String"] = wire.date_string(moment)
    updated = record.get("UpdatedDateUTC")
    moment = wire.parse_date(updated) if isinstance(updated, str) else None
    if iso_string and moment is not None and "UpdatedDateUTCString" not in record:
        record["UpdatedDateUTCString"] = wire.iso_z(moment)
