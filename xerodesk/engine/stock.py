"""Stock on hand of tracked items, read where it may have moved.

Xero moves a tracked item's ``QuantityOnHand`` only through transactions
("The only way to change the quantity and value of tracked items is by
creating accounting transactions": Xero's Items documentation,
https://developer.xero.com/documentation/api/accounting/items), and its
documentation does not say that such a move gives the item a new
``UpdatedDateUTC``, so the items step's changes-only read cannot be trusted
to carry it. After a pass's documents, this module reads the stock that may
have moved:

- the tracked items on the lines of the sales invoices and credit notes the
  pass read (``where`` on their codes, a few a call): a sale shows in the
  CRM's stock in the pass that reads it;
- every tracked item (``where=IsTrackedAsInventory==true``) once
  ``STOCK_CHECK`` has passed since the last such read, for the transactions
  the sync does not read (bills, bank transactions, inventory adjustments).

The items found are written through the items writer, which skips the
unchanged, so a check that finds nothing moved writes and audits nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, select

from xerodesk.domain.sync import Counts, EntityKind
from xerodesk.engine.dbworker import DbWorker
from xerodesk.engine.pull import PageOutcome, WriteContext
from xerodesk.engine.steps.items import write_item_page
from xerodesk.store.models import Product, StockLevel
from xerodesk.store.options import Options
from xerodesk.store.state import add_run_counts, load_cursor, save_cursor
from xerodesk.xero.client import XeroClient
from xerodesk.xero.endpoints import ITEMS
from xerodesk.xero.paging import Page

__all__ = [
    "STOCK_CHECK",
    "STOCK_CURSOR",
    "TRACKED",
    "StockCheck",
    "check_stock",
    "stock_check_due",
]

#: how often every tracked item's stock is read, for moves the sync cannot see
STOCK_CHECK = timedelta(hours=1)
#: the cursor row that remembers the last whole stock check (its ``last_refresh_at``)
STOCK_CURSOR = EntityKind.ITEMS.value
#: Xero's filter for tracked items
TRACKED = "IsTrackedAsInventory==true"
#: item codes per ``where`` (short URLs: Xero's fail at a few thousand characters)
CODES_PER_CALL = 25


@dataclass
class StockCheck:
    counts: Counts
    calls: int = 0
    #: every tracked item was read
    whole: bool = False


def stock_check_due(connection: Connection, now: datetime) -> bool:
    """Whether every tracked item's stock should be read now (``STOCK_CHECK``)."""
    last = load_cursor(connection, STOCK_CURSOR).last_refresh_at
    return last is None or now - last >= STOCK_CHECK


def stocked_codes(connection: Connection, codes: Iterable[str]) -> list[str]:
    """The codes among ``codes`` of CRM products that carry stock (tracked in Xero)."""
    wanted = sorted(set(codes))
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        query = (
            select(Product.product_item_id)
            .join(StockLevel, StockLevel.product_id == Product.id)
            .where(Product.product_item_id.in_(chunk))
        )
        found.update(str(code) for code in connection.execute(query).scalars())
    return sorted(found)


def _code_filters(codes: Sequence[str]) -> list[str]:
    """``where`` texts naming ``codes``, a few a call; every tracked item in one call
    when that is fewer calls, or when a code holds a quote."""
    if not codes:
        return []
    if len(codes) > CODES_PER_CALL or any('"' in code for code in codes):
        return [TRACKED]
    filters = []
    for start in range(0, len(codes), CODES_PER_CALL):
        names = "||".join(f'Code=="{code}"' for code in codes[start : start + CODES_PER_CALL])
        filters.append(f"{TRACKED}&&({names})")
    return filters


def _write(connection: Connection, page: Page, context: WriteContext) -> PageOutcome:
    outcome = write_item_page(connection, page, context)
    if context.run_id is not None:
        c = outcome.counts
        add_run_counts(
            connection,
            context.run_id,
            context.entity.value,
            updated=c.created + c.updated,
            skipped=c.skipped,
            calls=1,
        )
    return outcome


async def check_stock(
    client: XeroClient,
    db: DbWorker,
    moved_codes: Iterable[str],
    options: Options,
    now: datetime,
    run_id: int | None = None,
) -> StockCheck:
    """Read the stock that may have moved (see the module docstring) and write it."""
    whole = await db.read(stock_check_due, now)
    if whole:
        filters = [TRACKED]
    else:
        filters = _code_filters(await db.read(stocked_codes, moved_codes))
    result = StockCheck(Counts(), whole=whole)
    context = WriteContext(EntityKind.ITEMS, run_id, options, False)
    for where in filters:
        async for page in client.pages(ITEMS, where=where):
            result.calls += 1
            outcome = await db.write(_write, page, context)
            result.counts += outcome.counts
    if whole:
        await db.write(save_cursor, STOCK_CURSOR, last_refresh_at=now)
    return result
