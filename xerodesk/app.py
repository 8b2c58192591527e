"""The composition root: builds paths, the store and (later) the engine from arguments.

Nothing runs at import time; each function takes what it needs and returns
what it built, so the CLI, the GUI and tests compose the same parts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from xerodesk.logsetup import configure_logging
from xerodesk.paths import AppPaths, app_paths
from xerodesk.store import migrate
from xerodesk.store.database import display_url, open_engine
from xerodesk.store.options import seed_defaults

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UpgradeResult:
    url: str
    before: str | None
    after: str | None
    options_added: list[str]


def setup(debug: bool = False, base: Path | None = None) -> AppPaths:
    """Create the user's folders and start logging to the rotating log file."""
    paths = app_paths(base).ensure()
    configure_logging(paths.log_file, debug=debug)
    return paths


def database_url(db: str | None, paths: AppPaths) -> str:
    """The ``--db`` URL, or the default SQLite file in the user's data folder."""
    return db if db else f"sqlite:///{paths.default_database}"


def upgrade_database(url: str) -> UpgradeResult:
    """Create or migrate the CRM schema, then seed missing system options."""
    engine = open_engine(url)
    try:
        before, after = migrate.upgrade(engine)
        with engine.begin() as connection:
            added = seed_defaults(connection)
    finally:
        engine.dispose()
    log.info("database %s at revision %s (was %s)", display_url(url), after, before)
    return UpgradeResult(display_url(url), before, after, added)


def open_database(url: str) -> Engine:
    """An engine on an existing, migrated database (migrating it if it is new)."""
    engine = open_engine(url)
    if migrate.current_revision(engine) != migrate.head_revision():
        migrate.upgrade(engine)
        with engine.begin() as connection:
            seed_defaults(connection)
    return engine
