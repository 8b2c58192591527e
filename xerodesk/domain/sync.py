"""What the engine syncs and how it reports: entity kinds, phases, progress events."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class EntityKind(StrEnum):
    """Every entity the engine pulls, in dependency order (see ``PULL_ORDER``)."""

    TAX_RATES = "tax_rates"
    CURRENCIES = "currencies"
    CONTACTS = "contacts"
    ITEMS = "items"
    INVOICES = "invoices"
    CREDIT_NOTES = "credit_notes"
    PURCHASE_ORDERS = "purchase_orders"


#: reference data and master data before the documents that link to them
#: the triggers of runs that are not passes: pushes sent between passes, and reads
#: of the records named by Xero's webhook events
PUSH_TRIGGER, WEBHOOK_TRIGGER = "push", "webhook"
NOT_PASSES = (PUSH_TRIGGER, WEBHOOK_TRIGGER)

PULL_ORDER: tuple[EntityKind, ...] = (
    EntityKind.TAX_RATES,
    EntityKind.CURRENCIES,
    EntityKind.CONTACTS,
    EntityKind.ITEMS,
    EntityKind.INVOICES,
    EntityKind.CREDIT_NOTES,
    EntityKind.PURCHASE_ORDERS,
)


def parse_entities(text: str | None) -> tuple[EntityKind, ...]:
    """``contacts,items`` → the kinds in pull order; empty → all. ValueError names a bad one."""
    if not text:
        return PULL_ORDER
    wanted = {part.strip().lower().replace("-", "_") for part in text.split(",") if part.strip()}
    known = {kind.value for kind in EntityKind}
    unknown = sorted(wanted - known)
    if unknown:
        raise ValueError(
            f"unknown entit{'y' if len(unknown) == 1 else 'ies'} {', '.join(unknown)}; "
            f"choose from {', '.join(k.value for k in PULL_ORDER)}"
        )
    return tuple(kind for kind in PULL_ORDER if kind.value in wanted)


class Phase(StrEnum):
    """Where an entity's sync stands within a pass."""

    WAITING = "waiting"
    READING = "reading"
    WRITING = "writing"
    REFRESHING = "refreshing"
    PUSHING = "pushing"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Counts:
    """What happened to the records of one entity."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    errors: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.created + other.created,
            self.updated + other.updated,
            self.unchanged + other.unchanged,
            self.skipped + other.skipped,
            self.errors + other.errors,
        )

    @property
    def done(self) -> int:
        return self.created + self.updated + self.unchanged + self.skipped


@dataclass(frozen=True)
class ProgressEvent:
    """One step of progress, for the GUI's bars and the terminal display."""

    entity: str
    phase: Phase
    counts: Counts = field(default_factory=Counts)
    expected: int | None = None
    pages: int = 0
    calls: int = 0
    minute_remaining: int | None = None
    day_remaining: int | None = None
    message: str | None = None
    at: datetime | None = None


ProgressSink = Callable[[ProgressEvent], None]


def ignore_progress(_event: ProgressEvent) -> None:
    """A sink that drops every event."""
