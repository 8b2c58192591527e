"""The setup assistant: from a fresh install to a connected Xero organisation.

Welcome, registering the app in Xero's developer portal (the redirect URI and
the scopes to paste), the app's client id (checked against the form Xero
issues), where to keep the sign-in when the computer has no keyring (the
local file, once its risk is accepted), the CRM database, the browser sign-in
(with a choice when several organisations were authorised), then connecting.
Every failure is told on the page where it happened, in the user's words.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QDialog, QHBoxLayout, QPushButton, QStackedWidget, QVBoxLayout

from xerodesk import session
from xerodesk.credentials_file import use_local_file
from xerodesk.engine.controller import XeroTarget
from xerodesk.errors import AuthenticationError
from xerodesk.gui import setup_pages as pages
from xerodesk.gui.text import home_relative
from xerodesk.paths import app_paths
from xerodesk.xero.signin import client_id_problem

if TYPE_CHECKING:
    from xerodesk.gui.tab_connection import ConnectionTab

WELCOME, REGISTER, CLIENT_ID, KEYRING, DATABASE, SIGN_IN, DONE = range(7)
#: the QSettings key saying the user accepted the local file for sign-ins
LOCAL_FILE_KEY = "keyring/local_file"


def apply_keyring_choice(settings: QSettings) -> None:
    """At start: keep using the local file if the user chose it before."""
    if str(settings.value(LOCAL_FILE_KEY, "false")).lower() == "true":
        use_local_file()


class SetupAssistant(QDialog):
    def __init__(self, tab: ConnectionTab) -> None:
        super().__init__(tab)
        self.tab = tab
        self.setObjectName("setup_assistant")
        self.setWindowTitle("Set up Xero")
        self.resize(680, 520)
        self.client_page = pages.ClientIdPage()
        # the company's Xero app, when the machine's defaults name it
        self.client_page.client_id.setText(tab.machine.client_id or "")
        self.keyring_page = pages.KeyringPage()
        self.database_page = pages.DatabasePage()
        self.sign_in_page = pages.SignInPage()
        done, self.done_status = pages.done_page()
        self.stack = QStackedWidget()
        for widget in (
            pages.welcome_page(), pages.register_page(), self.client_page, self.keyring_page,
            self.database_page, self.sign_in_page, done,
        ):  # fmt: skip
            self.stack.addWidget(widget)
        self.back_button, self.next_button = QPushButton("< &Back"), QPushButton("&Next >")
        self.demo_button = QPushButton("Try the &demo company")
        self.close_button = QPushButton("&Close")
        for button, name in (
            (self.back_button, "setup_back"), (self.next_button, "setup_next"),
            (self.demo_button, "setup_demo"), (self.close_button, "setup_close"),
        ):  # fmt: skip
            button.setObjectName(name)
        self.back_button.clicked.connect(self.back)
        self.next_button.clicked.connect(self.next)
        self.demo_button.clicked.connect(self._demo)
        self.close_button.clicked.connect(self.close)
        self.keyring_page.accept_file.toggled.connect(lambda _on: self._buttons())
        sign_in = self.sign_in_page
        sign_in.sign_in.clicked.connect(self.start_sign_in)
        sign_in.cancel.clicked.connect(self.cancel_sign_in)
        self.sign_task: asyncio.Task[None] | None = None
        self._picked: asyncio.Future[str] | None = None
        sign_in.pick.clicked.connect(self._pick)
        row = QHBoxLayout()
        row.addWidget(self.demo_button)
        row.addStretch(1)
        for button in (self.back_button, self.next_button, self.close_button):
            row.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.stack, 1)
        layout.addLayout(row)
        self.go(WELCOME)

    # -- moving between pages -------------------------------------------------

    @property
    def page(self) -> int:
        return self.stack.currentIndex()

    def go(self, index: int) -> None:
        if index == KEYRING:
            trouble = session.keyring_trouble()
            if trouble is None:
                index = DATABASE if self.page < KEYRING else CLIENT_ID
            else:
                self.keyring_page.reason.setText(
                    f"This computer has no safe place to keep the Xero sign-in: {trouble.problem}."
                )
        if index == DATABASE:
            self._propose_database()
        self.stack.setCurrentIndex(index)
        self._buttons()

    def _buttons(self) -> None:
        page = self.page
        self.back_button.setEnabled(WELCOME < page < DONE and self.sign_task is None)
        blocked = page == KEYRING and not self.keyring_page.accept_file.isChecked()
        self.next_button.setEnabled(page < SIGN_IN and not blocked)
        self.demo_button.setVisible(page == WELCOME)
        self.close_button.setText("&Finish" if page == DONE else "&Close")

    def back(self) -> None:
        previous = self.page - 1
        if previous == KEYRING and session.keyring_trouble() is None:
            previous = CLIENT_ID
        self.go(previous)

    def next(self) -> None:
        page = self.page
        if page == CLIENT_ID:
            problem = client_id_problem(self.client_page.client_id.text())
            self.client_page.problem.setText(problem or "")
            if problem is not None:
                return
        if page == KEYRING:
            use_local_file()
            self.tab.settings.setValue(LOCAL_FILE_KEY, True)
            self.tab.settings.sync()
        self.go(page + 1)

    def _propose_database(self) -> None:
        box = self.tab.database_box
        database = self.tab.controller.database
        if box.sqlite_path() is None:
            self.database_page.show_server(box.server().shown())
        else:
            self.database_page.show_server(None)
        current = box.sqlite_path() if database is not None else None
        preset = box.sqlite_path() if self.tab.machine.database else None
        path = current or preset or app_paths().data_dir / "crm.db"
        if not self.database_page.path.text():
            self.database_page.path.setText(str(path))
        self.database_page.current.setText(
            f"The database open now is {home_relative(database.shown)}." if database else ""
        )

    def _demo(self) -> None:
        self.tab.ops.run(self.tab.use_demo())
        self.close()

    # -- signing in -----------------------------------------------------------

    def start_sign_in(self) -> None:
        page = self.sign_in_page
        page.sign_in.setEnabled(False)
        page.cancel.setEnabled(True)
        page.status.setText("Finish signing in in your browser, then come back here…")
        self.sign_task = self.tab.ops.run(self._sign_in_and_connect(), failed=self._failed)
        self.sign_task.add_done_callback(lambda _t: self._signed_in_or_not())
        self._buttons()

    def _signed_in_or_not(self) -> None:
        self.sign_task = None
        self.sign_in_page.sign_in.setEnabled(True)
        self.sign_in_page.cancel.setEnabled(False)
        self.sign_in_page.hide_picker()
        self._buttons()

    def cancel_sign_in(self) -> None:
        if self.sign_task is not None:
            self.sign_task.cancel()
            self.sign_in_page.status.setText(
                "The sign-in was cancelled: nothing was connected. Sign in again when ready."
            )

    def _failed(self, text: str) -> None:
        target = self.done_status if self.page == DONE else self.sign_in_page.status
        target.setText(f"Not connected. {text}")

    async def _sign_in_and_connect(self) -> None:
        xero_url = self.tab.xero_box.xero_url()
        org = await session.sign_in(
            xero_url, self.client_page.client_id.text(), open_browser=self.tab.open_browser,
            choose=self._choose, port=self.tab.redirect_port,
        )  # fmt: skip
        await self.tab.xero_box.refresh()
        self.go(DONE)
        self.done_status.setText(f"Signed in to {org.name}. Opening the CRM database…")
        box = self.tab.database_box
        if box.sqlite_path() is None:
            box.password.setText(self.database_page.password.text())
            self.database_page.password.clear()
            await box.open()
        else:
            box.use_file(Path(self.database_page.path.text().strip()).expanduser())
            await box.open(create=True)
        self.done_status.setText(f"Connecting to {org.name}…")
        await session.choose_organisation(xero_url, org.tenant_id)
        await self.tab.connect_to(
            XeroTarget(org.name, xero_url, org.tenant_id), f"Connecting to {org.name}…"
        )
        self.tab.remember("organisation", org.tenant_id, xero_url or "", org.name)
        self.done_status.setText(
            f"Connected to {org.name}. xerodesk now keeps your CRM and Xero in step; "
            "see the Sync status tab."
        )

    async def _choose(self, found: list[tuple[str, str]]) -> str:
        self._picked = asyncio.get_running_loop().create_future()
        self.sign_in_page.status.setText("Choose the organisation to sync with.")
        self.sign_in_page.show_picker([name for _tenant, name in found])
        try:
            name = await self._picked
        finally:
            self._picked = None
            self.sign_in_page.hide_picker()
        names = [name for _tenant, name in found]
        if name not in names:
            raise AuthenticationError("No organisation was chosen; sign in again to choose one.")
        return found[names.index(name)][0]

    def _pick(self) -> None:
        if self._picked is not None and not self._picked.done():
            self._picked.set_result(self.sign_in_page.picker.currentText())
