"""Insert-or-update by natural key, thousands of rows a statement, per dialect.

SQLite and PostgreSQL use ``INSERT … ON CONFLICT (key) DO UPDATE``; MariaDB
and MySQL use ``INSERT … ON DUPLICATE KEY UPDATE``, which needs the key to be
a unique index (every natural key in our schema is). Rows are sent in batches
that stay under each driver's limit on bound parameters.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import Any

from sqlalchemy import Connection, Table, select, tuple_
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.sql.expression import Insert

from xerodesk.store.rows import Rows, binder_for, sqlite_rows_in, write_sqlite_rows

#: bound parameters per statement we allow ourselves on each dialect
_PARAMETER_LIMIT = {"sqlite": 30_000, "postgresql": 30_000, "mysql": 60_000, "mariadb": 60_000}
MAX_ROWS_PER_STATEMENT = 5_000


def batches(rows: Iterable[Mapping[str, Any]], size: int) -> Iterator[list[Mapping[str, Any]]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def rows_per_statement(dialect: str, columns: int) -> int:
    limit = _PARAMETER_LIMIT.get(dialect, 10_000)
    return max(1, min(MAX_ROWS_PER_STATEMENT, limit // max(1, columns)))


def _insert_for(connection: Connection, table: Table) -> Insert:
    name = connection.dialect.name
    if name == "sqlite":
        return sqlite.insert(table)
    if name == "postgresql":
        return postgresql.insert(table)
    if name in ("mysql", "mariadb"):
        return mysql.insert(table)
    raise ValueError(f"bulk upsert does not support the {name} dialect")


def _upsert_statement(
    connection: Connection, table: Table, keys: Sequence[str], update: Sequence[str]
) -> Insert:
    statement = _insert_for(connection, table)
    if isinstance(statement, mysql.Insert):
        if not update:
            # a no-op assignment keeps the existing row, like DO NOTHING
            return statement.on_duplicate_key_update({keys[0]: statement.inserted[keys[0]]})
        return statement.on_duplicate_key_update({c: statement.inserted[c] for c in update})
    assert isinstance(statement, sqlite.Insert | postgresql.Insert)
    if not update:
        return statement.on_conflict_do_nothing(index_elements=list(keys))
    return statement.on_conflict_do_update(
        index_elements=list(keys), set_={c: statement.excluded[c] for c in update}
    )


def bulk_upsert(
    connection: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]] | Rows,
    keys: Sequence[str],
    update: Sequence[str] | None = None,
) -> int:
    """Insert ``rows`` or update the rows that share their ``keys``.

    Every row must carry the same columns. ``update`` names the columns a
    matched row takes from the new values (default: every column but the
    keys; empty: keep matched rows as they are). Returns the rows sent.
    """
    if not rows:
        return 0
    columns = rows.columns if isinstance(rows, Rows) else tuple(rows[0].keys())
    missing = [key for key in keys if key not in columns]
    if missing:
        raise ValueError(f"rows lack the key columns {missing}")
    to_update = [c for c in columns if c not in keys] if update is None else list(update)
    binder = binder_for(connection.dialect)
    if binder is not None:
        tuples = rows if isinstance(rows, Rows) else Rows.of(rows)
        return write_sqlite_rows(
            connection, table, tuples, binder, keys=tuple(keys), update=tuple(to_update)
        )
    statement = _upsert_statement(connection, table, keys, to_update)
    _execute_in_batches(connection, statement, rows)
    return len(rows)


def bulk_insert(
    connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]] | Rows
) -> int:
    """Insert ``rows`` (every row with the same columns); returns how many.

    On SQLite the rows go many to a statement (``store.rows``); elsewhere the
    driver batches them.
    """
    if not rows:
        return 0
    binder = binder_for(connection.dialect)
    if binder is not None:
        tuples = rows if isinstance(rows, Rows) else Rows.of(rows)
        return write_sqlite_rows(connection, table, tuples, binder)
    _execute_in_batches(connection, _insert_for(connection, table), rows)
    return len(rows)


def _execute_in_batches(
    connection: Connection, statement: Insert, rows: Sequence[Mapping[str, Any]] | Rows
) -> None:
    """One statement, many parameter sets: each driver batches them its own fastest
    way (far cheaper than compiling a multi-row VALUES clause)."""
    dicts = rows.dicts() if isinstance(rows, Rows) else [dict(row) for row in rows]
    size = rows_per_statement(connection.dialect.name, len(dicts[0]))
    for start in range(0, len(dicts), size):
        connection.execute(statement, dicts[start : start + size])


def fetch_ids(
    connection: Connection, table: Table, keys: Sequence[str], values: Iterable[Any]
) -> dict[Any, int]:
    """Map natural-key values (a scalar, or a tuple for composite keys) to row ids."""
    wanted = list(dict.fromkeys(values))
    found: dict[Any, int] = {}
    if connection.dialect.name == "sqlite" and len(keys) == 1:
        at_once = sqlite_rows_in(connection, table, ("id", keys[0]), keys[0], wanted)
        if at_once is not None:
            return {key: row_id for row_id, key in at_once}
    key_columns = [table.c[k] for k in keys]
    size = rows_per_statement(connection.dialect.name, len(keys))
    for chunk in batches(({"v": v} for v in wanted), size):
        chunk_values = [item["v"] for item in chunk]
        if len(key_columns) == 1:
            condition = key_columns[0].in_(chunk_values)
        else:
            condition = tuple_(*key_columns).in_(chunk_values)
        query = select(table.c.id, *key_columns).where(condition)
        rows = connection.execute(query).all()  # fetched at once, not row by row
        if len(key_columns) == 1:
            found.update((key, row_id) for row_id, key in rows)
        else:
            found.update((tuple(row[1:]), row[0]) for row in rows)
    return found
