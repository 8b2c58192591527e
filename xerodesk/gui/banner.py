"""The problem banner: a strip of fixed height above the tabs, so a message never moves
the controls under the user's pointer.

A problem belongs to what raised it: an operation of the window (by the name of
its work and of what takes its result) or the sync engine. It goes when the
user dismisses it, moves to another tab, or the same work next succeeds (for
the engine, a pass that ends well or a new connection).
"""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QWidget

from xerodesk.gui.elided import ElidedLabel

#: the owner of problems the sync engine reports (a pass failed, the runner stopped)
ENGINE = "engine"
TEXT_STYLE = "color: #b00020; font-weight: 600;"


class ProblemBanner(QFrame):
    """One line of the latest problem (the whole of it in the tooltip) and Dismiss."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("problem_banner")
        self.message = ElidedLabel()
        self.message.setObjectName("problem_text")
        self.message.setStyleSheet(TEXT_STYLE)
        self.message.setAccessibleName("Problem")
        self.dismiss = QPushButton("Dismiss")
        self.dismiss.setObjectName("problem_dismiss")
        self.dismiss.clicked.connect(self.clear)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.addWidget(self.message, 1)
        layout.addWidget(self.dismiss)
        for child in (self.message, self.dismiss):
            policy = child.sizePolicy()
            policy.setRetainSizeWhenHidden(True)
            child.setSizePolicy(policy)
        self.setFixedHeight(
            max(self.dismiss.sizeHint().height(), self.message.sizeHint().height()) + 2
        )
        self.owner: str | None = None
        self.clear()

    def text(self) -> str:
        """The whole problem shown, or ``""``."""
        return self.message.text()

    def show_problem(self, text: str, owner: str) -> None:
        self.owner = owner
        self.message.setText(text)
        self.message.show()
        self.dismiss.show()

    def clear(self) -> None:
        self.owner = None
        self.message.clear()
        self.message.hide()
        self.dismiss.hide()

    def resolved(self, owner: str) -> None:
        """``owner``'s work succeeded: its problem, if shown, is gone."""
        if self.owner == owner:
            self.clear()
