"""A record's history: every change the sync made to it, on which side, in which run.

Opened from the mapping tables (a row's "History…" or a double-click) and
from a review item. The entries come from the audit trail, newest first:
what changed, the old and the new value, which side changed it (Xero into the
CRM, the CRM into Xero, or a person resolving a review item), when, in which
run, and Xero's correlation id for what was sent to Xero, which Xero's support
asks for.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from xerodesk.domain.labels import field_label, record_text
from xerodesk.engine.controller import SyncController
from xerodesk.gui.ops import Ops
from xerodesk.gui.text import stamp
from xerodesk.store.audit import AuditRecord, UnknownRecordError, record_history
from xerodesk.store.mapping_views import record_labels

COLUMNS = ("When", "Record", "Field", "Before", "After", "Changed by", "Run", "Xero correlation id")
SIDES = {"xero": "Xero → CRM", "crm": "CRM → Xero", "user": "A person"}
#: the most entries shown (the command line's `xerodesk history` has them all)
LIMIT = 1_000


def side_text(side: str) -> str:
    return SIDES.get(side, side)


def _row(entry: AuditRecord, names: dict[tuple[str, int], str]) -> tuple[str, ...]:
    name = names.get((entry.record_table, entry.record_id)) if entry.record_id else None
    return (
        stamp(entry.changed_at),
        record_text(entry.record_table, name, entry.record_id),
        field_label(entry.field).capitalize(),
        entry.old_value or "",
        entry.new_value or "",
        side_text(entry.side),
        "" if entry.run_id is None else str(entry.run_id),
        entry.correlation_id or "",
    )


History = tuple[list[AuditRecord], dict[tuple[str, int], str]]


async def load_history(controller: SyncController, record: str) -> History | None:
    """The record's entries and the names of their CRM rows; None when nothing knows it."""
    try:
        entries = await controller.query(record_history, record, LIMIT)
    except UnknownRecordError:
        return None
    rows = {(e.record_table, e.record_id) for e in entries if e.record_id is not None}
    names = await controller.query(record_labels, rows)
    return entries, names


class HistoryDialog(QDialog):
    """The audit trail of one record (``table:id`` or a Xero id), titled in words."""

    def __init__(
        self,
        controller: SyncController,
        ops: Ops,
        record: str,
        title: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("history_dialog")
        self.setWindowTitle(f"History of {title}")
        self.record = record
        self.title = title
        self.summary = QLabel("Loading…")
        self.summary.setObjectName("history_summary")
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("history_table")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(980, 460)
        self.task = ops.run(load_history(controller, record), self.show_entries)

    def show_entries(self, found: History | None) -> None:
        if found is None:
            self.summary.setText(f"Nothing is known of {self.title}.")
            self.table.setRowCount(0)
            return
        entries, names = found
        if not entries:
            self.summary.setText("The sync has not changed this record yet.")
        else:
            shown = "the latest " if len(entries) >= LIMIT else ""
            self.summary.setText(
                f"{shown}{len(entries):,} change(s), newest first. Run numbers match the Log tab."
            )
        self.table.setRowCount(len(entries))
        for row, entry in enumerate(entries):
            for column, value in enumerate(_row(entry, names)):
                item = QTableWidgetItem(value)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
