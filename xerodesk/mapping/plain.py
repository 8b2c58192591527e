"""The fast reading of a plain record: every value of the kind Xero normally sends.

``Fields`` checks and names every field of a record through several calls a
value. Nearly every record Xero sends is plain: text within the columns'
limits, finite amounts in range, dates in one of Xero's forms. The document
mappers first read a record with the functions here, which make the same
checks inline and give the same values; at the first value that is not plain
they raise ``NotPlain``, and the mapper reads the record again through
``Fields``, which maps it or names what is wrong. So a record is never mapped
differently by the fast reading, only sooner. Pure, no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, TypeVar

from xerodesk.mapping.reader import AMOUNT_LIMIT, ID_MAX
from xerodesk.mapping.xero_dates import parse_xero_date, parse_xero_datetime

__all__ = ["NotPlain", "amount", "day", "home", "instant", "required_id", "text"]


class NotPlain(Exception):
    """A value the fast reading does not take: the record is read field by field."""


_NOT_PLAIN = NotPlain()
_LOW = -AMOUNT_LIMIT
_CENTS = Decimal("0.01")


def text(data: Mapping[str, Any], key: str, limit: int) -> str | None:
    """``Fields.text``: trimmed text of at most ``limit`` characters; blank → None."""
    value = data.get(key)
    if value is None:
        return None
    if type(value) is not str:
        raise _NOT_PLAIN
    value = value.strip()
    if not value:
        return None
    if len(value) > limit or "\x00" in value:
        raise _NOT_PLAIN
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise _NOT_PLAIN from None
    return value


def required_id(data: Mapping[str, Any], key: str) -> str:
    """``Fields.required_id``: a Xero id that is there."""
    value = text(data, key, ID_MAX)
    if value is None:
        raise _NOT_PLAIN
    return value


def amount(data: Mapping[str, Any], key: str) -> Decimal | None:
    """``Fields.amount``: an exact amount within ``Numeric(18, 4)``; missing → None."""
    value = data.get(key)
    if value is None:
        return None
    kind = type(value)
    if kind is Decimal:
        if value.is_finite() and _LOW < value < AMOUNT_LIMIT:
            return value  # type: ignore[no-any-return]
    elif kind is int and _LOW < value < AMOUNT_LIMIT:
        return Decimal(value)
    raise _NOT_PLAIN


def checked(value: Decimal) -> Decimal:
    """``Fields.check_amount``: ``value`` if the columns can hold it."""
    if _LOW < value < AMOUNT_LIMIT:
        return value
    raise _NOT_PLAIN


def home(value: Decimal, rate: Decimal | None) -> Decimal:
    """``documents.home_value``: ``value`` ÷ ``rate``, half-even to 2 places."""
    if rate is not None and rate != 1:
        value = checked(value / rate)
    return value.quantize(_CENTS, ROUND_HALF_EVEN)


def day(data: Mapping[str, Any], key: str) -> date | None:
    """``Fields.day``: a calendar date in any of Xero's forms; missing → None."""
    return _parsed(data, key, parse_xero_date)


def instant(data: Mapping[str, Any], key: str) -> datetime | None:
    """``Fields.instant``: an aware UTC instant in any of Xero's forms; missing → None."""
    return _parsed(data, key, parse_xero_datetime)


T = TypeVar("T")


def _parsed(data: Mapping[str, Any], key: str, parse: Callable[[str], T]) -> T | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    if type(value) is not str:
        raise _NOT_PLAIN
    try:
        return parse(value)
    except (ValueError, OverflowError):
        raise _NOT_PLAIN from None
