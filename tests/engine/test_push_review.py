"""Pushes that need a person: Xero's validation errors, orders for customers
on stop, records that cannot be sent as they stand, quotes withdrawn. Each
goes to the review queue with the words to act on, and goes out once fixed.
Against the sandbox over HTTP, on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest
from sqlalchemy import Engine, update

from tests.engine import push_support
from tests.engine.push_support import (
    confirm,
    crm_quote,
    one,
    open_reviews,
    push,
    xero_customer,
    xero_invoices,
)
from tests.support import orgs
from tests.support.sandbox import RunningSandbox
from xerodesk.engine.dbworker import DbWorker
from xerodesk.engine.push import release_quote, retry_push
from xerodesk.errors import ConfigurationError
from xerodesk.store.models import Quote, QuoteLine, SalesLedger

push_sandbox_module = push_support.push_sandbox_module
xero = push_support.xero

T = TypeVar("T")


def act(engine: Engine, action: Callable[[DbWorker], Awaitable[T]]) -> T:
    async def run() -> T:
        db = DbWorker(engine)
        try:
            return await action(db)
        finally:
            db.close()

    return asyncio.run(run())


def change(engine: Engine, model: Any, row_id: int, **values: Any) -> None:
    with engine.begin() as connection:
        connection.execute(update(model).where(model.id == row_id).values(**values))


def test_a_validation_error_is_reviewed_then_sent_once_fixed(
    xero: RunningSandbox, db_engine: Engine
) -> None:
    ledger = xero_customer(db_engine, orgs.ACME, "Acme Trading Ltd")
    quote = crm_quote(
        db_engine, ledger, "Q-BAD-TAX", [(None, "Advice", "1", "50", None, "NOSUCHTAX")]
    )
    report = push(xero, db_engine)
    assert report.failed == 1 and report.calls == 1
    assert one(db_engine, "quote", id=quote)["push_state"] == "failed"
    row = one(db_engine, "xd_outbox", record_id=quote)
    assert row["state"] == "failed" and "NOSUCHTAX" in row["last_error"]
    [review] = open_reviews(db_engine)
    assert review["kind"] == "push_failed" and "retry" in review["actions"]
    assert "quote Q-BAD-TAX" in review["title"]
    assert "The TaxType code NOSUCHTAX does not exist" in review["explanation"]
    assert review["details"]["messages"] == [
        "The TaxType code NOSUCHTAX does not exist or cannot be used for this type of transaction."
    ]
    assert push(xero, db_engine).calls == 0, "not retried in a loop"

    with db_engine.begin() as connection:
        connection.execute(
            update(QuoteLine).where(QuoteLine.quote_id == quote).values(tax_type="OUTPUT2")
        )
    assert act(db_engine, lambda db: retry_push(db, row["id"]))
    assert open_reviews(db_engine) == []
    assert one(db_engine, "quote", id=quote)["push_state"] == "pending"
    fixed = push(xero, db_engine)
    assert fixed.created == {"invoice": 1}
    [invoice] = xero_invoices(xero, "Q-BAD-TAX")
    assert invoice["LineItems"][0]["TaxType"] == "OUTPUT2"
    done = one(db_engine, "xd_outbox", record_id=quote)
    assert (done["state"], done["revision"]) == ("done", 1)
    assert one(db_engine, "quote", id=quote)["push_state"] == "sent"


def test_a_record_that_cannot_be_sent_is_reviewed_without_a_call(
    xero: RunningSandbox, db_engine: Engine
) -> None:
    ledger = xero_customer(db_engine, orgs.ACME, "Acme Trading Ltd")
    quote = crm_quote(db_engine, ledger, "Q-EMPTY", [])
    report = push(xero, db_engine)
    assert report.failed == 1 and report.calls == 0
    [review] = open_reviews(db_engine)
    assert "Q-EMPTY has no lines" in review["explanation"]
    assert one(db_engine, "quote", id=quote)["push_state"] == "failed"


def test_an_order_for_a_customer_on_stop_waits_for_release(
    xero: RunningSandbox, db_engine: Engine
) -> None:
    ledger = xero_customer(db_engine, orgs.ACME, "Acme Trading Ltd", on_stop=True)
    quote = crm_quote(db_engine, ledger, "Q-STOP", [(None, "Advice", "1", "50", None, None)])
    report = push(xero, db_engine)
    assert report.blocked == 1 and report.calls == 0
    assert one(db_engine, "quote", id=quote)["push_state"] == "blocked"
    assert one(db_engine, "xd_outbox", record_id=quote)["state"] == "blocked"
    [review] = open_reviews(db_engine)
    assert review["kind"] == "push_blocked" and "release" in review["actions"]
    assert "on stop" in review["title"] and "Q-STOP" in review["title"]

    with pytest.raises(ConfigurationError, match="still on stop"):
        act(db_engine, lambda db: release_quote(db, quote))
    change(db_engine, SalesLedger, ledger, on_stop=False)
    assert push(xero, db_engine).calls == 0, "off stop, but not released yet"
    assert xero_invoices(xero, "Q-STOP") == []

    assert act(db_engine, lambda db: release_quote(db, quote))
    assert open_reviews(db_engine) == []
    report = push(xero, db_engine)
    assert report.created == {"invoice": 1}
    assert len(xero_invoices(xero, "Q-STOP")) == 1
    assert one(db_engine, "quote", id=quote)["push_state"] == "sent"


def test_a_quote_withdrawn_before_sending_is_not_sent(
    xero: RunningSandbox, db_engine: Engine
) -> None:
    ledger = xero_customer(db_engine, orgs.ACME, "Acme Trading Ltd", on_stop=True)
    quote = crm_quote(db_engine, ledger, "Q-LOST", [(None, "Advice", "1", "50", None, None)])
    push(xero, db_engine)
    change(db_engine, SalesLedger, ledger, on_stop=False)
    act(db_engine, lambda db: release_quote(db, quote))
    change(db_engine, Quote, quote, status="Lost")
    report = push(xero, db_engine)
    assert report.cancelled == 1 and report.calls == 0
    assert one(db_engine, "xd_outbox", record_id=quote)["state"] == "cancelled"
    assert one(db_engine, "quote", id=quote)["push_state"] is None

    confirm(db_engine, quote)
    report = push(xero, db_engine)
    assert report.detected.invoices == 0, "the same outbox row goes again"
    assert report.created == {"invoice": 1}
    assert len(xero_invoices(xero, "Q-LOST")) == 1
