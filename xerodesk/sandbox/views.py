"""How a stored record looks in each kind of response.

Xero returns different shapes of the same record depending on how it was
asked for:

- ``LIST``: a collection GET without ``page``. Invoices and credit notes carry
  a trimmed contact and empty ``LineItems``; contacts lack
  ``MergedToContactID`` and the default line amount types.
- ``PAGE``: a collection GET with ``page``. Lines and those contact fields
  are included; documents still embed the trimmed contact.
- ``SINGLE``: a GET by id or number, and ``WRITE``: a PUT/POST result. The
  document embeds the full current contact.

``summaryOnly=true`` drops the expensive parts (contact balances, document
lines and payments); ``unitdp=4`` shows unit prices with 4 places instead of 2.
Purchase orders always carry their lines and a fuller contact, and show unit
amounts with 4 places, as in Xero's examples.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any

from xerodesk.sandbox import wire
from xerodesk.sandbox.collection import Entry, Record
from xerodesk.sandbox.fields import CONTACTS, CREDIT_NOTES, INVOICES, ITEMS, PURCHASE_ORDERS, Kind

if TYPE_CHECKING:
    from xerodesk.sandbox.orgcore import OrgCore


class Mode(Enum):
    LIST = "list"
    PAGE = "page"
    SINGLE = "single"
    WRITE = "write"


@dataclass(frozen=True)
class View:
    mode: Mode
    summary_only: bool = False
    unit_places: int = 2


PAGED_ONLY = ("MergedToContactID", "SalesDefaultLineAmountType", "PurchasesDefaultLineAmountType")
SUMMARY_DROPS = ("Balances", "BatchPayments", "Attachments", "BrandingTheme")
EMBED_DROPS = (
    "Balances",
    "SalesDefaultLineAmountType",
    "PurchasesDefaultLineAmountType",
    "MergedToContactID",
    "PaymentTerms",
    "BatchPayments",
    "Attachments",
    "HasAttachments",
    "Discount",
    "Website",
    "BrandingTheme",
)
DOCUMENT_SUMMARY_DROPS = ("Payments", "CreditNotes", "Prepayments", "Overpayments", "Attachments")


def _unit_places(value: Any, places: int) -> Any:
    return wire.quantize(value, places) if isinstance(value, Decimal) else value


class Renderer:
    """Renders entries of one store for one view, caching embedded contacts."""

    def __init__(self, store: OrgCore, view: View) -> None:
        self.store = store
        self.view = view
        self._contacts: dict[str, Record | None] = {}

    def render(self, kind: Kind, entry: Entry) -> Record:
        record = entry.record()
        if kind is CONTACTS:
            return self.contact(record)
        if kind is ITEMS:
            return self.item(record)
        if kind in (INVOICES, CREDIT_NOTES, PURCHASE_ORDERS):
            return self.document(kind, record)
        return record

    def contact(self, record: Record) -> Record:
        drops: tuple[str, ...] = ()
        if self.view.mode is Mode.LIST:
            drops = PAGED_ONLY[:1] if self.view.summary_only else PAGED_ONLY
        if self.view.summary_only:
            drops += SUMMARY_DROPS
        return {k: v for k, v in record.items() if k not in drops}

    def item(self, record: Record) -> Record:
        for block in ("SalesDetails", "PurchaseDetails"):
            details = record.get(block)
            if isinstance(details, dict) and "UnitPrice" in details:
                details["UnitPrice"] = _unit_places(details["UnitPrice"], self.view.unit_places)
        return record

    def document(self, kind: Kind, record: Record) -> Record:
        listed = self.view.mode in (Mode.LIST, Mode.PAGE)
        contact_id = str((record.get("Contact") or {}).get("ContactID", ""))
        if kind is PURCHASE_ORDERS or not listed:
            record["Contact"] = self.full_contact(contact_id, record.get("Contact"))
        else:
            record["Contact"] = self.summary_contact(contact_id, record.get("Contact"))
        if kind is not PURCHASE_ORDERS and (self.view.mode is Mode.LIST or self.view.summary_only):
            record["LineItems"] = []
        places = 4 if kind is PURCHASE_ORDERS else self.view.unit_places
        for line in record.get("LineItems") or []:
            if isinstance(line, dict) and "UnitAmount" in line:
                line["UnitAmount"] = _unit_places(line["UnitAmount"], places)
        if self.view.summary_only:
            for key in DOCUMENT_SUMMARY_DROPS:
                record.pop(key, None)
        return record

    def summary_contact(self, contact_id: str, stored: Any) -> Record:
        collection = self.store.collection(CONTACTS)
        entry = collection.get(contact_id) if contact_id else None
        name = collection.value(entry, "Name") if entry is not None else None
        if name is None and isinstance(stored, dict):
            name = stored.get("Name")
        summary: Record = {"ContactID": contact_id}
        if name:
            summary["Name"] = name
        summary.update(
            Addresses=[], Phones=[], ContactGroups=[], ContactPersons=[], HasValidationErrors=False
        )
        return summary

    def full_contact(self, contact_id: str, stored: Any) -> Record:
        if contact_id not in self._contacts:
            self._contacts[contact_id] = (
                self.store.record(CONTACTS, contact_id) if contact_id else None
            )
        contact = self._contacts[contact_id]
        if contact is None:
            return self.summary_contact(contact_id, stored)
        return {k: v for k, v in contact.items() if k not in EMBED_DROPS}
