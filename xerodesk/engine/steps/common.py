"""What every pull step shares: mapping a page, sending bad records to review."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import Connection, update

from xerodesk.domain.sync import Counts
from xerodesk.engine.pull import PageOutcome, WriteContext
from xerodesk.errors import MalformedRecordError
from xerodesk.mapping.reader import ID_MAX
from xerodesk.store.rows import any_of
from xerodesk.store.state import ReviewRequest, raise_review
from xerodesk.store.types import utcnow
from xerodesk.store.xd_models import ReviewItem
from xerodesk.xero.paging import Page

M = TypeVar("M")

MALFORMED = "malformed_record"


@dataclass
class MappedPage(Generic[M]):
    """A page's records mapped, and the ones that could not be, with the reason."""

    mapped: list[M] = field(default_factory=list)
    failed: list[tuple[str | None, str]] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    #: snapshots made with the mapping (by ``id()`` of each mapped record), if any
    snapshots: dict[int, dict[str, Any]] = field(default_factory=dict)
    #: the records' table rows made with the mapping (a step's own kind), if any
    rows: Any = None


def storable_id(value: object) -> str | None:
    """A record's id as a review item can hold it: text of at most ``ID_MAX``
    characters without NUL or unpaired surrogates (PostgreSQL refuses NUL, and
    no database takes a surrogate); anything else → None, and the review item
    names the record by its reason instead (whose text is made printable)."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not value or len(value) > ID_MAX or "\x00" in value:
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return value


def map_page(
    records: Sequence[Mapping[str, Any]],
    mapper: Callable[[Mapping[str, Any]], M],
    id_field: str,
) -> MappedPage[M]:
    """Map every record; a record that cannot be mapped is set aside, the rest go on."""
    page: MappedPage[M] = MappedPage()
    for record in records:
        xero_id = storable_id(record.get(id_field)) if isinstance(record, Mapping) else None
        try:
            page.mapped.append(mapper(record))
        except MalformedRecordError as error:
            page.failed.append((xero_id, str(error)))
            continue
        if xero_id:
            page.ids.append(xero_id)
    return page


def made_snapshot(
    made: Mapping[int, dict[str, Any]] | None,
    record: M,
    make: Callable[[M], dict[str, Any]],
) -> dict[str, Any]:
    """The snapshot of ``record`` made with its mapping (by ``id()``), or made now."""
    if made is not None:
        snapshot = made.get(id(record))
        if snapshot is not None:
            return snapshot
    return make(record)


def malformed_key(entity: str, xero_id: str | None, reason: str) -> str:
    return f"{MALFORMED}:{entity}:{xero_id or reason[:120]}"


def report_malformed(
    connection: Connection,
    entity: str,
    failed: Sequence[tuple[str | None, str]],
    run_id: int | None,
) -> None:
    """One review item per record skipped, naming the record and the reason. An id
    no column can hold is left out: the reason names the record, made printable."""
    for raw_id, reason in failed:
        xero_id = storable_id(raw_id)
        raise_review(
            connection,
            ReviewRequest(
                kind=MALFORMED,
                dedupe_key=malformed_key(entity, xero_id, reason),
                title=f"Skipped a Xero record: {reason}"[:255],
                explanation=(
                    f"{reason}. The record was not imported; the rest of the page was. "
                    "Correct it in Xero and it will be imported on the next sync."
                ),
                xero_id=xero_id,
                details={"entity": entity, "reason": reason},
                actions=("retry", "dismiss"),
            ),
            run_id,
        )


def resolve_malformed(connection: Connection, entity: str, xero_ids: Sequence[str]) -> None:
    """Close the review items of records that now import cleanly."""
    if not xero_ids:
        return
    keys = [malformed_key(entity, x, "") for x in xero_ids]
    for start in range(0, len(keys), 1_000):
        connection.execute(
            update(ReviewItem)
            .where(any_of(connection, ReviewItem.dedupe_key, keys[start : start + 1_000]))
            .where(ReviewItem.resolved_at.is_(None))
            .values(resolved_at=utcnow(), resolution="fixed in Xero")
        )


class Dated(Protocol):
    """A mapped record that knows when Xero last changed it."""

    @property
    def updated_at(self) -> datetime: ...


D = TypeVar("D", bound=Dated)


def write_mapped_page(
    connection: Connection,
    page: Page,
    context: WriteContext,
    mapper: Callable[[Mapping[str, Any]], D],
    id_field: str,
    write: Callable[[Sequence[D]], Counts],
    prepared: MappedPage[D] | None = None,
) -> PageOutcome:
    """What every step does with a page: map it (unless ``prepared`` holds it
    mapped already), send the records that cannot be mapped to review (closing
    the items of those that now can), write the rest with ``write``, and report
    the counts and the newest change read."""
    entity = context.entity.value
    result = prepared if prepared is not None else map_page(page.records, mapper, id_field)
    report_malformed(connection, entity, result.failed, context.run_id)
    resolve_malformed(connection, entity, result.ids)
    counts = write(result.mapped)
    newest = max((m.updated_at for m in result.mapped), default=None)
    return PageOutcome(counts + Counts(skipped=len(result.failed)), newest)


def line_item_codes(records: Iterable[Mapping[str, Any]]) -> set[str]:
    """The item codes on the lines of Xero documents (invoices, credit notes)."""
    codes: set[str] = set()
    for record in records:
        for line in record.get("LineItems") or ():
            code = line.get("ItemCode") if isinstance(line, Mapping) else None
            if isinstance(code, str) and code.strip():
                codes.add(code.strip())
    return codes
