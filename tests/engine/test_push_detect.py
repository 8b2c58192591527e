"""Detection: the CRM's new customers and confirmed quotes are queued by the
first look after its commit, a look a second (PostgreSQL: at once, told by
LISTEN/NOTIFY; elsewhere: an indexed poll), once each, in the transaction that
found them. SQLite, PostgreSQL, MariaDB. The tests count looks, not seconds."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, text

from tests.engine.push_support import (
    confirm,
    crm_customer,
    crm_product,
    crm_quote,
    one,
    outbox,
    xero_customer,
    xero_product,
)
from tests.support import orgs
from tests.support.databases import DatabaseFactory
from tests.support.sandbox import RunningSandbox
from xerodesk.engine.dbworker import DbWorker
from xerodesk.engine.push import Detected, Detector, detect_pushes
from xerodesk.store import migrate
from xerodesk.store.database import open_engine


def detect(engine: Engine) -> Detected:
    with engine.begin() as connection:
        return detect_pushes(connection)


def test_detection_queues_each_record_once(db_engine: Engine) -> None:
    new = crm_customer(db_engine, "New Ltd")
    xero_customer(db_engine, orgs.ACME, "Acme Trading Ltd")
    gizmo = crm_product(db_engine, "GIZMO-1")
    known = xero_product(db_engine, orgs.UNTRACKED, "SERVICE-1")
    crm_product(db_engine, "NOT-QUOTED")
    first = crm_quote(db_engine, new, "Q-1", [(gizmo, "G", "1", "1", None, None)])
    second = crm_quote(
        db_engine,
        new,
        "Q-2",
        [(gizmo, "G", "2", "1", None, None), (known, "S", "1", "1", None, None)],
    )
    crm_quote(db_engine, new, "Q-3", [(gizmo, "G", "1", "1", None, None)], status="Open")

    assert detect(db_engine) == Detected(customers=1, products=1, invoices=2)
    assert detect(db_engine) == Detected()
    keys = sorted(r["idempotency_key"] for r in outbox(db_engine))
    assert keys == sorted(
        [f"xd-customer-{new}", f"xd-product-{gizmo}", f"xd-invoice-{first}", f"xd-invoice-{second}"]
    )
    assert {r["state"] for r in outbox(db_engine)} == {"pending"}
    for quote in (first, second):
        assert one(db_engine, "quote", id=quote)["push_state"] == "pending"


def test_detection_uses_the_indexes(db_url: str, db_kind: str) -> None:
    if db_kind != "sqlite":
        pytest.skip("query plans are checked on SQLite")
    engine = open_engine(db_url)
    try:
        with engine.connect() as connection:
            plans = {
                index: " ".join(
                    str(row[-1]) for row in connection.execute(text(f"EXPLAIN QUERY PLAN {sql}"))
                )
                for index, sql in (
                    (
                        "ix_sales_ledger_origin_pending",
                        "SELECT id FROM sales_ledger WHERE origin = 'crm' "
                        "AND sales_ledger_id IS NULL",
                    ),
                    (
                        "ix_quote_status_push_state",
                        "SELECT id FROM quote WHERE status = 'Confirmed' AND push_state IS NULL",
                    ),
                    (
                        "ix_xd_outbox_record",
                        "SELECT id FROM xd_outbox WHERE record_table = 'quote' AND record_id = 1",
                    ),
                )
            }
    finally:
        engine.dispose()
    for index, plan in plans.items():
        assert index in plan, plan


async def _looks_to_notice(engine: Engine, commit: Callable[[], object], **options: float) -> int:
    """How many looks the detector began after a CRM commit (another connection)
    up to the one that queued it: 1 is the first look after the commit, 0 a
    look already under way that saw it."""
    db = DbWorker(engine)
    found: asyncio.Queue[tuple[int, Detected]] = asyncio.Queue()
    detector: Detector

    async def on_found(detected: Detected) -> None:
        await found.put((detector.looks, detected))

    detector = Detector(db, on_found, **options)  # type: ignore[arg-type]
    task = asyncio.create_task(detector.run())
    try:
        await asyncio.wait_for(detector.started(), 10)
        if engine.dialect.name == "postgresql":
            assert detector.listening
        before = detector.looks
        await asyncio.to_thread(commit)
        # (a guard against a hang, far below PostgreSQL's 60 s poll)
        seen, detected = await asyncio.wait_for(found.get(), 30)
        assert detected.total >= 1
        return seen - before
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        db.close()


def _crm(db_url: str) -> Engine:
    """The CRM's own connection to the database (another engine, another pool)."""
    return open_engine(db_url)


def test_a_new_customer_is_noticed_by_the_next_look(db_url: str, db_engine: Engine) -> None:
    crm = _crm(db_url)
    try:
        # PostgreSQL: the poll is slowed right down, so only NOTIFY can start a look
        slow = db_engine.dialect.name == "postgresql"
        options = {"interval": 60.0 if slow else 1.0, "listen_interval": 60.0}
        looks = asyncio.run(
            _looks_to_notice(db_engine, lambda: crm_customer(crm, "Quick Ltd"), **options)
        )
    finally:
        crm.dispose()
    assert looks <= 1
    assert [r["kind"] for r in outbox(db_engine)] == ["customer"]


def test_a_confirmed_quote_is_noticed_by_the_next_look(db_url: str, db_engine: Engine) -> None:
    ledger = xero_customer(db_engine, orgs.ACME, "Acme Trading Ltd")
    quote = crm_quote(db_engine, ledger, "Q-9", [(None, "X", "1", "1", None, None)], status="Open")
    crm = _crm(db_url)
    try:
        slow = db_engine.dialect.name == "postgresql"
        options = {"interval": 60.0 if slow else 1.0, "listen_interval": 60.0}
        looks = asyncio.run(_looks_to_notice(db_engine, lambda: confirm(crm, quote), **options))
    finally:
        crm.dispose()
    assert looks <= 1
    assert one(db_engine, "quote", id=quote)["push_state"] == "pending"


def test_migration_0002_up_and_down(database_factory: DatabaseFactory, db_kind: str) -> None:
    url = database_factory.empty(db_kind)
    engine = open_engine(url)
    try:
        migrate.upgrade(engine)
        columns = {c["name"] for c in inspect(engine).get_columns("xd_outbox")}
        indexes = {i["name"] for i in inspect(engine).get_indexes("xd_outbox")}
        assert "revision" in columns and "ix_xd_outbox_record" in indexes
        assert _triggers(engine) == (
            {"xd_push_quote", "xd_push_sales_ledger"} if db_kind == "postgresql" else set()
        )
        config = migrate.alembic_config(engine)
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0001")
        assert "revision" not in {c["name"] for c in inspect(engine).get_columns("xd_outbox")}
        assert _triggers(engine) == set()
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.head_revision()
    finally:
        engine.dispose()


def _triggers(engine: Engine) -> set[str]:
    if engine.dialect.name != "postgresql":
        return set()
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'xd_push_%'")
        )
        return {str(row[0]) for row in rows}


def test_the_watch_goes_on_after_a_failing_callback(db_engine: Engine) -> None:
    calls: list[Detected] = []

    async def on_found(detected: Detected) -> None:
        calls.append(detected)
        if len(calls) == 1:
            raise RuntimeError("the runner was busy")

    async def watch() -> None:
        db = DbWorker(db_engine)
        detector = Detector(db, on_found, interval=0.1, listen=False)
        task = asyncio.create_task(detector.run())
        try:
            await asyncio.wait_for(detector.started(), 10)
            await asyncio.to_thread(crm_customer, db_engine, "First Ltd")
            for _ in range(100):
                if calls:
                    break
                await asyncio.sleep(0.05)
            await asyncio.to_thread(crm_customer, db_engine, "Second Ltd")
            for _ in range(100):
                if len(calls) > 1:
                    break
                await asyncio.sleep(0.05)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            db.close()

    asyncio.run(watch())
    assert [c.customers for c in calls] == [1, 1]


def _notify(engine: Engine) -> None:
    from xerodesk.engine.push.watch import notify_pushers

    with engine.begin() as connection:
        notify_pushers(connection)


@pytest.mark.parametrize("db_kind", ["postgresql", "sqlite"], indirect=True)
def test_the_service_pusher_listens_on_postgresql_and_polls_elsewhere(
    db_engine: Engine, sandbox: RunningSandbox
) -> None:
    """On PostgreSQL an idle service looks for pushes only when the CRM's commit
    notifies it (and every half minute as a back-up); elsewhere on every poll."""
    from tests.support.sync import CLIENT_ENV
    from xerodesk.engine.pushing import OutboxPusher
    from xerodesk.xero.connect import open_client

    postgresql = db_engine.dialect.name == "postgresql"

    async def watch() -> tuple[int, bool, bool]:
        db = DbWorker(db_engine)
        client = await open_client(xero_url=sandbox.base_url, env=CLIENT_ENV)
        pusher = OutboxPusher(client, db)
        try:
            assert not await pusher.pending()  # the first look at start
            assert pusher.listening is postgresql
            for _ in range(5):
                assert not await pusher.pending()
            idle_looks = pusher.looks
            await asyncio.to_thread(crm_customer, db_engine, "Notified Ltd")
            noticed = False
            for _ in range(100):
                if await pusher.pending():
                    noticed = True
                    break
                await asyncio.sleep(0.05)
            await pusher.push()
            # a review action elsewhere queues a push: its commit wakes the pusher
            looks = pusher.looks
            await asyncio.to_thread(_notify, db_engine)
            for _ in range(100):
                await pusher.pending()
                if pusher.looks > looks:
                    break
                await asyncio.sleep(0.05)
            assert pusher.looks > looks
            return idle_looks, noticed, pusher.listening
        finally:
            await pusher.close()
            await client.aclose()
            db.close()

    idle_looks, noticed, still_listening = asyncio.run(watch())
    assert noticed
    assert still_listening is postgresql
    assert idle_looks == (1 if postgresql else 6)
