"""What the document steps share: snapshots, link look-ups and exact line replacement.

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

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import Column, Connection, Table, delete, select
from sqlalchemy.exc import IntegrityError

from xerodesk.domain.sync import Counts
from xerodesk.engine.links import Link
from xerodesk.store.models import Product
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


#: the snapshot key of a document's digest of its mapped values
VALUES_KEY = "values"
#: where releases before it kept a digest of another form (see ``changed``)
LEGACY_KEY = "digest"


def _compact(part: Any) -> Any:
    """A part as plain values: a mapped row (a dict in its mapper's fixed column
    order) becomes the tuple of its values; lists of rows likewise."""
    if isinstance(part, Mapping):
        return tuple(part.values())
    if isinstance(part, list | tuple):
        return [tuple(p.values()) if isinstance(p, Mapping) else p for p in part]
    return part


def _digest(parts: Sequence[Any]) -> str:
    """A digest of the mapped values ``parts``: BLAKE2b of their ``repr``.

    Mapped values are text, numbers, ``Decimal``, dates, flags and None, whose
    ``repr`` is exact and the same in every process (no sets, whose order would
    depend on hashing); the same Xero record mapped by the same release gives
    the same digest, and any changed value another. Dicts are taken by value
    in their mapper's fixed column order.
    """
    text = repr([_compact(part) for part in parts])
    return hashlib.blake2b(text.encode(), digest_size=20).hexdigest()


def document_snapshot(
    contact_id: str,
    *parts: Any,
    balance: Sequence[Any] = (),
    state: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A compact snapshot: digests of every mapped value and of ``balance``, and the contact.

    Documents are read-only on the CRM side, so the values themselves need not
    be kept: the digest tells "unchanged" from "changed" exactly; the balance
    digest (of what moves the contact's balance: status, totals, amounts due)
    tells whether the contact's balance needs a refresh; the contact id lets a
    later pass fill the ledger link of credit-note lines. ``state`` (number,
    status, total) is kept for the audit trail's "from … to …" and plays no
    part in telling changed from unchanged.
    """
    snapshot: dict[str, Any] = {
        VALUES_KEY: _digest(parts),
        "balance": _digest([list(balance)]),
        "contact_id": contact_id,
    }
    if state is not None:
        snapshot["state"] = dict(state)
    return snapshot


def previous_states(
    links: Mapping[str, Link], xero_ids: Iterable[str]
) -> dict[str, Mapping[str, Any] | None]:
    """The audited state of each known document among ``xero_ids`` (None: none kept)."""
    found: dict[str, Mapping[str, Any] | None] = {}
    for xero_id in xero_ids:
        link = links.get(xero_id)
        if link is not None:
            state = (link.snapshot or {}).get("state")
            found[xero_id] = state if isinstance(state, Mapping) else None
    return found


def balance_contacts(link: Link | None, snapshot: Mapping[str, Any]) -> set[str]:
    """The contacts whose balance a written document may have moved (old and new owner)."""
    contact = str(snapshot["contact_id"])
    if link is None or link.snapshot is None:
        return {contact}
    before = link.snapshot
    if before.get("balance") == snapshot["balance"] and before.get("contact_id") == contact:
        return set()
    return {contact, str(before.get("contact_id") or contact)}


def changed(
    link: Link | None, snapshot: Mapping[str, Any], updated_at: datetime | None = None
) -> bool:
    """Xero changed the record since it was written (a document's audited state aside,
    so that documents written before it was kept are not all rewritten for it).

    A document last written by a release that kept another kind of digest
    (``LEGACY_KEY``) is judged by Xero's time of change instead, which Xero
    moves with every edit of a document, so an upgrade rewrites none that
    Xero has not changed.
    """
    if link is None or link.snapshot is None:
        return True
    if LEGACY_KEY in link.snapshot and LEGACY_KEY not in snapshot:
        if updated_at is not None and link.xero_updated_at is not None:
            return _aware(updated_at) != _aware(link.xero_updated_at)
        return True
    return _compared(link.snapshot) != _compared(snapshot)


def _aware(moment: datetime) -> datetime:
    """Times read back from SQLite and MariaDB are naive UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _compared(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in snapshot.items() if key != "state"}


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


def product_ids(connection: Connection, lines: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Product ids of the item codes on ``lines``."""
    return ids_by(
        connection, PRODUCTS, "product_item_id", (ln.get("product_item_id") for ln in lines)
    )


def upsert_by_key(
    connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]], key: str
) -> dict[str, int]:
    """Upsert ``rows`` on ``key`` (every column theirs); returns key → row id."""
    if not rows:
        return {}
    bulk_upsert(connection, table, uniform(rows), [key])
    return ids_by(connection, table, key, (str(row[key]) for row in rows))


def uniform(rows: Sequence[Mapping[str, Any]]) -> Sequence[Mapping[str, Any]]:
    """``rows`` with the same columns each (a missing value None), as a bulk upsert needs.

    Rows from one mapper already share their columns: they are returned as
    they are, without a copy.
    """
    first = rows[0].keys()
    if all(row.keys() == first for row in rows):
        return rows
    columns = sorted({c for row in rows for c in row})
    return [{c: row.get(c) for c in columns} for row in rows]


def replace_lines(
    connection: Connection,
    table: Table,
    parent: str,
    parents: Sequence[Any],
    lines: Sequence[Mapping[str, Any]],
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
    keep = {line[LINE_KEY] for line in lines}
    unique = lines if len(keep) == len(lines) else list({ln[LINE_KEY]: ln for ln in lines}.values())
    had = _lines_of(connection, table, parent, parents)
    stale = [row_id for row_id, line_id, _ in had if line_id not in keep]
    size = rows_per_statement(connection.dialect.name, 1)
    for chunk in batches(({"id": i} for i in stale), size):
        connection.execute(delete(table).where(table.c.id.in_([item["id"] for item in chunk])))
    known = {line_id for _, line_id, _ in had}
    _insert_new_lines(connection, table, [ln for ln in unique if ln[LINE_KEY] not in known])
    again = [ln for ln in unique if ln[LINE_KEY] in known]
    if again:
        bulk_upsert(connection, table, uniform(again), [LINE_KEY])
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
            column.in_([item["p"] for item in chunk])
        )
        found.extend(
            (row_id, line_id, owner) for row_id, line_id, owner in connection.execute(query).all()
        )
    return found


def _insert_new_lines(
    connection: Connection, table: Table, lines: Sequence[Mapping[str, Any]]
) -> None:
    """Insert lines their documents did not have: a plain insert (cheaper than an
    upsert, notably on SQLite with foreign keys), unless a line id is already on
    another document, when the whole batch is upserted instead."""
    if not lines:
        return
    rows = uniform(lines)
    try:
        with connection.begin_nested():
            bulk_insert(connection, table, rows)
    except IntegrityError:
        bulk_upsert(connection, table, rows, [LINE_KEY])
