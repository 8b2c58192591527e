"""The audit trail: what the sync changed, on which side, in which run, against
the sandbox over HTTP on SQLite, PostgreSQL and MariaDB; queried by record."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, select

from tests.engine import push_support
from tests.engine.push_support import crm_customer, one, push
from tests.support import orgs
from tests.support.sandbox import RunningSandbox
from tests.support.sync import sync_pass
from xerodesk.domain.sync import EntityKind
from xerodesk.store.audit import UnknownRecordError, record_history
from xerodesk.store.xd_models import AuditEntry, SyncRun

push_sandbox_module = push_support.push_sandbox_module
xero = push_support.xero

MASTER = (EntityKind.CONTACTS, EntityKind.ITEMS)


def run_pass(sandbox: RunningSandbox, engine: Engine) -> int:
    report = asyncio.run(sync_pass(sandbox, engine, only=MASTER))
    assert report.outcome == "ok", report.message
    return report.run_id


def entries(engine: Engine, **where: Any) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        query = select(AuditEntry.__table__).order_by(AuditEntry.id)
        for column, value in where.items():
            query = query.where(AuditEntry.__table__.c[column] == value)
        return [dict(r._mapping) for r in connection.execute(query)]


def test_created_records_are_one_entry_each(xero: RunningSandbox, db_engine: Engine) -> None:
    run_id = run_pass(xero, db_engine)
    created = entries(db_engine, field="created")
    linked = {(e["record_table"], e["xero_id"]) for e in created}
    assert ("sales_ledger", orgs.ACME) in linked
    assert ("purchase_ledger", orgs.SUPPLIER) in linked
    assert ("product", orgs.TRACKED) in linked
    assert len(created) == len(entries(db_engine))  # nothing per field on a first load
    assert {e["side"] for e in created} == {"xero"}
    assert {e["run_id"] for e in created} == {run_id}
    acme = next(e for e in created if e["xero_id"] == orgs.ACME)
    ledger = one(db_engine, "sales_ledger", sales_ledger_id=orgs.ACME)
    assert (acme["record_id"], acme["new_value"]) == (ledger["id"], "Acme Trading Ltd")
    run_pass(xero, db_engine)
    assert len(entries(db_engine)) == len(created)  # an unchanged pass writes nothing


def test_an_update_is_one_entry_per_changed_field(xero: RunningSandbox, db_engine: Engine) -> None:
    run_pass(xero, db_engine)
    xero.control(
        "POST",
        "/edit",
        {
            "collection": "Contacts",
            "id": orgs.ACME,
            "changes": {"EmailAddress": "new@acme.example", "TaxNumber": "GB999"},
        },
    )
    run_id = run_pass(xero, db_engine)
    changed = {
        (e["record_table"], e["field"]): (e["old_value"], e["new_value"])
        for e in entries(db_engine, run_id=run_id)
        if e["field"] != "xero_updated_at"
    }
    assert changed == {
        ("company", "email"): ("ada@acme.example", "new@acme.example"),
        ("sales_ledger", "email"): ("ada@acme.example", "new@acme.example"),
        ("contact", "email"): ("ada@acme.example", "new@acme.example"),
        ("sales_ledger", "vat_number"): ("GB123456789", "GB999"),
    }
    assert {e["side"] for e in entries(db_engine, run_id=run_id)} == {"xero"}


def test_a_push_is_audited_with_xeros_correlation_id(
    xero: RunningSandbox, db_engine: Engine
) -> None:
    ledger_id = crm_customer(db_engine, "Fresh Customer Ltd", email="hi@fresh.example")
    report = push(xero, db_engine)
    assert report.created == {"customer": 1}
    [entry] = entries(db_engine, record_table="sales_ledger", record_id=ledger_id)
    ledger = one(db_engine, "sales_ledger", id=ledger_id)
    outbox = one(db_engine, "xd_outbox", record_id=ledger_id)
    assert entry["field"] == "created" and entry["side"] == "crm"
    assert entry["xero_id"] == ledger["sales_ledger_id"] == entry["new_value"]
    assert entry["correlation_id"] and entry["correlation_id"] == outbox["correlation_id"]


def test_history_by_crm_row_or_xero_id_newest_first(
    xero: RunningSandbox, db_engine: Engine
) -> None:
    run_pass(xero, db_engine)
    xero.control(
        "POST",
        "/edit",
        {"collection": "Contacts", "id": orgs.ACME, "changes": {"TaxNumber": "GB999"}},
    )
    run_pass(xero, db_engine)
    ledger = one(db_engine, "sales_ledger", sales_ledger_id=orgs.ACME)
    company = one(db_engine, "company", xero_contact_id=orgs.ACME)
    with db_engine.connect() as connection:
        by_row = record_history(connection, f"sales_ledger:{ledger['id']}")
        by_company = record_history(connection, f"company:{company['id']}")
        by_id = record_history(connection, orgs.ACME)
        runs = connection.execute(select(SyncRun.id).order_by(SyncRun.id)).scalars().all()
        with pytest.raises(UnknownRecordError):
            record_history(connection, "sales_ledger:999999")
        with pytest.raises(UnknownRecordError):
            record_history(connection, "00000000-0000-4000-8000-000000000000")
    assert [e.id for e in by_row] == [e.id for e in by_id] == [e.id for e in by_company]
    assert [e.field for e in by_id][-1] == "created"
    assert by_id[0].run_id == runs[-1] and by_id[-1].run_id == runs[0]
    assert [e.id for e in by_id] == sorted((e.id for e in by_id), reverse=True)
    assert any(e.field == "vat_number" and e.new_value == "GB999" for e in by_id)
    with db_engine.connect() as connection:
        other = record_history(connection, orgs.SUPPLIER)
    assert {e.xero_id for e in other} == {orgs.SUPPLIER}


def test_documents_are_one_entry_each_with_status_and_total(
    make_sandbox: Callable[..., RunningSandbox], db_engine: Engine
) -> None:
    xero = make_sandbox(rate_limits="off")
    xero.control("POST", "/load", orgs.documents_org())
    asyncio.run(sync_pass(xero, db_engine))
    invoice_id = orgs.uid(1, orgs.INV_AUTHORISED)
    header = one(db_engine, "sales_order_header", xero_invoice_id=invoice_id)
    [created] = entries(db_engine, xero_id=invoice_id)
    assert (created["record_table"], created["record_id"], created["field"]) == (
        "sales_order_header",
        header["id"],
        "created",
    )
    total = format(header["gross_total"].normalize(), "f")
    assert created["new_value"] == f"{header['order_number']}: AUTHORISED, total {total}"
    lines = entries(db_engine, record_table="sales_transaction")
    credit_ids = {e["xero_id"] for e in lines}
    assert orgs.uid(3, orgs.CN_AUTHORISED) in credit_ids
    assert len(lines) == len(credit_ids)  # one entry per credit note, not per line
    po = entries(db_engine, xero_id=orgs.uid(4, orgs.PO_AUTHORISED))
    assert [(e["record_table"], e["field"]) for e in po] == [("purchase_order_header", "created")]
    xero.control("POST", f"/documents/Invoices/{invoice_id}/status", {"Status": "VOIDED"})
    report = asyncio.run(sync_pass(xero, db_engine))
    [updated] = entries(db_engine, xero_id=invoice_id, run_id=report.run_id)
    assert (updated["field"], updated["old_value"], updated["new_value"]) == (
        "updated",
        f"AUTHORISED, total {total}",
        f"VOIDED, total {total}",
    )
