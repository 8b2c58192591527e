"""Insert-or-update by natural key, thousands of rows a statement, per dialect.

SQLite and PostgreSQL use ``INSERT … ON CONFLICT (key) DO UPDATE``; MariaDB
and MySQL use ``INSERT … ON DUPLICATE KEY UPDATE``, which needs the key to be
a unique index (every natural key in our schema is). Rows are sent in batches
that stay under each driver's limit on bound parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import islice
from operator import itemgetter
from types import NoneType
from typing import Any

from sqlalchemy import Boolean, Connection, Table, select, tuple_
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.expression import Insert

from xerodesk.store.types import UTCDateTime

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
    rows: Sequence[Mapping[str, Any]],
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
    columns = list(rows[0].keys())
    missing = [key for key in keys if key not in columns]
    if missing:
        raise ValueError(f"rows lack the key columns {missing}")
    to_update = [c for c in columns if c not in keys] if update is None else list(update)
    statement = _upsert_statement(connection, table, keys, to_update)
    size = rows_per_statement(connection.dialect.name, len(columns))
    if connection.dialect.name == "sqlite":
        key = (table.name, tuple(columns), tuple(keys), tuple(to_update))
        _sqlite_executemany(connection, statement, columns, rows, size, key)
        return len(rows)
    for chunk in batches(rows, size):
        # one statement, many parameter sets: each driver batches them its own
        # fastest way (far cheaper than compiling a multi-row VALUES clause)
        connection.execute(statement, [dict(row) for row in chunk])
    return len(rows)


def bulk_insert(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> int:
    """Insert ``rows`` (every row with the same columns); returns how many.

    On SQLite the statement is compiled once and rows go as positional tuples
    (as ``bulk_upsert`` sends them); elsewhere the driver batches them.
    """
    if not rows:
        return 0
    statement = _insert_for(connection, table)
    columns = list(rows[0].keys())
    size = rows_per_statement(connection.dialect.name, len(columns))
    if connection.dialect.name == "sqlite":
        key = (table.name, tuple(columns), None, None)
        _sqlite_executemany(connection, statement, columns, rows, size, key)
        return len(rows)
    for chunk in batches(rows, size):
        connection.execute(statement, [dict(row) for row in chunk])
    return len(rows)


@dataclass(frozen=True)
class _Compiled:
    """A SQLite statement compiled for one set of columns, and how to bind its values."""

    sql: str
    names: tuple[str, ...]
    processors: tuple[tuple[int, Callable[[Any], Any], Any], ...]


#: compiled statements by (dialect, table, columns, keys, updated columns)
_COMPILED: dict[tuple[Any, ...], _Compiled | None] = {}


def _compile(
    dialect: Dialect, statement: Insert, columns: Sequence[str], key: tuple[Any, ...]
) -> _Compiled | None:
    """``statement`` compiled for ``columns`` (once per process); None for a shape
    the positional path does not handle."""
    cache_key = (id(dialect), *key)
    if cache_key in _COMPILED:
        return _COMPILED[cache_key]
    compiled = statement.compile(dialect=dialect, column_keys=list(columns))
    names = compiled.positiontup
    found: _Compiled | None = None
    if names is not None and set(names) == set(columns) and len(names) == len(columns):
        types = [compiled.binds[name].type for name in names]
        processors = tuple(
            (index, fn, types[index])
            for index in range(len(names))
            if (fn := types[index]._cached_bind_processor(dialect)) is not None
        )
        found = _Compiled(compiled.string, tuple(names), processors)
    if len(_COMPILED) < 1_000:
        _COMPILED[cache_key] = found
    return found


def _sqlite_executemany(
    connection: Connection,
    statement: Insert,
    columns: Sequence[str],
    rows: Sequence[Mapping[str, Any]],
    size: int,
    key: tuple[Any, ...],
) -> None:
    """SQLite: the statement compiled once, rows sent as positional tuples.

    Each value goes through its column type's own bind processor (the same
    conversion SQLAlchemy applies), without building a parameter dictionary
    per row; the driver's ``executemany`` does the rest. ``key`` names the
    statement's shape (table, columns, conflict keys, updated columns) so it
    is compiled once per process, not once a page.
    """
    dialect = connection.dialect
    compiled = _compile(dialect, statement, columns, key)
    if compiled is None:
        for chunk in batches(rows, size):  # an unexpected shape: the general path
            connection.execute(statement, [dict(row) for row in chunk])
        return
    names, processors, sql = compiled.names, compiled.processors, compiled.sql
    values = itemgetter(*names) if len(names) > 1 else (lambda row: (row[names[0]],))
    for start in range(0, len(rows), size):
        parameters: list[Any] = list(map(values, rows[start : start + size]))
        if processors:
            # column by column: each processor mapped over its column in one go
            by_column: list[Any] = list(zip(*parameters, strict=True))
            for index, fn, type_ in processors:
                by_column[index] = _bound(by_column[index], fn, type_, dialect)
            parameters = list(zip(*by_column, strict=True))
        connection.exec_driver_sql(sql, parameters)


#: how SQLAlchemy's SQLite dialect stores dates and times by default
_SQLITE_DATE_FORMAT = "%(year)04d-%(month)02d-%(day)02d"
_SQLITE_DATETIME_FORMAT = (
    "%(year)04d-%(month)02d-%(day)02d %(hour)02d:%(minute)02d:%(second)02d.%(microsecond)06d"
)


def _bound(
    column: Sequence[Any], fn: Callable[[Any], Any], type_: Any, dialect: Dialect
) -> Iterable[Any]:
    """``fn`` applied to every value of ``column``, or the same values a cheaper way.

    Three of the SQLite bind processors have exact C-level twins when every
    value has the expected type: a flag is bound as the driver binds a
    ``bool`` (1 or 0, as ``int(flag)``); a ``date`` in the default storage
    format is its ``isoformat()``; a UTC timestamp (``UTCDateTime``) is its
    naive UTC ``isoformat(" ", "microseconds")``. Anything else goes through
    ``fn``.
    """
    kinds = set(map(type, column))
    if isinstance(type_, Boolean) and kinds <= {bool, NoneType}:
        return column
    if isinstance(type_, UTCDateTime):
        inner = type_.load_dialect_impl(dialect)
        if (
            isinstance(inner, sqlite.DATETIME)
            and getattr(inner, "_storage_format", None) == _SQLITE_DATETIME_FORMAT
            and kinds <= _TIMES
        ):
            # a page's rows share many instants (the time of the write): each once
            texts = {value: _utc_text(value) for value in set(column) if value is not None}
            return [None if value is None else texts[value] for value in column]
        return map(fn, column)
    impl = type_.dialect_impl(dialect)
    if (
        isinstance(impl, sqlite.DATE)
        and getattr(impl, "_storage_format", None) == _SQLITE_DATE_FORMAT
        and kinds <= _DATES
    ):
        return [None if value is None else value.isoformat() for value in column]
    return map(fn, column)


_DATES = frozenset({date, NoneType})
_TIMES = frozenset({datetime, NoneType})


def _utc_text(value: datetime) -> str:
    """What ``UTCDateTime`` and SQLite's DATETIME make of ``value``: naive UTC text."""
    if value.tzinfo is not None and value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(" ", "microseconds")


def fetch_ids(
    connection: Connection, table: Table, keys: Sequence[str], values: Iterable[Any]
) -> dict[Any, int]:
    """Map natural-key values (a scalar, or a tuple for composite keys) to row ids."""
    wanted = list(dict.fromkeys(values))
    found: dict[Any, int] = {}
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
