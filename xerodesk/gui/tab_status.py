"""Sync status: one row per entity, live progress, the sync buttons and the call chart.

Under the table, how old the CRM's copy of each entity is, when the next sync is
planned, today's Xero calls with the forecast, and a warning when they run low
(``engine.outlook``); read on the database worker with the rest of the tab.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from xerodesk.domain.sync import PULL_ORDER, EntityKind, Phase
from xerodesk.engine.budget import CallPlan, DayUsage
from xerodesk.engine.controller import SyncController
from xerodesk.engine.freshness import PLAIN_NAMES, EntityFreshness
from xerodesk.engine.outlook import LOW, SPENT, SyncOutlook, sync_outlook
from xerodesk.engine.pass_types import PassRequest
from xerodesk.engine.passes import current_plan
from xerodesk.engine.schedule import EVEN, MINIMUM, WAITING
from xerodesk.gui.bridge import Bridge
from xerodesk.gui.chart import CallsChart
from xerodesk.gui.ops import Ops
from xerodesk.gui.progress import ENDED_TEXT, OverallProgress, show_bar
from xerodesk.gui.resync import ResyncQuestion
from xerodesk.gui.text import calls_left_today, clock, entity_name, number, outcome_text, when
from xerodesk.store.types import utcnow
from xerodesk.store.views import EntityStatus, entity_status

COLUMNS = (
    "Entity",
    "Progress",
    "Last pass",
    "Outcome",
    "Changes read up to",
    "Created",
    "Updated",
    "Unchanged",
    "Skipped",
    "Errors",
    "Linked records",
)
#: why the next sync is then, in the app's words
REASONS = {
    EVEN: "as often as today's Xero calls allow",
    MINIMUM: "the shortest interval the options allow",
    WAITING: "waiting for Xero calls to free up",
}
WARNING_STYLE = {
    LOW: "background: #fff4ce; color: #5c4400; border: 1px solid #e0b800; padding: 6px;",
    SPENT: "background: #fde7e9; color: #7a0010; border: 1px solid #c50f1f; padding: 6px;",
}


class StatusTab(QWidget):
    def __init__(self, controller: SyncController, ops: Ops, bridge: Bridge) -> None:
        super().__init__()
        self.controller = controller
        self.ops = ops
        self.stored: dict[str, EntityStatus] = {}
        self.sync_button = QPushButton("Sync &now")
        self.sync_button.setObjectName("sync_now")
        self.sync_button.setShortcut(QKeySequence.StandardKey.Refresh)
        self.sync_button.setToolTip("Read what changed in Xero since the last pass (F5)")
        self.scope = QComboBox()
        self.scope.setObjectName("resync_scope")
        self.scope.setAccessibleName("What to resync")
        self.scope.addItem("All entities", None)
        for kind in PULL_ORDER:
            self.scope.addItem(entity_name(kind.value), kind.value)
        self.resync_button = QPushButton("&Full resync")
        self.resync_button.setObjectName("full_resync")
        self.resync_button.setToolTip(
            "Read every record of the chosen entity again, not just changes"
        )
        self.stop_button = QPushButton("S&top")
        self.stop_button.setObjectName("stop_sync")
        self.stop_button.setToolTip("Stop after the page in hand; nothing is left half-written")
        self.state = QLabel()
        self.state.setObjectName("sync_state")
        self.sync_button.clicked.connect(self.sync_now)
        self.resync_button.clicked.connect(self.full_resync)
        self.stop_button.clicked.connect(controller.stop)
        bar = QHBoxLayout()
        for widget in (self.sync_button, self.scope, self.resync_button, self.stop_button):
            bar.addWidget(widget)
        bar.addWidget(self.state, 1)
        self.table = self._table()
        self.budget = QLabel()
        self.budget.setObjectName("call_budget")
        self.budget.setWordWrap(True)
        self.budget.setToolTip(
            "Xero allows each organisation a number of calls a day (5,000; 1,000 on the "
            "Starter plan). Pushes and master data go first; a large read of documents that "
            "does not fit today carries on with the next day's calls."
        )
        self.chart = CallsChart()
        self.overall = OverallProgress(controller)
        self.calls_line = QLabel()
        self.calls_line.setObjectName("calls_today")
        self.calls_line.setAccessibleName("Today's Xero calls")
        self.question: ResyncQuestion | None = None
        self._lay_out(bar)
        bridge.database_changed.connect(self.reload)
        bridge.connection_changed.connect(self._refresh_buttons)
        bridge.running_changed.connect(self._refresh_buttons)
        bridge.progress_changed.connect(self._show_progress)
        bridge.pass_finished.connect(lambda _summary: self.reload())
        bridge.usage_changed.connect(self._show_usage)
        bridge.connection_changed.connect(self._show_usage)
        bridge.running_changed.connect(lambda _running: self.overall.refresh())
        self._refresh_buttons()

    def _lay_out(self, bar: QHBoxLayout) -> None:
        """The buttons, the warning, the table, freshness beside the day's calls, the chart."""
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.overall)
        layout.addWidget(self._outlook_labels())
        layout.addWidget(self.table, 3)
        day = QVBoxLayout()
        for label in (self.next_sync, self.calls_line, self.budget, self.forecast):
            day.addWidget(label)
        day.addStretch(1)
        below = QHBoxLayout()
        below.addWidget(self.freshness)
        below.addSpacing(24)
        below.addLayout(day, 1)
        layout.addLayout(below)
        layout.addWidget(self.chart, 2)

    def _outlook_labels(self) -> QLabel:
        """The freshness, next sync and forecast labels; returns the warning's."""
        self.freshness = QLabel()
        self.freshness.setObjectName("freshness")
        self.freshness.setAccessibleName("How old the CRM's copy of each kind of record is")
        self.freshness.setToolTip(
            "When each kind of record was last read from Xero whole and without error"
        )
        self.next_sync = QLabel()
        self.next_sync.setObjectName("next_sync_planned")
        self.forecast = QLabel()
        self.forecast.setObjectName("call_forecast")
        self.forecast.setWordWrap(True)
        self.warning = QLabel()
        self.warning.setObjectName("call_warning")
        self.warning.setAccessibleName("Xero calls warning")
        self.warning.setWordWrap(True)
        self.warning.hide()
        self.read: list[EntityFreshness] = []
        self._plan_usage: DayUsage | None = None
        # the ages move on between reloads (no database read: only the clock)
        self.ages_timer = QTimer(self)
        self.ages_timer.setInterval(60_000)
        self.ages_timer.timeout.connect(lambda: self._show_ages(utcnow()))
        self.ages_timer.start()
        return self.warning

    def _table(self) -> QTableWidget:
        table = QTableWidget(len(PULL_ORDER), len(COLUMNS))
        table.setObjectName("status_table")
        table.setHorizontalHeaderLabels(list(COLUMNS))
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.bars: dict[str, QProgressBar] = {}
        for row, kind in enumerate(PULL_ORDER):
            table.setItem(row, 0, QTableWidgetItem(entity_name(kind.value)))
            bar = QProgressBar()
            bar.setObjectName(f"progress_{kind.value}")
            bar.setTextVisible(True)
            bar.setFormat("")
            bar.setValue(0)
            table.setCellWidget(row, 1, bar)
            self.bars[kind.value] = bar
            for column in range(2, len(COLUMNS)):
                item = QTableWidgetItem("")
                if column >= 5:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                table.setItem(row, column, item)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        table.itemSelectionChanged.connect(self._selected)
        return table

    def _selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self.scope.setCurrentIndex(rows[0].row() + 1)

    def _set(self, row: int, column: int, text: str) -> None:
        item = self.table.item(row, column)
        if item is not None and item.text() != text:
            item.setText(text)

    # -- actions --------------------------------------------------------------

    def sync_now(self) -> None:
        self.ops.run(self._start(lambda: self.controller.sync_now()))

    def full_resync(self) -> None:
        """Ask first: the chosen entity's (or everything's) calls against today's."""
        value = self.scope.currentData()
        self.ask_full_resync(EntityKind(value) if value else None)

    def ask_full_resync(self, entity: EntityKind | None) -> None:
        if self.controller.connection is None or self.controller.running:
            self.ops.run(self._start(lambda: self.controller.full_resync(entity)))
            return
        only = (entity,) if entity is not None else PULL_ORDER
        request = PassRequest(trigger="full_resync", full=True, only=only)
        self.ops.run(
            self.controller.query(current_plan, request), lambda plan: self._ask(entity, plan)
        )

    def _ask(self, entity: EntityKind | None, plan: CallPlan) -> None:
        if self.question is not None:
            self.question.done(0)
        question = self.question = ResyncQuestion(self, entity, plan, self.controller.usage)
        question.finished.connect(lambda _result: self._answered(question))
        question.open()

    def _answered(self, question: ResyncQuestion) -> None:
        if self.question is question:
            self.question = None
        question.deleteLater()
        if question.confirmed:
            entity = question.entity
            self.ops.run(self._start(lambda: self.controller.full_resync(entity)))

    async def _start(self, start: Callable[[], bool]) -> None:
        if not start():
            self.state.setText("A pass is already running.")

    def _refresh_buttons(self) -> None:
        connected = self.controller.connection is not None
        running = self.controller.running
        self.sync_button.setEnabled(connected and not running)
        self.resync_button.setEnabled(connected and not running)
        self.scope.setEnabled(connected and not running)
        self.stop_button.setEnabled(running)
        if not connected:
            self.state.setText("Not connected to Xero: see the Connection tab.")
        elif running:
            self.state.setText("Syncing…")
        elif self.controller.last_pass is not None:
            last = self.controller.last_pass
            self.state.setText(
                f"Last pass: {outcome_text(last.outcome)} at {when(last.finished_at)}"
            )
        else:
            self.state.setText("Connected; no pass yet in this session.")

    # -- data -----------------------------------------------------------------

    def reload(self) -> None:
        if self.controller.database is None:
            return
        entities = [kind.value for kind in PULL_ORDER]
        self.ops.run(self.controller.query(entity_status, entities), self._show_stored)
        self.ops.run(self.controller.query(current_plan), self.show_plan)
        self.ops.run(self.controller.query(sync_outlook, utcnow()), self.show_outlook)

    def show_outlook(self, outlook: SyncOutlook) -> None:
        """Each entity's age, the next sync, today's forecast and the warning."""
        self.read = outlook.freshness
        self._show_ages(outlook.as_of)
        schedule, today = outlook.schedule, outlook.today
        reason = REASONS.get(schedule.reason, schedule.reason)
        due = "now" if schedule.due_at <= outlook.as_of else f"at {clock(schedule.due_at)}"
        self.next_sync.setText(f"<b>Next sync {due}</b> ({reason})")
        pushes = (
            f" ({number(today.push_calls)} of them sending to Xero, at the last day's pace)"
            if today.push_calls
            else ""
        )
        self.forecast.setText(
            f"At this rate the next 24 hours need about {number(today.forecast_calls)} Xero "
            f"calls{pushes}; {number(today.push_reserve)} a day are kept for sending orders "
            f"and customers. {today.data_text()}."
        )
        style = WARNING_STYLE.get(today.level)
        if style is None:
            self.warning.hide()
            self.warning.clear()
            return
        self.warning.setStyleSheet(style)
        self.warning.setText(today.message(clock))
        self.warning.show()

    def show_plan(self, plan: CallPlan) -> None:
        """Today's calls and what the next pass needs of them."""
        usage = plan.usage
        self._plan_usage = usage
        self._show_usage()
        text = f"The next pass needs about {number(plan.total)} Xero calls."
        if plan.deferred:
            names = ", ".join(entity_name(name) for name in plan.deferred)
            text += f" Not enough for all of it today: {names} will carry on tomorrow."
        self.budget.setText(text)

    def _show_ages(self, now: datetime) -> None:
        """``Customers and suppliers: read 3 minutes ago``, one line per entity."""
        ages = {entry.entity: replace(entry, as_of=now) for entry in self.read}
        lines = [ages[entity].line for entity in PLAIN_NAMES if entity in ages]
        self.freshness.setText("\n".join(lines))

    def _show_stored(self, rows: list[EntityStatus]) -> None:
        self.stored = {row.entity: row for row in rows}
        for index, kind in enumerate(PULL_ORDER):
            status = self.stored.get(kind.value)
            if status is None:
                continue
            figures = status.figures
            values = (
                when(status.last_run_at),
                outcome_text(status.last_outcome),
                when(status.modified_since, "nothing read yet"),
                number(figures.created),
                number(figures.updated),
                number(figures.unchanged),
                number(figures.skipped),
                number(figures.errors),
                number(status.linked),
            )
            for offset, text in enumerate(values):
                self._set(index, 2 + offset, text)
            self._show_ended(index, kind.value)
        self._refresh_buttons()
        self._show_progress()

    def _show_ended(self, row: int, entity: str) -> None:
        """After a pass of this session, an entity of it says where it ended in it: an
        entity the pass stopped before its end is "Stopped", never the last one's word."""
        last, entry = self.controller.last_pass, self.controller.progress.get(entity)
        if self.controller.running or last is None or entry is None or not entry.included:
            return
        ended = ENDED_TEXT.get(entry.phase)
        if ended is not None:
            self._set(row, 2, when(last.finished_at))
            self._set(row, 3, ended)

    def _show_progress(self) -> None:
        self.overall.refresh()
        running = self.controller.running
        push = self.controller.progress.get("push")
        if running and push is not None and push.phase is Phase.PUSHING:
            self.state.setText(f"Sending to Xero: {push.message or ''}".rstrip(": "))
        elif running:
            self.state.setText("Syncing…")
        for index, kind in enumerate(PULL_ORDER):
            entry = self.controller.progress.get(kind.value)
            if entry is None:
                continue
            show_bar(self.bars[kind.value], entry, running or self.controller.last_pass is not None)
            if running and entry.included and entry.phase is not Phase.WAITING:
                c = entry.counts
                for offset, value in enumerate(
                    (c.created, c.updated, c.unchanged, c.skipped, c.errors)
                ):
                    self._set(index, 5 + offset, number(value))

    def _show_usage(self) -> None:
        """Today's calls, live from the sync as the status bar has them (before the first
        word from Xero, from the run log)."""
        usage = self.controller.usage
        if usage is not None and self.controller.connection is not None:
            left = calls_left_today(usage.remaining_today, usage.daily_limit)
            used = usage.used_today
        elif self._plan_usage is not None:
            day = self._plan_usage
            left, used = calls_left_today(day.calls_left, day.daily_budget), day.used
        else:
            self.calls_line.setText("")
            return
        self.calls_line.setText(f"<b>Today's Xero calls:</b> {left} ({number(used)} used)")
        self.chart.show_usage(list(self.controller.usage_history))
