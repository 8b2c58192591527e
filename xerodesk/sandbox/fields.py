"""What the sandbox knows about each Xero collection: keys and field types.

The field types drive the ``where`` parser's type checks (Xero refuses
``IsSold=="true"`` and ``ContactID=="…"`` with a QueryParseException) and the
conversion of stored JSON values into comparable Python values.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class FieldType(StrEnum):
    STRING = "String"
    GUID = "Guid"
    BOOL = "Boolean"
    NUMBER = "Decimal"
    DATE = "DateTime"
    OBJECT = "Object"
    ARRAY = "Array"
    CONTACT = "Contact"  # a document's embedded contact: typed as a Contact


S, G, B, N, D, OBJ, A = (
    FieldType.STRING,
    FieldType.GUID,
    FieldType.BOOL,
    FieldType.NUMBER,
    FieldType.DATE,
    FieldType.OBJECT,
    FieldType.ARRAY,
)

_DOCUMENT: dict[str, FieldType] = {
    "Type": S,
    "Contact": FieldType.CONTACT,
    "LineItems": A,
    "Date": D,
    "DueDate": D,
    "LineAmountTypes": S,
    "Reference": S,
    "BrandingThemeID": G,
    "CurrencyCode": S,
    "CurrencyRate": N,
    "Status": S,
    "SentToContact": B,
    "SubTotal": N,
    "TotalTax": N,
    "Total": N,
    "TotalDiscount": N,
    "CISDeduction": N,
    "CISRate": N,
    "HasAttachments": B,
    "IsDiscounted": B,
    "HasErrors": B,
    "Payments": A,
    "Prepayments": A,
    "Overpayments": A,
    "CreditNotes": A,
    "Attachments": A,
    "FullyPaidOnDate": D,
    "UpdatedDateUTC": D,
    "UpdatedDateUTCString": S,
    "DateString": S,
    "DueDateString": S,
}

CONTACT_FIELDS: dict[str, FieldType] = {
    "ContactID": G,
    "MergedToContactID": G,
    "ContactNumber": S,
    "AccountNumber": S,
    "ContactStatus": S,
    "Name": S,
    "FirstName": S,
    "LastName": S,
    "CompanyNumber": S,
    "EmailAddress": S,
    "ContactPersons": A,
    "BankAccountDetails": S,
    "TaxNumber": S,
    "TaxNumberType": S,
    "AccountsReceivableTaxType": S,
    "AccountsPayableTaxType": S,
    "Addresses": A,
    "Phones": A,
    "IsSupplier": B,
    "IsCustomer": B,
    "SalesDefaultLineAmountType": S,
    "PurchasesDefaultLineAmountType": S,
    "DefaultCurrency": S,
    "XeroNetworkKey": S,
    "SalesDefaultAccountCode": S,
    "PurchasesDefaultAccountCode": S,
    "SalesTrackingCategories": A,
    "PurchasesTrackingCategories": A,
    "PaymentTerms": OBJ,
    "UpdatedDateUTC": D,
    "ContactGroups": A,
    "Website": S,
    "BrandingTheme": OBJ,
    "BatchPayments": OBJ,
    "Discount": N,
    "Balances": OBJ,
    "Attachments": A,
    "HasAttachments": B,
    "HasValidationErrors": B,
}


@dataclass(frozen=True)
class Kind:
    """One Xero collection as the sandbox stores and serves it."""

    name: str  # collection key on the wire, e.g. "Invoices"
    key: str  # identifying field, e.g. "InvoiceID"
    number: str | None  # secondary lookup field (InvoiceNumber, ContactNumber, …)
    fields: dict[str, FieldType]
    index: tuple[str, ...]  # fields kept outside the JSON blob for fast filters
    paged: bool = False
    modified_since: bool = False

    def field_type(self, name: str) -> FieldType | None:
        return self.fields.get(name)

    def canonical(self, name: str) -> str | None:
        """The field's real spelling, matched case-insensitively."""
        if name in self.fields:
            return name
        lowered = name.lower()
        for known in self.fields:
            if known.lower() == lowered:
                return known
        return None


CONTACTS = Kind(
    name="Contacts",
    key="ContactID",
    number="ContactNumber",
    fields=CONTACT_FIELDS,
    index=(
        "Name",
        "ContactNumber",
        "AccountNumber",
        "EmailAddress",
        "ContactStatus",
        "IsCustomer",
        "IsSupplier",
        "FirstName",
        "LastName",
    ),
    paged=True,
    modified_since=True,
)

ITEMS = Kind(
    name="Items",
    key="ItemID",
    number="Code",
    fields={
        "ItemID": G,
        "Code": S,
        "Name": S,
        "Description": S,
        "PurchaseDescription": S,
        "InventoryAssetAccountCode": S,
        "IsSold": B,
        "IsPurchased": B,
        "IsTrackedAsInventory": B,
        "PurchaseDetails": OBJ,
        "SalesDetails": OBJ,
        "TotalCostPool": N,
        "QuantityOnHand": N,
        "UpdatedDateUTC": D,
    },
    index=("Code", "Name", "IsSold", "IsPurchased", "IsTrackedAsInventory"),
    modified_since=True,
)

INVOICES = Kind(
    name="Invoices",
    key="InvoiceID",
    number="InvoiceNumber",
    fields={
        **_DOCUMENT,
        "InvoiceID": G,
        "InvoiceNumber": S,
        "Url": S,
        "ExpectedPaymentDate": D,
        "PlannedPaymentDate": D,
        "RepeatingInvoiceID": G,
        "AmountDue": N,
        "AmountPaid": N,
        "AmountCredited": N,
    },
    index=(
        "Type",
        "Status",
        "InvoiceNumber",
        "Contact.ContactID",
        "Reference",
        "Date",
        "DueDate",
        "AmountDue",
        "AmountPaid",
        "AmountCredited",
        "Total",
        "CurrencyCode",
    ),
    paged=True,
    modified_since=True,
)

CREDIT_NOTES = Kind(
    name="CreditNotes",
    key="CreditNoteID",
    number="CreditNoteNumber",
    fields={
        **_DOCUMENT,
        "CreditNoteID": G,
        "CreditNoteNumber": S,
        "ID": G,
        "RemainingCredit": N,
        "AppliedAmount": N,
        "Allocations": A,
    },
    index=(
        "Type",
        "Status",
        "CreditNoteNumber",
        "Contact.ContactID",
        "Reference",
        "Date",
        "DueDate",
        "Total",
        "RemainingCredit",
        "CurrencyCode",
    ),
    paged=True,
    modified_since=True,
)

PURCHASE_ORDERS = Kind(
    name="PurchaseOrders",
    key="PurchaseOrderID",
    number="PurchaseOrderNumber",
    fields={
        **{k: v for k, v in _DOCUMENT.items() if k not in ("DueDate", "DueDateString")},
        "PurchaseOrderID": G,
        "PurchaseOrderNumber": S,
        "DeliveryDate": D,
        "ExpectedArrivalDate": D,
        "DeliveryAddress": S,
        "AttentionTo": S,
        "Telephone": S,
        "DeliveryInstructions": S,
    },
    index=("Status", "PurchaseOrderNumber", "Contact.ContactID", "Reference", "Date", "Total"),
    paged=True,
    modified_since=True,
)

TAX_RATES = Kind(
    name="TaxRates",
    key="TaxType",
    number=None,
    fields={
        "Name": S,
        "TaxType": S,
        "TaxComponents": A,
        "Status": S,
        "ReportTaxType": S,
        "CanApplyToAssets": B,
        "CanApplyToEquity": B,
        "CanApplyToExpenses": B,
        "CanApplyToLiabilities": B,
        "CanApplyToRevenue": B,
        "DisplayTaxRate": N,
        "EffectiveRate": N,
    },
    index=("Name", "Status"),
)

CURRENCIES = Kind(
    name="Currencies",
    key="Code",
    number=None,
    fields={"Code": S, "Description": S},
    index=("Description",),
)

KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (CONTACTS, ITEMS, INVOICES, CREDIT_NOTES, PURCHASE_ORDERS, TAX_RATES, CURRENCIES)
}
DOCUMENT_KINDS = (INVOICES, CREDIT_NOTES, PURCHASE_ORDERS)


def kind_named(name: str) -> Kind:
    """The collection called ``name`` (case-insensitive); KeyError if unknown."""
    for kind in KINDS.values():
        if kind.name.lower() == name.lower():
            return kind
    raise KeyError(name)
