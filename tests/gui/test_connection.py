"""Connection tab: the database chooser, Xero sign-in through the sandbox, connect, sign out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keyring
import pytest
import qasync
from PySide6.QtWidgets import QMessageBox

from tests.gui.conftest import run, wait_until
from tests.gui.signin_support import CLIENT_ID, Browser, answer, click
from tests.support.databases import DatabaseFactory
from tests.support.sandbox import RunningSandbox
from xerodesk.engine.controller import XeroTarget
from xerodesk.gui.databases import SERVICE, ServerDatabase
from xerodesk.gui.main_window import MainWindow


def test_sign_in_connect_and_sign_out_through_the_sandbox(
    window: MainWindow,
    qloop: qasync.QEventLoop,
    qtbot: Any,
    gui_sandbox: RunningSandbox,
    tmp_path: Path,
) -> None:
    tab = window.connection_tab
    box, xero = tab.database_box, tab.xero_box
    browser = Browser()
    tab.open_browser, tab.redirect_port = browser, 0
    database = tmp_path / "crm.db"
    organisation = gui_sandbox.state.identity.tenant()[1]

    async def body() -> None:
        box.path.setText(str(database))
        click(qtbot, box.test_button)
        await wait_until(lambda: "no CRM database" in box.status.text(), 20, "the test result")
        click(qtbot, box.open_button)
        await answer(qtbot, "create_database_question", QMessageBox.StandardButton.Yes)
        await wait_until(lambda: window.controller.database is not None, 20, "the database")
        xero.client_id.setText(CLIENT_ID)
        xero.address.setText(gui_sandbox.base_url)
        xero.address.editingFinished.emit()
        await window.ops.wait_idle()
        assert xero.organisation.count() == 0 and not xero.connect_button.isEnabled()
        click(qtbot, xero.sign_in_button)
        await wait_until(lambda: xero.organisation.count() == 1, 30, "the organisation")
        assert xero.organisation.currentText() == organisation
        assert xero.token_state.text().startswith("Signed in")
        click(qtbot, xero.connect_button)
        await wait_until(lambda: window.controller.connection is not None, 60, "connected")
        await wait_until(lambda: organisation in window.status.connection.text(), 5, "status bar")
        assert organisation in tab.connection.text()
        click(qtbot, xero.sign_out_button)
        await wait_until(lambda: xero.organisation.count() == 0, 30, "signed out")
        await window.ops.wait_idle()

    run(qloop, body())
    assert browser.status == 200 and "code_challenge_method=S256" in browser.opened[0]
    assert window.controller.connection is None
    assert "Not signed in" in xero.token_state.text()
    assert database.exists()
    stored = tab.settings
    stored.sync()
    assert stored.value("database/path") == str(database)
    assert not [key for key in stored.allKeys() if "password" in key.lower()]


@pytest.mark.network_db
def test_server_database_password_goes_to_the_keyring_only(
    window: MainWindow,
    qloop: qasync.QEventLoop,
    qtbot: Any,
    database_factory: DatabaseFactory,
) -> None:
    from sqlalchemy.engine import make_url

    url = make_url(database_factory.fresh("postgresql"))
    box = window.connection_tab.database_box
    box.kind.setCurrentIndex(box.kind.findData("postgresql"))
    box.host.setText(url.host or "127.0.0.1")
    box.port.setValue(url.port or 5432)
    box.database.setText(url.database or "")
    box.user.setText(url.username or "")
    box.password.setText(str(url.password))

    async def body() -> None:
        click(qtbot, box.test_button)
        await wait_until(lambda: "up to date" in box.status.text(), 30, "the test result")
        click(qtbot, box.open_button)
        await wait_until(lambda: window.controller.database is not None, 30, "opened")
        await window.ops.wait_idle()

    run(qloop, body())
    assert window.controller.database is not None
    assert window.controller.database.dialect == "postgresql"
    assert box.password.text() == ""
    server = ServerDatabase(
        "postgresql", box.host.text(), box.port.value(), box.database.text(), box.user.text()
    )
    assert keyring.get_password(SERVICE, server.keyring_name) == url.password
    settings = window.connection_tab.settings
    settings.sync()
    ini = Path(settings.fileName()).read_text()
    assert "kind=postgresql" in ini and "password" not in ini.lower()
    assert all(
        not line.endswith(f"={url.password}") or line.startswith("user=")
        for line in ini.splitlines()
    )


def test_an_organisation_without_a_sign_in_asks_to_sign_in(
    window: MainWindow, qloop: qasync.QEventLoop, gui_sandbox: RunningSandbox, sqlite_url: str
) -> None:
    async def body() -> None:
        await window.controller.open_database(sqlite_url)
        target = XeroTarget("Nobody's books", gui_sandbox.base_url, "no-such-tenant")
        window.ops.run(window.controller.connect(target))
        await window.ops.wait_idle()

    run(qloop, body())
    assert window.controller.connection is None
    assert "Not signed in to Xero" in window.banner.text()
    assert window.tray.sent[-1][0] == "Sign in to Xero"
