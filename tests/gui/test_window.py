"""The main window: tabs by keyboard, geometry remembered, notifications without a tray."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import qasync
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtWidgets import QApplication, QLabel, QSystemTrayIcon, QWidget

from tests.gui.conftest import connected, run, wait_until
from tests.support.sandbox import RunningSandbox
from xerodesk.domain.sync import Counts
from xerodesk.engine.controller import PassSummary
from xerodesk.gui.launch import dispose
from xerodesk.gui.main_window import MainWindow, pass_summary_text
from xerodesk.session import make_controller
from xerodesk.store.types import utcnow


def test_tabs_open_by_keyboard_and_each_has_a_name(
    window: MainWindow, qloop: qasync.QEventLoop, qtbot: Any
) -> None:
    names = [window.tabs.tabText(i).replace("&", "") for i in range(window.tabs.count())]
    assert names == [
        "Connection", "System options", "Sync status", "Review", "Mapping tables", "Log",
    ]  # fmt: skip
    for index in range(window.tabs.count()):
        qtbot.keyClick(window, Qt.Key(Qt.Key.Key_1 + index), Qt.KeyboardModifier.ControlModifier)
        assert window.tabs.currentIndex() == index
    assert window.minimumWidth() >= 700 and window.width() >= 780


def test_geometry_and_tab_are_remembered(
    qloop: qasync.QEventLoop, qtbot: Any, tmp_path: Path
) -> None:
    path = str(tmp_path / "ui.ini")
    first = MainWindow(
        make_controller(auto_sync=False), QSettings(path, QSettings.Format.IniFormat)
    )
    first.show()
    first.resize(780, 590)
    first.tabs.setCurrentIndex(4)
    run(qloop, first.shut_down())
    dispose(first)
    stored = QSettings(path, QSettings.Format.IniFormat)
    assert stored.value("window/tab") in (4, "4")
    assert not any("password" in key or "secret" in key for key in stored.allKeys())
    second = MainWindow(
        make_controller(auto_sync=False), QSettings(path, QSettings.Format.IniFormat)
    )
    second.show()
    try:
        assert second.tabs.currentIndex() == 4
        assert (second.width(), second.height()) == (780, 590)
    finally:
        run(qloop, second.shut_down())
        dispose(second)


def test_finished_pass_is_notified_even_without_a_tray(
    window: MainWindow, qloop: qasync.QEventLoop, gui_sandbox: RunningSandbox, sqlite_url: str
) -> None:
    assert window.tray.available == QSystemTrayIcon.isSystemTrayAvailable()

    async def body() -> None:
        await connected(window.controller, sqlite_url, gui_sandbox)
        assert window.controller.sync_now()
        await window.controller.wait_for_pass()
        await wait_until(lambda: window.tray.sent, 10, "a notification")
        await window.ops.wait_idle()

    run(qloop, body())
    title, text = window.tray.sent[0]
    assert title == "Sync finished" and "records created or updated;" in text
    assert "(s)" not in text and "Xero calls." in text
    if not window.tray.available:
        assert "Sync finished" in window.status.currentMessage()
    window.resize(760, 560)
    run(qloop, settled())
    assert_fits(window)
    for tab in (window.review_tab, window.mapping_tab, window.log_tab, window.options_tab):
        window.tabs.setCurrentWidget(tab)
        qloop.run_until_complete(window.ops.wait_idle())


def test_next_start_reopens_the_database_and_reconnects(
    qloop: qasync.QEventLoop, tmp_path: Path
) -> None:
    path = str(tmp_path / "ui.ini")

    def make() -> MainWindow:
        shown = MainWindow(
            make_controller(auto_sync=False), QSettings(path, QSettings.Format.IniFormat)
        )
        shown.show()
        return shown

    first = make()

    async def use_demo() -> None:
        first.start()
        await first.connection_tab.use_demo()
        await first.ops.wait_idle()
        await first.shut_down()

    run(qloop, use_demo())
    dispose(first)
    second = make()

    async def resumed() -> None:
        second.start()
        await wait_until(lambda: second.controller.connection is not None, 60, "reconnected")
        await second.ops.wait_idle()

    try:
        run(qloop, resumed())
        connection = second.controller.connection
        assert connection is not None and connection.demo
        assert second.controller.database is not None
        assert second.controller.database.url.endswith("xerodesk.db")
    finally:
        run(qloop, second.shut_down())
        dispose(second)


async def settled() -> None:
    """Let Qt lay the window out again (layout requests are posted events)."""
    for _ in range(3):
        await asyncio.sleep(0.05)
        QApplication.processEvents()


def places(widgets: tuple[QWidget, ...]) -> list[QPoint]:
    return [widget.mapToGlobal(QPoint(0, 0)) for widget in widgets]


def test_a_problem_moves_no_control_and_goes_when_the_user_moves_on(
    window: MainWindow, qloop: qasync.QEventLoop, gui_sandbox: RunningSandbox, sqlite_url: str
) -> None:
    tab = window.status_tab
    window.tabs.setCurrentWidget(tab)
    watched = (tab.sync_button, tab.resync_button, tab.table, window.tabs.tabBar())
    sync_now = window.sync_now_action

    async def body() -> None:
        await settled()
        before = places(watched)
        sync_now.trigger()  # not connected yet: refused
        await wait_until(window.banner.text, 10, "a problem shown")
        await settled()
        assert "Connect to Xero" in window.banner.text()
        assert places(watched) == before
        window.show_problem("A problem of many words. " * 40 + "\nAnd a second line.")
        await settled()
        assert places(watched) == before
        assert window.banner.message.elided and "second line" in window.banner.message.toolTip()
        window.tabs.setCurrentWidget(window.log_tab)  # moving on clears it
        assert window.banner.text() == ""
        window.tabs.setCurrentWidget(tab)
        sync_now.trigger()
        await wait_until(window.banner.text, 10, "the problem again")
        await connected(window.controller, sqlite_url, gui_sandbox)
        await window.ops.wait_idle()
        assert "Connect to Xero" in window.banner.text()  # a connection alone is not its cure
        sync_now.trigger()  # the same action now succeeds: its problem is gone
        await wait_until(lambda: window.banner.text() == "", 10, "the problem cleared")
        await window.controller.wait_for_pass()
        await window.ops.wait_idle()
        await settled()
        assert places(watched) == before

    run(qloop, body())


def assert_fits(window: MainWindow) -> None:
    """Each text of the status bar is shown whole or cut with ``…``, the whole in its tooltip,
    and the bar's labels fit in the window side by side."""
    bar = window.status
    labels = (bar.message, bar.connection, bar.last_sync, bar.next_sync, bar.calls)
    for label in labels:
        shown = QLabel.text(label)  # what is painted, not the whole text
        room = label.contentsRect().width()
        assert label.fontMetrics().horizontalAdvance(shown) <= room, (shown, room)
        if shown != label.text():
            assert shown.endswith("…") and label.toolTip() == label.text()
    assert sum(label.width() for label in labels if label.isVisible()) <= window.width()


def test_status_bar_words_counts_and_fits_a_narrow_window(
    window: MainWindow, qloop: qasync.QEventLoop
) -> None:
    one = PassSummary("ok", None, 1, 1, 1, False, (), {"items": Counts(1)}, utcnow(), {"sent": 1})
    assert pass_summary_text(one) == (
        "1 record created or updated; 1 Xero call. 1 record sent to Xero. 1 new item to review."
    )
    many = PassSummary("ok", None, 1, 1204, 0, False, (), {"items": Counts(2, 1200)}, utcnow())
    assert pass_summary_text(many) == "1,202 records created or updated; 1,204 Xero calls."
    window.resize(720, 520)
    window.status.showMessage("Sync finished: " + pass_summary_text(many) * 3, 15000)
    run(qloop, settled())
    assert window.status.message.elided
    assert window.status.currentMessage().startswith("Sync finished: 1,202 records")
    assert_fits(window)
