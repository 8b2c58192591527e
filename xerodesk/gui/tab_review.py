"""Review: the queue of things a person must decide, and the customers on stop.

The list filters by kind, state and text; the detail (``review_detail``)
shows the item's explanation, a conflict's base, CRM and Xero values side by
side, its other details, and one button per action the item offers. A button
the engine cannot carry out now is shown disabled, with the reason as its
tooltip. After an action a line under the list says what was done, with an
Undo where the engine can take it back (a dismissal) and otherwise why it
cannot be; the selection moves on to the next open item.
"""

from __future__ import annotations

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
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from xerodesk.engine.controller import SyncController
from xerodesk.engine.resolve import FINDING_KINDS
from xerodesk.engine.review import (
    DISMISS,
    KEEP_XERO,
    LINK_EXISTING,
    LINK_OTHER,
    RELEASE,
    RETRY,
    SEND_CRM,
    UNDOABLE,
)
from xerodesk.engine.review_queue import review_queue
from xerodesk.gui.bridge import Bridge
from xerodesk.gui.history import HistoryDialog
from xerodesk.gui.link_dialog import LinkDialog
from xerodesk.gui.models import Column, RowsModel
from xerodesk.gui.ops import Ops
from xerodesk.gui.review_detail import ItemDetail, fill, make_table
from xerodesk.gui.text import item_state, kind_name, stamp
from xerodesk.store.views import (
    ReviewFilter,
    ReviewRow,
    StoppedCustomer,
    review_kinds,
    stopped_customers,
)

ITEM_COLUMNS: tuple[Column[ReviewRow], ...] = (
    Column("Raised", lambda r: stamp(r.created_at)),
    Column("Kind", lambda r: kind_name(r.kind)),
    Column("What", lambda r: r.title),
    Column("State", lambda r: item_state(r.resolved_at, r.resolution, r.details)),
)
STATES = (("Open", "open"), ("Resolved", "resolved"), ("All", "all"))

#: what the line under the queue says an action did, and (for what cannot be
#: undone) why not; the actions of ``UNDOABLE`` get an Undo button instead
DONE_TEXT: dict[str, tuple[str, str]] = {
    DISMISS: ("Dismissed", ""),
    KEEP_XERO: ("Kept Xero's value", "This cannot be undone: Xero's value is in the CRM now."),
    SEND_CRM: (
        "The CRM value goes to Xero with the next push",
        "This cannot be undone once it is sent.",
    ),
    LINK_OTHER: ("The link is made with the next push", "This cannot be undone here."),
    RETRY: ("Sent to Xero again", "This cannot be undone: it goes to Xero within seconds."),
    RELEASE: (
        "Order released to Xero",
        "This cannot be undone: the order goes to Xero within seconds.",
    ),
    LINK_EXISTING: ("Linked to the existing Xero contact", "This cannot be undone here."),
}
LOOK_AGAIN = ("Xero is being read again", "This cannot be undone.")


def done_text(item: ReviewRow, action: str) -> str:
    """The one line saying what ``action`` did to ``item`` (and if it can be undone)."""
    done, note = (
        LOOK_AGAIN
        if action == RETRY and item.kind in FINDING_KINDS
        else DONE_TEXT.get(action, ("Done", "This cannot be undone."))
    )
    line = f"{done}: {item.title}."
    return f"{line} {note}" if action not in UNDOABLE else line


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
        self.detail = ItemDetail(self.act, self._show_history)
        self.feedback, self.undo = self._feedback_line()
        #: the last action that can be taken back: (item id, action)
        self.undoable: tuple[int, str] | None = None
        #: after an action, the item the selection moves on from; after an undo, the one to show
        self._moving_from: ReviewRow | None = None
        self._select_id: int | None = None
        self.link_dialog: LinkDialog | None = None
        self.dialog: HistoryDialog | None = None
        self.stopped = make_table(
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

    def _feedback_line(self) -> tuple[QLabel, QPushButton]:
        feedback = QLabel()
        feedback.setObjectName("review_feedback")
        feedback.setWordWrap(True)
        undo = QPushButton("&Undo")
        undo.setObjectName("review_undo")
        undo.setToolTip("Take back the last action: the item is open again")
        undo.hide()
        undo.clicked.connect(self._undo)
        return feedback, undo

    def _layout(self) -> None:
        bar = QHBoxLayout()
        for widget in (self.kind, self.state):
            bar.addWidget(widget)
        bar.addWidget(self.search, 1)
        bar.addWidget(self.count)
        said = QHBoxLayout()
        said.addWidget(self.feedback, 1)
        said.addWidget(self.undo)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.items)
        splitter.addWidget(self.detail)
        splitter.setSizes([520, 480])
        queue = QWidget()
        column = QVBoxLayout(queue)
        column.addLayout(bar)
        column.addWidget(splitter, 1)
        column.addLayout(said)
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
        items = await self.controller.query(review_queue, wanted)
        kinds = await self.controller.query(review_kinds)
        stopped = await self.controller.query(stopped_customers)
        return items, kinds, stopped

    def _loaded(self, found: tuple[list[ReviewRow], dict[str, int], list[StoppedCustomer]]) -> None:
        items, kinds, stopped = found
        current = self._current()
        old_rows = list(self.model.rows)
        self._set_kinds(kinds)
        self.model.set_rows(items)
        self.count.setText(f"{len(items):,} item{'' if len(items) == 1 else 's'}")
        row = self._row_to_select(items, old_rows, current)
        if row is not None:
            self.items.selectRow(row)
        else:
            self.detail.show_item(None)
        fill(
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

    def _row_to_select(
        self, items: list[ReviewRow], old_rows: list[ReviewRow], current: ReviewRow | None
    ) -> int | None:
        """The item shown again; after an action the next open one; after an undo that one."""
        ids = [item.id for item in items]
        if self._select_id is not None and self._select_id in ids:
            chosen, self._select_id = self._select_id, None
            return ids.index(chosen)
        moving, self._moving_from = self._moving_from, None
        if moving is not None:
            before = [r.id for r in old_rows]
            start = before.index(moving.id) if moving.id in before else 0
            later = [r.id for r in old_rows[start + 1 :]] + [r.id for r in old_rows[:start]]
            for item_id in later:
                if item_id in ids and items[ids.index(item_id)].resolved_at is None:
                    return ids.index(item_id)
            return None
        if current is not None and current.id in ids:
            return ids.index(current.id)
        return None

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

    def _say(self, text: str, undoable: tuple[int, str] | None = None) -> None:
        self.feedback.setText(text)
        self.undoable = undoable
        self.undo.setVisible(undoable is not None)

    def act(self, item: ReviewRow, action: str, target: str | None = None) -> None:
        if action == LINK_OTHER and target is None:
            self._ask_link(item)
            return

        def done(_resolution: str) -> None:
            undoable = (item.id, action) if action in UNDOABLE else None
            self._say(done_text(item, action), undoable)
            self._moving_from = item
            self.reload()

        self.ops.run(
            self.controller.review_action(item.id, action, target),
            done,
            failed=lambda reason: self._say(f"Not done: {reason}"),
        )

    def _undo(self) -> None:
        if self.undoable is None:
            return
        item_id, action = self.undoable

        def done(_none: None) -> None:
            self._say("Undone: the item is open again.")
            self._select_id = item_id
            self.reload()

        self.undo.hide()
        self.ops.run(
            self.controller.undo_review_action(item_id, action),
            done,
            failed=lambda reason: self._say(f"Not undone: {reason}"),
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

    def _show_history(self, record: str, title: str) -> None:
        self.dialog = HistoryDialog(self.controller, self.ops, record, title, self)
        self.dialog.setModal(False)
        self.dialog.show()
