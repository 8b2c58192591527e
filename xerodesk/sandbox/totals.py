"""Line and document totals the way Xero computes them.

Per line: ``LineAmount = Quantity × UnitAmount × (1 − DiscountRate/100)`` (or
minus ``DiscountAmount``), rounded half-up to cents; tax per line from the tax
rate's ``EffectiveRate`` and the document's ``LineAmountTypes``, rounded to
cents, then summed. A ``TaxAmount`` sent by the client overrides the computed
one, as Xero allows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from xerodesk.sandbox.wire import money, quantize, to_decimal

HUNDRED = Decimal(100)
ZERO = Decimal("0.00")

EXCLUSIVE, INCLUSIVE, NO_TAX = "Exclusive", "Inclusive", "NoTax"
LINE_AMOUNT_TYPES = (EXCLUSIVE, INCLUSIVE, NO_TAX)


def canonical_line_amount_types(value: Any) -> str | None:
    """``exclusive``/``EXCLUSIVE``/``NONE``… as Xero's mixed-case enum value."""
    if not isinstance(value, str):
        return None
    lowered = value.strip().lower()
    aliases = {"exclusive": EXCLUSIVE, "inclusive": INCLUSIVE, "notax": NO_TAX, "none": NO_TAX}
    return aliases.get(lowered)


def line_tax(amount: Decimal, rate: Decimal, line_amount_types: str) -> Decimal:
    if line_amount_types == NO_TAX or rate == 0:
        return ZERO
    if line_amount_types == INCLUSIVE:
        return money(amount * rate / (HUNDRED + rate))
    return money(amount * rate / HUNDRED)


def price_line(line: dict[str, Any], rate: Decimal, line_amount_types: str) -> Decimal:
    """Fill ``Quantity``/``UnitAmount``/``LineAmount``/``TaxAmount`` of one line
    in place; returns the discount given on it."""
    quantity = to_decimal(line.get("Quantity"))
    unit = to_decimal(line.get("UnitAmount"))
    given_amount = to_decimal(line.get("LineAmount"))
    discount_rate = to_decimal(line.get("DiscountRate")) or Decimal(0)
    discount_amount = to_decimal(line.get("DiscountAmount")) or Decimal(0)
    if unit is None and given_amount is not None:
        quantity = quantity if quantity not in (None, Decimal(0)) else Decimal(1)
        unit = quantize(given_amount / quantity, 4)
    if quantity is None and unit is not None:
        quantity = Decimal(1)
    if quantity is None or unit is None:
        gross = given_amount or Decimal(0)
        amount = money(gross)
    else:
        line["Quantity"] = quantize(quantity, 4)
        line["UnitAmount"] = quantize(unit, 4)
        gross = quantity * unit
        amount = money(gross * (HUNDRED - discount_rate) / HUNDRED - discount_amount)
    line["LineAmount"] = amount
    override = to_decimal(line.get("TaxAmount")) if "TaxAmount" in line else None
    line["TaxAmount"] = (
        money(override) if override is not None else line_tax(amount, rate, line_amount_types)
    )
    return money(gross) - amount if (discount_rate or discount_amount) else ZERO


@dataclass(frozen=True)
class Totals:
    sub_total: Decimal
    total_tax: Decimal
    total: Decimal
    total_discount: Decimal
    discounted: bool


def price_document(
    lines: Iterable[dict[str, Any]],
    line_amount_types: str,
    rate_of: Callable[[str | None], Decimal],
) -> Totals:
    """Price every line (in place) and return the document's totals."""
    amounts = ZERO
    taxes = ZERO
    discount = ZERO
    discounted = False
    for line in lines:
        if line_amount_types == NO_TAX:
            line["TaxAmount"] = ZERO
        given = discount_of(line)
        discount += price_line(line, rate_of(line.get("TaxType")), line_amount_types)
        discounted = discounted or given
        amounts += line["LineAmount"]
        taxes += line["TaxAmount"]
    if line_amount_types == INCLUSIVE:
        total = amounts
        sub_total = amounts - taxes
    else:
        sub_total = amounts
        total = amounts + taxes
    return Totals(money(sub_total), money(taxes), money(total), money(discount), discounted)


def discount_of(line: dict[str, Any]) -> bool:
    rate = to_decimal(line.get("DiscountRate")) or Decimal(0)
    amount = to_decimal(line.get("DiscountAmount")) or Decimal(0)
    return bool(rate or amount)


def effective_rate(components: Iterable[dict[str, Any]]) -> Decimal:
    """A tax rate's effective rate from its components (compound ones apply
    on top of the simple ones)."""
    simple = Decimal(0)
    compound = Decimal(0)
    for component in components:
        rate = to_decimal(component.get("Rate")) or Decimal(0)
        if component.get("IsCompound"):
            compound += rate
        else:
            simple += rate
    effective = simple + compound * (HUNDRED + simple) / HUNDRED
    return quantize(effective, 4)
