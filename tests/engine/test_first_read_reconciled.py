"""An entity's first walk reads everything as it is (archived and merged contacts
included), so it counts as the entity's reconciliation, saved with its cursor.

A pass killed after the contacts walk had finished, but before the pass went on
to its sweep, used to leave contacts read and never reconciled: the next pass
swept them a day early and applied merges older than the first sync that an
uninterrupted pair of passes leaves for the first scheduled sweep (the people
of merged contacts then differed: ``contact.is_primary``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from tests.support.databases import DatabaseFactory
from tests.support.reliability import canonical, differences
from tests.support.sandbox import RunningSandbox, start_sandbox
from tests.support.sync import CLIENT_ENV, sync_pass
from xerodesk.engine.dbworker import DbWorker
from xerodesk.engine.pull import run_pull
from xerodesk.engine.steps.contacts import ContactsStep
from xerodesk.store.database import open_engine
from xerodesk.store.options import Options
from xerodesk.store.state import load_cursor
from xerodesk.xero.connect import open_client


@pytest.fixture(scope="module")
def merged_sandbox() -> Iterator[RunningSandbox]:
    """A generated organisation: some of its contacts were merged before any sync."""
    running = start_sandbox(generate="small", seed=7, rate_limits="off")
    merged = [c for c in running.state.org.export()["Contacts"] if c.get("MergedToContactID")]
    assert merged, "the organisation has no merged contacts"
    yield running
    running.close()


async def contacts_walk_only(sandbox: RunningSandbox, engine: Engine) -> None:
    """What a pass killed right after its contacts walk has done."""
    db = DbWorker(engine)
    try:
        with engine.connect() as connection:
            options = Options.load(connection)
        client = await open_client(xero_url=sandbox.base_url, env=CLIENT_ENV)
        async with client:
            await run_pull(ContactsStep(), client, db, options)
    finally:
        db.close()


def test_a_first_walk_saves_its_reconciliation_with_its_cursor(
    merged_sandbox: RunningSandbox, database_factory: DatabaseFactory
) -> None:
    engine = open_engine(database_factory.fresh("sqlite"))
    try:
        asyncio.run(contacts_walk_only(merged_sandbox, engine))
        with engine.connect() as connection:
            cursor = load_cursor(connection, "contacts")
        assert cursor.modified_since is not None
        assert cursor.last_reconcile_at is not None
    finally:
        engine.dispose()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_pass_stopped_after_the_contacts_walk_converges_on_uninterrupted_passes(
    merged_sandbox: RunningSandbox, database_factory: DatabaseFactory, kind: str
) -> None:
    clean_url, stopped_url = database_factory.fresh(kind), database_factory.fresh(kind)
    clean, stopped = open_engine(clean_url), open_engine(stopped_url)
    try:
        for _ in range(2):
            asyncio.run(sync_pass(merged_sandbox, clean))
        asyncio.run(contacts_walk_only(merged_sandbox, stopped))
        for _ in range(2):
            asyncio.run(sync_pass(merged_sandbox, stopped))
        assert differences(canonical(stopped_url), canonical(clean_url)) == {}
    finally:
        clean.dispose()
        stopped.dispose()
