"""Xero's wire formats: ``/Date(ms+0000)/`` dates, ISO strings and Decimal JSON.

Money is ``Decimal`` everywhere inside the sandbox. On the wire Xero writes
numbers with a fixed number of places (``AmountDue: 0.00``, ``Quantity:
1.0000``, ``CurrencyRate: 1.000000``); ``dumps`` keeps a Decimal's exponent so
those places survive, and ``loads`` reads numbers back as Decimals.
"""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from email.utils import parsedate_to_datetime
from typing import Any

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_MS_DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{2,4})?\)/$")
_PLAIN_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# Places Xero prints for each numeric field; every other number is money (2).
PLACES: dict[str, int] = {
    "Quantity": 4,
    "QuantityOnHand": 4,
    "UnitAmount": 4,
    "UnitPrice": 4,
    "CurrencyRate": 6,
    "DisplayTaxRate": 4,
    "EffectiveRate": 4,
    "Rate": 4,
}
# Numeric fields that are Decimals even when written as JSON integers.
DECIMAL_FIELDS = frozenset(
    {
        *PLACES,
        "TaxAmount",
        "LineAmount",
        "DiscountRate",
        "DiscountAmount",
        "SubTotal",
        "TotalTax",
        "Total",
        "TotalDiscount",
        "AmountDue",
        "AmountPaid",
        "AmountCredited",
        "Amount",
        "BankAmount",
        "RemainingCredit",
        "AppliedAmount",
        "Outstanding",
        "Overdue",
        "Discount",
        "TotalCostPool",
        "CISDeduction",
        "CISRate",
    }
)
# Unit prices are kept to 4 places and shown with 2 unless ``unitdp=4``.
UNIT_FIELDS = frozenset({"UnitAmount", "UnitPrice"})

CENT = Decimal("0.01")


def to_ms(moment: datetime) -> int:
    """Milliseconds since the Unix epoch of an aware (or UTC-naive) datetime."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def from_ms(ms: int) -> datetime:
    return EPOCH + timedelta(milliseconds=ms)


def ms_date(moment: datetime) -> str:
    """``/Date(1539993600000+0000)/``: record dates and ``UpdatedDateUTC``."""
    return f"/Date({to_ms(moment)}+0000)/"


def ms_date_plain(moment: datetime) -> str:
    """``/Date(1552326816230)/``: the envelope's ``DateTimeUTC``."""
    return f"/Date({to_ms(moment)})/"


def iso_z(moment: datetime) -> str:
    """``2019-03-05T18:59:06Z``: ``UpdatedDateUTCString``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def date_string(moment: datetime) -> str:
    """``2018-10-20T00:00:00``: ``DateString`` and ``DueDateString``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def parse_ms_date(text: str) -> datetime | None:
    """Read ``/Date(ms)/`` or ``/Date(ms+hhmm)/``.

    The number is the instant; an offset names the local zone it was written
    in, so the result carries that zone (its ``date()`` is the local day).
    """
    match = _MS_DATE.match(text.strip())
    if not match:
        return None
    moment = from_ms(int(match.group(1)))
    offset = match.group(2)
    if offset:
        sign = -1 if offset[0] == "-" else 1
        digits = offset[1:].ljust(4, "0")
        zone = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
        moment = moment.astimezone(zone)
    return moment


def parse_date(value: Any) -> datetime | None:
    """A date as clients send it: ``2019-03-11``, ISO date-time or ``/Date(…)/``.

    Pure dates are midnight UTC; a date-time without a zone is taken as UTC.
    Returns None for anything unreadable.
    """
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.startswith("/Date("):
        if text.endswith("+0000)/") and text[6:-7].isdigit():
            return from_ms(int(text[6:-7]))
        return parse_ms_date(text)
    try:
        if _PLAIN_DATE.match(text):
            return midnight(date.fromisoformat(text))
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def day_of(value: Any) -> datetime | None:
    """``parse_date`` cut to the day, as Xero stores document dates."""
    moment = parse_date(value)
    if moment is None:
        return None
    return midnight(moment.date())


def parse_if_modified_since(header: str | None) -> datetime | None:
    """The ``If-Modified-Since`` header: ISO-8601 (with or without a zone and
    fractional seconds) or an RFC 1123 HTTP date; None when absent or unreadable."""
    if not header or not header.strip():
        return None
    moment = parse_date(header)
    if moment is None:
        try:
            moment = parsedate_to_datetime(header.strip())
        except (TypeError, ValueError, IndexError):
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def places_for(name: str) -> int:
    return PLACES.get(name, 2)


_EXPONENTS = {places: Decimal(1).scaleb(-places) for places in range(0, 9)}


def quantize(value: Decimal, places: int) -> Decimal:
    """Round half-up to ``places`` (Xero's rounding), never ``-0.00``."""
    result = value.quantize(_EXPONENTS[places], rounding=ROUND_HALF_UP)
    return result if result else abs(result)


def money(value: Decimal | int | str) -> Decimal:
    return quantize(Decimal(value), 2)


def to_decimal(value: Any) -> Decimal | None:
    """A JSON number (or numeric string) as a Decimal; None if not numeric."""
    if type(value) is Decimal:
        return value if value.is_finite() else None
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float):
        value = repr(value)
    try:
        result = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None
    return result if result.is_finite() else None


def normalise(value: Any, name: str = "") -> Any:
    """Deep copy of client or file JSON with Xero's number rules applied.

    Floats and integers in money fields become Decimals with the field's places
    (``UnitAmount``/``UnitPrice`` keep up to 4); NUL characters are dropped from
    strings (they never reach Xero and would confuse the encoder).
    """
    if isinstance(value, Mapping):
        return {str(k): normalise(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v, name) for v in value]
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float) or (isinstance(value, int | Decimal) and name in DECIMAL_FIELDS):
        number = to_decimal(value)
        return None if number is None else quantize(number, places_for(name))
    return value


# A Decimal is first encoded as the string "\x00<digits>\x00"; the pattern
# then swaps it for the bare digits. Only a structural quote (after ``:``,
# ``,`` or ``[``) can open such a string, so text inside strings never matches.
_NUMBER = re.compile(r'(?<=[:,\[])"\\u0000(-?[0-9.]+)\\u0000"')
_FIRST = operator.itemgetter(1)


def _encode_extra(value: Any) -> str:
    if isinstance(value, Decimal):
        return "\x00" + format(value, "f") + "\x00"
    if isinstance(value, datetime):
        return ms_date(value)
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")


def dumps(value: Any) -> str:
    """Compact JSON with Decimals written as numbers that keep their places."""
    text = json.dumps(value, default=_encode_extra, ensure_ascii=False, separators=(",", ":"))
    if "\\u0000" not in text:
        return text
    if "\\\\u0000" in text:  # a string holding a literal backslash-u0000: go carefully
        return _NUMBER.sub(_FIRST, text)
    return text.replace('"\\u0000', "").replace('\\u0000"', "")


def dumps_bytes(value: Any) -> bytes:
    return dumps(value).encode("utf-8")


def loads(data: bytes | str) -> Any:
    """JSON with every non-integer number read as a Decimal."""
    return json.loads(data, parse_float=Decimal)
