"""``xerodesk demo`` opens the app connected to the demo company, and its first pass runs."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from xerodesk import cli
from xerodesk.gui.main_window import MainWindow


def test_xerodesk_demo_opens_the_app_on_the_demo_company(
    qapp: QApplication, private_user_folders: Path
) -> None:
    seen: dict[str, Any] = {}

    def watch() -> None:
        windows = [w for w in qapp.topLevelWidgets() if isinstance(w, MainWindow)]
        window = windows[-1] if windows else None
        if window is not None and window.controller.last_pass is not None:
            seen["connection"] = window.status.connection.text()
            seen["pass"] = window.controller.last_pass
            seen["tab"] = window.tabs.currentWidget() is window.status_tab
            seen["database"] = window.controller.database
            window.close()
            return
        if len(seen.setdefault("ticks", [])) < 1200:  # 60 s
            seen["ticks"].append(1)
            QTimer.singleShot(50, watch)

    QTimer.singleShot(50, watch)
    try:
        status = cli.main(["demo"])
    finally:
        asyncio.set_event_loop(None)
    assert status == 0
    assert "pass" in seen, "no pass finished within a minute"
    assert seen["pass"].outcome == "ok", seen["pass"].message
    assert seen["pass"].counts["invoices"].created > 0
    assert "Demo company" in seen["connection"] and seen["tab"]
    assert seen["database"].url.endswith("xerodesk.db")
    assert str(private_user_folders) in seen["database"].url


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_the_app_closes_cleanly_on_a_signal(tmp_path: Path, signum: int) -> None:
    """A logout or a service manager's SIGTERM (or Ctrl+C) closes the window as its
    close button does: the runner process ends, the window's place is saved, exit 0."""
    env = {**os.environ, "XERODESK_HOME": str(tmp_path), "QT_QPA_PLATFORM": "offscreen"}
    app = subprocess.Popen(
        [sys.executable, "-m", "xerodesk", "demo"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    database = tmp_path / "data" / "xerodesk.db"

    def first_pass_done() -> bool:
        if not database.exists():
            return False
        try:
            with sqlite3.connect(database) as connection:
                row = connection.execute("select count(*) from xd_run where outcome = 'ok'")
                return bool(row.fetchone()[0])
        except sqlite3.OperationalError:
            return False

    try:
        deadline = time.monotonic() + 120
        while not first_pass_done():
            assert app.poll() is None, app.communicate()[1]
            assert time.monotonic() < deadline, "the demo's first pass did not finish"
            time.sleep(0.2)
        app.send_signal(signum)
        _out, err = app.communicate(timeout=60)
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
    assert app.returncode == 0, err
    assert "Traceback" not in err, err
    settings = (tmp_path / "config" / "desktop.ini").read_text()
    assert "geometry" in settings
