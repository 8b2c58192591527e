"""How far the pass in hand has come, and about how long it has left.

The unit is the page: each entity's walk reads its records a page (a call) at
a time. How many pages an entity has is known once Xero's first page says how
many records there are (``EntityProgress.expected``); before that, from the
records the CRM holds from the last full read, or one page for a walk of the
changes since the last pass. An entity never read whole before has no known
size until its first page comes, and while any has none, the time left is not
known either: the app says "estimating…" rather than guess.

The time left is the time so far spread over the pages done; pages differ (a
page of invoices takes longer than one of tax rates), so it is an estimate
that improves as the pass goes on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from xerodesk.domain.sync import EntityKind, Phase
from xerodesk.engine.budget import GROUPS, REFERENCE, _known, _walk_estimate, reference_due
from xerodesk.engine.control_types import EntityProgress
from xerodesk.store.options import Options
from xerodesk.store.types import utcnow
from xerodesk.xero.endpoints import MAX_PAGE_SIZE
from xerodesk.xero.usage import pages_needed

#: phases after which an entity reads no more pages in the pass
ENDED = (Phase.DONE, Phase.FAILED, Phase.CANCELLED)


def pass_sizes(
    connection: Connection,
    only: tuple[EntityKind, ...],
    full: bool,
    now: datetime | None = None,
) -> dict[str, int | None]:
    """Pages each entity of a pass is expected to read; None where nobody knows yet."""
    now = now or utcnow()
    options = Options.load(connection)
    sizes: dict[str, int | None] = {}
    for entity in only:
        if entity is EntityKind.CURRENCIES and not options.import_currencies:
            sizes[entity.value] = 0
        elif GROUPS.get(entity) == REFERENCE:
            sizes[entity.value] = int(reference_due(connection, entity, full, now))
        else:
            kind, pages = _walk_estimate(connection, entity, full, now)
            unknown = kind in ("full read", "resume") and _known(connection, entity) == 0
            sizes[entity.value] = None if unknown else pages
    return sizes


@dataclass(frozen=True)
class Overall:
    """The pass as a whole: pages done of pages expected, and the time it has taken."""

    done: int
    #: None while some entity's size is not known
    total: int | None
    elapsed: float
    entities: int
    entities_ended: int

    @property
    def fraction(self) -> float:
        """Of the pass done: by pages when every size is known, else by entities."""
        if self.total:
            return min(1.0, self.done / self.total)
        if self.total == 0:
            return 1.0 if self.entities_ended == self.entities else 0.0
        return self.entities_ended / self.entities if self.entities else 0.0

    @property
    def remaining(self) -> float | None:
        """Seconds left at the pace so far; None when it cannot be said yet."""
        if self.total is None or self.done < 1 or self.elapsed <= 0:
            return None
        return max(0.0, self.elapsed * (self.total - self.done) / self.done)


def overall(
    progress: Mapping[str, EntityProgress],
    sizes: Mapping[str, int | None] | None,
    elapsed: float,
) -> Overall:
    """The overall progress of the pass from each entity's (``sizes``: ``pass_sizes``)."""
    done = 0
    total: int | None = 0
    included = ended = 0
    for name, entry in progress.items():
        if not entry.included or name == "push":
            continue
        included += 1
        size = _size(entry, (sizes or {}).get(name))
        if entry.phase in ENDED:
            ended += 1
            size = entry.pages if size is None else max(size, entry.pages)
            done += size
        else:
            done += entry.pages if size is None else min(entry.pages, size)
        total = None if total is None or size is None else total + size
    return Overall(done, total, elapsed, included, ended)


def _size(entry: EntityProgress, planned: int | None) -> int | None:
    """An entity's pages: from Xero's count of its records once known, else the plan's."""
    if entry.expected:
        size: int | None = pages_needed(entry.expected, MAX_PAGE_SIZE)
    else:
        size = planned
    return None if size is None else max(size, entry.pages)
