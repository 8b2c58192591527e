"""Documents over several passes: exact line replacement, late links, no bills fetched,
balances after document changes, derived stock commitments; on all three databases."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs

import pytest
from sqlalchemy import Engine, insert
from starlette.routing import Mount, Router
from starlette.types import Receive, Scope, Send

from tests.support import orgs
from tests.support.sandbox import RunningSandbox, start_sandbox
from tests.support.sync import snapshot_tables, sync_pass, table_rows
from xerodesk.domain.sync import EntityKind
from xerodesk.engine.pass_types import PassReport
from xerodesk.sandbox.app import default_api_routes
from xerodesk.store.models import Quote, QuoteLine
from xerodesk.store.options import set_option

D = Decimal
DOCUMENTS = (EntityKind.INVOICES, EntityKind.CREDIT_NOTES, EntityKind.PURCHASE_ORDERS)
MASTER = (EntityKind.CONTACTS, EntityKind.ITEMS)
DOCUMENT_TABLES = (
    "sales_order_header",
    "sales_transaction",
    "purchase_order_header",
    "purchase_transaction",
    "stock_level",
)


class RequestLog:
    """Every Accounting API request the sandbox received: method, path and query."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict[str, list[str]]]] = []
        self._router = Router(default_api_routes())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            query = parse_qs(scope["query_string"].decode())
            self.requests.append((scope["method"], scope["path"], query))
        await self._router(scope, receive, send)

    def to(self, collection: str) -> list[dict[str, list[str]]]:
        return [q for _, path, q in self.requests if path.endswith(f"/{collection}")]


@pytest.fixture
def logged() -> Iterator[tuple[RunningSandbox, RequestLog]]:
    log = RequestLog()
    running = start_sandbox(rate_limits="off", api_routes=[Mount("", app=log)])
    running.control("POST", "/load", orgs.documents_org())
    yield running, log
    running.close()


@pytest.fixture
def documents(logged: tuple[RunningSandbox, RequestLog]) -> RunningSandbox:
    return logged[0]


def run(sandbox: RunningSandbox, engine: Engine, **kwargs: Any) -> PassReport:
    report = asyncio.run(sync_pass(sandbox, engine, **kwargs))
    assert report.outcome == "ok", report.message
    return report


def calls_by_endpoint(sandbox: RunningSandbox) -> dict[str, int]:
    counters = sandbox.control("GET", "/counters")
    return {k: v for k, v in counters["by_endpoint"].items() if v}


def by_line(engine: Engine, table: str) -> dict[str, dict[str, Any]]:
    return {r["xero_line_id"]: r for r in table_rows(engine, table)}


def test_rerun_writes_nothing_and_costs_one_call_per_endpoint(
    documents: RunningSandbox, db_engine: Engine
) -> None:
    run(documents, db_engine)
    before = snapshot_tables(db_engine, DOCUMENT_TABLES)
    documents.control("POST", "/counters/reset")
    report = run(documents, db_engine)
    assert snapshot_tables(db_engine, DOCUMENT_TABLES) == before
    for entity in DOCUMENTS:
        counts = report.entities[entity.value].counts
        assert (counts.created, counts.updated) == (0, 0), entity
    assert calls_by_endpoint(documents) == {
        # tax rates and currencies were read by the pass before: hourly
        "GET /Contacts": 1,
        "GET /Items": 1,  # the items changed since the last pass
        "GET /Invoices": 1,
        "GET /CreditNotes": 1,
        "GET /PurchaseOrders": 1,
    }


def test_reimport_replaces_lines_exactly(documents: RunningSandbox, db_engine: Engine) -> None:
    run(documents, db_engine)
    kept_row = by_line(db_engine, "sales_transaction")[orgs.uid(2, 101)]["id"]
    edits = {
        ("Invoices", orgs.uid(1, orgs.INV_AUTHORISED)): [
            orgs.widget_line(101, 8),
            orgs.doc_line(103, "Extra visit", Quantity=1, UnitAmount=75),
        ],
        ("CreditNotes", orgs.uid(3, orgs.CN_AUTHORISED)): [
            orgs.doc_line(1103, "Goodwill", Quantity=1, UnitAmount=10)
        ],
        ("PurchaseOrders", orgs.uid(4, orgs.PO_AUTHORISED)): [
            orgs.widget_line(2102, 6, AccountCode="300", TaxType="INPUT2"),
        ],
    }
    for (collection, record_id), lines in edits.items():
        documents.control(
            "POST",
            "/edit",
            {"collection": collection, "id": record_id, "changes": {"LineItems": lines}},
        )
    report = run(documents, db_engine)
    for entity in DOCUMENTS:
        assert report.entities[entity.value].counts.updated == 1, entity
    sales = by_line(db_engine, "sales_transaction")
    invoice_lines = [
        r for r in sales.values() if r["document_number"] == f"INV-{orgs.INV_AUTHORISED:04d}"
    ]
    assert sorted(r["xero_line_id"] for r in invoice_lines) == [orgs.uid(2, 101), orgs.uid(2, 103)]
    assert sales[orgs.uid(2, 101)]["id"] == kept_row  # updated in place
    assert sales[orgs.uid(2, 101)]["quantity"] == D("8")
    assert sales[orgs.uid(2, 101)]["net_value"] == D("159.92")
    assert orgs.uid(2, 102) not in sales
    credit = [r for r in sales.values() if r["document_number"] == "CN-0001"]
    assert [(r["xero_line_id"], r["net_value"]) for r in credit] == [(orgs.uid(2, 1103), D("-10"))]
    purchase = by_line(db_engine, "purchase_transaction")
    assert orgs.uid(2, 2101) not in purchase and purchase[orgs.uid(2, 2102)]["quantity"] == D("6")
    assert len(sales) == len({r["id"] for r in sales.values()})


def test_deleted_and_voided_documents_stay_flagged(
    documents: RunningSandbox, db_engine: Engine
) -> None:
    run(documents, db_engine)
    documents.control(
        "POST",
        f"/documents/Invoices/{orgs.uid(1, orgs.INV_AUTHORISED)}/status",
        {"Status": "VOIDED"},
    )
    documents.control(
        "POST",
        f"/documents/CreditNotes/{orgs.uid(3, orgs.CN_AUTHORISED)}/status",
        {"Status": "VOIDED"},
    )
    documents.control(
        "POST", f"/documents/Invoices/{orgs.uid(1, orgs.INV_DRAFT)}/status", {"Status": "DELETED"}
    )
    run(documents, db_engine)
    headers = {r["order_number"]: r for r in table_rows(db_engine, "sales_order_header")}
    assert len(headers) == 9
    assert (headers["INV-0001"]["order_status"], headers["INV-0001"]["exclude_from_reports"]) == (
        "Voided",
        True,
    )
    assert headers["INV-0003"]["order_status"] == "Deleted"
    lines = table_rows(db_engine, "sales_transaction")
    flagged = {r["document_number"] for r in lines if r["exclude_from_reports"]}
    assert {"INV-0001", "INV-0003", "CN-0001"} <= flagged
    assert len([r for r in lines if r["document_number"] == "INV-0001"]) == 2


def test_documents_before_their_contacts_and_items_are_linked_later(
    documents: RunningSandbox, db_engine: Engine
) -> None:
    run(documents, db_engine, only=DOCUMENTS)
    headers = table_rows(db_engine, "sales_order_header")
    assert headers and all(h["sales_ledger_id"] is None for h in headers)
    assert {h["xero_contact_id"] for h in headers} >= {orgs.ACME, orgs.BOTH}
    lines = table_rows(db_engine, "sales_transaction")
    assert all(r["sales_ledger_id"] is None and r["product_id"] is None for r in lines)
    assert any(r["product_item_id"] == "WIDGET-1" for r in lines)
    orders = table_rows(db_engine, "purchase_order_header")
    assert all(o["purchase_ledger_id"] is None for o in orders)
    assert table_rows(db_engine, "sales_ledger") == []  # the balance refresh adds no one

    run(documents, db_engine, only=MASTER)
    ledgers = {r["sales_ledger_id"]: r["id"] for r in table_rows(db_engine, "sales_ledger")}
    suppliers = {r["purchase_ledger_id"]: r["id"] for r in table_rows(db_engine, "purchase_ledger")}
    widget = next(
        p["id"] for p in table_rows(db_engine, "product") if p["product_item_id"] == "WIDGET-1"
    )
    for h in table_rows(db_engine, "sales_order_header"):
        assert h["sales_ledger_id"] == ledgers[h["xero_contact_id"]]
    for line in table_rows(db_engine, "sales_transaction"):
        assert line["sales_ledger_id"] is not None, line["document_number"]
        if line["product_item_id"] == "WIDGET-1":
            assert line["product_id"] == widget
    credit = [
        r for r in table_rows(db_engine, "sales_transaction") if r["document_number"] == "CN-0001"
    ]
    assert {r["sales_ledger_id"] for r in credit} == {ledgers[orgs.ACME]}
    for o in table_rows(db_engine, "purchase_order_header"):
        assert o["purchase_ledger_id"] == suppliers[o["xero_contact_id"]]
    for line in table_rows(db_engine, "purchase_transaction"):
        assert line["product_id"] == widget


def test_bills_and_supplier_credit_notes_are_never_fetched(
    logged: tuple[RunningSandbox, RequestLog], db_engine: Engine
) -> None:
    sandbox, log = logged
    run(sandbox, db_engine)
    sandbox.control("POST", "/random-edit", {"collection": "Invoices", "count": 3})
    run(sandbox, db_engine, full=True)
    invoices, credits = log.to("Invoices"), log.to("CreditNotes")
    # Besides the two walks, the full resync's sweep lists closed documents.
    swept = [q for q in invoices + credits if "Statuses" in q or "DELETED" in str(q)]
    assert len(swept) == 2
    walks = [q for q in invoices + credits if q not in swept]
    assert len(walks) == 4
    assert all(q["where"][0].startswith('Type=="ACCREC"') for q in invoices)
    assert all(q["where"][0].startswith('Type=="ACCRECCREDIT"') for q in credits)
    assert not any("ACCPAY" in str(q) for q in invoices + credits)
    numbers = {r["order_number"] for r in table_rows(db_engine, "sales_order_header")}
    assert "SUPP-77" not in numbers
    assert not [
        r
        for r in table_rows(db_engine, "sales_transaction")
        if r["description"] in ("Parts", "Supplier refund")
    ]


def test_balances_follow_document_changes(documents: RunningSandbox, db_engine: Engine) -> None:
    run(documents, db_engine)
    invoice = orgs.uid(1, orgs.INV_AUTHORISED)
    documents.control(
        "POST",
        "/edit",
        {"collection": "Invoices", "id": invoice, "changes": {"Reference": "PO 4471/B"}},
    )
    documents.control("POST", "/counters/reset")
    report = run(documents, db_engine)
    assert report.entities["invoices"].counts.updated == 1
    assert calls_by_endpoint(documents)["GET /Contacts"] == 1  # a reference moves no balance
    documents.control(
        "POST", f"/documents/Invoices/{orgs.uid(1, orgs.INV_AUTHORISED)}/status", {"Status": "PAID"}
    )
    documents.control("POST", "/counters/reset")
    report = run(documents, db_engine)
    calls = calls_by_endpoint(documents)
    assert calls["GET /Contacts"] == 2  # the incremental walk, then ACME's balance by id
    assert report.entities["contacts"].counts.updated == 1
    xero = documents.api("GET", f"/Contacts/{orgs.ACME}").json()["Contacts"][0]
    expected = D(str(xero["Balances"]["AccountsReceivable"]["Outstanding"]))
    acme = next(
        r for r in table_rows(db_engine, "sales_ledger") if r["sales_ledger_id"] == orgs.ACME
    )
    assert acme["balance_outstanding"] == expected != D("1234.56")


def _add_quotes(engine: Engine) -> None:
    widget = next(
        p["id"] for p in table_rows(engine, "product") if p["product_item_id"] == "WIDGET-1"
    )
    with engine.begin() as connection:
        for number, status, invoice, quantity in (
            ("Q-1", "Confirmed", None, 4),  # confirmed, not invoiced: allocated
            (
                "Q-2",
                "Confirmed",
                orgs.uid(1, orgs.INV_FROM_QUOTE),
                100,
            ),  # invoiced: its invoice counts
            ("Q-3", "Open", None, 50),  # not confirmed
        ):
            quote = connection.execute(
                insert(Quote).values(quote_number=number, status=status, xero_invoice_id=invoice)
            ).inserted_primary_key[0]
            connection.execute(
                insert(QuoteLine).values(
                    quote_id=quote, line_number=1, product_id=widget, quantity=quantity
                )
            )


def test_derive_stock_commitments_on_and_off(documents: RunningSandbox, db_engine: Engine) -> None:
    run(documents, db_engine)
    (stock,) = table_rows(db_engine, "stock_level")
    assert (stock["on_order"], stock["allocated"]) == (None, None)  # off by default
    _add_quotes(db_engine)
    with db_engine.begin() as connection:
        set_option(connection, "derive_stock_commitments", "true")
    run(documents, db_engine)
    (stock,) = table_rows(db_engine, "stock_level")
    # open orders: PO-0001 (10 + 5) and PO-0004 (2); PO-0002 is BILLED, PO-0003 DELETED
    assert stock["on_order"] == D("17")
    # Q-1 (4) + DRAFT INV-0003 (5), INV-0009 (1) + SUBMITTED INV-0004 (2)
    assert stock["allocated"] == D("12")
    assert stock["free_stock"] == D("42")  # Xero's own figures are untouched
    with db_engine.begin() as connection:
        set_option(connection, "derive_stock_commitments", "false")
    run(documents, db_engine)
    (stock,) = table_rows(db_engine, "stock_level")
    assert (stock["on_order"], stock["allocated"]) == (None, None)
