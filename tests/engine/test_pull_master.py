"""Feature sheet, Customers, Contacts, Suppliers and Products: one test per row.

Each runs against the sandbox through the real client over HTTP, into a fresh
SQLite, PostgreSQL and MariaDB database, and reads the result back with plain
SQL as a CRM report would.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.support import orgs
from tests.support.databases import KINDS, DatabaseFactory
from tests.support.sandbox import RunningSandbox, start_sandbox
from tests.support.sync import sync_pass, table_rows
from xerodesk.domain.sync import EntityKind
from xerodesk.store.database import open_engine

MASTER = (EntityKind.CONTACTS, EntityKind.ITEMS)


@pytest.fixture(scope="module")
def master_sandbox() -> Iterator[RunningSandbox]:
    running = start_sandbox(rate_limits="off")
    running.control("POST", "/load", orgs.master_org())
    yield running
    running.close()


@pytest.fixture(scope="module", params=KINDS)
def synced(
    request: pytest.FixtureRequest,
    master_sandbox: RunningSandbox,
    database_factory: DatabaseFactory,
) -> Iterator[Engine]:
    engine = open_engine(database_factory.fresh(str(request.param)))
    import asyncio

    report = asyncio.run(sync_pass(master_sandbox, engine, only=MASTER))
    assert report.outcome == "ok", report.message
    yield engine
    engine.dispose()


def one(engine: Engine, table: str, **where: Any) -> dict[str, Any]:
    rows = [r for r in table_rows(engine, table) if all(r[k] == v for k, v in where.items())]
    assert len(rows) == 1, f"{table} {where}: {len(rows)} rows"
    return rows[0]


# --- Customers ---------------------------------------------------------------


def test_customer_account_code(synced: Engine) -> None:
    ledger = one(synced, "sales_ledger", sales_ledger_id=orgs.ACME)
    assert ledger["account_number"] == "ACME01"
    assert ledger["display_description"] == "ACME01"
    assert one(synced, "sales_ledger", sales_ledger_id=orgs.BOTH)["display_description"] == (
        "Both Ways plc"
    )


def test_company_name(synced: Engine) -> None:
    ledger = one(synced, "sales_ledger", sales_ledger_id=orgs.ACME)
    company = one(synced, "company", id=ledger["company_id"])
    division = one(synced, "division", id=ledger["division_id"])
    assert ledger["name"] == company["name"] == division["name"] == "Acme Trading Ltd"
    assert division["company_id"] == company["id"]


def test_company_phone_number(synced: Engine) -> None:
    ledger = one(synced, "sales_ledger", sales_ledger_id=orgs.ACME)
    assert ledger["phone"] == "44 020 7946 0000"
    assert ledger["fax"] == "020 7946 0001"
    company = one(synced, "company", id=ledger["company_id"])
    assert (company["phone"], company["fax"]) == ("44 020 7946 0000", "020 7946 0001")
    empty = one(synced, "sales_ledger", sales_ledger_id=orgs.NO_PERSON)
    assert empty["phone"] is None and empty["fax"] is None


@pytest.mark.parametrize(
    ("contact_id", "company_type", "sales", "purchase"),
    [
        (orgs.ACME, "Customer", True, False),
        (orgs.BOTH, "Customer", True, True),
        (orgs.SUPPLIER, "Supplier", False, True),
        (orgs.NEITHER, "Customer", True, False),
    ],
)
def test_company_type(
    synced: Engine, contact_id: str, company_type: str, sales: bool, purchase: bool
) -> None:
    company = one(synced, "company", xero_contact_id=contact_id)
    assert company["company_type"] == company_type
    sales_rows = [
        r for r in table_rows(synced, "sales_ledger") if r["sales_ledger_id"] == contact_id
    ]
    purchase_rows = [
        r for r in table_rows(synced, "purchase_ledger") if r["purchase_ledger_id"] == contact_id
    ]
    assert len(sales_rows) == int(sales) and len(purchase_rows) == int(purchase)
    for row in sales_rows + purchase_rows:
        assert row["company_id"] == company["id"]


def test_email_address(synced: Engine) -> None:
    assert one(synced, "sales_ledger", sales_ledger_id=orgs.ACME)["email"] == "ada@acme.example"


def test_postal_address(synced: Engine) -> None:
    ledger = one(synced, "sales_ledger", sales_ledger_id=orgs.ACME)
    assert [ledger[f"address_line{i}"] for i in range(1, 6)] == [
        "PO Box 12",
        "Unit 4",
        "Trading Estate",
        "North Side",
        "Leeds, West Yorkshire",
    ]
    assert (ledger["postcode"], ledger["country"]) == ("LS1 4AP", "United Kingdom")


def test_default_currency(synced: Engine) -> None:
    assert one(synced, "sales_ledger", sales_ledger_id=orgs.ACME)["currency_code"] == "GBP"


def test_sales_tax_type(synced: Engine) -> None:
    assert one(synced, "sales_ledger", sales_ledger_id=orgs.ACME)["tax_type"] == "OUTPUT2"


def test_vat_registration_number(synced: Engine) -> None:
    assert one(synced, "sales_ledger", sales_ledger_id=orgs.ACME)["vat_number"] == "GB123456789"


def test_discount(synced: Engine) -> None:
    ledger = one(synced, "sales_ledger", sales_ledger_id=orgs.ACME)
    assert ledger["overall_discount"] == Decimal("12.5")


def test_on_stop_status(synced: Engine) -> None:
    assert one(synced, "sales_ledger", sales_ledger_id=orgs.ARCHIVED)["on_stop"] in (True, 1)
    assert one(synced, "sales_ledger", sales_ledger_id=orgs.ACME)["on_stop"] in (False, 0)


def test_customer_balance(synced: Engine) -> None:
    ledger = one(synced, "sales_ledger", sales_ledger_id=orgs.ACME)
    assert ledger["balance_outstanding"] == Decimal("1234.56")
    assert ledger["balance_overdue"] == Decimal("234.5")


# --- Contacts and Suppliers --------------------------------------------------


def test_contacts(synced: Engine) -> None:
    person = one(synced, "contact", xero_contact_id=orgs.ACME)
    assert (person["first_name"], person["last_name"]) == ("Ada", "Lovelace")
    assert person["email"] == "ada@acme.example"
    assert person["phone"] == "44 020 7946 0000"
    assert person["is_primary"] in (True, 1)
    assert person["company_id"] == one(synced, "company", xero_contact_id=orgs.ACME)["id"]
    people = [r for r in table_rows(synced, "contact") if r["xero_contact_id"] == orgs.NO_PERSON]
    assert people == []
    assert not [r for r in table_rows(synced, "contact") if r["first_name"] == "Other"]


def test_suppliers(synced: Engine) -> None:
    ledger = one(synced, "purchase_ledger", purchase_ledger_id=orgs.SUPPLIER)
    assert ledger["name"] == "Widget Supplies"
    assert (ledger["phone"], ledger["fax"]) == ("0113 496 0000", "0113 496 0001")
    assert ledger["email"] == "sales@widgets.example"
    assert ledger["website"] == "https://widgets.example"
    assert (ledger["address_line1"], ledger["address_line5"]) == ("1 Mill Lane", "York")
    assert (ledger["postcode"], ledger["country"]) == ("YO1 7HH", "United Kingdom")
    assert ledger["currency_code"] == "EUR"


# --- Products ----------------------------------------------------------------


def test_product_sku(synced: Engine) -> None:
    codes = sorted(r["product_item_id"] for r in table_rows(synced, "product"))
    assert codes == ["OLD-1", "SERVICE-1", "WIDGET-1"]


def test_product_name_and_description(synced: Engine) -> None:
    product = one(synced, "product", product_item_id="WIDGET-1")
    assert product["description"] == "Widget"
    assert product["extended_description"] == "A very fine widget, 20 mm"


def test_selling_price(synced: Engine) -> None:
    assert one(synced, "product", product_item_id="WIDGET-1")["sell_price"] == Decimal("19.99")


def test_cost_price(synced: Engine) -> None:
    assert one(synced, "product", product_item_id="WIDGET-1")["cost_price"] == Decimal("4.25")


def test_sales_account_code(synced: Engine) -> None:
    assert one(synced, "product", product_item_id="SERVICE-1")["sales_analysis"] == "200"


def test_purchase_account_code(synced: Engine) -> None:
    assert one(synced, "product", product_item_id="SERVICE-1")["purchase_analysis"] == "300"


def test_product_sales_tax_type(synced: Engine) -> None:
    assert one(synced, "product", product_item_id="SERVICE-1")["vat_code"] == "OUTPUT2"


def test_tracked_inventory(synced: Engine) -> None:
    assert one(synced, "product", product_item_id="WIDGET-1")["stocked"] in (True, 1)
    assert one(synced, "product", product_item_id="SERVICE-1")["stocked"] in (False, 0)


def test_sold_and_purchased_flags(synced: Engine) -> None:
    sold = one(synced, "product", product_item_id="SERVICE-1")
    unsold = one(synced, "product", product_item_id="OLD-1")
    assert (sold["sellable"], sold["obsolete"]) in ((True, False), (1, 0))
    assert (unsold["sellable"], unsold["obsolete"]) in ((False, True), (0, 1))


def test_stock_levels(synced: Engine) -> None:
    widget = one(synced, "product", product_item_id="WIDGET-1")
    stock = one(synced, "stock_level", product_id=widget["id"])
    assert stock["free_stock"] == stock["physical_stock"] == Decimal("42")
    assert stock["on_order"] is None and stock["allocated"] is None
    warehouse = one(synced, "warehouse", id=stock["warehouse_id"])
    assert warehouse["code"] == "MAIN" and warehouse["is_default"] in (True, 1)
    assert len(table_rows(synced, "stock_level")) == 1  # untracked items have none
