"""The system options registry: defaults, parsing and validation."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from xerodesk.errors import ConfigurationError
from xerodesk.store.models import SystemOption
from xerodesk.store.options import OPTIONS, REGISTRY, Options, seed_defaults, set_option

CONTRACT_DEFAULTS = {
    "display_account_number": True,
    "combine_descriptions": False,
    "import_currencies": True,
    "sync_interval_minutes": 2,
    "webhook_poll_minutes": 30,
    "webhook_silence_minutes": 60,
    "pushed_invoice_status": "DRAFT",
    "delivery_account_code": "",
    "delivery_description": "Delivery",
    "quote_url_template": "",
    "default_warehouse_code": "MAIN",
    "derive_stock_commitments": False,
    "daily_call_budget": 5000,
    "reconcile_interval_hours": 24,
}


def test_every_contract_option_has_its_default() -> None:
    options = Options({})
    for name, default in CONTRACT_DEFAULTS.items():
        assert options.get(name) == default, name
    assert options.rates_source_url.startswith("https://www.ecb.europa.eu/")
    assert set(REGISTRY) == set(CONTRACT_DEFAULTS) | {"rates_source_url"}


def test_every_option_explains_itself() -> None:
    for spec in OPTIONS:
        assert spec.label and spec.group and len(spec.help) > 30, spec.name


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("display_account_number", "off", False),
        ("display_account_number", " YES ", True),
        ("sync_interval_minutes", "15", 15),
        ("pushed_invoice_status", "authorised", "AUTHORISED"),
        (
            "quote_url_template",
            "https://crm.example/quotes/{quote_id}",
            "https://crm.example/quotes/{quote_id}",
        ),
    ],
)
def test_values_are_parsed(name: str, raw: str, expected: object) -> None:
    assert Options({name: raw}).get(name) == expected


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("display_account_number", "maybe", "true or false"),
        ("sync_interval_minutes", "0", "at least 1"),
        ("sync_interval_minutes", "five", "whole number"),
        ("pushed_invoice_status", "PAID", "one of DRAFT"),
        ("rates_source_url", "ftp://x", "http"),
        ("daily_call_budget", "99", "at least 100"),
    ],
)
def test_bad_values_are_refused_with_a_reason(name: str, raw: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        REGISTRY[name].validate(raw)


def test_unknown_option_is_a_clear_error() -> None:
    with pytest.raises(ConfigurationError, match="no system option called 'colour'"):
        Options({}).get("colour")


def test_set_and_read_back_in_the_database(db_engine: Engine) -> None:
    with db_engine.begin() as connection:
        assert seed_defaults(connection) == []  # the fixture's database is seeded already
        assert set_option(connection, "display_account_number", "no") == "false"
        assert set_option(connection, "sync_interval_minutes", "30") == "30"
    with db_engine.connect() as connection:
        options = Options.load(connection)
        assert options.display_account_number is False
        assert options.sync_interval_minutes == 30
        rows = connection.execute(select(SystemOption.name)).scalars().all()
        assert len(rows) == len(REGISTRY)
