"""Feature sheet, "Confirmed CRM orders", "Custom description handling" and
"Delivery charges", with mapping-rules "Pushes": a confirmed quote becomes one
ACCREC invoice in the sandbox, line by line, valid against Xero's OpenAPI
schema; new customers and products go first. SQLite, PostgreSQL, MariaDB."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine

from tests.contract.spec import assert_valid
from tests.engine import push_support
from tests.engine.push_support import (
    Line,
    confirm,
    crm_customer,
    crm_product,
    crm_quote,
    one,
    outbox,
    push,
    set_options,
    table_rows,
    xero_customer,
    xero_invoices,
    xero_product,
    xero_records,
)
from tests.support import orgs
from tests.support.sandbox import RunningSandbox
from tests.support.sync import sync_pass
from xerodesk.domain.sync import EntityKind

push_sandbox_module = push_support.push_sandbox_module
xero = push_support.xero


def invoice_by_id(sandbox: RunningSandbox, invoice_id: str) -> dict[str, Any]:
    reply = sandbox.api("GET", f"/Invoices/{invoice_id}", params={"unitdp": "4"})
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    assert_valid(body, "Invoices")
    [invoice] = body["Invoices"]
    return invoice


def money(value: Any) -> Decimal:
    return Decimal(str(value))


def order_with_every_option(engine: Engine) -> int:
    """A confirmed quote: an item line, a free-text line, a delivery charge."""
    set_options(
        engine,
        combine_descriptions="true",
        delivery_account_code="425",
        delivery_description="Carriage",
        quote_url_template="https://crm.example/quotes/{quote_id}",
    )
    ledger = xero_customer(engine, orgs.ACME, "Acme Trading Ltd")
    widget = xero_product(
        engine,
        orgs.TRACKED,
        "WIDGET-1",
        description="Widget",
        extended_description="A very fine widget, 20 mm",
        sales_analysis="200",
    )
    lines: list[Line] = [
        (widget, "Widget", "3", "19.99", "10", "OUTPUT2"),
        (None, "Set-up and training", "1.5", "80.00", None, "OUTPUT2"),
    ]
    return crm_quote(engine, ledger, "Q-0001", lines, delivery="12.50", currency="GBP")


def assert_lines_match(engine: Engine, quote: int, invoice: dict[str, Any]) -> None:
    """Each quote line is the invoice line at its place; the delivery line comes last."""
    quote_lines = sorted(
        (r for r in table_rows(engine, "quote_line") if r["quote_id"] == quote),
        key=lambda r: r["line_number"],
    )
    products = {p["id"]: p for p in table_rows(engine, "product")}
    *lines, delivery = invoice["LineItems"]
    assert len(lines) == len(quote_lines)
    for ours, theirs in zip(quote_lines, lines, strict=True):
        product = products.get(ours["product_id"]) or {}
        assert theirs.get("ItemCode") == product.get("product_item_id")
        assert theirs["Description"].startswith(ours["description"])
        assert money(theirs["Quantity"]) == ours["quantity"]
        assert money(theirs["UnitAmount"]) == ours["unit_price"]
        assert money(theirs.get("DiscountRate") or 0) == (ours["discount_rate"] or 0)
        assert theirs["TaxType"] == ours["tax_type"]
        discount = ours["discount_rate"] or Decimal(0)
        gross = ours["quantity"] * ours["unit_price"] * (1 - discount / 100)
        assert money(theirs["LineAmount"]) == gross.quantize(Decimal("0.01"))
    charge = one(engine, "quote", id=quote)["delivery_charge"]
    assert (delivery["Description"], delivery["AccountCode"]) == ("Carriage", "425")
    assert money(delivery["Quantity"]) == 1 and money(delivery["UnitAmount"]) == charge


def test_confirmed_quote_becomes_one_invoice_line_by_line(
    xero: RunningSandbox, db_engine: Engine
) -> None:
    quote = order_with_every_option(db_engine)
    report = push(xero, db_engine)
    assert report.created == {"invoice": 1} and report.calls == 1

    row = one(db_engine, "quote", id=quote)
    assert row["push_state"] == "sent" and row["xero_invoice_id"]
    invoice = invoice_by_id(xero, row["xero_invoice_id"])
    assert (invoice["Type"], invoice["Status"]) == ("ACCREC", "DRAFT")
    assert invoice["Contact"]["ContactID"] == orgs.ACME
    assert invoice["Reference"] == "Q-0001"
    assert invoice["Url"] == f"https://crm.example/quotes/{quote}"
    assert invoice["CurrencyCode"] == "GBP" and invoice["LineAmountTypes"] == "Exclusive"
    assert invoice["DateString"].startswith(row["confirmed_at"].date().isoformat())
    assert_lines_match(db_engine, quote, invoice)
    widget_line = invoice["LineItems"][0]
    assert widget_line["Description"] == "Widget\nA very fine widget, 20 mm"
    assert widget_line["AccountCode"] == "200"
    assert money(invoice["SubTotal"]) == Decimal("186.47")

    link = one(db_engine, "xd_link", entity="invoices", xero_id=row["xero_invoice_id"])
    assert (link["crm_table"], link["crm_id"]) == ("quote", quote)
    [item] = outbox(db_engine)
    assert (item["kind"], item["state"]) == ("invoice", "done")
    assert item["idempotency_key"] == f"xd-invoice-{quote}"


def test_options_change_status_and_descriptions(xero: RunningSandbox, db_engine: Engine) -> None:
    set_options(db_engine, pushed_invoice_status="AUTHORISED", combine_descriptions="false")
    ledger = xero_customer(db_engine, orgs.ACME, "Acme Trading Ltd")
    widget = xero_product(
        db_engine, orgs.TRACKED, "WIDGET-1", extended_description="A very fine widget, 20 mm"
    )
    quote = crm_quote(db_engine, ledger, "Q-0002", [(widget, "Widget", "1", "19.99", None, None)])
    push(xero, db_engine)
    invoice = invoice_by_id(xero, one(db_engine, "quote", id=quote)["xero_invoice_id"])
    assert invoice["Status"] == "AUTHORISED"
    [line] = invoice["LineItems"]
    assert line["Description"] == "Widget" and "Url" not in invoice
    assert "DiscountRate" not in line or not line["DiscountRate"]


def test_new_customer_and_product_go_first(xero: RunningSandbox, db_engine: Engine) -> None:
    ledger = crm_customer(db_engine, "Fresh Start Ltd", currency_code="GBP")
    gizmo = crm_product(
        db_engine,
        "GIZMO-9",
        description="Gizmo",
        extended_description="Gizmo, anodised",
        sell_price=Decimal("12.50"),
        sales_analysis="200",
        vat_code="OUTPUT2",
    )
    quote = crm_quote(db_engine, ledger, "Q-0003", [(gizmo, "Gizmo", "4", "12.50", None, None)])
    report = push(xero, db_engine)
    assert report.detected.total == 3
    assert report.created == {"customer": 1, "product": 1, "invoice": 1}
    assert report.calls == 3, "one call per record"

    kinds = [(r["kind"], r["state"]) for r in outbox(db_engine)]
    assert sorted(kinds) == [("customer", "done"), ("invoice", "done"), ("product", "done")]
    contact_id = one(db_engine, "sales_ledger", id=ledger)["sales_ledger_id"]
    item_id = one(db_engine, "product", id=gizmo)["xero_item_id"]
    [item] = xero_records(xero, "Items", 'Code=="GIZMO-9"')
    assert item["ItemID"] == item_id and item["Name"] == "Gizmo"
    assert item["Description"] == "Gizmo, anodised"
    invoice = invoice_by_id(xero, one(db_engine, "quote", id=quote)["xero_invoice_id"])
    assert invoice["Contact"]["ContactID"] == contact_id
    assert invoice["LineItems"][0]["Item"]["ItemID"] == item_id
    link = one(db_engine, "xd_link", entity="items", xero_id=item_id)
    assert (link["crm_table"], link["crm_id"]) == ("product", gizmo)


def test_an_item_code_xero_has_is_linked_not_duplicated(
    xero: RunningSandbox, db_engine: Engine
) -> None:
    ledger = xero_customer(db_engine, orgs.ACME, "Acme Trading Ltd")
    service = crm_product(db_engine, "SERVICE-1", description="Consulting")
    quote = crm_quote(db_engine, ledger, "Q-0004", [(service, "Consulting", "2", "10", None, None)])
    report = push(xero, db_engine)
    assert report.linked == {"product": 1} and report.created == {"invoice": 1}
    assert report.failed == 0
    assert one(db_engine, "product", id=service)["xero_item_id"] == orgs.UNTRACKED
    assert len(xero_records(xero, "Items", 'Code=="SERVICE-1"')) == 1
    invoice = invoice_by_id(xero, one(db_engine, "quote", id=quote)["xero_invoice_id"])
    assert invoice["LineItems"][0]["Item"]["ItemID"] == orgs.UNTRACKED


def test_only_confirmed_quotes_and_their_products_are_pushed(
    xero: RunningSandbox, db_engine: Engine
) -> None:
    ledger = xero_customer(db_engine, orgs.ACME, "Acme Trading Ltd")
    unused = crm_product(db_engine, "UNUSED-1")
    quoted = crm_product(db_engine, "QUOTED-1")
    quote = crm_quote(
        db_engine, ledger, "Q-0005", [(quoted, "Quoted", "1", "5", None, None)], status="Open"
    )
    report = push(xero, db_engine)
    assert report.detected.total == 0 and report.calls == 0
    assert one(db_engine, "quote", id=quote)["push_state"] is None

    confirm(db_engine, quote)
    report = push(xero, db_engine)
    assert report.created == {"product": 1, "invoice": 1}
    assert one(db_engine, "product", id=unused)["xero_item_id"] is None
    assert one(db_engine, "product", id=quoted)["xero_item_id"]
    assert len(xero_invoices(xero, "Q-0005")) == 1


def test_a_later_pull_knows_the_pushed_invoice(xero: RunningSandbox, db_engine: Engine) -> None:
    ledger = crm_customer(db_engine, "Round Trip Ltd")
    quote = crm_quote(db_engine, ledger, "Q-ROUND", [(None, "Advice", "2", "30", None, None)])
    push(xero, db_engine)
    report = asyncio.run(
        sync_pass(xero, db_engine, only=(EntityKind.CONTACTS, EntityKind.INVOICES))
    )
    assert report.outcome == "ok", report.message
    invoice_id = one(db_engine, "quote", id=quote)["xero_invoice_id"]
    header = one(db_engine, "sales_order_header", xero_invoice_id=invoice_id)
    assert header["quote_id"] == quote and header["sales_ledger_id"] == ledger
    assert header["customer_reference"] == "Q-ROUND"
    named = [
        r["id"] for r in table_rows(db_engine, "sales_ledger") if r["name"] == "Round Trip Ltd"
    ]
    assert named == [ledger]
    link = one(db_engine, "xd_link", entity="invoices", xero_id=invoice_id)
    assert link["crm_table"] == "sales_order_header"
