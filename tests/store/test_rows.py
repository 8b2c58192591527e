"""Rows as tuples, bound for SQLite and written many to a statement."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, Table, event, select, text

from xerodesk.store import rows as rows_module
from xerodesk.store.base import Base
from xerodesk.store.database import open_engine
from xerodesk.store.models import Product, SalesOrderHeader
from xerodesk.store.rows import (
    Rows,
    any_of,
    binder_for,
    rows_per_sqlite_statement,
    sqlite_rows_in,
    statement_sizes,
    write_sqlite_rows,
)
from xerodesk.store.upsert import bulk_insert, bulk_upsert, fetch_ids

HEADERS: Table = SalesOrderHeader.__table__  # type: ignore[assignment]
PRODUCTS: Table = Product.__table__  # type: ignore[assignment]


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = open_engine(f"sqlite:///{tmp_path / 'rows.db'}")
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


def _order(i: int) -> dict[str, Any]:
    return {
        "xero_invoice_id": f"inv-{i:05d}",
        "order_number": f"INV-{i}",
        "order_date": date(2026, 1, 1) + timedelta(days=i % 400),
        "due_date": None if i % 3 else date(999, 12, 31),
        "is_paid": None if i % 5 == 0 else bool(i % 2),
        "gross_total": Decimal("1.0001") * i,
        "currency_rate": None if i % 2 else Decimal("1.2345678901"),
        "xero_updated_at": datetime(2026, 6, 30, 23, 59, 59, i % 1_000_000, tzinfo=UTC),
    }


def _statements(engine: Engine) -> list[str]:
    seen: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    return seen


def _stored(engine: Engine) -> list[tuple[Any, ...]]:
    columns = ", ".join(_order(0))
    query = text(f"SELECT {columns}, typeof(gross_total) FROM sales_order_header ORDER BY 1")
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(query)]


def test_many_rows_go_many_to_a_statement_and_store_what_sqlalchemy_stores(
    tmp_path: Path, engine: Engine
) -> None:
    orders = [_order(i) for i in range(4_000)]
    statements = _statements(engine)
    with engine.begin() as connection:
        per_statement = rows_per_sqlite_statement(connection, len(orders[0]))
        bulk_insert(connection, HEADERS, orders)
    inserts = [s for s in statements if s.startswith("INSERT")]
    sizes = list(statement_sizes(4_000, per_statement))
    assert sum(sizes) == 4_000
    assert len(inserts) == len(sizes) < 4_000 / per_statement + math.log2(per_statement)
    assert {s.count("), (") + 1 for s in inserts} == set(sizes)
    assert all(size & (size - 1) == 0 for size in sizes)  # powers of two: few texts
    other = open_engine(f"sqlite:///{tmp_path / 'orm.db'}")
    Base.metadata.create_all(other)
    with other.begin() as connection:
        connection.execute(HEADERS.insert(), orders)
    assert _stored(engine) == _stored(other)
    other.dispose()


def test_an_upsert_updates_known_rows_and_a_repeated_key_ends_with_its_last_row(
    engine: Engine,
) -> None:
    with engine.begin() as connection:
        bulk_upsert(connection, HEADERS, [_order(i) for i in range(10)], ["xero_invoice_id"])
        again = [{**_order(i), "order_number": f"NEW-{i}"} for i in range(5, 15)]
        again.append({**_order(14), "order_number": "LAST"})
        bulk_upsert(connection, HEADERS, again, ["xero_invoice_id"])
        bulk_upsert(
            connection,
            HEADERS,
            [{**_order(0), "order_number": "kept"}],
            ["xero_invoice_id"],
            update=[],
        )
        numbers = dict(
            connection.execute(select(HEADERS.c.xero_invoice_id, HEADERS.c.order_number)).all()
        )
    assert len(numbers) == 15
    assert numbers["inv-00000"] == "INV-0"
    assert numbers["inv-00004"] == "INV-4"
    assert numbers["inv-00005"] == "NEW-5"
    assert numbers["inv-00014"] == "LAST"


def test_rows_bound_ahead_are_written_as_they_are(engine: Engine) -> None:
    binder = binder_for(engine.dialect)
    assert binder is not None
    rows = binder.bind(HEADERS, Rows.of([_order(i) for i in range(3)]))
    assert rows.bound
    assert rows.values[1][rows.index("gross_total")] == pytest.approx(1.0001)
    assert rows.values[1][rows.index("order_date")] == "2026-01-02"
    assert rows.values[1][rows.index("is_paid")] == 1
    assert binder.bind(HEADERS, rows) is rows
    with engine.begin() as connection:
        write_sqlite_rows(connection, HEADERS, rows, binder)
    with engine.connect() as connection:
        stored = connection.execute(select(HEADERS.c.order_date, HEADERS.c.gross_total)).all()
    assert stored[1] == (date(2026, 1, 2), Decimal("1.0001"))
    with pytest.raises(ValueError, match="SQLite"):
        rows.dicts()


def test_rows_of_mappings_with_different_columns_take_none_for_the_missing() -> None:
    rows = Rows.of([{"b": 1, "a": 2}, {"a": 3, "c": 4}])
    assert rows.columns == ("a", "b", "c")
    assert list(rows.values) == [(2, 1, None), (3, None, 4)]
    same = Rows.of([{"b": 1, "a": 2}, {"a": 3, "b": 4}])
    assert same.columns == ("b", "a")
    assert same.dicts() == [{"b": 1, "a": 2}, {"b": 4, "a": 3}]


def test_ids_are_read_in_one_step_as_sqlalchemy_reads_them(engine: Engine) -> None:
    products = [{"product_item_id": f'SKU, ‘{i}’; "x"', "origin": "xero"} for i in range(2_500)]
    with engine.begin() as connection:
        bulk_insert(connection, PRODUCTS, products)
        wanted = [p["product_item_id"] for p in products[::3]] + ["absent"]
        fetch_ids(connection, PRODUCTS, ["product_item_id"], wanted[:1])  # the JSON probe
        statements = _statements(engine)
        found = fetch_ids(connection, PRODUCTS, ["product_item_id"], wanted)
        assert len(statements) == 1  # 834 keys, one step
        fetch_ids(connection, PRODUCTS, ["product_item_id"], wanted[:-3])
        assert len(statements) == 2
        assert len(set(statements)) == 1  # other keys: the same text
        expected = dict(connection.execute(select(PRODUCTS.c.product_item_id, PRODUCTS.c.id)).all())
    assert found == {key: expected[key] for key in wanted[:-1]}


def test_columns_that_need_converting_and_a_sqlite_without_json_take_sqlalchemys_way(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with engine.begin() as connection:
        bulk_insert(connection, HEADERS, [_order(i) for i in range(3)])
        dated = sqlite_rows_in(connection, HEADERS, ("id",), "order_date", [date(2026, 1, 1)])
        assert dated is None
        statements = _statements(engine)
        assert list(
            connection.execute(
                select(HEADERS.c.id).where(
                    any_of(connection, HEADERS.c.xero_invoice_id, ["inv-00001", "inv-00002"])
                )
            )
        ) == [(2,), (3,)]
        assert "json_each" in statements[-1]
        monkeypatch.setattr(rows_module, "_JSON", {id(connection.dialect): False})
        assert sqlite_rows_in(connection, HEADERS, ("id",), "xero_invoice_id", ["inv-1"]) is None
        condition = any_of(connection, HEADERS.c.xero_invoice_id, ["inv-00001"])
        assert list(connection.execute(select(HEADERS.c.id).where(condition))) == [(2,)]
        assert "json_each" not in statements[-1]
        ids = fetch_ids(connection, HEADERS, ["xero_invoice_id"], ["inv-00001", "inv-00002"])
    assert set(ids) == {"inv-00001", "inv-00002"}
