"""Pull Xero tax rates into ``vat_code`` rows (country type × transaction type).

Xero sends every tax rate in one unpaged answer and honours no
If-Modified-Since, so each pass reads the whole list and compares each rate
with the snapshot last written: unchanged rates cost nothing. A changed
active rate replaces its rows (rows it no longer applies to are switched
off); a rate that becomes DELETED, ARCHIVED or PENDING, or disappears from
the list, switches its rows off (``active`` false). Rows are never deleted:
the CRM's quotes may name them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, func, select, update

from xerodesk.domain.sync import Counts, EntityKind
from xerodesk.engine.cursors import WalkPlan
from xerodesk.engine.links import LINKS, load_links, save_links, snapshot_value
from xerodesk.engine.pull import PageOutcome, WriteContext
from xerodesk.engine.steps.common import map_page, report_malformed, resolve_malformed
from xerodesk.engine.steps.documents import write_counts
from xerodesk.engine.steps.snapshots import changed
from xerodesk.mapping.tax_rates import VAT_CODE_KEY, MappedTaxRate, map_tax_rate
from xerodesk.store.models import VatCode
from xerodesk.store.upsert import bulk_upsert
from xerodesk.xero.client import XeroClient
from xerodesk.xero.paging import Page

VAT_CODES: Table = VatCode.__table__  # type: ignore[assignment]
ENTITY = EntityKind.TAX_RATES.value


@dataclass
class TaxRatesStep:
    """Every tax rate, in one call (the list is always complete)."""

    entity: EntityKind = EntityKind.TAX_RATES

    def walk(self, client: XeroClient, plan: WalkPlan) -> AsyncIterator[Page]:
        return client.tax_rates()

    def write_page(self, connection: Connection, page: Page, context: WriteContext) -> PageOutcome:
        result = map_page(page.records, map_tax_rate, "TaxType")
        report_malformed(connection, ENTITY, result.failed, context.run_id)
        resolve_malformed(connection, ENTITY, result.ids)
        counts = write_tax_rates(connection, result.mapped)
        present = {m.code for m in result.mapped} | {x for x, _ in result.failed if x}
        switch_off_missing(connection, present)
        return PageOutcome(counts + Counts(skipped=len(result.failed)))


def tax_rate_snapshot(mapped: MappedTaxRate) -> dict[str, Any]:
    return {"status": mapped.status.value, "rows": snapshot_value(list(mapped.rows))}


def write_tax_rates(connection: Connection, mapped: Sequence[MappedTaxRate]) -> Counts:
    """Write the rates that changed since their snapshot."""
    records = list({m.code: m for m in mapped}.values())
    links = load_links(connection, ENTITY, [m.code for m in records])
    snapshots = {m.code: tax_rate_snapshot(m) for m in records}
    todo = [m for m in records if changed(links.get(m.code), snapshots[m.code])]
    if not todo:
        return Counts(unchanged=len(records))
    _switch_off(connection, [m.code for m in todo])
    rows = [row for m in todo if m.active for row in m.rows]
    if rows:
        bulk_upsert(connection, VAT_CODES, rows, list(VAT_CODE_KEY))
    first = _first_row_ids(connection, [m.code for m in todo])
    save_links(
        connection,
        ENTITY,
        [(m.code, "vat_code", first.get(m.code, 0), snapshots[m.code], None) for m in todo],
    )
    created = sum(1 for m in todo if m.code not in links)
    return write_counts(len(todo), len(records), created)


def switch_off_missing(connection: Connection, present: set[str]) -> int:
    """Rates Xero no longer lists at all are switched off like deleted ones."""
    known = connection.execute(select(LINKS.c.xero_id).where(LINKS.c.entity == ENTITY)).scalars()
    gone = [code for code in known if code not in present]
    return _switch_off(connection, gone) if gone else 0


def _switch_off(connection: Connection, codes: Sequence[str]) -> int:
    result = connection.execute(
        update(VAT_CODES)
        .where(VAT_CODES.c.code.in_(list(codes)), VAT_CODES.c.active.is_not(False))
        .values(active=False)
    )
    return int(result.rowcount or 0)


def _first_row_ids(connection: Connection, codes: Sequence[str]) -> dict[str, int]:
    query = (
        select(VAT_CODES.c.code, func.min(VAT_CODES.c.id))
        .where(VAT_CODES.c.code.in_(list(codes)))
        .group_by(VAT_CODES.c.code)
    )
    return {str(code): int(row_id) for code, row_id in connection.execute(query)}
