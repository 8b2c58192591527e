"""Deliveries that never come: the scheduled passes catch what they announced.

A sandbox that drops every webhook delivery (as when Xero's webhook is off),
the engine's own receiver on loopback, and a real database: nothing reaches
the receiver, the record still arrives with the next scheduled pass, and once
the silence has lasted while passes found unannounced changes, the
health says webhooks look off and passes no longer wait for them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select

from tests.support import orgs
from tests.support.sandbox import RunningSandbox, start_sandbox
from tests.support.sync import sync_pass
from tests.support.webhooks import KEY
from xerodesk.credentials import Secret
from xerodesk.engine.dbworker import DbWorker
from xerodesk.engine.webhooks.health import mark_listening, webhook_health
from xerodesk.engine.webhooks.receiver import WebhookReceiver
from xerodesk.engine.webhooks.serving import WebhookServer, bind, parse_listen
from xerodesk.store.models import SalesOrderHeader
from xerodesk.store.types import utcnow
from xerodesk.store.webhook_events import waiting_counts

INVOICE_ID = orgs.uid(1, orgs.INV_AUTHORISED)


@pytest.fixture
def dropping() -> Iterator[RunningSandbox]:
    running = start_sandbox(rate_limits="off", webhook_thread=False)
    running.control("POST", "/load", orgs.documents_org())
    yield running
    running.close()


async def deliver_through_receiver(
    sandbox: RunningSandbox, engine: Engine
) -> list[dict[str, object]]:
    """Register the receiver, make a change in Xero, and have the sandbox deliver."""
    db = DbWorker(engine)
    try:
        receiver = WebhookReceiver(Secret(KEY), sandbox.state.org.tenant_id, db)
        server = WebhookServer(receiver.app, bind(parse_listen("127.0.0.1:0")))
        async with server.running():
            registration = {"url": server.url, "key": KEY, "intent": False, "batch_seconds": 0}
            registration["faults"] = {"drop": 1.0}
            await asyncio.to_thread(sandbox.control, "POST", "/webhooks", registration)
            edit = {"collection": "Invoices", "id": INVOICE_ID, "changes": {"Reference": "LOST"}}
            await asyncio.to_thread(sandbox.control, "POST", "/edit", edit)
            answer = await asyncio.to_thread(sandbox.control, "POST", "/webhooks/deliver")
            results: list[dict[str, object]] = answer["results"]
            return results
    finally:
        db.close()


def reference(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return connection.scalar(
            select(SalesOrderHeader.customer_reference).where(
                SalesOrderHeader.xero_invoice_id == INVOICE_ID
            )
        )


def test_a_dropped_delivery_is_caught_by_the_next_pass(
    dropping: RunningSandbox, db_engine: Engine
) -> None:
    first = asyncio.run(sync_pass(dropping, db_engine, trigger="schedule"))
    assert first.outcome == "ok"
    with db_engine.begin() as connection:
        mark_listening(connection, utcnow())
    results = asyncio.run(deliver_through_receiver(dropping, db_engine))
    # the sandbox dropped it: nothing was sent, nothing stored, nothing to read
    assert [(r["sent"], r["fault"]) for r in results] == [(False, "drop")]
    with db_engine.connect() as connection:
        assert waiting_counts(connection) == {}
    assert reference(db_engine) != "LOST"
    # the safety net: the next scheduled pass reads it since its cursor
    caught = asyncio.run(sync_pass(dropping, db_engine, trigger="schedule"))
    assert caught.outcome == "ok"
    assert reference(db_engine) == "LOST"
    # a pass found a change nothing announced: after an hour without a delivery
    # (webhook_silence_minutes), webhooks look off
    with db_engine.connect() as connection:
        assert webhook_health(connection, utcnow() + timedelta(minutes=5)).working
        later = webhook_health(connection, utcnow() + timedelta(minutes=70))
    assert later.looks_off and later.unannounced == 1
