"""Record links: which CRM row a Xero record became, and the values last synced.

The snapshot is the mapped values as last written; comparing it with a newly
mapped record tells "unchanged" (write nothing) from "changed", whatever
Xero's UpdatedDateUTC says (balances change without bumping it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import Connection, Table, select, text

from xerodesk.store.rows import Rows, any_of
from xerodesk.store.types import utcnow
from xerodesk.store.upsert import batches, bulk_upsert
from xerodesk.store.xd_models import RecordLink

LINKS: Table = RecordLink.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class Link:
    xero_id: str
    crm_table: str
    crm_id: int
    snapshot: dict[str, Any] | None
    xero_updated_at: datetime | None


def snapshot_value(value: Any) -> Any:
    """A JSON-safe, exact form of a mapped value (Decimal and dates as text)."""
    if isinstance(value, Decimal):
        return str(value.normalize()) if value == value.to_integral() else str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): snapshot_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [snapshot_value(v) for v in value]
    return value


def make_snapshot(parts: Mapping[str, Mapping[str, Any] | None]) -> dict[str, Any]:
    """The snapshot of a record's mapped rows, e.g. ``{"sales_ledger": {...}, ...}``."""
    return {
        name: snapshot_value(dict(row)) if row is not None else None for name, row in parts.items()
    }


_COLUMNS = (
    LINKS.c.xero_id,
    LINKS.c.crm_table,
    LINKS.c.crm_id,
    LINKS.c.snapshot,
    LINKS.c.xero_updated_at,
)
#: PostgreSQL: the links of one entity by Xero id, the unique index probed once an id
_PROBE_LINKS = (
    "SELECT link.xero_id, link.crm_table, link.crm_id, link.snapshot, link.xero_updated_at "
    "FROM unnest(CAST(:ids AS VARCHAR[])) AS wanted(id) CROSS JOIN LATERAL ("
    "SELECT * FROM xd_link WHERE entity = :entity AND xero_id = wanted.id LIMIT 1"
    ") AS link"
)
_PROBED = text(_PROBE_LINKS).columns(*_COLUMNS)


def load_links(connection: Connection, entity: str, xero_ids: Iterable[str]) -> dict[str, Link]:
    """The links of ``entity`` among ``xero_ids``.

    On PostgreSQL each id probes the unique index on (entity, Xero id): the
    planner would otherwise go by the table's statistics, which a first sync
    outruns (a thousand links a page, long before autovacuum analyses the
    table), read every link of the entity and test each against the list
    (measured: 360 ms a page at 80,000 invoices, against 1.5 ms probing).
    """
    found: dict[str, Link] = {}
    for chunk in batches(({"id": x} for x in dict.fromkeys(xero_ids)), 2_000):
        ids = [item["id"] for item in chunk]
        if connection.dialect.name == "postgresql":
            rows = connection.execute(_PROBED, {"ids": ids, "entity": entity})
        else:
            rows = connection.execute(
                select(*_COLUMNS).where(
                    RecordLink.entity == entity, any_of(connection, RecordLink.xero_id, ids)
                )
            )
        for xero_id, table, crm_id, snapshot, updated in rows.all():
            found[xero_id] = Link(xero_id, table, crm_id, snapshot, updated)
    return found


def save_links(
    connection: Connection,
    entity: str,
    links: Sequence[tuple[str, str, int, dict[str, Any], datetime | None]],
) -> None:
    """Upsert links: (xero_id, crm_table, crm_id, snapshot, xero_updated_at)."""
    now = utcnow()
    rows = Rows(_SAVED, [(entity, *link, now) for link in links])
    bulk_upsert(connection, LINKS, rows, ["entity", "xero_id"])


#: the columns ``save_links`` writes, in order
_SAVED = ("entity", "xero_id", "crm_table", "crm_id", "snapshot", "xero_updated_at", "synced_at")
