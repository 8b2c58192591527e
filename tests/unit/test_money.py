"""Money stays Decimal from Xero's JSON to the CRM, never through float."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xerodesk.mapping.money import (
    MoneyError,
    parse_money,
    parse_optional_money,
    round_money,
    to_home_currency,
)
from xerodesk.xero import jsoncodec

_amounts = st.decimals(
    min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=4, allow_nan=False
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("0.10"), Decimal("0.10")),
        (12, Decimal(12)),
        ("50.00", Decimal("50.00")),
        (" 1,234.50 ", Decimal("1234.50")),
        ("-43.60", Decimal("-43.60")),
    ],
)
def test_parse_money(value: object, expected: Decimal) -> None:
    assert parse_money(value) == expected


@pytest.mark.parametrize("value", [0.1, True, None, "abc", "NaN", "Infinity", [1]])
def test_parse_money_refuses_non_amounts(value: object) -> None:
    with pytest.raises(MoneyError):
        parse_money(value)


def test_optional_money() -> None:
    assert parse_optional_money(None) is None
    assert parse_optional_money("") is None
    assert parse_optional_money("1.5") == Decimal("1.5")


def test_round_half_even() -> None:
    assert round_money(Decimal("0.125")) == Decimal("0.12")
    assert round_money(Decimal("0.135")) == Decimal("0.14")
    assert round_money(Decimal("2.5"), places=0) == Decimal("2")
    assert round_money(Decimal("1.23456"), places=4) == Decimal("1.2346")


def test_home_currency() -> None:
    assert to_home_currency(Decimal("100.00"), None) == Decimal("100.00")
    assert to_home_currency(Decimal("100.00"), Decimal("1")) == Decimal("100.00")
    assert to_home_currency(Decimal("100.00"), Decimal("0.8")) == Decimal("125.00")
    assert to_home_currency(Decimal("10.00"), Decimal("3")) == Decimal("3.33")


@given(_amounts)
def test_json_round_trip_is_exact(amount: Decimal) -> None:
    text = jsoncodec.dumps({"UnitAmount": amount, "Lines": [amount]})
    back = jsoncodec.loads(text)
    assert parse_money(back["UnitAmount"]) == amount
    assert parse_money(back["Lines"][0]) == amount


def test_json_money_never_becomes_float() -> None:
    body = jsoncodec.loads('{"Total": 0.1, "Quantity": 1.0000, "Count": 3}')
    assert body["Total"] == Decimal("0.1") and isinstance(body["Total"], Decimal)
    assert str(body["Quantity"]) == "1.0000"
    assert body["Count"] == 3
    with pytest.raises(TypeError):
        jsoncodec.dumps({"Total": 0.1})
