"""Compact storage of one Xero collection.

A record is kept as an immutable ``Entry``: its stored JSON (zlib-compressed
bytes, so 100,000 invoices with their lines fit in tens of megabytes), its
``UpdatedDateUTC`` in milliseconds, and a small tuple of typed "index" fields
(status, type, contact, dates, amounts…) that filters and sorts read without
decoding the JSON. Entries never change; an edit replaces the entry, so a
snapshot taken for ``reset()`` shares them at no cost.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from xerodesk.sandbox import wire
from xerodesk.sandbox.fields import CONTACTS, FieldType, Kind

Record = dict[str, Any]

# Keys and common values every record repeats: a preset dictionary makes
# zlib effective on records of one or two kilobytes.
_ZDICT = (
    b'"ValidationErrors":[],"Tracking":[],"LineItemID":"","Quantity":1.0000,'
    b'"UnitAmount":,"TaxType":"OUTPUT2","TaxAmount":0.00,"LineAmount":,"AccountCode":"200",'
    b'"Item":{"ItemID":"","Code":"","Name":""},"ItemCode":"","Description":"",'
    b'"Payments":[],"CreditNotes":[],"Prepayments":[],"Overpayments":[],"AmountDue":0.00,'
    b'"AmountPaid":0.00,"AmountCredited":0.00,"SentToContact":false,"CurrencyRate":1.000000,'
    b'"HasErrors":false,"IsDiscounted":false,"HasAttachments":false,"Contact":{"ContactID":"",'
    b'"Name":""},"DateString":"T00:00:00","Date":"/Date(000+0000)/","DueDateString":'
    b'"T00:00:00","DueDate":"/Date(000+0000)/","Status":"AUTHORISED","PAID","DRAFT",'
    b'"LineAmountTypes":"Exclusive","LineItems":[],"SubTotal":,"TotalTax":,"Total":,'
    b'"UpdatedDateUTC":"/Date(+0000)/","UpdatedDateUTCString":"Z","CurrencyCode":"GBP",'
    b'"Type":"ACCREC","InvoiceID":"","InvoiceNumber":"INV-","Reference":"",'
    b'"PaymentID":"","HasAccount":false,"HasValidationErrors":false,'
    b'"PhoneType":"DEFAULT","PhoneNumber":"","PhoneAreaCode":"","PhoneCountryCode":"",'
    b'"AddressType":"POBOX","AddressLine1":"","City":"","Region":"","PostalCode":"",'
    b'"Country":"United Kingdom","AttentionTo":"","ContactStatus":"ACTIVE"'
)


def pack(record: Record) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15, 8, zlib.Z_DEFAULT_STRATEGY, _ZDICT)
    return compressor.compress(wire.dumps_bytes(record)) + compressor.flush()


def unpack(blob: bytes) -> Record:
    decompressor = zlib.decompressobj(-15, _ZDICT)
    data = decompressor.decompress(blob) + decompressor.flush()
    result = wire.loads(data)
    assert isinstance(result, dict)
    return result


def typed(ftype: FieldType | None, raw: Any) -> Any:
    """A stored JSON value as a comparable Python value for its field type."""
    if raw is None:
        return None
    if ftype is FieldType.DATE:
        return wire.parse_date(raw) if isinstance(raw, str) else None
    if ftype is FieldType.GUID:
        return str(raw).lower()
    if ftype is FieldType.NUMBER:
        return wire.to_decimal(raw)
    if ftype is FieldType.BOOL:
        return raw if isinstance(raw, bool) else None
    if ftype in (FieldType.STRING, None):
        if isinstance(raw, str):
            return raw
        return raw if isinstance(raw, bool | int | Decimal) else None
    return raw


def lookup(record: Record, path: str) -> Any:
    """The value at a dotted path of a record (None if any step is missing)."""
    value: Any = record
    for step in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(step)
    return value


class Entry:
    """One stored record: key, insertion order, updated time, index, blob."""

    __slots__ = ("blob", "index", "key", "seq", "updated")

    def __init__(self, key: str, seq: int, updated: int, index: tuple[Any, ...], blob: bytes):
        self.key = key
        self.seq = seq
        self.updated = updated
        self.index = index
        self.blob = blob

    def record(self) -> Record:
        return unpack(self.blob)


class Codec:
    """Turns records into entries (and back) for every collection, sharing the
    strings that repeat (statuses, contact ids, codes) between entries."""

    def __init__(self, start: int = 0) -> None:
        self._strings: dict[str, str] = {}
        self._seq = start

    def intern(self, value: Any) -> Any:
        if isinstance(value, str) and len(value) <= 40:
            return self._strings.setdefault(value, value)
        return value

    def next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def encode(self, kind: Kind, record: Record, seq: int | None = None) -> Entry:
        key = record.get(kind.key)
        if not isinstance(key, str) or not key:
            raise ValueError(f"{kind.name} record without {kind.key}")
        if kind.key.endswith("ID"):
            key = key.lower()
        updated_raw = record.get("UpdatedDateUTC")
        moment = wire.parse_date(updated_raw) if isinstance(updated_raw, str) else None
        updated = wire.to_ms(moment) if moment else 0
        index = tuple(self.intern(read(record)) for read in _readers(kind))
        return Entry(key, seq if seq is not None else self.next_seq(), updated, index, pack(record))


_READERS: dict[str, list[Callable[[Record], Any]]] = {}


def _readers(kind: Kind) -> list[Callable[[Record], Any]]:
    """One function per index field of ``kind`` reading it from a record."""
    readers = _READERS.get(kind.name)
    if readers is None:
        readers = [_reader(path, field_type(kind, path)) for path in kind.index]
        _READERS[kind.name] = readers
    return readers


def _reader(path: str, ftype: FieldType | None) -> Callable[[Record], Any]:
    head, _, rest = path.partition(".")
    if rest:
        return lambda record: typed(ftype, lookup(record, path))
    return lambda record: typed(ftype, record.get(head))


def field_type(kind: Kind, path: str) -> FieldType | None:
    head, _, rest = path.partition(".")
    ftype = kind.field_type(head)
    if rest and ftype is FieldType.CONTACT:
        return CONTACTS.field_type(rest.split(".")[0])
    return None if rest else ftype


@dataclass
class Snapshot:
    """A whole organisation as loaded or generated: what ``reset()`` returns to."""

    organisation: Record
    collections: dict[str, list[Entry]] = field(default_factory=dict)
    seed: int = 0


class Collection:
    """The live entries of one collection with lookups and a cached order."""

    def __init__(self, kind: Kind, entries: Iterable[Entry] = ()) -> None:
        self.kind = kind
        self._entries: dict[str, Entry] = {}
        self._numbers: dict[str, list[str]] = {}
        self._ordered: list[Entry] | None = None
        self._number_at = kind.index.index(kind.number) if kind.number in kind.index else None
        for entry in entries:
            self.put(entry)

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self._entries.values())

    def keys(self) -> list[str]:
        return list(self._entries)

    def get(self, key: str) -> Entry | None:
        return self._entries.get(key.lower() if self.kind.key.endswith("ID") else key)

    def value(self, entry: Entry, path: str) -> Any:
        """A field of an entry, from its index when kept there."""
        try:
            return entry.index[self.kind.index.index(path)]
        except ValueError:
            return typed(field_type(self.kind, path), lookup(entry.record(), path))

    def number_of(self, entry: Entry) -> str | None:
        if self._number_at is None:
            return None
        value = entry.index[self._number_at]
        return value if isinstance(value, str) and value else None

    def find_number(
        self, number: str, accept: Callable[[Entry], bool] | None = None
    ) -> Entry | None:
        """The entry whose number field equals ``number`` (case-insensitive),
        the oldest first, limited to entries ``accept`` allows."""
        for key in self._numbers.get(number.lower(), ()):
            entry = self._entries[key]
            if accept is None or accept(entry):
                return entry
        return None

    def put(self, entry: Entry) -> Entry | None:
        """Store ``entry`` (replacing one with the same key); returns the old one."""
        old = self._entries.get(entry.key)
        self._entries[entry.key] = entry
        old_number = self.number_of(old) if old is not None else None
        number = self.number_of(entry)
        if old_number != number:
            self._forget_number(old_number, entry.key)
            if number:
                self._numbers.setdefault(number.lower(), []).append(entry.key)
        self._ordered = None
        return old

    def remove(self, key: str) -> Entry | None:
        old = self._entries.pop(key, None)
        if old is not None:
            self._forget_number(self.number_of(old), key)
            self._ordered = None
        return old

    def _forget_number(self, number: str | None, key: str) -> None:
        if not number:
            return
        keys = self._numbers.get(number.lower())
        if keys and key in keys:
            keys.remove(key)
            if not keys:
                del self._numbers[number.lower()]

    def ordered(self) -> list[Entry]:
        """Every entry by ``UpdatedDateUTC`` then insertion: Xero's default
        order for paged lists, which moves when a record is edited."""
        if self._ordered is None:
            self._ordered = sorted(self._entries.values(), key=lambda e: (e.updated, e.seq))
        return self._ordered

    def in_insertion_order(self) -> list[Entry]:
        return sorted(self._entries.values(), key=lambda e: e.seq)


def updated_of(entry: Entry) -> datetime:
    return wire.from_ms(entry.updated)
