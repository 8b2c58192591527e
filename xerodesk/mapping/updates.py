"""CRM values sent back to Xero: update bodies for chosen fields, pure.

"Send the CRM value to Xero" updates one Xero record with the CRM's values of
the fields a review item names (``part.column``, e.g. ``sales_ledger.email``),
and nothing else: the body carries the record's id and only the Xero fields
those columns map from (the reverse of ``mapping.contacts`` and
``mapping.items``). An address is sent whole (Xero replaces the POBOX
address), a phone as its own slot. Xero's read-only fields (a contact's
website and discount) cannot be sent: ``UnsendableFieldError`` says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from xerodesk.errors import ConfigurationError
from xerodesk.mapping.push import address_block

__all__ = ["UnsendableFieldError", "contact_update_body", "item_update_body"]

Row = Mapping[str, Any]


class UnsendableFieldError(ConfigurationError):
    """A field Xero does not accept through its API, or one this mapping does not know."""


_CONTACT_TEXT = {
    "name": "Name",
    "email": "EmailAddress",
    "account_number": "AccountNumber",
    "currency_code": "DefaultCurrency",
    "tax_type": "AccountsReceivableTaxType",
    "vat_number": "TaxNumber",
}
_PERSON_TEXT = {"first_name": "FirstName", "last_name": "LastName", "email": "EmailAddress"}
_PHONES = {"phone": "DEFAULT", "fax": "FAX"}
_ADDRESS = {"address_line1", "address_line2", "address_line3", "address_line4"}
_ADDRESS |= {"address_line5", "country", "postcode"}
_LEDGERS = ("sales_ledger", "purchase_ledger", "company")


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _split(field: str) -> tuple[str, str]:
    part, _, column = field.partition(".")
    if not column:
        raise UnsendableFieldError(f"'{field}' does not name a CRM table and column")
    return part, column


def contact_update_body(
    contact_id: str, fields: list[str], rows: Mapping[str, Row | None]
) -> dict[str, Any]:
    """The update of Xero contact ``contact_id`` with the CRM values of ``fields``.

    ``rows`` are the contact's CRM rows by part (``company``, ``sales_ledger``,
    ``purchase_ledger``, ``contact``). Text sent empty clears the field in Xero.
    """
    body: dict[str, Any] = {"ContactID": contact_id}
    for field in fields:
        part, column = _split(field)
        row = rows.get(part) or {}
        if part == "contact" and column in _PERSON_TEXT:
            body[_PERSON_TEXT[column]] = _text(row.get(column))
        elif part == "contact" and column == "phone":
            _phone(body, "DEFAULT", row.get(column))
        elif part in _LEDGERS and column in _CONTACT_TEXT:
            body[_CONTACT_TEXT[column]] = _text(row.get(column))
        elif part in _LEDGERS and column in _PHONES:
            _phone(body, _PHONES[column], row.get(column))
        elif part in ("sales_ledger", "purchase_ledger") and column in _ADDRESS:
            body["Addresses"] = [address_block(row)]
        else:
            raise UnsendableFieldError(
                f"Xero does not accept {field} through its API; change it in Xero instead"
            )
    return body


def _phone(body: dict[str, Any], kind: str, value: Any) -> None:
    phones = [p for p in body.get("Phones", []) if p.get("PhoneType") != kind]
    phones.append({"PhoneType": kind, "PhoneNumber": _text(value)})
    body["Phones"] = phones


_ITEM_TEXT = {"description": "Name", "extended_description": "Description"}
#: product column → (Xero block, field)
_ITEM_DETAILS = {
    "sell_price": ("SalesDetails", "UnitPrice"),
    "sales_analysis": ("SalesDetails", "AccountCode"),
    "vat_code": ("SalesDetails", "TaxType"),
    "cost_price": ("PurchaseDetails", "UnitPrice"),
    "purchase_analysis": ("PurchaseDetails", "AccountCode"),
}


def item_update_body(item_id: str, fields: list[str], product: Row) -> dict[str, Any]:
    """The update of Xero item ``item_id`` (its Code always goes: Xero requires it)."""
    code = _text(product.get("product_item_id"))
    if not code:
        raise UnsendableFieldError("the product has no code, which Xero requires")
    body: dict[str, Any] = {"ItemID": item_id, "Code": code}
    for field in fields:
        part, column = _split(field)
        if part != "product":
            raise UnsendableFieldError(f"'{field}' is not a product field")
        value = product.get(column)
        if column in _ITEM_TEXT:
            body[_ITEM_TEXT[column]] = _text(value)
        elif column in _ITEM_DETAILS:
            block, key = _ITEM_DETAILS[column]
            body.setdefault(block, {})[key] = _price(value) if key == "UnitPrice" else _text(value)
        else:
            raise UnsendableFieldError(
                f"Xero does not accept {field} through its API; change it in Xero instead"
            )
    return body


def _price(value: Any) -> Decimal:
    if value is None:
        return Decimal(0)
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        raise UnsendableFieldError(f"'{value}' is not a price") from None
