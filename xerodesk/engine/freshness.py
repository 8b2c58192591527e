"""How old the CRM's copy of each entity is: the time of its last successful read.

An entity was last read successfully at the end of the last run in which its
step finished: every page read and saved and its cursor moved on. The run log
says so per run and entity (``xd_run_entity.finished_at``, written in the
transaction that moves the cursor, see ``engine.pull``). Neither of the other
records would do:

- the cursor (``xd_cursor``) is touched by every page a walk saves, by the
  balance re-read and by the sweep: a run that wrote two pages of invoices and
  then failed would make invoices look fresh; and its modified-since point is
  Xero's clock of the newest change, not when the CRM last looked;
- a run's outcome is the whole pass's: a pass that read contacts whole and then
  failed on invoices says ``failed`` although the contacts are fresh, and one
  whose walk was stopped for a suspicious page still says ``ok``.

So an entity is fresh as of a run only when its own step finished there,
whatever happened to the rest of that run. The time is the run's end (for a
run still under way, or one whose process died, the moment the entity's walk
finished). Entities never read whole have no time and no age.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from xerodesk.domain.sync import PULL_ORDER, EntityKind
from xerodesk.store.xd_models import SyncRun, SyncRunEntity

__all__ = ["PLAIN_NAMES", "EntityFreshness", "age_text", "entity_freshness"]

#: each entity as an admin knows it, in the order they look for it
PLAIN_NAMES: dict[str, str] = {
    EntityKind.CONTACTS.value: "Customers and suppliers",
    EntityKind.ITEMS.value: "Products and stock",
    EntityKind.INVOICES.value: "Invoices",
    EntityKind.CREDIT_NOTES.value: "Credit notes",
    EntityKind.PURCHASE_ORDERS.value: "Purchase orders",
    EntityKind.TAX_RATES.value: "VAT codes",
    EntityKind.CURRENCIES.value: "Currencies",
}


def _count(value: int, unit: str) -> str:
    return f"{value} {unit}{'' if value == 1 else 's'}"


def age_text(seconds: int | None) -> str:
    """``read 3 minutes ago``, ``read just now``, ``not read yet``."""
    if seconds is None:
        return "not read yet"
    if seconds < 60:
        return "read just now"
    if seconds < 3600:
        return f"read {_count(seconds // 60, 'minute')} ago"
    if seconds < 48 * 3600:
        return f"read {_count(seconds // 3600, 'hour')} ago"
    return f"read {_count(seconds // 86400, 'day')} ago"


@dataclass(frozen=True)
class EntityFreshness:
    """One entity's last successful read and its age at ``as_of``."""

    entity: str
    last_read_at: datetime | None
    as_of: datetime

    @property
    def age_seconds(self) -> int | None:
        if self.last_read_at is None:
            return None
        return max(0, round((self.as_of - self.last_read_at).total_seconds()))

    @property
    def line(self) -> str:
        """``Customers and suppliers: read 3 minutes ago``."""
        return f"{PLAIN_NAMES.get(self.entity, self.entity)}: {age_text(self.age_seconds)}"

    def to_json(self) -> dict[str, Any]:
        return {
            "last_read_at": self.last_read_at.isoformat() if self.last_read_at else None,
            "age_seconds": self.age_seconds,
        }


def entity_freshness(
    connection: Connection, now: datetime, entities: tuple[EntityKind, ...] = PULL_ORDER
) -> list[EntityFreshness]:
    """Per entity (in ``entities``' order), its last successful read as of ``now``."""
    read_at = func.coalesce(SyncRun.finished_at, SyncRunEntity.finished_at)
    rows = connection.execute(
        select(SyncRunEntity.entity, func.max(read_at))
        .join(SyncRun, SyncRun.id == SyncRunEntity.run_id)
        .where(
            SyncRunEntity.finished_at.is_not(None),
            SyncRunEntity.entity.in_([entity.value for entity in entities]),
        )
        .group_by(SyncRunEntity.entity)
    ).all()
    last: dict[str, datetime] = {str(entity): at for entity, at in rows}
    return [EntityFreshness(entity.value, last.get(entity.value), now) for entity in entities]
