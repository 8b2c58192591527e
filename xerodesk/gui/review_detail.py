"""One review item in the Review tab: what happened, the values, and the action buttons.

Everything is in a person's words: the record (``Customer Acme Ltd``), its
fields (``phone``), what was decided and when; the engine's own bookkeeping
in an item's details (which push, which row) is not shown. A button the
engine cannot carry out now is disabled, with the reason as its tooltip.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from xerodesk.domain.labels import field_label, record_noun, record_text
from xerodesk.engine.review import action_states, conflict_values
from xerodesk.gui.text import item_state, kind_name, stamp
from xerodesk.store.views import ReviewRow

#: the details shown under an item, by key, with their labels (the rest is bookkeeping)
DETAIL_LABELS: dict[str, str] = {
    "messages": "Xero said",
    "open_quotes": "Open quotes",
    "blocked_quotes": "Orders held back",
    "currencies": "Currencies",
    "source": "Rates from",
    "url": "Address",
    "reason": "Why",
    "moved": "Moved",
    "page": "Page",
    "known": "Known before",
    "gone": "Missing now",
    "link_to": "Link asked for",
}


def make_table(columns: list[str], name: str) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(columns)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def fill(table: QTableWidget, rows: Sequence[tuple[str, ...]]) -> None:
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


def detail_text(key: str, value: Any) -> str:
    """A detail's value in words: lists joined, moved records counted, links by name."""
    if key == "moved" and isinstance(value, dict):
        return ", ".join(f"{n} × {record_noun(str(t)).lower()}" for t, n in value.items() if n)
    if key == "link_to" and isinstance(value, dict):
        return str(value.get("value") or "")
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value) or "none"
    return "" if value is None else str(value)


def detail_rows(details: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (label, detail_text(key, details[key]))
        for key, label in DETAIL_LABELS.items()
        if key in details and details[key] not in (None, "", [], {})
    ]


def record_of(item: ReviewRow | None) -> tuple[str, str] | None:
    """The record an item is about, as the history names it, and its title in words."""
    if item is None:
        return None
    name = item.details.get("label") or item.details.get("name")
    if item.record_table and item.record_id is not None:
        title = record_text(item.record_table, str(name) if name else None, item.record_id)
        return f"{item.record_table}:{item.record_id}", title
    if item.xero_id:
        return item.xero_id, str(name) if name else "the Xero record"
    return None


def meta_text(item: ReviewRow) -> str:
    parts = [kind_name(item.kind)]
    name = item.details.get("label") or item.details.get("name")
    if item.record_table and name:
        parts.append(record_text(item.record_table, str(name)))
    parts.append(f"raised {stamp(item.created_at)}")
    parts.append(item_state(item.resolved_at, item.resolution, item.details))
    return " · ".join(parts)


class ItemDetail(QWidget):
    """One review item: what happened, the values, and the action buttons."""

    def __init__(
        self, act: Callable[[ReviewRow, str], None], history: Callable[[str, str], None]
    ) -> None:
        super().__init__()
        self.act = act
        self.open_history = history
        self.title = QLabel("Choose an item to see what happened and what you can do.")
        self.title.setObjectName("review_title")
        self.title.setWordWrap(True)
        self.explanation = QLabel()
        self.explanation.setObjectName("review_explanation")
        self.explanation.setWordWrap(True)
        self.explanation.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.meta = QLabel()
        self.meta.setObjectName("review_meta")
        self.meta.setWordWrap(True)
        self.values = make_table(["Field", "Last synced", "CRM", "Xero"], "review_values")
        self.details = make_table(["Detail", "Value"], "review_details")
        self.buttons = QHBoxLayout()
        self.buttons.addStretch(1)
        self.history = QPushButton("Record &history…")
        self.history.setObjectName("review_history")
        self.history.setToolTip("Every change the sync made to this item's record")
        self.history.clicked.connect(self._show_history)
        self.record: tuple[str, str] | None = None
        layout = QVBoxLayout(self)
        for widget in (self.title, self.meta, self.explanation):
            layout.addWidget(widget)
        layout.addWidget(self.history, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.values)
        layout.addWidget(self.details)
        layout.addStretch(1)
        layout.addLayout(self.buttons)
        self.show_item(None)

    def action_buttons(self) -> list[QPushButton]:
        found = (self.buttons.itemAt(i) for i in range(self.buttons.count()))
        return [w for w in (f.widget() for f in found if f) if isinstance(w, QPushButton)]

    def show_item(self, item: ReviewRow | None) -> None:
        for button in self.action_buttons():
            self.buttons.removeWidget(button)
            button.deleteLater()
        self.values.hide()
        self.details.hide()
        self.record = record_of(item)
        self.history.setVisible(self.record is not None)
        if item is None:
            self.title.setText("Choose an item to see what happened and what you can do.")
            self.meta.clear()
            self.explanation.clear()
            return
        self.title.setText(f"<b>{item.title}</b>")
        self.meta.setText(meta_text(item))
        self.explanation.setText(item.explanation)
        self._show_values(item)
        if item.resolved_at is not None:
            return  # decided: the state says what and when, and nothing more can be done
        for index, action in enumerate(action_states(item)):
            button = QPushButton(action.label)
            button.setObjectName(f"review_action_{action.name}")
            button.setEnabled(action.enabled)
            button.setToolTip(action.tooltip)
            button.setAccessibleDescription(action.tooltip)
            button.clicked.connect(lambda _c=False, n=action.name: self.act(item, n))
            self.buttons.insertWidget(index, button)

    def _show_history(self) -> None:
        if self.record is not None:
            self.open_history(*self.record)

    def _show_values(self, item: ReviewRow) -> None:
        conflict = conflict_values(item.details)
        if conflict:
            rows = [
                (
                    field_label(v.field, item.record_table).capitalize(),
                    v.base or "",
                    v.crm or "",
                    v.xero or "",
                )
                for v in conflict
            ]
            fill(self.values, rows)
            _fit(self.values)
            self.values.show()
        rest = detail_rows(item.details)
        if rest:
            fill(self.details, rest)
            _fit(self.details)
            self.details.show()
