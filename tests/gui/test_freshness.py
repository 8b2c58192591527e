"""The status tab says how old each entity's copy is, when the next sync is, and
warns when the day's Xero calls run low; all read from the run log of the
database it opens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import qasync
from sqlalchemy import insert

from tests.gui.conftest import run, wait_until
from xerodesk.gui.main_window import MainWindow
from xerodesk.store.database import open_engine
from xerodesk.store.options import set_option
from xerodesk.store.state import add_run_counts, mark_entity_read
from xerodesk.store.xd_models import SyncRun


def _log_run(url: str, ago: timedelta, calls: int, read: tuple[str, ...]) -> None:
    """A run that ended ``ago``, spent ``calls`` and read ``read`` whole."""
    engine = open_engine(url)
    try:
        ended = datetime.now(UTC) - ago
        with engine.begin() as connection:
            set_option(connection, "daily_call_budget", "1000")
            result = connection.execute(
                insert(SyncRun).values(
                    trigger="manual",
                    started_at=ended - timedelta(minutes=1),
                    finished_at=ended,
                    outcome="ok",
                    calls_used=calls,
                )
            )
            run_id = int(result.inserted_primary_key[0])  # type: ignore[index]
            for entity in read:
                add_run_counts(connection, run_id, entity, pages=1, calls=1)
                mark_entity_read(connection, run_id, entity, ended)
    finally:
        engine.dispose()


def test_the_status_tab_shows_ages_the_next_sync_and_the_warning(
    window: MainWindow, qloop: qasync.QEventLoop, sqlite_url: str
) -> None:
    tab = window.status_tab
    window.tabs.setCurrentWidget(tab)
    _log_run(sqlite_url, timedelta(minutes=5, seconds=5), 20, ("contacts", "items"))

    async def body() -> None:
        await window.controller.open_database(sqlite_url)
        await wait_until(lambda: tab.freshness.text(), 10, "the freshness lines")
        await window.ops.wait_idle()
        assert tab.freshness.text().splitlines() == [
            "Customers and suppliers: read 5 minutes ago",
            "Products and stock: read 5 minutes ago",
            "Invoices: not read yet",
            "Credit notes: not read yet",
            "Purchase orders: not read yet",
            "VAT codes: not read yet",
            "Currencies: not read yet",
        ]
        assert tab.next_sync.text().startswith("<b>Next sync at ")
        assert "(as often as today's Xero calls allow)" in tab.next_sync.text()
        assert "about 900 Xero calls" in tab.forecast.text()
        assert tab.warning.isHidden()  # 980 of 1,000 left: an ordinary day
        # an import spent all but the pushes' calls: the warning shows, and the
        # next sync waits for the import's calls to leave the day's window
        _log_run(sqlite_url, timedelta(minutes=2), 940, ())
        tab.reload()
        await wait_until(lambda: not tab.warning.isHidden(), 10, "the warning")
        await window.ops.wait_idle()

    run(qloop, body())
    assert tab.warning.text().startswith(
        "Today's 1,000 Xero calls are used up but for the 100 kept for sending orders"
    )
    assert "syncs wait until calls free up, the next at " in tab.warning.text()
    assert "(waiting for Xero calls to free up)" in tab.next_sync.text()
    assert tab.warning.isVisible()
