"""Log: the history of sync runs with their figures, and the detail of one run."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from xerodesk.engine.controller import SyncController
from xerodesk.gui.bridge import Bridge
from xerodesk.gui.models import Column, RowsModel
from xerodesk.gui.ops import Ops
from xerodesk.gui.text import duration, entity_name, number, outcome_text, stamp
from xerodesk.store.views import RunDetail, RunRow, list_runs, run_detail

RUN_COLUMNS: tuple[Column[RunRow], ...] = (
    Column("Run", lambda r: str(r.id), right=True),
    Column("Started", lambda r: stamp(r.started_at)),
    Column("Took", lambda r: duration(r.seconds), right=True),
    Column("Why", lambda r: r.trigger.replace("_", " ")),
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
        splitter.setSizes([300, 300])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        bridge.database_changed.connect(self.reload)
        bridge.pass_finished.connect(lambda _summary: self.reload())

    def reload(self) -> None:
        if self.controller.database is None:
            return
        self.ops.run(self.controller.query(list_runs, HISTORY), self._show_runs)

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
            f"<b>Run {run.id}</b> ({run.trigger.replace('_', ' ')}): {outcome_text(run.outcome)}, "
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
