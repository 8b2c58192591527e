"""Read queries that return plain dataclasses, never ORM rows."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from xerodesk.store.xd_models import OutboxItem, ReviewItem, SyncCursor, SyncRun


@dataclass(frozen=True)
class CursorState:
    entity: str
    modified_since: datetime | None
    last_full_at: datetime | None
    last_refresh_at: datetime | None
    last_reconcile_at: datetime | None


@dataclass(frozen=True)
class RunSummary:
    id: int
    trigger: str
    started_at: datetime
    finished_at: datetime | None
    outcome: str | None
    calls_used: int
    message: str | None


@dataclass(frozen=True)
class StatusSnapshot:
    cursors: list[CursorState]
    last_runs: list[RunSummary]
    outbox: dict[str, int] = field(default_factory=dict)
    open_review: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        return _jsonable(data)  # type: ignore[no-any-return]


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def status_snapshot(connection: Connection, runs: int = 5) -> StatusSnapshot:
    """Cursors, the latest runs, the outbox by state and open review items by kind."""
    cursors = [
        CursorState(
            r.entity, r.modified_since, r.last_full_at, r.last_refresh_at, r.last_reconcile_at
        )
        for r in connection.execute(select(SyncCursor).order_by(SyncCursor.entity))
    ]
    last = connection.execute(select(SyncRun).order_by(SyncRun.id.desc()).limit(runs))
    last_runs = [
        RunSummary(r.id, r.trigger, r.started_at, r.finished_at, r.outcome, r.calls_used, r.message)
        for r in last
    ]
    outbox = dict(
        connection.execute(select(OutboxItem.state, func.count()).group_by(OutboxItem.state)).all()
    )
    review = dict(
        connection.execute(
            select(ReviewItem.kind, func.count())
            .where(ReviewItem.resolved_at.is_(None))
            .group_by(ReviewItem.kind)
        ).all()
    )
    return StatusSnapshot(cursors, last_runs, outbox, review)
