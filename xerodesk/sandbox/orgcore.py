"""The core of the in-memory organisation: loading, lookups, saving.

``OrgCore`` holds one organisation (one tenant): the Organisation record and
the Contacts, Items, Invoices, CreditNotes, PurchaseOrders, TaxRates and
Currencies collections, stored compactly (see ``collection``). It is
thread-safe: every method takes the re-entrant ``lock``, which callers may
also hold around several calls. ``org.OrgStore`` adds the edits a user makes
in Xero; the API's writes live in the ``write_*`` modules.

Committed writes of contacts, invoices and credit notes are handed to the
change listeners (``add_change_listener``; the webhooks use them): a write
outside a transaction at once, a transaction's writes when it ends without
rolling back, one ``Change`` per record (see ``changes``).
"""

from __future__ import annotations

import random
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from xerodesk.sandbox import wire
from xerodesk.sandbox.balances import Share, add_to, credit_share, invoice_share
from xerodesk.sandbox.changes import Change, ChangeListener, change_of, coalesce
from xerodesk.sandbox.collection import Codec, Collection, Entry, Record, Snapshot
from xerodesk.sandbox.fields import CONTACTS, CREDIT_NOTES, INVOICES, KINDS, Kind, kind_named
from xerodesk.sandbox.gen_parties import RATES
from xerodesk.sandbox.idempotency import IdempotencyCache
from xerodesk.sandbox.loader import snapshot_from_data


@dataclass
class StoreOptions:
    """Behaviour where Xero's is uncertain; each default is the sandbox's best
    reading of the real API.

    - ``save_valid_on_error``: without ``summarizeErrors=false`` a batch with a
      bad element answers 400, yet Xero may still have saved the good
      elements (their ids are not returned). True models that; False makes
      such a batch all-or-nothing.
    - ``contact_upsert_by_name``: POST /Contacts without ContactID or
      ContactNumber updates the active contact of the same name.
    - ``list_deleted_tax_rates``: GET /TaxRates also lists DELETED rates.
    - ``refuse_negative_stock``: an approved sale that would take a tracked
      item below zero is refused unless the request sends
      ``allowBackorders=true``.
    """

    save_valid_on_error: bool = True
    contact_upsert_by_name: bool = True
    list_deleted_tax_rates: bool = True
    refuse_negative_stock: bool = True


class OrgCore:
    """One Xero organisation in memory; see the module documentation."""

    def __init__(self, now: Callable[[], datetime], *, options: StoreOptions | None = None) -> None:
        self._now = now
        self.lock = threading.RLock()
        self.options = options or StoreOptions()
        self.idempotency = IdempotencyCache(now)
        self.version = 0
        self._undo: list[Callable[[], None]] | None = None
        self._changes: list[Change] | None = None
        self._listeners: list[ChangeListener] = []
        self._snapshot = Snapshot({})
        self._org: Record = {}
        self._collections: dict[str, Collection] = {}
        self._codec = Codec()
        self._rng = random.Random(0)
        self._numbers: dict[str, int] = {}
        self._tax_cache: tuple[int, dict[str, Record]] = (-1, {})
        self.query_cache: OrderedDict[tuple[Any, ...], list[Entry]] = OrderedDict()
        from xerodesk.sandbox.generator import generate

        self.load(generate("contacts=0,items=0,invoices=0,credit_notes=0,purchase_orders=0", 0))

    # ------------------------------------------------------------------ load
    def now(self) -> datetime:
        return self._now()

    def load(self, data: Snapshot | Mapping[str, Any]) -> None:
        """Replace the organisation: a generated ``Snapshot`` or a dict in the
        ``--org FILE.json`` shape (records as the Xero API returns them)."""
        snapshot = data if isinstance(data, Snapshot) else snapshot_from_data(data, self._now())
        with self.lock:
            self._snapshot = snapshot
            self._install(snapshot)

    def reset(self) -> None:
        """Back to the organisation as last loaded or generated."""
        with self.lock:
            self._install(self._snapshot)

    def _install(self, snapshot: Snapshot) -> None:
        self._org = dict(snapshot.organisation)
        self._collections = {
            name: Collection(kind, snapshot.collections.get(name, ()))
            for name, kind in KINDS.items()
        }
        top = max((e.seq for c in self._collections.values() for e in c), default=0)
        self._codec = Codec(start=top)
        self._rng = random.Random(snapshot.seed)
        self._numbers = {}
        self.idempotency.clear()
        self.query_cache.clear()
        self._bump_version()

    def export(self) -> dict[str, Any]:
        """The organisation in the ``--org FILE.json`` shape (loadable again)."""
        with self.lock:
            result: dict[str, Any] = {"Organisation": dict(self._org)}
            for name, collection in self._collections.items():
                result[name] = [e.record() for e in collection.in_insertion_order()]
            return result

    # ------------------------------------------------------------ properties
    @property
    def tenant_id(self) -> str:
        return str(self._org.get("OrganisationID", ""))

    @property
    def organisation(self) -> Record:
        with self.lock:
            return dict(self._org)

    @property
    def base_currency(self) -> str:
        return str(self._org.get("BaseCurrency", "NZD"))

    def counts(self) -> dict[str, int]:
        with self.lock:
            return {name: len(c) for name, c in self._collections.items()}

    def collection(self, name: str | Kind) -> Collection:
        kind_name = name.name if isinstance(name, Kind) else kind_named(name).name
        return self._collections[kind_name]

    # ----------------------------------------------------------------- reads
    def record(self, name: str | Kind, key: str) -> Record | None:
        """The stored record with this key (a copy), or None."""
        with self.lock:
            entry = self.collection(name).get(key)
            return entry.record() if entry is not None else None

    def find(self, name: str | Kind, ident: str) -> Entry | None:
        """An entry by its key, or else by its number (ContactNumber, Code,
        InvoiceNumber, PurchaseOrderNumber)."""
        with self.lock:
            collection = self.collection(name)
            entry = collection.get(ident)
            if entry is None and collection.kind.number:
                entry = collection.find_number(ident)
            return entry

    def tax_rates(self) -> dict[str, Record]:
        """Tax rates by TaxType (cached until the next change)."""
        with self.lock:
            if self._tax_cache[0] != self.version:
                rates = {e.key: e.record() for e in self.collection("TaxRates")}
                self._tax_cache = (self.version, rates)
            return self._tax_cache[1]

    def rate_of(self, tax_type: str | None) -> Decimal:
        rate = self.tax_rates().get(tax_type or "")
        value = wire.to_decimal(rate.get("EffectiveRate")) if rate else None
        return value or Decimal(0)

    def currency_codes(self) -> set[str]:
        with self.lock:
            return {e.key for e in self.collection("Currencies")}

    def currency_rate(self, code: str) -> Decimal:
        """Units of ``code`` per unit of the base currency, as Xero would take
        from its daily rates when a document gives none (1 for the base)."""
        base = self.base_currency
        if code == base or code not in RATES or base not in RATES:
            return Decimal("1.000000")
        return wire.quantize(Decimal(RATES[code]) / Decimal(RATES[base]), 6)

    def default_tax_type(self, sales: bool) -> str:
        """The organisation's standard rate: the first active rate for revenue
        (or expenses) with a non-zero rate, else NONE."""
        flag = "CanApplyToRevenue" if sales else "CanApplyToExpenses"
        for tax_type, rate in self.tax_rates().items():
            effective = wire.to_decimal(rate.get("EffectiveRate")) or Decimal(0)
            if rate.get("Status") == "ACTIVE" and rate.get(flag) and effective > 0:
                return tax_type
        return "NONE"

    # ---------------------------------------------------------------- writes
    def new_id(self) -> str:
        with self.lock:
            return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def next_number(self, name: str, prefix: str, accept: Callable[[Entry], bool]) -> str:
        """The next automatic number (``INV-0001`` style) in a collection."""
        with self.lock:
            if name not in self._numbers:
                collection = self.collection(name)
                highest = 0
                for entry in collection:
                    number = collection.number_of(entry) or ""
                    if number.startswith(prefix) and number[len(prefix) :].isdigit():
                        highest = max(highest, int(number[len(prefix) :]))
                self._numbers[name] = highest
            collection = self.collection(name)
            while True:
                self._numbers[name] += 1
                candidate = f"{prefix}{self._numbers[name]:04d}"
                if collection.find_number(candidate, accept) is None:
                    return candidate

    def save(self, name: str | Kind, record: Record, *, announce: bool = True) -> Entry:
        """Store a record (new or replacing the one with the same key), keeping
        contact balances in step with invoices and credit notes.

        ``announce=False`` is for changes Xero makes without moving
        ``UpdatedDateUTC`` (balances, customer/supplier flags): the sandbox
        sends no webhook for them, so a webhook and a modified-since poll see
        the same changes. Xero documents neither way; it is the sandbox's
        choice."""
        with self.lock:
            collection = self.collection(name)
            old = collection.get(str(record[collection.kind.key]))
            entry = self._codec.encode(collection.kind, record, old.seq if old else None)
            self._replace(collection, entry.key, entry)
            if collection.kind in (INVOICES, CREDIT_NOTES):
                self._rebalance(collection, old, entry)
            if announce:
                self._note(collection.kind, record, old is None)
            return entry

    def add_change_listener(self, listener: ChangeListener) -> None:
        """Call ``listener`` with each commit's changes (under the lock: keep it short)."""
        with self.lock:
            self._listeners.append(listener)

    def _note(self, kind: Kind, record: Record, created: bool) -> None:
        change = change_of(kind.name, record, kind.key, created, self._now(), self.tenant_id)
        if change is None:
            return
        if self._changes is not None:
            self._changes.append(change)
        else:
            self._announce([change])

    def _announce(self, changes: list[Change]) -> None:
        if not changes:
            return
        merged = coalesce(changes)
        for listener in list(self._listeners):
            listener(merged)

    def delete(self, name: str | Kind, key: str) -> bool:
        with self.lock:
            collection = self.collection(name)
            entry = collection.get(key)
            if entry is None:
                return False
            self._replace(collection, entry.key, None)
            return True

    def _replace(self, collection: Collection, key: str, entry: Entry | None) -> None:
        old = collection.remove(key) if entry is None else collection.put(entry)
        if self._undo is not None:
            self._undo.append(lambda: self._restore(collection, key, old))
        self._bump_version()

    def _restore(self, collection: Collection, key: str, old: Entry | None) -> None:
        if old is None:
            collection.remove(key)
        else:
            collection.put(old)

    def _bump_version(self) -> None:
        self.version += 1
        self.query_cache.clear()

    @contextmanager
    def transaction(self) -> Iterator[Callable[[], None]]:
        """Hold the lock for a group of writes; the yielded function undoes
        every write made so far in the group."""
        with self.lock:
            outer, outer_changes = self._undo, self._changes
            log: list[Callable[[], None]] = []
            changes: list[Change] = []
            self._undo, self._changes = log, changes

            def rollback() -> None:
                for undo in reversed(log):
                    undo()
                log.clear()
                changes.clear()  # undone writes announce nothing
                self._bump_version()

            try:
                yield rollback
            finally:
                if outer is not None:
                    outer.extend(log)
                if outer_changes is not None:
                    outer_changes.extend(changes)
                self._undo, self._changes = outer, outer_changes
                if outer_changes is None:
                    self._announce(changes)

    # -------------------------------------------------------------- balances
    def share_of(self, collection: Collection, entry: Entry) -> tuple[str, Share]:
        """The contact an invoice or credit note belongs to and its share of
        that contact's balances today."""
        contact_id = collection.value(entry, "Contact.ContactID") or ""
        type_ = collection.value(entry, "Type")
        status = collection.value(entry, "Status")
        if collection.kind is CREDIT_NOTES:
            share = credit_share(type_, status, collection.value(entry, "RemainingCredit"))
        else:
            today = wire.midnight(self._now().date())
            share = invoice_share(
                type_,
                status,
                collection.value(entry, "AmountDue"),
                collection.value(entry, "DueDate"),
                today,
            )
        return str(contact_id), share

    def _rebalance(self, collection: Collection, old: Entry | None, new: Entry) -> None:
        for entry, sign in ((old, -1), (new, 1)):
            if entry is None:
                continue
            contact_id, share = self.share_of(collection, entry)
            if share.zero or not contact_id:
                continue
            contact = self.record(CONTACTS, contact_id)
            if contact is not None:
                contact["Balances"] = add_to(contact.get("Balances"), share, sign)
                self.save(CONTACTS, contact, announce=False)
