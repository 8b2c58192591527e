"""Asking which Xero record a CRM record really is, for "link to an existing Xero record".

A small dialog: how the record is named (its Xero id; a contact's number or
name; an item's code) and the value. OK checks the value with the engine's
own rules (``engine.link_requests.parse_target``) and, when it is wrong, says why
under the field and stays open; a value that passes goes to ``chosen``.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from xerodesk.engine.link_requests import parse_target
from xerodesk.errors import ConfigurationError

#: entity → the ways of naming a record: (label, prefix of the engine's value)
WAYS: dict[str, tuple[tuple[str, str], ...]] = {
    "contacts": (("Xero id (ContactID)", ""), ("Contact number", "number"), ("Exact name", "name")),
    "items": (("Xero id (ItemID)", ""), ("Item code", "code")),
}


class LinkDialog(QDialog):
    """Which existing Xero record to link to; calls ``chosen`` with the engine's value."""

    def __init__(
        self, entity: str, label: str, chosen: Callable[[str], None], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("link_dialog")
        self.setWindowTitle("Link to an existing Xero record")
        self.entity = entity
        self.chosen = chosen
        noun = "contact" if entity == "contacts" else "item"
        intro = QLabel(
            f"{label} in the CRM is really another Xero {noun}. Name it: it is read from Xero "
            f"with the next push, and the CRM record takes its id and values. The Xero {noun} "
            "linked now is left as it is in Xero."
        )
        intro.setWordWrap(True)
        self.way = QComboBox()
        self.way.setObjectName("link_way")
        self.way.setAccessibleName("Name the record by")
        for text, prefix in WAYS.get(entity, WAYS["items"]):
            self.way.addItem(text, prefix)
        self.value = QLineEdit()
        self.value.setObjectName("link_value")
        self.value.setAccessibleName("The Xero record")
        self.value.setPlaceholderText("e.g. 3f9a1c2e-0b7d-4e8f-9a6b-5c4d3e2f1a0b")
        self.problem = QLabel()
        self.problem.setObjectName("link_problem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b00020;")
        self.problem.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._check)
        self.buttons.rejected.connect(self.reject)
        self.way.currentIndexChanged.connect(lambda _i: self.problem.hide())
        form = QFormLayout()
        form.addRow("Name it by", self.way)
        form.addRow("Xero record", self.value)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(460)

    def text(self) -> str:
        """The value as the engine takes it (``number:…`` etc. for the other ways)."""
        prefix = str(self.way.currentData() or "")
        value = self.value.text().strip()
        return f"{prefix}:{value}" if prefix else value

    def _check(self) -> None:
        try:
            parse_target(self.entity, self.text())
        except ConfigurationError as error:
            message = str(error)
            self.problem.setText(message[:1].upper() + message[1:] + ".")
            self.problem.show()
            return
        self.accept()
        self.chosen(self.text())
