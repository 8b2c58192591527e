"""The CRM tables of the published contract (docs: crm-schema).

Names and columns are the contract's; added columns are marked "(ours)".
Money and quantities are exact decimals, timestamps UTC.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xerodesk.store.base import Base
from xerodesk.store.types import Code, LongText, Money, Name, Rate, UTCDateTime, XeroId

# --- Customers and suppliers -------------------------------------------------


class Company(Base):
    __tablename__ = "company"

    name: Mapped[str | None] = mapped_column(Name)
    company_type: Mapped[str | None] = mapped_column(Code)
    phone: Mapped[str | None] = mapped_column(Name)
    fax: Mapped[str | None] = mapped_column(Name)
    email: Mapped[str | None] = mapped_column(Name)
    website: Mapped[str | None] = mapped_column(Name)
    #: (ours) the Xero ContactID this company was made from, for re-imports
    xero_contact_id: Mapped[str | None] = mapped_column(XeroId, unique=True)


class Division(Base):
    __tablename__ = "division"

    company_id: Mapped[int | None] = mapped_column(ForeignKey("company.id"), index=True)
    name: Mapped[str | None] = mapped_column(Name)
    #: (ours) the Xero ContactID this division was made from
    xero_contact_id: Mapped[str | None] = mapped_column(XeroId, unique=True)


class SalesLedger(Base):
    __tablename__ = "sales_ledger"
    __table_args__ = (Index("ix_sales_ledger_origin_pending", "origin", "sales_ledger_id"),)

    company_id: Mapped[int | None] = mapped_column(ForeignKey("company.id"), index=True)
    division_id: Mapped[int | None] = mapped_column(ForeignKey("division.id"), index=True)
    sales_ledger_id: Mapped[str | None] = mapped_column(XeroId, unique=True)
    account_number: Mapped[str | None] = mapped_column(Code)
    display_description: Mapped[str | None] = mapped_column(Name)
    name: Mapped[str | None] = mapped_column(Name)
    phone: Mapped[str | None] = mapped_column(Name)
    fax: Mapped[str | None] = mapped_column(Name)
    email: Mapped[str | None] = mapped_column(Name)
    address_line1: Mapped[str | None] = mapped_column(LongText)
    address_line2: Mapped[str | None] = mapped_column(LongText)
    address_line3: Mapped[str | None] = mapped_column(LongText)
    address_line4: Mapped[str | None] = mapped_column(LongText)
    address_line5: Mapped[str | None] = mapped_column(LongText)
    country: Mapped[str | None] = mapped_column(Name)
    postcode: Mapped[str | None] = mapped_column(Code)
    currency_code: Mapped[str | None] = mapped_column(Code)
    tax_type: Mapped[str | None] = mapped_column(Code)
    vat_number: Mapped[str | None] = mapped_column(Code)
    overall_discount: Mapped[Decimal | None] = mapped_column(Money)
    on_stop: Mapped[bool | None] = mapped_column(Boolean)
    balance_outstanding: Mapped[Decimal | None] = mapped_column(Money)
    balance_overdue: Mapped[Decimal | None] = mapped_column(Money)
    origin: Mapped[str | None] = mapped_column(Code)
    xero_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PurchaseLedger(Base):
    __tablename__ = "purchase_ledger"

    company_id: Mapped[int | None] = mapped_column(ForeignKey("company.id"), index=True)
    purchase_ledger_id: Mapped[str | None] = mapped_column(XeroId, unique=True)
    name: Mapped[str | None] = mapped_column(Name)
    phone: Mapped[str | None] = mapped_column(Name)
    fax: Mapped[str | None] = mapped_column(Name)
    email: Mapped[str | None] = mapped_column(Name)
    website: Mapped[str | None] = mapped_column(Name)
    address_line1: Mapped[str | None] = mapped_column(LongText)
    address_line2: Mapped[str | None] = mapped_column(LongText)
    address_line3: Mapped[str | None] = mapped_column(LongText)
    address_line4: Mapped[str | None] = mapped_column(LongText)
    address_line5: Mapped[str | None] = mapped_column(LongText)
    country: Mapped[str | None] = mapped_column(Name)
    postcode: Mapped[str | None] = mapped_column(Code)
    currency_code: Mapped[str | None] = mapped_column(Code)
    xero_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Contact(Base):
    __tablename__ = "contact"

    company_id: Mapped[int | None] = mapped_column(ForeignKey("company.id"), index=True)
    first_name: Mapped[str | None] = mapped_column(Name)
    last_name: Mapped[str | None] = mapped_column(Name)
    email: Mapped[str | None] = mapped_column(Name)
    phone: Mapped[str | None] = mapped_column(Name)
    is_primary: Mapped[bool | None] = mapped_column(Boolean)
    xero_contact_id: Mapped[str | None] = mapped_column(XeroId, unique=True)


# --- Products and stock ------------------------------------------------------


class Product(Base):
    __tablename__ = "product"
    __table_args__ = (Index("ix_product_origin_pending", "origin", "xero_item_id"),)

    product_item_id: Mapped[str | None] = mapped_column(Code, unique=True)
    description: Mapped[str | None] = mapped_column(Name)
    extended_description: Mapped[str | None] = mapped_column(LongText)
    sell_price: Mapped[Decimal | None] = mapped_column(Money)
    cost_price: Mapped[Decimal | None] = mapped_column(Money)
    sales_analysis: Mapped[str | None] = mapped_column(Code)
    purchase_analysis: Mapped[str | None] = mapped_column(Code)
    vat_code: Mapped[str | None] = mapped_column(Code)
    stocked: Mapped[bool | None] = mapped_column(Boolean)
    sellable: Mapped[bool | None] = mapped_column(Boolean)
    obsolete: Mapped[bool | None] = mapped_column(Boolean)
    xero_item_id: Mapped[str | None] = mapped_column(XeroId, unique=True)
    origin: Mapped[str | None] = mapped_column(Code)
    xero_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Warehouse(Base):
    __tablename__ = "warehouse"

    code: Mapped[str | None] = mapped_column(Code, unique=True)
    name: Mapped[str | None] = mapped_column(Name)
    is_default: Mapped[bool | None] = mapped_column(Boolean)


class StockLevel(Base):
    __tablename__ = "stock_level"
    __table_args__ = (UniqueConstraint("product_id", "warehouse_id"),)

    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id"))
    warehouse_id: Mapped[int | None] = mapped_column(ForeignKey("warehouse.id"), index=True)
    free_stock: Mapped[Decimal | None] = mapped_column(Money)
    physical_stock: Mapped[Decimal | None] = mapped_column(Money)
    on_order: Mapped[Decimal | None] = mapped_column(Money)
    allocated: Mapped[Decimal | None] = mapped_column(Money)


# --- Sales -------------------------------------------------------------------


class SalesOrderHeader(Base):
    __tablename__ = "sales_order_header"

    xero_invoice_id: Mapped[str | None] = mapped_column(XeroId, unique=True)
    order_number: Mapped[str | None] = mapped_column(Name, index=True)
    sales_ledger_id: Mapped[int | None] = mapped_column(ForeignKey("sales_ledger.id"), index=True)
    order_status: Mapped[str | None] = mapped_column(Code)
    xero_status: Mapped[str | None] = mapped_column(Code)
    order_date: Mapped[date | None] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    customer_reference: Mapped[str | None] = mapped_column(Name)
    currency_code: Mapped[str | None] = mapped_column(Code)
    currency_rate: Mapped[Decimal | None] = mapped_column(Rate)
    line_amount_types: Mapped[str | None] = mapped_column(Code)
    net_total: Mapped[Decimal | None] = mapped_column(Money)
    tax_total: Mapped[Decimal | None] = mapped_column(Money)
    gross_total: Mapped[Decimal | None] = mapped_column(Money)
    amount_paid: Mapped[Decimal | None] = mapped_column(Money)
    amount_due: Mapped[Decimal | None] = mapped_column(Money)
    is_paid: Mapped[bool | None] = mapped_column(Boolean)
    paid_date: Mapped[date | None] = mapped_column(Date)
    exclude_from_reports: Mapped[bool | None] = mapped_column(Boolean)
    quote_id: Mapped[int | None] = mapped_column(ForeignKey("quote.id"), index=True)
    #: (ours) the contact this document belongs to in Xero, to fill the link later
    xero_contact_id: Mapped[str | None] = mapped_column(XeroId, index=True)
    #: (ours) when Xero last changed the document
    xero_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SalesTransaction(Base):
    __tablename__ = "sales_transaction"

    sales_order_header_id: Mapped[int | None] = mapped_column(
        ForeignKey("sales_order_header.id"), index=True
    )
    sales_ledger_id: Mapped[int | None] = mapped_column(ForeignKey("sales_ledger.id"), index=True)
    transaction_type: Mapped[str | None] = mapped_column(Code)
    document_number: Mapped[str | None] = mapped_column(Name)
    transaction_date: Mapped[date | None] = mapped_column(Date)
    xero_line_id: Mapped[str | None] = mapped_column(XeroId, unique=True)
    xero_credit_note_id: Mapped[str | None] = mapped_column(XeroId, index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id"), index=True)
    product_item_id: Mapped[str | None] = mapped_column(Code)
    description: Mapped[str | None] = mapped_column(LongText)
    quantity: Mapped[Decimal | None] = mapped_column(Money)
    unit_price: Mapped[Decimal | None] = mapped_column(Money)
    discount_rate: Mapped[Decimal | None] = mapped_column(Rate)
    net_value: Mapped[Decimal | None] = mapped_column(Money)
    tax_value: Mapped[Decimal | None] = mapped_column(Money)
    gross_value: Mapped[Decimal | None] = mapped_column(Money)
    home_net_value: Mapped[Decimal | None] = mapped_column(Money)
    home_gross_value: Mapped[Decimal | None] = mapped_column(Money)
    account_code: Mapped[str | None] = mapped_column(Code)
    tax_type: Mapped[str | None] = mapped_column(Code)
    is_paid: Mapped[bool | None] = mapped_column(Boolean)
    exclude_from_reports: Mapped[bool | None] = mapped_column(Boolean)


# --- Purchasing --------------------------------------------------------------


class PurchaseOrderHeader(Base):
    __tablename__ = "purchase_order_header"

    xero_purchase_order_id: Mapped[str | None] = mapped_column(XeroId, unique=True)
    order_number: Mapped[str | None] = mapped_column(Name)
    purchase_ledger_id: Mapped[int | None] = mapped_column(
        ForeignKey("purchase_ledger.id"), index=True
    )
    xero_status: Mapped[str | None] = mapped_column(Code)
    order_completed: Mapped[bool | None] = mapped_column(Boolean)
    obsolete: Mapped[bool | None] = mapped_column(Boolean)
    order_date: Mapped[date | None] = mapped_column(Date)
    delivery_date: Mapped[date | None] = mapped_column(Date)
    reference: Mapped[str | None] = mapped_column(Name)
    currency_code: Mapped[str | None] = mapped_column(Code)
    net_total: Mapped[Decimal | None] = mapped_column(Money)
    tax_total: Mapped[Decimal | None] = mapped_column(Money)
    gross_total: Mapped[Decimal | None] = mapped_column(Money)
    #: (ours) the supplier's Xero ContactID, to fill the link later
    xero_contact_id: Mapped[str | None] = mapped_column(XeroId, index=True)
    #: (ours) when Xero last changed the order
    xero_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PurchaseTransaction(Base):
    __tablename__ = "purchase_transaction"

    purchase_order_header_id: Mapped[int | None] = mapped_column(
        ForeignKey("purchase_order_header.id"), index=True
    )
    xero_line_id: Mapped[str | None] = mapped_column(XeroId, unique=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id"), index=True)
    product_item_id: Mapped[str | None] = mapped_column(Code)
    description: Mapped[str | None] = mapped_column(LongText)
    quantity: Mapped[Decimal | None] = mapped_column(Money)
    unit_price: Mapped[Decimal | None] = mapped_column(Money)
    net_value: Mapped[Decimal | None] = mapped_column(Money)
    tax_value: Mapped[Decimal | None] = mapped_column(Money)
    gross_value: Mapped[Decimal | None] = mapped_column(Money)
    account_code: Mapped[str | None] = mapped_column(Code)
    tax_type: Mapped[str | None] = mapped_column(Code)


# --- Tax and currency --------------------------------------------------------


class VatCode(Base):
    __tablename__ = "vat_code"
    __table_args__ = (UniqueConstraint("code", "country_type", "transaction_type"),)

    code: Mapped[str | None] = mapped_column(Code)
    name: Mapped[str | None] = mapped_column(Name)
    rate: Mapped[Decimal | None] = mapped_column(Rate)
    country_type: Mapped[str | None] = mapped_column(Code)
    transaction_type: Mapped[str | None] = mapped_column(Code)
    active: Mapped[bool | None] = mapped_column(Boolean)


class Currency(Base):
    __tablename__ = "currency"

    code: Mapped[str | None] = mapped_column(Code, unique=True)
    description: Mapped[str | None] = mapped_column(Name)
    is_home: Mapped[bool | None] = mapped_column(Boolean)
    rate_to_home: Mapped[Decimal | None] = mapped_column(Rate)
    rate_date: Mapped[date | None] = mapped_column(Date)
    rate_source: Mapped[str | None] = mapped_column(Name)


class ExchangeRate(Base):
    __tablename__ = "exchange_rate"
    __table_args__ = (UniqueConstraint("currency_code", "as_of", "source"),)

    currency_code: Mapped[str | None] = mapped_column(Code)
    rate: Mapped[Decimal | None] = mapped_column(Rate)
    as_of: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str | None] = mapped_column(Name)


# --- What the CRM writes and xerodesk pushes ---------------------------------


class Quote(Base):
    __tablename__ = "quote"
    __table_args__ = (Index("ix_quote_status_push_state", "status", "push_state"),)

    quote_number: Mapped[str | None] = mapped_column(Name, index=True)
    sales_ledger_id: Mapped[int | None] = mapped_column(ForeignKey("sales_ledger.id"), index=True)
    status: Mapped[str | None] = mapped_column(Code)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    currency_code: Mapped[str | None] = mapped_column(Code)
    reference: Mapped[str | None] = mapped_column(Name)
    delivery_charge: Mapped[Decimal | None] = mapped_column(Money)
    xero_invoice_id: Mapped[str | None] = mapped_column(XeroId, unique=True)
    push_state: Mapped[str | None] = mapped_column(Code)


class QuoteLine(Base):
    __tablename__ = "quote_line"

    quote_id: Mapped[int | None] = mapped_column(ForeignKey("quote.id"), index=True)
    line_number: Mapped[int | None] = mapped_column(Integer)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id"), index=True)
    description: Mapped[str | None] = mapped_column(LongText)
    quantity: Mapped[Decimal | None] = mapped_column(Money)
    unit_price: Mapped[Decimal | None] = mapped_column(Money)
    discount_rate: Mapped[Decimal | None] = mapped_column(Rate)
    tax_type: Mapped[str | None] = mapped_column(Code)


class SystemOption(Base):
    __tablename__ = "system_option"

    name: Mapped[str] = mapped_column(Code, unique=True)
    value: Mapped[str | None] = mapped_column(LongText)
