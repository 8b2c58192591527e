"""The Sync status tab's progress: a bar per entity, and the pass as a whole with its
elapsed time and an estimate of the time left (``engine.eta``)."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QWidget

from xerodesk.domain.sync import Phase
from xerodesk.engine.controller import EntityProgress, SyncController
from xerodesk.gui.text import about, duration, outcome_text

PHASE_TEXT = {
    Phase.WAITING: "Waiting",
    Phase.READING: "Reading from Xero",
    Phase.WRITING: "Writing to the CRM",
    Phase.REFRESHING: "Refreshing",
    Phase.PUSHING: "Sending to Xero",
    Phase.DONE: "Finished",
    Phase.FAILED: "Failed",
    Phase.CANCELLED: "Stopped",
}
#: an entity's outcome in the last pass, from where it ended (the Outcome column)
ENDED_TEXT = {
    Phase.DONE: "Finished",
    Phase.FAILED: "Failed",
    Phase.CANCELLED: "Stopped",
}


def show_bar(bar: QProgressBar, entry: EntityProgress, shown: bool) -> None:
    """One entity's bar: its phase, records done of those expected."""
    if not entry.included or not shown:
        bar.setRange(0, 100)
        bar.setValue(0)
        bar.setFormat("")
        return
    fraction = entry.fraction
    if fraction is None and entry.phase in (Phase.READING, Phase.WRITING, Phase.REFRESHING):
        bar.setRange(0, 0)  # busy, size unknown
    else:
        bar.setRange(0, 100)
        bar.setValue(round((fraction or 0.0) * 100))
    done = entry.counts.done
    expected = f" of {entry.expected:,}" if entry.expected else ""
    bar.setFormat(f"{PHASE_TEXT.get(entry.phase, entry.phase)} · {done:,}{expected}")
    bar.setAccessibleDescription(bar.format())


class OverallProgress(QWidget):
    """The pass as a whole: a bar, the time so far and about how long it has left."""

    def __init__(self, controller: SyncController) -> None:
        super().__init__()
        self.controller = controller
        self.bar = QProgressBar()
        self.bar.setObjectName("overall_progress")
        self.bar.setAccessibleName("Progress of the whole sync")
        self.bar.setRange(0, 100)
        self.bar.setValue(0)
        self.bar.setFormat("%p%")
        self.time = QLabel("No sync yet in this session.")
        self.time.setObjectName("overall_time")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Whole sync:"))
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.time)
        self.ticker = QTimer(self)  # the elapsed time moves on between pages
        self.ticker.setInterval(1000)
        self.ticker.timeout.connect(self.refresh)
        self._was_running = False

    def refresh(self) -> None:
        c = self.controller
        now = c.overall()
        if now is None:
            return
        running = c.running
        if running and not self._was_running:
            self.bar.setValue(0)  # a new pass
        self._was_running = running
        if running and not self.ticker.isActive():
            self.ticker.start()
        elif not running:
            self.ticker.stop()
        value = round(now.fraction * 100)
        if running:
            value = min(value, 99)  # whole only once it has ended
        elif c.last_pass is not None and c.last_pass.outcome == "ok":
            value = 100
        self.bar.setValue(max(value, self.bar.value()) if running else value)
        if running:
            left = now.remaining
            rest = "estimating…" if left is None else f"{about(left)} left"
            self.time.setText(f"Elapsed {duration(now.elapsed)} · {rest}")
        else:
            outcome = outcome_text(c.last_pass.outcome) if c.last_pass else ""
            self.time.setText(f"{outcome} after {duration(now.elapsed)}".strip())
        self.bar.setAccessibleDescription(self.time.text())
