"""Exchange rates from a rates service: providers, and keeping ``currency`` up to date.

Xero has no live exchange rates, so they come from elsewhere. A provider is
anything with ``async fetch() -> ReferenceRates`` (units of each currency per
one unit of its ``base``); the default reads the European Central Bank's
daily reference rates XML from the ``rates_source_url`` option. The rates
are crossed to the organisation's home currency and written to
``currency.rate_to_home``/``rate_date``/``rate_source``, with one
``exchange_rate`` history row per currency, day and source.

A rates service that cannot be reached, or answers something unreadable,
never fails the pass: the last rates stay, and a review item
(``rates_unavailable``) says why until a later fetch succeeds. The feed
changes once a day, so it is read at most once an hour, sooner when the
feed's address or the organisation's currencies change.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol
from urllib.parse import urlparse

import httpx
from sqlalchemy import Connection, Table, bindparam, select, update

from xerodesk.domain.rates import ReferenceRates
from xerodesk.engine.dbworker import DbWorker
from xerodesk.errors import UnreachableError
from xerodesk.mapping.currencies import (
    ECB_BASE,
    ECB_SOURCE,
    RatesFeedError,
    cross_rates,
    currency_rate_columns,
    exchange_rate_rows,
    parse_ecb_daily,
)
from xerodesk.store.models import Currency, ExchangeRate
from xerodesk.store.options import ECB_DAILY_URL
from xerodesk.store.state import (
    ReviewRequest,
    load_cursor,
    raise_review,
    resolve_reviews,
    save_cursor,
)
from xerodesk.store.types import utcnow
from xerodesk.store.upsert import bulk_upsert
from xerodesk.xero.endpoints import XeroEndpoints

log = logging.getLogger(__name__)

CURRENCIES: Table = Currency.__table__  # type: ignore[assignment]
HISTORY: Table = ExchangeRate.__table__  # type: ignore[assignment]
#: the cursor row that remembers the last successful fetch
RATES_CURSOR = "exchange_rates"
#: review item kind (and key) while the rates service fails
RATES_UNAVAILABLE = "rates_unavailable"
#: review item kind (and key) while some currency has no quoted rate
RATES_MISSING = "rates_missing"
#: the feed changes daily; reading it more often than this gains nothing
REFRESH_INTERVAL = timedelta(hours=1)
#: the path of the ECB-format feed a sandbox serves beside its API
SANDBOX_FEED_PATH = "/rates/eurofxref-daily.xml"


class RatesUnavailableError(UnreachableError):
    """The rates service could not be reached or sent nothing usable."""


class RatesProvider(Protocol):
    """A source of reference rates."""

    @property
    def source(self) -> str:
        """The ``rate_source`` / ``exchange_rate.source`` text of its rates."""
        ...

    @property
    def base(self) -> str:
        """The currency its rates are quoted against (EUR for the ECB)."""
        ...

    async def fetch(self) -> ReferenceRates:
        """The latest day's rates; ``RatesUnavailableError`` saying why when there are none."""
        ...


RatesProviderFactory = Callable[[str], RatesProvider]


@dataclass
class EcbDailyRates:
    """The ECB's ``eurofxref-daily.xml`` (or a feed in the same format) over HTTP."""

    url: str
    timeout: float = 30.0
    transport: httpx.AsyncBaseTransport | None = None
    base: str = ECB_BASE

    @property
    def source(self) -> str:
        return source_label(self.url)

    async def fetch(self) -> ReferenceRates:
        try:
            async with httpx.AsyncClient(
                timeout=self.timeout, transport=self.transport, follow_redirects=True
            ) as http:
                response = await http.get(self.url, headers={"Accept": "application/xml"})
        except httpx.HTTPError as error:
            raise RatesUnavailableError(
                f"could not reach the rates service at {self.url}: {error or type(error).__name__}"
            ) from None
        if response.status_code != 200:
            raise RatesUnavailableError(
                f"the rates service at {self.url} answered HTTP {response.status_code}"
            )
        try:
            return parse_ecb_daily(response.content)
        except RatesFeedError as error:
            raise RatesUnavailableError(f"the rates service sent unusable rates: {error}") from None


def source_label(url: str) -> str:
    """``ECB`` for the ECB's feed (or a sandbox's copy of it), else the feed's host."""
    parsed = urlparse(url)
    if url == ECB_DAILY_URL or parsed.path.endswith(SANDBOX_FEED_PATH):
        return ECB_SOURCE
    return (parsed.hostname or url)[:255]


def rates_url(option_url: str, endpoints: XeroEndpoints) -> str:
    """The feed to read: the option, except that against a sandbox (any API root
    but Xero's) the default ECB address means the sandbox's own copy of it."""
    if option_url == ECB_DAILY_URL and endpoints.api != XeroEndpoints().api:
        return endpoints.namespace.rstrip("/") + SANDBOX_FEED_PATH
    return option_url


def default_provider(url: str) -> RatesProvider:
    return EcbDailyRates(url)


# --- when to read the feed ----------------------------------------------------


def _currency_codes(connection: Connection) -> list[str]:
    return sorted(str(code) for code in connection.execute(select(CURRENCIES.c.code)).scalars())


def _last_read(url: str, connection: Connection) -> dict[str, object]:
    return {"url": url, "codes": _currency_codes(connection)}


def rates_due(connection: Connection, url: str, now: datetime) -> bool:
    """Read the feed: never read, an hour passed, another feed or other currencies."""
    cursor = load_cursor(connection, RATES_CURSOR)
    if cursor.last_refresh_at is None or now - cursor.last_refresh_at >= REFRESH_INTERVAL:
        return True
    return cursor.resume != _last_read(url, connection)


# --- writing ------------------------------------------------------------------


@dataclass(frozen=True)
class RatesApplied:
    """What one refresh did."""

    fetched: bool = False
    as_of: date | None = None
    updated: int = 0
    missing: tuple[str, ...] = ()
    error: str | None = None


def apply_rates(
    connection: Connection, reference: ReferenceRates, base: str, source: str
) -> RatesApplied:
    """Cross ``reference`` to the home currency and write the currencies that changed."""
    current = {
        code: (bool(is_home), rate, as_of, src)
        for code, is_home, rate, as_of, src in connection.execute(
            select(
                CURRENCIES.c.code,
                CURRENCIES.c.is_home,
                CURRENCIES.c.rate_to_home,
                CURRENCIES.c.rate_date,
                CURRENCIES.c.rate_source,
            )
        )
    }
    homes = [code for code, values in current.items() if values[0]]
    if not homes:
        return RatesApplied(fetched=True, as_of=reference.as_of, missing=tuple(sorted(current)))
    crossed = cross_rates(reference.rates, homes[0], base=base)
    wanted = {code: crossed[code] for code in current if code in crossed}
    changes = [
        {"key": code, **currency_rate_columns(rate, reference.as_of, source)}
        for code, rate in wanted.items()
        if current[code][1:] != (rate, reference.as_of, source)
    ]
    if changes:
        connection.execute(
            update(CURRENCIES)
            .where(CURRENCIES.c.code == bindparam("key"))
            .values(
                rate_to_home=bindparam("rate_to_home"),
                rate_date=bindparam("rate_date"),
                rate_source=bindparam("rate_source"),
            ),
            changes,
        )
    history = {code: rate for code, rate in wanted.items() if code != homes[0]}
    if history:
        rows = exchange_rate_rows(history, reference.as_of, source)
        bulk_upsert(connection, HISTORY, rows, ["currency_code", "as_of", "source"], ["rate"])
    missing = tuple(sorted(code for code in current if code not in crossed))
    return RatesApplied(True, reference.as_of, len(changes), missing)


def _record_success(
    connection: Connection, applied: RatesApplied, url: str, source: str, now: datetime
) -> None:
    save_cursor(connection, RATES_CURSOR, last_refresh_at=now, resume=_last_read(url, connection))
    resolve_reviews(connection, RATES_UNAVAILABLE, "rates service answered")
    if not applied.missing:
        resolve_reviews(connection, RATES_MISSING, "every currency has a rate")
        return
    shown = ", ".join(applied.missing)
    raise_review(
        connection,
        ReviewRequest(
            kind=RATES_MISSING,
            dedupe_key=RATES_MISSING,
            title=f"No exchange rate for {shown}"[:255],
            explanation=(
                f"The rates service ({source}) does not quote {shown}, so the CRM has no "
                "rate for it. Enter the rate by hand, or choose a rates source that quotes it."
            ),
            details={"currencies": list(applied.missing), "source": source},
        ),
    )


def _record_failure(connection: Connection, reason: str, url: str, run_id: int | None) -> None:
    save_cursor(connection, RATES_CURSOR, resume=None)  # the next pass tries again
    last = connection.execute(
        select(CURRENCIES.c.rate_date).where(CURRENCIES.c.rate_date.is_not(None))
    ).scalars()
    latest = max(last, default=None)
    kept = f"the last rates (of {latest.isoformat()}) are kept" if latest else "no rates yet"
    raise_review(
        connection,
        ReviewRequest(
            kind=RATES_UNAVAILABLE,
            dedupe_key=RATES_UNAVAILABLE,
            title="Exchange rates could not be updated",
            explanation=(
                f"{reason}. Currencies and the rest of the sync are unaffected: {kept}. "
                "The next sync tries again; check the exchange rates source in the options "
                "if this persists."
            ),
            details={"url": url, "reason": reason},
            actions=("retry", "dismiss"),
        ),
        run_id,
    )


def _apply_and_record(
    connection: Connection,
    reference: ReferenceRates,
    provider: RatesProvider,
    url: str,
    now: datetime,
) -> RatesApplied:
    applied = apply_rates(connection, reference, provider.base, provider.source)
    _record_success(connection, applied, url, provider.source, now)
    return applied


async def refresh_rates(
    db: DbWorker,
    provider: RatesProvider,
    url: str,
    *,
    run_id: int | None = None,
    force: bool = False,
) -> RatesApplied:
    """Fetch and apply the rates when due; a failure becomes a review item, not an error."""
    now = utcnow()
    if not force and not await db.read(rates_due, url, now):
        return RatesApplied()
    try:
        reference = await provider.fetch()
        return await db.write(_apply_and_record, reference, provider, url, now)
    except (RatesUnavailableError, RatesFeedError) as error:
        log.warning("exchange rates not updated: %s", error)
        await db.write(_record_failure, str(error), url, run_id)
        return RatesApplied(error=str(error))
