"""Deterministic generated organisations (``xerodesk sandbox --generate SIZE``).

``generate(size, seed)`` returns a ``Snapshot`` that ``OrgStore.load`` takes
directly; the same size, seed and anchor day always give the same
organisation, byte for byte.

Sizes (contacts / items / invoices / credit notes / purchase orders):

=========  ========  =====  ========  ============  ===============
size       contacts  items  invoices  credit notes  purchase orders
=========  ========  =====  ========  ============  ===============
demo             40     30       150            20               15
small           200    100     1,000           100               60
medium        2,000  1,000    20,000         2,000            1,000
large        10,000  5,000   100,000        10,000            5,000
=========  ========  =====  ========  ============  ===============

or counts such as ``contacts=5000,items=2000,invoices=100000`` (missing ones
take ``small``'s values).

The organisation is a UK wholesaler, base currency **GBP**, trading also in
EUR, USD, AUD and NZD, with a UK VAT rate set (standard, reduced, zero,
exempt, no VAT, reverse charge, capital, a compound import rate, a DELETED
and an ARCHIVED old rate). Contacts are customers, suppliers, both or
neither (``IsCustomer``/``IsSupplier`` follow their documents), some
archived, some merged (ARCHIVED with ``MergedToContactID``, their documents
moved to the survivor); they have contact persons, every phone type, POBOX
and STREET addresses, account numbers, discounts, websites and payment
terms. Items are tracked and untracked, sold and unsold, purchased and not.
Invoices and bills (ACCREC and ACCPAY) of 1 to 8 lines cover every status,
all three ``LineAmountTypes``, discounts, zero totals, part and full
payments and credit-note allocations; credit notes (ACCRECCREDIT and
ACCPAYCREDIT) and purchase orders cover every status too. Contact
``Balances`` are the sums of their documents as of the anchor day.

Documents are dated in the three years before the anchor day (by default
``DEFAULT_TODAY``, fixed so that output never depends on the clock; pass
``today`` to date the organisation around another day). Every
``UpdatedDateUTC`` is before the anchor day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from xerodesk.sandbox import wire
from xerodesk.sandbox.collection import Codec, Entry, Record, Snapshot
from xerodesk.sandbox.fields import KINDS
from xerodesk.sandbox.gen_contacts import make_contacts, make_items
from xerodesk.sandbox.gen_credits import credit_notes, purchase_orders
from xerodesk.sandbox.gen_documents import DocumentMaker
from xerodesk.sandbox.gen_parties import Dice, currencies, organisation, tax_rates
from xerodesk.sandbox.records import contact_shape

DEFAULT_TODAY = date(2026, 6, 30)


@dataclass(frozen=True)
class Counts:
    contacts: int
    items: int
    invoices: int
    credit_notes: int
    purchase_orders: int


SIZES = {
    "demo": Counts(40, 30, 150, 20, 15),
    "small": Counts(200, 100, 1_000, 100, 60),
    "medium": Counts(2_000, 1_000, 20_000, 2_000, 1_000),
    "large": Counts(10_000, 5_000, 100_000, 10_000, 5_000),
}


def parse_size(size: str) -> Counts:
    """A size name or ``name=count`` pairs; ValueError if neither."""
    text = size.strip().lower()
    if text in SIZES:
        return SIZES[text]
    values = dict(vars(SIZES["small"]))
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, number = part.partition("=")
        name = name.strip().replace("-", "_")
        if not sep or name not in values or not number.strip().isdigit():
            raise ValueError(
                f"bad size {size!r}: use demo, small, medium, large or counts like "
                "contacts=5000,items=2000,invoices=100000,credit_notes=5000,purchase_orders=3000"
            )
        values[name] = int(number)
    return Counts(**values)


def generate(size: str | Counts, seed: int, *, today: date | None = None) -> Snapshot:
    """The organisation for ``size`` and ``seed`` (see the module docs)."""
    counts = size if isinstance(size, Counts) else parse_size(size)
    anchor = wire.midnight(today or DEFAULT_TODAY)
    codec = Codec()
    collections: dict[str, list[Entry]] = {name: [] for name in KINDS}

    def emit(name: str, record: Record) -> None:
        collections[name].append(codec.encode(KINDS[name], record))

    org = organisation(Dice(seed, "organisation"), anchor)
    rates = tax_rates()
    for record in rates:
        emit("TaxRates", record)
    for record in currencies():
        emit("Currencies", record)
    parties = make_contacts(counts.contacts, seed, anchor)
    products, items = make_items(counts.items, seed, anchor)
    for record in items:
        emit("Items", record)
    effective = {str(r["TaxType"]): Decimal(r["EffectiveRate"]) for r in rates}
    maker = DocumentMaker(seed, anchor, parties, products, effective, emit)
    maker.invoices(counts.invoices, counts.credit_notes)
    allocated = len(collections["CreditNotes"])
    credit_notes(maker, max(0, counts.credit_notes - allocated))
    purchase_orders(maker, counts.purchase_orders)
    for party in parties:
        record = party.record
        record["IsCustomer"] = party.contact_id in maker.customers
        record["IsSupplier"] = party.contact_id in maker.suppliers
        balances = maker.tally.record(party.contact_id)
        if balances is not None:
            record["Balances"] = balances
        emit("Contacts", contact_shape(record, anchor))
    return Snapshot(org, collections, seed=seed)


def generated_at(snapshot: Snapshot) -> datetime | None:
    """The latest ``UpdatedDateUTC`` in a snapshot (None if it is empty)."""
    latest = max(
        (e.updated for entries in snapshot.collections.values() for e in entries), default=0
    )
    return wire.from_ms(latest) if latest else None
