"""Review tab: filter the queue, see a conflict's values side by side, resolve items."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import qasync
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from sqlalchemy import insert, select, update

from tests.gui.conftest import run, wait_until
from xerodesk.gui.main_window import MainWindow
from xerodesk.store.database import open_engine
from xerodesk.store.models import Quote, SalesLedger
from xerodesk.store.state import ReviewRequest, raise_review
from xerodesk.store.xd_models import OutboxItem, ReviewItem

CONFLICT = ReviewRequest(
    kind="conflict",
    dedupe_key="conflict:sales_ledger:1",
    title="Acme Ltd: phone changed in the CRM and in Xero",
    explanation="Both sides changed the phone number since the last sync; Xero's value was kept.",
    record_table="sales_ledger",
    record_id=1,
    xero_id="11111111-1111-1111-1111-111111111111",
    details={"fields": {"phone": {"base": "01 100", "crm": "01 200", "xero": "01 300"}}},
    actions=("keep_xero", "send_crm", "dismiss"),
)
MALFORMED = ReviewRequest(
    kind="malformed_record",
    dedupe_key="malformed:items:x",
    title="Skipped a Xero record: an item without a code",
    explanation="The item has no code. Correct it in Xero; the next sync imports it.",
    xero_id="22222222-2222-2222-2222-222222222222",
    details={"entity": "items"},
)
BLOCKED = ReviewRequest(
    kind="push_blocked",
    dedupe_key="push:xd-invoice-1",
    title="Quote Q-0001 held: the customer is on stop",
    explanation="The confirmed order was not sent to Xero because the customer is on stop.",
    record_table="quote",
    record_id=1,
    details={"outbox_id": 1, "quote_id": 1},
    actions=("release", "dismiss"),
)


def seed(url: str) -> None:
    engine = open_engine(url)
    try:
        with engine.begin() as connection:
            ledger = connection.execute(
                insert(SalesLedger).values(
                    name="Stopped Traders", account_number="ST01", on_stop=True
                )
            ).inserted_primary_key[0]
            for number, status, state in (
                ("Q-0001", "Confirmed", "blocked"),
                ("Q-0002", "Open", None),
            ):
                connection.execute(
                    insert(Quote).values(
                        quote_number=number, sales_ledger_id=ledger, status=status, push_state=state
                    )
                )
            connection.execute(
                insert(OutboxItem).values(
                    id=1, kind="invoice", record_table="quote", record_id=1,
                    idempotency_key="xd-invoice-1", state="blocked", attempts=1,
                    created_at=datetime.now(UTC),
                )
            )  # fmt: skip
            for item in (MALFORMED, BLOCKED, CONFLICT):
                raise_review(connection, item)
    finally:
        engine.dispose()


def resolutions(url: str) -> dict[str, str | None]:
    engine = open_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(ReviewItem.kind, ReviewItem.resolution))
            return dict(rows.all())
    finally:
        engine.dispose()


def buttons(window: MainWindow) -> dict[str, QPushButton]:
    found = window.review_tab.detail.findChildren(QPushButton)
    prefix = "review_action_"
    return {
        b.objectName().removeprefix(prefix): b for b in found if b.objectName().startswith(prefix)
    }


def test_filter_compare_and_resolve_review_items(
    window: MainWindow, qloop: qasync.QEventLoop, qtbot: Any, sqlite_url: str
) -> None:
    seed(sqlite_url)
    tab = window.review_tab
    window.tabs.setCurrentWidget(tab)
    detail = tab.detail

    async def body() -> None:
        await window.controller.open_database(sqlite_url)
        await wait_until(lambda: tab.model.rowCount() == 3, 10, "three open items")
        tab.kind.setCurrentIndex(tab.kind.findData("conflict"))
        await wait_until(lambda: tab.model.rowCount() == 1, 10, "filtered by kind")
        tab.items.selectRow(0)
        assert "phone changed" in detail.title.text()
        assert detail.values.isVisibleTo(tab) and detail.values.rowCount() == 1
        shown = [detail.values.item(0, c).text() for c in range(4)]
        assert shown == ["Phone", "01 100", "01 200", "01 300"]
        actions = buttons(window)
        assert list(actions) == ["keep_xero", "send_crm", "dismiss"]
        assert not actions["send_crm"].isEnabled()
        assert "does not say which Xero record" in actions["send_crm"].toolTip()
        qtbot.mouseClick(actions["keep_xero"], Qt.MouseButton.LeftButton)
        await wait_until(lambda: tab.model.rowCount() == 0, 10, "resolved item leaves the list")
        tab.kind.setCurrentIndex(0)
        tab.search.setText("without a code")
        await wait_until(lambda: tab.model.rowCount() == 1, 10, "found by text")
        tab.items.selectRow(0)
        qtbot.mouseClick(buttons(window)["dismiss"], Qt.MouseButton.LeftButton)
        await wait_until(lambda: tab.model.rowCount() == 0, 10, "dismissed")
        tab.search.clear()
        tab.state.setCurrentIndex(tab.state.findData("resolved"))
        await wait_until(lambda: tab.model.rowCount() == 2, 10, "the resolved items")
        await window.ops.wait_idle()

    run(qloop, body())
    assert resolutions(sqlite_url) == {
        "conflict": "kept_xero",
        "malformed_record": "dismissed",
        "push_blocked": None,
    }
    stopped = tab.stopped
    assert stopped.rowCount() == 1
    row = [stopped.item(0, c).text() for c in range(stopped.columnCount())]
    assert row[0] == "Stopped Traders" and row[3] == "Q-0002" and row[4] == "Q-0001"


def test_release_a_held_order_once_the_customer_is_off_stop(
    window: MainWindow, qloop: qasync.QEventLoop, qtbot: Any, sqlite_url: str
) -> None:
    seed(sqlite_url)
    tab = window.review_tab
    window.tabs.setCurrentWidget(tab)

    async def body() -> None:
        await window.controller.open_database(sqlite_url)
        await wait_until(lambda: tab.kind.findData("push_blocked") > 0, 10, "kinds listed")
        tab.kind.setCurrentIndex(tab.kind.findData("push_blocked"))
        await wait_until(lambda: tab.model.rowCount() == 1, 10, "the held order")
        tab.items.selectRow(0)
        release = buttons(window)["release"]
        # the customer is on stop: releasing cannot work, and the button says why
        assert not release.isEnabled()
        assert "Stopped Traders is still on stop" in release.toolTip()
        engine = open_engine(sqlite_url)
        with engine.begin() as connection:
            connection.execute(update(SalesLedger).values(on_stop=False))
        engine.dispose()
        tab.reload()
        await wait_until(lambda: buttons(window)["release"].isEnabled(), 10, "release enabled")
        qtbot.mouseClick(buttons(window)["release"], Qt.MouseButton.LeftButton)
        await wait_until(lambda: tab.model.rowCount() == 0, 10, "released")
        assert tab.feedback.text().startswith("Order released to Xero: Quote Q-0001 held")
        assert "cannot be undone" in tab.feedback.text() and not tab.undo.isVisible()
        await window.ops.wait_idle()

    run(qloop, body())
    assert resolutions(sqlite_url)["push_blocked"] == "released"
    engine = open_engine(sqlite_url)
    with engine.connect() as connection:
        assert connection.scalar(select(OutboxItem.state)) == "pending"
        assert connection.scalar(select(Quote.push_state).where(Quote.id == 1)) == "pending"
    engine.dispose()
