"""xerodesk's own bookkeeping in the ``xd_`` tables: cursors, runs, review items.

Plain functions of a Connection, called inside the transaction that writes
the data they describe, so that state and data commit together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from xerodesk.store.types import utcnow
from xerodesk.store.xd_models import ReviewItem, SyncCursor, SyncRun, SyncRunEntity


@dataclass(frozen=True)
class CursorRow:
    entity: str
    modified_since: datetime | None
    resume: dict[str, Any] | None
    last_full_at: datetime | None
    last_refresh_at: datetime | None
    last_reconcile_at: datetime | None


def load_cursor(connection: Connection, entity: str) -> CursorRow:
    row = connection.execute(
        select(
            SyncCursor.modified_since,
            SyncCursor.resume,
            SyncCursor.last_full_at,
            SyncCursor.last_refresh_at,
            SyncCursor.last_reconcile_at,
        ).where(SyncCursor.entity == entity)
    ).first()
    if row is None:
        return CursorRow(entity, None, None, None, None, None)
    return CursorRow(entity, *row)


def save_cursor(connection: Connection, /, entity: str, **values: Any) -> None:
    """Set columns of an entity's cursor row, creating the row when needed."""
    values["updated_at"] = utcnow()
    exists = connection.execute(select(SyncCursor.id).where(SyncCursor.entity == entity)).first()
    if exists is None:
        connection.execute(insert(SyncCursor).values(entity=entity, **values))
    else:
        connection.execute(update(SyncCursor).where(SyncCursor.entity == entity).values(**values))


@dataclass(frozen=True)
class ReviewRequest:
    """A review item to raise: one open item per ``dedupe_key``."""

    kind: str
    dedupe_key: str
    title: str
    explanation: str
    record_table: str | None = None
    record_id: int | None = None
    xero_id: str | None = None
    details: dict[str, Any] | None = None
    actions: tuple[str, ...] = ("dismiss",)


def raise_review(connection: Connection, item: ReviewRequest, run_id: int | None = None) -> int:
    """Open a review item, or refresh the open one with the same key; returns its id."""
    now = utcnow()
    values: dict[str, Any] = {
        "kind": item.kind,
        "title": item.title[:255],
        "explanation": item.explanation,
        "record_table": item.record_table,
        "record_id": item.record_id,
        "xero_id": item.xero_id,
        "details": item.details,
        "actions": list(item.actions),
        "run_id": run_id,
        "updated_at": now,
    }
    open_item = connection.execute(
        select(ReviewItem.id).where(
            ReviewItem.dedupe_key == item.dedupe_key, ReviewItem.resolved_at.is_(None)
        )
    ).first()
    if open_item is not None:
        connection.execute(update(ReviewItem).where(ReviewItem.id == open_item[0]).values(values))
        return int(open_item[0])
    result = connection.execute(
        insert(ReviewItem).values(dedupe_key=item.dedupe_key[:255], created_at=now, **values)
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def resolve_reviews(connection: Connection, dedupe_key: str, resolution: str) -> int:
    """Close the open items of ``dedupe_key`` (the cause went away); returns how many."""
    result = connection.execute(
        update(ReviewItem)
        .where(ReviewItem.dedupe_key == dedupe_key, ReviewItem.resolved_at.is_(None))
        .values(resolved_at=utcnow(), resolution=resolution)
    )
    return int(result.rowcount or 0)


def start_run(connection: Connection, trigger: str, runner: str | None = None) -> int:
    result = connection.execute(
        insert(SyncRun).values(
            trigger=trigger, started_at=utcnow(), outcome="running", calls_used=0, runner=runner
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def finish_run(
    connection: Connection,
    run_id: int,
    outcome: str,
    calls_used: int,
    message: str | None,
    read: tuple[int, int] = (0, 0),
) -> None:
    """End a run: its outcome, calls, message and the bytes it read (as read, on the wire)."""
    connection.execute(
        update(SyncRun)
        .where(SyncRun.id == run_id)
        .values(
            finished_at=utcnow(),
            outcome=outcome,
            calls_used=calls_used,
            message=message,
            bytes_read=read[0],
            wire_bytes=read[1],
        )
    )


COUNT_FIELDS = ("created", "updated", "unchanged", "skipped", "errors", "pages", "calls")


def add_run_counts(connection: Connection, run_id: int, entity: str, **counts: int) -> None:
    """Add to an entity's figures for a run (created, updated, unchanged, skipped, …)."""
    unknown = set(counts) - set(COUNT_FIELDS)
    if unknown:
        raise ValueError(f"unknown run counts {sorted(unknown)}")
    columns = [SyncRunEntity.__table__.c[name] for name in ("id", *COUNT_FIELDS)]
    row = connection.execute(
        select(*columns).where(SyncRunEntity.run_id == run_id, SyncRunEntity.entity == entity)
    ).first()
    if row is None:
        base = dict.fromkeys(COUNT_FIELDS, 0)
        base.update(counts)
        connection.execute(insert(SyncRunEntity).values(run_id=run_id, entity=entity, **base))
        return
    if not counts:
        return
    connection.execute(
        update(SyncRunEntity)
        .where(SyncRunEntity.id == row.id)
        .values({k: getattr(row, k) + v for k, v in counts.items()})
    )


def mark_entity_read(connection: Connection, run_id: int, entity: str, at: datetime) -> None:
    """Say that ``entity`` was read whole in the run (its walk finished at ``at``).

    Written in the transaction that moves the entity's cursor on, so the run log
    and the cursor agree; a walk that stops or fails before then leaves it unset.
    """
    add_run_counts(connection, run_id, entity)
    connection.execute(
        update(SyncRunEntity)
        .where(SyncRunEntity.run_id == run_id, SyncRunEntity.entity == entity)
        .values(finished_at=at)
    )
