"""Qt table models over the store's query dataclasses.

``RowsModel`` shows a list already read. ``PagedModel`` shows a table too
large to read at once (100,000 mapping rows): it knows the row count, asks
for blocks of rows as the view scrolls to them, shows a placeholder until a
block arrives and keeps the latest blocks only, so scrolling never waits
for the database and memory stays small.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

R = TypeVar("R")
Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()


@dataclass(frozen=True)
class Column(Generic[R]):
    title: str
    text: Callable[[R], str]
    right: bool = False


class RowsModel(QAbstractTableModel, Generic[R]):
    """A read-only table of ``rows``, one column per ``Column``."""

    def __init__(self, columns: Sequence[Column[R]], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self.rows: list[R] = []

    def set_rows(self, rows: Sequence[R]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def row(self, index: int) -> R | None:
        return self.rows[index] if 0 <= index < len(self.rows) else None

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        column = self.columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return column.text(self.rows[index.row()])
        if role == Qt.ItemDataRole.TextAlignmentRole and column.right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.columns[section].title
        return None


Fetch = Callable[[int, int], Awaitable[Sequence[R]]]
Count = Callable[[], Awaitable[int]]


class PagedModel(QAbstractTableModel, Generic[R]):
    """Rows fetched a block at a time, on demand, from an async ``fetch(offset, limit)``."""

    loading = "…"
    block_loaded = Signal(int)
    count_loaded = Signal(int)

    def __init__(
        self,
        columns: Sequence[Column[R]],
        run: Callable[[Awaitable[None]], asyncio.Task[None]],
        *,
        block: int = 200,
        keep_blocks: int = 40,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self._run = run
        self.block = block
        self.keep_blocks = keep_blocks
        self.total = 0
        self._blocks: OrderedDict[int, list[R]] = OrderedDict()
        self._pending: set[int] = set()
        self._fetch: Fetch[R] | None = None
        self._generation = 0
        self._tasks: set[asyncio.Task[None]] = set()

    def reset(self, count: Count, fetch: Fetch[R]) -> asyncio.Task[None]:
        """Point the model at a new query: count it, then fetch rows as they are shown."""
        self._generation += 1
        self.beginResetModel()
        self.total = 0
        self._blocks.clear()
        self._pending.clear()
        self._fetch = fetch
        self.endResetModel()
        return self._spawn(self._count(count, self._generation))

    def _spawn(self, work: Awaitable[None]) -> asyncio.Task[None]:
        task = self._run(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _count(self, count: Count, generation: int) -> None:
        total = await count()
        if generation != self._generation:
            return
        self.beginResetModel()
        self.total = total
        self.endResetModel()
        self.count_loaded.emit(total)

    async def _load(self, number: int, generation: int) -> None:
        assert self._fetch is not None
        try:
            rows = list(await self._fetch(number * self.block, self.block))
        finally:
            self._pending.discard(number)
        if generation != self._generation:
            return
        self._blocks[number] = rows
        while len(self._blocks) > self.keep_blocks:
            self._blocks.popitem(last=False)
        first = number * self.block
        last = min(self.total, first + self.block) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(self.columns) - 1))
        self.block_loaded.emit(number)

    def row(self, index: int) -> R | None:
        """The row at ``index`` if its block is loaded (asks for it otherwise)."""
        number, offset = divmod(index, self.block)
        rows = self._blocks.get(number)
        if rows is None:
            self._request(number)
            return None
        self._blocks.move_to_end(number)
        return rows[offset] if offset < len(rows) else None

    def _request(self, number: int) -> None:
        if number in self._pending or self._fetch is None:
            return
        self._pending.add(number)
        self._spawn(self._load(number, self._generation))

    async def wait_idle(self) -> None:
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else self.total

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        column = self.columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            row = self.row(index.row())
            return self.loading if row is None else column.text(row)
        if role == Qt.ItemDataRole.TextAlignmentRole and column.right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.columns[section].title
        return f"{section + 1:,}"
