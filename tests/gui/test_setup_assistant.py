"""The setup assistant against the sandbox's identity server: from nothing to a
connected organisation, and every way it can fail on the way."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import keyring
import pytest
import qasync
from keyring.backends.fail import Keyring as NoKeyring
from PySide6.QtGui import QGuiApplication

from tests.gui.conftest import run, wait_until
from tests.gui.signin_support import CLIENT_ID, Browser, click
from tests.support.sandbox import RunningSandbox
from xerodesk.credentials import ALLOW_INSECURE_ENV
from xerodesk.gui import setup_assistant as steps
from xerodesk.gui.main_window import MainWindow
from xerodesk.gui.setup_assistant import SetupAssistant
from xerodesk.paths import app_paths
from xerodesk.xero.endpoints import SCOPES


@pytest.fixture
def identity(gui_sandbox: RunningSandbox) -> Iterator[httpx.Client]:
    """The sandbox's identity settings, put back after the test."""
    with httpx.Client(base_url=gui_sandbox.base_url) as client:
        yield client
        client.post("/_sandbox/identity", json={"other_organisations": [], "authorise_none": False})


def to_sign_in(
    window: MainWindow, qtbot: Any, xero_url: str, browser: Browser, database: Path
) -> SetupAssistant:
    """Open the assistant and go through its pages up to the sign-in."""
    tab = window.connection_tab
    tab.open_browser, tab.redirect_port = browser, 0
    tab.xero_box.address.setText(xero_url)
    tab.open_assistant()
    assistant = tab.assistant
    assert isinstance(assistant, SetupAssistant)
    click(qtbot, assistant.next_button)
    click(qtbot, assistant.next_button)
    assistant.client_page.client_id.setText(CLIENT_ID)
    click(qtbot, assistant.next_button)
    if assistant.page == steps.KEYRING:
        return assistant
    assert assistant.page == steps.DATABASE
    assistant.database_page.path.setText(str(database))
    click(qtbot, assistant.next_button)
    assert assistant.page == steps.SIGN_IN
    return assistant


def sign_in(qloop: qasync.QEventLoop, qtbot: Any, window: MainWindow, a: SetupAssistant) -> str:
    async def body() -> None:
        click(qtbot, a.sign_in_page.sign_in)
        await window.ops.wait_idle()

    run(qloop, body())
    return a.sign_in_page.status.text()


def test_the_assistant_takes_a_new_user_to_a_connected_organisation(
    window: MainWindow, qloop: qasync.QEventLoop, qtbot: Any, gui_sandbox: RunningSandbox,
    identity: httpx.Client, tmp_path: Path,
) -> None:  # fmt: skip
    identity.post("/_sandbox/identity", json={"other_organisations": ["Second Books Ltd"]})
    organisation = gui_sandbox.state.identity.tenant()[1]
    browser, database = Browser(), tmp_path / "books" / "crm.db"
    tab = window.connection_tab
    tab.open_assistant()
    assistant = tab.assistant
    assert isinstance(assistant, SetupAssistant)
    click(qtbot, assistant.next_button)
    page = assistant.stack.currentWidget()
    assert page.findChild(object, "setup_redirect_uri").text() == "http://localhost:53682/callback"
    assert page.findChild(object, "setup_scopes").text() == SCOPES
    click(qtbot, page.findChild(object, "setup_redirect_uri_copy"))
    assert QGuiApplication.clipboard().text() == "http://localhost:53682/callback"
    assistant.close()
    assistant = to_sign_in(window, qtbot, gui_sandbox.base_url, browser, database)

    async def body() -> None:
        click(qtbot, assistant.sign_in_page.sign_in)
        await wait_until(lambda: assistant.sign_in_page.pick.isVisibleTo(assistant), 30, "picker")
        picker = assistant.sign_in_page.picker
        names = [picker.itemText(i) for i in range(picker.count())]
        assert sorted(names) == sorted([organisation, "Second Books Ltd"])
        picker.setCurrentIndex(names.index(organisation))
        click(qtbot, assistant.sign_in_page.pick)
        await wait_until(lambda: window.controller.connection is not None, 60, "connected")
        await window.ops.wait_idle()

    run(qloop, body())
    assert assistant.page == steps.DONE
    assert assistant.done_status.text().startswith(f"Connected to {organisation}.")
    assert database.exists() and "code_challenge_method=S256" in browser.opened[0]
    assert tab.connection.text() == f"Connected to {organisation}."
    assert tab.xero_box.organisation.currentText() == organisation
    assert "Syncing with it now" in tab.xero_box.token_state.text()
    owner = window.controller.database.owner if window.controller.database else None
    assert owner is not None and owner.name == organisation


def test_a_client_id_not_of_xeros_form_is_refused_on_its_page(
    window: MainWindow, qtbot: Any
) -> None:
    tab = window.connection_tab
    tab.open_assistant()
    assistant = tab.assistant
    assert isinstance(assistant, SetupAssistant)
    click(qtbot, assistant.next_button)
    click(qtbot, assistant.next_button)
    for wrong in ("", "xerodesk-desktop", CLIENT_ID[:-1], CLIENT_ID[:-1] + "G"):
        assistant.client_page.client_id.setText(wrong)
        click(qtbot, assistant.next_button)
        assert assistant.page == steps.CLIENT_ID, wrong
        assert assistant.client_page.problem.text(), wrong
    assert "not a Xero client id" in assistant.client_page.problem.text()
    assistant.client_page.client_id.setText(f"  {CLIENT_ID.lower()} ")
    click(qtbot, assistant.next_button)
    assert assistant.page == steps.DATABASE
    assert assistant.client_page.problem.text() == ""


def test_a_sign_in_denied_in_xero_connects_nothing(
    window: MainWindow, qloop: qasync.QEventLoop, qtbot: Any, gui_sandbox: RunningSandbox,
    tmp_path: Path,
) -> None:  # fmt: skip
    browser = Browser(decision="deny")
    assistant = to_sign_in(window, qtbot, gui_sandbox.base_url, browser, tmp_path / "crm.db")
    text = sign_in(qloop, qtbot, window, assistant)
    assert "cancelled in Xero" in text and "access_denied" not in text
    assert browser.status == 200
    assert window.controller.connection is None and assistant.page == steps.SIGN_IN
    assert assistant.sign_in_page.sign_in.isEnabled()
    assert not (tmp_path / "crm.db").exists()


def test_a_sign_in_cancelled_in_the_app_stops_waiting(
    window: MainWindow, qloop: qasync.QEventLoop, qtbot: Any, gui_sandbox: RunningSandbox,
    tmp_path: Path,
) -> None:  # fmt: skip
    browser = Browser(act=False)
    assistant = to_sign_in(window, qtbot, gui_sandbox.base_url, browser, tmp_path / "crm.db")

    async def body() -> None:
        click(qtbot, assistant.sign_in_page.sign_in)
        await wait_until(lambda: browser.opened, 30, "the browser")
        click(qtbot, assistant.sign_in_page.cancel)
        await window.ops.wait_idle()

    run(qloop, body())
    assert "cancelled" in assistant.sign_in_page.status.text()
    assert assistant.sign_task is None and assistant.sign_in_page.sign_in.isEnabled()
    assert window.controller.connection is None and window.connection_tab.xero_box.orgs == []


def test_xero_out_of_reach_is_said_before_the_browser_opens(
    window: MainWindow, qloop: qasync.QEventLoop, qtbot: Any, tmp_path: Path
) -> None:
    browser = Browser()
    assistant = to_sign_in(window, qtbot, "http://127.0.0.1:9", browser, tmp_path / "crm.db")
    text = sign_in(qloop, qtbot, window, assistant)
    assert "Cannot reach Xero" in text
    assert browser.opened == [] and window.controller.connection is None


def test_a_consent_that_authorised_no_organisation_is_explained(
    window: MainWindow, qloop: qasync.QEventLoop, qtbot: Any, gui_sandbox: RunningSandbox,
    identity: httpx.Client, tmp_path: Path,
) -> None:  # fmt: skip
    identity.post("/_sandbox/identity", json={"authorise_none": True})
    browser = Browser()
    assistant = to_sign_in(window, qtbot, gui_sandbox.base_url, browser, tmp_path / "crm.db")
    text = sign_in(qloop, qtbot, window, assistant)
    assert "no Xero organisation was authorised" in text
    assert browser.status == 200 and window.controller.connection is None


def test_without_a_keyring_the_local_file_is_offered_with_its_risk(
    window: MainWindow, qloop: qasync.QEventLoop, qtbot: Any, gui_sandbox: RunningSandbox,
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.delenv(ALLOW_INSECURE_ENV)
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND")
    keyring.set_keyring(NoKeyring())
    assistant = to_sign_in(window, qtbot, gui_sandbox.base_url, Browser(), tmp_path / "crm.db")
    assert assistant.page == steps.KEYRING
    assert "no system keyring" in assistant.keyring_page.reason.text()
    assert not assistant.next_button.isEnabled()
    page_text = " ".join(w.text() for w in assistant.stack.currentWidget().findChildren(object)
                         if hasattr(w, "text") and isinstance(w.text(), str))  # fmt: skip
    assert "not encrypted" in page_text and "could use it" in page_text
    assistant.keyring_page.accept_file.setChecked(True)
    click(qtbot, assistant.next_button)
    assistant.database_page.path.setText(str(tmp_path / "crm.db"))
    click(qtbot, assistant.next_button)

    async def body() -> None:
        click(qtbot, assistant.sign_in_page.sign_in)
        await wait_until(lambda: window.controller.connection is not None, 60, "connected")
        await window.ops.wait_idle()

    run(qloop, body())
    stored = app_paths().data_dir / "sign-ins.json"
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    entries = json.loads(stored.read_text())["xerodesk"]
    assert any(name.endswith("|index") for name in entries)
    settings = window.connection_tab.settings
    settings.sync()
    ini = Path(settings.fileName()).read_text()
    assert "local_file=true" in ini and "refresh" not in ini


def test_the_assistant_opens_on_the_first_start_only(
    window: MainWindow, qloop: qasync.QEventLoop
) -> None:
    async def start() -> None:
        window.start()
        await window.ops.wait_idle()

    run(qloop, start())
    first = window.connection_tab.assistant
    assert first is not None and first.isVisible()
    first.close()
    window.connection_tab.remember("demo")
    window.connection_tab.assistant = None
    run(qloop, window.connection_tab.resume())
    assert window.connection_tab.assistant is None


def test_the_local_file_chosen_once_is_used_at_the_next_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtCore import QSettings

    from xerodesk.credentials_file import LocalFileKeyring

    monkeypatch.setenv(ALLOW_INSECURE_ENV, "")
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "")
    settings = QSettings(str(tmp_path / "desktop.ini"), QSettings.Format.IniFormat)
    steps.apply_keyring_choice(settings)
    assert not isinstance(keyring.get_keyring(), LocalFileKeyring)
    settings.setValue(steps.LOCAL_FILE_KEY, True)
    steps.apply_keyring_choice(settings)
    assert isinstance(keyring.get_keyring(), LocalFileKeyring)
