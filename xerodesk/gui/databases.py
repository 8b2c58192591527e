"""The CRM database the user picks: a SQLite file or a server, its password in the keyring.

The choice itself (kind, file, host, port, database, user) is per-user UI
state kept in QSettings by the Connection tab; the password never is.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from pathlib import Path

import keyring
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError
from sqlalchemy.engine import URL

from xerodesk.credentials import KeyringUnavailableError, check_keyring
from xerodesk.errors import ConfigurationError
from xerodesk.logsetup import register_secret
from xerodesk.paths import app_paths

SERVICE = "xerodesk"
KINDS = {
    "sqlite": "SQLite file",
    "postgresql": "PostgreSQL server",
    "mariadb": "MariaDB / MySQL server",
}
DEFAULT_PORTS = {"postgresql": 5432, "mariadb": 3306}


@dataclass(frozen=True)
class ServerDatabase:
    """A PostgreSQL or MariaDB database; its password lives in the keyring."""

    kind: str
    host: str
    port: int
    database: str
    user: str

    def shown(self) -> str:
        """The database in words: “crm” on the PostgreSQL server at db.example.com:5432."""
        return f"“{self.database}” on the {KINDS[self.kind]} at {self.host}:{self.port}"

    @property
    def driver(self) -> str:
        return "postgresql+psycopg" if self.kind == "postgresql" else "mysql+pymysql"

    def url(self, password: str | None = None) -> str:
        url = URL.create(
            self.driver,
            username=self.user or None,
            password=password or None,
            host=self.host or "127.0.0.1",
            port=self.port or None,
            database=self.database or None,
        )
        return url.render_as_string(hide_password=False)

    @property
    def keyring_name(self) -> str:
        return f"database|{self.url()}"


def sqlite_url(path: str | Path) -> str:
    return f"sqlite:///{Path(path).expanduser()}"


def default_sqlite_path() -> Path:
    return app_paths().default_database


def _keyring() -> KeyringBackend:
    backend = keyring.get_keyring()
    try:
        check_keyring(backend)
    except KeyringUnavailableError as error:
        raise ConfigurationError(error.desktop_text()) from None
    return backend


def _save(server: ServerDatabase, password: str) -> None:
    backend = _keyring()
    if password:
        register_secret(password)
        backend.set_password(SERVICE, server.keyring_name, password)
    else:
        with contextlib.suppress(PasswordDeleteError):
            backend.delete_password(SERVICE, server.keyring_name)


def _load(server: ServerDatabase) -> str | None:
    value = _keyring().get_password(SERVICE, server.keyring_name)
    if value:
        register_secret(value)
    return value or None


async def save_password(server: ServerDatabase, password: str) -> None:
    """Keep the server's password in the system keyring (empty: forget it)."""
    await asyncio.to_thread(_save, server, password)


async def load_password(server: ServerDatabase) -> str | None:
    return await asyncio.to_thread(_load, server)
