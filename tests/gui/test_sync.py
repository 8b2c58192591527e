"""Sync status tab: Sync now with live progress, the figures after, Stop, the call chart."""

from __future__ import annotations

from typing import Any

import qasync
from PySide6.QtCore import Qt

from tests.gui.conftest import connected, run, wait_until
from tests.support.sandbox import RunningSandbox
from xerodesk.domain.sync import PULL_ORDER
from xerodesk.gui.main_window import MainWindow


def test_sync_now_shows_progress_then_figures(
    window: MainWindow,
    qloop: qasync.QEventLoop,
    qtbot: Any,
    gui_sandbox: RunningSandbox,
    sqlite_url: str,
) -> None:
    tab = window.status_tab
    window.tabs.setCurrentWidget(tab)
    seen: dict[str, int] = {}

    def record() -> None:
        for entity, bar in tab.bars.items():
            seen[entity] = max(seen.get(entity, 0), bar.value())

    window.bridge.progress_changed.connect(record)

    async def body() -> None:
        await connected(window.controller, sqlite_url, gui_sandbox)
        await wait_until(tab.sync_button.isEnabled, 10, "Sync now enabled")
        qtbot.mouseClick(tab.sync_button, Qt.MouseButton.LeftButton)
        await wait_until(lambda: window.controller.running, 10, "a pass starts")
        assert tab.stop_button.isEnabled() and not tab.sync_button.isEnabled()
        summary = await window.controller.wait_for_pass()
        assert summary.outcome == "ok", summary.message
        await wait_until(lambda: tab.table.item(2, 5).text() == "40", 10, "contacts figures")
        await window.ops.wait_idle()

    run(qloop, body())
    assert seen["contacts"] == 100 and seen["invoices"] == 100
    for row, kind in enumerate(PULL_ORDER):
        assert tab.table.item(row, 3).text() == "Finished", kind
    assert tab.table.item(4, 10).text() == "114"  # sales invoices linked
    assert window.controller.usage is not None and window.controller.usage.calls > 0
    assert "API calls left" in window.status.calls.text()
    assert "Last sync" in window.status.last_sync.text()
