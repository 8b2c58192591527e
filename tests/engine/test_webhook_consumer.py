"""The records Xero's webhook events name are read by id, through the pull's writers.

A real sandbox over HTTP and a real database (SQLite, PostgreSQL, MariaDB):
events are stored as the receiver stores them, then the consumer reads their
records, 50 ids a call, and marks each event done in the transaction that
wrote its record. Calls are counted by the sandbox itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select

from tests.support import orgs
from tests.support.sandbox import RunningSandbox, start_sandbox
from tests.support.sync import CLIENT_ENV, sync_pass
from xerodesk.engine.dbworker import DbWorker
from xerodesk.engine.webhooks.consumer import (
    IDS_PER_CALL,
    WebhookConsumer,
    WebhookReport,
    cover_events,
)
from xerodesk.store.models import Company, SalesOrderHeader
from xerodesk.store.webhook_events import (
    CONTACT,
    INVOICE,
    AnnouncedChange,
    store_events,
    waiting_counts,
)
from xerodesk.store.xd_models import SyncRun, WebhookEvent
from xerodesk.xero.connect import open_client

INVOICE_ID = orgs.uid(1, orgs.INV_AUTHORISED)
BILL_ID = orgs.uid(1, orgs.BILL)
AT = datetime(2026, 6, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def documents() -> Iterator[RunningSandbox]:
    running = start_sandbox(rate_limits="off")
    running.control("POST", "/load", orgs.documents_org())
    yield running
    running.close()


def synced(sandbox: RunningSandbox, engine: Engine) -> None:
    report = asyncio.run(sync_pass(sandbox, engine, trigger="schedule"))
    assert report.outcome == "ok", report.message
    sandbox.control("POST", "/counters/reset")


def announce(engine: Engine, *changes: tuple[str, str], at: datetime = AT) -> None:
    events = [AnnouncedChange(category, rid, "UPDATE", at) for category, rid in changes]
    with engine.begin() as connection:
        store_events(connection, events, received_at=at, sequence=1)


async def consume(sandbox: RunningSandbox, engine: Engine) -> WebhookReport:
    db = DbWorker(engine)
    try:
        client = await open_client(xero_url=sandbox.base_url, env=CLIENT_ENV)
        async with client:
            return await WebhookConsumer(client, db).run()
    finally:
        db.close()


def calls(sandbox: RunningSandbox) -> dict[str, int]:
    counters = sandbox.control("GET", "/counters")
    return {k: v for k, v in counters["by_endpoint"].items() if v}


def outcomes(engine: Engine) -> dict[tuple[str, str | None], int]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(WebhookEvent.resource_id, WebhookEvent.outcome, func.count()).group_by(
                WebhookEvent.resource_id, WebhookEvent.outcome
            )
        ).all()
    return {(str(rid), outcome): int(n) for rid, outcome, n in rows}


def test_announced_records_are_read_by_id_and_their_events_done(
    documents: RunningSandbox, db_engine: Engine
) -> None:
    synced(documents, db_engine)
    documents.control(
        "POST",
        "/edit",
        {"collection": "Contacts", "id": orgs.ACME, "changes": {"Name": "Acme Renamed"}},
    )
    documents.control(
        "POST",
        "/edit",
        {"collection": "Invoices", "id": INVOICE_ID, "changes": {"Reference": "PO-77"}},
    )
    announce(db_engine, (CONTACT, orgs.ACME), (INVOICE, INVOICE_ID), (INVOICE, BILL_ID))
    # a second event for the same contact, a minute later: still one record to read
    announce(db_engine, (CONTACT, orgs.ACME), at=AT + timedelta(minutes=1))

    report = asyncio.run(consume(documents, db_engine))

    assert report.outcome == "ok"
    assert (report.events, report.records) == (4, 2)
    with db_engine.connect() as connection:
        names = connection.execute(select(Company.name)).scalars().all()
        reference = connection.scalar(
            select(SalesOrderHeader.customer_reference).where(
                SalesOrderHeader.xero_invoice_id == INVOICE_ID
            )
        )
        run = connection.execute(
            select(SyncRun.trigger, SyncRun.outcome, SyncRun.calls_used).where(
                SyncRun.id == report.run_id
            )
        ).one()
        assert waiting_counts(connection) == {}
    assert "Acme Renamed" in names
    assert reference == "PO-77"
    # the bill is not a sales invoice: asked for with the pass's filter, it is not there
    assert outcomes(db_engine) == {
        (orgs.ACME, "read"): 2,
        (INVOICE_ID, "read"): 1,
        (BILL_ID, "not_synced"): 1,
    }
    # one call per category with events, then the stock of the invoice's tracked
    # items (a new reference moves no balance, so its contact is not read again)
    seen = calls(documents)
    assert seen == {"GET /Contacts": 1, "GET /Invoices": 1, "GET /Items": 1}
    assert tuple(run) == ("webhook", "ok", sum(seen.values()))
    assert report.calls == sum(seen.values())


def test_nothing_waiting_costs_nothing(documents: RunningSandbox, db_engine: Engine) -> None:
    synced(documents, db_engine)
    report = asyncio.run(consume(documents, db_engine))
    assert report.run_id is None
    assert calls(documents) == {}
    with db_engine.connect() as connection:
        assert (
            connection.scalar(
                select(func.count()).select_from(SyncRun).where(SyncRun.trigger == "webhook")
            )
            == 0
        )


def test_many_records_go_fifty_ids_a_call(documents: RunningSandbox, db_engine: Engine) -> None:
    synced(documents, db_engine)
    # ids Xero does not have (deleted since, or never synced) end not_synced, no error
    unknown = [orgs.uid(9, n) for n in range(1, 2 * IDS_PER_CALL + 2)]
    announce(db_engine, *[(CONTACT, rid) for rid in unknown])
    report = asyncio.run(consume(documents, db_engine))
    assert report.outcome == "ok"
    assert calls(documents) == {"GET /Contacts": 3}
    assert set(outcomes(db_engine)) == {(rid, "not_synced") for rid in unknown}


def test_a_pass_answers_the_events_received_before_it(
    documents: RunningSandbox, db_engine: Engine
) -> None:
    synced(documents, db_engine)
    long_ago = datetime(2000, 1, 1, tzinfo=UTC)
    announce(db_engine, (CONTACT, orgs.ACME), at=long_ago)
    report = asyncio.run(sync_pass(documents, db_engine, trigger="schedule"))
    with db_engine.begin() as connection:
        assert cover_events(connection, report.run_id) == 1
        assert waiting_counts(connection) == {}
    assert outcomes(db_engine) == {(orgs.ACME, "covered"): 1}
