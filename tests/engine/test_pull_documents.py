"""Feature sheet, Sales orders and invoices, Credit notes and Purchase orders: one test per row.

Each runs against the sandbox through the real client over HTTP, into a fresh
SQLite, PostgreSQL and MariaDB database, and reads the result back with plain
SQL as a CRM report would. The rows "Custom description handling" and
"Delivery charges", and the sending half of "Confirmed CRM orders", are
pushes (CRM to Xero) and are tested with the push; the pull half of
"Confirmed CRM orders" (the invoice points back at its quote) is here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, insert, text

from tests.support import orgs
from tests.support.databases import KINDS, DatabaseFactory
from tests.support.sandbox import RunningSandbox, start_sandbox
from tests.support.sync import sync_pass, table_rows
from xerodesk.store.database import open_engine
from xerodesk.store.models import Quote

D = Decimal
QUOTE_NUMBER = "Q-1001"


@pytest.fixture(scope="module")
def documents_sandbox() -> Iterator[RunningSandbox]:
    running = start_sandbox(rate_limits="off")
    running.control("POST", "/load", orgs.documents_org())
    yield running
    running.close()


@pytest.fixture(scope="module", params=KINDS)
def synced(
    request: pytest.FixtureRequest,
    documents_sandbox: RunningSandbox,
    database_factory: DatabaseFactory,
) -> Iterator[Engine]:
    engine = open_engine(database_factory.fresh(str(request.param)))
    with engine.begin() as connection:
        connection.execute(
            insert(Quote).values(
                quote_number=QUOTE_NUMBER,
                status="Confirmed",
                push_state="sent",
                xero_invoice_id=orgs.uid(1, orgs.INV_FROM_QUOTE),
            )
        )
    report = asyncio.run(sync_pass(documents_sandbox, engine))
    assert report.outcome == "ok", report.message
    assert report.new_review_items == 0
    yield engine
    engine.dispose()


def rows(engine: Engine, table: str, **where: Any) -> list[dict[str, Any]]:
    return [r for r in table_rows(engine, table) if all(r[k] == v for k, v in where.items())]


def one(engine: Engine, table: str, **where: Any) -> dict[str, Any]:
    found = rows(engine, table, **where)
    assert len(found) == 1, f"{table} {where}: {len(found)} rows"
    return found[0]


def header(engine: Engine, number: int) -> dict[str, Any]:
    return one(engine, "sales_order_header", xero_invoice_id=orgs.uid(1, number))


def lines_of(engine: Engine, number: int) -> list[dict[str, Any]]:
    return rows(engine, "sales_transaction", sales_order_header_id=header(engine, number)["id"])


def credit_lines(engine: Engine, number: int) -> list[dict[str, Any]]:
    return rows(engine, "sales_transaction", xero_credit_note_id=orgs.uid(3, number))


def ledger_id(engine: Engine, contact_id: str) -> int:
    return int(one(engine, "sales_ledger", sales_ledger_id=contact_id)["id"])


# --- Sales orders and invoices -------------------------------------------------


def test_sales_invoices(synced: Engine) -> None:
    numbers = sorted(r["order_number"] for r in table_rows(synced, "sales_order_header"))
    assert numbers == [f"INV-{n:04d}" for n in range(1, 10)]  # the ACCPAY bill is not there
    first = header(synced, orgs.INV_AUTHORISED)
    assert first["sales_ledger_id"] == ledger_id(synced, orgs.ACME)
    assert first["xero_contact_id"] == orgs.ACME
    lines = lines_of(synced, orgs.INV_AUTHORISED)
    assert sorted(ln["xero_line_id"] for ln in lines) == [orgs.uid(2, 101), orgs.uid(2, 102)]
    assert {ln["transaction_type"] for ln in lines} == {"I"}
    assert {ln["sales_ledger_id"] for ln in lines} == {first["sales_ledger_id"]}
    assert not rows(synced, "sales_transaction", description="Parts")


@pytest.mark.parametrize(
    ("number", "xero_status", "order_status", "excluded"),
    [
        (orgs.INV_AUTHORISED, "AUTHORISED", "Invoice", False),
        (orgs.INV_PAID, "PAID", "Invoice", False),
        (orgs.INV_DRAFT, "DRAFT", "Pending", False),
        (orgs.INV_SUBMITTED, "SUBMITTED", "Pending", False),
        (orgs.INV_DELETED, "DELETED", "Deleted", True),
        (orgs.INV_VOIDED, "VOIDED", "Voided", True),
    ],
)
def test_invoice_status_mapping(
    synced: Engine, number: int, xero_status: str, order_status: str, excluded: bool
) -> None:
    row = header(synced, number)
    assert (row["xero_status"], row["order_status"]) == (xero_status, order_status)
    assert row["exclude_from_reports"] is excluded
    assert {ln["exclude_from_reports"] for ln in lines_of(synced, number)} == {excluded}


@pytest.mark.parametrize(
    ("line_id", "expected"),
    [
        (  # Exclusive, with an item
            101,
            {
                "product_item_id": "WIDGET-1",
                "description": "Widget",
                "quantity": D("3"),
                "unit_price": D("19.99"),
                "net_value": D("59.97"),
                "tax_value": D("11.99"),
                "gross_value": D("71.96"),
                "home_net_value": D("59.97"),
                "home_gross_value": D("71.96"),
                "account_code": "200",
                "tax_type": "OUTPUT2",
            },
        ),
        (  # no item, another account code
            102,
            {"product_id": None, "product_item_id": None, "account_code": "260"},
        ),
        (  # Inclusive: gross is the line amount
            301,
            {"net_value": D("83.29"), "tax_value": D("16.66"), "gross_value": D("99.95")},
        ),
        (  # NoTax
            401,
            {"net_value": D("39.98"), "tax_value": D("0"), "gross_value": D("39.98")},
        ),
        (  # EUR at 1.2 per GBP: home values in GBP
            801,
            {"net_value": D("120"), "home_net_value": D("100.00"), "home_gross_value": D("100")},
        ),
    ],
)
def test_invoice_lines(synced: Engine, line_id: int, expected: dict[str, Any]) -> None:
    line = one(synced, "sales_transaction", xero_line_id=orgs.uid(2, line_id))
    assert {k: line[k] for k in expected} == expected
    if line["product_item_id"]:
        assert line["product_id"] == one(synced, "product", product_item_id="WIDGET-1")["id"]


@pytest.mark.parametrize(
    ("number", "paid", "paid_date"),
    [
        (orgs.INV_PAID, True, date(2026, 3, 20)),
        (orgs.INV_ZERO, True, None),  # zero total: paid although AUTHORISED
        (orgs.INV_AUTHORISED, False, None),
    ],
)
def test_paid_status_and_date(
    synced: Engine, number: int, paid: bool, paid_date: date | None
) -> None:
    row = header(synced, number)
    assert (row["is_paid"], row["paid_date"]) == (paid, paid_date)
    assert {ln["is_paid"] for ln in lines_of(synced, number)} == {paid}


def test_customer_reference(synced: Engine) -> None:
    assert header(synced, orgs.INV_AUTHORISED)["customer_reference"] == "PO 4471"
    assert header(synced, orgs.INV_PAID)["customer_reference"] is None


def test_due_dates(synced: Engine) -> None:
    row = header(synced, orgs.INV_AUTHORISED)
    assert (row["order_date"], row["due_date"]) == (date(2026, 3, 1), date(2026, 4, 15))
    overdue = [
        r["order_number"]
        for r in table_rows(synced, "sales_order_header")
        if r["due_date"] < date(2026, 4, 1) and not r["is_paid"] and not r["exclude_from_reports"]
    ]
    assert "INV-0001" not in overdue and "INV-0002" not in overdue and "INV-0003" in overdue


def test_confirmed_crm_orders_link_back_to_their_quote(synced: Engine) -> None:
    quote = one(synced, "quote", quote_number=QUOTE_NUMBER)
    assert header(synced, orgs.INV_FROM_QUOTE)["quote_id"] == quote["id"]
    assert header(synced, orgs.INV_AUTHORISED)["quote_id"] is None


# --- Credit notes ----------------------------------------------------------------


def test_accreccredit_credit_notes(synced: Engine) -> None:
    lines = credit_lines(synced, orgs.CN_AUTHORISED)
    assert len(lines) == 2
    for line in lines:
        assert line["transaction_type"] == "C"
        assert line["sales_order_header_id"] is None
        assert line["document_number"] == "CN-0001"
        assert line["sales_ledger_id"] == ledger_id(synced, orgs.ACME)
        assert line["transaction_date"] == date(2026, 3, 5)
    widget = next(ln for ln in lines if ln["product_item_id"] == "WIDGET-1")
    assert (widget["quantity"], widget["unit_price"]) == (D("-1"), D("19.99"))
    assert (widget["net_value"], widget["tax_value"], widget["gross_value"]) == (
        D("-19.99"),
        D("-4.00"),
        D("-23.99"),
    )
    assert (widget["home_net_value"], widget["home_gross_value"]) == (D("-19.99"), D("-23.99"))
    assert not credit_lines(synced, orgs.CN_SUPPLIER)  # ACCPAYCREDIT is not imported


@pytest.mark.parametrize(
    ("number", "paid", "excluded"),
    [
        (orgs.CN_AUTHORISED, False, False),
        (orgs.CN_PAID, True, False),
        (orgs.CN_VOIDED, False, True),
        (orgs.CN_DELETED, False, True),
    ],
)
def test_credit_note_status_and_paid_flag(
    synced: Engine, number: int, paid: bool, excluded: bool
) -> None:
    lines = credit_lines(synced, number)
    assert lines
    assert {(ln["is_paid"], ln["exclude_from_reports"]) for ln in lines} == {(paid, excluded)}


def _sandbox_net(sandbox: RunningSandbox, path: str, kind: str) -> Decimal:
    """Σ SubTotal of the sandbox's sales documents of one kind not deleted or voided."""
    key = "Invoices" if path == "/Invoices" else "CreditNotes"
    body = sandbox.api("GET", path, params={"where": f'Type=="{kind}"'}).json()
    return sum(
        (
            D(str(doc["SubTotal"]))
            for doc in body[key]
            if doc["Status"] not in ("DELETED", "VOIDED")
        ),
        D(0),
    )


def test_report_credits_net_against_invoices(
    synced: Engine, documents_sandbox: RunningSandbox
) -> None:
    expected = _sandbox_net(documents_sandbox, "/Invoices", "ACCREC") - _sandbox_net(
        documents_sandbox, "/CreditNotes", "ACCRECCREDIT"
    )
    with synced.connect() as connection:
        total = connection.execute(
            text(
                "SELECT SUM(net_value) FROM sales_transaction "
                "WHERE exclude_from_reports = :no OR exclude_from_reports IS NULL"
            ),
            {"no": False},
        ).scalar()
        excluded = connection.execute(
            text(
                "SELECT COUNT(*) FROM sales_transaction t "
                "LEFT JOIN sales_order_header h ON h.id = t.sales_order_header_id "
                "WHERE t.exclude_from_reports = :yes "
                "AND (h.xero_status IN ('DELETED', 'VOIDED') OR t.xero_credit_note_id IS NOT NULL)"
            ),
            {"yes": True},
        ).scalar()
    assert D(str(total)).quantize(D("0.01")) == expected
    assert excluded == 4  # INV-0005, INV-0006, CN-0003, CN-0004: one line each


def test_report_by_customer_nets_credits(synced: Engine) -> None:
    acme = ledger_id(synced, orgs.ACME)
    with synced.connect() as connection:
        total = connection.execute(
            text(
                "SELECT SUM(net_value) FROM sales_transaction "
                "WHERE sales_ledger_id = :ledger AND exclude_from_reports = :no"
            ),
            {"ledger": acme, "no": False},
        ).scalar()
    # INV-0001 359.97 + INV-0002 400 + INV-0007 0 + INV-0009 19.99 − CN-0001 (19.99 − 5.00)
    assert D(str(total)).quantize(D("0.01")) == D("764.97")


# --- Purchase orders -------------------------------------------------------------


def test_xero_purchase_orders(synced: Engine) -> None:
    order = one(synced, "purchase_order_header", xero_purchase_order_id=orgs.uid(4, 1))
    supplier = one(synced, "purchase_ledger", purchase_ledger_id=orgs.SUPPLIER)
    assert order["purchase_ledger_id"] == supplier["id"]
    assert (order["order_number"], order["reference"]) == ("PO-0001", "Order 1")
    assert (order["order_date"], order["delivery_date"]) == (date(2026, 2, 1), date(2026, 2, 14))
    assert (order["net_total"], order["tax_total"], order["gross_total"]) == (
        D("63.75"),
        D("12.75"),
        D("76.50"),
    )
    lines = rows(synced, "purchase_transaction", purchase_order_header_id=order["id"])
    widget = one(synced, "product", product_item_id="WIDGET-1")
    assert sorted(ln["quantity"] for ln in lines) == [D("5"), D("10")]
    assert {(ln["product_id"], ln["account_code"], ln["tax_type"]) for ln in lines} == {
        (widget["id"], "300", "INPUT2")
    }
    assert len(table_rows(synced, "purchase_order_header")) == 4


@pytest.mark.parametrize(
    ("number", "status", "completed", "obsolete"),
    [
        (orgs.PO_AUTHORISED, "AUTHORISED", False, False),
        (orgs.PO_BILLED, "BILLED", True, False),
        (orgs.PO_DELETED, "DELETED", False, True),
        (orgs.PO_DRAFT, "DRAFT", False, False),
    ],
)
def test_purchase_order_status(
    synced: Engine, number: int, status: str, completed: bool, obsolete: bool
) -> None:
    order = one(synced, "purchase_order_header", xero_purchase_order_id=orgs.uid(4, number))
    assert (order["xero_status"], order["order_completed"], order["obsolete"]) == (
        status,
        completed,
        obsolete,
    )
