"""Engine news as Qt signals: the controller's changes, coalesced for the widgets.

The controller tells the bridge of every change on the event loop; progress
and call usage arrive once a page, so the bridge only marks them and a timer
re-emits them a few times a second (anki's throttled progress snapshot).
Everything else is re-emitted at once.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from xerodesk.engine.controller import Change, SyncController

THROTTLE_MS = 200


class Bridge(QObject):
    database_changed = Signal()
    connection_changed = Signal()
    progress_changed = Signal()
    usage_changed = Signal()
    running_changed = Signal(bool)
    pass_finished = Signal(object)
    pushed = Signal(object)
    schedule_changed = Signal()
    review_changed = Signal()
    options_changed = Signal()
    sign_in_needed = Signal(str)
    problem_raised = Signal(str)

    def __init__(self, controller: SyncController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self._dirty: set[Change] = set()
        self._timer = QTimer(self)
        self._timer.setInterval(THROTTLE_MS)
        self._timer.timeout.connect(self._flush)
        self._timer.start()
        controller.add_listener(self._on_change)

    def _on_change(self, change: Change, payload: object) -> None:
        if change in (Change.PROGRESS, Change.USAGE):
            self._dirty.add(change)
            return
        if change is Change.RUNNING:
            self._flush()
            self.running_changed.emit(bool(payload))
        elif change is Change.PASS_FINISHED:
            self._flush()
            self.pass_finished.emit(payload)
        elif change is Change.PUSHED:
            self.pushed.emit(payload)
        elif change is Change.SIGN_IN_NEEDED:
            self.sign_in_needed.emit(str(payload))
        elif change is Change.PROBLEM:
            self.problem_raised.emit(str(payload))
        else:
            self._simple(change)

    def _simple(self, change: Change) -> None:
        signal = {
            Change.DATABASE: self.database_changed,
            Change.CONNECTION: self.connection_changed,
            Change.SCHEDULE: self.schedule_changed,
            Change.REVIEW: self.review_changed,
            Change.OPTIONS: self.options_changed,
        }.get(change)
        if signal is not None:
            signal.emit()

    def _flush(self) -> None:
        dirty, self._dirty = self._dirty, set()
        if Change.PROGRESS in dirty:
            self.progress_changed.emit()
        if Change.USAGE in dirty:
            self.usage_changed.emit()

    def stop(self) -> None:
        """Stop listening (the window is closing)."""
        self._timer.stop()
        self.controller.remove_listener(self._on_change)
