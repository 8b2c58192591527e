"""The tray icon and its notifications; without a tray (offscreen, some desktops) the
status bar carries the same messages."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSystemTrayIcon, QWidget

from xerodesk.gui.icons import app_icon


def _raise(window: QWidget) -> None:
    window.showNormal()
    window.activateWindow()


class Tray:
    """Notifications for finished passes, held orders and sign-in needed."""

    def __init__(
        self,
        window: QWidget,
        fallback: Callable[[str], None],
        actions: list[QAction],
    ) -> None:
        self.fallback = fallback
        self.sent: list[tuple[str, str]] = []
        self.icon: QSystemTrayIcon | None = None
        if not QSystemTrayIcon.isSystemTrayAvailable():
            return
        icon = QSystemTrayIcon(app_icon(), window)
        menu = QMenu(window)
        show = menu.addAction("Show xerodesk")
        show.triggered.connect(lambda: _raise(window))
        for action in actions:
            menu.addAction(action)
        icon.setContextMenu(menu)
        icon.setToolTip("xerodesk")
        icon.activated.connect(lambda _reason: _raise(window))
        icon.show()
        self.icon = icon
        self._menu = menu

    @property
    def available(self) -> bool:
        return self.icon is not None

    def notify(self, title: str, text: str, warning: bool = False) -> None:
        self.sent.append((title, text))
        if self.icon is None:
            self.fallback(f"{title}: {text}")
            return
        kind = (
            QSystemTrayIcon.MessageIcon.Warning
            if warning
            else QSystemTrayIcon.MessageIcon.Information
        )
        self.icon.showMessage(title, text, kind, 8000)

    def set_busy(self, busy: bool) -> None:
        if self.icon is not None:
            self.icon.setIcon(app_icon(busy))
            self.icon.setToolTip("xerodesk: syncing…" if busy else "xerodesk")

    def hide(self) -> None:
        if self.icon is not None:
            self.icon.hide()
