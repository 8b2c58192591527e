"""Every database call on one worker thread, awaited from the event loop.

The window never blocks on the database, and SQLite never sees two writers
from one process: calls are queued and run one at a time, each with its own
connection from the engine's pool.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import Connection, Engine, event

P = ParamSpec("P")
T = TypeVar("T")


class DbWorker:
    """Runs functions of a Connection on a single background thread."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xerodesk-db")

    async def read(
        self, fn: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run ``fn(connection, …)`` on a connection without a write transaction."""
        return await self._submit(self._read, lambda c: fn(c, *args, **kwargs))

    async def write(
        self, fn: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run ``fn(connection, …)`` in one transaction: all of it commits, or none."""
        return await self._submit(self._write, lambda c: fn(c, *args, **kwargs))

    async def _submit(
        self, runner: Callable[[Callable[[Connection], T]], T], job: Callable[[Connection], T]
    ) -> T:
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._executor, runner, job)
        # A cancelled caller must not leave a half-done write: the job finishes
        # (commit or rollback) on its thread before the cancellation goes on.
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            await asyncio.wait([future])
            raise

    def _read(self, job: Callable[[Connection], T]) -> T:
        with self.engine.connect() as connection:
            return job(connection)

    def _write(self, job: Callable[[Connection], T]) -> T:
        with self.engine.begin() as connection:
            return job(connection)

    def close(self) -> None:
        self._executor.shutdown(wait=True)


class RehearsalDbWorker(DbWorker):
    """A ``DbWorker`` whose writes are all undone: the database of a dry run.

    Every call runs on one connection inside one outer transaction; each
    ``write`` is a savepoint within it (all of it or none, as usual) and
    ``read`` sees what the writes before it did. ``close`` rolls the outer
    transaction back, so nothing reaches the database. The worker owns its
    engine: on SQLite it makes pysqlite leave transactions to SQLAlchemy (so
    savepoints work), which only connections made afterwards take on.
    """

    def __init__(self, engine: Engine) -> None:
        if engine.dialect.name == "sqlite":
            engine.dispose()
            event.listen(engine, "connect", _sqlite_manual_transactions)
            event.listen(engine, "begin", _sqlite_begin)
        super().__init__(engine)
        self._connection: Connection | None = None

    def _open(self) -> Connection:
        if self._connection is None:
            self._connection = self.engine.connect()
            self._connection.begin()
        return self._connection

    def _read(self, job: Callable[[Connection], T]) -> T:
        return job(self._open())

    def _write(self, job: Callable[[Connection], T]) -> T:
        connection = self._open()
        with connection.begin_nested():
            return job(connection)

    def _discard(self) -> None:
        if self._connection is not None:
            self._connection.rollback()
            self._connection.close()
            self._connection = None

    def close(self) -> None:
        """Undo every write, then stop the thread."""
        self._executor.submit(self._discard).result()
        super().close()


def _sqlite_manual_transactions(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own BEGIN handling breaks SAVEPOINT; SQLAlchemy emits BEGIN instead.
    dbapi_connection.isolation_level = None


def _sqlite_begin(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN")
