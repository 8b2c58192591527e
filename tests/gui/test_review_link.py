"""Review tab: "link to an existing Xero record" asks for the record, checks it, and links.

A real runner and sandbox: a customer edited in the CRM becomes a CRM edit;
its link button opens a dialog asking for the Xero record; a value that is
not a Xero id is refused in the dialog with a readable message; a real id
goes through the runner, which reads the contact from Xero and re-points the
customer at it, and the item resolves.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import qasync
from PySide6.QtCore import Qt
from sqlalchemy import insert, select, update

from tests.gui.conftest import connected, run, wait_until
from tests.gui.test_review import buttons
from tests.support.sandbox import RunningSandbox
from xerodesk.errors import ConfigurationError
from xerodesk.gui.main_window import MainWindow
from xerodesk.store.database import open_engine
from xerodesk.store.models import SalesLedger
from xerodesk.store.xd_models import OutboxItem, RecordLink, ReviewItem


def db_read(url: str, query: Any) -> list[Any]:
    engine = open_engine(url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(query).all())
    finally:
        engine.dispose()


def edit_first_customer(url: str) -> tuple[int, str]:
    engine = open_engine(url)
    try:
        with engine.begin() as connection:
            ledger_id, contact_id = connection.execute(
                select(SalesLedger.id, SalesLedger.sales_ledger_id)
                .where(SalesLedger.sales_ledger_id.is_not(None))
                .order_by(SalesLedger.id)
            ).first() or (0, "")
            connection.execute(
                update(SalesLedger).where(SalesLedger.id == ledger_id).values(phone="0113 496 0000")
            )
        return int(ledger_id), str(contact_id)
    finally:
        engine.dispose()


def test_link_button_asks_for_the_xero_record_and_the_item_resolves(
    window: MainWindow,
    qloop: qasync.QEventLoop,
    qtbot: Any,
    gui_sandbox: RunningSandbox,
    sqlite_url: str,
) -> None:
    tab = window.review_tab
    window.tabs.setCurrentWidget(tab)
    controller = window.controller

    async def body() -> tuple[int, str, str]:
        await connected(controller, sqlite_url, gui_sandbox)
        assert controller.sync_now()
        await controller.wait_for_pass()
        ledger_id, old_id = edit_first_customer(sqlite_url)
        assert controller.sync_now()
        await controller.wait_for_pass()
        tab.kind.setCurrentIndex(0)
        await wait_until(lambda: tab.kind.findData("crm_edit") > 0, 20, "a CRM edit")
        tab.kind.setCurrentIndex(tab.kind.findData("crm_edit"))
        await wait_until(lambda: tab.model.rowCount() == 1, 10, "the CRM edit listed")
        tab.items.selectRow(0)
        link = buttons(window)["link_other"]
        assert link.isEnabled(), link.toolTip()
        reply = gui_sandbox.api(
            "PUT", "/Contacts", json={"Contacts": [{"Name": "Relinked Customer Ltd"}]}
        )
        assert reply.status_code == 200, reply.text
        new_id = str(reply.json()["Contacts"][0]["ContactID"])

        qtbot.mouseClick(link, Qt.MouseButton.LeftButton)
        dialog = tab.link_dialog
        assert dialog is not None and dialog.isVisible()
        dialog.value.setText("not-a-xero-id")
        dialog.buttons.accepted.emit()
        assert dialog.isVisible()
        assert "is not a Xero id" in dialog.problem.text()
        assert "Traceback" not in dialog.problem.text()
        dialog.value.setText(new_id)
        dialog.buttons.accepted.emit()
        assert not dialog.isVisible()

        def resolution() -> str | None:
            rows = db_read(
                sqlite_url, select(ReviewItem.resolution).where(ReviewItem.kind == "crm_edit")
            )
            return rows[0][0] if rows else None

        await wait_until(lambda: resolution() == "linked", 30, "linked by the runner")
        tab.reload()
        await wait_until(lambda: tab.model.rowCount() == 0, 10, "the item leaves the list")
        await asyncio.sleep(0)
        await window.ops.wait_idle()
        return ledger_id, old_id, new_id

    ledger_id, old_id, new_id = run(qloop, body())
    assert window.banner.text() == "" or not window.banner.isVisible()
    [(contact_id, name)] = db_read(
        sqlite_url,
        select(SalesLedger.sales_ledger_id, SalesLedger.name).where(SalesLedger.id == ledger_id),
    )
    assert (contact_id, name) == (new_id, "Relinked Customer Ltd")
    assert old_id != new_id


def add_crm_customers(url: str, names: list[str]) -> dict[str, int]:
    engine = open_engine(url)
    try:
        with engine.begin() as connection:
            return {
                name: int(
                    connection.execute(
                        insert(SalesLedger).values(name=name, origin="crm")
                    ).inserted_primary_key[0]
                )
                for name in names
            }
    finally:
        engine.dispose()


def test_link_to_the_existing_xero_contact_links_in_the_database_or_is_refused(
    window: MainWindow,
    qloop: qasync.QEventLoop,
    qtbot: Any,
    gui_sandbox: RunningSandbox,
    sqlite_url: str,
) -> None:
    """A customer Xero refused as a duplicate: linked for real when the contact is free,
    refused (button disabled, saying which CRM customer has it) when another holds it."""
    tab = window.review_tab
    window.tabs.setCurrentWidget(tab)
    controller = window.controller

    async def body() -> tuple[dict[str, int], str, str, int]:
        await connected(controller, sqlite_url, gui_sandbox)
        assert controller.sync_now()
        await controller.wait_for_pass()
        [(taken, holder)] = db_read(
            sqlite_url,
            select(SalesLedger.name, SalesLedger.id)
            .where(SalesLedger.sales_ledger_id.is_not(None), SalesLedger.on_stop.is_(False))
            .order_by(SalesLedger.id)
            .limit(1),
        )
        reply = gui_sandbox.api("PUT", "/Contacts", json={"Contacts": [{"Name": "Free Name Ltd"}]})
        assert reply.status_code == 200, reply.text
        free_id = str(reply.json()["Contacts"][0]["ContactID"])
        ledgers = add_crm_customers(sqlite_url, [str(taken), "Free Name Ltd"])
        duplicates = select(ReviewItem.id).where(ReviewItem.kind == "push_duplicate_contact")
        await wait_until(lambda: len(db_read(sqlite_url, duplicates)) == 2, 30, "both refused")
        tab.reload()
        await wait_until(lambda: tab.kind.findData("push_duplicate_contact") > 0, 10, "kinds")
        tab.kind.setCurrentIndex(tab.kind.findData("push_duplicate_contact"))
        await wait_until(lambda: tab.model.rowCount() == 2, 10, "the two items listed")
        rows = {tab.model.rows[r].details["name"]: r for r in range(2)}

        tab.items.selectRow(rows[str(taken)])
        link = buttons(window)["link_existing"]
        assert not link.isEnabled()
        assert f'already the CRM customer "{taken}"' in link.toolTip()
        taken_item = tab.model.rows[rows[str(taken)]].id
        with pytest.raises(ConfigurationError, match="one Xero contact can be linked to one"):
            await controller.review_action(taken_item, "link_existing")

        tab.items.selectRow(rows["Free Name Ltd"])
        link = buttons(window)["link_existing"]
        assert link.isEnabled(), link.toolTip()
        qtbot.mouseClick(link, Qt.MouseButton.LeftButton)
        await wait_until(lambda: tab.model.rowCount() == 1, 10, "the linked item leaves")
        assert tab.feedback.text().startswith("Linked to the existing Xero contact: ")
        await window.ops.wait_idle()
        return ledgers, str(taken), free_id, int(holder)

    ledgers, taken, free_id, holder = run(qloop, body())
    # really linked: the customer has the Xero id, the link points at it, the push is done
    [(contact_id,)] = db_read(
        sqlite_url,
        select(SalesLedger.sales_ledger_id).where(SalesLedger.id == ledgers["Free Name Ltd"]),
    )
    assert contact_id == free_id
    [(table, crm_id)] = db_read(
        sqlite_url,
        select(RecordLink.crm_table, RecordLink.crm_id).where(RecordLink.xero_id == free_id),
    )
    assert (table, crm_id) == ("sales_ledger", ledgers["Free Name Ltd"])
    states = dict(db_read(sqlite_url, select(OutboxItem.record_id, OutboxItem.state)))
    assert states[ledgers["Free Name Ltd"]] == "done"
    # refused: nothing changed, the item is still open
    [(twin_id,)] = db_read(
        sqlite_url, select(SalesLedger.sales_ledger_id).where(SalesLedger.id == ledgers[taken])
    )
    assert twin_id is None and states[ledgers[taken]] == "failed"
    items = dict(
        db_read(
            sqlite_url,
            select(ReviewItem.record_id, ReviewItem.resolution).where(
                ReviewItem.kind == "push_duplicate_contact"
            ),
        )
    )
    assert items == {ledgers[taken]: None, ledgers["Free Name Ltd"]: "linked"}
    assert holder != ledgers[taken]
