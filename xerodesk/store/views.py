"""Read queries for the desktop app's tabs, returning plain dataclasses.

Each function takes a Connection and runs on the engine's database worker;
nothing here holds a row or a session after it returns. The run log and the
review queue page by limit and offset; the mapping tables' queries are in
``mapping_views``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    case,
    func,
    or_,
    select,
)

from xerodesk.store.mapping_views import escape_like
from xerodesk.store.models import (
    Quote,
    SalesLedger,
)
from xerodesk.store.xd_models import (
    AuditEntry,
    RecordLink,
    ReviewItem,
    SyncCursor,
    SyncRun,
    SyncRunEntity,
)

_COUNTS = ("created", "updated", "unchanged", "skipped", "errors", "pages", "calls")


@dataclass(frozen=True)
class Figures:
    """What one pass did to one entity (or, summed, to all)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    errors: int = 0
    pages: int = 0
    calls: int = 0


@dataclass(frozen=True)
class EntityStatus:
    """One row of the sync status tab, as the database knows it."""

    entity: str
    modified_since: datetime | None
    last_full_at: datetime | None
    last_run_id: int | None
    last_run_at: datetime | None
    last_outcome: str | None
    figures: Figures
    linked: int


@dataclass(frozen=True)
class RunRow:
    id: int
    trigger: str
    started_at: datetime
    finished_at: datetime | None
    outcome: str | None
    calls_used: int
    message: str | None
    totals: Figures

    @property
    def seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


@dataclass(frozen=True)
class ReviewRow:
    id: int
    kind: str
    title: str
    explanation: str
    record_table: str | None
    record_id: int | None
    xero_id: str | None
    details: dict[str, Any]
    actions: list[str]
    run_id: int | None
    created_at: datetime
    updated_at: datetime | None
    resolved_at: datetime | None
    resolution: str | None
    #: a Xero record is linked under the item's Xero id (None: not known)
    linked: bool | None = None
    #: action → why it cannot be done now (``engine.review_queue``; empty: not asked)
    blocked: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RunDetail:
    run: RunRow
    entities: dict[str, Figures]
    reviews: list[ReviewRow]
    changes: int


@dataclass(frozen=True)
class ReviewFilter:
    """``state``: ``open``, ``resolved`` or ``all``; ``text`` matches title or explanation."""

    kind: str | None = None
    state: str = "open"
    text: str = ""


@dataclass(frozen=True)
class StoppedCustomer:
    """A customer on stop (archived in Xero) and the quotes that wait on it."""

    ledger_id: int
    name: str
    account_number: str | None
    xero_id: str | None
    balance_outstanding: Decimal | None
    open_quotes: list[str] = field(default_factory=list)
    blocked_quotes: list[str] = field(default_factory=list)


# --- sync status -------------------------------------------------------------


def _figures(row: Any) -> Figures:
    return Figures(*(int(getattr(row, name) or 0) for name in _COUNTS))


def entity_status(connection: Connection, entities: list[str]) -> list[EntityStatus]:
    """Per entity: the cursor, the last run that touched it and its figures, links held."""
    cursors = {
        r.entity: r
        for r in connection.execute(
            select(SyncCursor.entity, SyncCursor.modified_since, SyncCursor.last_full_at)
        )
    }
    latest = select(func.max(SyncRunEntity.id)).group_by(SyncRunEntity.entity).scalar_subquery()
    figures = [getattr(SyncRunEntity, name) for name in _COUNTS]
    runs = {
        r.entity: r
        for r in connection.execute(
            select(
                SyncRunEntity.entity,
                SyncRunEntity.run_id,
                SyncRun.started_at,
                SyncRun.outcome,
                *figures,
            )
            .join(SyncRun, SyncRun.id == SyncRunEntity.run_id)
            .where(SyncRunEntity.id.in_(latest))
        )
    }
    linked = dict(
        connection.execute(
            select(RecordLink.entity, func.count()).group_by(RecordLink.entity)
        ).all()
    )
    found: list[EntityStatus] = []
    for entity in entities:
        cursor = cursors.get(entity)
        run = runs.get(entity)
        found.append(
            EntityStatus(
                entity,
                cursor.modified_since if cursor else None,
                cursor.last_full_at if cursor else None,
                run.run_id if run else None,
                run.started_at if run else None,
                run.outcome if run else None,
                _figures(run) if run else Figures(),
                int(linked.get(entity, 0)),
            )
        )
    return found


# --- run log -----------------------------------------------------------------


def _run_query() -> Select[Any]:
    sums = (
        select(
            SyncRunEntity.run_id.label("run_id"),
            *(func.sum(getattr(SyncRunEntity, name)).label(name) for name in _COUNTS),
        )
        .group_by(SyncRunEntity.run_id)
        .subquery()
    )
    runs = SyncRun.__table__
    return select(runs, *(sums.c[name] for name in _COUNTS)).outerjoin(
        sums, sums.c.run_id == runs.c.id
    )


def _run_row(row: Any) -> RunRow:
    return RunRow(
        row.id,
        row.trigger,
        row.started_at,
        row.finished_at,
        row.outcome,
        row.calls_used or 0,
        row.message,
        _figures(row),
    )


def list_runs(connection: Connection, limit: int = 200, offset: int = 0) -> list[RunRow]:
    """The latest runs first, each with its figures summed over its entities."""
    query = _run_query().order_by(SyncRun.id.desc()).limit(limit).offset(offset)
    return [_run_row(row) for row in connection.execute(query)]


def run_detail(connection: Connection, run_id: int) -> RunDetail | None:
    """One run: its figures per entity, the review items it raised, fields it changed."""
    row = connection.execute(_run_query().where(SyncRun.id == run_id)).first()
    if row is None:
        return None
    entities = {
        r.entity: _figures(r)
        for r in connection.execute(
            select(SyncRunEntity.__table__)
            .where(SyncRunEntity.run_id == run_id)
            .order_by(SyncRunEntity.id)
        )
    }
    reviews = [
        _review_row(r)
        for r in connection.execute(
            _review_query().where(ReviewItem.run_id == run_id).order_by(ReviewItem.id)
        )
    ]
    changes = connection.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.run_id == run_id)
    )
    return RunDetail(_run_row(row), entities, reviews, int(changes or 0))


# --- review queue ------------------------------------------------------------


_REVIEW = ReviewItem.__table__


def _review_row(item: Any) -> ReviewRow:
    return ReviewRow(
        item.id,
        item.kind,
        item.title,
        item.explanation,
        item.record_table,
        item.record_id,
        item.xero_id,
        dict(item.details or {}),
        [str(action) for action in item.actions or []],
        item.run_id,
        item.created_at,
        item.updated_at,
        item.resolved_at,
        item.resolution,
        bool(item.linked),
    )


def _review_query() -> Select[Any]:
    linked = (
        select(RecordLink.id)
        .where(
            RecordLink.entity.in_(("contacts", "items")),
            RecordLink.xero_id == ReviewItem.xero_id,
        )
        .exists()
    )
    return select(_REVIEW, linked.label("linked"))


def _review_conditions(wanted: ReviewFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if wanted.state == "open":
        conditions.append(ReviewItem.resolved_at.is_(None))
    elif wanted.state == "resolved":
        conditions.append(ReviewItem.resolved_at.is_not(None))
    if wanted.kind:
        conditions.append(ReviewItem.kind == wanted.kind)
    text = wanted.text.strip().lower()
    if text:
        pattern = f"%{escape_like(text)}%"
        conditions.append(
            or_(
                func.lower(ReviewItem.title).like(pattern, escape="\\"),
                func.lower(ReviewItem.explanation).like(pattern, escape="\\"),
                func.lower(func.coalesce(ReviewItem.xero_id, "")).like(pattern, escape="\\"),
            )
        )
    return conditions


def list_review(
    connection: Connection, wanted: ReviewFilter, limit: int = 500, offset: int = 0
) -> list[ReviewRow]:
    """Review items matching ``wanted``, newest first."""
    query = (
        _review_query()
        .where(*_review_conditions(wanted))
        .order_by(ReviewItem.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [_review_row(item) for item in connection.execute(query)]


def review_item(connection: Connection, item_id: int) -> ReviewRow | None:
    item = connection.execute(_review_query().where(ReviewItem.id == item_id)).first()
    return _review_row(item) if item is not None else None


def review_kinds(connection: Connection) -> dict[str, int]:
    """Every kind in the queue, with how many of its items are open."""
    open_count = func.sum(case((ReviewItem.resolved_at.is_(None), 1), else_=0))
    rows = connection.execute(
        select(ReviewItem.kind, open_count).group_by(ReviewItem.kind).order_by(ReviewItem.kind)
    )
    return {kind: int(count or 0) for kind, count in rows}


def stopped_customers(connection: Connection, limit: int = 500) -> list[StoppedCustomer]:
    """Customers on stop, with their open quotes and the confirmed ones held back."""
    ledgers = connection.execute(
        select(
            SalesLedger.id,
            SalesLedger.name,
            SalesLedger.account_number,
            SalesLedger.sales_ledger_id,
            SalesLedger.balance_outstanding,
        )
        .where(SalesLedger.on_stop.is_(True))
        .order_by(SalesLedger.name, SalesLedger.id)
        .limit(limit)
    ).all()
    ids = [row.id for row in ledgers]
    open_quotes: dict[int, list[str]] = {}
    blocked: dict[int, list[str]] = {}
    if ids:
        quotes = connection.execute(
            select(
                Quote.sales_ledger_id, Quote.id, Quote.quote_number, Quote.status, Quote.push_state
            )
            .where(Quote.sales_ledger_id.in_(ids))
            .order_by(Quote.id)
        )
        for quote in quotes:
            label = quote.quote_number or f"quote {quote.id}"
            if quote.push_state == "blocked":
                blocked.setdefault(quote.sales_ledger_id, []).append(label)
            elif quote.status == "Open":
                open_quotes.setdefault(quote.sales_ledger_id, []).append(label)
    return [
        StoppedCustomer(
            row.id,
            row.name or f"customer {row.id}",
            row.account_number,
            row.sales_ledger_id,
            row.balance_outstanding,
            open_quotes.get(row.id, []),
            blocked.get(row.id, []),
        )
        for row in ledgers
    ]
