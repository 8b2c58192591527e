"""Exchange rates: the provider interface, the ECB reader, and a rates service that fails.

A failing rates service never fails the pass: the last rates stay and one
review item says why, until a later pass reads the rates again.
"""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select

from tests.support import orgs
from tests.support.sandbox import RunningSandbox
from tests.support.sync import CLIENT_ENV, sync_pass, table_rows
from xerodesk.domain.rates import ReferenceRates
from xerodesk.domain.sync import EntityKind
from xerodesk.engine.dbworker import DbWorker
from xerodesk.engine.pass_types import PassReport, PassRequest
from xerodesk.engine.passes import PassRunner
from xerodesk.engine.rates import (
    RATES_MISSING,
    RATES_UNAVAILABLE,
    EcbDailyRates,
    RatesProvider,
    RatesUnavailableError,
)
from xerodesk.store.options import set_option
from xerodesk.store.xd_models import ReviewItem
from xerodesk.xero.connect import open_client

D = Decimal
REFERENCE = (EntityKind.TAX_RATES, EntityKind.CURRENCIES)
ECB_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01"
 xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
 <gesmes:subject>Reference rates</gesmes:subject>
 <Cube><Cube time="2026-03-02"><Cube currency="USD" rate="1.0800"/>
 <Cube currency="GBP" rate="0.8000"/></Cube></Cube>
</gesmes:Envelope>"""


@pytest.fixture
def reference(make_sandbox: Any) -> RunningSandbox:
    running: RunningSandbox = make_sandbox(rate_limits="off")
    running.control("POST", "/load", orgs.documents_org())
    return running


def run(sandbox: RunningSandbox, engine: Engine, **kwargs: Any) -> PassReport:
    report = asyncio.run(sync_pass(sandbox, engine, only=REFERENCE, **kwargs))
    assert report.outcome == "ok", report.message
    return report


def open_reviews(engine: Engine) -> dict[str, str]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(ReviewItem.kind, ReviewItem.explanation).where(ReviewItem.resolved_at.is_(None))
        )
        return {kind: explanation for kind, explanation in rows}


def rates(engine: Engine) -> dict[str, tuple[Any, ...]]:
    return {
        r["code"]: (r["rate_to_home"], r["rate_date"], r["rate_source"])
        for r in table_rows(engine, "currency")
    }


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:9/eurofxref-daily.xml", "could not reach the rates service"),
        ("{base}/_sandbox/state", "not well-formed XML"),  # answers, but not rates
        ("{base}/no/such/feed.xml", "answered HTTP 404"),
    ],
    ids=["unreachable", "broken", "missing"],
)
def test_rates_service_down_keeps_the_last_rates_and_raises_a_review_item(
    reference: RunningSandbox, db_engine: Engine, url: str, reason: str
) -> None:
    run(reference, db_engine)
    before = rates(db_engine)
    assert before["EUR"][0] is not None
    with db_engine.begin() as connection:
        set_option(connection, "rates_source_url", url.format(base=reference.base_url))
    report = run(reference, db_engine)
    assert report.new_review_items == 1
    assert rates(db_engine) == before
    explanation = open_reviews(db_engine)[RATES_UNAVAILABLE]
    assert reason in explanation and "last rates" in explanation
    assert len(table_rows(db_engine, "exchange_rate")) == 2
    run(reference, db_engine)  # still down: the same item, not another
    assert len([k for k in open_reviews(db_engine) if k == RATES_UNAVAILABLE]) == 1
    with db_engine.begin() as connection:
        feed = f"{reference.base_url}/rates/eurofxref-daily.xml"
        set_option(connection, "rates_source_url", feed)
    run(reference, db_engine)
    assert RATES_UNAVAILABLE not in open_reviews(db_engine)


def test_rates_service_down_on_the_first_pass(reference: RunningSandbox, db_engine: Engine) -> None:
    with db_engine.begin() as connection:
        set_option(connection, "rates_source_url", "http://127.0.0.1:9/eurofxref-daily.xml")
    report = run(reference, db_engine)
    assert report.entities["currencies"].counts.created == 3
    assert "no rates yet" in open_reviews(db_engine)[RATES_UNAVAILABLE]
    home = rates(db_engine)["GBP"]
    assert home[0] == D(1)


class FixedRates:
    """A provider quoting against USD, as another rates service might."""

    source = "Test bank"
    base = "USD"

    def __init__(self, url: str) -> None:
        self.url = url

    async def fetch(self) -> ReferenceRates:
        return ReferenceRates(date(2026, 3, 2), {"GBP": D("0.8"), "EUR": D("0.9")})


async def _pass_with(sandbox: RunningSandbox, engine: Engine, provider: type[Any]) -> PassReport:
    db = DbWorker(engine)
    try:
        client = await open_client(xero_url=sandbox.base_url, env=CLIENT_ENV)
        async with client:
            runner = PassRunner(client, db, rates=provider)
            return await runner.run(PassRequest(trigger="test", only=REFERENCE))
    finally:
        db.close()


def test_another_provider_is_crossed_to_the_home_currency(
    reference: RunningSandbox, db_engine: Engine
) -> None:
    provider: type[RatesProvider] = FixedRates
    report = asyncio.run(_pass_with(reference, db_engine, provider))
    assert report.outcome == "ok"
    found = rates(db_engine)
    assert found["USD"] == (D("1.25"), date(2026, 3, 2), "Test bank")
    assert found["EUR"] == (D("1.125"), date(2026, 3, 2), "Test bank")
    assert found["GBP"] == (D(1), date(2026, 3, 2), "Test bank")
    assert RATES_MISSING not in open_reviews(db_engine)


class NoEuro(FixedRates):
    async def fetch(self) -> ReferenceRates:
        return ReferenceRates(date(2026, 3, 2), {"GBP": D("0.8")})


def test_a_currency_the_feed_does_not_quote_is_reported(
    reference: RunningSandbox, db_engine: Engine
) -> None:
    asyncio.run(_pass_with(reference, db_engine, NoEuro))
    assert rates(db_engine)["EUR"][0] is None
    assert "EUR" in open_reviews(db_engine)[RATES_MISSING]


# --- the ECB reader on its own -------------------------------------------------


def _reader(handler: Any) -> EcbDailyRates:
    return EcbDailyRates(
        "https://rates.example/eurofxref-daily.xml", transport=httpx.MockTransport(handler)
    )


def test_ecb_reader_parses_the_feed() -> None:
    reader = _reader(lambda request: httpx.Response(200, content=ECB_XML))
    reference = asyncio.run(reader.fetch())
    assert reference.as_of == date(2026, 3, 2)
    assert reference.rates == {"USD": D("1.0800"), "GBP": D("0.8000")}
    assert (reader.base, reader.source) == ("EUR", "rates.example")  # another feed: its host


@pytest.mark.parametrize(
    ("response", "reason"),
    [
        (httpx.Response(503, content=b"busy"), "HTTP 503"),
        (httpx.Response(200, content=b"<html>moved</html>"), "unusable rates"),
        (httpx.Response(200, content=b""), "unusable rates"),
    ],
)
def test_ecb_reader_failures_say_why(response: httpx.Response, reason: str) -> None:
    reader = _reader(lambda request: response)
    with pytest.raises(RatesUnavailableError, match=reason):
        asyncio.run(reader.fetch())


def test_ecb_reader_network_error() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(RatesUnavailableError, match="could not reach"):
        asyncio.run(_reader(refuse).fetch())
