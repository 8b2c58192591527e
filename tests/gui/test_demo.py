"""``xerodesk demo`` opens the app connected to the demo company, and its first pass runs."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

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
