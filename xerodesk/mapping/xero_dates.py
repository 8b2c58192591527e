"""Xero's date formats to and from aware UTC datetimes and plain dates.

Xero sends several forms (see the API notes, "Date formats"):

- ``/Date(1539993600000+0000)/`` and ``/Date(1552326816230)/``: epoch
  milliseconds of the instant, with an optional ``±hhmm`` offset that names the
  organisation's local offset at that instant (applied for dates, not for
  instants);
- ``2019-03-05T18:59:06Z`` or with an offset: ISO-8601 instants;
- ``2018-10-20T00:00:00`` and ``2019-12-07T18:46:19.5165400``: ISO without a
  zone, which Xero means as UTC;
- ``2019-03-11``: a plain date.

Pure functions, no I/O.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from functools import lru_cache

__all__ = [
    "format_if_modified_since",
    "format_ms_date",
    "format_xero_date",
    "parse_optional_xero_date",
    "parse_optional_xero_datetime",
    "parse_xero_date",
    "parse_xero_datetime",
]

_MS_DATE = re.compile(r"^/Date\((-?\d+)(?:([+-])(\d{2})(\d{2})?)?\)/$")
_ISO = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?"
    r"(Z|z|[+-]\d{2}:?\d{2})?)?$"
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _ms_parts(text: str) -> tuple[datetime, timezone] | None:
    match = _MS_DATE.match(text)
    if match is None:
        return None
    millis, sign, hours, minutes = match.groups()
    instant = _EPOCH + timedelta(milliseconds=int(millis))
    offset = UTC
    if sign is not None:
        delta = timedelta(hours=int(hours), minutes=int(minutes or 0))
        offset = timezone(-delta if sign == "-" else delta)
    return instant, offset


def _iso_parts(text: str) -> tuple[datetime, bool] | None:
    """The ISO value as an aware datetime, and whether it carried a time."""
    match = _ISO.match(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    micros = int((fraction or "0")[:6].ljust(6, "0"))
    tz: timezone = UTC
    if zone and zone not in ("Z", "z"):
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        tz = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    value = datetime(
        int(year),
        int(month),
        int(day),
        int(hour or 0),
        int(minute or 0),
        int(second or 0),
        micros,
        tzinfo=tz,
    )
    return value, hour is not None


def parse_xero_datetime(text: str) -> datetime:
    """An instant from any of Xero's forms, as an aware UTC datetime.

    Raises ``ValueError`` for text in no known form.
    """
    value = text.strip()
    ms = _ms_parts(value)
    if ms is not None:
        return ms[0]
    iso = _iso_parts(value)
    if iso is not None:
        return iso[0].astimezone(UTC)
    raise ValueError(f"not a Xero date or time: {text!r}")


@lru_cache(maxsize=4096)
def parse_xero_date(text: str) -> date:
    """A calendar date from any of Xero's forms.

    ``/Date(ms±hhmm)/`` is read in the offset it names, so a local midnight sent
    as its UTC instant lands on the right day; ISO text keeps its own calendar
    date (``2018-10-20T00:00:00`` is 20 October). The documents of a page share
    a few hundred dates, so recent answers are remembered (a ``date`` cannot
    change; text in no known form raises each time).
    """
    value = text.strip()
    ms = _ms_parts(value)
    if ms is not None:
        instant, offset = ms
        return instant.astimezone(offset).date()
    iso = _iso_parts(value)
    if iso is not None:
        return iso[0].date()
    raise ValueError(f"not a Xero date: {text!r}")


def parse_optional_xero_datetime(value: object) -> datetime | None:
    """``parse_xero_datetime`` for a JSON value that may be missing or empty."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"not a Xero date or time: {value!r}")
    return parse_xero_datetime(value)


def parse_optional_xero_date(value: object) -> date | None:
    """``parse_xero_date`` for a JSON value that may be missing or empty."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"not a Xero date: {value!r}")
    return parse_xero_date(value)


def format_xero_date(value: date) -> str:
    """A date as Xero accepts it in request bodies: ``YYYY-MM-DD``."""
    if isinstance(value, datetime):
        value = value.astimezone(UTC).date() if value.tzinfo else value.date()
    return value.isoformat()


def _as_utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("a naive datetime is ambiguous; give an aware one")
    return value.astimezone(UTC)


def format_ms_date(value: datetime) -> str:
    """An aware instant as ``/Date(ms+0000)/``."""
    delta = _as_utc(value) - _EPOCH
    millis = (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000
    return f"/Date({millis}+0000)/"


def format_if_modified_since(value: datetime) -> str:
    """The ``If-Modified-Since`` header value: ISO-8601 UTC, whole seconds, ``Z``.

    Xero compares at one-second precision; the fraction is dropped (rounding
    down), so a record updated within that second is fetched again rather than
    missed.
    """
    return _as_utc(value).replace(microsecond=0, tzinfo=None).isoformat() + "Z"
