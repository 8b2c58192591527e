"""The main window: six tabs, the status bar, the menus and the tray."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QMainWindow,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from xerodesk.engine.controller import PassSummary, SyncController
from xerodesk.gui.banner import ENGINE, ProblemBanner
from xerodesk.gui.bridge import Bridge
from xerodesk.gui.help import add_help_menu
from xerodesk.gui.icons import app_icon
from xerodesk.gui.logfile import open_log_file
from xerodesk.gui.ops import Ops
from xerodesk.gui.statusbar import StatusBar
from xerodesk.gui.tab_connection import ConnectionTab
from xerodesk.gui.tab_log import LogTab
from xerodesk.gui.tab_mapping import MappingTab
from xerodesk.gui.tab_options import OptionsTab
from xerodesk.gui.tab_review import ReviewTab
from xerodesk.gui.tab_status import StatusTab
from xerodesk.gui.text import outcome_text, plural
from xerodesk.gui.tray import Tray
from xerodesk.store.views import review_kinds

BLOCKED_KIND = "push_blocked"
DEFAULT_SIZE = (1180, 760)


class MainWindow(QMainWindow):
    def __init__(self, controller: SyncController, settings: QSettings) -> None:
        super().__init__()
        self.controller = controller
        self.settings = settings
        self.setWindowTitle("xerodesk")
        self.setWindowIcon(app_icon())
        self.setMinimumSize(720, 520)
        self.banner = ProblemBanner()
        self.ops = Ops(self.show_problem, self.banner.resolved)
        self.bridge = Bridge(controller, self)
        self.connection_tab = ConnectionTab(controller, self.ops, self.bridge, settings)
        self.options_tab = OptionsTab(controller, self.ops, self.bridge)
        self.status_tab = StatusTab(controller, self.ops, self.bridge)
        self.review_tab = ReviewTab(controller, self.ops, self.bridge)
        self.mapping_tab = MappingTab(controller, self.ops, self.bridge)
        self.log_tab = LogTab(controller, self.ops, self.bridge)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("main_tabs")
        for widget, title in (
            (self.connection_tab, "&Connection"),
            (self.options_tab, "System &options"),
            (self.status_tab, "S&ync status"),
            (self.review_tab, "&Review"),
            (self.mapping_tab, "&Mapping tables"),
            (self.log_tab, "&Log"),
        ):
            self.tabs.addTab(widget, title)
        self.setCentralWidget(self._central())
        self.tabs.currentChanged.connect(self.clear_problem)  # the user moved on
        self.status = StatusBar(controller, self.bridge, self)
        self.setStatusBar(self.status)
        actions = self._menus()
        self.tray = Tray(self, lambda text: self.status.showMessage(text, 15000), actions)
        self.bridge.pass_finished.connect(self._pass_finished)
        self.bridge.pushed.connect(self._pushed)
        self.bridge.running_changed.connect(self.tray.set_busy)
        self.bridge.sign_in_needed.connect(self._sign_in_needed)
        self.bridge.problem_raised.connect(self.show_problem)
        self.bridge.connection_changed.connect(self._engine_recovered)
        self.closed: asyncio.Future[None] | None = None
        self._open_blocked = 0
        self._closing = False
        self._shutdown: asyncio.Future[None] | None = None
        self._restore()

    def _central(self) -> QWidget:
        """The problem strip (of fixed height, empty until something goes wrong) above
        the tabs: a problem never moves the controls."""
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addWidget(self.banner)
        layout.addWidget(self.tabs, 1)
        return central

    def _menus(self) -> list[QAction]:
        file_menu = self.menuBar().addMenu("&File")
        log_file = file_menu.addAction("Open the &log file")
        log_file.triggered.connect(open_log_file)
        quit_action = file_menu.addAction("&Quit")
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        sync_menu = self.menuBar().addMenu("&Sync")
        sync_now = self.sync_now_action = sync_menu.addAction("Sync &now")
        sync_now.triggered.connect(self.status_tab.sync_now)
        full = sync_menu.addAction("&Full resync of everything")
        full.triggered.connect(self._full_resync)
        stop = sync_menu.addAction("&Stop")
        stop.setShortcut(QKeySequence("Ctrl+."))
        stop.triggered.connect(self.controller.stop)
        view_menu = self.menuBar().addMenu("&View")
        for index in range(self.tabs.count()):
            action = view_menu.addAction(self.tabs.tabText(index).replace("&", ""))
            action.setShortcut(QKeySequence(f"Ctrl+{index + 1}"))
            action.triggered.connect(lambda _c=False, i=index: self.tabs.setCurrentIndex(i))
        self.help_menu = add_help_menu(self)
        return [sync_now, stop, quit_action]

    def _full_resync(self) -> None:
        """Everything read again, once the user has seen what it costs."""
        self.tabs.setCurrentWidget(self.status_tab)
        self.status_tab.ask_full_resync(None)

    # -- problems and notifications -------------------------------------------

    def show_problem(self, text: str, owner: str = ENGINE) -> None:
        """Show ``text`` until it is dismissed, the user changes tab or ``owner``'s work
        next succeeds (``ENGINE``: the sync engine's, until a pass ends well)."""
        self.banner.show_problem(text, owner)

    def clear_problem(self) -> None:
        self.banner.clear()

    def _engine_recovered(self) -> None:
        if self.controller.connection is not None:
            self.banner.resolved(ENGINE)

    def _pass_finished(self, summary: PassSummary) -> None:
        if summary.outcome in ("ok", "day_limit", "cancelled"):
            self.banner.resolved(ENGINE)
        if summary.outcome in ("ok", "day_limit"):
            self.tray.notify(
                f"Sync {outcome_text(summary.outcome).lower()}", pass_summary_text(summary)
            )
        elif summary.outcome == "failed":
            self.tray.notify("Sync failed", summary.message or "See the log.", warning=True)
        if self.controller.database is not None:
            self.ops.run(self.controller.query(review_kinds), self._check_blocked)

    def _pushed(self, pushes: dict[str, int]) -> None:
        if pushes.get("sent"):
            self.tray.notify("Sent to Xero", f"{plural(pushes['sent'], 'record')} from the CRM.")
        if pushes.get("failed"):
            refused = pushes["failed"]
            self.tray.notify(
                "Not accepted by Xero",
                f"{plural(refused, 'record')} {'was' if refused == 1 else 'were'} refused: "
                "see the Review tab.",
                warning=True,
            )
        if self.controller.database is not None:
            self.ops.run(self.controller.query(review_kinds), self._check_blocked)

    def _check_blocked(self, kinds: dict[str, int]) -> None:
        blocked = kinds.get(BLOCKED_KIND, 0)
        if blocked > self._open_blocked:
            self.tray.notify(
                "Orders held back",
                f"{plural(blocked, 'confirmed order')} "
                f"{'waits for a customer' if blocked == 1 else 'wait for customers'} on stop: "
                "see the Review tab.",
                warning=True,
            )
        self._open_blocked = blocked

    def _sign_in_needed(self, text: str) -> None:
        self.tray.notify("Sign in to Xero", text, warning=True)

    # -- start, geometry, closing ---------------------------------------------

    def _restore(self) -> None:
        geometry = self.settings.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(*DEFAULT_SIZE)
        tab = self.settings.value("window/tab", 0)
        self.tabs.setCurrentIndex(int(str(tab)) if str(tab).isdigit() else 0)

    def start(self, *, db_url: str | None = None, demo: bool = False) -> None:
        """Open what the user asked for (or used last time) once the loop runs."""
        self.closed = asyncio.get_running_loop().create_future()
        self.connection_tab.start()
        if demo:
            self.tabs.setCurrentWidget(self.status_tab)
            self.ops.run(self.connection_tab.use_demo())
        elif db_url:
            self.ops.run(self.controller.open_database(db_url))
        else:
            self.ops.run(self.connection_tab.resume())

    def closeEvent(self, event: QCloseEvent) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/tab", self.tabs.currentIndex())
        self.settings.sync()
        if self._closing:
            event.accept()
            return
        event.ignore()
        self._closing = True
        self.setEnabled(False)
        self.status.showMessage("Stopping the sync and closing…")
        self._shutdown = asyncio.ensure_future(self.shut_down())

    async def shut_down(self) -> None:
        """Stop the sync (the runner finishes its page), close the database, then the window."""
        self._closing = True
        try:
            self.ops.close()
            await self.controller.close()
        finally:
            self.bridge.stop()
            self.status.stop()
            self.tray.hide()
            self.close()
            if self.closed is not None and not self.closed.done():
                self.closed.set_result(None)


def pass_summary_text(summary: PassSummary) -> str:
    """``1,204 records created or updated; 31 Xero calls.``, and what was sent and raised."""
    total = sum((c.created + c.updated for c in summary.counts.values()), 0)
    text = f"{plural(total, 'record')} created or updated; {plural(summary.calls, 'Xero call')}."
    if summary.pushes.get("sent"):
        text += f" {plural(summary.pushes['sent'], 'record')} sent to Xero."
    if summary.new_review_items:
        text += f" {plural(summary.new_review_items, 'new item')} to review."
    return text
