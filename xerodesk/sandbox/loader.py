"""Turn an organisation file (``--org FILE.json``) into a ``Snapshot``.

The file holds records exactly as the Xero API returns them (the official
spec's example payloads load as they are). Loading is lenient: given values
are kept, missing defaults and derived fields are filled in, response-only
fields (``StatusAttributeString``, ``ValidationErrors``) are dropped, and a
contact that a document embeds but the file does not list is added.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from xerodesk.sandbox import wire
from xerodesk.sandbox.balances import Tally, credit_share, invoice_share
from xerodesk.sandbox.collection import Codec, Entry, Snapshot
from xerodesk.sandbox.fields import (
    CONTACTS,
    CREDIT_NOTES,
    CURRENCIES,
    INVOICES,
    ITEMS,
    PURCHASE_ORDERS,
    TAX_RATES,
    Kind,
)
from xerodesk.sandbox.records import (
    contact_ref,
    contact_shape,
    derive_strings,
    document_shape,
    item_shape,
    ordered,
)
from xerodesk.sandbox.totals import effective_rate

Record = dict[str, Any]

TAX_RATE_ORDER = (
    "Name",
    "TaxType",
    "ReportTaxType",
    "CanApplyToAssets",
    "CanApplyToEquity",
    "CanApplyToExpenses",
    "CanApplyToLiabilities",
    "CanApplyToRevenue",
    "DisplayTaxRate",
    "EffectiveRate",
    "Status",
    "TaxComponents",
)


def _records(data: Mapping[str, Any], key: str) -> list[Record]:
    value = data.get(key) or []
    if not isinstance(value, list):
        raise ValueError(f"{key} must be a list of records")
    return [dict(r) for r in value if isinstance(r, dict)]


def _organisation(data: Mapping[str, Any], ids: Callable[[], str]) -> Record:
    org = data.get("Organisation") or data.get("Organisations") or {}
    if isinstance(org, list):
        org = org[0] if org else {}
    if not isinstance(org, dict):
        raise ValueError("Organisation must be an object")
    org = dict(org)
    org.setdefault("OrganisationID", ids())
    org.setdefault("Name", "Sandbox Organisation")
    org.setdefault("BaseCurrency", "NZD")
    return org


def _tax_rate(record: Record) -> Record:
    components = record.get("TaxComponents")
    if not isinstance(components, list):
        components = record["TaxComponents"] = []
    if "EffectiveRate" not in record:
        record["EffectiveRate"] = effective_rate(components)
    record.setdefault("DisplayTaxRate", record["EffectiveRate"])
    record.setdefault("Status", "ACTIVE")
    return ordered(record, TAX_RATE_ORDER)


class _Loader:
    def __init__(self, data: Mapping[str, Any], now: datetime) -> None:
        self.data = wire.normalise(data)
        self.now = now
        self.codec = Codec()
        org_key = str(self.data.get("Organisation", {}))
        self.rng = random.Random(org_key)
        self.org = _organisation(self.data, self.new_id)
        self.rates: dict[str, Decimal] = {}
        self.contacts: dict[str, Record] = {}
        self.tally = Tally()

    def new_id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def rate_of(self, tax_type: str | None) -> Decimal:
        return self.rates.get(tax_type or "", Decimal(0))

    def build(self) -> Snapshot:
        tax_rates = [_tax_rate(r) for r in _records(self.data, "TaxRates")]
        self.rates = {str(r.get("TaxType")): Decimal(r["EffectiveRate"]) for r in tax_rates}
        for record in _records(self.data, "Contacts"):
            record.setdefault("ContactID", self.new_id())
            self.contacts[str(record["ContactID"]).lower()] = record
        collections: dict[str, list[Entry]] = {
            TAX_RATES.name: self.encode_all(TAX_RATES, tax_rates),
            CURRENCIES.name: self.encode_all(CURRENCIES, self.currencies()),
            ITEMS.name: self.encode_all(
                ITEMS, [self.item(r) for r in _records(self.data, "Items")]
            ),
        }
        for kind in (INVOICES, CREDIT_NOTES, PURCHASE_ORDERS):
            records = [self.document(kind, r) for r in _records(self.data, kind.name)]
            collections[kind.name] = self.encode_all(kind, records)
        contacts = [self.contact(r) for r in self.contacts.values()]
        collections[CONTACTS.name] = self.encode_all(CONTACTS, contacts)
        return Snapshot(self.org, collections, seed=self.rng.getrandbits(32))

    def encode_all(self, kind: Kind, records: list[Record]) -> list[Entry]:
        return [self.codec.encode(kind, record) for record in records]

    def currencies(self) -> list[Record]:
        records = _records(self.data, "Currencies")
        base = str(self.org["BaseCurrency"])
        if not any(r.get("Code") == base for r in records):
            records.insert(0, {"Code": base, "Description": base})
        return records

    def item(self, record: Record) -> Record:
        record.setdefault("ItemID", self.new_id())
        return item_shape(record, self.now)

    def contact(self, record: Record) -> Record:
        shaped = contact_shape(record, self.now)
        if "Balances" not in shaped:
            balances = self.tally.record(str(shaped["ContactID"]).lower())
            if balances is not None:
                shaped["Balances"] = balances
        return shaped

    def link_contact(self, embedded: Any) -> Record:
        if not isinstance(embedded, dict) or not embedded.get("ContactID"):
            embedded = {"ContactID": self.new_id(), "Name": "Unknown contact"}
        key = str(embedded["ContactID"]).lower()
        if key not in self.contacts:
            self.contacts[key] = dict(embedded)
        return contact_ref(self.contacts[key])

    def document(self, kind: Kind, record: Record) -> Record:
        record.setdefault(kind.key, self.new_id())
        record["Contact"] = self.link_contact(record.get("Contact"))
        record.setdefault("CurrencyCode", self.org["BaseCurrency"])
        record.setdefault("CurrencyRate", Decimal("1.000000"))
        record = document_shape(record, self.now, self.rate_of, keep_totals=True)
        if kind is INVOICES:
            self.invoice_defaults(record)
        elif kind is CREDIT_NOTES:
            self.credit_note_defaults(record)
        else:
            record.setdefault("Type", "PURCHASEORDER")
        derive_strings(record, ("Date", "DueDate", "DeliveryDate"), kind is not PURCHASE_ORDERS)
        return record

    def invoice_defaults(self, record: Record) -> None:
        for key in ("Payments", "CreditNotes", "Prepayments", "Overpayments"):
            record.setdefault(key, [])
        record.setdefault("Status", "DRAFT")
        paid = record.setdefault("AmountPaid", Decimal("0.00"))
        credited = record.setdefault("AmountCredited", Decimal("0.00"))
        record.setdefault("AmountDue", wire.money(record["Total"] - paid - credited))
        due = wire.day_of(record.get("DueDate"))
        share = invoice_share(
            record.get("Type"), record["Status"], record["AmountDue"], due, self.today()
        )
        self.tally.add(str(record["Contact"]["ContactID"]).lower(), share)

    def credit_note_defaults(self, record: Record) -> None:
        record.setdefault("ID", record["CreditNoteID"])
        record.setdefault("Payments", [])
        record.setdefault("Allocations", [])
        record.setdefault("Status", "DRAFT")
        record.setdefault("RemainingCredit", record["Total"])
        share = credit_share(record.get("Type"), record["Status"], record["RemainingCredit"])
        self.tally.add(str(record["Contact"]["ContactID"]).lower(), share)

    def today(self) -> datetime:
        return wire.midnight(self.now.date())


def snapshot_from_data(data: Mapping[str, Any], now: datetime) -> Snapshot:
    """A snapshot of the organisation described by ``data`` (see module doc)."""
    return _Loader(data, now).build()
