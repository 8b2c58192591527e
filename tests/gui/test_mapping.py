"""Mapping tables tab: find a record after a sync; scroll 100,000 links without waiting."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import qasync
from PySide6.QtCore import QModelIndex
from sqlalchemy import insert, select

from tests.gui.conftest import StallProbe, connected, run, wait_until
from tests.support.sandbox import RunningSandbox
from xerodesk.gui.main_window import MainWindow
from xerodesk.store.database import open_engine
from xerodesk.store.models import Product, SalesLedger
from xerodesk.store.xd_models import RecordLink

LINKS = 100_000


def seed_links(url: str, count: int = LINKS) -> None:
    """``count`` products, each linked to a Xero item."""
    now = datetime.now(UTC)
    engine = open_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                insert(Product),
                [
                    {"id": n, "product_item_id": f"ITEM-{n:06d}", "description": f"Widget {n}"}
                    for n in range(1, count + 1)
                ],
            )
            connection.execute(
                insert(RecordLink),
                [
                    {
                        "entity": "items",
                        "xero_id": f"00000000-0000-0000-0000-{n:012d}",
                        "crm_table": "product",
                        "crm_id": n,
                        "synced_at": now,
                    }
                    for n in range(1, count + 1)
                ],
            )
    finally:
        engine.dispose()


def cell(window: MainWindow, row: int, column: int) -> str:
    model = window.mapping_tab.model
    return str(model.data(model.index(row, column)))


def test_find_a_synced_customer(
    window: MainWindow,
    qloop: qasync.QEventLoop,
    qtbot: Any,
    gui_sandbox: RunningSandbox,
    sqlite_url: str,
) -> None:
    tab = window.mapping_tab
    window.tabs.setCurrentWidget(tab)

    async def body() -> str:
        await connected(window.controller, sqlite_url, gui_sandbox)
        assert window.controller.sync_now()
        await window.controller.wait_for_pass()
        await wait_until(lambda: tab.model.rowCount() == 40, 10, "40 contacts linked")
        engine = open_engine(sqlite_url)
        with engine.connect() as connection:
            name, xero_id = connection.execute(
                select(SalesLedger.name, SalesLedger.sales_ledger_id).order_by(
                    SalesLedger.id.desc()
                )
            ).first() or ("", "")
        engine.dispose()
        qtbot.keyClicks(tab.search, name.split()[0].lower())
        await wait_until(lambda: "match" in tab.count.text(), 10, "search counted")
        await tab.model.wait_idle()
        tab.model.row(0)
        await tab.model.wait_idle()
        labels = [cell(window, r, 1) for r in range(tab.model.rowCount())]
        assert name in labels
        tab.search.setText(xero_id)
        await wait_until(lambda: tab.count.text() == "1 match", 10, "found by Xero id")
        tab.model.row(0)
        await tab.model.wait_idle()
        # its history: the sync created it from Xero
        assert not tab.history.isEnabled()
        tab.view.selectRow(0)
        assert tab.history.isEnabled()
        tab.history.click()
        dialog = tab.dialog
        assert dialog is not None
        await dialog.task
        sides = {dialog.table.item(r, 5).text() for r in range(dialog.table.rowCount())}
        assert sides == {"Xero → CRM"}, sides
        assert "change(s)" in dialog.summary.text()
        dialog.close()
        return name

    name = run(qloop, body())
    assert cell(window, 0, 1) == name and cell(window, 0, 2) == "Customer"
    assert cell(window, 0, 3)  # last synced


def test_100000_links_scroll_without_stalls(
    window: MainWindow, qloop: qasync.QEventLoop, sqlite_url: str
) -> None:
    seed_links(sqlite_url)
    tab = window.mapping_tab
    window.tabs.setCurrentWidget(tab)
    tab.entity.setCurrentIndex(tab.entity.findData("items"))
    probe = StallProbe()
    loaded: list[int] = []
    tab.model.block_loaded.connect(loaded.append)

    async def body() -> None:
        await window.controller.open_database(sqlite_url)
        await wait_until(lambda: tab.model.rowCount() == LINKS, 20, "counted")
        assert tab.count.text() == "100,000 records"
        loaded.clear()
        probe.start()
        for fraction in (0.25, 0.5, 0.75, 1.0):
            bar = tab.view.verticalScrollBar()
            bar.setValue(int(bar.maximum() * fraction))
            await wait_until(
                lambda: tab.view.indexAt(tab.view.viewport().rect().center()).isValid(), 5
            )
            row = tab.view.indexAt(tab.view.viewport().rect().center()).row()
            await wait_until(lambda r=row: cell(window, r, 1) != "…", 10, f"row {row} loaded")
        tab.view.scrollToBottom()
        await wait_until(
            lambda: cell(window, LINKS - 1, 1) == f"ITEM-{LINKS:06d} Widget {LINKS}", 10
        )
        probe.stop()
        scrolled = len(loaded)
        # five jumps through 100,000 rows read only the blocks shown, each once
        assert scrolled <= 5 * 3 and len(set(loaded)) == scrolled, loaded
        tab.search.setText(f"item-{LINKS - 1:06d}")
        await wait_until(lambda: tab.count.text() == "1 match", 20, "searched")
        tab.model.row(0)
        await tab.model.wait_idle()

    run(qloop, body())
    assert cell(window, 0, 0) == f"00000000-0000-0000-0000-{LINKS - 1:012d}"
    assert len(tab.model._blocks) <= tab.model.keep_blocks
    # the gaps are for a person reading the output; a time is never asserted
    print(
        f"\nscrolling 100,000 rows: worst gaps {probe.worst(4)}; app at most {probe.app_ms:.1f} ms"
    )
    assert tab.model.index(LINKS, 0) == QModelIndex()
