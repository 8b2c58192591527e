"""Money as ``Decimal``, never through ``float``.

The Xero client parses JSON with ``parse_float=Decimal``, so amounts arrive as
``Decimal`` (or ``int`` for whole numbers, or a string such as the
``TotalAmount: "50.00"`` of an embedded batch payment). These helpers turn any
of those into a ``Decimal`` and round the way the mapping rules say: half-even
to two places. Pure functions, no I/O.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

__all__ = [
    "MoneyError",
    "parse_money",
    "parse_optional_money",
    "round_money",
    "to_home_currency",
]

_TWO_PLACES = Decimal("0.01")


class MoneyError(ValueError):
    """A value that is not an amount of money."""


def parse_money(value: object) -> Decimal:
    """An exact ``Decimal`` from a ``Decimal``, ``int`` or numeric string.

    A ``float`` is refused: it has already lost the exact value. ``bool``,
    NaN and infinities are refused too.
    """
    if isinstance(value, bool) or isinstance(value, float):
        raise MoneyError(f"amount must not be a {type(value).__name__}: {value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip().replace(",", ""))
        except InvalidOperation:
            raise MoneyError(f"not an amount: {value!r}") from None
    else:
        raise MoneyError(f"not an amount: {value!r}")
    if not result.is_finite():
        raise MoneyError(f"not a finite amount: {value!r}")
    return result


def parse_optional_money(value: object) -> Decimal | None:
    """``parse_money`` for a JSON value that may be missing or empty."""
    if value is None or value == "":
        return None
    return parse_money(value)


def round_money(value: Decimal, places: int = 2) -> Decimal:
    """Round half-even to ``places`` decimal places (two for money)."""
    exponent = _TWO_PLACES if places == 2 else Decimal(1).scaleb(-places)
    return value.quantize(exponent, rounding=ROUND_HALF_EVEN)


def to_home_currency(amount: Decimal, currency_rate: Decimal | None) -> Decimal:
    """A document-currency amount in the home currency: ``amount ÷ rate``.

    A missing, zero or unit rate means the amounts are equal. The result is
    rounded half-even to two places.
    """
    if currency_rate is None or currency_rate == 0 or currency_rate == 1:
        return round_money(amount)
    return round_money(amount / currency_rate)
