"""Opening the app's log file (or its folder, before anything is logged) in the user's
own viewer."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices

from xerodesk.logsetup import current_log_file
from xerodesk.paths import app_paths


def log_file() -> Path:
    """The file the app logs to: the one logging writes now, else where it would."""
    return current_log_file() or app_paths().log_file


def open_log_file() -> bool:
    """Open the log file, or its folder when there is no file yet; False if nothing opened."""
    path = log_file()
    if not path.exists():
        path = path.parent
        path.mkdir(parents=True, exist_ok=True)
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
