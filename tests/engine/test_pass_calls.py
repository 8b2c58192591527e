"""What a routine pass costs in Xero calls, and what it still catches.

A pass with nothing changed makes one call per entity it reads (five: tax
rates and currencies, which Xero lists whole, are read hourly): items come in
one unpaged call, those changed since the last pass; the stock of
tracked items is read again where documents moved it and hourly; items
deleted in Xero are found by the sweep in the whole list; the organisation is
read for its base currency only when the CRM has none yet, on a full resync
and daily. Counted by the sandbox itself, on SQLite, PostgreSQL and MariaDB.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, func, select, update
from starlette.responses import JSONResponse
from starlette.routing import Mount, Router
from starlette.types import Receive, Scope, Send

from tests.support import orgs
from tests.support.sandbox import RunningSandbox, start_sandbox
from tests.support.sync import an_hour_on, snapshot_tables, sync_pass, table_rows
from xerodesk.domain.sync import PULL_ORDER, EntityKind
from xerodesk.engine.pass_types import PassReport
from xerodesk.engine.passes import current_plan
from xerodesk.engine.review import perform
from xerodesk.sandbox.app import default_api_routes
from xerodesk.store.models import SalesOrderHeader
from xerodesk.store.state import load_cursor, save_cursor
from xerodesk.store.types import utcnow
from xerodesk.store.views import review_item
from xerodesk.store.xd_models import AuditEntry, ReviewItem, SyncRun

CRM_TABLES = (
    "company",
    "sales_ledger",
    "contact",
    "product",
    "stock_level",
    "currency",
    "vat_code",
    "sales_order_header",
    "sales_transaction",
    "purchase_order_header",
    "purchase_transaction",
    "xd_link",
)
REFERENCE = (EntityKind.TAX_RATES, EntityKind.CURRENCIES)


@pytest.fixture
def documents() -> Iterator[RunningSandbox]:
    running = start_sandbox(rate_limits="off")
    running.control("POST", "/load", orgs.documents_org())
    yield running
    running.close()


def run(sandbox: RunningSandbox, engine: Engine, **kwargs: Any) -> PassReport:
    report = asyncio.run(sync_pass(sandbox, engine, **kwargs))
    assert report.outcome == "ok", report.message
    return report


def calls(sandbox: RunningSandbox) -> dict[str, int]:
    counters = sandbox.control("GET", "/counters")
    return {k: v for k, v in counters["by_endpoint"].items() if v}


def planned(connection: Connection) -> dict[str, int]:
    """The next pass's estimated calls, by step."""
    return {step.name: step.calls for step in current_plan(connection).steps}


def audit_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def xero_item(sandbox: RunningSandbox, item_id: str) -> dict[str, Any]:
    reply = sandbox.api("GET", "/Items")
    assert reply.status_code == 200, reply.text
    (record,) = [r for r in reply.json()["Items"] if r["ItemID"] == item_id]
    return dict(record)


def open_reviews(engine: Engine, kind: str) -> list[tuple[int, str]]:
    with engine.connect() as connection:
        query = select(ReviewItem.id, ReviewItem.title).where(
            ReviewItem.kind == kind, ReviewItem.resolved_at.is_(None)
        )
        return [(int(i), str(t)) for i, t in connection.execute(query)]


def test_a_pass_with_nothing_changed_makes_one_call_per_entity_and_writes_nothing(
    documents: RunningSandbox, db_engine: Engine
) -> None:
    with db_engine.connect() as connection:
        assert planned(connection)["currencies"] == 2  # the organisation too
    run(documents, db_engine)
    before, audited = snapshot_tables(db_engine, CRM_TABLES), audit_count(db_engine)
    with db_engine.connect() as connection:
        assert current_plan(connection).total == 5  # the estimate agrees
        assert planned(connection)["items"] == 1
        assert "currencies" not in planned(connection)  # read hourly
    documents.control("POST", "/counters/reset")
    report = run(documents, db_engine)
    assert sum(calls(documents).values()) == len(PULL_ORDER) - 2 == 5, calls(documents)
    assert report.calls == 5
    assert "GET /TaxRates" not in calls(documents)
    assert "GET /Organisation" not in calls(documents)
    assert snapshot_tables(db_engine, CRM_TABLES) == before
    assert audit_count(db_engine) == audited
    an_hour_on(db_engine)  # tax rates and currencies are due again, one call each
    with db_engine.connect() as connection:
        assert current_plan(connection).total == 7
        assert planned(connection)["currencies"] == 1  # not the organisation: known
    documents.control("POST", "/counters/reset")
    run(documents, db_engine)
    assert sum(calls(documents).values()) == 7, calls(documents)
    assert "GET /Organisation" not in calls(documents)
    assert snapshot_tables(db_engine, CRM_TABLES) == before
    assert (report.counts.created, report.counts.updated) == (0, 0)


def stock_of(engine: Engine, code: str) -> Decimal:
    (product,) = [r for r in table_rows(engine, "product") if r["product_item_id"] == code]
    (stock,) = [r for r in table_rows(engine, "stock_level") if r["product_id"] == product["id"]]
    assert stock["free_stock"] == stock["physical_stock"]
    return Decimal(stock["free_stock"])


def hours_since_stock_check(engine: Engine, hours: int) -> None:
    with engine.begin() as connection:
        last = load_cursor(connection, "items").last_refresh_at
        assert last is not None  # the first pass read every item
        save_cursor(connection, "items", last_refresh_at=last - timedelta(hours=hours))


def test_stock_moved_without_a_new_updated_date_reaches_the_crm_with_the_hourly_check(
    documents: RunningSandbox, db_engine: Engine
) -> None:
    run(documents, db_engine)
    stamp = xero_item(documents, orgs.TRACKED)["UpdatedDateUTC"]
    moved = {"QuantityOnHand": 17, "bump": False}
    documents.control("POST", f"/items/{orgs.TRACKED}/quantity", moved)
    assert xero_item(documents, orgs.TRACKED)["UpdatedDateUTC"] == stamp  # not bumped
    documents.control("POST", "/counters/reset")
    run(documents, db_engine)
    assert stock_of(db_engine, "WIDGET-1") != Decimal("17")  # unseen by the changes
    assert calls(documents)["GET /Items"] == 1 and sum(calls(documents).values()) == 5
    hours_since_stock_check(db_engine, 1)
    with db_engine.connect() as connection:
        assert planned(connection)["items"] == 2  # the estimate knows the check is due
    documents.control("POST", "/counters/reset")
    report = run(documents, db_engine)
    assert stock_of(db_engine, "WIDGET-1") == Decimal("17")
    assert report.entities["items"].counts.updated == 1  # that item only
    assert calls(documents)["GET /Items"] == 2 and sum(calls(documents).values()) == 6
    documents.control("POST", "/counters/reset")
    run(documents, db_engine)  # checked: not again within the hour
    assert calls(documents)["GET /Items"] == 1


def test_a_sale_of_a_tracked_item_moves_its_stock_in_the_same_pass(
    documents: RunningSandbox, db_engine: Engine
) -> None:
    run(documents, db_engine)
    before = stock_of(db_engine, "WIDGET-1")
    invoice = {
        "Type": "ACCREC",
        "Contact": {"ContactID": orgs.ACME},
        "Status": "AUTHORISED",
        "Date": "2026-01-05",
        "DueDate": "2026-02-05",
        "LineItems": [
            {"ItemCode": "WIDGET-1", "Description": "Widget", "Quantity": 2, "UnitAmount": 10}
        ],
    }
    reply = documents.api("PUT", "/Invoices", json={"Invoices": [invoice]})
    assert reply.status_code == 200, reply.text
    documents.control("POST", "/counters/reset")
    run(documents, db_engine)
    # read after the invoice, by its code: the sale shows at once
    assert stock_of(db_engine, "WIDGET-1") == before - 2
    assert calls(documents)["GET /Items"] == 2


def test_an_item_deleted_in_xero_is_caught_by_the_sweep(
    documents: RunningSandbox, db_engine: Engine
) -> None:
    run(documents, db_engine)
    documents.control("DELETE", f"/items/{orgs.UNTRACKED}")
    run(documents, db_engine)
    products = {r["xero_item_id"]: r for r in table_rows(db_engine, "product")}
    assert products[orgs.UNTRACKED]["obsolete"] is not True  # not among the changes
    with db_engine.begin() as connection:
        save_cursor(connection, "items", last_reconcile_at=utcnow() - timedelta(days=2))
    documents.control("POST", "/counters/reset")
    report = run(documents, db_engine)
    assert report.sweep is not None  # the whole list, read by the items step, reused
    products = {r["xero_item_id"]: r for r in table_rows(db_engine, "product")}
    assert products[orgs.UNTRACKED]["obsolete"] is True
    assert products[orgs.TRACKED]["obsolete"] is not True
    assert calls(documents)["GET /Items"] == 1


def many_items_org(count: int) -> dict[str, Any]:
    org = copy.deepcopy(orgs.master_org())
    org["Items"] = [
        orgs.item(f"eeeeeeee-0000-4000-8000-{n:012d}", f"BULK-{n}") for n in range(count)
    ]
    return org


def obsolete(engine: Engine) -> int:
    return sum(1 for r in table_rows(engine, "product") if r["obsolete"] is True)


def test_a_list_lacking_most_items_marks_none_until_the_user_confirms(
    db_engine: Engine,
) -> None:
    sandbox = start_sandbox(rate_limits="off")
    try:
        org = many_items_org(10)
        sandbox.control("POST", "/load", org)
        master = (EntityKind.CONTACTS, EntityKind.ITEMS)
        run(sandbox, db_engine, only=master)
        # Xero answers with no items at all: reported, nothing concluded.
        # (Deletions are looked for in whole lists: a full resync reads them.)
        sandbox.control("POST", "/load", {**org, "Items": []})
        run(sandbox, db_engine, only=master, full=True)
        assert obsolete(db_engine) == 0
        titles = [t for _, t in open_reviews(db_engine, "sanity_guard")]
        assert titles == ["Xero returned no items, though 10 were synced before"]
        # Seven of ten gone at once: reported, none marked.
        sandbox.control("POST", "/load", {**org, "Items": org["Items"][:3]})
        run(sandbox, db_engine, only=master, full=True)
        assert obsolete(db_engine) == 0
        ((item_id, title),) = [
            r for r in open_reviews(db_engine, "sanity_guard") if "vanished" in r[1]
        ]
        assert title == "7 of 10 items seem to have vanished from Xero"
        # The user says they really were deleted: the next pass marks them.
        with db_engine.begin() as connection:
            row = review_item(connection, item_id)
            assert row is not None
            assert perform(connection, row, "dismiss") == "dismissed"
        run(sandbox, db_engine, only=master, full=True)
        assert obsolete(db_engine) == 7
        assert not [r for r in open_reviews(db_engine, "sanity_guard") if "vanished" in r[1]]
    finally:
        sandbox.close()


def test_the_organisation_is_read_when_unknown_on_a_full_resync_and_daily(
    documents: RunningSandbox, db_engine: Engine
) -> None:
    run(documents, db_engine, only=REFERENCE)
    documents.control("POST", "/counters/reset")
    run(documents, db_engine, only=REFERENCE)
    assert calls(documents) == {}  # read hourly
    an_hour_on(db_engine)
    run(documents, db_engine, only=REFERENCE)
    assert calls(documents) == {"GET /TaxRates": 1, "GET /Currencies": 1}
    run(documents, db_engine, only=REFERENCE, full=True)
    assert calls(documents).get("GET /Organisation") == 1
    with db_engine.begin() as connection:
        read_at = load_cursor(connection, "currencies").last_refresh_at
        assert read_at is not None
        save_cursor(connection, "currencies", last_refresh_at=read_at - timedelta(hours=25))
    run(documents, db_engine, only=REFERENCE)  # due with the currencies, within the hour
    assert calls(documents).get("GET /Organisation") == 2
    an_hour_on(db_engine)
    run(documents, db_engine, only=REFERENCE)
    assert calls(documents).get("GET /Organisation") == 2
    homes = [r["code"] for r in table_rows(db_engine, "currency") if r["is_home"]]
    assert homes == ["GBP"]


class OrganisationWithoutCurrency:
    """The sandbox's Accounting API, except that GET /Organisation, while ``broken``,
    answers with an organisation that has no base currency."""

    def __init__(self) -> None:
        self.broken = True
        self._router = Router(default_api_routes())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.broken and scope["type"] == "http" and scope["path"].endswith("/Organisation"):
            body = {"Status": "OK", "Organisations": [{"Name": "No currency yet"}]}
            await JSONResponse(body)(scope, receive, send)
            return
        await self._router(scope, receive, send)


def test_an_organisation_without_a_base_currency_on_the_first_pass_behaves_as_before(
    db_engine: Engine,
) -> None:
    answer = OrganisationWithoutCurrency()
    sandbox = start_sandbox(rate_limits="off", api_routes=[Mount("", app=answer)])
    try:
        sandbox.control("POST", "/load", orgs.documents_org())
        report = run(sandbox, db_engine, only=REFERENCE)
        assert report.entities["currencies"].counts.skipped >= 1
        assert table_rows(db_engine, "currency") == []
        (malformed,) = open_reviews(db_engine, "malformed_record")
        assert "base currency" in malformed[1].lower() or "BaseCurrency" in malformed[1]
        # Still unknown: the next pass asks again.
        sandbox.control("POST", "/counters/reset")
        run(sandbox, db_engine, only=REFERENCE)
        assert calls(sandbox).get("GET /Organisation") == 1
        assert table_rows(db_engine, "currency") == []
        # Put right: read, written, the review item closed; then no more calls for it.
        answer.broken = False
        run(sandbox, db_engine, only=REFERENCE)
        assert [r["code"] for r in table_rows(db_engine, "currency") if r["is_home"]] == ["GBP"]
        assert open_reviews(db_engine, "malformed_record") == []
        sandbox.control("POST", "/counters/reset")
        run(sandbox, db_engine, only=REFERENCE)
        assert "GET /Organisation" not in calls(sandbox)
    finally:
        sandbox.close()


def test_an_item_xero_sends_broken_is_reviewed_once_not_on_every_pass(db_engine: Engine) -> None:
    org = copy.deepcopy(orgs.master_org())
    broken = orgs.item("ffffffff-0000-4000-8000-000000000001", "BROKEN-1")
    del broken["Code"]
    org["Items"].append(broken)
    sandbox = start_sandbox(rate_limits="off")
    try:
        sandbox.control("POST", "/load", org)
        master = (EntityKind.CONTACTS, EntityKind.ITEMS)
        run(sandbox, db_engine, only=master)
        ((item_id, _title),) = open_reviews(db_engine, "malformed_record")
        with db_engine.begin() as connection:
            row = review_item(connection, item_id)
            assert row is not None
            perform(connection, row, "dismiss")
        run(sandbox, db_engine, only=master)
        assert open_reviews(db_engine, "malformed_record") == []  # dismissed stays dismissed
        products = {r["xero_item_id"] for r in table_rows(db_engine, "product")}
        assert orgs.TRACKED in products and broken["ItemID"] not in products
    finally:
        sandbox.close()


def test_a_balance_that_turned_overdue_with_the_calendar_is_re_read_by_id(
    documents: RunningSandbox, db_engine: Engine
) -> None:
    run(documents, db_engine)
    with db_engine.connect() as connection:
        header = SalesOrderHeader
        due = connection.execute(
            select(header.xero_contact_id, header.due_date)
            .where(header.xero_status == "AUTHORISED", header.amount_due > 0)
            .where(header.due_date.is_not(None))
            .order_by(header.due_date)
        ).first()
    assert due is not None
    contact_id, due_date = due
    # the last pass ran the day before that invoice fell due
    with db_engine.begin() as connection:
        day_before = datetime.combine(due_date, time(9), UTC) - timedelta(days=1)
        connection.execute(update(SyncRun).values(started_at=day_before))
    overdue = {"AccountsReceivable": {"Outstanding": 321.0, "Overdue": 321.0}}
    documents.control("POST", f"/contacts/{contact_id}/balances", overdue)  # no bump
    documents.control("POST", f"/contacts/{orgs.SUPPLIER}/balances", overdue)
    documents.control("POST", "/counters/reset")
    run(documents, db_engine)
    ledger = {r["sales_ledger_id"]: r for r in table_rows(db_engine, "sales_ledger")}
    assert ledger[contact_id]["balance_overdue"] == Decimal("321.00")
    # one call by id for the contacts whose invoices fell due, beside the pass's five
    assert calls(documents)["GET /Contacts"] == 2
    assert sum(calls(documents).values()) == 6
    documents.control("POST", "/counters/reset")
    run(documents, db_engine)  # the same day again: nothing fell due since
    assert calls(documents)["GET /Contacts"] == 1
