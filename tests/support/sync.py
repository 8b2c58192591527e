"""Running real sync passes against a running sandbox, from tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, select

from tests.support.sandbox import TEST_CLIENT_ID, TEST_CLIENT_SECRET, RunningSandbox
from xerodesk.domain.sync import PULL_ORDER, EntityKind
from xerodesk.engine.budget import REFERENCE_REFRESH
from xerodesk.engine.dbworker import DbWorker
from xerodesk.engine.pass_types import PassReport, PassRequest
from xerodesk.engine.passes import PassRunner
from xerodesk.store import models, xd_models  # noqa: F401  (register the tables)
from xerodesk.store.base import Base
from xerodesk.store.state import load_cursor, save_cursor
from xerodesk.xero.connect import open_client

CLIENT_ENV = {"XERODESK_CLIENT_ID": TEST_CLIENT_ID, "XERODESK_CLIENT_SECRET": TEST_CLIENT_SECRET}


async def sync_pass(
    sandbox: RunningSandbox,
    engine: Engine,
    *,
    full: bool = False,
    only: Sequence[EntityKind] = PULL_ORDER,
    trigger: str = "test",
) -> PassReport:
    """One real pass: the real client over HTTP into the database behind ``engine``."""
    db = DbWorker(engine)
    try:
        client = await open_client(xero_url=sandbox.base_url, env=CLIENT_ENV)
        async with client:
            runner = PassRunner(client, db)
            return await runner.run(PassRequest(trigger=trigger, full=full, only=tuple(only)))
    finally:
        db.close()


def table_rows(engine: Engine, table: str, order: str = "id") -> list[dict[str, Any]]:
    """Every row of ``table`` as dicts, typed by the schema (money as Decimal)."""
    schema = Base.metadata.tables[table]
    with engine.connect() as connection:
        result = connection.execute(select(schema).order_by(schema.c[order]))
        return [dict(row._mapping) for row in result]


def snapshot_tables(engine: Engine, tables: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    return {table: table_rows(engine, table) for table in tables}


def an_hour_on(engine: Engine) -> None:
    """Make tax rates and currencies due again, as an hour after their last read."""
    with engine.begin() as connection:
        for entity in (EntityKind.TAX_RATES, EntityKind.CURRENCIES):
            last = load_cursor(connection, entity.value).modified_since
            if last is not None:
                earlier = last - REFERENCE_REFRESH - timedelta(minutes=1)
                save_cursor(connection, entity.value, modified_since=earlier)
