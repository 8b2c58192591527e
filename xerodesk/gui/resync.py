"""The question before a full resync: what it reads, the Xero calls it needs and what
is left today, with Cancel (the engine's plan, ``engine.passes.current_plan``)."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget

from xerodesk.domain.sync import EntityKind
from xerodesk.engine.budget import CallPlan
from xerodesk.engine.controller import CallUsage
from xerodesk.gui.text import calls_left_today, entity_name, plural


def resync_text(entity: EntityKind | None, plan: CallPlan, usage: CallUsage | None) -> str:
    """``A full resync of Products reads every one of them again …``, in the user's words."""
    what = "everything" if entity is None else entity_name(entity.value)
    reads = (
        "every record again from Xero"
        if entity is None
        else f"every one of the {entity_name(entity.value).lower()} again from Xero"
    )
    if usage is not None:
        left = calls_left_today(usage.remaining_today, usage.daily_limit)
    else:
        left = calls_left_today(plan.calls_left, plan.usage.daily_budget)
    text = (
        f"A full resync of {what} reads {reads}, not only what changed.\n\n"
        f"It needs about {plural(plan.total, 'Xero call')}; {left}."
    )
    if plan.deferred:
        names = ", ".join(entity_name(name) for name in plan.deferred)
        text += (
            f"\n\nNot enough calls are left today for all of it: {names} will carry on "
            "with tomorrow's calls."
        )
    return text


class ResyncQuestion(QMessageBox):
    """Resync or Cancel; Cancel is the default, so Enter alone spends nothing."""

    def __init__(
        self,
        parent: QWidget,
        entity: EntityKind | None,
        plan: CallPlan,
        usage: CallUsage | None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("resync_question")
        self.setIcon(QMessageBox.Icon.Question)
        self.setWindowTitle("Full resync")
        self.setText(resync_text(entity, plan, usage))
        self.entity = entity
        self.plan = plan
        self.resync: QPushButton = self.addButton("&Resync", QMessageBox.ButtonRole.AcceptRole)
        self.cancel: QPushButton = self.addButton(QMessageBox.StandardButton.Cancel)
        self.setDefaultButton(self.cancel)
        self.setEscapeButton(self.cancel)

    @property
    def confirmed(self) -> bool:
        return self.clickedButton() is self.resync
