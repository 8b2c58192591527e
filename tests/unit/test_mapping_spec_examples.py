"""The official OpenAPI spec's example responses, mapped as recorded fixtures.

The examples are loaded the way the client parses JSON: fractions as
``Decimal``, whole numbers as ``int``, ``true``/``false`` as booleans and every
date left as the text Xero sends (no YAML timestamp resolution).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

import pytest
import yaml

from tests.contract.spec import SPEC_FILE as SPEC
from xerodesk.errors import MalformedRecordError
from xerodesk.mapping.contacts import map_contact
from xerodesk.mapping.credit_notes import map_credit_note
from xerodesk.mapping.currencies import home_currency_of, map_currencies
from xerodesk.mapping.invoices import map_invoice
from xerodesk.mapping.items import map_item
from xerodesk.mapping.purchase_orders import map_purchase_order
from xerodesk.mapping.tax_rates import map_tax_rate

D = Decimal


class JsonLikeLoader(yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader):  # type: ignore[misc]
    """Safe YAML with JSON's scalars: no timestamps, only true/false as booleans,
    fractions as Decimal."""


JsonLikeLoader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
JsonLikeLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"), list("tf")
)
JsonLikeLoader.add_constructor(
    "tag:yaml.org,2002:float",
    lambda loader, node: Decimal(loader.construct_scalar(node).replace("_", "")),
)


@cache
def spec() -> dict[str, Any]:
    with SPEC.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=JsonLikeLoader)


def example(path: str, method: str = "get") -> dict[str, Any]:
    operation = spec()["paths"][path][method]
    content = operation["responses"]["200"]["content"]["application/json"]
    return content["example"]  # type: ignore[no-any-return]


def test_loader_keeps_json_types() -> None:
    contact = example("/Contacts/{ContactNumber}")["Contacts"][0]
    assert contact["UpdatedDateUTC"] == "/Date(1551459777193+0000)/"
    assert contact["AccountNumber"] == "1234567"
    assert contact["Discount"] == D("13.00") and isinstance(contact["Discount"], Decimal)
    assert contact["IsSupplier"] is True
    invoice = example("/Invoices")["Invoices"][0]
    assert invoice["DateString"] == "2018-10-20T00:00:00"


# --- contacts --------------------------------------------------------------------------


def test_spec_contacts_list() -> None:
    kat, lisa = (
        map_contact(record, display_account_number=True)
        for record in example("/Contacts")["Contacts"]
    )
    assert kat.company_type == "Customer"
    assert kat.sales_ledger is not None and kat.purchase_ledger is not None
    assert kat.sales_ledger["display_description"] == "Katherine Warren"
    assert kat.sales_ledger["phone"] == "(626) 847-1294"
    assert kat.sales_ledger["fax"] is None
    assert kat.sales_ledger["address_line5"] == "Palo Alto, CA"
    assert kat.sales_ledger["postcode"] == "94020"
    assert kat.sales_ledger["country"] == "United States"
    assert kat.sales_ledger["balance_outstanding"] == D("760.00")
    assert kat.sales_ledger["balance_overdue"] == D("920.00")
    assert kat.updated_at == datetime(2017, 8, 21, 20, 49, 4, 227000, tzinfo=UTC)
    # neither flag set: a customer with a sales ledger only
    assert lisa.company_type == "Customer"
    assert lisa.sales_ledger is not None and lisa.purchase_ledger is None
    assert lisa.contact == {
        "first_name": "Lisa",
        "last_name": "Parker",
        "email": "lparker@parkerandco.com",
        "phone": "(510) 266-3583",
        "is_primary": True,
        "xero_contact_id": "3ec601ad-eddc-4ccb-a8ac-736e88293b1b",
    }


def test_spec_most_complete_contact() -> None:
    record = example("/Contacts/{ContactNumber}")["Contacts"][0]
    result = map_contact(record, display_account_number=True)
    ledger = result.sales_ledger
    assert ledger is not None
    assert ledger["sales_ledger_id"] == "8138a266-fb42-49b2-a104-014b7045753d"
    assert ledger["display_description"] == "1234567"
    assert ledger["phone"] == "1 604 408-0914"
    assert ledger["fax"] == "2 123 123-9933"
    assert ledger["address_line1"] == "1234 Fake Street"
    assert ledger["address_line5"] == "Vancouver, British Columbia"
    assert ledger["country"] is None
    assert ledger["currency_code"] == "USD"
    assert ledger["tax_type"] == "TAX003"
    assert ledger["vat_number"] == "123-22-3456"
    assert ledger["overall_discount"] == D("13.00")
    assert (ledger["balance_outstanding"], ledger["balance_overdue"]) == (D("118.90"), D("136.90"))
    assert result.company["website"] == "http://www.google.com"
    assert result.purchase_ledger is not None
    assert result.purchase_ledger["website"] == "http://www.google.com"
    assert result.contact is not None
    assert (result.contact["first_name"], result.contact["last_name"]) == ("Blake", "Kohler")
    named = map_contact(record, display_account_number=False)
    assert named.sales_ledger["display_description"] == "Acme Parts Co."  # type: ignore[index]


def test_spec_embedded_contact_with_null_phone_and_address_entries() -> None:
    order = example("/PurchaseOrders", "put")["PurchaseOrders"][0]
    result = map_contact(order["Contact"], display_account_number=True)
    assert result.company["phone"] == "212 222-2222"
    assert result.company["fax"] == "212 333-2233"
    assert result.sales_ledger["address_line5"] == "Anytown, NY"  # type: ignore[index]


def test_spec_invoice_contact_keeps_only_the_primary_person() -> None:
    invoice = example("/Invoices/{InvoiceID}")["Invoices"][0]
    result = map_contact(invoice["Contact"], display_account_number=True)
    assert result.contact is not None
    assert result.contact["email"] == "liam@rockstar.com"
    assert result.purchase_ledger is not None


def test_spec_validation_echo_is_not_a_contact_to_import() -> None:
    operation = spec()["paths"]["/Contacts"]["put"]
    element = operation["responses"]["400"]["content"]["application/json"]["example"]["Elements"][0]
    with pytest.raises(MalformedRecordError, match="UpdatedDateUTC"):
        map_contact(element, display_account_number=True)


# --- items -----------------------------------------------------------------------------


def test_spec_tracked_item() -> None:
    result = map_item(example("/Items/{ItemID}")["Items"][0])
    assert result.product["product_item_id"] == "123"
    assert result.product["description"] == "Guitars"
    assert result.product["extended_description"] == "Guitars Fender Strat"
    assert result.product["sell_price"] == D("5000.0000")
    assert result.product["cost_price"] == D("2500.0000")
    assert result.product["vat_code"] == "OUTPUT2"
    assert result.product["purchase_analysis"] is None  # tracked: only a COGS account
    assert result.product["stocked"] is True
    assert result.stock == {
        "free_stock": D("10.0000"),
        "physical_stock": D("10.0000"),
        "on_order": None,
        "allocated": None,
    }


def test_spec_untracked_items_with_empty_detail_blocks() -> None:
    guitars, hello = (map_item(record) for record in example("/Items")["Items"])
    assert guitars.stock is None and guitars.product["stocked"] is False
    assert guitars.product["cost_price"] is None
    assert hello.product["sell_price"] is None
    assert hello.product["sellable"] is True and hello.product["obsolete"] is False


# --- invoices, credit notes, purchase orders -------------------------------------------


def test_spec_invoice_list() -> None:
    voided, paid, authorised = (map_invoice(record) for record in example("/Invoices")["Invoices"])
    assert (voided.header["order_status"], voided.header["exclude_from_reports"]) == (
        "Voided",
        True,
    )
    assert paid.header["is_paid"] is True
    assert paid.header["paid_date"] == date(2018, 11, 29)
    assert paid.header["order_date"] == date(2018, 10, 20)
    assert paid.header["due_date"] == date(2018, 12, 30)
    assert paid.header["customer_reference"] == "Red Fish, Blue Fish"
    assert authorised.header["order_status"] == "Invoice"
    assert authorised.header["is_paid"] is False
    assert authorised.header["amount_due"] == D("115.00")
    assert authorised.header["customer_reference"] is None
    assert all(result.lines == () for result in (voided, paid, authorised))


def test_spec_single_invoice_with_a_line() -> None:
    result = map_invoice(example("/Invoices/{InvoiceID}")["Invoices"][0])
    assert result.header["order_number"] == "INV-0006"
    assert result.contact_id == "430fa14a-f945-44d3-9f97-5df5e28441b8"
    (row,) = result.lines
    assert row["product_item_id"] == "123"
    assert row["xero_line_id"] == "b18f39d9-7739-4246-9288-72afe939d2d5"
    assert row["net_value"] == row["gross_value"] == row["home_gross_value"] == D("148062.76")
    assert row["tax_value"] == D("0.00")
    assert row["quantity"] == D("1.0000")
    assert row["transaction_date"] == date(2019, 3, 7)


def test_spec_credit_notes() -> None:
    customer, supplier = example("/CreditNotes")["CreditNotes"]
    result = map_credit_note(customer)
    assert result.credit_note_number == "CN-0005"
    assert result.is_paid is False and result.exclude_from_reports is False
    assert result.lines == ()
    with pytest.raises(MalformedRecordError, match="ACCPAYCREDIT"):
        map_credit_note(supplier)


def test_spec_deleted_purchase_orders() -> None:
    for record in example("/PurchaseOrders")["PurchaseOrders"]:
        result = map_purchase_order(record)
        assert result.header["obsolete"] is True
        assert result.header["order_completed"] is False
        (row,) = result.lines
        assert row["net_value"] == row["gross_value"] == D("20.00")
        assert row["product_item_id"] is None


def test_spec_purchase_order_with_element_errors_still_maps() -> None:
    result = map_purchase_order(example("/PurchaseOrders", "put")["PurchaseOrders"][0])
    assert result.header["xero_status"] == "DRAFT"
    assert result.lines[0]["gross_value"] == D("23.00")


# --- tax rates, currencies, organisation ------------------------------------------------


def test_spec_tax_rates() -> None:
    results = {rate.code: rate for rate in map(map_tax_rate, example("/TaxRates")["TaxRates"])}
    kinds = {code: {row["transaction_type"] for row in rate.rows} for code, rate in results.items()}
    assert kinds == {
        "INPUT2": {"Purchase"},
        "OUTPUT2": {"Sales"},
        "GSTONIMPORTS": set(),
        "NONE": {"Sales", "Purchase"},
        "ZERORATED": {"Sales"},
    }
    assert sum(len(rate.rows) for rate in results.values()) == 4 + 4 + 0 + 8 + 4
    assert {row["rate"] for row in results["OUTPUT2"].rows} == {D("15.0000")}


def test_spec_currencies_and_organisation() -> None:
    home = home_currency_of(example("/Organisation")["Organisations"][0])
    assert home == "NZD"
    rows = map_currencies(example("/Currencies")["Currencies"], home)
    assert rows == [
        {"code": "NZD", "description": "New Zealand Dollar", "is_home": True, "rate_to_home": 1}
    ]
