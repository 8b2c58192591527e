"""Cursor rules: pure functions deciding what to ask Xero and how far a cursor may move.

Reads are ordered newest first (``UpdatedDateUTC DESC``). A record edited
while pages are read jumps to the front, so the records not yet read only
move further back: they are read twice at worst, never skipped. The edited
record itself is newer than the start of the walk, so the next pass, which
asks for everything modified since that start (less an overlap), reads it.
Hence the cursor advances to the server time at which the walk began, and
only once the whole walk is saved; an interrupted walk keeps its cursor and
resumes from the page it reached.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

#: re-read this much before the cursor: Xero compares at one-second precision
OVERLAP = timedelta(seconds=5)
#: the order every incremental walk uses (see the module docstring)
WALK_ORDER = "UpdatedDateUTC DESC"


@dataclass(frozen=True)
class WalkPlan:
    """What one walk of an entity asks for."""

    since: datetime | None
    start_page: int
    started_at: datetime | None
    full: bool


@dataclass(frozen=True)
class ResumeState:
    """Where an interrupted walk stands, saved with each page it commits."""

    since: datetime | None
    started_at: datetime | None
    next_page: int
    full: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat() if self.since else None,
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "next_page": self.next_page,
            "full": self.full,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> ResumeState | None:
        if not data or not isinstance(data.get("next_page"), int):
            return None
        return cls(
            since=_parse(data.get("since")),
            started_at=_parse(data.get("started_at")),
            next_page=int(data["next_page"]),
            full=bool(data.get("full")),
        )


def _parse(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def plan_walk(modified_since: datetime | None, resume: ResumeState | None, full: bool) -> WalkPlan:
    """The walk to make: resume an interrupted one, or start from the cursor.

    A full resync starts from nothing unless a full walk was interrupted, in
    which case it resumes that walk.
    """
    if resume is not None and (resume.full or not full):
        return WalkPlan(resume.since, resume.next_page, resume.started_at, resume.full)
    if full or modified_since is None:
        return WalkPlan(None, 1, None, True)
    return WalkPlan(modified_since - OVERLAP, 1, None, False)


def next_cursor(
    current: datetime | None, walk_started_at: datetime | None, newest_seen: datetime | None
) -> datetime | None:
    """The cursor once a walk is wholly saved: the walk's start, never moving back.

    Without a server time for the start (an endpoint that sends none), the
    newest ``UpdatedDateUTC`` read stands in.
    """
    candidate = walk_started_at or newest_seen
    if candidate is None:
        return current
    if current is None:
        return candidate
    return max(current, candidate)


def after_page(plan: WalkPlan, started_at: datetime | None, page: int) -> ResumeState:
    """The resume state to save with page ``page`` of a walk."""
    return ResumeState(plan.since, started_at, page + 1, plan.full)
