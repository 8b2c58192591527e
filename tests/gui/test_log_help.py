"""Log tab: what was sent to Xero with its result, the log file opened; the Help menu."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import qasync
from PySide6.QtCore import QUrl
from PySide6.QtGui import QAction, QDesktopServices
from PySide6.QtWidgets import QMessageBox

from tests.engine.push_support import crm_customer
from tests.gui.conftest import connected, run, wait_until
from tests.support.sandbox import RunningSandbox
from xerodesk.gui.main_window import MainWindow
from xerodesk.logsetup import configure_logging
from xerodesk.store.database import open_engine


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[QUrl]:
    """The URLs the app asks the desktop to open (none is opened)."""
    asked: list[QUrl] = []

    def record(url: QUrl) -> bool:
        asked.append(url)
        return True

    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(record))
    return asked


@pytest.fixture
def logging_to(tmp_path: Path) -> Iterator[Path]:
    """The app logging to a file of this test's, as it does when started."""
    logger, top = logging.getLogger("xerodesk"), logging.getLogger()
    saved = (list(logger.handlers), list(top.handlers), logger.level, logger.propagate)
    path = tmp_path / "logs" / "xerodesk.log"
    configure_logging(path)
    logging.getLogger("xerodesk.test").info("the app started")
    yield path
    for handler in logger.handlers:
        handler.close()
    logger.handlers[:], top.handlers[:] = saved[0], saved[1]
    logger.setLevel(saved[2])
    logger.propagate = saved[3]


def menu_action(window: MainWindow, menu: str, text: str) -> QAction:
    for top in window.menuBar().actions():
        if top.text().replace("&", "") == menu and top.menu() is not None:
            for action in top.menu().actions():
                if action.text().replace("&", "") == text:
                    return action
    raise AssertionError(f"no {menu} > {text}")


def test_pushes_show_in_the_log_with_their_result(
    window: MainWindow, qloop: qasync.QEventLoop, gui_sandbox: RunningSandbox, sqlite_url: str
) -> None:
    tab = window.log_tab
    window.tabs.setCurrentWidget(tab)

    async def body() -> None:
        await connected(window.controller, sqlite_url, gui_sandbox)
        engine = open_engine(sqlite_url)
        try:
            crm_customer(engine, "Brand New Bakery")
        finally:
            engine.dispose()
        # the runner sends it between passes; the Log tab shows it without a pass
        await wait_until(lambda: tab.push_model.rowCount() == 1, 30, "the push listed")
        await window.ops.wait_idle()

    run(qloop, body())
    line = tab.push_model.rows[0]
    assert (line.what, line.name, line.result) == ("Customer", "Brand New Bakery", "Sent to Xero")
    shown = [tab.push_model.index(0, c).data() for c in range(tab.push_model.columnCount())]
    assert "Brand New Bakery" in shown and "Sent to Xero" in shown
    whys = [tab.model.index(r, 3).data() for r in range(tab.model.rowCount())]
    assert all("_" not in why for why in whys)  # why each run ran, in words


def test_open_the_log_file_asks_for_the_real_log_file(
    window: MainWindow, opened: list[QUrl], logging_to: Path
) -> None:
    window.log_tab.open_file.click()
    menu_action(window, "File", "Open the log file").trigger()
    menu_action(window, "Help", "Open the log file").trigger()
    assert len(opened) == 3 and logging_to.is_file()
    assert {Path(url.toLocalFile()) for url in opened} == {logging_to}


def test_help_has_getting_started_limits_the_readme_and_about(
    window: MainWindow, opened: list[QUrl], monkeypatch: pytest.MonkeyPatch
) -> None:
    titles = [a.text().replace("&", "") for a in window.help_menu.actions() if a.text()]
    assert titles[0] == "Getting started" and titles[-1] == "About xerodesk"
    assert "Xero's limits" in titles
    shown: list[tuple[str, str]] = []
    for name in ("Getting started", "Xero's limits"):
        menu_action(window, "Help", name).trigger()
        boxes = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
        assert len(boxes) == 1
        shown.append((boxes[0].windowTitle(), boxes[0].text()))
        boxes[0].close()
        boxes[0].deleteLater()
    assert shown[0][0] == "Getting started" and "Connection tab" in shown[0][1]
    assert shown[1][0] == "Xero's limits" and "5,000 calls a day" in shown[1][1]
    menu_action(window, "Help", "The README (full documentation)").trigger()
    readme = Path(opened[-1].toLocalFile())
    assert readme.name == "README.md" and readme.is_file()
    about: list[str] = []
    monkeypatch.setattr(QMessageBox, "about", staticmethod(lambda _w, t, x: about.append(x)))
    menu_action(window, "Help", "About xerodesk").trigger()
    assert about and "xerodesk" in about[0]
