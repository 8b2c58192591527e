"""Currencies: the sheet's "Currencies" row, cross rates and the ECB daily XML."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from xerodesk.errors import MalformedRecordError
from xerodesk.mapping.currencies import (
    RATE_PLACES,
    RatesFeedError,
    cross_rates,
    currency_rate_columns,
    exchange_rate_rows,
    home_currency_of,
    map_currencies,
    map_currency,
    parse_ecb_daily,
)

D = Decimal

ECB_XML = """<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01"
    xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
  <gesmes:subject>Reference rates</gesmes:subject>
  <gesmes:Sender><gesmes:name>European Central Bank</gesmes:name></gesmes:Sender>
  <Cube>
    <Cube time='2026-03-04'>
      <Cube currency='USD' rate='1.0850'/>
      <Cube currency='JPY' rate='162.40'/>
      <Cube currency='GBP' rate='0.84750'/>
      <Cube currency='NZD' rate='1.7950'/>
    </Cube>
  </Cube>
</gesmes:Envelope>
"""


# --- feature sheet: Currencies -------------------------------------------------------


@pytest.mark.parametrize(
    ("records", "home", "expected"),
    [
        pytest.param(
            [{"Code": "NZD", "Description": "New Zealand Dollar"}, {"Code": "USD"}],
            "NZD",
            [
                {
                    "code": "NZD",
                    "description": "New Zealand Dollar",
                    "is_home": True,
                    "rate_to_home": D(1),
                },
                {"code": "USD", "description": None, "is_home": False, "rate_to_home": None},
            ],
            id="Tax rates and currencies: Currencies - every enabled currency, base is home at 1",
        ),
        pytest.param(
            [{"Code": "USD", "Description": "US Dollar"}],
            "GBP",
            [
                {
                    "code": "USD",
                    "description": "US Dollar",
                    "is_home": False,
                    "rate_to_home": None,
                },
                {"code": "GBP", "description": None, "is_home": True, "rate_to_home": D(1)},
            ],
            id="Tax rates and currencies: Currencies - home currency added when not listed",
        ),
    ],
)
def test_currencies_feature_sheet_row(
    records: list[dict[str, Any]], home: str, expected: list[dict[str, Any]]
) -> None:
    assert map_currencies(records, home) == expected


def test_currencies_feature_sheet_row_rates_from_a_rates_service() -> None:
    """Tax rates and currencies: Currencies - rates come from a separate rates service."""
    as_of, rates = parse_ecb_daily(ECB_XML)
    to_home = cross_rates(rates, "GBP")
    assert as_of == date(2026, 3, 4)
    assert to_home["GBP"] == D(1)
    assert to_home["EUR"] == D("1.1799410029")  # 1 / 0.8475
    assert to_home["USD"] == D("1.2802359882")  # 1.0850 / 0.8475
    assert to_home["JPY"] == D("191.6224188791")


def test_home_currency_is_the_organisation_base_currency() -> None:
    assert home_currency_of({"Name": "Demo", "BaseCurrency": "NZD"}) == "NZD"
    with pytest.raises(MalformedRecordError, match="BaseCurrency"):
        home_currency_of({"Name": "Demo"})
    with pytest.raises(MalformedRecordError, match="BaseCurrency"):
        home_currency_of({"Name": "Demo", "BaseCurrency": "QQQ"})


@pytest.mark.parametrize(
    ("record", "field"),
    [
        pytest.param({"Code": "QQQ"}, "Code", id="unknown code"),
        pytest.param({"Code": None}, "Code", id="missing code"),
        pytest.param({"Code": "usd"}, "Code", id="lower case is not a code"),
        pytest.param({"Code": "USD", "Description": {"a": 1}}, "Description", id="bad text"),
    ],
)
def test_malformed_currency(record: dict[str, Any], field: str) -> None:
    with pytest.raises(MalformedRecordError) as caught:
        map_currency(record, "NZD")
    assert field in str(caught.value)
    assert "currency" in str(caught.value)


# --- cross rates ----------------------------------------------------------------------


def test_cross_rates_with_a_euro_home_are_the_ecb_rates() -> None:
    rates = {"USD": D("1.0850"), "JPY": D("162.40")}
    assert cross_rates(rates, "EUR") == {
        "USD": D("1.0850000000"),
        "JPY": D("162.4000000000"),
        "EUR": D(1),
    }


def test_cross_rates_are_rounded_half_even_to_ten_places() -> None:
    # 1 / 3 = 0.33333333333..., 2 / 3 = 0.666666666666...7
    result = cross_rates({"AAA": D(3), "BBB": D(1), "CCC": D(2)}, "AAA", base="BBB")
    assert result["BBB"] == D("0.3333333333")
    assert result["CCC"] == D("0.6666666667")
    assert all(-value.as_tuple().exponent <= RATE_PLACES for value in result.values())  # type: ignore[operator]


def test_cross_rates_refuse_an_unquoted_home_currency() -> None:
    with pytest.raises(RatesFeedError, match="FJD"):
        cross_rates({"USD": D("1.08")}, "FJD")


@pytest.mark.parametrize("bad", [D(0), D(-1), D("NaN"), D("Infinity")])
def test_cross_rates_refuse_non_positive_rates(bad: Decimal) -> None:
    with pytest.raises(RatesFeedError):
        cross_rates({"USD": bad, "GBP": D("0.85")}, "GBP")


def test_rate_rows_for_the_currency_and_history_tables() -> None:
    assert currency_rate_columns(D("1.28"), date(2026, 3, 4), "ECB") == {
        "rate_to_home": D("1.28"),
        "rate_date": date(2026, 3, 4),
        "rate_source": "ECB",
    }
    assert exchange_rate_rows({"USD": D("1.28"), "EUR": D("1.18")}, date(2026, 3, 4), "ECB") == [
        {"currency_code": "EUR", "rate": D("1.18"), "as_of": date(2026, 3, 4), "source": "ECB"},
        {"currency_code": "USD", "rate": D("1.28"), "as_of": date(2026, 3, 4), "source": "ECB"},
    ]


# --- the ECB's daily XML ----------------------------------------------------------------


def test_parse_ecb_daily_reads_date_and_rates() -> None:
    result = parse_ecb_daily(ECB_XML.encode("utf-8"))
    assert result.as_of == date(2026, 3, 4)
    assert result.rates == {
        "USD": D("1.0850"),
        "JPY": D("162.40"),
        "GBP": D("0.84750"),
        "NZD": D("1.7950"),
    }
    assert all(isinstance(rate, Decimal) for rate in result.rates.values())


def test_parse_ecb_takes_the_latest_day_of_a_history_feed() -> None:
    history = ECB_XML.replace(
        "<Cube time='2026-03-04'>",
        "<Cube time='2026-03-05'><Cube currency='USD' rate='1.0900'/></Cube>"
        "<Cube time='2026-03-04'>",
    )
    as_of, rates = parse_ecb_daily(history)
    assert as_of == date(2026, 3, 5)
    assert rates == {"USD": D("1.0900")}


def test_parse_ecb_reads_the_sandbox_feed() -> None:
    sandbox_rates = pytest.importorskip("xerodesk.sandbox.rates")
    document = sandbox_rates.eurofxref_daily(datetime(2026, 3, 4, 17, tzinfo=UTC), ["FJD"])
    as_of, rates = parse_ecb_daily(document)
    assert as_of == date(2026, 3, 4)
    assert {"USD", "GBP", "JPY", "FJD"} <= set(rates)
    assert cross_rates(rates, "FJD")["FJD"] == 1


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        pytest.param("", "well-formed", id="empty"),
        pytest.param("<gesmes:Envelope", "well-formed", id="truncated"),
        pytest.param("<html><body>Maintenance</body></html>", "envelope", id="an HTML page"),
        pytest.param(
            ECB_XML.replace(" time='2026-03-04'", ""), "no dated Cube", id="no dated cube"
        ),
        pytest.param(ECB_XML.replace("2026-03-04", "04/03/2026"), "bad date", id="bad date"),
        pytest.param(ECB_XML.replace("rate='1.0850'", "rate='n/a'"), "bad rate", id="bad rate"),
        pytest.param(ECB_XML.replace("rate='1.0850'", "rate='-1'"), "positive", id="negative rate"),
        pytest.param(ECB_XML.replace("'USD'", "'usd'"), "currency code", id="bad code"),
        pytest.param(ECB_XML.replace("'JPY'", "'USD'"), "twice", id="duplicate currency"),
        pytest.param(
            '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>',
            "DOCTYPE",
            id="entities refused",
        ),
        pytest.param(
            ECB_XML.replace(
                "<Cube currency='USD' rate='1.0850'/>\n      <Cube currency='JPY' rate='162.40'/>\n"
                "      <Cube currency='GBP' rate='0.84750'/>\n      <Cube currency='NZD' "
                "rate='1.7950'/>",
                "",
            ),
            "no rates",
            id="no rates",
        ),
    ],
)
def test_parse_ecb_refuses_malformed_documents(document: str, reason: str) -> None:
    with pytest.raises(RatesFeedError, match=reason) as caught:
        parse_ecb_daily(document)
    assert isinstance(caught.value, MalformedRecordError)
