"""Xero's own vocabularies (statuses, types), as enums with Xero's spelling.

Values are what Xero sends on the wire. ``LineAmountType`` is the one Xero
spells two ways (``Exclusive`` on documents, ``EXCLUSIVE`` in contact
defaults); ``LineAmountType.parse`` accepts either.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "AddressType",
    "ContactStatus",
    "CreditNoteType",
    "DocumentStatus",
    "InvoiceType",
    "LineAmountType",
    "PhoneType",
    "PurchaseOrderStatus",
    "TaxRateStatus",
]


class ContactStatus(StrEnum):
    ACTIVE = "ACTIVE"
    ARCHIVED = "ARCHIVED"
    GDPRREQUEST = "GDPRREQUEST"


class InvoiceType(StrEnum):
    ACCREC = "ACCREC"
    ACCPAY = "ACCPAY"


class CreditNoteType(StrEnum):
    ACCRECCREDIT = "ACCRECCREDIT"
    ACCPAYCREDIT = "ACCPAYCREDIT"


class DocumentStatus(StrEnum):
    """The status of an invoice or a credit note."""

    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"
    AUTHORISED = "AUTHORISED"
    PAID = "PAID"
    VOIDED = "VOIDED"
    DELETED = "DELETED"


class PurchaseOrderStatus(StrEnum):
    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"
    AUTHORISED = "AUTHORISED"
    BILLED = "BILLED"
    DELETED = "DELETED"


class TaxRateStatus(StrEnum):
    ACTIVE = "ACTIVE"
    DELETED = "DELETED"
    ARCHIVED = "ARCHIVED"
    PENDING = "PENDING"


class LineAmountType(StrEnum):
    """Whether line amounts include tax."""

    EXCLUSIVE = "Exclusive"
    INCLUSIVE = "Inclusive"
    NO_TAX = "NoTax"

    @classmethod
    def parse(cls, text: str) -> LineAmountType:
        """The type named by ``text`` in any letter case; ``ValueError`` if none."""
        folded = text.strip().casefold()
        for member in cls:
            if member.value.casefold() == folded:
                return member
        raise ValueError(f"not a line amount type: {text!r}")


class PhoneType(StrEnum):
    DEFAULT = "DEFAULT"
    DDI = "DDI"
    MOBILE = "MOBILE"
    FAX = "FAX"
    OFFICE = "OFFICE"


class AddressType(StrEnum):
    POBOX = "POBOX"
    STREET = "STREET"
