"""A Xero contact → the CRM's company, division, ledgers and contact rows.

Feature sheet, "Customers", "Contacts" and "Suppliers"; mapping rules,
"Contacts". One Xero contact gives one ``company`` and one ``division``, a
``sales_ledger`` when it is a customer, a ``purchase_ledger`` when it is a
supplier, and a ``contact`` for its primary person. The engine links them
(``company_id``, ``division_id``) and keys every row on the ContactID.

``origin`` is "xero" on sales ledgers made from Xero and is left out of
``XERO_OWNED_SALES_LEDGER_COLUMNS``, so a CRM-created customer that was pushed
keeps ``origin = 'crm'`` when it comes back. Pure, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from xerodesk.domain.values import CompanyType, Origin
from xerodesk.domain.xero_codes import AddressType, ContactStatus, PhoneType
from xerodesk.mapping.reader import CODE_MAX, NAME_MAX, TEXT_MAX, Fields, Row

__all__ = [
    "XERO_OWNED_COMPANY_COLUMNS",
    "XERO_OWNED_CONTACT_COLUMNS",
    "XERO_OWNED_DIVISION_COLUMNS",
    "XERO_OWNED_PURCHASE_LEDGER_COLUMNS",
    "XERO_OWNED_SALES_LEDGER_COLUMNS",
    "MappedContact",
    "company_type_for",
    "display_description",
    "map_contact",
]

XERO_OWNED_COMPANY_COLUMNS = (
    "name",
    "company_type",
    "phone",
    "fax",
    "email",
    "website",
    "xero_contact_id",
)
XERO_OWNED_DIVISION_COLUMNS = ("name", "xero_contact_id")
_ADDRESS_COLUMNS = (
    "address_line1",
    "address_line2",
    "address_line3",
    "address_line4",
    "address_line5",
    "country",
    "postcode",
)
#: every mapped sales_ledger column but ``origin`` (kept 'crm' on pushed customers)
XERO_OWNED_SALES_LEDGER_COLUMNS = (
    "sales_ledger_id",
    "account_number",
    "display_description",
    "name",
    "phone",
    "fax",
    "email",
    *_ADDRESS_COLUMNS,
    "currency_code",
    "tax_type",
    "vat_number",
    "overall_discount",
    "on_stop",
    "balance_outstanding",
    "balance_overdue",
    "xero_updated_at",
)
XERO_OWNED_PURCHASE_LEDGER_COLUMNS = (
    "purchase_ledger_id",
    "name",
    "phone",
    "fax",
    "email",
    "website",
    *_ADDRESS_COLUMNS,
    "currency_code",
    "xero_updated_at",
)
XERO_OWNED_CONTACT_COLUMNS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "is_primary",
    "xero_contact_id",
)


@dataclass(frozen=True)
class MappedContact:
    """One Xero contact as CRM rows; ``sales_ledger``/``purchase_ledger``/``contact``
    are None when the contact is not a customer / not a supplier / has no person."""

    contact_id: str
    name: str
    status: ContactStatus
    updated_at: datetime
    merged_to: str | None
    company_type: CompanyType
    company: Row
    division: Row
    sales_ledger: Row | None
    purchase_ledger: Row | None
    contact: Row | None


def company_type_for(is_customer: bool, is_supplier: bool) -> CompanyType:
    """Sheet "Company type": customers, and contacts that are both, are Customers;
    suppliers only are Suppliers; neither flag set counts as a customer (rules)."""
    if is_supplier and not is_customer:
        return CompanyType.SUPPLIER
    return CompanyType.CUSTOMER


def display_description(name: str, account_number: str | None, show_account_number: bool) -> str:
    """Sheet "Customer account code": the Xero account number when the option
    ``display_account_number`` is on and the number is set, else the name."""
    if show_account_number and account_number is not None and account_number.strip():
        return account_number.strip()
    return name


def map_contact(record: Mapping[str, Any], *, display_account_number: bool) -> MappedContact:
    """Map one Xero contact; raises ``MalformedXeroRecordError`` naming the bad field."""
    fields = Fields.of_record(record, "contact", "ContactID", "Name")
    contact_id = fields.required_id("ContactID")
    # Sheet "Company name": the same Name on Company, Division and Sales Ledger.
    name = fields.required_text("Name", NAME_MAX)
    status = fields.choice("ContactStatus", ContactStatus, ContactStatus.ACTIVE)
    is_customer = fields.flag("IsCustomer", False)
    is_supplier = fields.flag("IsSupplier", False)
    company_type = company_type_for(is_customer, is_supplier)
    common = _common_columns(fields, name)
    company: Row = {
        "name": name,
        "company_type": company_type.value,
        "phone": common["phone"],
        "fax": common["fax"],
        "email": common["email"],
        "website": fields.text("Website", NAME_MAX),
        "xero_contact_id": contact_id,
    }
    # Rules "Type": customers get a sales ledger; suppliers a purchase ledger; both get both.
    sales_ledger = None
    if company_type is CompanyType.CUSTOMER:
        sales_ledger = _sales_ledger(fields, common, status, display_account_number)
    purchase_ledger = _purchase_ledger(fields, common, company) if is_supplier else None
    return MappedContact(
        contact_id=contact_id,
        name=name,
        status=status,
        updated_at=common["xero_updated_at"],
        merged_to=fields.xero_id("MergedToContactID"),
        company_type=company_type,
        company=company,
        division={"name": name, "xero_contact_id": contact_id},
        sales_ledger=sales_ledger,
        purchase_ledger=purchase_ledger,
        contact=_primary_person(fields, contact_id, common["phone"]),
    )


def _common_columns(fields: Fields, name: str) -> Row:
    """The columns both ledgers share."""
    return {
        "name": name,
        # Sheet "Company phone number": the DEFAULT phone; fax from the FAX phone.
        "phone": _phone(fields, PhoneType.DEFAULT),
        "fax": _phone(fields, PhoneType.FAX),
        # Sheet "Email address".
        "email": fields.text("EmailAddress", NAME_MAX),
        # Sheet "Postal address": the POBOX address.
        **_postal_address(fields),
        # Sheet "Default currency".
        "currency_code": fields.currency("DefaultCurrency"),
        "xero_updated_at": fields.required_instant("UpdatedDateUTC"),
    }


def _sales_ledger(
    fields: Fields, common: Row, status: ContactStatus, display_account_number: bool
) -> Row:
    account_number = fields.text("AccountNumber", CODE_MAX)
    outstanding, overdue = _receivable_balances(fields)
    return {
        # Sheet "Customer account code": ContactID → sales_ledger_id; the account
        # number (or the name, by option) → display_description.
        "sales_ledger_id": fields.required_id("ContactID"),
        "account_number": account_number,
        "display_description": display_description(
            common["name"], account_number, display_account_number
        ),
        **common,
        # Sheet "Sales tax type": AccountsReceivableTaxType → tax_type.
        "tax_type": fields.text("AccountsReceivableTaxType", CODE_MAX),
        # Sheet "VAT registration number": TaxNumber → vat_number.
        "vat_number": fields.text("TaxNumber", CODE_MAX),
        # Sheet "Discount": Discount → overall_discount.
        "overall_discount": fields.amount("Discount"),
        # Sheet "On stop status": on stop exactly while ARCHIVED.
        "on_stop": status is ContactStatus.ARCHIVED,
        # Sheet "Customer balance": AR outstanding and overdue.
        "balance_outstanding": outstanding,
        "balance_overdue": overdue,
        "origin": Origin.XERO.value,
    }


def _purchase_ledger(fields: Fields, common: Row, company: Row) -> Row:
    # Sheet "Suppliers": Purchase Ledgers with address, phone, email, fax and website.
    return {
        "purchase_ledger_id": fields.required_id("ContactID"),
        **common,
        "website": company["website"],
    }


def _primary_person(fields: Fields, contact_id: str, phone: str | None) -> Row | None:
    """Sheet "Contacts": First Name, Last Name, Email and primary phone; other
    ContactPersons are not imported; no name and no email → no contact row."""
    first = fields.text("FirstName", NAME_MAX)
    last = fields.text("LastName", NAME_MAX)
    email = fields.text("EmailAddress", NAME_MAX)
    if first is None and last is None and email is None:
        return None
    return {
        "first_name": first,
        "last_name": last,
        "email": email,
        "phone": phone,
        "is_primary": True,
        "xero_contact_id": contact_id,
    }


def _join(parts: list[str | None], separator: str) -> str | None:
    """The non-empty parts joined by ``separator``; nothing left → None."""
    kept = [part for part in parts if part]
    return separator.join(kept) if kept else None


def _phone(fields: Fields, phone_type: PhoneType) -> str | None:
    """Rules "Phone": country code, area code and number of the first phone of
    ``phone_type``, the non-empty ones joined by one space; empty → None."""
    for index, phone in enumerate(fields.blocks("Phones")):
        kind = phone.text("PhoneType", CODE_MAX)
        if kind is None or kind.upper() != phone_type.value:
            continue
        parts = [phone.text(key) for key in ("PhoneCountryCode", "PhoneAreaCode", "PhoneNumber")]
        joined = _join(parts, " ")
        if joined is not None:
            fields.check_text(f"Phones[{index}]", joined, NAME_MAX)
        return joined
    return None


def _postal_address(fields: Fields) -> Row:
    """Rules "Postal address": AddressLine1..4 → address_line1..4; City and Region
    → address_line5 joined by ", "; PostalCode → postcode; Country → country."""
    for address in fields.blocks("Addresses"):
        kind = address.text("AddressType", CODE_MAX)
        if kind is None or kind.upper() != AddressType.POBOX.value:
            continue
        row: Row = {
            f"address_line{n}": address.text(f"AddressLine{n}", TEXT_MAX) for n in range(1, 5)
        }
        city_region = [address.text("City", TEXT_MAX), address.text("Region", TEXT_MAX)]
        row["address_line5"] = _join(city_region, ", ")
        row["country"] = address.text("Country", NAME_MAX)
        row["postcode"] = address.text("PostalCode", CODE_MAX)
        return row
    return dict.fromkeys(_ADDRESS_COLUMNS)


def _receivable_balances(fields: Fields) -> tuple[Decimal | None, Decimal | None]:
    balances = fields.block("Balances")
    receivable = balances.block("AccountsReceivable") if balances is not None else None
    if receivable is None:
        return None, None
    return receivable.amount("Outstanding"), receivable.amount("Overdue")
