"""The status bar: connection, last sync, next sync, API calls left this minute and today.

Every text in it fits: a message or a figure too long for the room left is
cut with an ellipsis, the whole in its tooltip. Its messages (notifications
when no tray shows them) are the bar's own label rather than Qt's painted
message, so they are cut to fit the same way.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QStatusBar, QWidget

from xerodesk.engine.controller import CallUsage, SyncController
from xerodesk.gui.bridge import Bridge
from xerodesk.gui.elided import ElidedLabel
from xerodesk.gui.text import calls_left_today, outcome_text, relative, when


def minute_left(usage: CallUsage) -> int:
    """Calls left this minute: Xero's last word, else the limit less the last minute's."""
    if usage.minute_remaining is not None:
        return int(usage.minute_remaining)
    return max(0, usage.minute_limit - usage.calls_last_minute)


def calls_text(usage: CallUsage | None) -> str:
    if usage is None:
        return "Xero calls left: –"
    today = calls_left_today(usage.remaining_today, usage.daily_limit)
    return f"Xero calls left: {minute_left(usage):,} this minute, {today}"


class StatusBar(QStatusBar):
    def __init__(self, controller: SyncController, bridge: Bridge, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        self.message = ElidedLabel()
        self.message.setObjectName("status_message")
        self.addWidget(self.message, 1)
        self.connection = ElidedLabel()
        self.last_sync = ElidedLabel()
        self.next_sync = ElidedLabel()
        self.calls = ElidedLabel()
        for name, label in (
            ("status_connection", self.connection),
            ("status_last_sync", self.last_sync),
            ("status_next_sync", self.next_sync),
            ("status_calls", self.calls),
        ):
            label.setObjectName(name)
            label.setContentsMargins(6, 0, 6, 0)
            self.addPermanentWidget(label)
        self._expiry = QTimer(self)
        self._expiry.setSingleShot(True)
        self._expiry.timeout.connect(self.clearMessage)
        for signal in (
            bridge.connection_changed,
            bridge.database_changed,
            bridge.pass_finished,
            bridge.schedule_changed,
            bridge.running_changed,
            bridge.usage_changed,
        ):
            signal.connect(self.refresh)
        self._clock = QTimer(self)
        self._clock.setInterval(1000)
        self._clock.timeout.connect(self.refresh)
        self._clock.start()
        self.refresh()

    # the bar's messages, in its own label (cut to fit, whole in the tooltip)

    def showMessage(self, text: str, timeout: int | None = 0) -> None:
        self.message.setText(text)
        self._expiry.stop()
        if timeout:
            self._expiry.start(timeout)

    def currentMessage(self) -> str:
        return self.message.text()

    def clearMessage(self) -> None:
        self._expiry.stop()
        self.message.clear()

    def refresh(self, *_args: object) -> None:
        c = self.controller
        if c.connection is not None:
            self.connection.setText(f"● {c.connection.organisation} ({c.connection.label})")
        elif c.database is not None:
            self.connection.setText("○ Not connected to Xero")
        else:
            self.connection.setText("○ No database open")
        last = c.last_pass
        if c.running:
            self.last_sync.setText("Syncing…")
        elif last is not None:
            self.last_sync.setText(
                f"Last sync: {when(last.finished_at)} ({outcome_text(last.outcome).lower()})"
            )
        else:
            self.last_sync.setText("Last sync: none yet")
        scheduled = c.next_sync_at if c.connection is not None and c.auto_sync else None
        self.next_sync.setText(f"Next sync: {relative(scheduled, 'not scheduled')}")
        self.calls.setText(calls_text(c.usage))

    def stop(self) -> None:
        self._clock.stop()
        self._expiry.stop()
