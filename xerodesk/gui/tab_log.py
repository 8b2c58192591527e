"""Log: the history of sync runs with their figures, the detail of one run, what was
sent to Xero with its result, and the way to the log file."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from xerodesk.engine.controller import SyncController
from xerodesk.engine.push_log import PushLine, recent_pushes
from xerodesk.gui.bridge import Bridge
from xerodesk.gui.logfile import open_log_file
from xerodesk.gui.models import Column, RowsModel
from xerodesk.gui.ops import Ops
from xerodesk.gui.text import duration, entity_name, number, outcome_text, stamp
from xerodesk.store.views import RunDetail, RunRow, list_runs, run_detail

#: why a run ran, in the user's words
TRIGGERS = {
    "manual": "Sync now",
    "schedule": "Scheduled",
    "full_resync": "Full resync",
    "push": "Sent to Xero",
    "webhook": "Changes Xero announced",
    "cli": "Command line",
}


def trigger_text(trigger: str) -> str:
    return TRIGGERS.get(trigger, trigger.replace("_", " ").capitalize())


RUN_COLUMNS: tuple[Column[RunRow], ...] = (
    Column("Run", lambda r: str(r.id), right=True),
    Column("Started", lambda r: stamp(r.started_at)),
    Column("Took", lambda r: duration(r.seconds), right=True),
    Column("Why", lambda r: trigger_text(r.trigger)),
    Column("Outcome", lambda r: outcome_text(r.outcome)),
    Column("Xero calls", lambda r: number(r.calls_used), right=True),
    Column("Created", lambda r: number(r.totals.created), right=True),
    Column("Updated", lambda r: number(r.totals.updated), right=True),
    Column("Unchanged", lambda r: number(r.totals.unchanged), right=True),
    Column("Skipped", lambda r: number(r.totals.skipped), right=True),
    Column("Errors", lambda r: number(r.totals.errors), right=True),
)
DETAIL_COLUMNS = (
    "Entity",
    "Created",
    "Updated",
    "Unchanged",
    "Skipped",
    "Errors",
    "Pages",
    "Calls",
)
HISTORY = 500
PUSH_COLUMNS: tuple[Column[PushLine], ...] = (
    Column("When", lambda p: stamp(p.at)),
    Column("What", lambda p: p.what),
    Column("Record", lambda p: p.name),
    Column("Result", lambda p: p.result),
    Column("Tries", lambda p: number(p.attempts), right=True),
    Column("Why not", lambda p: p.reason),
)


class LogTab(QWidget):
    def __init__(self, controller: SyncController, ops: Ops, bridge: Bridge) -> None:
        super().__init__()
        self.controller = controller
        self.ops = ops
        self.model: RowsModel[RunRow] = RowsModel(RUN_COLUMNS, self)
        self.runs = QTableView()
        self.runs.setObjectName("log_runs")
        self.runs.setModel(self.model)
        self.runs.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.runs.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.runs.verticalHeader().setVisible(False)
        self.runs.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.runs.selectionModel().selectionChanged.connect(self._selected)
        self.title = QLabel("Choose a run to see its detail.")
        self.title.setObjectName("log_title")
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.figures = QTableWidget(0, len(DETAIL_COLUMNS))
        self.figures.setObjectName("log_figures")
        self.figures.setHorizontalHeaderLabels(list(DETAIL_COLUMNS))
        self.figures.verticalHeader().setVisible(False)
        self.figures.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.figures.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.reviews = QLabel()
        self.reviews.setWordWrap(True)
        detail = QWidget()
        column = QVBoxLayout(detail)
        column.addWidget(self.title)
        column.addWidget(self.figures, 1)
        column.addWidget(self.reviews)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.runs)
        splitter.addWidget(detail)
        splitter.addWidget(self._pushes())
        splitter.setSizes([260, 220, 220])
        self.open_file = QPushButton("&Open the log file")
        self.open_file.setObjectName("open_log_file")
        self.open_file.setToolTip("The app's detailed log, for you or for support")
        self.open_file.clicked.connect(open_log_file)
        below = QHBoxLayout()
        below.addStretch(1)
        below.addWidget(self.open_file)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        layout.addLayout(below)
        bridge.database_changed.connect(self.reload)
        bridge.pass_finished.connect(lambda _summary: self.reload())
        bridge.pushed.connect(lambda _pushes: self._reload_pushes())

    def _pushes(self) -> QWidget:
        """Customers, products and orders sent to Xero, newest first, with their result."""
        self.push_model: RowsModel[PushLine] = RowsModel(PUSH_COLUMNS, self)
        self.pushes = QTableView()
        self.pushes.setObjectName("log_pushes")
        self.pushes.setModel(self.push_model)
        self.pushes.verticalHeader().setVisible(False)
        self.pushes.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.pushes.horizontalHeader().setStretchLastSection(True)
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(QLabel("<b>Sent to Xero</b> (customers, products and orders)"))
        column.addWidget(self.pushes, 1)
        return box

    def _reload_pushes(self) -> None:
        if self.controller.database is not None:
            self.ops.run(self.controller.query(recent_pushes, HISTORY), self.push_model.set_rows)

    def reload(self) -> None:
        if self.controller.database is None:
            return
        self.ops.run(self.controller.query(list_runs, HISTORY), self._show_runs)
        self._reload_pushes()

    def _show_runs(self, runs: list[RunRow]) -> None:
        current = self._current_id()
        self.model.set_rows(runs)
        for row, run in enumerate(runs):
            if run.id == current:
                self.runs.selectRow(row)
                return
        if runs:
            self.runs.selectRow(0)

    def _current_id(self) -> int | None:
        rows = self.runs.selectionModel().selectedRows()
        run = self.model.row(rows[0].row()) if rows else None
        return run.id if run else None

    def _selected(self, _new: QItemSelection, _old: QItemSelection) -> None:
        run_id = self._current_id()
        if run_id is not None:
            self.ops.run(self.controller.query(run_detail, run_id), self._show_detail)

    def _show_detail(self, detail: RunDetail | None) -> None:
        if detail is None:
            return
        run = detail.run
        lines = [
            f"<b>Run {run.id}</b> ({trigger_text(run.trigger).lower()}): "
            f"{outcome_text(run.outcome)}, "
            f"started {stamp(run.started_at)}, took {duration(run.seconds) or 'still running'}, "
            f"{number(run.calls_used)} Xero calls, "
            f"{number(detail.changes)} field change(s) recorded."
        ]
        if run.message:
            lines.append(run.message)
        self.title.setText("<br>".join(lines))
        self.figures.setRowCount(len(detail.entities))
        for row, (entity, f) in enumerate(detail.entities.items()):
            self._figure_row(
                row,
                entity_name(entity),
                (f.created, f.updated, f.unchanged, f.skipped, f.errors, f.pages, f.calls),
            )
        if detail.reviews:
            titles = "; ".join(item.title for item in detail.reviews[:10])
            self.reviews.setText(f"Review items raised by this run: {titles}")
        else:
            self.reviews.setText("This run raised no review items.")

    def _figure_row(self, row: int, name: str, values: tuple[int, ...]) -> None:
        self.figures.setItem(row, 0, QTableWidgetItem(name))
        for column, value in enumerate(values, start=1):
            item = QTableWidgetItem(number(value))
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.figures.setItem(row, column, item)
