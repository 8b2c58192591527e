"""What invoices, credit notes and purchase orders share: header fields and line values.

The rules (mapping rules, "Invoices and credit notes"):

- line values by ``LineAmountTypes``: ``Exclusive`` → net = LineAmount, gross =
  LineAmount + TaxAmount; ``Inclusive`` → gross = LineAmount, net = LineAmount −
  TaxAmount; ``NoTax`` → tax 0 and net = gross = LineAmount;
- home-currency values = document value ÷ ``CurrencyRate`` (1 or missing:
  equal), rounded half-even to 2 places;
- ``is_paid`` = status PAID, or ``Total`` = 0.

Pure, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from xerodesk.domain.xero_codes import DocumentStatus, LineAmountType
from xerodesk.mapping import plain
from xerodesk.mapping.money import to_home_currency
from xerodesk.mapping.plain import NotPlain
from xerodesk.mapping.reader import CODE_MAX, TEXT_MAX, Fields, Row

__all__ = [
    "PLAIN_LINE_KEYS",
    "SMALLEST_RATE",
    "LineValues",
    "contact_id_of",
    "currency_rate_of",
    "document_date",
    "home_value",
    "is_paid",
    "line_amount_type_of",
    "line_basics",
    "line_values",
    "line_values_of",
    "plain_sales_lines",
    "read_lines",
    "sales_line_values",
    "updated_at_of",
]

_ZERO = Decimal("0.00")
#: the smallest currency rate taken seriously (``Numeric(24, 10)`` keeps 10 places)
SMALLEST_RATE = Decimal("1e-10")


@dataclass(frozen=True)
class LineValues:
    """A line's tax-exclusive, tax and tax-inclusive values in the document currency."""

    net: Decimal
    tax: Decimal
    gross: Decimal

    def negated(self) -> LineValues:
        return LineValues(-self.net, -self.tax, -self.gross)


def line_values(
    line_amount: Decimal, tax_amount: Decimal, amount_type: LineAmountType
) -> LineValues:
    """Net, tax and gross of a line by the document's ``LineAmountTypes``."""
    # Sheet "Invoice lines": tax-exclusive and tax-inclusive values, by LineAmountTypes.
    if amount_type is LineAmountType.EXCLUSIVE:
        return LineValues(line_amount, tax_amount, line_amount + tax_amount)
    if amount_type is LineAmountType.INCLUSIVE:
        return LineValues(line_amount - tax_amount, tax_amount, line_amount)
    return LineValues(line_amount, _ZERO, line_amount)


def is_paid(status: DocumentStatus, total: Decimal | None) -> bool:
    """Sheet "Paid status and date": fully paid, or a zero total."""
    return status is DocumentStatus.PAID or (total is not None and total == 0)


# --- header fields -----------------------------------------------------------


def updated_at_of(doc: Fields) -> datetime:
    """``UpdatedDateUTC`` (or its ISO twin) as an aware UTC instant; required."""
    value = doc.instant("UpdatedDateUTC")
    if value is None:
        value = doc.instant("UpdatedDateUTCString")
    if value is None:
        raise doc.fail("UpdatedDateUTC", "is missing")
    return value


def document_date(doc: Fields, key: str) -> date | None:
    """``Date``/``DueDate``…, or its ``…String`` twin when only that is sent."""
    value = doc.day(key)
    return value if value is not None else doc.day(f"{key}String")


def contact_id_of(doc: Fields) -> str:
    """The ``ContactID`` of the document's contact; required."""
    contact = doc.block("Contact")
    if contact is None:
        raise doc.fail("Contact", "is missing")
    return contact.required_id("ContactID")


def line_amount_type_of(doc: Fields) -> LineAmountType:
    """``LineAmountTypes``; Xero's default is ``Exclusive``."""
    return doc.choice("LineAmountTypes", LineAmountType, LineAmountType.EXCLUSIVE)


def currency_rate_of(doc: Fields) -> Decimal | None:
    """``CurrencyRate`` (units of document currency per home unit); 0 or missing → None."""
    rate = doc.amount("CurrencyRate")
    if rate is None or rate == 0:
        return None
    if rate < SMALLEST_RATE:
        raise doc.fail("CurrencyRate", f"is not a usable rate: {rate}")
    return rate


def home_value(doc: Fields, key: str, value: Decimal, rate: Decimal | None) -> Decimal:
    """Sheet "Invoice lines", home-currency equivalents: value ÷ rate, half-even, 2 dp."""
    if rate is not None:
        doc.check_amount(key, value / rate)
    return to_home_currency(value, rate)


# --- lines -------------------------------------------------------------------


def read_lines(doc: Fields) -> list[Fields]:
    """``LineItems``, refusing a repeated ``LineItemID`` (it keys the line rows)."""
    lines = doc.blocks("LineItems")
    seen: set[str] = set()
    for line in lines:
        line_id = line.required_id("LineItemID")
        if line_id in seen:
            raise line.fail("LineItemID", f"repeats {line_id} within the document")
        seen.add(line_id)
    return lines


def line_basics(line: Fields) -> Row:
    """The columns every line table shares, straight from the Xero line."""
    item = line.block("Item")
    item_code = line.text("ItemCode", CODE_MAX)
    if item_code is None and item is not None:
        item_code = item.text("Code", CODE_MAX)
    return {
        "xero_line_id": line.required_id("LineItemID"),
        "product_item_id": item_code,
        "description": line.text("Description", TEXT_MAX),
        "quantity": line.amount("Quantity"),
        "unit_price": line.amount("UnitAmount"),
        "account_code": line.text("AccountCode", CODE_MAX),
        "tax_type": line.text("TaxType", CODE_MAX),
    }


def _line_amount(line: Fields) -> Decimal:
    value = line.amount("LineAmount")
    if value is not None:
        return value
    if line.has("Quantity") or line.has("UnitAmount"):
        raise line.fail("LineAmount", "is missing on a priced line")
    return _ZERO  # a description-only line


def line_values_of(line: Fields, amount_type: LineAmountType) -> LineValues:
    """The line's values by ``LineAmountTypes``, each checked to fit the columns."""
    values = line_values(_line_amount(line), line.amount_or_zero("TaxAmount"), amount_type)
    line.check_amount("LineAmount", values.net)
    line.check_amount("LineAmount", values.gross)
    return values


def sales_line_values(line: Fields, amount_type: LineAmountType, rate: Decimal | None) -> Row:
    """A sales line's discount, values and home-currency values (document sign)."""
    values = line_values_of(line, amount_type)
    return {
        "discount_rate": line.amount("DiscountRate"),
        "net_value": values.net,
        "tax_value": values.tax,
        "gross_value": values.gross,
        "home_net_value": home_value(line, "LineAmount", values.net, rate),
        "home_gross_value": home_value(line, "LineAmount", values.gross, rate),
    }


# --- the fast reading of plain lines (see ``mapping.plain``) ---------------------

#: the columns ``plain_sales_lines`` gives, in ``line_basics`` + ``sales_line_values`` order
PLAIN_LINE_KEYS = (
    "xero_line_id",
    "product_item_id",
    "description",
    "quantity",
    "unit_price",
    "account_code",
    "tax_type",
    "discount_rate",
    "net_value",
    "tax_value",
    "gross_value",
    "home_net_value",
    "home_gross_value",
)


def plain_sales_lines(
    record: Mapping[str, Any], amount_type: LineAmountType, rate: Decimal | None
) -> list[tuple[Any, ...]]:
    """The values of ``read_lines`` → ``line_basics`` + ``sales_line_values`` of each
    line of a plain record, in ``PLAIN_LINE_KEYS`` order; ``NotPlain`` at any other."""
    items = record.get("LineItems")
    if items is None:
        return []
    if type(items) is not list:
        raise NotPlain
    rate = None if rate is None or rate == 1 else rate
    rows: list[tuple[Any, ...]] = []
    seen: set[str] = set()
    for line in items:
        if line is None:
            continue
        if type(line) is not dict:
            raise NotPlain
        line_id = plain.required_id(line, "LineItemID")
        if line_id in seen:
            raise NotPlain
        seen.add(line_id)
        rows.append(_plain_sales_line(line, line_id, amount_type, rate))
    return rows


def _plain_sales_line(
    line: dict[str, Any], line_id: str, amount_type: LineAmountType, rate: Decimal | None
) -> tuple[Any, ...]:
    """One line's values (the hot path of a first sync: ``line_values`` is worked
    out inline); ``rate`` None for 1."""
    text, amount, checked, home = plain.text, plain.amount, plain.checked, plain.home
    item = line.get("Item")
    code = text(line, "ItemCode", CODE_MAX)
    if item is not None:
        if type(item) is not dict:
            raise NotPlain
        if code is None:
            code = text(item, "Code", CODE_MAX)
    quantity = amount(line, "Quantity")
    unit = amount(line, "UnitAmount")
    line_amount = amount(line, "LineAmount")
    if line_amount is None:
        if quantity is not None or unit is not None:
            raise NotPlain  # a priced line without its amount: named field by field
        line_amount = _ZERO
    tax = amount(line, "TaxAmount")
    if tax is None:
        tax = _ZERO
    if amount_type is LineAmountType.EXCLUSIVE:
        net, gross = line_amount, checked(line_amount + tax)
    elif amount_type is LineAmountType.INCLUSIVE:
        net, gross = checked(line_amount - tax), line_amount
    else:
        net, tax, gross = line_amount, _ZERO, line_amount
    return (
        line_id,
        code,
        text(line, "Description", TEXT_MAX),
        quantity,
        unit,
        text(line, "AccountCode", CODE_MAX),
        text(line, "TaxType", CODE_MAX),
        amount(line, "DiscountRate"),
        net,
        tax,
        gross,
        home(net, rate),
        home(gross, rate),
    )
