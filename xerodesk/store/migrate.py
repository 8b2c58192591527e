"""Creating and upgrading a CRM database with the migrations shipped in the package."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(engine: Engine | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str | None]:
    """Migrate the database to ``revision``; returns (before, after) revisions.

    The whole upgrade is one transaction on SQLite and PostgreSQL: an upgrade
    stopped half-way (a crash, a kill) leaves the database as it was, and the
    next upgrade starts over. (MariaDB commits each schema change on its own.)
    """
    before = current_revision(engine)
    config = alembic_config(engine)
    with engine.connect() as connection:
        with _transactional_ddl(connection), connection.begin():
            if connection.dialect.name == "sqlite":
                connection.exec_driver_sql("BEGIN")
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    return before, current_revision(engine)


@contextmanager
def _transactional_ddl(connection: Connection) -> Iterator[None]:
    """Python's sqlite3 opens a transaction only before INSERT, UPDATE and DELETE,
    so each CREATE TABLE would commit on its own: for the upgrade, the driver is
    told to leave transactions alone and the upgrade issues its own BEGIN."""
    if connection.dialect.name != "sqlite":
        yield
        return
    driver = connection.connection.driver_connection
    previous = driver.isolation_level  # type: ignore[union-attr]
    driver.isolation_level = None  # type: ignore[union-attr]
    try:
        yield
    finally:
        driver.isolation_level = previous  # type: ignore[union-attr]
