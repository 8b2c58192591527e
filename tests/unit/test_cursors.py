"""Cursor rules: what a walk asks for and how far the cursor may move."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from xerodesk.engine.cursors import (
    OVERLAP,
    ResumeState,
    after_page,
    next_cursor,
    plan_walk,
)

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
aware = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)


def test_first_walk_is_full_from_page_one() -> None:
    plan = plan_walk(None, None, full=False)
    assert (plan.since, plan.start_page, plan.full) == (None, 1, True)


def test_incremental_walk_overlaps_the_cursor() -> None:
    plan = plan_walk(T0, None, full=False)
    assert plan.since == T0 - OVERLAP
    assert plan.start_page == 1 and not plan.full


def test_full_resync_ignores_the_cursor() -> None:
    plan = plan_walk(T0, None, full=True)
    assert plan.since is None and plan.full


def test_interrupted_walk_resumes_where_it_stopped() -> None:
    resume = ResumeState(since=T0, started_at=T0 + timedelta(hours=1), next_page=7, full=False)
    plan = plan_walk(T0, resume, full=False)
    assert (plan.since, plan.start_page, plan.started_at) == (T0, 7, T0 + timedelta(hours=1))


def test_interrupted_full_walk_resumes_even_when_asked_for_full() -> None:
    resume = ResumeState(since=None, started_at=T0, next_page=40, full=True)
    assert plan_walk(None, resume, full=True).start_page == 40


def test_interrupted_incremental_walk_gives_way_to_a_full_resync() -> None:
    resume = ResumeState(since=T0, started_at=T0, next_page=3, full=False)
    plan = plan_walk(T0, resume, full=True)
    assert plan.full and plan.start_page == 1


def test_resume_state_round_trips_through_json() -> None:
    state = after_page(plan_walk(T0, None, full=False), T0 + timedelta(seconds=3), 4)
    again = ResumeState.from_json(state.to_json())
    assert again == state and again is not None and again.next_page == 5
    assert ResumeState.from_json(None) is None
    assert ResumeState.from_json({"next_page": "x"}) is None


@given(current=st.none() | aware, started=st.none() | aware, newest=st.none() | aware)
def test_cursor_never_moves_back(
    current: datetime | None, started: datetime | None, newest: datetime | None
) -> None:
    result = next_cursor(current, started, newest)
    if current is not None:
        assert result is not None and result >= current
    if started is not None:
        assert result is not None and result >= started
    if current is None and started is None:
        assert result == newest


def test_cursor_prefers_the_walk_start_over_the_newest_record() -> None:
    # a record edited during the walk is newer than the walk's start: the next
    # pass must still ask from the start, or records skipped mid-walk are lost
    assert next_cursor(T0, T0 + timedelta(minutes=1), T0 + timedelta(minutes=5)) == T0 + timedelta(
        minutes=1
    )
