"""CRM rows to Xero request bodies: the push half of the mapping, pure.

The reverse of the pull's rules (mapping-rules, "Pushes"): a CRM customer
becomes a Xero contact whose ContactNumber is ``CRM-`` + its sales ledger id,
a CRM product becomes an item, a confirmed quote becomes one ACCREC invoice.
Inputs are rows as dicts keyed by the contract's column names; outputs are
JSON-ready dicts with Decimal amounts (the client writes them exactly).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from xerodesk.errors import ReviewError

__all__ = [
    "InvoiceSettings",
    "PushInputError",
    "address_block",
    "contact_body",
    "contact_number",
    "invoice_body",
    "item_body",
    "quote_url",
]

#: Xero's limits on the fields we send: a name, code or reference over its limit is
#: refused for correction; item names and descriptions are cut to fit
_NAME_MAX = 255
_ITEM_NAME_MAX = 50
_ITEM_CODE_MAX = 30
_REFERENCE_MAX = 255
_DESCRIPTION_MAX = 4000

Row = Mapping[str, Any]


class PushInputError(ReviewError):
    """A CRM record that cannot be sent as it stands; the text says what to fix."""


def contact_number(sales_ledger_id: int) -> str:
    """The ContactNumber that ties a Xero contact to its CRM customer."""
    return f"CRM-{sales_ledger_id}"


def _text(row: Row, column: str) -> str | None:
    value = row.get(column)
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _required(row: Row, column: str, what: str, limit: int) -> str:
    text = _text(row, column)
    if text is None:
        raise PushInputError(f"{what} has no {column.replace('_', ' ')}")
    if len(text) > limit:
        raise PushInputError(
            f"{what}: {column.replace('_', ' ')} is longer than {limit} characters"
        )
    return text


def _address(row: Row) -> dict[str, Any]:
    """The POBOX address: lines 1–4, line 5 back to City and Region."""
    address: dict[str, Any] = {"AddressType": "POBOX"}
    for index in range(1, 5):
        line = _text(row, f"address_line{index}")
        if line:
            address[f"AddressLine{index}"] = line
    line5 = _text(row, "address_line5")
    if line5:
        city, _, region = line5.partition(", ")
        address["City"] = city
        if region:
            address["Region"] = region
    for column, field in (("postcode", "PostalCode"), ("country", "Country")):
        value = _text(row, column)
        if value:
            address[field] = value
    return address


def address_block(row: Row) -> dict[str, Any]:
    """The POBOX address of a ledger row, as Xero takes it (also for updates)."""
    return _address(row)


def contact_body(ledger: Row) -> dict[str, Any]:
    """A CRM customer (``sales_ledger`` row) as a Xero contact to create."""
    what = f"customer {ledger.get('id')}"
    body: dict[str, Any] = {
        "Name": _required(ledger, "name", what, _NAME_MAX),
        "ContactNumber": contact_number(int(ledger["id"])),
    }
    optional = (
        ("account_number", "AccountNumber"),
        ("email", "EmailAddress"),
        ("currency_code", "DefaultCurrency"),
        ("tax_type", "AccountsReceivableTaxType"),
        ("vat_number", "TaxNumber"),
    )
    for column, field in optional:
        value = _text(ledger, column)
        if value:
            body[field] = value
    phones = [
        {"PhoneType": kind, "PhoneNumber": number}
        for column, kind in (("phone", "DEFAULT"), ("fax", "FAX"))
        if (number := _text(ledger, column))
    ]
    if phones:
        body["Phones"] = phones
    address = _address(ledger)
    if len(address) > 1:
        body["Addresses"] = [address]
    discount = ledger.get("overall_discount")
    if isinstance(discount, Decimal) and discount:
        body["Discount"] = discount
    return body


def item_body(product: Row) -> dict[str, Any]:
    """A CRM product as a Xero item to create (untracked: stock stays in Xero's hands)."""
    what = f"product {product.get('id')}"
    code = _required(product, "product_item_id", what, _ITEM_CODE_MAX)
    name = _text(product, "description") or code
    body: dict[str, Any] = {"Code": code, "Name": name[:_ITEM_NAME_MAX]}
    description = _text(product, "extended_description")
    if description:
        body["Description"] = description[:_DESCRIPTION_MAX]
    sales = _details(product, "sell_price", "sales_analysis", "vat_code")
    purchase = _details(product, "cost_price", "purchase_analysis", None)
    if sales:
        body["SalesDetails"] = sales
    if purchase:
        body["PurchaseDetails"] = purchase
    body["IsSold"] = product.get("sellable") is not False
    body["IsPurchased"] = bool(purchase)
    return body


def _details(row: Row, price: str, account: str, tax: str | None) -> dict[str, Any]:
    details: dict[str, Any] = {}
    if isinstance(row.get(price), Decimal):
        details["UnitPrice"] = row[price]
    if _text(row, account):
        details["AccountCode"] = _text(row, account)
    if tax and _text(row, tax):
        details["TaxType"] = _text(row, tax)
    return details


@dataclass(frozen=True)
class InvoiceSettings:
    """The system options that shape a pushed invoice."""

    status: str = "DRAFT"
    combine_descriptions: bool = False
    delivery_account_code: str = ""
    delivery_description: str = "Delivery"
    quote_url_template: str = ""


def quote_url(template: str, quote: Row) -> str | None:
    """The back-link to the quote, or None without a template."""
    if not template:
        return None
    return template.replace("{quote_id}", str(quote.get("id", ""))).replace(
        "{quote_number}", str(quote.get("quote_number") or "")
    )


def _line_description(line: Row, product: Row | None, combine: bool) -> str:
    base = _text(line, "description") or (product and _text(product, "description")) or ""
    extended = product and _text(product, "extended_description")
    if combine and extended and extended not in base:
        base = f"{base}\n{extended}" if base else extended
    return (base or "Item")[:_DESCRIPTION_MAX]


def _invoice_line(line: Row, product: Row | None, settings: InvoiceSettings) -> dict[str, Any]:
    quantity = line.get("quantity")
    price = line.get("unit_price")
    if not isinstance(quantity, Decimal) or not isinstance(price, Decimal):
        raise PushInputError(f"quote line {line.get('line_number')} has no quantity or unit price")
    body: dict[str, Any] = {
        "Description": _line_description(line, product, settings.combine_descriptions),
        "Quantity": quantity,
        "UnitAmount": price,
    }
    if product is not None and _text(product, "product_item_id"):
        body["ItemCode"] = _text(product, "product_item_id")
    if product is not None and _text(product, "sales_analysis"):
        body["AccountCode"] = _text(product, "sales_analysis")
    discount = line.get("discount_rate")
    if isinstance(discount, Decimal) and discount:
        body["DiscountRate"] = discount
    tax = _text(line, "tax_type") or (product and _text(product, "vat_code"))
    if tax:
        body["TaxType"] = tax
    return body


def invoice_body(
    quote: Row,
    lines: Sequence[Row],
    products: Mapping[int, Row],
    contact_id: str,
    settings: InvoiceSettings,
    today: date,
) -> dict[str, Any]:
    """A confirmed quote as one ACCREC invoice (a delivery line for a delivery charge)."""
    what = f"quote {quote.get('quote_number') or quote.get('id')}"
    if not lines:
        raise PushInputError(f"{what} has no lines")
    ordered = sorted(lines, key=lambda line: (line.get("line_number") or 0, line.get("id") or 0))
    items = [
        _invoice_line(line, products.get(line.get("product_id") or -1), settings)
        for line in ordered
    ]
    delivery = quote.get("delivery_charge")
    if isinstance(delivery, Decimal) and delivery > 0:
        charge: dict[str, Any] = {
            "Description": settings.delivery_description or "Delivery",
            "Quantity": Decimal(1),
            "UnitAmount": delivery,
        }
        if settings.delivery_account_code:
            charge["AccountCode"] = settings.delivery_account_code
        items.append(charge)
    confirmed = quote.get("confirmed_at")
    issued = confirmed.date() if isinstance(confirmed, datetime) else today
    body: dict[str, Any] = {
        "Type": "ACCREC",
        "Contact": {"ContactID": contact_id},
        "Date": issued.isoformat(),
        "LineAmountTypes": "Exclusive",
        "Status": settings.status,
        "Reference": _required(quote, "quote_number", what, _REFERENCE_MAX),
        "LineItems": items,
    }
    currency = _text(quote, "currency_code")
    if currency:
        body["CurrencyCode"] = currency
    url = quote_url(settings.quote_url_template, quote)
    if url:
        body["Url"] = url
    return body
