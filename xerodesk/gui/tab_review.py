"""Review: the queue of things a person must decide, and the customers on stop.

The list filters by kind, state and text; the detail shows the item's
explanation, a conflict's base, CRM and Xero values side by side, its other
details, and one button per action the item offers. A button the engine
cannot carry out yet is shown disabled, with the reason as its tooltip.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QItemSelection, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from xerodesk.engine.controller import SyncController
from xerodesk.engine.review import LINK_OTHER, action_states, conflict_values
from xerodesk.gui.bridge import Bridge
from xerodesk.gui.history import HistoryDialog
from xerodesk.gui.link_dialog import LinkDialog
from xerodesk.gui.models import Column, RowsModel
from xerodesk.gui.ops import Ops
from xerodesk.gui.text import kind_name, stamp
from xerodesk.store.views import (
    ReviewFilter,
    ReviewRow,
    StoppedCustomer,
    list_review,
    review_kinds,
    stopped_customers,
)

ITEM_COLUMNS: tuple[Column[ReviewRow], ...] = (
    Column("Raised", lambda r: stamp(r.created_at)),
    Column("Kind", lambda r: kind_name(r.kind)),
    Column("What", lambda r: r.title),
    Column("State", lambda r: "Open" if r.resolved_at is None else (r.resolution or "Resolved")),
)
STATES = (("Open", "open"), ("Resolved", "resolved"), ("All", "all"))


def _table(columns: list[str], name: str) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(columns)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _fill(table: QTableWidget, rows: list[tuple[str, ...]]) -> None:
    table.setRowCount(len(rows))
    for row, values in enumerate(rows):
        for column, value in enumerate(values):
            table.setItem(row, column, QTableWidgetItem(value))


def _fit(table: QTableWidget, most: int = 8) -> None:
    """As tall as its rows (up to ``most``), so short details take little room."""
    rows = min(table.rowCount(), most)
    height = table.horizontalHeader().sizeHint().height() + 2 * table.frameWidth()
    height += sum(table.rowHeight(r) for r in range(rows))
    table.setFixedHeight(height + 2)


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, default=str)


def _record_of(item: ReviewRow | None) -> tuple[str, str] | None:
    """The record an item is about, as ``history`` names it, and its title."""
    if item is None:
        return None
    if item.record_table and item.record_id is not None:
        name = f"{item.record_table}:{item.record_id}"
        return name, name
    if item.xero_id:
        return item.xero_id, f"Xero record {item.xero_id}"
    return None


class ItemDetail(QWidget):
    """One review item: what happened, the values, and the action buttons."""

    def __init__(self, tab: ReviewTab) -> None:
        super().__init__()
        self.tab = tab
        self.title = QLabel("Choose an item to see what happened and what you can do.")
        self.title.setObjectName("review_title")
        self.title.setWordWrap(True)
        self.explanation = QLabel()
        self.explanation.setWordWrap(True)
        self.explanation.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.meta = QLabel()
        self.meta.setWordWrap(True)
        self.values = _table(["Field", "Last synced", "CRM", "Xero"], "review_values")
        self.details = _table(["Detail", "Value"], "review_details")
        self.buttons = QHBoxLayout()
        self.buttons.addStretch(1)
        self.history = QPushButton("Record &history…")
        self.history.setObjectName("review_history")
        self.history.setToolTip("Every change the sync made to this item's record")
        self.history.clicked.connect(self._show_history)
        self.record: tuple[str, str] | None = None
        self.dialog: HistoryDialog | None = None
        layout = QVBoxLayout(self)
        for widget in (self.title, self.meta, self.explanation):
            layout.addWidget(widget)
        layout.addWidget(self.history, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.values)
        layout.addWidget(self.details)
        layout.addStretch(1)
        layout.addLayout(self.buttons)
        self.show_item(None)

    def show_item(self, item: ReviewRow | None) -> None:
        while self.buttons.count() > 1:
            taken = self.buttons.takeAt(0)
            widget = taken.widget() if taken is not None else None
            if widget is not None:
                widget.deleteLater()
        self.values.hide()
        self.details.hide()
        self.record = _record_of(item)
        self.history.setVisible(self.record is not None)
        if item is None:
            self.meta.clear()
            self.explanation.clear()
            return
        self.title.setText(f"<b>{item.title}</b>")
        record = f"{item.record_table}:{item.record_id}" if item.record_table else "—"
        state = "open" if item.resolved_at is None else f"resolved {stamp(item.resolved_at)}"
        self.meta.setText(
            f"{kind_name(item.kind)} · record {record} · Xero id {item.xero_id or '—'} · "
            f"raised {stamp(item.created_at)} · {state}"
        )
        self.explanation.setText(item.explanation)
        self._show_values(item.details)
        for index, action in enumerate(action_states(item)):
            button = QPushButton(action.label)
            button.setObjectName(f"review_action_{action.name}")
            button.setEnabled(action.enabled)
            button.setToolTip(action.tooltip)
            button.setAccessibleDescription(action.tooltip)
            button.clicked.connect(lambda _c=False, n=action.name: self.tab.act(item, n))
            self.buttons.insertWidget(index, button)

    def _show_history(self) -> None:
        if self.record is None:
            return
        record, title = self.record
        self.dialog = HistoryDialog(self.tab.controller, self.tab.ops, record, title, self)
        self.dialog.setModal(False)
        self.dialog.show()

    def _show_values(self, details: dict[str, Any]) -> None:
        conflict = conflict_values(details)
        if conflict:
            _fill(
                self.values, [(v.field, v.base or "", v.crm or "", v.xero or "") for v in conflict]
            )
            _fit(self.values)
            self.values.show()
        rest = {
            k: v
            for k, v in details.items()
            if k not in ("fields", "conflicts", "base", "crm", "xero")
        }
        if rest:
            _fill(
                self.details,
                [(key.replace("_", " "), _shown(value)) for key, value in rest.items()],
            )
            _fit(self.details)
            self.details.show()


class ReviewTab(QWidget):
    def __init__(self, controller: SyncController, ops: Ops, bridge: Bridge) -> None:
        super().__init__()
        self.controller = controller
        self.ops = ops
        self.kind = QComboBox()
        self.kind.setObjectName("review_kind")
        self.kind.setAccessibleName("Kind of item")
        self.kind.addItem("All kinds", None)
        self.state = QComboBox()
        self.state.setObjectName("review_state")
        self.state.setAccessibleName("State")
        for label, value in STATES:
            self.state.addItem(label, value)
        self.search = QLineEdit()
        self.search.setObjectName("review_search")
        self.search.setPlaceholderText("Search titles and explanations")
        self.search.setClearButtonEnabled(True)
        self.count = QLabel()
        self.model: RowsModel[ReviewRow] = RowsModel(ITEM_COLUMNS, self)
        self.items = QTableView()
        self.items.setObjectName("review_items")
        self.items.setModel(self.model)
        self.items.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.items.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.items.verticalHeader().setVisible(False)
        self.items.horizontalHeader().setStretchLastSection(False)
        self.items.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.items.selectionModel().selectionChanged.connect(self._selected)
        self.detail = ItemDetail(self)
        self.link_dialog: LinkDialog | None = None
        self.stopped = _table(
            ["Customer", "Account", "Balance outstanding", "Open quotes", "Orders held back"],
            "stopped_customers",
        )
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(300)
        self._debounce.timeout.connect(self.reload)
        self.search.textChanged.connect(self._debounce.start)
        self.kind.currentIndexChanged.connect(self.reload)
        self.state.currentIndexChanged.connect(self.reload)
        self._layout()
        bridge.database_changed.connect(self.reload)
        bridge.review_changed.connect(self.reload)

    def _layout(self) -> None:
        bar = QHBoxLayout()
        for widget in (self.kind, self.state):
            bar.addWidget(widget)
        bar.addWidget(self.search, 1)
        bar.addWidget(self.count)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.items)
        splitter.addWidget(self.detail)
        splitter.setSizes([520, 480])
        queue = QWidget()
        column = QVBoxLayout(queue)
        column.addLayout(bar)
        column.addWidget(splitter, 1)
        stopped = QWidget()
        note = QLabel(
            "Customers archived in Xero are on stop in the CRM. Their confirmed orders are held "
            "back from Xero until the customer is restored there."
        )
        note.setWordWrap(True)
        stopped_layout = QVBoxLayout(stopped)
        stopped_layout.addWidget(note)
        stopped_layout.addWidget(self.stopped, 1)
        self.pages = QTabWidget()
        self.pages.addTab(queue, "&Items to review")
        self.pages.addTab(stopped, "&Customers on stop")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)

    def wanted(self) -> ReviewFilter:
        return ReviewFilter(
            self.kind.currentData(), str(self.state.currentData()), self.search.text()
        )

    def reload(self) -> None:
        self._debounce.stop()
        if self.controller.database is None:
            return
        self.ops.run(self._load(self.wanted()), self._loaded)

    async def _load(
        self, wanted: ReviewFilter
    ) -> tuple[list[ReviewRow], dict[str, int], list[StoppedCustomer]]:
        items = await self.controller.query(list_review, wanted)
        kinds = await self.controller.query(review_kinds)
        stopped = await self.controller.query(stopped_customers)
        return items, kinds, stopped

    def _loaded(self, found: tuple[list[ReviewRow], dict[str, int], list[StoppedCustomer]]) -> None:
        items, kinds, stopped = found
        current = self._current()
        self._set_kinds(kinds)
        self.model.set_rows(items)
        self.count.setText(f"{len(items):,} item(s)")
        row = next((i for i, item in enumerate(items) if current and item.id == current.id), None)
        if row is not None:
            self.items.selectRow(row)
        else:
            self.detail.show_item(None)
        _fill(
            self.stopped,
            [
                (
                    c.name,
                    c.account_number or "",
                    "" if c.balance_outstanding is None else f"{c.balance_outstanding:,.2f}",
                    ", ".join(c.open_quotes) or "none",
                    ", ".join(c.blocked_quotes) or "none",
                )
                for c in stopped
            ],
        )

    def _set_kinds(self, kinds: dict[str, int]) -> None:
        chosen = self.kind.currentData()
        self.kind.blockSignals(True)
        self.kind.clear()
        self.kind.addItem("All kinds", None)
        for kind, open_count in kinds.items():
            self.kind.addItem(f"{kind_name(kind)} ({open_count} open)", kind)
        index = self.kind.findData(chosen)
        self.kind.setCurrentIndex(max(0, index))
        self.kind.blockSignals(False)

    def _current(self) -> ReviewRow | None:
        rows = self.items.selectionModel().selectedRows()
        return self.model.row(rows[0].row()) if rows else None

    def _selected(self, _new: QItemSelection, _old: QItemSelection) -> None:
        self.detail.show_item(self._current())

    def act(self, item: ReviewRow, action: str, target: str | None = None) -> None:
        if action == LINK_OTHER and target is None:
            self._ask_link(item)
            return
        self.ops.run(
            self.controller.review_action(item.id, action, target), lambda _done: self.reload()
        )

    def _ask_link(self, item: ReviewRow) -> None:
        """Ask which Xero record the item's CRM record really is, then link to it."""
        entity = str(item.details.get("entity") or "")
        label = str(item.details.get("label") or "This record")
        self.link_dialog = LinkDialog(
            entity, label, lambda chosen: self.act(item, LINK_OTHER, chosen), self
        )
        self.link_dialog.setModal(True)
        self.link_dialog.open()
