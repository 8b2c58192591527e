"""Bulk insert-or-update by natural key on every database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, Table, func, select, text
from sqlalchemy.dialects import sqlite

from xerodesk.store.base import Base
from xerodesk.store.database import open_engine
from xerodesk.store.models import Product, SalesLedger, SalesOrderHeader, VatCode
from xerodesk.store.rows import bound_column
from xerodesk.store.upsert import bulk_upsert, fetch_ids, rows_per_statement

PRODUCTS: Table = Product.__table__  # type: ignore[assignment]
LEDGERS: Table = SalesLedger.__table__  # type: ignore[assignment]
VAT: Table = VatCode.__table__  # type: ignore[assignment]
HEADERS: Table = SalesOrderHeader.__table__  # type: ignore[assignment]


def _products(count: int, price: str) -> list[dict[str, object]]:
    return [
        {
            "product_item_id": f"SKU-{i:05d}",
            "description": f"Product {i} — “quoted”",
            "sell_price": Decimal(price) + i,
            "obsolete": i % 7 == 0,
            "origin": "xero",
        }
        for i in range(count)
    ]


def test_thousands_of_rows_insert_then_update(db_engine: Engine) -> None:
    rows = _products(12_000, "1.2345")
    with db_engine.begin() as connection:
        assert bulk_upsert(connection, PRODUCTS, rows, ["product_item_id"]) == 12_000
    with db_engine.begin() as connection:
        changed = _products(12_000, "2.5")[6_000:] + _products(12_500, "2.5")[12_000:]
        bulk_upsert(connection, PRODUCTS, changed, ["product_item_id"])
    with db_engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(PRODUCTS)) == 12_500
        price = select(Product.sell_price).where(Product.product_item_id == "SKU-00010")
        assert connection.scalar(price) == Decimal("11.2345")
        price = select(Product.sell_price).where(Product.product_item_id == "SKU-11999")
        assert connection.scalar(price) == Decimal("12001.5")
        distinct = select(func.count(func.distinct(Product.product_item_id)))
        assert connection.scalar(distinct) == 12_500


def test_update_only_named_columns(db_engine: Engine) -> None:
    with db_engine.begin() as connection:
        bulk_upsert(
            connection,
            LEDGERS,
            [{"sales_ledger_id": "C1", "name": "Old", "display_description": "ACC1"}],
            ["sales_ledger_id"],
        )
        bulk_upsert(
            connection,
            LEDGERS,
            [{"sales_ledger_id": "C1", "name": "New", "display_description": "changed"}],
            ["sales_ledger_id"],
            update=["name"],
        )
        row = connection.execute(select(SalesLedger.name, SalesLedger.display_description)).one()
        assert tuple(row) == ("New", "ACC1")


def test_empty_update_keeps_existing_rows(db_engine: Engine) -> None:
    with db_engine.begin() as connection:
        bulk_upsert(
            connection, LEDGERS, [{"sales_ledger_id": "C1", "name": "Kept"}], ["sales_ledger_id"]
        )
        bulk_upsert(
            connection,
            LEDGERS,
            [
                {"sales_ledger_id": "C1", "name": "Ignored"},
                {"sales_ledger_id": "C2", "name": "Added"},
            ],
            ["sales_ledger_id"],
            update=[],
        )
        names = connection.scalars(select(SalesLedger.name).order_by(SalesLedger.sales_ledger_id))
        assert list(names) == ["Kept", "Added"]


def test_composite_key_and_fetch_ids(db_engine: Engine) -> None:
    rows = [
        {
            "code": code,
            "country_type": country,
            "transaction_type": kind,
            "rate": Decimal("20"),
            "active": True,
        }
        for code in ("OUTPUT2", "INPUT2")
        for country in ("Home", "EU Registered", "EU Unregistered", "Non-EU")
        for kind in ("Sales", "Purchase")
    ]
    keys = ["code", "country_type", "transaction_type"]
    with db_engine.begin() as connection:
        bulk_upsert(connection, VAT, rows, keys)
        rows[0] = {**rows[0], "rate": Decimal("17.5"), "active": False}
        bulk_upsert(connection, VAT, rows, keys)
        ids = fetch_ids(connection, VAT, keys, [tuple(r[k] for k in keys) for r in rows])
        assert len(ids) == 16 and len(set(ids.values())) == 16
        first = connection.execute(
            select(VatCode.rate, VatCode.active).where(
                VatCode.id == ids[("OUTPUT2", "Home", "Sales")]
            )
        ).one()
        assert tuple(first) == (Decimal("17.5"), False)


def test_fetch_ids_by_single_key(db_engine: Engine) -> None:
    with db_engine.begin() as connection:
        bulk_upsert(connection, PRODUCTS, _products(3, "1"), ["product_item_id"])
        ids = fetch_ids(
            connection, PRODUCTS, ["product_item_id"], ["SKU-00000", "SKU-00002", "nope"]
        )
    assert set(ids) == {"SKU-00000", "SKU-00002"}


def test_rows_missing_the_key_are_refused(db_engine: Engine) -> None:
    with db_engine.begin() as connection, pytest.raises(ValueError, match="key columns"):
        bulk_upsert(connection, PRODUCTS, [{"description": "no key"}], ["product_item_id"])


@pytest.mark.parametrize(
    ("dialect", "columns"), [("sqlite", 10), ("postgresql", 40), ("mariadb", 3)]
)
def test_statement_batches_stay_under_parameter_limits(dialect: str, columns: int) -> None:
    size = rows_per_statement(dialect, columns)
    assert 1 <= size <= 5_000
    assert size * columns <= 60_000


def _orders(count: int) -> list[dict[str, object]]:
    return [
        {
            "xero_invoice_id": f"inv-{i:05d}",
            "order_number": f"INV-{i}",
            "order_date": date(2026, 1, 1) + timedelta(days=i % 400),
            "due_date": None if i % 3 else date(999 + i % 2, 12, 31),
            "paid_date": None,
            "is_paid": None if i % 5 == 0 else bool(i % 2),
            "exclude_from_reports": i % 4 == 0,
            "gross_total": Decimal("1.0001") * i,
            "xero_updated_at": [
                None,
                datetime(2026, 6, 30, 23, 59, 59, 999999, tzinfo=UTC),
                datetime(2026, 7, 1, 1, 30, tzinfo=timezone(timedelta(hours=-7))),
                datetime(2026, 1, 2, 3, 4, 5),  # naive: already UTC
            ][i % 4],
        }
        for i in range(count)
    ]


def test_sqlite_stores_dates_and_flags_as_sqlalchemy_does(tmp_path: Path) -> None:
    """The bulk path binds dates and flags its own faster way; the stored values must
    be those of SQLAlchemy's own insert, byte for byte, down to the year 999."""
    rows = _orders(600)
    stored = []
    for name, write in (
        ("bulk", lambda c: bulk_upsert(c, HEADERS, rows, ["xero_invoice_id"])),
        ("orm", lambda c: c.execute(HEADERS.insert(), rows)),
    ):
        engine = open_engine(f"sqlite:///{tmp_path / name}.db")
        Base.metadata.create_all(engine)
        with engine.begin() as connection:
            write(connection)
        columns = "xero_invoice_id, order_date, due_date, paid_date, is_paid, "
        columns += "exclude_from_reports, gross_total, xero_updated_at, "
        columns += "typeof(order_date), typeof(is_paid)"
        with engine.connect() as connection:
            query = text(f"SELECT {columns} FROM sales_order_header ORDER BY xero_invoice_id")
            stored.append([tuple(row) for row in connection.execute(query)])
        engine.dispose()
    assert stored[0] == stored[1]
    assert len(stored[0]) == 600
    assert {row[8] for row in stored[0]} == {"text"}
    assert {row[9] for row in stored[0]} == {"integer", "null"}
    assert "2026-07-01 08:30:00.000000" in {row[7] for row in stored[0]}


@pytest.mark.parametrize(
    ("column", "values"),
    [
        ("order_date", [date(2026, 2, 28), None, date(999, 12, 31), date(1, 1, 1)]),
        ("is_paid", [True, False, None]),
        (
            "xero_updated_at",
            [
                datetime(2026, 6, 30, 23, 59, 59, 999999, tzinfo=UTC),
                datetime(2026, 3, 29, 1, 0, tzinfo=timezone(timedelta(hours=5, minutes=30))),
                datetime(2026, 1, 2, 3, 4, 5),
                None,
            ],
        ),
    ],
)
def test_sqlite_fast_binding_is_taken_and_equals_sqlalchemys(
    column: str, values: list[object]
) -> None:
    dialect = sqlite.dialect()
    type_ = HEADERS.c[column].type
    processor = type_._cached_bind_processor(dialect)
    assert processor is not None

    def general(value: object) -> object:
        pytest.fail(f"the general processor was called for {value!r}")

    bound = bound_column(values, general, type_, dialect)  # the fast path only
    assert list(bound) == [processor(v) for v in values]


def test_sqlite_bulk_path_takes_values_of_other_types_as_sqlalchemy_does(
    tmp_path: Path,
) -> None:
    """A datetime in a date column is not the date's ``isoformat``: the general
    processor handles it, as it does for any value of an unexpected type."""
    engine = open_engine(f"sqlite:///{tmp_path / 'mixed.db'}")
    Base.metadata.create_all(engine)
    row = {"xero_invoice_id": "inv-1", "order_date": datetime(2026, 5, 4, 13, 14, 15)}
    with engine.begin() as connection:
        bulk_upsert(connection, HEADERS, [row], ["xero_invoice_id"])
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT order_date FROM sales_order_header")) == "2026-05-04"
    engine.dispose()


def test_sqlite_connections_are_set_for_safe_bulk_writes(tmp_path: Path) -> None:
    """Every SQLite connection checks foreign keys, keeps a write-ahead log synced
    at checkpoints, waits for a busy database, and has the page cache and
    checkpoint interval that large first syncs need; a new database has the
    page size they need."""
    engine = open_engine(f"sqlite:///{tmp_path / 'pragmas.db'}")
    try:
        with engine.connect() as connection:
            pragmas = {
                name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in (
                    "page_size",
                    "foreign_keys",
                    "journal_mode",
                    "synchronous",
                    "busy_timeout",
                    "cache_size",
                    "wal_autocheckpoint",
                )
            }
    finally:
        engine.dispose()
    assert pragmas == {
        "page_size": 8192,
        "foreign_keys": 1,
        "journal_mode": "wal",
        "synchronous": 1,
        "busy_timeout": 30000,
        "cache_size": -32768,
        "wal_autocheckpoint": 10000,
    }


def test_an_existing_sqlite_database_keeps_its_page_size(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "made-elsewhere.db"
    made = sqlite3.connect(path)
    made.execute("PRAGMA page_size=4096")
    made.execute("CREATE TABLE crm_own (id INTEGER PRIMARY KEY)")
    made.commit()
    made.close()
    engine = open_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA page_size").scalar() == 4096
            assert connection.exec_driver_sql("SELECT count(*) FROM crm_own").scalar() == 0
    finally:
        engine.dispose()
