"""Every tab of the app speaks a person's words: the review queue, the mapping tables
and the history above all, and the connection, options, status and log tabs too.

After a real sync against the sandbox and what a CRM user does next (a
customer's phone corrected in the CRM, a customer added whose name Xero
already has, an order confirmed for a customer on stop), every text of the
Review tab (each item shown in turn, open and resolved), the mapping tables
(customers and products) and a record's history is scanned for database
talk with ``tests.gui.plain_text``; none may have any.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import qasync
from PySide6.QtWidgets import QLabel
from sqlalchemy import insert, select, update

from tests.gui.conftest import connected, run, wait_until
from tests.gui.plain_text import Offence, offences_in, offending_texts
from tests.support.sandbox import RunningSandbox
from xerodesk.gui.main_window import MainWindow
from xerodesk.store.database import open_engine
from xerodesk.store.models import Quote, SalesLedger
from xerodesk.store.xd_models import ReviewItem


def test_the_scan_finds_database_talk(qapp: Any) -> None:
    assert offences_in("Changed sales_ledger.phone") == ["table.column", "snake_case"]
    assert offences_in("record quote:1") == ["record id"]
    assert offences_in("sent_crm") == ["snake_case", "raw state"]
    assert offences_in("linked") == ["raw state"]
    assert offences_in("outbox_id") == ["snake_case"]
    assert offences_in("Linked to the Xero contact Acme Ltd, 2026-03-02 09:30:00") == []
    assert offences_in("Customer Acme Ltd — phone: write to first_last@example.com") == []
    assert offences_in("Open /home/an_admin/crm_data/xero_crm.db?") == []
    assert offences_in("{quote_id} and {quote_number} are filled in") == []
    assert offences_in("quote_id is filled in") == ["snake_case"]
    label = QLabel("<b>state: open</b> · quote:7")
    assert [o.why for o in offending_texts(label)] == ["record id"]


def crm_user_changes(url: str) -> None:
    engine = open_engine(url)
    try:
        with engine.begin() as connection:
            ledgers = connection.execute(
                select(SalesLedger.id, SalesLedger.name, SalesLedger.on_stop)
                .where(SalesLedger.sales_ledger_id.is_not(None))
                .order_by(SalesLedger.id)
            ).all()
            stopped = next(row.id for row in ledgers if row.on_stop)
            edited, taken = next((row.id, row.name) for row in ledgers if not row.on_stop)
            connection.execute(
                update(SalesLedger).where(SalesLedger.id == edited).values(phone="01632 960123")
            )
            connection.execute(insert(SalesLedger).values(name=taken, origin="crm"))
            connection.execute(
                insert(Quote).values(
                    quote_number="Q-1001", sales_ledger_id=stopped, status="Confirmed",
                    confirmed_at=datetime.now(UTC),
                )
            )  # fmt: skip
    finally:
        engine.dispose()


def kinds(url: str) -> set[str]:
    engine = open_engine(url)
    try:
        with engine.connect() as connection:
            return set(connection.scalars(select(ReviewItem.kind)))
    finally:
        engine.dispose()


def test_review_mapping_and_history_speak_plainly(
    window: MainWindow, qloop: qasync.QEventLoop, gui_sandbox: RunningSandbox, sqlite_url: str
) -> None:
    controller = window.controller
    review, mapping = window.review_tab, window.mapping_tab
    found: list[Offence] = []

    async def scan_review() -> None:
        window.tabs.setCurrentWidget(review)
        review.state.setCurrentIndex(review.state.findData("all"))
        review.reload()
        await window.ops.wait_idle()
        assert review.model.rowCount() >= 3
        for row in range(review.model.rowCount()):
            review.items.selectRow(row)
            found.extend(offending_texts(review))
        review.detail.history.click()
        assert review.dialog is not None
        await review.dialog.task
        found.extend(offending_texts(review.dialog))
        review.dialog.close()

    async def scan_mapping() -> None:
        window.tabs.setCurrentWidget(mapping)
        for entity in ("contacts", "items"):
            mapping.entity.setCurrentIndex(mapping.entity.findData(entity))
            await wait_until(lambda: mapping.model.rowCount() > 0, 10, f"{entity} listed")
            mapping.model.row(0)
            await mapping.model.wait_idle()
            found.extend(offending_texts(mapping))
        mapping.view.selectRow(0)
        mapping.history.click()
        assert mapping.dialog is not None
        await mapping.dialog.task
        found.extend(offending_texts(mapping.dialog))
        mapping.dialog.close()

    async def body() -> None:
        await connected(controller, sqlite_url, gui_sandbox)
        assert controller.sync_now()
        await controller.wait_for_pass()
        crm_user_changes(sqlite_url)
        wanted = {"push_duplicate_contact", "push_blocked"}
        await wait_until(lambda: wanted <= kinds(sqlite_url), 30, "the pushes refused")
        assert controller.sync_now()
        await controller.wait_for_pass()
        assert "crm_edit" in kinds(sqlite_url)
        await scan_review()
        # a decided item too: dismiss one and scan again
        review.state.setCurrentIndex(review.state.findData("open"))
        await window.ops.wait_idle()
        review.items.selectRow(0)
        await controller.review_action(review.model.rows[0].id, "dismiss")
        await scan_review()
        await scan_mapping()
        await window.ops.wait_idle()

    run(qloop, body())
    assert found == [], "\n".join(f"{o.where}: {o.text!r} ({o.why})" for o in found)


def test_every_tab_speaks_plainly_after_a_sync_and_a_push(
    window: MainWindow, qloop: qasync.QEventLoop, gui_sandbox: RunningSandbox, sqlite_url: str
) -> None:
    """Connection, options, sync status, log and the window's own bars, after a sync
    and the pushes a CRM user's changes make: no text speaks database."""
    controller = window.controller
    found: list[Offence] = []

    async def body() -> None:
        await connected(controller, sqlite_url, gui_sandbox)
        assert controller.sync_now()
        await controller.wait_for_pass()
        crm_user_changes(sqlite_url)
        wanted = {"push_duplicate_contact", "push_blocked"}
        await wait_until(lambda: wanted <= kinds(sqlite_url), 30, "the pushes refused")
        for tab in (
            window.connection_tab,
            window.options_tab,
            window.status_tab,
            window.log_tab,
        ):
            window.tabs.setCurrentWidget(tab)
            await window.ops.wait_idle()
        found.extend(offending_texts(window))
        await window.ops.wait_idle()

    run(qloop, body())
    assert found == [], "\n".join(f"{o.where}: {o.text!r} ({o.why})" for o in found)
