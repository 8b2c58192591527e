"""Fixtures for the desktop app's tests: a qasync loop per test, the window, helpers.

pytest-qt drives widgets but knows nothing of qasync, so ``qloop`` makes a
``qasync.QEventLoop`` for each test, installs it, turns any error the loop
reports into a test failure and closes it. Tests are plain functions that
hand their async body to ``qloop.run_until_complete`` (``run``); inside it,
``wait_until`` polls with ``asyncio.sleep`` so Qt and asyncio both keep going.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import keyring
import pytest
import qasync
from keyrings.alt.file import PlaintextKeyring
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

from tests.support.databases import DatabaseFactory
from tests.support.sandbox import TEST_CLIENT_ID, TEST_CLIENT_SECRET, RunningSandbox, start_sandbox
from xerodesk.credentials import ALLOW_INSECURE_ENV
from xerodesk.engine.controller import SyncController, XeroTarget
from xerodesk.gui.main_window import MainWindow
from xerodesk.session import make_controller

T = TypeVar("T")


@pytest.fixture(autouse=True)
def shared_keyring(monkeypatch: pytest.MonkeyPatch, private_user_folders: Path) -> None:
    """One keyring file for the app and its runner process, in the test's own folders."""
    monkeypatch.setenv(ALLOW_INSECURE_ENV, "1")
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    keyring.set_keyring(PlaintextKeyring())


class LoopErrors(list[dict[str, Any]]):
    """What the loop's exception handler caught."""


@pytest.fixture
def qloop(qapp: QApplication) -> Iterator[qasync.QEventLoop]:
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    errors = LoopErrors()
    loop.set_exception_handler(lambda _loop, context: errors.append(context))
    yield loop
    try:
        if not loop.is_closed():
            loop.run_until_complete(asyncio.sleep(0.05))
    finally:
        loop.close()
        asyncio.set_event_loop(None)
    if errors:
        details = "; ".join(f"{c.get('message')}: {c.get('exception')!r}" for c in errors)
        pytest.fail(f"the event loop reported errors: {details}")


def run(loop: qasync.QEventLoop, work: Coroutine[Any, Any, T], timeout: float = 120.0) -> T:
    """Run ``work`` on the test's qasync loop, failing after ``timeout`` seconds."""
    result: T = loop.run_until_complete(asyncio.wait_for(work, timeout))
    return result


async def wait_until(
    condition: Callable[[], object], timeout: float = 60.0, message: str = ""
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting: {message or condition}")
        await asyncio.sleep(0.02)


class StallProbe:
    """A 10 ms timer on the GUI thread recording the longest gap between its ticks."""

    def __init__(self, interval_ms: int = 10) -> None:
        self.timer = QTimer()
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)
        self.gaps: list[float] = []
        self._last = 0.0

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self._last)
        self._last = now

    def start(self) -> None:
        self._last = time.perf_counter()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    @property
    def worst_ms(self) -> float:
        return max(self.gaps, default=0.0) * 1000

    def worst(self, n: int = 5) -> list[float]:
        return [round(g * 1000, 1) for g in sorted(self.gaps)[-n:]]


@pytest.fixture
def window(qloop: qasync.QEventLoop, qtbot: Any, tmp_path: Path) -> Iterator[MainWindow]:
    settings = QSettings(str(tmp_path / "desktop.ini"), QSettings.Format.IniFormat)
    shown = MainWindow(make_controller(auto_sync=False), settings)
    shown.show()
    yield shown
    run(qloop, shown.ops.wait_idle(), 30)
    run(qloop, shown.shut_down(), 60)
    shown.deleteLater()


@pytest.fixture(scope="module")
def gui_sandbox() -> Iterator[RunningSandbox]:
    running = start_sandbox(rate_limits="off")
    yield running
    running.close()


@pytest.fixture
def sqlite_url(database_factory: DatabaseFactory) -> str:
    return database_factory.fresh("sqlite")


def custom_target(sandbox: RunningSandbox) -> XeroTarget:
    """The sandbox through a custom connection (client credentials)."""
    return XeroTarget(
        "Test sandbox",
        xero_url=sandbox.base_url,
        client_id=TEST_CLIENT_ID,
        client_secret=TEST_CLIENT_SECRET,
    )


async def connected(controller: SyncController, db_url: str, sandbox: RunningSandbox) -> None:
    await controller.open_database(db_url)
    await controller.connect(custom_target(sandbox))
