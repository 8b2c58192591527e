"""The Connection tab tells one truth: a new database only when asked for, another
organisation's database refused by name, the custom connection usable, a missing
keyring explained in the app's words, and the same state on every line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import qasync
from keyring.backends.fail import Keyring as NoKeyring
from PySide6.QtWidgets import QComboBox, QLabel, QMessageBox, QWidget

from tests.gui.conftest import custom_target, run, wait_until
from tests.gui.signin_support import answer, click
from tests.support.sandbox import TEST_CLIENT_ID, TEST_CLIENT_SECRET, RunningSandbox
from xerodesk.credentials import ALLOW_INSECURE_ENV
from xerodesk.gui.main_window import MainWindow
from xerodesk.store.database import open_engine
from xerodesk.store.organisation import claim_organisation


def shown_texts(tab: QWidget) -> list[str]:
    """Every line the tab shows now: its visible labels and its boxes' current entries."""
    labels = [w.text() for w in tab.findChildren(QLabel) if w.isVisibleTo(tab) and w.text()]
    boxes = [w.currentText() for w in tab.findChildren(QComboBox) if w.isVisibleTo(tab)]
    return labels + boxes


def belongs_to(path: Path, tenant_id: str, name: str) -> None:
    """Make ``path`` a CRM database synced with another organisation."""
    from xerodesk.engine.control_types import open_migrated

    open_migrated(f"sqlite:///{path}").dispose()
    engine = open_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        claim_organisation(connection, tenant_id, name, "xero")
    engine.dispose()


def test_a_mistyped_database_path_is_not_created_when_the_user_says_no(
    window: MainWindow, qloop: qasync.QEventLoop, qtbot: Any, tmp_path: Path
) -> None:
    box = window.connection_tab.database_box
    typo = tmp_path / "Documnets" / "crm.db"
    box.use_file(typo)

    async def body() -> None:
        click(qtbot, box.test_button)
        await wait_until(lambda: "no CRM database" in box.status.text(), 20, "the test result")
        click(qtbot, box.open_button)
        await answer(qtbot, "create_database_question", QMessageBox.StandardButton.No)
        await window.ops.wait_idle()

    run(qloop, body())
    assert window.controller.database is None
    assert "no new database was created" in box.status.text()
    assert not typo.parent.exists() and not list(tmp_path.rglob("*.db*"))


def test_a_database_of_another_organisation_is_refused_by_its_name(
    window: MainWindow, qloop: qasync.QEventLoop, qtbot: Any, gui_sandbox: RunningSandbox,
    tmp_path: Path,
) -> None:  # fmt: skip
    tab = window.connection_tab
    ours, theirs = tmp_path / "ours.db", tmp_path / "theirs.db"
    belongs_to(theirs, "7d0e6a1c-0000-4000-8000-000000000001", "Harbour Books Ltd")
    organisation = gui_sandbox.state.identity.tenant()[1]

    async def body() -> None:
        tab.database_box.use_file(theirs)
        click(qtbot, tab.database_box.open_button)
        await wait_until(lambda: window.controller.database is not None, 20, "opened")
        assert "Harbour Books Ltd" in tab.database_box.status.text()
        window.ops.run(tab.connect_to(custom_target(gui_sandbox), "Connecting…"))
        await window.ops.wait_idle()
        assert window.controller.connection is None
        assert "Harbour Books Ltd" in window.banner.text()
        assert tab.connection.text() == "Not connected to Xero."
        tab.database_box.use_file(ours)
        window.ops.run(tab.database_box.open(create=True))
        await window.ops.wait_idle()
        await tab.connect_to(custom_target(gui_sandbox), "Connecting…")
        window.clear_problem()
        tab.database_box.use_file(theirs)
        click(qtbot, tab.database_box.open_button)
        await window.ops.wait_idle()

    run(qloop, body())
    assert "Harbour Books Ltd" in window.banner.text() and organisation in window.banner.text()
    assert window.controller.database is not None
    assert window.controller.database.url.endswith("ours.db")
    assert window.controller.connection is not None


def test_connect_works_with_the_custom_connection_of_the_environment(
    window: MainWindow, qloop: qasync.QEventLoop, qtbot: Any, gui_sandbox: RunningSandbox,
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("XERODESK_CLIENT_ID", TEST_CLIENT_ID)
    monkeypatch.setenv("XERODESK_CLIENT_SECRET", TEST_CLIENT_SECRET)
    tab = window.connection_tab
    xero = tab.xero_box
    organisation = gui_sandbox.state.identity.tenant()[1]

    async def body() -> None:
        await window.controller.open_database(f"sqlite:///{tmp_path / 'crm.db'}")
        xero.address.setText(gui_sandbox.base_url)
        xero.address.editingFinished.emit()
        await window.ops.wait_idle()
        assert xero.organisation.currentText().startswith("Custom connection")
        click(qtbot, xero.connect_button)
        await wait_until(lambda: window.controller.connection is not None, 60, "connected")
        await window.ops.wait_idle()

    run(qloop, body())
    texts = shown_texts(tab)
    assert f"Connected to {organisation}." in texts
    assert not [t for t in texts if "Not connected" in t or "Not signed in" in t], texts
    assert "Syncing with it now" in xero.token_state.text()


def test_no_placeholder_client_id_and_a_wrong_one_is_explained(
    window: MainWindow, qloop: qasync.QEventLoop, qtbot: Any, gui_sandbox: RunningSandbox
) -> None:
    xero = window.connection_tab.xero_box
    assert xero.client_id.text() == ""
    xero.address.setText(gui_sandbox.base_url)
    xero.client_id.setText("xerodesk-desktop")

    async def body() -> None:
        click(qtbot, xero.sign_in_button)
        await window.ops.wait_idle()

    run(qloop, body())
    assert "not a Xero client id" in window.banner.text()
    assert "Not signed in" in xero.token_state.text()


def test_a_missing_keyring_says_what_to_do_in_the_app(
    window: MainWindow, qloop: qasync.QEventLoop, monkeypatch: pytest.MonkeyPatch
) -> None:
    import keyring

    monkeypatch.delenv(ALLOW_INSECURE_ENV)
    keyring.set_keyring(NoKeyring())
    run(qloop, window.connection_tab.xero_box.refresh())
    text = window.connection_tab.xero_box.token_state.text()
    assert "Set up Xero" in text and "keep the sign-in in a file" in text
    assert "XERODESK" not in text and "environment" not in text


def test_every_line_agrees_while_the_demo_connects_and_once_it_has(
    window: MainWindow, qloop: qasync.QEventLoop, qtbot: Any
) -> None:
    tab = window.connection_tab
    seen: list[list[str]] = []

    async def body() -> None:
        click(qtbot, tab.demo_button)
        await wait_until(lambda: tab.pending is not None, 60, "connecting")
        seen.append(shown_texts(tab))
        await wait_until(lambda: window.controller.connection is not None, 120, "connected")
        await window.ops.wait_idle()

    run(qloop, body(), 180)
    assert "Starting the demo company…" in seen[0]
    assert not [t for t in seen[0] if "Not connected" in t or "Connected to" in t], seen[0]
    connection = window.controller.connection
    assert connection is not None
    texts = shown_texts(tab)
    assert f"Connected to Demo company: {connection.organisation}." in texts
    assert tab.xero_box.organisation.currentText() == f"Demo company: {connection.organisation}"
    assert not [t for t in texts if "Not connected" in t or "Not signed in" in t], texts
    assert any(connection.organisation in t and t.startswith("Open:") for t in texts), texts


def test_a_failed_database_test_says_so_and_nothing_claims_a_connection(
    window: MainWindow, qloop: qasync.QEventLoop, qtbot: Any
) -> None:
    tab = window.connection_tab
    box = tab.database_box
    box.kind.setCurrentIndex(box.kind.findData("postgresql"))
    box.host.setText("127.0.0.1")
    box.port.setValue(9)
    box.password.setText("not-a-real-password")

    async def body() -> None:
        click(qtbot, box.test_button)
        await wait_until(lambda: "Testing" not in box.status.text(), 60, "the test to end")
        await window.ops.wait_idle()

    run(qloop, body())
    texts = shown_texts(tab)
    assert box.status.text().startswith("Test failed:"), box.status.text()
    assert "Not connected to Xero." in texts
    assert not [t for t in texts if "Testing" in t or "Connected to" in t], texts
    assert "not-a-real-password" not in " ".join(texts) + window.banner.text()
