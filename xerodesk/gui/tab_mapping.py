"""Mapping tables: which CRM record each Xero record became, searchable, paged from the database."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from xerodesk.domain.labels import record_noun, record_text
from xerodesk.domain.sync import PULL_ORDER
from xerodesk.engine.controller import SyncController
from xerodesk.gui.bridge import Bridge
from xerodesk.gui.history import HistoryDialog
from xerodesk.gui.models import Column, PagedModel
from xerodesk.gui.ops import Ops
from xerodesk.gui.text import entity_name, number, stamp
from xerodesk.store.mapping_views import MappingRow, mapping_count, mapping_page

COLUMNS: tuple[Column[MappingRow], ...] = (
    Column("Xero id", lambda r: r.xero_id),
    Column("CRM record", lambda r: r.label or record_text(r.crm_table, None, r.crm_id)),
    Column("Kind", lambda r: record_noun(r.crm_table)),
    Column("Last synced", lambda r: stamp(r.synced_at)),
    Column("Changed in Xero", lambda r: stamp(r.xero_updated_at)),
)
SEARCH_DELAY_MS = 300


class MappingTab(QWidget):
    def __init__(self, controller: SyncController, ops: Ops, bridge: Bridge) -> None:
        super().__init__()
        self.controller = controller
        self.ops = ops
        self.entity = QComboBox()
        self.entity.setObjectName("mapping_entity")
        self.entity.setAccessibleName("Kind of record")
        for kind in PULL_ORDER:
            self.entity.addItem(entity_name(kind.value), kind.value)
        self.entity.setCurrentIndex(PULL_ORDER.index(PULL_ORDER[2]))
        self.search = QLineEdit()
        self.search.setObjectName("mapping_search")
        self.search.setPlaceholderText("Search by name, number, code or Xero id")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search the mapping table")
        self.count = QLabel()
        self.count.setObjectName("mapping_count")
        self.model: PagedModel[MappingRow] = PagedModel(COLUMNS, ops.run, parent=self)
        self.model.count_loaded.connect(self._counted)
        self.view = self._view()
        self.history = QPushButton("&History…")
        self.history.setObjectName("mapping_history")
        self.history.setToolTip("Every change the sync made to the chosen record (or double-click)")
        self.history.setEnabled(False)
        self.history.clicked.connect(self.show_history)
        self.view.doubleClicked.connect(lambda _index: self.show_history())
        self.view.selectionModel().selectionChanged.connect(
            lambda *_: self.history.setEnabled(self.current() is not None)
        )
        self.dialog: HistoryDialog | None = None
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DELAY_MS)
        self._debounce.timeout.connect(self.reload)
        self.search.textChanged.connect(self._debounce.start)
        self.search.returnPressed.connect(self.reload)
        self.entity.currentIndexChanged.connect(self.reload)
        bar = QHBoxLayout()
        label = QLabel("&Show:")
        label.setBuddy(self.entity)
        bar.addWidget(label)
        bar.addWidget(self.entity)
        bar.addWidget(self.search, 1)
        bar.addWidget(self.count)
        bar.addWidget(self.history)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        bridge.database_changed.connect(self.reload)
        bridge.pass_finished.connect(lambda _summary: self.reload())

    def _view(self) -> QTableView:
        view = QTableView()
        view.setObjectName("mapping_view")
        view.setModel(self.model)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setAlternatingRowColors(True)
        view.setWordWrap(False)
        rows = view.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((290, 260, 150, 150)):
            header.resizeSection(column, width)
        return view

    def reload(self) -> None:
        self._debounce.stop()
        if self.controller.database is None:
            self.count.setText("No database open")
            return
        entity = str(self.entity.currentData())
        text = self.search.text().strip()
        controller = self.controller

        async def count() -> int:
            return await controller.query(mapping_count, entity, text)

        async def fetch(offset: int, limit: int) -> Sequence[MappingRow]:
            return await controller.query(mapping_page, entity, offset, limit, text)

        self.count.setText("Counting…")
        self.model.reset(count, fetch)

    def _counted(self, total: int) -> None:
        found = "match" if self.search.text().strip() else "record"
        self.count.setText(
            f"{number(total)} {found}{'' if total == 1 else 'es' if found == 'match' else 's'}"
        )

    def current(self) -> MappingRow | None:
        rows = self.view.selectionModel().selectedRows()
        index: QModelIndex = rows[0] if rows else self.view.currentIndex()
        if not index.isValid():
            return None
        return self.model.row(index.row())

    def show_history(self) -> None:
        row = self.current()
        if row is None:
            return
        record = f"{row.crm_table}:{row.crm_id}"
        title = record_text(row.crm_table, row.label or None, row.crm_id)
        self.dialog = HistoryDialog(self.controller, self.ops, record, title, parent=self)
        self.dialog.setModal(False)
        self.dialog.show()
