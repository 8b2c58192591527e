"""Starting the desktop app: the QApplication, the qasync event loop, the window."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Sequence

import qasync
from PySide6.QtCore import QCoreApplication, QEvent, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from xerodesk.gui.icons import app_icon
from xerodesk.gui.main_window import MainWindow
from xerodesk.gui.setup_assistant import apply_keyring_choice
from xerodesk.paths import AppPaths
from xerodesk.session import make_controller


def application(argv: Sequence[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(list(argv if argv is not None else sys.argv[:1]))
    app.setApplicationName("xerodesk")
    app.setApplicationDisplayName("xerodesk")
    app.setOrganizationName("xerodesk")
    app.setDesktopFileName("xerodesk")
    app.setWindowIcon(app_icon())
    return app


def ui_settings(paths: AppPaths) -> QSettings:
    """Per-user UI state (window geometry, last tab, database choice): never secrets."""
    return QSettings(str(paths.config_dir / "desktop.ini"), QSettings.Format.IniFormat)


def run_app(paths: AppPaths, *, db_url: str | None = None, demo: bool = False) -> int:
    """Show the window and run until it is closed; returns the exit status."""
    app = application()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    settings = ui_settings(paths)
    apply_keyring_choice(settings)
    window = MainWindow(make_controller(), settings)
    window.show()
    wakeup = close_on_signals(window)

    async def main() -> None:
        window.start(db_url=db_url, demo=demo)
        assert window.closed is not None
        await window.closed

    with loop:
        loop.run_until_complete(main())
    wakeup.stop()
    dispose(window)
    return 0


def close_on_signals(window: MainWindow) -> QTimer:
    """SIGTERM or SIGINT (a logout, a service manager, Ctrl+C) closes the window as
    its close button does: the pass in hand stops at a page boundary, the runner
    process ends and the window's place is remembered.

    Python runs a signal handler only between bytecodes, and an idle Qt event
    loop waits in C; the returned timer wakes the interpreter a few times a second
    so the handler runs promptly. Stop it when the window has closed.
    """

    def close(_signum: int, _frame: object) -> None:
        QTimer.singleShot(0, window.close)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, close)
    wakeup = QTimer(window)
    wakeup.setInterval(250)
    wakeup.timeout.connect(lambda: None)
    wakeup.start()
    return wakeup


def dispose(window: MainWindow) -> None:
    """Delete the window's widgets now, at a safe point, not whenever Python collects it."""
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
