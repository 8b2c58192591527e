"""The CRM's own vocabularies, as enums whose values are the contract's strings.

Each enum's values are exactly what the CRM database contract stores in the
matching column, so ``OrderStatus.INVOICE.value`` is what lands in
``sales_order_header.order_status``.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "CompanyType",
    "CountryType",
    "OrderStatus",
    "Origin",
    "TransactionType",
    "VatTransactionType",
]


class CompanyType(StrEnum):
    """``company.company_type``."""

    CUSTOMER = "Customer"
    SUPPLIER = "Supplier"


class OrderStatus(StrEnum):
    """``sales_order_header.order_status``."""

    INVOICE = "Invoice"
    PENDING = "Pending"
    DELETED = "Deleted"
    VOIDED = "Voided"


class TransactionType(StrEnum):
    """``sales_transaction.transaction_type``: an invoice line or a credit line."""

    INVOICE = "I"
    CREDIT = "C"


class VatTransactionType(StrEnum):
    """``vat_code.transaction_type``: which side of trade a tax code applies to."""

    SALES = "Sales"
    PURCHASE = "Purchase"


class CountryType(StrEnum):
    """``vat_code.country_type``: where the other party trades from."""

    HOME = "Home"
    EU_REGISTERED = "EU Registered"
    EU_UNREGISTERED = "EU Unregistered"
    NON_EU = "Non-EU"


class Origin(StrEnum):
    """``sales_ledger.origin`` and ``product.origin``: which side created the row."""

    XERO = "xero"
    CRM = "crm"
