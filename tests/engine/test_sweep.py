"""The reconciliation sweep against the sandbox, on all three databases.

Each test syncs the documents organisation, changes it in Xero (through the
sandbox's control API, as a user would), then runs the sweep alone, without
any modified-since walk, and reads the outcome back with plain SQL.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select, update

from tests.support import orgs
from tests.support.sandbox import RunningSandbox, start_sandbox
from tests.support.sync import CLIENT_ENV, sync_pass, table_rows
from xerodesk.domain.sync import EntityKind
from xerodesk.engine.dbworker import DbWorker
from xerodesk.engine.merges import MERGE_LINKS, MERGED
from xerodesk.engine.sweep import SWEEP, SWEPT, Sweep, SweepResult
from xerodesk.store.models import Quote
from xerodesk.store.options import Options, set_option
from xerodesk.store.xd_models import RecordLink, ReviewItem, SyncCursor, SyncRunEntity
from xerodesk.xero.connect import open_client

INVOICE = orgs.uid(1, orgs.INV_AUTHORISED)
CREDIT_NOTE = orgs.uid(3, orgs.CN_AUTHORISED)
PURCHASE_ORDER = orgs.uid(4, orgs.PO_DRAFT)


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    running = start_sandbox(rate_limits="off")
    running.control("POST", "/load", orgs.documents_org())
    yield running
    running.close()


@pytest.fixture
def synced(sandbox: RunningSandbox, db_engine: Engine) -> Engine:
    report = asyncio.run(sync_pass(sandbox, db_engine, full=True))
    assert report.outcome == "ok", report.message
    return db_engine


async def _sweep(sandbox: RunningSandbox, engine: Engine) -> SweepResult:
    db = DbWorker(engine)
    try:
        with engine.connect() as connection:
            options = Options.load(connection)
        client = await open_client(xero_url=sandbox.base_url, env=CLIENT_ENV)
        async with client:
            return await Sweep(client, db, options, None).run(SWEPT)
    finally:
        db.close()


def sweep(sandbox: RunningSandbox, engine: Engine) -> SweepResult:
    return asyncio.run(_sweep(sandbox, engine))


def only(engine: Engine, table: str, **where: Any) -> dict[str, Any]:
    rows = [r for r in table_rows(engine, table) if all(r[k] == v for k, v in where.items())]
    assert len(rows) == 1, f"{table} {where}: {len(rows)} rows"
    return rows[0]


def test_nothing_changed_costs_one_list_per_entity_and_writes_nothing(
    sandbox: RunningSandbox, synced: Engine
) -> None:
    before = {t: table_rows(synced, t) for t in ("sales_order_header", "product", "sales_ledger")}
    result = sweep(sandbox, synced)
    assert result.calls == len(SWEPT)
    assert result.items_deleted == 0 and result.documents_closed == {} and result.merges == []
    assert {t: table_rows(synced, t) for t in before} == before


def test_deleted_item_becomes_obsolete(sandbox: RunningSandbox, synced: Engine) -> None:
    assert only(synced, "product", xero_item_id=orgs.UNSOLD)["obsolete"] is True
    sandbox.control("DELETE", f"/items/{orgs.UNTRACKED}")
    assert only(synced, "product", xero_item_id=orgs.UNTRACKED)["obsolete"] is not True
    result = sweep(sandbox, synced)
    assert result.items_deleted == 1
    assert only(synced, "product", xero_item_id=orgs.UNTRACKED)["obsolete"] is True


def test_voided_and_deleted_documents_follow_the_mapping_rules(
    sandbox: RunningSandbox, synced: Engine
) -> None:
    sandbox.control("POST", f"/documents/Invoices/{INVOICE}/status", {"Status": "VOIDED"})
    sandbox.control("POST", f"/documents/CreditNotes/{CREDIT_NOTE}/status", {"Status": "VOIDED"})
    sandbox.control(
        "POST", f"/documents/PurchaseOrders/{PURCHASE_ORDER}/status", {"Status": "DELETED"}
    )
    result = sweep(sandbox, synced)
    assert result.documents_closed == {
        "invoices": 1,
        "credit_notes": 1,
        "purchase_orders": 1,
    }
    header = only(synced, "sales_order_header", xero_invoice_id=INVOICE)
    assert (header["order_status"], header["xero_status"]) == ("Voided", "VOIDED")
    assert header["exclude_from_reports"] is True
    lines = [
        r
        for r in table_rows(synced, "sales_transaction")
        if r["sales_order_header_id"] == header["id"] or r["xero_credit_note_id"] == CREDIT_NOTE
    ]
    assert lines and all(r["exclude_from_reports"] is True for r in lines)
    order = only(synced, "purchase_order_header", xero_purchase_order_id=PURCHASE_ORDER)
    assert order["obsolete"] is True and order["xero_status"] == "DELETED"
    # Found once: the next sweep has nothing more to re-read.
    again = sweep(sandbox, synced)
    assert again.documents_closed == {} and again.calls == len(SWEPT)


def _ledger_totals(engine: Engine) -> dict[int | None, Decimal]:
    totals: dict[int | None, Decimal] = {}
    for row in table_rows(engine, "sales_transaction"):
        key = row["sales_ledger_id"]
        totals[key] = totals.get(key, Decimal(0)) + (row["gross_value"] or Decimal(0))
    return totals


def test_merged_contact_moves_documents_quotes_and_people_to_the_winner(
    sandbox: RunningSandbox, synced: Engine
) -> None:
    loser = only(synced, "sales_ledger", sales_ledger_id=orgs.BOTH)
    winner = only(synced, "sales_ledger", sales_ledger_id=orgs.ACME)
    with synced.begin() as connection:
        connection.execute(
            insert(Quote).values(
                quote_number="Q-77", sales_ledger_id=loser["id"], status="Open", currency_code="GBP"
            )
        )
    all_lines = sum(_ledger_totals(synced).values())
    moving = _ledger_totals(synced)[loser["id"]]
    staying = _ledger_totals(synced)[winner["id"]]
    assert moving != 0

    sandbox.control("POST", "/contacts/merge", {"from": orgs.BOTH, "into": orgs.ACME})
    result = sweep(sandbox, synced)

    assert [(m.loser, m.winner, m.applied) for m in result.merges] == [(orgs.BOTH, orgs.ACME, True)]
    totals = _ledger_totals(synced)
    assert totals.get(loser["id"], Decimal(0)) == 0
    assert totals[winner["id"]] == staying + moving
    assert sum(totals.values()) == all_lines  # nothing counted twice
    headers = table_rows(synced, "sales_order_header")
    assert not [h for h in headers if h["sales_ledger_id"] == loser["id"]]
    assert not [h for h in headers if h["xero_contact_id"] == orgs.BOTH]
    orders = table_rows(synced, "purchase_order_header")
    assert not [o for o in orders if o["xero_contact_id"] == orgs.BOTH]
    assert only(synced, "quote", quote_number="Q-77")["sales_ledger_id"] == winner["id"]
    loser_company = only(synced, "company", xero_contact_id=orgs.BOTH)["id"]
    winner_company = only(synced, "company", xero_contact_id=orgs.ACME)["id"]
    people = table_rows(synced, "contact")
    assert not [p for p in people if p["company_id"] == loser_company]
    moved = only(synced, "contact", xero_contact_id=orgs.BOTH)
    assert moved["company_id"] == winner_company and moved["is_primary"] is False
    # The loser stays, on stop, with Xero's balance; the winner has the merged one.
    assert only(synced, "sales_ledger", sales_ledger_id=orgs.BOTH)["on_stop"] is True
    with synced.connect() as connection:
        link = connection.execute(select(RecordLink).where(RecordLink.entity == MERGE_LINKS)).one()
        review = connection.execute(select(ReviewItem).where(ReviewItem.kind == MERGED)).one()
    assert (link.xero_id, link.crm_table, link.crm_id) == (orgs.BOTH, "sales_ledger", winner["id"])
    assert link.snapshot["into"] == orgs.ACME
    assert "merged into Acme Trading Ltd" in review.title
    assert review.xero_id == orgs.BOTH and review.resolved_at is None

    # Applied once: the next sweep moves nothing and raises nothing more.
    with synced.begin() as connection:
        connection.execute(update(ReviewItem).values(resolved_at=review.created_at))
    again = sweep(sandbox, synced)
    assert again.merges == []
    with synced.connect() as connection:
        open_items = connection.execute(
            select(ReviewItem).where(ReviewItem.resolved_at.is_(None))
        ).all()
    assert open_items == []


def test_pass_runs_the_sweep_when_due_and_logs_its_calls(
    sandbox: RunningSandbox, synced: Engine
) -> None:
    with synced.begin() as connection:
        set_option(connection, "reconcile_interval_hours", "1")
    # Not due: the full pass just swept.
    report = asyncio.run(sync_pass(sandbox, synced))
    assert report.sweep is None
    sandbox.control("DELETE", f"/items/{orgs.UNTRACKED}")
    with synced.begin() as connection:
        stamps = connection.execute(select(SyncCursor.entity, SyncCursor.last_reconcile_at))
        swept = {entity: at for entity, at in stamps if at is not None}
        assert set(swept) == {e.value for e in SWEPT}
        for entity, at in swept.items():
            connection.execute(
                update(SyncCursor)
                .where(SyncCursor.entity == entity)
                .values(last_reconcile_at=at.replace(year=at.year - 1))
            )
    report = asyncio.run(sync_pass(sandbox, synced))
    assert report.outcome == "ok", report.message
    assert report.sweep is not None and report.sweep.items_deleted == 1
    assert only(synced, "product", xero_item_id=orgs.UNTRACKED)["obsolete"] is True
    with synced.connect() as connection:
        row = connection.execute(
            select(SyncRunEntity).where(
                SyncRunEntity.run_id == report.run_id, SyncRunEntity.entity == SWEEP
            )
        ).one()
    # one list per swept entity, except items: the sweep reuses the pass's own list
    assert report.sweep.calls_by_entity["items"] == 0
    assert row.calls == report.sweep.calls >= len(SWEPT) - 1
    logged = sum(
        r["calls"] for r in table_rows(synced, "xd_run_entity") if r["run_id"] == report.run_id
    )
    assert logged == report.calls


def test_only_some_entities_sweeps_only_those(sandbox: RunningSandbox, synced: Engine) -> None:
    report = asyncio.run(sync_pass(sandbox, synced, full=True, only=(EntityKind.ITEMS,)))
    assert report.sweep is not None
    assert set(report.sweep.calls_by_entity) == {"items"}
