"""An upgrade stopped half-way leaves the database as it was, so the next
upgrade starts over (a kill -9 of ``xerodesk db upgrade`` on SQLite used to
leave some tables made and no revision recorded: the next upgrade then failed
with "table company already exists")."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from tests.support.databases import DatabaseFactory
from xerodesk.store import migrate
from xerodesk.store.database import open_engine


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_an_upgrade_that_fails_half_way_leaves_nothing_behind(
    database_factory: DatabaseFactory, kind: str
) -> None:
    engine = open_engine(database_factory.empty(kind), check=False)
    try:
        # a table the first migration makes last: the upgrade fails on reaching it
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE sales_transaction (id INTEGER)"))
        with pytest.raises(Exception, match="sales_transaction"):
            migrate.upgrade(engine)
        assert set(inspect(engine).get_table_names()) == {"sales_transaction"}
        assert migrate.current_revision(engine) is None
        with engine.begin() as connection:
            connection.execute(text("DROP TABLE sales_transaction"))
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.head_revision()
        assert {"company", "sales_transaction", "xd_run"} <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
