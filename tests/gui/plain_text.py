"""Finding database talk in the app's texts: ``offending_texts(widget)``.

Walks a widget and everything under it, reads every text a person can see
(labels, buttons, tooltips, placeholders, combo box items, tab titles,
window titles and every cell and header of item views) and returns the ones
that speak the database: ``table.column``, ``table:id``, snake_case words and
raw states shown as a word alone. Addresses (e-mail, web) are left out, since
they are what people typed. Any tab's test can call it::

    assert offending_texts(window.review_tab) == []
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QLabel,
    QLineEdit,
    QTabWidget,
    QWidget,
)

__all__ = ["PATTERNS", "RAW_STATES", "Offence", "offences_in", "offending_texts", "widget_texts"]

#: what database talk looks like
PATTERNS: dict[str, re.Pattern[str]] = {
    "table.column": re.compile(r"\b[a-z]+_[a-z_]+\.[a-z_]+\b"),
    "record id": re.compile(r"\b[a-z_]+:\d+\b"),
    "snake_case": re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b"),
}
#: the engine's states, which must not be shown as a word alone
RAW_STATES = frozenset(
    {
        "open",
        "pending",
        "sending",
        "done",
        "failed",
        "blocked",
        "cancelled",
        "linked",
        "sent",
        "sent_crm",
        "kept_xero",
        "dismissed",
        "resolved",
        "pushed",
        "released",
        "retried",
        "retry",
        "matches_xero",
        "link_requested",
        "send_requested",
        "retry_requested",
    }
)
_TAGS = re.compile(r"<[^>]+>")
#: what a person typed or must type as it is: e-mail and web addresses, file paths,
#: and a template's placeholders such as ``{quote_id}``
_ADDRESSES = re.compile(r"\S+@\S+|\w+://\S+|(?:[A-Za-z]:)?[\\/]\S*[\\/]\S+|\{[a-z_]+\}")


@dataclass(frozen=True)
class Offence:
    where: str
    text: str
    why: str


def _model_texts(model: QAbstractItemModel, where: str) -> Iterator[tuple[str, str]]:
    for column in range(model.columnCount()):
        header = model.headerData(column, Qt.Orientation.Horizontal)
        if header is not None:
            yield f"{where} header {column}", str(header)
    for row in range(model.rowCount()):
        for column in range(model.columnCount()):
            index = model.index(row, column)
            for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                value = model.data(index, role)
                if value is not None:
                    yield f"{where} cell {row},{column}", str(value)


def _own_texts(widget: QWidget) -> Iterator[str]:
    if widget.isWindow():
        yield widget.windowTitle()
    yield widget.toolTip()
    yield widget.accessibleDescription()
    if isinstance(widget, QLabel):
        yield widget.text()
    if isinstance(widget, QAbstractButton):
        yield widget.text()
    if isinstance(widget, QLineEdit):
        yield widget.placeholderText()
    if isinstance(widget, QComboBox):
        yield from (widget.itemText(i) for i in range(widget.count()))
    if isinstance(widget, QTabWidget):
        for i in range(widget.count()):
            yield widget.tabText(i)
            yield widget.tabToolTip(i)


def widget_texts(root: QWidget) -> Iterator[tuple[str, str]]:
    """(where, text) for every text shown by ``root`` and the widgets under it."""
    for widget in [root, *root.findChildren(QWidget)]:
        where = widget.objectName() or type(widget).__name__
        for text in _own_texts(widget):
            if text:
                yield where, text
        if isinstance(widget, QAbstractItemView) and widget.model() is not None:
            yield from _model_texts(widget.model(), where)


def offences_in(text: str) -> list[str]:
    """Why ``text`` speaks the database (empty when it does not)."""
    plain = _ADDRESSES.sub(" ", _TAGS.sub(" ", text).replace("&", ""))
    found = [name for name, pattern in PATTERNS.items() if pattern.search(plain)]
    if plain.strip() in RAW_STATES:
        found.append("raw state")
    return found


def offending_texts(root: QWidget) -> list[Offence]:
    """Every text under ``root`` that speaks the database, with where and why."""
    return [
        Offence(where, text, ", ".join(why))
        for where, text in widget_texts(root)
        if (why := offences_in(text))
    ]
