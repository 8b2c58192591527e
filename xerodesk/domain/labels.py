"""How a person names the CRM's records and fields: the one table of labels.

The engine keeps fields as ``table.column`` (``sales_ledger.phone``) and
records as a table and a row; people know a customer's phone and quote
Q-0001. Review items, the app's tables and the history use these labels, so
the words are the same everywhere. Pure, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "RECORD_NOUNS",
    "field_label",
    "fields_text",
    "record_noun",
    "record_text",
]

#: CRM table → what one of its rows is to a person
RECORD_NOUNS: dict[str, str] = {
    "sales_ledger": "Customer",
    "purchase_ledger": "Supplier",
    "company": "Company",
    "division": "Division",
    "contact": "Person",
    "product": "Product",
    "quote": "Quote",
    "quote_line": "Quote line",
    "sales_order_header": "Sales invoice",
    "sales_order_line": "Sales invoice line",
    "sales_transaction": "Sales transaction",
    "purchase_order_header": "Purchase order",
    "purchase_order_line": "Purchase order line",
    "purchase_transaction": "Purchase transaction",
    "vat_code": "Tax rate",
    "currency": "Currency",
    "stock": "Stock",
}

#: column → its label, the same in every table unless ``_TABLE_FIELDS`` says otherwise
_FIELDS: dict[str, str] = {
    "name": "name",
    "phone": "phone",
    "fax": "fax",
    "email": "email",
    "website": "website",
    "address_line1": "address line 1",
    "address_line2": "address line 2",
    "address_line3": "address line 3",
    "address_line4": "address line 4",
    "address_line5": "town or city",
    "postcode": "postcode",
    "country": "country",
    "currency_code": "currency",
    "tax_type": "tax rate",
    "vat_number": "tax number",
    "account_number": "account number",
    "overall_discount": "discount",
    "on_stop": "on stop",
    "balance_outstanding": "balance outstanding",
    "balance_overdue": "balance overdue",
    "company_type": "kind of company",
    "display_description": "shown as",
    "first_name": "first name",
    "last_name": "last name",
    "is_primary": "main contact",
    "product_item_id": "code",
    "description": "name",
    "extended_description": "description",
    "sell_price": "sale price",
    "cost_price": "cost price",
    "sales_analysis": "sales account",
    "purchase_analysis": "purchase account",
    "vat_code": "tax rate",
    "stocked": "stock tracked",
    "sellable": "sold",
    "obsolete": "no longer used",
    "origin": "made in",
    "xero_updated_at": "changed in Xero",
    "sales_ledger_id": "Xero contact",
    "purchase_ledger_id": "Xero contact",
    "xero_contact_id": "Xero contact",
    "xero_item_id": "Xero item",
    "xero_invoice_id": "Xero invoice",
    "status": "status",
    "total": "total",
    "quote_number": "quote number",
    "order_number": "number",
    "document_number": "number",
    "code": "code",
    "rate": "rate",
    "quantity": "quantity",
    # what the audit trail records beside fields
    "created": "created",
    "linked": "linked to Xero",
    "relinked": "linked to another Xero record",
    "contact_merged": "merged in Xero",
}

_TABLE_FIELDS: dict[tuple[str, str], str] = {
    ("vat_code", "name"): "name",
    ("currency", "description"): "name",
}


def record_noun(table: str | None) -> str:
    """``sales_ledger`` → ``Customer``; an unknown table in words."""
    if not table:
        return "Record"
    return RECORD_NOUNS.get(table, table.replace("_", " ").capitalize())


def record_text(table: str | None, name: str | None = None, row_id: int | None = None) -> str:
    """``Customer Acme Ltd``, or ``Customer number 7`` when the row has no name."""
    noun = record_noun(table)
    if name:
        return f"{noun} {name}"
    return f"{noun} number {row_id}" if row_id is not None else noun


def field_label(name: str, table: str | None = None) -> str:
    """A field in words: ``phone``; ``sales_ledger.phone`` → ``phone``.

    ``table`` is the record the field is shown with: a field of another part
    of it (a contact's company phone beside its customer) is named with that
    part, ``company phone``.
    """
    part, _dot, column = name.rpartition(".")
    label = _TABLE_FIELDS.get((part, column)) or _FIELDS.get(column) or column.replace("_", " ")
    if part and table and part != table:
        return f"{record_noun(part).lower()} {label}"
    return label


def fields_text(names: Iterable[str], table: str | None = None) -> str:
    """Several fields in words, ``phone, email and postcode``."""
    labels = list(dict.fromkeys(field_label(name, table) for name in names))
    if len(labels) <= 1:
        return "".join(labels)
    return ", ".join(labels[:-1]) + " and " + labels[-1]
