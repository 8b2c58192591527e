"""The app on a computer an installer set up: the machine's defaults file names the
company's database server and Xero app, and the setup assistant starts from them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import qasync
from sqlalchemy.engine import URL, make_url

from tests.gui.conftest import run, wait_until
from tests.gui.signin_support import CLIENT_ID, Browser, click
from tests.support.databases import DatabaseFactory
from tests.support.sandbox import RunningSandbox
from xerodesk.gui import setup_assistant as steps
from xerodesk.gui.databases import load_password
from xerodesk.gui.main_window import MainWindow
from xerodesk.gui.setup_assistant import SetupAssistant


def machine_file() -> Path:
    """The test's own machine-wide defaults file (see tests/conftest.py)."""
    return Path(os.environ["XERODESK_DEFAULTS"])


@pytest.fixture
def company_server(database_factory: DatabaseFactory) -> tuple[str, str]:
    """A new PostgreSQL database named in the machine's file, without its password:
    (the database's name, the password a user types)."""
    url = make_url(database_factory.empty("postgresql"))
    plain = URL.create(
        url.drivername, url.username, None, url.host, url.port, url.database
    ).render_as_string(hide_password=False)
    assert ":" not in str(url.username) and "@127.0.0.1" in plain
    machine_file().write_text(
        f'[database]\nurl = "{plain}"\n[xero]\nclient_id = "{CLIENT_ID.lower()}"\n'
    )
    return str(url.database), str(url.password or "")


@pytest.fixture
def broken_file() -> None:
    machine_file().write_text("[options]\nsync_interval_minute = 3\n")


def test_the_assistant_starts_from_the_companys_server_and_xero_app(
    company_server: tuple[str, str], window: MainWindow, qloop: qasync.QEventLoop,
    qtbot: Any, gui_sandbox: RunningSandbox,
) -> None:  # fmt: skip
    name, password = company_server
    tab = window.connection_tab
    box = tab.database_box
    assert box.kind.currentData() == "postgresql" and box.database.text() == name
    assert tab.xero_box.client_id.text() == CLIENT_ID
    tab.open_browser, tab.redirect_port = Browser(), 0
    tab.xero_box.address.setText(gui_sandbox.base_url)
    tab.open_assistant()
    assistant = tab.assistant
    assert isinstance(assistant, SetupAssistant)
    click(qtbot, assistant.next_button)
    click(qtbot, assistant.next_button)
    assert assistant.client_page.client_id.text() == CLIENT_ID
    click(qtbot, assistant.next_button)
    assert assistant.page == steps.DATABASE
    page = assistant.database_page
    assert page.server.isVisibleTo(assistant) and not page.path.isVisibleTo(assistant)
    assert f"“{name}” on the PostgreSQL server at 127.0.0.1:5432" in page.server.text()
    page.password.setText(password)
    click(qtbot, assistant.next_button)
    assert assistant.page == steps.SIGN_IN

    async def body() -> None:
        click(qtbot, assistant.sign_in_page.sign_in)
        await wait_until(lambda: window.controller.connection is not None, 60, "connected")
        await window.ops.wait_idle()

    run(qloop, body())
    assert assistant.page == steps.DONE, assistant.sign_in_page.status.text()
    database = window.controller.database
    assert database is not None and name in database.shown
    assert database.owner is not None
    # the password went to the keyring, not into any field or setting
    assert page.password.text() == "" and box.password.text() == ""
    if password:
        assert run(qloop, load_password(box.server())) == password


def test_a_mistake_in_the_machines_file_is_said_and_the_users_own_settings_go_on(
    broken_file: None, window: MainWindow
) -> None:
    box = window.connection_tab.database_box
    assert "were not used" in box.status.text()
    assert "has no option 'sync_interval_minute'" in box.status.text()
    assert box.kind.currentData() == "sqlite"
    assert window.connection_tab.xero_box.client_id.text() == ""
