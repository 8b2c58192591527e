"""The ECB daily reference rates feed, in the ECB's exact format."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest

from tests.support.sandbox import RunningSandbox
from xerodesk.sandbox.rates import (
    ECB_RATES,
    easter_sunday,
    eurofxref_daily,
    format_rate,
    rate_on,
    reference_day,
)

NS = {
    "gesmes": "http://www.gesmes.org/xml/2002-08-01",
    "ecb": "http://www.ecb.int/vocabulary/2002-08-01/eurofxref",
}


def parse(xml: str) -> tuple[str, dict[str, float]]:
    root = ET.fromstring(xml)
    assert root.tag == "{http://www.gesmes.org/xml/2002-08-01}Envelope"
    assert root.findtext("gesmes:subject", namespaces=NS) == "Reference rates"
    assert root.findtext("gesmes:Sender/gesmes:name", namespaces=NS) == "European Central Bank"
    outer = root.findall("ecb:Cube", NS)
    assert len(outer) == 1
    days = outer[0].findall("ecb:Cube", NS)
    assert len(days) == 1
    rates = {}
    for cube in days[0].findall("ecb:Cube", NS):
        assert set(cube.attrib) == {"currency", "rate"}
        rates[cube.attrib["currency"]] = float(cube.attrib["rate"])
    return days[0].attrib["time"], rates


def test_document_matches_the_ecb_layout() -> None:
    xml = eurofxref_daily(datetime(2026, 5, 20, 16, 30, tzinfo=UTC))
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<gesmes:Envelope ')
    assert "\t\t<Cube time='2026-05-20'>\n\t\t\t<Cube currency='USD' rate='" in xml
    day, rates = parse(xml)
    assert day == "2026-05-20"
    assert list(rates) == list(ECB_RATES)  # the ECB's own order
    assert "EUR" not in rates
    assert rates["BGN"] == 1.9558
    for code, rate in rates.items():
        assert rate == pytest.approx(ECB_RATES[code], rel=0.05)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 5, 20, 16, 0, tzinfo=UTC), date(2026, 5, 20)),  # after publication
        (datetime(2026, 5, 20, 9, 0, tzinfo=UTC), date(2026, 5, 19)),  # before it
        (datetime(2026, 5, 23, 12, 0, tzinfo=UTC), date(2026, 5, 22)),  # Saturday
        (datetime(2026, 5, 25, 8, 0, tzinfo=UTC), date(2026, 5, 22)),  # Monday morning
        (datetime(2026, 12, 28, 8, 0, tzinfo=UTC), date(2026, 12, 24)),  # after Christmas
        (datetime(2026, 4, 6, 18, 0, tzinfo=UTC), date(2026, 4, 2)),  # Easter Monday
        (datetime(2027, 1, 1, 18, 0, tzinfo=UTC), date(2026, 12, 31)),  # New Year
    ],
)
def test_reference_day_follows_target_days(moment: datetime, expected: date) -> None:
    assert reference_day(moment) == expected


def test_easter() -> None:
    assert easter_sunday(2026) == date(2026, 4, 5)
    assert easter_sunday(2027) == date(2027, 3, 28)


def test_rates_are_stable_per_day_and_move_between_days() -> None:
    day = date(2026, 5, 20)
    assert rate_on("USD", day) == rate_on("USD", day)
    assert rate_on("USD", day) != rate_on("USD", date(2026, 5, 21))
    assert rate_on("BGN", day) == 1.9558


def test_rate_formatting_keeps_about_five_digits() -> None:
    assert format_rate(1.08661) == "1.0866"
    assert format_rate(169.4812) == "169.48"
    assert format_rate(0.845604) == "0.84560"
    assert format_rate(17390.812) == "17390.81"
    assert format_rate(24.7141) == "24.714"


def test_organisation_currencies_are_added() -> None:
    moment = datetime(2026, 5, 20, 16, 30, tzinfo=UTC)
    _, rates = parse(eurofxref_daily(moment, ["FJD", "usd", "EUR", "XPF", "", "NZD"]))
    assert list(rates)[-2:] == ["FJD", "XPF"]
    assert rates["FJD"] > 0 and rates["XPF"] > 0
    _, again = parse(eurofxref_daily(moment, ["FJD"]))
    assert again["FJD"] == rates["FJD"]


def test_served_feed_follows_the_sandbox_clock(
    make_sandbox: Callable[..., RunningSandbox],
) -> None:
    start = datetime(2026, 5, 22, 18, 0, tzinfo=UTC)  # a Friday evening
    sb = make_sandbox(clock_start=start)
    sb.control(
        "POST",
        "/load",
        {
            "Organisation": {"Name": "Fiji Traders", "BaseCurrency": "NZD"},
            "Currencies": [{"Code": "NZD"}, {"Code": "FJD"}],
        },
    )
    response = sb.http.get("/rates/eurofxref-daily.xml")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    day, rates = parse(response.text)
    assert day == "2026-05-22"
    assert "FJD" in rates  # the organisation's own currency, unknown to the ECB
    sb.control("POST", "/clock", {"advance": 3 * 86400})  # Monday evening
    day, _ = parse(sb.http.get("/rates/eurofxref-daily.xml").text)
    assert day == "2026-05-25"
