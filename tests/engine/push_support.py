"""Helpers for the push tests: CRM rows as the CRM writes them, a push over
real HTTP, and a child process that pushes (and can die mid-push).

Run as a module it is that child::

    python -m tests.engine.push_support SANDBOX_URL DATABASE_URL

With ``XD_TEST_CRASH_AFTER=<kind>`` (customer, product or invoice) it exits
hard right after Xero answered the create of that kind, before the answer is
written back, as a killed process would.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, func, insert, select, update

from tests.support import orgs
from tests.support.sandbox import RunningSandbox, start_sandbox
from tests.support.sync import CLIENT_ENV, table_rows
from xerodesk.engine.dbworker import DbWorker
from xerodesk.engine.push import PushReport, SentRecord, push_pending
from xerodesk.store.database import open_engine
from xerodesk.store.models import Company, Division, Product, Quote, QuoteLine, SalesLedger
from xerodesk.store.options import set_option
from xerodesk.store.types import utcnow
from xerodesk.store.xd_models import OutboxItem, ReviewItem
from xerodesk.xero.connect import open_client
from xerodesk.xero.retry import RetryPolicy

CRASH_ENV = "XD_TEST_CRASH_AFTER"
CRASH_STATUS = 17


# --- the sandbox -------------------------------------------------------------


@pytest.fixture(scope="module")
def push_sandbox_module() -> Iterator[RunningSandbox]:
    running = start_sandbox(rate_limits="off")
    running.control("POST", "/load", orgs.master_org())
    yield running
    running.close()


@pytest.fixture
def xero(push_sandbox_module: RunningSandbox) -> RunningSandbox:
    """The master organisation, as loaded (a fresh Xero for each test)."""
    push_sandbox_module.reset()
    push_sandbox_module.connect()  # a fresh token: tests move the sandbox clock on
    return push_sandbox_module


def xero_records(sandbox: RunningSandbox, collection: str, where: str) -> list[dict[str, Any]]:
    params: dict[str, Any] = {"where": where, "page": 1, "pageSize": 1000}
    if collection == "Contacts":
        params["includeArchived"] = "true"
    reply = sandbox.api("GET", f"/{collection}", params=params)
    assert reply.status_code == 200, reply.text
    records: list[dict[str, Any]] = reply.json()[collection]
    return records


def xero_invoices(sandbox: RunningSandbox, reference: str) -> list[dict[str, Any]]:
    return xero_records(sandbox, "Invoices", f'Type=="ACCREC"&&Reference=="{reference}"')


def queue_faults(sandbox: RunningSandbox, *faults: str) -> None:
    sandbox.control("POST", "/faults", {"queue": list(faults)})


# --- CRM rows ----------------------------------------------------------------


def crm_customer(engine: Engine, name: str, **fields: Any) -> int:
    """A customer made in the CRM: company, division and a sales ledger of origin crm."""
    with engine.begin() as connection:
        company = connection.execute(
            insert(Company).values(name=name, company_type="Customer")
        ).inserted_primary_key
        assert company is not None
        division = connection.execute(
            insert(Division).values(company_id=company[0], name=name)
        ).inserted_primary_key
        assert division is not None
        values = {"name": name, "origin": "crm", "on_stop": False, **fields}
        ledger = connection.execute(
            insert(SalesLedger).values(company_id=company[0], division_id=division[0], **values)
        ).inserted_primary_key
        assert ledger is not None
        return int(ledger[0])


def xero_customer(engine: Engine, contact_id: str, name: str, **fields: Any) -> int:
    """A customer pulled from Xero (as a pull leaves it)."""
    values = {"name": name, "origin": "xero", "on_stop": False, "sales_ledger_id": contact_id}
    with engine.begin() as connection:
        ledger = connection.execute(
            insert(SalesLedger).values(**{**values, **fields})
        ).inserted_primary_key
        assert ledger is not None
        return int(ledger[0])


def crm_product(engine: Engine, code: str, **fields: Any) -> int:
    values: dict[str, Any] = {
        "product_item_id": code,
        "description": f"Product {code}",
        "origin": "crm",
        "sellable": True,
        **fields,
    }
    with engine.begin() as connection:
        key = connection.execute(insert(Product).values(**values)).inserted_primary_key
        assert key is not None
        return int(key[0])


def xero_product(engine: Engine, item_id: str, code: str, **fields: Any) -> int:
    return crm_product(engine, code, xero_item_id=item_id, origin="xero", **fields)


Line = tuple[int | None, str, str, str, str | None, str | None]


def crm_quote(
    engine: Engine,
    ledger_id: int,
    number: str,
    lines: Sequence[Line],
    *,
    status: str = "Confirmed",
    delivery: str | None = None,
    currency: str | None = "GBP",
    confirmed_at: datetime | None = None,
) -> int:
    """A quote with lines ``(product_id, description, quantity, price, discount, tax)``."""
    with engine.begin() as connection:
        key = connection.execute(
            insert(Quote).values(
                quote_number=number,
                sales_ledger_id=ledger_id,
                status=status,
                confirmed_at=confirmed_at or (utcnow() if status == "Confirmed" else None),
                currency_code=currency,
                delivery_charge=Decimal(delivery) if delivery else None,
            )
        ).inserted_primary_key
        assert key is not None
        quote_id = int(key[0])
        rows = [
            {
                "quote_id": quote_id,
                "line_number": number_,
                "product_id": product,
                "description": description,
                "quantity": Decimal(quantity),
                "unit_price": Decimal(price),
                "discount_rate": Decimal(discount) if discount else None,
                "tax_type": tax,
            }
            for number_, (product, description, quantity, price, discount, tax) in enumerate(
                lines, start=1
            )
        ]
        if rows:
            connection.execute(insert(QuoteLine), rows)
        return quote_id


def confirm(engine: Engine, quote_id: int) -> None:
    with engine.begin() as connection:
        connection.execute(
            update(Quote)
            .where(Quote.id == quote_id)
            .values(status="Confirmed", confirmed_at=utcnow())
        )


def set_options(engine: Engine, **values: str) -> None:
    with engine.begin() as connection:
        for name, value in values.items():
            set_option(connection, name, value)


def one(engine: Engine, table: str, **where: Any) -> dict[str, Any]:
    rows = [r for r in table_rows(engine, table) if all(r[k] == v for k, v in where.items())]
    assert len(rows) == 1, f"{table} {where}: {len(rows)} rows"
    return rows[0]


def outbox(engine: Engine) -> list[dict[str, Any]]:
    return table_rows(engine, "xd_outbox")


def open_reviews(engine: Engine, kind: str | None = None) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        query = select(ReviewItem.__table__).where(ReviewItem.resolved_at.is_(None))
        if kind:
            query = query.where(ReviewItem.kind == kind)
        return [dict(row._mapping) for row in connection.execute(query)]


def outbox_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(OutboxItem)) or 0)


# --- pushing -----------------------------------------------------------------


async def push_async(
    sandbox: RunningSandbox | str,
    engine: Engine,
    *,
    attempts: int | None = None,
    **kwargs: Any,
) -> PushReport:
    """One ``push_pending`` with a real client over HTTP."""
    base = sandbox if isinstance(sandbox, str) else sandbox.base_url
    db = DbWorker(engine)
    try:
        client = await open_client(xero_url=base, env=CLIENT_ENV)
        if attempts is not None:
            client.transport.retry = RetryPolicy(attempts=attempts, base_delay=0.01)
        async with client:
            return await push_pending(client, db, **kwargs)
    finally:
        db.close()


def push(sandbox: RunningSandbox | str, engine: Engine, **kwargs: Any) -> PushReport:
    return asyncio.run(push_async(sandbox, engine, **kwargs))


# --- the child process ---------------------------------------------------------


def _crash_hook(kind: str | None) -> Any:
    def hook(sent: SentRecord) -> None:
        if kind and sent.kind.value == kind:
            sys.stdout.flush()
            os._exit(CRASH_STATUS)

    return hook


def main(argv: Sequence[str]) -> int:
    base, url = argv
    engine = open_engine(url)
    try:
        report = push(base, engine, on_sent=_crash_hook(os.environ.get(CRASH_ENV)))
    finally:
        engine.dispose()
    print(f"created={report.created} linked={report.linked} calls={report.calls}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
