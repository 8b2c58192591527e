"""Fixtures for the desktop app's tests: a qasync loop per test, the window, helpers.

pytest-qt drives widgets but knows nothing of qasync, so ``qloop`` makes a
``qasync.QEventLoop`` for each test, installs it, turns any error the loop
reports into a test failure and closes it. Tests are plain functions that
hand their async body to ``qloop.run_until_complete`` (``run``); inside it,
``wait_until`` polls with ``asyncio.sleep`` so Qt and asyncio both keep going.
"""

from __future__ import annotations

import asyncio
import collections
import gc
import os
import sys
import threading
import time
import traceback
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
from xerodesk.gui.launch import dispose
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
        gc.collect()  # now, between tests, rather than inside the next one's Qt events
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
    """A 10 ms timer on the GUI thread recording the gaps between its ticks.

    Each gap is kept with the CPU time this process used during it (every
    thread: the window's and any that could hold the interpreter lock). A gap
    in which the process hardly ran was the operating system's doing (other
    programs had the CPU); ``app_ms`` is the part of a gap the process spent
    computing, an upper bound of what the app itself blocked. With
    ``XERODESK_STALL_TRACE=1`` a watchdog thread also samples what the GUI
    thread was doing whenever a tick is 30 ms late (``where``).
    """

    def __init__(self, interval_ms: int = 10) -> None:
        self.timer = QTimer()
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)
        self.gaps: list[tuple[float, float]] = []
        self.where: collections.Counter[str] = collections.Counter()
        self._last = self._cpu = 0.0
        self._running = False

    def _tick(self) -> None:
        now, cpu = time.perf_counter(), time.process_time()
        self.gaps.append((now - self._last, cpu - self._cpu))
        self._last, self._cpu = now, cpu

    def start(self) -> None:
        self._last, self._cpu = time.perf_counter(), time.process_time()
        self._running = True
        self.timer.start()
        if os.environ.get("XERODESK_STALL_TRACE"):
            threading.Thread(target=self._watch, daemon=True).start()

    def _watch(self) -> None:
        main = threading.main_thread().ident or 0
        while self._running:
            time.sleep(0.003)
            if time.perf_counter() - self._last > 0.03:
                frame = sys._current_frames().get(main)
                if frame is not None:
                    stack = traceback.extract_stack(frame)[-6:]
                    where = " <- ".join(
                        f"{s.name}:{Path(s.filename).name}:{s.lineno}" for s in reversed(stack)
                    )
                    self.where[where] += 1

    def stop(self) -> None:
        self._running = False
        self.timer.stop()

    @property
    def worst_ms(self) -> float:
        """The longest gap between ticks, whatever its cause."""
        return max((gap for gap, _cpu in self.gaps), default=0.0) * 1000

    @property
    def app_ms(self) -> float:
        """The longest time within one gap that this process spent computing."""
        return max((min(gap, cpu) for gap, cpu in self.gaps), default=0.0) * 1000

    def worst(self, n: int = 5) -> list[tuple[float, float]]:
        """The ``n`` longest gaps as (gap ms, process CPU ms during it)."""
        ranked = sorted(self.gaps)[-n:]
        return [(round(gap * 1000, 1), round(cpu * 1000, 1)) for gap, cpu in ranked]


@pytest.fixture
def window(qloop: qasync.QEventLoop, qtbot: Any, tmp_path: Path) -> Iterator[MainWindow]:
    settings = QSettings(str(tmp_path / "desktop.ini"), QSettings.Format.IniFormat)
    shown = MainWindow(make_controller(auto_sync=False), settings)
    shown.show()
    yield shown
    run(qloop, shown.ops.wait_idle(), 30)
    run(qloop, shown.shut_down(), 60)
    run(qloop, shown.ops.wait_idle(), 30)
    dispose(shown)


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
