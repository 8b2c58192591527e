"""A fresh, migrated database of each kind for every test that asks for one.

Each kind is migrated once per test session into a template; a test gets a
copy: a file copy on SQLite, ``CREATE DATABASE … TEMPLATE`` on PostgreSQL and
a schema copy on MariaDB. Server URLs come from the environment
(``XERODESK_TEST_PG_URL``, ``XERODESK_TEST_MARIADB_URL``) or default to the
account ``scripts/ensure-databases`` creates on 127.0.0.1.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import URL, make_url

from xerodesk.store import migrate
from xerodesk.store.database import open_engine
from xerodesk.store.options import seed_defaults

KINDS = ("sqlite", "postgresql", "mariadb")
PG_URL = os.environ.get(
    "XERODESK_TEST_PG_URL", "postgresql+psycopg://xerodesk:xerodesk@127.0.0.1:5432/postgres"
)
MARIADB_URL = os.environ.get(
    "XERODESK_TEST_MARIADB_URL", "mysql+pymysql://xerodesk:xerodesk@127.0.0.1:3306/"
)
_PREFIX = f"xdtest_{os.getpid()}"


def _migrate(url: str | URL) -> None:
    engine = open_engine(url)
    try:
        migrate.upgrade(engine)
        with engine.begin() as connection:
            seed_defaults(connection)
    finally:
        engine.dispose()


@dataclass
class DatabaseFactory:
    """Makes fresh migrated databases and drops them at the end of the session."""

    workdir: Path
    _counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _templates: dict[str, str] = field(default_factory=dict)
    _maria_ddl: list[tuple[str, str]] = field(default_factory=list)
    _created: list[tuple[str, str]] = field(default_factory=list)

    def fresh(self, kind: str) -> str:
        """The URL of a new, migrated, empty database of ``kind``."""
        name = f"{_PREFIX}_{next(self._counter)}"
        if kind == "sqlite":
            return self._fresh_sqlite(name)
        if kind == "postgresql":
            return self._fresh_postgresql(name)
        if kind == "mariadb":
            return self._fresh_mariadb(name)
        raise ValueError(kind)

    def empty(self, kind: str) -> str:
        """The URL of a new database with no tables at all (for migration tests)."""
        name = f"{_PREFIX}_{next(self._counter)}"
        if kind == "sqlite":
            return f"sqlite:///{self.workdir / (name + '.db')}"
        admin = self._admin(kind)
        with admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name}"))
        self._created.append((kind, name))
        return self._url(kind, name)

    # --- per dialect ---------------------------------------------------------

    def _fresh_sqlite(self, name: str) -> str:
        template = self.workdir / "template.db"
        if "sqlite" not in self._templates:
            _migrate(f"sqlite:///{template}")
            self._templates["sqlite"] = str(template)
        target = self.workdir / f"{name}.db"
        shutil.copyfile(template, target)
        return f"sqlite:///{target}"

    def _admin(self, kind: str) -> Engine:
        base = PG_URL if kind == "postgresql" else MARIADB_URL
        return create_engine(base, isolation_level="AUTOCOMMIT")

    def _url(self, kind: str, database: str) -> str:
        base = make_url(PG_URL if kind == "postgresql" else MARIADB_URL)
        return base.set(database=database).render_as_string(hide_password=False)

    def _fresh_postgresql(self, name: str) -> str:
        admin = self._admin("postgresql")
        try:
            with admin.connect() as connection:
                if "postgresql" not in self._templates:
                    template = f"{_PREFIX}_template"
                    connection.execute(text(f"CREATE DATABASE {template}"))
                    self._created.append(("postgresql", template))
                    _migrate(self._url("postgresql", template))
                    self._templates["postgresql"] = template
                template = self._templates["postgresql"]
                connection.execute(text(f"CREATE DATABASE {name} TEMPLATE {template}"))
        finally:
            admin.dispose()
        self._created.append(("postgresql", name))
        return self._url("postgresql", name)

    def _fresh_mariadb(self, name: str) -> str:
        admin = self._admin("mariadb")
        try:
            with admin.connect() as connection:
                if "mariadb" not in self._templates:
                    self._prepare_mariadb_template(connection)
                template = self._templates["mariadb"]
                connection.execute(text(f"CREATE DATABASE {name} CHARACTER SET utf8mb4"))
                self._created.append(("mariadb", name))
                connection.execute(text(f"USE {name}"))
                connection.execute(text("SET FOREIGN_KEY_CHECKS=0"))
                for table, ddl in self._maria_ddl:
                    connection.execute(text(ddl))
                    connection.execute(
                        text(f"INSERT INTO {table} SELECT * FROM {template}.{table}")
                    )
                connection.execute(text("SET FOREIGN_KEY_CHECKS=1"))
        finally:
            admin.dispose()
        return self._url("mariadb", name)

    def _prepare_mariadb_template(self, connection: Connection) -> None:
        template = f"{_PREFIX}_template"
        connection.execute(text(f"CREATE DATABASE {template} CHARACTER SET utf8mb4"))
        self._created.append(("mariadb", template))
        _migrate(self._url("mariadb", template))
        tables = connection.execute(
            text(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = :schema ORDER BY table_name"
            ),
            {"schema": template},
        ).scalars()
        for table in list(tables):
            ddl = connection.execute(text(f"SHOW CREATE TABLE {template}.{table}")).one()[1]
            self._maria_ddl.append((table, ddl))
        self._templates["mariadb"] = template

    def drop_all(self) -> None:
        for kind in ("postgresql", "mariadb"):
            names = [name for k, name in self._created if k == kind]
            if not names:
                continue
            admin = self._admin(kind)
            try:
                with admin.connect() as connection:
                    for name in reversed(names):
                        force = " WITH (FORCE)" if kind == "postgresql" else ""
                        connection.execute(text(f"DROP DATABASE IF EXISTS {name}{force}"))
            finally:
                admin.dispose()


@pytest.fixture(scope="session")
def database_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory(tmp_path_factory.mktemp("databases"))
    yield factory
    factory.drop_all()


@pytest.fixture(params=KINDS)
def db_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(database_factory: DatabaseFactory, db_kind: str) -> str:
    """A fresh, migrated database of each kind (the test runs once per kind)."""
    return database_factory.fresh(db_kind)


@pytest.fixture
def db_engine(db_url: str) -> Iterator[Engine]:
    engine = open_engine(db_url)
    yield engine
    engine.dispose()
