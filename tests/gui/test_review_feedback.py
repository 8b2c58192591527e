"""Review tab: each action says what it did, the selection moves on, a dismissal can be undone.

Seeded items (a conflict, a held order, a record not imported) on a real
database: dismissing the conflict says so in the tab with an Undo and moves
the selection to the next open item; Undo reopens it in the database; keeping
Xero's value says it cannot be undone and offers no Undo; the resolved item
then says what was decided and when, and offers no actions.
"""

from __future__ import annotations

from typing import Any

import qasync
from PySide6.QtCore import Qt
from sqlalchemy import select

from tests.gui.conftest import run, wait_until
from tests.gui.test_review import buttons, resolutions, seed
from xerodesk.gui.main_window import MainWindow
from xerodesk.store.database import open_engine
from xerodesk.store.xd_models import ReviewItem


def resolved_at(url: str, kind: str) -> object:
    engine = open_engine(url)
    try:
        with engine.connect() as connection:
            return connection.scalar(select(ReviewItem.resolved_at).where(ReviewItem.kind == kind))
    finally:
        engine.dispose()


def test_actions_say_what_they_did_move_on_and_a_dismissal_can_be_undone(
    window: MainWindow, qloop: qasync.QEventLoop, qtbot: Any, sqlite_url: str
) -> None:
    seed(sqlite_url)
    tab = window.review_tab
    window.tabs.setCurrentWidget(tab)

    def current_kind() -> str | None:
        item = tab._current()
        return item.kind if item else None

    async def body() -> None:
        await window.controller.open_database(sqlite_url)
        await wait_until(lambda: tab.model.rowCount() == 3, 10, "three open items")
        kinds = [tab.model.row(r).kind for r in range(3)]  # type: ignore[union-attr]
        assert kinds == ["conflict", "push_blocked", "malformed_record"]
        tab.items.selectRow(0)
        qtbot.mouseClick(buttons(window)["dismiss"], Qt.MouseButton.LeftButton)
        await wait_until(lambda: tab.model.rowCount() == 2, 10, "the dismissed item leaves")
        assert tab.feedback.text() == "Dismissed: Acme Ltd: phone changed in the CRM and in Xero."
        assert tab.undo.isVisible()
        await wait_until(lambda: current_kind() == "push_blocked", 10, "the next open item")
        assert "Quote Q-0001 held" in tab.detail.title.text()
        assert resolutions(sqlite_url)["conflict"] == "dismissed"

        qtbot.mouseClick(tab.undo, Qt.MouseButton.LeftButton)
        await wait_until(lambda: tab.model.rowCount() == 3, 10, "reopened")
        assert resolutions(sqlite_url)["conflict"] is None
        assert resolved_at(sqlite_url, "conflict") is None
        await wait_until(lambda: current_kind() == "conflict", 10, "the reopened item shown")
        assert tab.feedback.text() == "Undone: the item is open again."
        assert not tab.undo.isVisible()

        qtbot.mouseClick(buttons(window)["keep_xero"], Qt.MouseButton.LeftButton)
        await wait_until(lambda: tab.model.rowCount() == 2, 10, "kept Xero's value")
        assert tab.feedback.text().startswith("Kept Xero's value: Acme Ltd")
        assert "This cannot be undone" in tab.feedback.text()
        assert not tab.undo.isVisible()

        tab.state.setCurrentIndex(tab.state.findData("resolved"))
        await wait_until(lambda: tab.model.rowCount() == 1, 10, "the resolved item")
        state = tab.model.data(tab.model.index(0, 3))
        assert state.startswith("Kept Xero's value, 20"), state
        tab.items.selectRow(0)
        assert "Kept Xero's value, 20" in tab.detail.meta.text()
        assert buttons(window) == {}
        await window.ops.wait_idle()

    run(qloop, body())
    assert resolutions(sqlite_url)["conflict"] == "kept_xero"
