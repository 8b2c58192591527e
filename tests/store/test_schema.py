"""`xerodesk db upgrade` creates every table and column of the CRM contract."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, inspect

from tests.support.contract import CONTRACT, contract_tables
from tests.support.databases import DatabaseFactory
from xerodesk import app
from xerodesk.store import migrate
from xerodesk.store.database import open_engine
from xerodesk.store.options import REGISTRY

MONEY_COLUMNS = {
    "sales_ledger": ["overall_discount", "balance_outstanding", "balance_overdue"],
    "product": ["sell_price", "cost_price"],
    "stock_level": ["free_stock", "physical_stock", "on_order", "allocated"],
    "sales_transaction": ["net_value", "tax_value", "gross_value", "quantity", "unit_price"],
    "quote": ["delivery_charge"],
}


@pytest.fixture(scope="module")
def contract() -> dict[str, set[str]]:
    assert CONTRACT.exists(), f"the schema contract is missing at {CONTRACT}"
    return contract_tables()


def test_contract_parse_sees_every_table(contract: dict[str, set[str]]) -> None:
    assert len(contract) == 18
    assert "address_line5" in contract["sales_ledger"]
    assert "sales_ledger_id" in contract["sales_ledger"]
    assert contract["system_option"] == {"id", "name", "value"}
    assert "derive_stock_commitments" not in contract["stock_level"]
    assert "origin" in contract["product"]
    assert "crm" not in contract["sales_ledger"]


def test_upgrade_creates_every_contract_column(
    database_factory: DatabaseFactory, db_kind: str, contract: dict[str, set[str]]
) -> None:
    url = database_factory.empty(db_kind)
    result = app.upgrade_database(url)
    assert result.before is None
    assert result.after == migrate.head_revision()
    engine = open_engine(url)
    try:
        live = inspect(engine)
        tables = set(live.get_table_names())
        assert set(contract) <= tables, f"{db_kind}: missing {set(contract) - tables}"
        missing = {
            table: named - {c["name"] for c in live.get_columns(table)}
            for table, named in contract.items()
        }
        assert not {t: m for t, m in missing.items() if m}, f"{db_kind}: columns missing"
        assert {"xd_cursor", "xd_run", "xd_outbox", "xd_review", "xd_link"} <= tables
        _assert_money_is_exact(engine)
    finally:
        engine.dispose()


def _assert_money_is_exact(engine: Engine) -> None:
    live = inspect(engine)
    for table, columns in MONEY_COLUMNS.items():
        types = {c["name"]: c["type"] for c in live.get_columns(table)}
        for column in columns:
            kind = types[column]
            assert getattr(kind, "precision", None) == 18, f"{table}.{column}: {kind!r}"
            assert getattr(kind, "scale", None) == 4, f"{table}.{column}: {kind!r}"


def test_upgrade_twice_is_a_no_op(database_factory: DatabaseFactory, db_kind: str) -> None:
    url = database_factory.empty(db_kind)
    first = app.upgrade_database(url)
    second = app.upgrade_database(url)
    assert len(first.options_added) == len(REGISTRY)
    assert second.before == second.after == first.after
    assert second.options_added == []
