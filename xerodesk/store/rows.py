"""Rows as tuples in one column order, and SQLite's way of writing many at once.

A page of records becomes ``Rows``: the column names once, then one tuple of
values a row. On SQLite the values are *bound* column by column (each
column's values converted in one go, exactly as SQLAlchemy's column types
convert them: amounts to floats, dates and UTC times to their stored text,
flags to 1 or 0) and written many rows to a statement
(``INSERT … VALUES (…), (…), …``). SQLite then works through a whole batch in
one call that leaves the interpreter free, so the thread that maps the next
page runs meanwhile; the driver's ``executemany`` would take the interpreter
back after every single row and wait for it each time.

Binding needs no connection, only the dialect: a pull binds each page on its
mapping thread, and the database thread only adds the row ids it looks up.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import chain
from operator import itemgetter
from types import NoneType
from typing import Any

from sqlalchemy import Boolean, ColumnElement, Connection, Table, func, literal_column, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql import Select

from xerodesk.store.types import UTCDateTime

__all__ = [
    "Rows",
    "SqliteBinder",
    "any_of",
    "binder_for",
    "sqlite_rows_in",
    "write_sqlite_rows",
]

#: bound values a SQLite statement may carry (SQLite allows 32,766 since 3.32)
SQLITE_VARIABLES = 30_000
#: rows a SQLite statement may carry. The driver keeps each prepared statement
#: for reuse (128 of them), and a statement's program grows with its rows: 256
#: rows of 22 columns take about 0.45 MiB, 1,363 rows 2.5 MiB (measured). Statements carry
#: a power of two of rows, so that a table's inserts are a handful of texts,
#: each prepared once and reused, and the memory they hold stays small.
SQLITE_ROWS = 512


@dataclass(frozen=True)
class Rows:
    """Rows of one table: ``values`` holds a tuple a row, in the order of ``columns``.

    ``bound`` rows hold values as the SQLite driver takes them (see
    ``SqliteBinder``); others hold the mapped values themselves.
    """

    columns: tuple[str, ...]
    values: Sequence[tuple[Any, ...]]
    bound: bool = False

    def __len__(self) -> int:
        return len(self.values)

    @classmethod
    def of(cls, rows: Sequence[Mapping[str, Any]]) -> Rows:
        """Rows of mappings: their columns in the first one's order, a missing value
        None (rows of one mapper share their columns, and are taken at C speed)."""
        if not rows:
            return cls((), [])
        first = rows[0].keys()
        if all(row.keys() == first for row in rows):
            columns = tuple(first)
            return cls(columns, list(map(_getter(columns), rows)))
        columns = tuple(sorted({c for row in rows for c in row}))
        return cls(columns, [tuple(row.get(c) for c in columns) for row in rows])

    def index(self, column: str) -> int:
        return self.columns.index(column)

    def column(self, name: str) -> list[Any]:
        """The values of one column, row by row."""
        at = self.columns.index(name)
        return [row[at] for row in self.values]

    def take(self, values: Sequence[tuple[Any, ...]]) -> Rows:
        """Other rows of the same columns and binding."""
        return Rows(self.columns, values, self.bound)

    def dicts(self) -> list[dict[str, Any]]:
        """The rows as mappings (for the drivers of other databases)."""
        if self.bound:
            raise ValueError("rows bound for SQLite cannot go to another database")
        columns = self.columns
        return [dict(zip(columns, row, strict=True)) for row in self.values]


def _getter(columns: Sequence[str]) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    if len(columns) == 1:
        name = columns[0]
        return lambda row: (row[name],)
    return itemgetter(*columns)


# --- binding ------------------------------------------------------------------

#: a column's position, its type's bind processor and the type itself
_Processor = tuple[int, Callable[[Any], Any], Any]


class SqliteBinder:
    """Binds rows for a SQLite connection of ``dialect``, as its column types would.

    Pure (no connection): safe on any thread. Each column is converted in one
    go; the three conversions with exact C-level twins (flags, dates in the
    default storage format, UTC times) take the twin when every value has the
    expected type, and any other value goes through SQLAlchemy's own processor.
    """

    def __init__(self, dialect: Dialect) -> None:
        if dialect.name != "sqlite":
            raise ValueError(f"SqliteBinder binds for SQLite, not {dialect.name}")
        self.dialect = dialect
        self._processors: dict[tuple[str, tuple[str, ...]], tuple[_Processor, ...]] = {}

    def processors(self, table: Table, columns: tuple[str, ...]) -> tuple[_Processor, ...]:
        """The columns whose values need converting, with how."""
        key = (table.name, columns)
        found = self._processors.get(key)
        if found is None:
            found = tuple(
                (index, fn, type_)
                for index, name in enumerate(columns)
                if (fn := (type_ := table.c[name].type)._cached_bind_processor(self.dialect))
                is not None
            )
            if len(self._processors) < 1_000:
                self._processors[key] = found
        return found

    def bind(self, table: Table, rows: Rows) -> Rows:
        """``rows`` with every value as the driver takes it (bound rows as they are)."""
        if rows.bound:
            return rows
        processors = self.processors(table, rows.columns)
        if not processors or not rows.values:
            return Rows(rows.columns, rows.values, True)
        by_column: list[Any] = list(zip(*rows.values, strict=True))
        for index, fn, type_ in processors:
            by_column[index] = bound_column(by_column[index], fn, type_, self.dialect)
        return Rows(rows.columns, list(zip(*by_column, strict=True)), True)


#: a binder per SQLite dialect in use (each keeps its columns' processors)
_BINDERS: dict[int, SqliteBinder] = {}


def binder_for(dialect: Dialect) -> SqliteBinder | None:
    """The binder of a SQLite dialect; None for the others (their drivers bind)."""
    if dialect.name != "sqlite":
        return None
    binder = _BINDERS.get(id(dialect))
    if binder is None or binder.dialect is not dialect:
        if len(_BINDERS) >= 64:
            _BINDERS.clear()
        binder = _BINDERS[id(dialect)] = SqliteBinder(dialect)
    return binder


#: how SQLAlchemy's SQLite dialect stores dates and times by default
_SQLITE_DATE_FORMAT = "%(year)04d-%(month)02d-%(day)02d"
_SQLITE_DATETIME_FORMAT = (
    "%(year)04d-%(month)02d-%(day)02d %(hour)02d:%(minute)02d:%(second)02d.%(microsecond)06d"
)
_FLAGS = frozenset({bool, NoneType})
_DATES = frozenset({date, NoneType})
_TIMES = frozenset({datetime, NoneType})


def bound_column(
    column: Sequence[Any], fn: Callable[[Any], Any], type_: Any, dialect: Dialect
) -> Sequence[Any]:
    """``fn`` applied to every value of ``column``, or the same values a cheaper way.

    Three of the SQLite bind processors have exact C-level twins when every
    value has the expected type: a flag is 1 or 0 (``int(flag)``); a ``date``
    in the default storage format is its ``isoformat()``; a UTC timestamp
    (``UTCDateTime``) is its naive UTC ``isoformat(" ", "microseconds")``.
    Anything else goes through ``fn``.
    """
    kinds = set(map(type, column))
    if isinstance(type_, Boolean) and kinds <= _FLAGS:
        if NoneType in kinds:
            return [None if value is None else int(value) for value in column]
        return list(map(int, column))
    if isinstance(type_, UTCDateTime):
        inner = type_.load_dialect_impl(dialect)
        if (
            isinstance(inner, sqlite.DATETIME)
            and getattr(inner, "_storage_format", None) == _SQLITE_DATETIME_FORMAT
            and kinds <= _TIMES
        ):
            # a page's rows share many instants (the time of the write): each once
            texts = {value: utc_text(value) for value in set(column) if value is not None}
            return [None if value is None else texts[value] for value in column]
        return list(map(fn, column))
    impl = type_.dialect_impl(dialect)
    if (
        isinstance(impl, sqlite.DATE)
        and getattr(impl, "_storage_format", None) == _SQLITE_DATE_FORMAT
        and kinds <= _DATES
    ):
        return [None if value is None else value.isoformat() for value in column]
    return list(map(fn, column))


def utc_text(value: datetime) -> str:
    """What ``UTCDateTime`` and SQLite's DATETIME make of ``value``: naive UTC text
    (``YYYY-MM-DD HH:MM:SS.ffffff``, the offset of an aware value cut off)."""
    if value.tzinfo is not None and value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat(" ", "microseconds")[:26]


# --- writing --------------------------------------------------------------------


@dataclass(frozen=True)
class _Statement:
    """An insert of one shape, cut where its rows go: ``head`` + rows + ``tail``."""

    head: str
    group: str
    tail: str


#: statements by (table, columns, conflict keys, updated columns)
_STATEMENTS: dict[tuple[Any, ...], _Statement] = {}
#: the text of a statement of many rows, by (shape, rows)
_TEXTS: dict[tuple[Any, ...], str] = {}


def _statement(
    dialect: Dialect,
    table: Table,
    columns: tuple[str, ...],
    keys: tuple[str, ...] | None,
    update: tuple[str, ...],
) -> _Statement:
    shape = (id(dialect), table.name, columns, keys, update)
    found = _STATEMENTS.get(shape)
    if found is not None:
        return found
    # names from the schema's own tables, quoted by the dialect; values are bound
    quote = dialect.identifier_preparer.quote
    head = (
        f"INSERT INTO {dialect.identifier_preparer.format_table(table)} "  # noqa: S608
        f"({', '.join(map(quote, columns))}) VALUES "
    )
    group = "(" + ", ".join(["?"] * len(columns)) + ")"
    tail = ""
    if keys is not None:
        tail = f" ON CONFLICT ({', '.join(map(quote, keys))}) DO "
        if update:
            tail += "UPDATE SET " + ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in update)
        else:
            tail += "NOTHING"
    found = _Statement(head, group, tail)
    if len(_STATEMENTS) < 1_000:
        _STATEMENTS[shape] = found
    return found


def _text(statement: _Statement, count: int) -> str:
    key = (id(statement), count)
    text = _TEXTS.get(key)
    if text is None:
        text = f"{statement.head}{', '.join([statement.group] * count)}{statement.tail}"
        if len(_TEXTS) >= 256:
            _TEXTS.clear()
        _TEXTS[key] = text
    return text


def rows_per_sqlite_statement(connection: Connection, columns: int) -> int:
    """Rows one statement may carry on this SQLite connection: a power of two."""
    variables = SQLITE_VARIABLES
    raw = connection.connection.dbapi_connection
    if isinstance(raw, sqlite3.Connection):
        variables = min(variables, raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
    most = max(1, min(SQLITE_ROWS, variables // max(1, columns)))
    return 1 << (most.bit_length() - 1)


def statement_sizes(total: int, most: int) -> Iterator[int]:
    """How ``total`` rows go to statements of at most ``most`` (a power of two) rows:
    full statements, then the rest in powers of two, largest first."""
    full, rest = divmod(total, most)
    yield from [most] * full
    size = most >> 1
    while rest:
        if rest >= size:
            yield size
            rest -= size
        size >>= 1


def write_sqlite_rows(
    connection: Connection,
    table: Table,
    rows: Rows,
    binder: SqliteBinder,
    *,
    keys: Sequence[str] | None = None,
    update: Sequence[str] = (),
) -> int:
    """Insert ``rows`` into ``table`` on SQLite, many to a statement; returns how many.

    With ``keys``, a row whose keys match an existing row updates that row's
    ``update`` columns instead (none: the row is left as it is).
    """
    if not rows.values:
        return 0
    bound = binder.bind(table, rows)
    statement = _statement(
        connection.dialect,
        table,
        bound.columns,
        None if keys is None else tuple(keys),
        tuple(update),
    )
    most = rows_per_sqlite_statement(connection, len(bound.columns))
    values = bound.values
    start = 0
    for size in statement_sizes(len(values), most):
        parameters = tuple(chain.from_iterable(values[start : start + size]))
        connection.exec_driver_sql(_text(statement, size), parameters)
        start += size
    return len(values)


# --- reading ---------------------------------------------------------------------

#: whether a SQLite library has the JSON functions (by dialect)
_JSON: dict[int, bool] = {}


def _has_json(connection: Connection) -> bool:
    dialect = connection.dialect
    found = _JSON.get(id(dialect))
    if found is None:
        try:
            found = bool(connection.exec_driver_sql("SELECT json_valid('[]')").scalar())
        except OperationalError:
            found = False
        _JSON[id(dialect)] = found
    return found


def _json_keys(values: Iterable[Any]) -> str | None:
    """``values`` as one JSON array when each is text or a whole number (else None)."""
    keys = list(values)
    if all(type(v) is str or type(v) is int for v in keys):
        return json.dumps(keys)
    return None


def any_of(
    connection: Connection,
    column: ColumnElement[Any] | QueryableAttribute[Any],
    values: Iterable[Any],
) -> ColumnElement[bool]:
    """The condition ``column IN values``. On SQLite the values go as one JSON array
    (``IN (SELECT value FROM json_each(?))``): one bound value and one statement text
    for any number of them, where ``IN (?, ?, …)`` is made again for each count."""
    keys = list(values)
    if connection.dialect.name == "sqlite" and _has_json(connection):
        array = _json_keys(keys)
        if array is not None:
            each: Select[Any] = select(literal_column("value")).select_from(func.json_each(array))
            return column.in_(each.scalar_subquery())
    return column.in_(keys)


def sqlite_rows_in(
    connection: Connection,
    table: Table,
    columns: Sequence[str],
    key: str,
    values: Sequence[Any],
) -> list[list[Any]] | None:
    """``columns`` of the rows of ``table`` whose ``key`` is one of ``values``, all
    fetched in one step; None where this cannot be done (the columns' values need
    converting, the keys are not text or whole numbers, or the SQLite library has
    no JSON functions).

    SQLite gathers the rows into one JSON array (text and integers only, exact
    in JSON): the answer is one step of the driver and one ``json.loads``,
    not a step and a row object a row (and each step of the driver hands the
    interpreter to any other busy thread, then waits to take it back).
    """
    dialect = connection.dialect
    if any(
        table.c[name].type._cached_result_processor(dialect, None) is not None
        for name in (*columns, key)
    ):
        return None
    array = _json_keys(values)
    if array is None or not _has_json(connection):
        return None
    quote = dialect.identifier_preparer.quote
    sql = (
        f"SELECT json_group_array(json_array({', '.join(map(quote, columns))})) "  # noqa: S608
        f"FROM {dialect.identifier_preparer.format_table(table)} "
        f"WHERE {quote(key)} IN (SELECT value FROM json_each(?))"
    )
    text = connection.exec_driver_sql(sql, (array,)).scalar()
    return json.loads(text) if text else []
