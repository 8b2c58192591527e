"""The bytes a pass and a push read from Xero, in the run log, and the day's sum.

Real passes against the sandbox (which compresses as an HTTP server may) on
SQLite, PostgreSQL and MariaDB: the run log's bytes are the sandbox's own
count of what it sent, and the day's figure sums the last 24 hours only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, insert, select

from tests.support import orgs
from tests.support.sandbox import RunningSandbox, start_sandbox
from tests.support.sync import sync_pass
from xerodesk.engine.budget import day_usage, record_push_calls, record_push_run
from xerodesk.store.types import utcnow
from xerodesk.store.xd_models import SyncRun


@pytest.fixture
def documents() -> Iterator[RunningSandbox]:
    running = start_sandbox(rate_limits="off")
    running.control("POST", "/load", orgs.documents_org())
    yield running
    running.close()


def served(sandbox: RunningSandbox) -> tuple[int, int]:
    counted = sandbox.control("GET", "/counters")["bytes"]
    return int(counted["body"]), int(counted["wire"])


def logged(engine: Engine, run_id: int) -> tuple[int, int]:
    with engine.connect() as connection:
        row = connection.execute(
            select(SyncRun.bytes_read, SyncRun.wire_bytes).where(SyncRun.id == run_id)
        ).one()
    return int(row[0]), int(row[1])


def test_a_pass_logs_the_bytes_the_sandbox_sent(
    documents: RunningSandbox, db_engine: Engine
) -> None:
    documents.control("POST", "/counters/reset")
    first = asyncio.run(sync_pass(documents, db_engine))
    assert first.outcome == "ok", first.message
    body, wire = served(documents)
    assert logged(db_engine, first.run_id) == (first.bytes_read, first.wire_bytes)
    assert (first.bytes_read, first.wire_bytes) == (body, wire)
    assert wire < body  # the lists of the first read were compressed
    documents.control("POST", "/counters/reset")
    quiet = asyncio.run(sync_pass(documents, db_engine))
    assert (quiet.bytes_read, quiet.wire_bytes) == served(documents)
    assert quiet.bytes_read * 10 < first.bytes_read  # nothing changed: next to nothing read


def _run(engine: Engine, hours_ago: float, read: int, wire: int) -> None:
    at = utcnow() - timedelta(hours=hours_ago)
    with engine.begin() as connection:
        connection.execute(
            insert(SyncRun).values(
                trigger="schedule",
                started_at=at,
                finished_at=at,
                outcome="ok",
                calls_used=5,
                bytes_read=read,
                wire_bytes=wire,
            )
        )


def test_the_days_bytes_sum_the_last_24_hours_and_the_pushes(db_engine: Engine) -> None:
    _run(db_engine, 30, 9_000_000, 900_000)  # yesterday's: not counted
    _run(db_engine, 5, 40_000, 6_000)
    _run(db_engine, 1, 2_000, 2_000)
    with db_engine.begin() as connection:
        record_push_run(connection, 2, utcnow(), None, (1_500, 700))
        last = connection.scalar(select(SyncRun.id).where(SyncRun.bytes_read == 2_000))
        assert last is not None
        record_push_calls(connection, last, 1, None, (300, 300))
    with db_engine.connect() as connection:
        usage = day_usage(connection, 1000)
    assert (usage.bytes_read, usage.wire_bytes) == (40_000 + 2_300 + 1_500, 6_000 + 2_300 + 700)
    assert usage.used == 5 + 6 + 2
