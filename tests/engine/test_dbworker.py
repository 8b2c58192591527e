"""The database worker: one thread, whole transactions, safe cancellation."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from sqlalchemy import Connection, Engine, func, insert, select

from xerodesk.engine.dbworker import DbWorker
from xerodesk.store.models import Company


def _insert_slowly(connection: Connection, names: list[str], pause: float) -> str:
    for name in names:
        connection.execute(insert(Company).values(name=name))
        time.sleep(pause)
    return threading.current_thread().name


def _fail_after_insert(connection: Connection) -> None:
    connection.execute(insert(Company).values(name="rolled back"))
    raise RuntimeError("boom")


def _count(connection: Connection) -> int:
    return int(connection.scalar(select(func.count()).select_from(Company)) or 0)


async def test_writes_run_on_one_background_thread(db_engine: Engine) -> None:
    worker = DbWorker(db_engine)
    try:
        names = await asyncio.gather(
            *(worker.write(_insert_slowly, [f"c{i}"], 0.0) for i in range(5))
        )
        assert {n.split("_")[0] for n in names} == {"xerodesk-db"}
        assert len(set(names)) == 1
        assert threading.current_thread().name not in names
        assert await worker.read(_count) == 5
    finally:
        worker.close()


async def test_a_failed_write_rolls_back_whole(db_engine: Engine) -> None:
    worker = DbWorker(db_engine)
    try:
        with pytest.raises(RuntimeError, match="boom"):
            await worker.write(_fail_after_insert)
        assert await worker.read(_count) == 0
    finally:
        worker.close()


@pytest.mark.parametrize("db_kind", ["sqlite"], indirect=True)
async def test_cancel_waits_for_the_transaction_to_finish(db_engine: Engine) -> None:
    worker = DbWorker(db_engine)
    try:
        task = asyncio.ensure_future(worker.write(_insert_slowly, ["a", "b", "c"], 0.05))
        await asyncio.sleep(0.02)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # the job was mid-transaction when cancelled: it committed whole, not half
        assert await worker.read(_count) == 3
    finally:
        worker.close()
