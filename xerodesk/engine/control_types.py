"""What the desktop app's facade speaks in: targets, runners, gauges and summaries.

The value types of ``xerodesk.engine.controller`` (which re-exports them), the
protocol of a runner, and the database checks the Connection tab uses.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import Engine

from xerodesk.domain.sync import Counts, Phase
from xerodesk.machine_defaults import load_machine_defaults
from xerodesk.store import migrate
from xerodesk.store.database import display_url, open_engine
from xerodesk.store.options import seed_defaults
from xerodesk.store.organisation import OwnOrganisation, read_owner

log = logging.getLogger(__name__)


class Change(StrEnum):
    """What a listener is told has changed (the payload is the new value, if any)."""

    DATABASE = "database"
    CONNECTION = "connection"
    PROGRESS = "progress"
    USAGE = "usage"
    RUNNING = "running"
    PASS_FINISHED = "pass_finished"
    PUSHED = "pushed"
    SCHEDULE = "schedule"
    REVIEW = "review"
    OPTIONS = "options"
    SIGN_IN_NEEDED = "sign_in_needed"
    PROBLEM = "problem"


Listener = Callable[[Change, object], None]
Message = dict[str, Any]


@dataclass(frozen=True)
class XeroTarget:
    """Which Xero to sync with: an API root (None: Xero itself) and how to sign in.

    With ``client_id`` and ``client_secret``, a custom connection (e.g. a
    server's); otherwise the keyring's sign-in of ``tenant_id`` (or the
    default organisation). ``demo_size`` makes the runner serve the demo
    company itself and connect to it.
    """

    label: str
    xero_url: str | None = None
    tenant_id: str | None = None
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    time_scale: float = 1.0
    #: serve a generated sandbox organisation of this size (the demo company)
    demo_size: str | None = None

    @property
    def demo(self) -> bool:
        return self.demo_size is not None

    def to_message(self) -> Message:
        return {
            "demo_size": self.demo_size,
            "xero_url": self.xero_url,
            "tenant_id": self.tenant_id,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "time_scale": self.time_scale,
        }


class Runner(Protocol):
    """Where passes run; messages come back through ``on_message`` on the loop."""

    async def start(
        self, db_url: str, target: XeroTarget, on_message: Callable[[Message], None]
    ) -> Message:
        """Start and connect; the ``ready`` message, or raise with the reason."""
        ...

    def send(self, command: Message) -> None: ...

    async def close(self) -> None: ...


@dataclass(frozen=True)
class DatabaseInfo:
    url: str
    shown: str
    dialect: str
    #: the Xero organisation it is synced with (``None``: not connected yet)
    owner: OwnOrganisation | None = None


def owner_of(ready: Message, target: XeroTarget) -> tuple[str, str, str]:
    """Tenant id, name and where that Xero lives, of a runner's ``ready`` message."""
    xero = "demo" if target.demo else (target.xero_url or "xero")
    return str(ready.get("tenant_id") or ""), str(ready.get("organisation") or ""), xero


@dataclass(frozen=True)
class ConnectionInfo:
    label: str
    tenant_id: str
    organisation: str
    demo: bool


@dataclass
class EntityProgress:
    """Where one entity stands in the pass in hand (the live half of the status tab)."""

    entity: str
    phase: Phase = Phase.WAITING
    #: part of the pass in hand (or of the last one)
    included: bool = True
    counts: Counts = field(default_factory=Counts)
    expected: int | None = None
    pages: int = 0
    calls: int = 0
    message: str | None = None

    @property
    def fraction(self) -> float | None:
        if self.phase is Phase.DONE:
            return 1.0
        if not self.expected:
            return None
        return min(1.0, self.counts.done / self.expected)


@dataclass(frozen=True)
class CallUsage:
    """The call gauges: what the limits allow and what is left."""

    taken_at: datetime
    calls: int
    calls_last_minute: int
    minute_limit: int
    minute_remaining: int | None
    daily_limit: int
    remaining_today: int

    @property
    def used_today(self) -> int:
        return max(0, self.daily_limit - self.remaining_today)

    @classmethod
    def from_message(cls, data: Mapping[str, Any], taken_at: datetime) -> CallUsage:
        """The gauges from the runner's ``usage`` message."""
        return cls(
            taken_at,
            int(data.get("calls", 0)),
            int(data.get("calls_last_minute", 0)),
            int(data.get("minute_limit", 60)),
            data.get("minute_remaining"),
            int(data.get("daily_limit", 5000)),
            int(data.get("remaining_today", 0)),
        )


@dataclass(frozen=True)
class PassSummary:
    outcome: str
    message: str | None
    run_id: int | None
    calls: int
    new_review_items: int
    full: bool
    only: tuple[str, ...]
    counts: dict[str, Counts]
    finished_at: datetime
    #: records sent to Xero, refused and held back, before and after the pull
    pushes: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_report(
        cls, report: Mapping[str, Any], request: Mapping[str, Any], finished_at: datetime
    ) -> PassSummary:
        """The summary of the runner's report (a ``finished`` message) of ``request``."""
        entities = report.get("entities") or {}
        return cls(
            str(report.get("outcome") or "cancelled"),
            report.get("message"),
            report.get("run_id"),
            int(report.get("calls") or 0),
            int(report.get("new_review_items") or 0),
            bool(request.get("full")),
            tuple(request.get("only") or ()),
            {name: _counts(figures) for name, figures in entities.items()},
            finished_at,
            {k: int(v) for k, v in (report.get("pushes") or {}).items()},
        )


def _counts(data: Mapping[str, Any]) -> Counts:
    return Counts(
        *(int(data.get(k, 0)) for k in ("created", "updated", "unchanged", "skipped", "errors"))
    )


def open_migrated(url: str) -> Engine:
    """An engine on ``url``, migrated to the current schema with every option seeded."""
    engine = open_engine(url)
    try:
        if migrate.current_revision(engine) != migrate.head_revision():
            migrate.upgrade(engine)
        with engine.begin() as connection:
            seed_defaults(connection, load_machine_defaults().options)
    except BaseException:
        engine.dispose()
        raise
    return engine


def database_owner(url: str) -> OwnOrganisation | None:
    """The Xero organisation the database at ``url`` is synced with (nothing is changed)."""
    engine = open_engine(url)
    try:
        return read_owner(engine)
    finally:
        engine.dispose()


def check_database(url: str) -> str:
    """Prove the database answers; says whether its schema is current (no changes made)."""
    engine = open_engine(url)
    try:
        current = migrate.current_revision(engine)
    finally:
        engine.dispose()
    if current is None:
        return f"Connected to {display_url(url)}. It is empty: opening it creates the CRM tables."
    if current != migrate.head_revision():
        return f"Connected to {display_url(url)}. Opening it upgrades its schema."
    return f"Connected to {display_url(url)}. The schema is up to date."
