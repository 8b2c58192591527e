"""Xero currencies → ``currency`` rows; reference rates → rates to the home currency.

Feature sheet, "Currencies"; mapping rules, "Currencies". Every currency
enabled in Xero gets a row; the organisation's ``BaseCurrency`` is the home
currency (``is_home`` true, ``rate_to_home`` 1). Xero has no live rates, so
they come from a rates service: ``parse_ecb_daily`` reads the European Central
Bank's daily XML (units of each currency per 1 EUR) and ``cross_rates`` turns
any such table into ``rate_to_home``: units of a currency per one unit of the
home currency, 10 decimal places, rounded half-even. Parsing a string is not
I/O: fetching it is the engine's job. Pure, no I/O.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation
from typing import Any

from xerodesk.domain.rates import ReferenceRates
from xerodesk.errors import MalformedRecordError
from xerodesk.mapping.reader import NAME_MAX, Fields, Row

__all__ = [
    "ECB_BASE",
    "ECB_SOURCE",
    "RATE_PLACES",
    "XERO_OWNED_CURRENCY_COLUMNS",
    "RatesFeedError",
    "cross_rates",
    "currency_rate_columns",
    "exchange_rate_rows",
    "home_currency_of",
    "map_currencies",
    "map_currency",
    "parse_ecb_daily",
]

#: decimal places kept in ``rate_to_home`` (the column is ``Numeric(24, 10)``)
RATE_PLACES = 10
_QUANTUM = Decimal(1).scaleb(-RATE_PLACES)
_CONTEXT = Context(prec=60, rounding=ROUND_HALF_EVEN)
_RATE_LIMIT = Decimal(10) ** 14
#: the base currency of the ECB's reference rates
ECB_BASE = "EUR"
#: the ``rate_source`` / ``source`` text for rates read from the ECB's feed
ECB_SOURCE = "ECB"
#: the currency columns a Xero pull may overwrite; the rate columns belong to the rates step
XERO_OWNED_CURRENCY_COLUMNS = ("code", "description", "is_home")

_CODE = re.compile(r"^[A-Z]{3}$")


class RatesFeedError(MalformedRecordError):
    """A rates document that cannot be read, or a table without the rates needed."""


# --- Xero currencies ----------------------------------------------------------


def home_currency_of(organisation: Mapping[str, Any]) -> str:
    """The organisation's ``BaseCurrency``, a currency code Xero knows."""
    fields = Fields.of_record(organisation, "organisation", "OrganisationID", "Name")
    code = fields.currency("BaseCurrency")
    if code is None:
        raise fields.fail("BaseCurrency", "is missing")
    return code


def map_currency(record: Mapping[str, Any], home_currency: str) -> Row:
    """One Xero currency → a ``currency`` row (``rate_to_home`` 1 for home, else None)."""
    fields = Fields.of_record(record, "currency", "Code", "Description")
    code = fields.currency("Code")
    if code is None:
        raise fields.fail("Code", "is missing")
    is_home = code == home_currency
    return {
        "code": code,
        "description": fields.text("Description", NAME_MAX),
        # Rules "Currencies": the base currency is home, at rate 1.
        "is_home": is_home,
        "rate_to_home": Decimal(1) if is_home else None,
    }


def map_currencies(records: Iterable[Mapping[str, Any]], home_currency: str) -> list[Row]:
    """Sheet "Currencies": every enabled currency, plus the home one if Xero left it out."""
    rows = [map_currency(record, home_currency) for record in records]
    if not any(row["is_home"] for row in rows):
        rows.append(map_currency({"Code": home_currency}, home_currency))
    return rows


# --- cross rates --------------------------------------------------------------


def _positive(code: str, rate: Decimal) -> Decimal:
    if not isinstance(rate, Decimal) or not rate.is_finite() or rate <= 0:
        raise RatesFeedError(f"the rate of {code} is not a positive number: {rate!r}")
    return rate


def cross_rates(
    rates: Mapping[str, Decimal], home: str, *, base: str = ECB_BASE
) -> dict[str, Decimal]:
    """Rates to ``home`` (units of each currency per 1 ``home``) from rates to ``base``.

    ``rates`` gives units of each currency per 1 ``base`` (the ECB's form, base
    EUR). The result lists every currency of ``rates``, ``base`` itself, and
    ``home`` at exactly 1. Raises ``RatesFeedError`` when ``home`` is not quoted.
    """
    table = {code: _positive(code, rate) for code, rate in rates.items()}
    table[base] = Decimal(1)
    if home not in table:
        raise RatesFeedError(f"the rates feed does not quote the home currency {home}")
    home_rate = table[home]
    result: dict[str, Decimal] = {}
    for code, rate in table.items():
        if code == home:
            result[code] = Decimal(1)
            continue
        try:
            value = _CONTEXT.divide(rate, home_rate).quantize(_QUANTUM, context=_CONTEXT)
        except InvalidOperation:
            raise RatesFeedError(f"the cross rate of {code} to {home} is out of range") from None
        if value >= _RATE_LIMIT or value == 0:
            raise RatesFeedError(f"the cross rate of {code} to {home} is out of range: {value}")
        result[code] = value
    return result


def currency_rate_columns(rate_to_home: Decimal, as_of: date, source: str) -> Row:
    """The ``currency`` columns the rates step writes for one currency."""
    return {"rate_to_home": rate_to_home, "rate_date": as_of, "rate_source": source}


def exchange_rate_rows(rates: Mapping[str, Decimal], as_of: date, source: str) -> list[Row]:
    """``exchange_rate`` history rows, one per currency, in code order."""
    return [
        {"currency_code": code, "rate": rates[code], "as_of": as_of, "source": source}
        for code in sorted(rates)
    ]


# --- the ECB's daily reference rates ------------------------------------------


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _parse_xml(document: str | bytes) -> ET.Element:
    text = document.decode("utf-8", "replace") if isinstance(document, bytes) else document
    if "<!DOCTYPE" in text.upper():
        raise RatesFeedError("the rates feed declares a DOCTYPE, which is not accepted")
    try:
        root = ET.fromstring(document)
    except (ET.ParseError, UnicodeError) as error:
        raise RatesFeedError(f"the rates feed is not well-formed XML: {error}") from None
    if _local(root.tag) != "Envelope":
        raise RatesFeedError(
            f"the rates feed is not an ECB reference-rates envelope (root <{_local(root.tag)}>)"
        )
    return root


def _dated_cube(root: ET.Element) -> tuple[date, ET.Element]:
    """The ``Cube time=…`` with the latest date (the daily feed has one)."""
    dated: list[tuple[date, ET.Element]] = []
    for element in root.iter():
        if _local(element.tag) == "Cube" and "time" in element.attrib:
            text = element.attrib["time"]
            try:
                dated.append((date.fromisoformat(text.strip()), element))
            except ValueError:
                raise RatesFeedError(f"the rates feed has a bad date: {text[:40]!r}") from None
    if not dated:
        raise RatesFeedError("the rates feed has no dated Cube element")
    return max(dated, key=lambda pair: pair[0])


def _rate_of(element: ET.Element) -> tuple[str, Decimal]:
    code = element.attrib.get("currency", "").strip()
    text = element.attrib.get("rate", "").strip()
    if not _CODE.match(code):
        raise RatesFeedError(f"the rates feed has a bad currency code: {code[:40]!r}")
    try:
        rate = Decimal(text)
    except InvalidOperation:
        raise RatesFeedError(f"the rates feed has a bad rate for {code}: {text[:40]!r}") from None
    return code, _positive(code, rate)


def parse_ecb_daily(document: str | bytes) -> ReferenceRates:
    """The ECB's ``eurofxref-daily.xml`` → (date, {code: units per 1 EUR}).

    ``gesmes:Envelope`` / ``Cube`` / ``Cube time="YYYY-MM-DD"`` /
    ``Cube currency="USD" rate="1.0850"``. Raises ``RatesFeedError`` with a
    readable reason for anything else.
    """
    as_of, cube = _dated_cube(_parse_xml(document))
    rates: dict[str, Decimal] = {}
    for element in cube:
        if _local(element.tag) != "Cube":
            continue
        code, rate = _rate_of(element)
        if code in rates:
            raise RatesFeedError(f"the rates feed quotes {code} twice on {as_of}")
        rates[code] = rate
    if not rates:
        raise RatesFeedError(f"the rates feed has no rates for {as_of}")
    return ReferenceRates(as_of=as_of, rates=rates)
