"""Every push reaches Xero exactly once: a lost answer, a transport that gives
up, a process killed between Xero's create and the write-back, and a retry
after Xero forgot the Idempotency-Key all leave one Xero record, with its id
written back. Against the sandbox over HTTP, on SQLite, PostgreSQL, MariaDB."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, update

from tests.engine import push_support
from tests.engine.push_support import (
    CRASH_ENV,
    CRASH_STATUS,
    crm_customer,
    crm_product,
    crm_quote,
    one,
    outbox,
    push,
    queue_faults,
    xero_customer,
    xero_invoices,
    xero_records,
)
from tests.support import orgs
from tests.support.sandbox import RunningSandbox
from tests.support.sync import CLIENT_ENV
from xerodesk.store.types import utcnow
from xerodesk.store.xd_models import OutboxItem

push_sandbox_module = push_support.push_sandbox_module
xero = push_support.xero

REPO = Path(__file__).resolve().parents[2]
LATER = timedelta(minutes=1)


def acme_order(engine: Engine, number: str) -> int:
    ledger = xero_customer(engine, orgs.ACME, "Acme Trading Ltd")
    return crm_quote(engine, ledger, number, [(None, "Consulting", "2", "75.00", None, "OUTPUT2")])


def put_calls(sandbox: RunningSandbox) -> int:
    counters = sandbox.control("GET", "/counters")
    return sum(v for k, v in counters["by_endpoint"].items() if k.startswith("PUT"))


def forget_keys(sandbox: RunningSandbox, engine: Engine) -> None:
    """Seven minutes pass: Xero forgets the keys; the outbox rows were sent long ago."""
    sandbox.control("POST", "/clock", {"advance": 7 * 60})
    with engine.begin() as connection:
        connection.execute(update(OutboxItem).values(first_sent_at=utcnow() - timedelta(minutes=7)))


def test_a_lost_answer_is_replayed_by_xero(xero: RunningSandbox, db_engine: Engine) -> None:
    quote = acme_order(db_engine, "Q-LOST-1")
    queue_faults(xero, "lost")
    report = push(xero, db_engine)
    assert report.created == {"invoice": 1}
    assert put_calls(xero) == 2, "the create went twice under one key"
    [invoice] = xero_invoices(xero, "Q-LOST-1")
    assert one(db_engine, "quote", id=quote)["xero_invoice_id"] == invoice["InvoiceID"]


def test_a_lost_answer_retried_by_the_outbox_makes_one_invoice(
    xero: RunningSandbox, db_engine: Engine
) -> None:
    quote = acme_order(db_engine, "Q-LOST-2")
    queue_faults(xero, "lost")
    first = push(xero, db_engine, attempts=1)
    assert first.deferred == 1 and first.sent == 0
    row = one(db_engine, "xd_outbox", record_id=quote)
    assert (row["state"], row["attempts"]) == ("pending", 1)
    assert row["next_attempt_at"] is not None and row["last_error"]
    assert one(db_engine, "quote", id=quote)["push_state"] == "pending"
    assert len(xero_invoices(xero, "Q-LOST-2")) == 1, "Xero made it; the answer was lost"

    too_soon = push(xero, db_engine)
    assert too_soon.calls == 0, "a deferred push waits for its next attempt"
    second = push(xero, db_engine, now=utcnow() + LATER)
    assert second.created == {"invoice": 1} and second.calls == 1
    [invoice] = xero_invoices(xero, "Q-LOST-2")
    assert one(db_engine, "quote", id=quote)["xero_invoice_id"] == invoice["InvoiceID"]
    assert one(db_engine, "xd_outbox", record_id=quote)["attempts"] == 2


def test_after_xero_forgot_the_key_the_record_is_found_not_made_again(
    xero: RunningSandbox, db_engine: Engine
) -> None:
    ledger = crm_customer(db_engine, "Forgetful Ltd")
    gadget = crm_product(db_engine, "GADGET-7")
    quote = crm_quote(db_engine, ledger, "Q-LOST-3", [(gadget, "Gadget", "1", "9", None, None)])
    queue_faults(xero, "lost", "lost")
    first = push(xero, db_engine, attempts=1)
    assert first.deferred == 2 and first.waiting == 1 and first.sent == 0
    states = {r["kind"]: r["state"] for r in outbox(db_engine)}
    assert states == {"customer": "pending", "product": "pending", "invoice": "pending"}
    assert len(xero_records(xero, "Contacts", f'ContactNumber=="CRM-{ledger}"')) == 1
    assert len(xero_records(xero, "Items", 'Code=="GADGET-7"')) == 1

    forget_keys(xero, db_engine)
    puts_before = put_calls(xero)
    report = push(xero, db_engine, now=utcnow() + 10 * LATER)
    assert report.linked == {"customer": 1, "product": 1}
    assert report.created == {"invoice": 1}
    assert put_calls(xero) == puts_before + 1, "only the invoice was created"
    assert len(xero_records(xero, "Contacts", f'ContactNumber=="CRM-{ledger}"')) == 1
    assert len(xero_records(xero, "Items", 'Code=="GADGET-7"')) == 1
    [invoice] = xero_invoices(xero, "Q-LOST-3")
    assert one(db_engine, "quote", id=quote)["xero_invoice_id"] == invoice["InvoiceID"]


def test_an_invoice_whose_key_xero_forgot_is_found_by_reference(
    xero: RunningSandbox, db_engine: Engine
) -> None:
    quote = acme_order(db_engine, "Q-LOST-4")
    queue_faults(xero, "lost")
    push(xero, db_engine, attempts=1)
    forget_keys(xero, db_engine)
    report = push(xero, db_engine, now=utcnow() + 10 * LATER)
    assert report.linked == {"invoice": 1} and report.created == {}
    assert report.calls == 1, "one lookup, no create"
    [invoice] = xero_invoices(xero, "Q-LOST-4")
    assert one(db_engine, "quote", id=quote)["xero_invoice_id"] == invoice["InvoiceID"]


def child(sandbox: RunningSandbox, url: str, crash: str | None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **CLIENT_ENV}
    env.pop(CRASH_ENV, None)
    if crash:
        env[CRASH_ENV] = crash
    return subprocess.run(
        [sys.executable, "-m", "tests.engine.push_support", sandbox.base_url, url],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("crash", ["customer", "invoice"])
def test_killed_between_create_and_write_back_then_restarted(
    xero: RunningSandbox, db_url: str, db_engine: Engine, crash: str
) -> None:
    ledger = crm_customer(db_engine, "Crash Test Ltd")
    quote = crm_quote(db_engine, ledger, "Q-CRASH", [(None, "Work", "1", "100", None, "OUTPUT2")])
    killed = child(xero, db_url, crash)
    assert killed.returncode == CRASH_STATUS, killed.stderr
    row = one(db_engine, "xd_outbox", kind=crash)
    assert (row["state"], row["xero_id"]) == ("sending", None)
    assert row["first_sent_at"] is not None

    restarted = child(xero, db_url, None)
    assert restarted.returncode == 0, restarted.stderr
    [contact] = xero_records(xero, "Contacts", f'ContactNumber=="CRM-{ledger}"')
    assert one(db_engine, "sales_ledger", id=ledger)["sales_ledger_id"] == contact["ContactID"]
    [invoice] = xero_invoices(xero, "Q-CRASH")
    assert one(db_engine, "quote", id=quote)["xero_invoice_id"] == invoice["InvoiceID"]
    assert invoice["Contact"]["ContactID"] == contact["ContactID"]
    assert {r["state"] for r in outbox(db_engine)} == {"done"}


def test_killed_then_restarted_after_xero_forgot_the_key(
    xero: RunningSandbox, db_url: str, db_engine: Engine
) -> None:
    quote = acme_order(db_engine, "Q-CRASH-LATE")
    killed = child(xero, db_url, "invoice")
    assert killed.returncode == CRASH_STATUS, killed.stderr
    forget_keys(xero, db_engine)
    restarted = child(xero, db_url, None)
    assert restarted.returncode == 0, restarted.stderr
    assert "linked={'invoice': 1}" in restarted.stdout
    [invoice] = xero_invoices(xero, "Q-CRASH-LATE")
    assert one(db_engine, "quote", id=quote)["xero_invoice_id"] == invoice["InvoiceID"]


def test_a_server_error_defers_without_a_review(xero: RunningSandbox, db_engine: Engine) -> None:
    quote = acme_order(db_engine, "Q-500")
    queue_faults(xero, "500")
    first = push(xero, db_engine, attempts=1)
    assert first.deferred == 1 and first.failed == 0
    assert xero_invoices(xero, "Q-500") == []
    assert push_support.open_reviews(db_engine) == []
    assert one(db_engine, "quote", id=quote)["push_state"] == "pending"
    second = push(xero, db_engine, now=utcnow() + LATER)
    assert second.created == {"invoice": 1}
    assert len(xero_invoices(xero, "Q-500")) == 1
