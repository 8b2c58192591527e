"""The European Central Bank's daily reference rates, in the ECB's own XML format.

``GET /rates/eurofxref-daily.xml`` answers like
``https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml``: one
``gesmes:Envelope`` holding ``Cube/Cube[@time]/Cube[@currency][@rate]``, the
rates being units of each currency per 1 EUR. The date is the latest TARGET
business day whose rates are out (the ECB publishes at about 16:00 CET) on
the sandbox clock. Rates are realistic, move a little from day to day and are
the same for the same day every time. Besides the ECB's own list, every
currency the organisation uses gets a rate (an invented but stable one when
the ECB does not quote it).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

# The ECB's list, in the ECB's order, with a typical recent rate per EUR.
ECB_RATES: dict[str, float] = {
    "USD": 1.0850,
    "JPY": 162.40,
    "BGN": 1.9558,
    "CZK": 25.120,
    "DKK": 7.4600,
    "GBP": 0.84750,
    "HUF": 396.50,
    "PLN": 4.3050,
    "RON": 4.9760,
    "SEK": 11.420,
    "CHF": 0.95200,
    "ISK": 150.10,
    "NOK": 11.640,
    "TRY": 35.180,
    "AUD": 1.6350,
    "BRL": 5.9200,
    "CAD": 1.4780,
    "CNY": 7.8150,
    "HKD": 8.4550,
    "IDR": 17320.50,
    "ILS": 4.0150,
    "INR": 90.350,
    "KRW": 1452.80,
    "MXN": 19.540,
    "MYR": 4.8120,
    "NZD": 1.7950,
    "PHP": 62.150,
    "SGD": 1.4530,
    "THB": 38.120,
    "ZAR": 19.820,
}
PEGGED = frozenset({"BGN"})
PUBLISHED_AT = time(15, 0)  # 16:00 CET, in UTC (ignoring summer time)

ENVELOPE_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" '
    'xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">\n'
    "\t<gesmes:subject>Reference rates</gesmes:subject>\n"
    "\t<gesmes:Sender>\n"
    "\t\t<gesmes:name>European Central Bank</gesmes:name>\n"
    "\t</gesmes:Sender>\n"
    "\t<Cube>\n"
)
ENVELOPE_TAIL = "\t</Cube>\n</gesmes:Envelope>\n"


def easter_sunday(year: int) -> date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    leap = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * leap) // 451
    month, day = divmod(h + leap - 7 * m + 114, 31)
    return date(year, month, day + 1)


def is_target_day(day: date) -> bool:
    """Whether the ECB publishes rates that day (weekdays except TARGET holidays)."""
    if day.weekday() >= 5:
        return False
    if (day.month, day.day) in ((1, 1), (5, 1), (12, 25), (12, 26)):
        return False
    easter = easter_sunday(day.year)
    return day not in (easter - timedelta(days=2), easter + timedelta(days=1))


def reference_day(now: datetime) -> date:
    """The date of the latest published rates at ``now``."""
    now = now.astimezone(UTC)
    day = now.date()
    if now.time() < PUBLISHED_AT:
        day -= timedelta(days=1)
    while not is_target_day(day):
        day -= timedelta(days=1)
    return day


def _unit(text: str) -> float:
    """A stable number in [0, 1) from a text."""
    digest = hashlib.sha256(text.encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def base_rate(code: str) -> float:
    """The typical rate of a currency; invented (but stable) when the ECB has none."""
    if code in ECB_RATES:
        return ECB_RATES[code]
    return round(10 ** (_unit("base:" + code) * 4 - 1), 4)


def rate_on(code: str, day: date) -> float:
    """A currency's rate per EUR on a day: a slow swing plus a small daily wobble."""
    base = base_rate(code)
    if code in PEGGED:
        return base
    ordinal = day.toordinal()
    phase = _unit("phase:" + code) * 2 * math.pi
    swing = 0.03 * math.sin(ordinal / 29.0 + phase)
    wobble = 0.004 * (_unit(f"day:{code}:{ordinal}") - 0.5)
    return base * (1.0 + swing + wobble)


def format_rate(rate: float) -> str:
    """About five significant digits, as the ECB prints them (1.0866, 169.48, 0.84560)."""
    magnitude = math.floor(math.log10(rate)) if rate > 0 else 0
    decimals = max(2, 4 - magnitude)
    return f"{rate:.{decimals}f}"


def currencies_for(extra: Iterable[str]) -> list[str]:
    """The ECB's currencies in its order, then the organisation's others (EUR excluded)."""
    codes = list(ECB_RATES)
    for code in sorted({c.strip().upper() for c in extra if c and c.strip()}):
        if code != "EUR" and code not in ECB_RATES and len(code) == 3 and code.isalpha():
            codes.append(code)
    return codes


def eurofxref_daily(now: datetime, extra_currencies: Iterable[str] = ()) -> str:
    """The whole ``eurofxref-daily.xml`` document for the sandbox time ``now``."""
    day = reference_day(now)
    lines = [ENVELOPE_HEAD, f"\t\t<Cube time='{day.isoformat()}'>\n"]
    for code in currencies_for(extra_currencies):
        lines.append(f"\t\t\t<Cube currency='{code}' rate='{format_rate(rate_on(code, day))}'/>\n")
    lines.append("\t\t</Cube>\n")
    lines.append(ENVELOPE_TAIL)
    return "".join(lines)
