"""The status bar: connection, last sync, next sync, API calls left this minute and today."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from xerodesk.engine.controller import SyncController
from xerodesk.gui.bridge import Bridge
from xerodesk.gui.text import outcome_text, relative, when


class StatusBar(QStatusBar):
    def __init__(self, controller: SyncController, bridge: Bridge, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        self.connection = QLabel()
        self.last_sync = QLabel()
        self.next_sync = QLabel()
        self.calls = QLabel()
        for name, label in (
            ("status_connection", self.connection),
            ("status_last_sync", self.last_sync),
            ("status_next_sync", self.next_sync),
            ("status_calls", self.calls),
        ):
            label.setObjectName(name)
            label.setContentsMargins(6, 0, 6, 0)
            self.addPermanentWidget(label)
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
        usage = c.usage
        if usage is None:
            self.calls.setText("API calls left: –")
        else:
            minute = usage.minute_remaining
            if minute is None:
                minute = max(0, usage.minute_limit - usage.calls_last_minute)
            self.calls.setText(
                f"API calls left: {minute:,} this minute, {usage.remaining_today:,} today"
            )

    def stop(self) -> None:
        self._clock.stop()
