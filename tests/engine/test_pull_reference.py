"""Feature sheet, Tax rates and currencies: one test per row, and how they change.

Against the sandbox through the real client, on SQLite, PostgreSQL and
MariaDB. Exchange rates come from the sandbox's copy of the ECB feed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, insert

from tests.support import orgs
from tests.support.databases import KINDS, DatabaseFactory
from tests.support.sandbox import RunningSandbox, start_sandbox
from tests.support.sync import an_hour_on, sync_pass, table_rows
from xerodesk.domain.sync import EntityKind
from xerodesk.engine.pass_types import PassReport
from xerodesk.mapping.currencies import cross_rates, parse_ecb_daily
from xerodesk.store.database import open_engine
from xerodesk.store.models import Currency
from xerodesk.store.options import set_option

D = Decimal
REFERENCE = (EntityKind.TAX_RATES, EntityKind.CURRENCIES)
COUNTRY_TYPES = {"Home", "EU Registered", "EU Unregistered", "Non-EU"}


@pytest.fixture(scope="module")
def reference_sandbox() -> Iterator[RunningSandbox]:
    running = start_sandbox(rate_limits="off")
    running.control("POST", "/load", orgs.documents_org())
    yield running
    running.close()


@pytest.fixture(scope="module", params=KINDS)
def synced(
    request: pytest.FixtureRequest,
    reference_sandbox: RunningSandbox,
    database_factory: DatabaseFactory,
) -> Iterator[Engine]:
    engine = open_engine(database_factory.fresh(str(request.param)))
    report = asyncio.run(sync_pass(reference_sandbox, engine, only=REFERENCE))
    assert report.outcome == "ok", report.message
    assert report.new_review_items == 0
    yield engine
    engine.dispose()


@pytest.fixture
def reference(make_sandbox: Any) -> RunningSandbox:
    running: RunningSandbox = make_sandbox(rate_limits="off")
    running.control("POST", "/load", orgs.documents_org())
    return running


def run(sandbox: RunningSandbox, engine: Engine, **kwargs: Any) -> PassReport:
    report = asyncio.run(sync_pass(sandbox, engine, **kwargs))
    assert report.outcome == "ok", report.message
    return report


def vat_rows(engine: Engine, code: str) -> list[dict[str, Any]]:
    return [r for r in table_rows(engine, "vat_code") if r["code"] == code]


def combinations(engine: Engine, code: str) -> set[tuple[str, str, bool]]:
    return {(r["country_type"], r["transaction_type"], r["active"]) for r in vat_rows(engine, code)}


def feed_rates(sandbox: RunningSandbox) -> tuple[Any, dict[str, Decimal]]:
    reference = parse_ecb_daily(sandbox.http.get("/rates/eurofxref-daily.xml").content)
    return reference.as_of, cross_rates(reference.rates, "GBP")


# --- Tax rates -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "name", "rate", "kinds"),
    [
        ("OUTPUT2", "20% (VAT on Income)", D("20"), {"Sales"}),  # CanApplyToRevenue only
        ("INPUT2", "20% (VAT on Expenses)", D("20"), {"Purchase"}),  # CanApplyToExpenses only
        ("NONE", "No VAT", D("0"), {"Sales", "Purchase"}),  # neither flag sent: both
        ("GSTONIMPORTS", None, None, set()),  # applies to neither side: no rows
        ("TAX001", None, None, set()),  # DELETED: not imported
        ("TAX002", None, None, set()),  # ARCHIVED: not imported
    ],
)
def test_tax_rates(
    synced: Engine, code: str, name: str | None, rate: Decimal | None, kinds: set[str]
) -> None:
    expected = {(country, kind, True) for country in COUNTRY_TYPES for kind in kinds}
    assert combinations(synced, code) == expected
    for row in vat_rows(synced, code):
        assert (row["name"], row["rate"]) == (name, rate)


def test_tax_rate_that_becomes_deleted_or_archived_is_switched_off(
    reference: RunningSandbox, db_engine: Engine
) -> None:
    run(reference, db_engine, only=REFERENCE)
    reference.control("POST", "/documents/TaxRates/OUTPUT2/status", {"Status": "DELETED"})
    reference.control("POST", "/documents/TaxRates/INPUT2/status", {"Status": "ARCHIVED"})
    report = run(reference, db_engine, only=REFERENCE)
    assert report.entities["tax_rates"].calls == 0  # read hourly: not yet
    an_hour_on(db_engine)
    report = run(reference, db_engine, only=REFERENCE)
    counts = report.entities["tax_rates"].counts
    assert (counts.updated, counts.unchanged) == (2, 4)  # only the changed rates are written
    assert {active for _, _, active in combinations(db_engine, "OUTPUT2")} == {False}
    assert {active for _, _, active in combinations(db_engine, "INPUT2")} == {False}
    assert len(vat_rows(db_engine, "OUTPUT2")) == 4  # kept, not deleted
    assert {active for _, _, active in combinations(db_engine, "NONE")} == {True}
    reference.control("POST", "/documents/TaxRates/OUTPUT2/status", {"Status": "ACTIVE"})
    an_hour_on(db_engine)
    run(reference, db_engine, only=REFERENCE)
    assert {active for _, _, active in combinations(db_engine, "OUTPUT2")} == {True}


def test_tax_rate_changes_are_written_and_unchanged_ones_are_not(
    reference: RunningSandbox, db_engine: Engine
) -> None:
    run(reference, db_engine, only=REFERENCE)
    reference.control(
        "POST",
        "/edit",
        {
            "collection": "TaxRates",
            "id": "NONE",
            "changes": {
                "Name": "Outside the scope of VAT",
                "CanApplyToRevenue": True,
                "CanApplyToExpenses": False,
            },
        },
    )
    an_hour_on(db_engine)
    report = run(reference, db_engine, only=REFERENCE)
    assert report.entities["tax_rates"].counts.updated == 1
    rows = {(r["country_type"], r["transaction_type"]): r for r in vat_rows(db_engine, "NONE")}
    assert {k: r["active"] for k, r in rows.items() if k[1] == "Purchase"} == dict.fromkeys(
        [(c, "Purchase") for c in COUNTRY_TYPES], False
    )
    sales = [r for k, r in rows.items() if k[1] == "Sales"]
    assert {(r["name"], r["active"]) for r in sales} == {("Outside the scope of VAT", True)}


# --- Currencies ----------------------------------------------------------------


def test_currencies(synced: Engine, reference_sandbox: RunningSandbox) -> None:
    currencies = {r["code"]: r for r in table_rows(synced, "currency")}
    assert set(currencies) == {"GBP", "EUR", "USD"}
    assert currencies["GBP"]["is_home"] is True and currencies["GBP"]["rate_to_home"] == D(1)
    assert not currencies["EUR"]["is_home"] and not currencies["USD"]["is_home"]
    assert currencies["USD"]["description"] == "US Dollar"
    as_of, crossed = feed_rates(reference_sandbox)
    for code in ("EUR", "USD"):
        row = currencies[code]
        assert (row["rate_to_home"], row["rate_date"], row["rate_source"]) == (
            crossed[code],
            as_of,
            "ECB",
        )
    history = {
        (r["currency_code"], r["as_of"], r["source"]): r["rate"]
        for r in table_rows(synced, "exchange_rate")
    }
    assert history == {("EUR", as_of, "ECB"): crossed["EUR"], ("USD", as_of, "ECB"): crossed["USD"]}


def test_exchange_rate_history_is_one_row_per_currency_day_and_source(
    reference: RunningSandbox, db_engine: Engine
) -> None:
    run(reference, db_engine, only=REFERENCE)
    run(reference, db_engine, only=REFERENCE, full=True)  # a full pass reads the feed again
    first_day = {r["as_of"] for r in table_rows(db_engine, "exchange_rate")}
    assert len(table_rows(db_engine, "exchange_rate")) == 2
    reference.control("POST", "/clock", {"advance": 3 * 86_400})
    run(reference, db_engine, only=REFERENCE, full=True)
    history = table_rows(db_engine, "exchange_rate")
    days = {r["as_of"] for r in history}
    assert len(days) == 2 and first_day < days
    assert len(history) == 4
    as_of, crossed = feed_rates(reference)
    eur = next(r for r in table_rows(db_engine, "currency") if r["code"] == "EUR")
    assert (eur["rate_to_home"], eur["rate_date"]) == (crossed["EUR"], as_of)


def test_rates_are_read_at_most_hourly(reference: RunningSandbox, db_engine: Engine) -> None:
    run(reference, db_engine, only=REFERENCE)
    run(reference, db_engine, only=REFERENCE)
    assert reference.control("GET", "/counters")["identity"].get("rates") == 1


def test_import_currencies_off_touches_neither_currencies_nor_rates(
    reference: RunningSandbox, db_engine: Engine
) -> None:
    with db_engine.begin() as connection:
        set_option(connection, "import_currencies", "false")
        connection.execute(
            insert(Currency).values(
                code="EUR", description="Euro (by hand)", is_home=False, rate_to_home=D("1.25")
            )
        )
    reference.control("POST", "/counters/reset")
    report = run(reference, db_engine)
    assert report.outcome == "ok"
    counters = reference.control("GET", "/counters")
    calls = {k: v for k, v in counters["by_endpoint"].items() if v}
    assert "GET /Currencies" not in calls and "GET /Organisation" not in calls
    assert not counters["identity"].get("rates")
    (eur,) = table_rows(db_engine, "currency")
    assert (eur["description"], eur["rate_to_home"], eur["rate_date"]) == (
        "Euro (by hand)",
        D("1.25"),
        None,
    )
    assert table_rows(db_engine, "exchange_rate") == []
    assert vat_rows(db_engine, "OUTPUT2")  # tax rates still come
