"""What the document steps share: rows, link look-ups and exact line replacement.

A document's header is upserted by its Xero id; its lines are upserted by
``xero_line_id`` and the lines of the same documents that Xero no longer
sends are deleted, for the whole page at once (one select, one delete), so a
re-import never duplicates a line and a line removed in Xero disappears.

Links to the CRM's own rows (sales ledger, purchase ledger, product) are
looked up once per page. A document whose contact or item is not in the CRM
yet is still written, with the link NULL: ``backfill.fill_missing_links``
fills it on a later pass from the Xero ids the rows keep.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import Column, Connection, Table, delete, select
from sqlalchemy.exc import IntegrityError

from xerodesk.domain.sync import Counts
from xerodesk.engine.steps.snapshots import digest
from xerodesk.store.models import Product
from xerodesk.store.rows import Rows, SqliteBinder, any_of
from xerodesk.store.upsert import batches, bulk_insert, bulk_upsert, fetch_ids, rows_per_statement

PRODUCTS: Table = Product.__table__  # type: ignore[assignment]
LINE_KEY = "xero_line_id"


class Dated(Protocol):
    @property
    def updated_at(self) -> datetime: ...


D = TypeVar("D", bound=Dated)


def latest_per_id(mapped: Sequence[D], key: Callable[[D], str]) -> list[D]:
    """One record per Xero id: the most recently updated (a walk may read one twice)."""
    latest: dict[str, D] = {}
    for record in mapped:
        seen = latest.get(key(record))
        if seen is None or record.updated_at >= seen.updated_at:
            latest[key(record)] = record
    return list(latest.values())


def write_counts(todo: int, total: int, created: int) -> Counts:
    return Counts(created=created, updated=todo - created, unchanged=total - todo)


def ids_by(
    connection: Connection, table: Table, key: str, values: Iterable[str | None]
) -> dict[str, int]:
    """Row ids of ``table`` by a text key (a Xero ContactID, an item code), for links."""
    wanted = [v for v in dict.fromkeys(values) if v]
    if not wanted:
        return {}
    return {str(k): v for k, v in fetch_ids(connection, table, [key], wanted).items()}


def product_ids(connection: Connection, codes: Iterable[str | None]) -> dict[str, int]:
    """Product ids of the item ``codes`` (None: a line without an item)."""
    return ids_by(connection, PRODUCTS, "product_item_id", codes)


def upsert_by_key(
    connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]] | Rows, key: str
) -> dict[str, int]:
    """Upsert ``rows`` on ``key`` (every column theirs); returns key → row id."""
    if not rows:
        return {}
    tuples = rows if isinstance(rows, Rows) else Rows.of(rows)
    bulk_upsert(connection, table, tuples, [key])
    return ids_by(connection, table, key, (str(v) for v in tuples.column(key)))


@dataclass(frozen=True)
class DocumentRows:
    """A page's documents as table rows (``Rows`` values), by ``id()`` of each
    mapped document: its header row (if the document has one) and its line rows.

    Made on the mapping thread, bound for SQLite when a binder is given, so
    that the database thread only adds the row ids it looks up.
    """

    header_columns: tuple[str, ...]
    headers: Mapping[int, tuple[Any, ...]]
    line_columns: tuple[str, ...]
    lines: Mapping[int, Sequence[tuple[Any, ...]]]
    bound: bool
    _positions: dict[tuple[str, ...], list[int]] = field(default_factory=dict, compare=False)

    def digest(self, document: Any, *more: Any) -> str:
        """The digest of a document's rows (and of ``more`` values it has elsewhere)."""
        return digest((more, self.headers.get(id(document)), self.lines[id(document)]))

    def line_values(self, documents: Iterable[Any], column: str) -> Iterator[Any]:
        """The values of ``column`` on the lines of ``documents``."""
        at = self.line_columns.index(column)
        return (row[at] for d in documents for row in self.lines[id(d)])

    def header_values(self, document: Any, columns: tuple[str, ...]) -> list[Any]:
        """The values of ``columns`` in a document's header row."""
        positions = self._positions.get(columns)
        if positions is None:
            positions = self._positions[columns] = [self.header_columns.index(c) for c in columns]
        row = self.headers[id(document)]
        return [row[at] for at in positions]


def document_rows(
    documents: Sequence[Any],
    header_of: Callable[[Any], Mapping[str, Any]] | None,
    lines_of: Callable[[Any], Sequence[Any]],
    tables: tuple[Table | None, Table],
    binder: SqliteBinder | None = None,
    line_columns: tuple[str, ...] | None = None,
) -> DocumentRows:
    """The rows of ``documents`` (header and line tables in ``tables``), bound by
    ``binder``. ``lines_of`` gives a document's lines as mappings, or with
    ``line_columns`` as tuples of those columns' values."""
    header_table, line_table = tables
    headers = Rows.of([header_of(d) for d in documents] if header_of else [])
    every_line = [line for d in documents for line in lines_of(d)]
    lines = Rows(line_columns, every_line) if line_columns else Rows.of(every_line)
    if binder is not None:
        if header_table is not None:
            headers = binder.bind(header_table, headers)
        lines = binder.bind(line_table, lines)
    by_document: dict[int, Sequence[tuple[Any, ...]]] = {}
    at = 0
    for document in documents:
        count = len(lines_of(document))
        by_document[id(document)] = lines.values[at : at + count]
        at += count
    return DocumentRows(
        headers.columns,
        {id(d): row for d, row in zip(documents, headers.values, strict=False)},
        lines.columns,
        by_document,
        binder is not None,
    )


def header_rows(
    rows: DocumentRows,
    documents: Sequence[Any],
    columns: tuple[str, ...],
    ids: Callable[[Any], tuple[Any, ...]],
) -> Rows:
    """The header rows of ``documents``, with the row ids ``ids`` gives in ``columns``."""
    return Rows(
        rows.header_columns + columns,
        [rows.headers[id(d)] + ids(d) for d in documents],
        rows.bound,
    )


def line_rows(
    rows: DocumentRows,
    documents: Sequence[Any],
    columns: tuple[str, ...],
    ids: Callable[[Any, str | None], tuple[Any, ...]],
) -> Rows:
    """The line rows of ``documents``, with the row ids ``ids`` gives (by document
    and the line's item code) in ``columns``."""
    code = rows.line_columns.index("product_item_id")
    return Rows(
        rows.line_columns + columns,
        [row + ids(d, row[code]) for d in documents for row in rows.lines[id(d)]],
        rows.bound,
    )


def replace_lines(
    connection: Connection,
    table: Table,
    parent: str,
    parents: Sequence[Any],
    lines: Sequence[Mapping[str, Any]] | Rows,
    *,
    first_ids: bool = False,
) -> dict[Any, int]:
    """Make the lines of ``parents`` exactly ``lines``; with ``first_ids``, returns
    parent → its first line id (else an empty dict).

    ``parent`` names the column that ties a line to its document (a header id,
    or ``xero_credit_note_id`` for credit notes, which have no header). The
    lines the documents had are read first (none on a first sync), those Xero
    no longer sends are deleted, and the rest are upserted by ``xero_line_id``.
    """
    rows = lines if isinstance(lines, Rows) else Rows.of(lines)
    at = rows.index(LINE_KEY) if rows.values else 0
    keep = {row[at] for row in rows.values}
    unique = rows.values
    if len(keep) != len(unique):
        unique = list({row[at]: row for row in unique}.values())
    had = _lines_of(connection, table, parent, parents)
    stale = [row_id for row_id, line_id, _ in had if line_id not in keep]
    size = rows_per_statement(connection.dialect.name, 1)
    for start in range(0, len(stale), size):
        chunk = stale[start : start + size]
        connection.execute(delete(table).where(any_of(connection, table.c.id, chunk)))
    known = {line_id for _, line_id, _ in had}
    _insert_new_lines(connection, table, rows.take([r for r in unique if r[at] not in known]))
    again = rows.take([r for r in unique if r[at] in known])
    if again:
        bulk_upsert(connection, table, again, [LINE_KEY])
    first: dict[Any, int] = {}
    if first_ids:
        for row_id, _line_id, owner in _lines_of(connection, table, parent, parents):
            if owner not in first or row_id < first[owner]:
                first[owner] = row_id
    return first


def _lines_of(
    connection: Connection, table: Table, parent: str, parents: Sequence[Any]
) -> list[tuple[int, str, Any]]:
    """(row id, Xero line id, parent) of every line of ``parents``."""
    column: Column[Any] = table.c[parent]
    found: list[tuple[int, str, Any]] = []
    size = rows_per_statement(connection.dialect.name, 1)
    for chunk in batches(({"p": p} for p in dict.fromkeys(parents)), size):
        query = select(table.c.id, table.c[LINE_KEY], column).where(
            any_of(connection, column, [item["p"] for item in chunk])
        )
        found.extend(
            (row_id, line_id, owner) for row_id, line_id, owner in connection.execute(query).all()
        )
    return found


def _insert_new_lines(connection: Connection, table: Table, lines: Rows) -> None:
    """Insert lines their documents did not have: a plain insert (cheaper than an
    upsert, notably on SQLite with foreign keys), unless a line id is already on
    another document, when the whole batch is upserted instead."""
    if not lines:
        return
    try:
        with connection.begin_nested():
            bulk_insert(connection, table, lines)
    except IntegrityError:
        bulk_upsert(connection, table, lines, [LINE_KEY])
