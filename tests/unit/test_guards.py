"""Sanity guards on walks: a repeated page stops the walk; skipped records are counted."""

from __future__ import annotations

from typing import Any

from xerodesk.domain.sync import EntityKind
from xerodesk.engine.guards import WalkWatch
from xerodesk.xero.limits import LimitHeaders
from xerodesk.xero.paging import Page, Pagination


def page(number: int, ids: list[str], item_count: int | None = None) -> Page:
    records: list[dict[str, Any]] = [{"ContactID": i, "Name": i} for i in ids]
    pagination = Pagination(number, 2, None, item_count) if item_count is not None else None
    return Page("Contacts", records, number, 2, pagination, False, LimitHeaders(), None)


def test_a_repeated_page_stops_the_walk() -> None:
    watch = WalkWatch(EntityKind.CONTACTS)
    assert watch.observe(page(1, ["a", "b"])) is None
    problem = watch.observe(page(2, ["b", "a"]))
    assert problem is not None
    assert problem.kind == "sanity_guard"
    assert "page 2" in problem.title and "contacts" in problem.title


def test_empty_pages_do_not_count_as_repeats() -> None:
    watch = WalkWatch(EntityKind.CONTACTS)
    assert watch.observe(page(1, [])) is None
    assert watch.observe(page(2, [])) is None


def test_records_counted_but_never_seen_are_missing() -> None:
    watch = WalkWatch(EntityKind.CONTACTS)
    watch.observe(page(1, ["a", "b"], item_count=5))
    watch.observe(page(2, ["c", "b"], item_count=5))  # "b" again: shifted, "d" skipped
    watch.observe(page(3, ["e"], item_count=5))
    assert watch.missing() == 1
    complete = WalkWatch(EntityKind.CONTACTS)
    complete.observe(page(1, ["a", "b"], item_count=3))
    complete.observe(page(2, ["c"], item_count=3))
    assert complete.missing() == 0


def test_a_resumed_walk_cannot_judge_what_is_missing() -> None:
    watch = WalkWatch(EntityKind.CONTACTS, start_page=4)
    watch.observe(page(4, ["x"], item_count=4000))
    assert watch.missing() == 0
