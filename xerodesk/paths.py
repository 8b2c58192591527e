"""Where xerodesk keeps its files: computed by a function, never at import time."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "xerodesk"


@dataclass(frozen=True)
class AppPaths:
    """The data, config and log folders of one user (created on demand)."""

    data_dir: Path
    config_dir: Path
    log_dir: Path

    @property
    def default_database(self) -> Path:
        return self.data_dir / "xerodesk.db"

    @property
    def log_file(self) -> Path:
        return self.log_dir / "xerodesk.log"

    def ensure(self) -> AppPaths:
        for folder in (self.data_dir, self.config_dir, self.log_dir):
            folder.mkdir(parents=True, exist_ok=True)
        return self


def app_paths(base: Path | None = None) -> AppPaths:
    """The user's folders from platformdirs, or all under ``base`` when given.

    ``XERODESK_HOME`` overrides the location the same way ``base`` does, so a
    server install can keep everything in one folder.
    """
    home = os.environ.get("XERODESK_HOME")
    override = base or (Path(home) if home else None)
    if override is not None:
        return AppPaths(override / "data", override / "config", override / "logs")
    return AppPaths(
        Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
        Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
        Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
    )
