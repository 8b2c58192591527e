"""Pull the organisation's currencies into ``currency`` rows.

One unpaged call for the currencies, and one for the organisation (its base
currency) when the pass asks for it: Xero does not let an organisation change
its base currency once set, so the pass reads it only when the CRM has no
home currency yet, on a full resync and on a daily check (``engine.passes``),
and otherwise takes the CRM's home currency. Each currency is compared with
its row and only differences are written; the base currency is the home one,
at ``rate_to_home`` 1. The rate columns of the other currencies belong to the
exchange-rates refresh (``engine.rates``), which runs right after this step.
With the option ``import_currencies`` off the pass skips both and makes no
call for them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Table, select, update

from xerodesk.domain.sync import Counts, EntityKind
from xerodesk.engine.cursors import WalkPlan
from xerodesk.engine.pull import PageOutcome, WriteContext
from xerodesk.engine.steps.common import report_malformed, resolve_malformed
from xerodesk.errors import MalformedRecordError
from xerodesk.mapping.currencies import (
    XERO_OWNED_CURRENCY_COLUMNS,
    home_currency_of,
    map_currencies,
    map_currency,
)
from xerodesk.store.models import Currency
from xerodesk.store.state import load_cursor
from xerodesk.store.upsert import bulk_upsert
from xerodesk.xero.client import XeroClient
from xerodesk.xero.paging import Page

CURRENCIES: Table = Currency.__table__  # type: ignore[assignment]
ENTITY = EntityKind.CURRENCIES.value
ORGANISATION_KEY = "organisation"
#: how often the organisation is read again for its base currency (a check: Xero
#: does not let an organisation change its base currency once set)
ORGANISATION_REFRESH = timedelta(hours=24)


@dataclass
class CurrenciesStep:
    """The organisation's base currency (``home`` when already known), then its
    currencies (one page)."""

    entity: EntityKind = EntityKind.CURRENCIES
    home: str | None = None
    organisation_error: str | None = None
    #: read the organisation for its base currency (always when ``home`` is None)
    read_organisation: bool = True

    async def walk(self, client: XeroClient, plan: WalkPlan) -> AsyncIterator[Page]:
        if self.read_organisation or self.home is None:
            organisation = await client.organisation()
            try:
                self.home = home_currency_of(organisation)
            except MalformedRecordError as error:
                self.home, self.organisation_error = None, str(error)
        async for page in client.currencies():
            yield page

    def write_page(self, connection: Connection, page: Page, context: WriteContext) -> PageOutcome:
        if self.home is None:
            reason = self.organisation_error or "the organisation has no base currency"
            report_malformed(connection, ENTITY, [(ORGANISATION_KEY, reason)], context.run_id)
            return PageOutcome(Counts(skipped=len(page.records)))
        resolve_malformed(connection, ENTITY, [ORGANISATION_KEY])
        try:
            rows = map_currencies(page.records, self.home)
        except MalformedRecordError:
            rows = _map_each(connection, page.records, self.home, context.run_id)
        return PageOutcome(write_currencies(connection, rows))


def organisation_due(connection: Connection, full: bool, now: datetime) -> bool:
    """Whether a pass reads the organisation for its base currency: when the CRM
    has no home currency, on a full resync, and ``ORGANISATION_REFRESH`` after
    the last read that gave one (the currencies cursor's ``last_refresh_at``)."""
    if full or known_home_currency(connection) is None:
        return True
    last = load_cursor(connection, ENTITY).last_refresh_at
    return last is None or now - last >= ORGANISATION_REFRESH


def known_home_currency(connection: Connection) -> str | None:
    """The CRM's home currency, when exactly one row says it is home."""
    codes = list(
        connection.execute(
            select(CURRENCIES.c.code).where(CURRENCIES.c.is_home.is_(True))
        ).scalars()
    )
    return str(codes[0]) if len(codes) == 1 else None


def _map_each(
    connection: Connection, records: Sequence[Mapping[str, Any]], home: str, run_id: int | None
) -> list[dict[str, Any]]:
    """The currencies that map, one by one; the others go to review."""
    rows: list[dict[str, Any]] = []
    failed: list[tuple[str | None, str]] = []
    for record in records:
        try:
            rows.append(map_currency(record, home))
        except MalformedRecordError as error:
            code = record.get("Code") if isinstance(record, Mapping) else None
            failed.append((code if isinstance(code, str) else None, str(error)))
    report_malformed(connection, ENTITY, failed, run_id)
    unique = {row["code"]: row for row in rows}
    if home not in unique:
        unique[home] = map_currency({"Code": home}, home)
    return list(unique.values())


def write_currencies(connection: Connection, rows: Sequence[Mapping[str, Any]]) -> Counts:
    """Insert new currencies, update changed ones; the home one at rate 1."""
    existing = {
        code: (description, bool(is_home), rate)
        for code, description, is_home, rate in connection.execute(
            select(
                CURRENCIES.c.code,
                CURRENCIES.c.description,
                CURRENCIES.c.is_home,
                CURRENCIES.c.rate_to_home,
            )
        )
    }
    todo = [
        row
        for row in rows
        if row["code"] not in existing
        or existing[row["code"]][:2] != (row["description"], row["is_home"])
    ]
    if todo:
        owned = [c for c in XERO_OWNED_CURRENCY_COLUMNS if c != "code"]
        bulk_upsert(connection, CURRENCIES, [dict(row) for row in todo], ["code"], update=owned)
    home = [row["code"] for row in rows if row["is_home"]]
    if home and (home[0] not in existing or existing[home[0]][2] != Decimal(1)):
        connection.execute(
            update(CURRENCIES).where(CURRENCIES.c.code == home[0]).values(rate_to_home=Decimal(1))
        )
    created = sum(1 for row in todo if row["code"] not in existing)
    return Counts(created=created, updated=len(todo) - created, unchanged=len(rows) - len(todo))
