"""The main window: tabs by keyboard, geometry remembered, notifications without a tray."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import qasync
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QSystemTrayIcon

from tests.gui.conftest import connected, run, wait_until
from tests.support.sandbox import RunningSandbox
from xerodesk.gui.launch import dispose
from xerodesk.gui.main_window import MainWindow
from xerodesk.session import make_controller


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
    assert title == "Sync finished" and "created or updated" in text
    if not window.tray.available:
        assert "Sync finished" in window.status.currentMessage()
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
