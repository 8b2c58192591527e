"""Sync status tab: Sync now with live progress, the figures after, Stop, the call chart."""

from __future__ import annotations

from typing import Any

import qasync
from PySide6.QtCore import Qt

from tests.gui.conftest import connected, run, wait_until
from tests.support.sandbox import RunningSandbox, start_sandbox
from xerodesk.domain.sync import PULL_ORDER, Phase
from xerodesk.engine.controller import PassSummary
from xerodesk.gui.main_window import MainWindow
from xerodesk.session import ProcessRunner


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
    assert "Xero calls left" in window.status.calls.text()
    assert "Last sync" in window.status.last_sync.text()
    assert "The next pass needs about" in tab.budget.text()
    calls = tab.calls_line.text()
    assert "Today's Xero calls:" in calls and "left today" in calls
    assert "(0 used)" not in calls  # the pass's calls count against today's


def test_stop_then_full_resync_of_one_entity(
    window: MainWindow, qloop: qasync.QEventLoop, qtbot: Any, sqlite_url: str
) -> None:
    sandbox = start_sandbox(generate="small", rate_limits="off")
    tab = window.status_tab
    window.tabs.setCurrentWidget(tab)
    controller = window.controller

    async def body() -> tuple[PassSummary, PassSummary]:
        await connected(controller, sqlite_url, sandbox)
        assert controller.sync_now()
        await wait_until(
            lambda: controller.progress["tax_rates"].phase is not Phase.WAITING, 20, "started"
        )
        qtbot.mouseClick(tab.stop_button, Qt.MouseButton.LeftButton)
        stopped = await controller.wait_for_pass()
        await wait_until(lambda: tab.resync_button.isEnabled(), 10, "idle again")
        tab.scope.setCurrentIndex(tab.scope.findData("items"))
        qtbot.mouseClick(tab.resync_button, Qt.MouseButton.LeftButton)
        await wait_until(lambda: tab.question is not None, 10, "asked first")
        assert tab.question is not None
        qtbot.mouseClick(tab.question.resync, Qt.MouseButton.LeftButton)
        await wait_until(lambda: controller.running, 10, "resync started")
        pulled = [e for e, p in controller.progress.items() if p.included and e != "push"]
        assert pulled == ["items"]
        resynced = await controller.wait_for_pass()
        await window.ops.wait_idle()
        return stopped, resynced

    try:
        stopped, resynced = run(qloop, body())
    finally:
        sandbox.close()
    assert stopped.outcome == "cancelled"
    assert resynced.outcome == "ok" and resynced.full and resynced.only == ("items",)
    assert resynced.counts["items"].done == 100
    assert tab.bars["items"].value() == 100
    assert tab.bars["contacts"].format() == ""  # not part of the pass
    assert window.log_tab.model.rowCount() == 2
    assert window.log_tab.model.rows[1].outcome == "cancelled"


def test_a_runner_that_dies_is_reported_and_disconnects(
    window: MainWindow, qloop: qasync.QEventLoop, gui_sandbox: RunningSandbox, sqlite_url: str
) -> None:
    controller = window.controller

    async def body() -> None:
        await connected(controller, sqlite_url, gui_sandbox)
        runner = controller._runner
        assert isinstance(runner, ProcessRunner) and runner._proc is not None
        runner._proc.kill()  # the child this test's controller started
        await wait_until(lambda: controller.connection is None, 20, "disconnected")
        await window.ops.wait_idle()

    run(qloop, body())
    assert "stopped unexpectedly" in window.banner.text()
    assert not window.status_tab.sync_button.isEnabled()
    assert "Not connected" in window.status_tab.state.text()
