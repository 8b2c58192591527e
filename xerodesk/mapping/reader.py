"""Reading a Xero record field by field, naming the record when a field is wrong.

Every mapping module reads its record through ``Fields``: each accessor
checks the JSON type, parses dates and money (``Decimal``, never float),
refuses values the CRM's columns cannot hold (text longer than the column,
amounts beyond ``Numeric(18, 4)``, NUL characters, unpaired surrogates) and
raises ``MalformedXeroRecordError``, a ``MalformedRecordError`` whose text
names the entity, the record (id and name) and the field, e.g.
``Xero contact "Acme" (8138a266-…): Name is missing``. Pure, no I/O.
"""

from __future__ import annotations

import reprlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar

from xerodesk.domain.currency_codes import is_known_currency
from xerodesk.errors import MalformedRecordError
from xerodesk.mapping.money import MoneyError, parse_optional_money
from xerodesk.mapping.xero_dates import parse_optional_xero_date, parse_optional_xero_datetime

__all__ = [
    "AMOUNT_LIMIT",
    "CODE_MAX",
    "ID_MAX",
    "NAME_MAX",
    "TEXT_MAX",
    "Fields",
    "MalformedXeroRecordError",
    "RecordRef",
    "Row",
]

#: a CRM row: column name → value, ready for the store's bulk upsert
Row = dict[str, Any]

#: longest Xero id (``String(64)`` columns)
ID_MAX = 64
#: longest code: item codes, account codes, tax types, currency codes
CODE_MAX = 64
#: longest name-like text (``String(255)`` columns)
NAME_MAX = 255
#: longest free text (a ``TEXT`` column holds 65,535 bytes on MariaDB)
TEXT_MAX = 16_000
#: amounts and rates must stay below this (``Numeric(18, 4)``: 14 integer digits)
AMOUNT_LIMIT = Decimal(10) ** 14

E = TypeVar("E", bound=StrEnum)


def _printable(text: str, limit: int = 60) -> str:
    """Text safe to show in a message: escaped surrogates, no control characters."""
    safe = text.encode("utf-8", "backslashreplace").decode("utf-8")
    safe = "".join(ch if ch.isprintable() else "?" for ch in safe)
    return safe if len(safe) <= limit else safe[: limit - 1] + "…"


_REPR = reprlib.Repr()
_REPR.maxstring = 40
_REPR.maxother = 40
_REPR.maxlevel = 2


def _shown(value: object) -> str:
    """A short, printable picture of a bad value (never the whole of a huge one)."""
    try:
        return _printable(_REPR.repr(value), 60)
    except (ValueError, RecursionError):  # an int of more than 4,300 digits, a deep nest
        return f"<a {type(value).__name__} too large to show>"


@dataclass(frozen=True)
class RecordRef:
    """Which record a message is about: entity, Xero id and name (either may be unknown)."""

    entity: str
    record_id: str | None = None
    name: str | None = None

    def describe(self) -> str:
        parts = [f"Xero {self.entity}"]
        if self.name:
            parts.append(f'"{_printable(self.name)}"')
        if self.record_id:
            parts.append(f"({_printable(self.record_id)})" if self.name else self.record_id)
        elif not self.name:
            parts.append("(no id or name)")
        return " ".join(parts)


class MalformedXeroRecordError(MalformedRecordError):
    """A Xero record with a field that cannot be mapped; the text names both."""

    def __init__(self, ref: RecordRef, field: str, reason: str) -> None:
        super().__init__(f"{ref.describe()}: {field} {reason}")
        self.ref = ref
        self.field = field
        self.reason = reason


#: each choice's members by their case-folded value, made on first use
_FOLDED: dict[type[Any], dict[str, Any]] = {}


def _folded(kind: type[E]) -> dict[str, E]:
    members = _FOLDED.get(kind)
    if members is None:
        members = {}
        for member in kind:  # the first member wins, as a scan in order would
            members.setdefault(member.value.casefold(), member)
        _FOLDED[kind] = members
    return members


def _peek_text(record: Mapping[Any, Any], key: str | None) -> str | None:
    if key is None:
        return None
    value = record.get(key)
    return value if isinstance(value, str) and value.strip() else None


class Fields:
    """Typed, checked access to the fields of one JSON object of a Xero record."""

    __slots__ = ("_data", "_path", "ref")

    def __init__(self, data: Mapping[str, Any], ref: RecordRef, path: str = "") -> None:
        self._data = data
        self.ref = ref
        self._path = path

    @classmethod
    def of_record(
        cls, record: object, entity: str, id_key: str, name_key: str | None = None
    ) -> Fields:
        """The fields of a whole record; the id and name are read leniently for messages."""
        if not isinstance(record, Mapping):
            ref = RecordRef(entity)
            raise MalformedXeroRecordError(ref, "record", f"is not an object: {_shown(record)}")
        ref = RecordRef(entity, _peek_text(record, id_key), _peek_text(record, name_key))
        return cls(record, ref)

    # --- failures -------------------------------------------------------------

    def where(self, key: str) -> str:
        """The full name of a field, e.g. ``LineItems[2].LineAmount``."""
        return f"{self._path}{key}"

    def fail(self, key: str, reason: str) -> MalformedXeroRecordError:
        return MalformedXeroRecordError(self.ref, self.where(key), reason)

    def raw(self, key: str) -> Any:
        return self._data.get(key)

    def has(self, key: str) -> bool:
        """Whether ``key`` is present with a value other than null or ""."""
        value = self._data.get(key)
        return value is not None and value != ""

    # --- text -----------------------------------------------------------------

    def check_text(self, key: str, value: str, limit: int) -> str:
        """``value`` if a CRM text column of ``limit`` characters can hold it."""
        if "\x00" in value:
            raise self.fail(key, "contains a NUL character")
        if not value.isascii():  # ASCII always encodes; only the rest needs the check
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise self.fail(key, "is not valid Unicode text") from None
        if len(value) > limit:
            raise self.fail(key, f"is longer than {limit} characters ({len(value)})")
        return value

    def text(self, key: str, limit: int = NAME_MAX) -> str | None:
        """Trimmed text; missing, null or blank → None."""
        value = self._data.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.fail(key, f"is not text: {_shown(value)}")
        value = value.strip()
        if not value:
            return None
        if len(value) <= limit and value.isascii() and "\x00" not in value:
            return value  # what ``check_text`` passes, without the call
        return self.check_text(key, value, limit)

    def required_text(self, key: str, limit: int = NAME_MAX) -> str:
        value = self.text(key, limit)
        if value is None:
            raise self.fail(key, "is missing")
        return value

    def xero_id(self, key: str) -> str | None:
        return self.text(key, ID_MAX)

    def required_id(self, key: str) -> str:
        return self.required_text(key, ID_MAX)

    def currency(self, key: str) -> str | None:
        """An ISO currency code Xero knows; missing → None, unknown → malformed."""
        code = self.text(key, CODE_MAX)
        if code is not None and not is_known_currency(code):
            raise self.fail(key, f"is not a known currency code: {_shown(code)}")
        return code

    def choice(self, key: str, kind: type[E], default: E | None = None) -> E:
        """One of ``kind``'s values, in any letter case; missing → ``default``."""
        text = self.text(key, CODE_MAX)
        if text is None:
            if default is None:
                raise self.fail(key, "is missing")
            return default
        found: E | None = _folded(kind).get(text.casefold())
        if found is not None:
            return found
        names = ", ".join(member.value for member in kind)
        raise self.fail(key, f"is {_shown(text)}, not one of {names}")

    # --- numbers, flags and dates --------------------------------------------

    def check_amount(self, key: str, value: Decimal) -> Decimal:
        """``value`` if a ``Numeric(18, 4)`` column can hold it."""
        if abs(value) >= AMOUNT_LIMIT:
            raise self.fail(key, f"is too large: {_shown(value)}")
        return value

    def amount(self, key: str) -> Decimal | None:
        """An exact amount (money, quantity, rate or percentage); missing → None."""
        raw = self._data.get(key)
        if type(raw) is Decimal and raw.is_finite():  # what the client's decoder gives
            return raw if -AMOUNT_LIMIT < raw < AMOUNT_LIMIT else self.check_amount(key, raw)
        try:
            value = parse_optional_money(raw)
        except MoneyError:
            raise self.fail(key, f"is not a number: {_shown(self._data.get(key))}") from None
        return None if value is None else self.check_amount(key, value)

    def amount_or_zero(self, key: str) -> Decimal:
        value = self.amount(key)
        return Decimal("0.00") if value is None else value

    def flag(self, key: str, default: bool) -> bool:
        value = self._data.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.fail(key, f"is not true or false: {_shown(value)}")
        return value

    def day(self, key: str) -> date | None:
        """A calendar date in any of Xero's forms; missing → None."""
        value = self._data.get(key)
        try:
            return parse_optional_xero_date(value)
        except (ValueError, OverflowError):
            raise self.fail(key, f"is not a date: {_shown(value)}") from None

    def instant(self, key: str) -> datetime | None:
        """An aware UTC instant in any of Xero's forms; missing → None."""
        value = self._data.get(key)
        try:
            return parse_optional_xero_datetime(value)
        except (ValueError, OverflowError):
            raise self.fail(key, f"is not a date and time: {_shown(value)}") from None

    def required_instant(self, key: str) -> datetime:
        value = self.instant(key)
        if value is None:
            raise self.fail(key, "is missing")
        return value

    # --- nested objects -------------------------------------------------------

    def block(self, key: str) -> Fields | None:
        """A nested object (``{}`` allowed); missing or null → None."""
        value = self._data.get(key)
        if value is None:
            return None
        if not isinstance(value, Mapping):
            raise self.fail(key, f"is not an object: {_shown(value)}")
        return Fields(value, self.ref, f"{self.where(key)}.")

    def blocks(self, key: str) -> list[Fields]:
        """A list of nested objects; missing or null → []; null entries are skipped
        (Xero's own examples show ``Phones: [{…}, null, {…}]``)."""
        value = self._data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(key, f"is not a list: {_shown(value)}")
        result = []
        for index, item in enumerate(value):
            if item is None:
                continue
            if not isinstance(item, Mapping):
                raise self.fail(f"{key}[{index}]", f"is not an object: {_shown(item)}")
            result.append(Fields(item, self.ref, f"{self.where(key)}[{index}]."))
        return result
