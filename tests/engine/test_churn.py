"""No silent loss: records edited in Xero while the sync pages through them are all kept."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import Engine

from tests.support.sandbox import start_sandbox
from tests.support.sync import sync_pass, table_rows
from xerodesk.domain.sync import EntityKind


def _xero_contacts(records: list[dict[str, object]]) -> dict[str, str]:
    return {str(c["ContactID"]): str(c.get("EmailAddress") or "") for c in records}


@pytest.mark.parametrize("db_kind", ["sqlite", "postgresql"], indirect=True)
def test_churn_during_paging_loses_no_record(db_engine: Engine) -> None:
    # every page request edits 10 random contacts first, moving them in the sort
    sandbox = start_sandbox(
        generate="contacts=2200,items=10,invoices=10,credit_notes=0,purchase_orders=0",
        seed=3,
        rate_limits="off",
        faults="churn=1.0:10,seed=5",
    )
    try:
        report = asyncio.run(sync_pass(sandbox, db_engine, only=(EntityKind.CONTACTS,)))
        assert report.outcome == "ok", report.message
        edited = sandbox.control("GET", "/counters")
        sandbox.control("POST", "/faults", {"clear": True})
        xero = _xero_contacts(sandbox.state.org.export()["Contacts"])
        crm = {r["xero_contact_id"] for r in table_rows(db_engine, "company")}
        assert len(xero) == 2200
        assert set(xero) == crm, f"{len(set(xero) - crm)} contacts were skipped"
        # the next pass brings every edit made during the first one
        report = asyncio.run(sync_pass(sandbox, db_engine, only=(EntityKind.CONTACTS,)))
        assert report.outcome == "ok"
        emails = {
            r["sales_ledger_id"]: r["email"] or "" for r in table_rows(db_engine, "sales_ledger")
        }
        for contact_id, email in emails.items():
            assert xero[contact_id] == email, contact_id
        assert edited["pages_served"] >= 3
    finally:
        sandbox.close()
