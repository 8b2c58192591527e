"""Connection: which CRM database, which Xero organisation, or the demo company.

What the tab says about the connection comes from one place, ``_show``: the
controller's connection (or the one being made), so the organisation box, the
sign-in line and the connection line never disagree.
"""

from __future__ import annotations

import asyncio
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from xerodesk import session
from xerodesk.engine.controller import ConnectionInfo, SyncController, XeroTarget
from xerodesk.errors import AuthenticationError, XerodeskError
from xerodesk.gui.bridge import Bridge
from xerodesk.gui.database_box import DatabaseBox, open_text
from xerodesk.gui.databases import default_sqlite_path
from xerodesk.gui.ops import Ops
from xerodesk.gui.text import stamp
from xerodesk.machine_defaults import machine_defaults_or_problem

NOT_SIGNED_IN = (
    "Not signed in to Xero on this computer. Choose “Set up Xero…” to connect your organisation."
)


def _settle(future: asyncio.Future[int], result: int) -> None:
    if not future.done():
        future.set_result(result)


@dataclass(frozen=True)
class Choice:
    """One entry of the organisation box: a sign-in, the custom connection, or the demo."""

    kind: str  # "signed_in", "custom" or "current"
    tenant_id: str
    name: str
    org: session.Organisation | None = None


class XeroBox(QGroupBox):
    """Sign-in and sign-out, the organisation to sync, and the state of its sign-in."""

    def __init__(self, tab: ConnectionTab) -> None:
        super().__init__("Xero")
        self.tab = tab
        self.organisation = QComboBox()
        self.organisation.setObjectName("xero_organisation")
        self.organisation.setAccessibleName("Organisation")
        self.token_state = QLabel(NOT_SIGNED_IN)
        self.token_state.setObjectName("xero_token_state")
        self.token_state.setWordWrap(True)
        self.address = QLineEdit()
        self.address.setObjectName("xero_address")
        self.address.setPlaceholderText("Xero itself (leave empty)")
        self.client_id = QLineEdit()
        self.client_id.setObjectName("xero_client_id")
        self.client_id.setPlaceholderText("32 characters, from your app in Xero's developer portal")
        self.setup_button = QPushButton("Set up &Xero…")
        self.setup_button.setObjectName("xero_setup")
        self.sign_in_button = QPushButton("Sign &in to Xero…")
        self.sign_in_button.setObjectName("xero_sign_in")
        self.sign_out_button = QPushButton("Sign o&ut")
        self.sign_out_button.setObjectName("xero_sign_out")
        self.connect_button = QPushButton("&Connect")
        self.connect_button.setObjectName("xero_connect")
        self.setup_button.clicked.connect(tab.open_assistant)
        self.sign_in_button.clicked.connect(lambda: tab.ops.run(self.sign_in()))
        self.sign_out_button.clicked.connect(lambda: tab.ops.run(self.sign_out()))
        self.connect_button.clicked.connect(lambda: tab.ops.run(self.connect_organisation()))
        self.organisation.currentIndexChanged.connect(lambda _i: self.show_state())
        self.address.editingFinished.connect(lambda: tab.ops.run(self.refresh()))
        self.orgs: list[session.Organisation] = []
        self.choices: list[Choice] = []
        self.keyring_text = ""
        buttons = QHBoxLayout()
        for button in (
            self.setup_button, self.sign_in_button, self.sign_out_button, self.connect_button
        ):  # fmt: skip
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QFormLayout(self)
        layout.addRow("O&rganisation:", self.organisation)
        layout.addRow("Sign-in:", self.token_state)
        layout.addRow(buttons)
        layout.addRow("Xero address:", self.address)
        layout.addRow("App client id:", self.client_id)

    def xero_url(self) -> str | None:
        return self.address.text().strip() or None

    async def refresh(self) -> None:
        """List the organisations signed in; a keyring problem is shown here, not raised."""
        try:
            self.orgs = await session.organisations(self.xero_url())
            self.keyring_text = ""
        except XerodeskError as error:
            self.orgs = []
            self.keyring_text = str(error)
        self.fill()

    def fill(self) -> None:
        """The organisation box: the sign-ins, the custom connection, what is connected."""
        choices = [Choice("signed_in", o.tenant_id, o.name, o) for o in self.orgs]
        custom = session.custom_target(self.xero_url())
        if custom is not None:
            choices.append(Choice("custom", "", "Custom connection (XERODESK_CLIENT_ID)"))
        connection = self.tab.shown_connection()
        if connection is not None:
            current = self._current_index(choices, connection)
            if current is None:
                choices.append(Choice("current", connection.tenant_id, _connected_name(connection)))
        wanted = self._wanted(choices, connection)
        self.choices = choices
        self.organisation.blockSignals(True)
        self.organisation.clear()
        for choice in choices:
            self.organisation.addItem(choice.name, choice.tenant_id)
        self.organisation.setCurrentIndex(wanted)
        self.organisation.blockSignals(False)
        self.show_state()

    @staticmethod
    def _current_index(choices: list[Choice], connection: ConnectionInfo) -> int | None:
        for index, choice in enumerate(choices):
            if choice.kind == "signed_in" and choice.tenant_id == connection.tenant_id:
                return index
            if choice.kind == "custom" and connection.label == session.CUSTOM_LABEL:
                return index
        return None

    def _wanted(self, choices: list[Choice], connection: ConnectionInfo | None) -> int:
        if not choices:
            return -1
        if connection is not None:
            current = self._current_index(choices, connection)
            return len(choices) - 1 if current is None else current
        previous = self.selected()
        for index, choice in enumerate(choices):
            if previous is not None and (choice.kind, choice.tenant_id) == (
                previous.kind, previous.tenant_id
            ):  # fmt: skip
                return index
        return next((i for i, c in enumerate(choices) if c.org and c.org.default), 0)

    def selected(self) -> Choice | None:
        index = self.organisation.currentIndex()
        return self.choices[index] if 0 <= index < len(self.choices) else None

    def show_state(self) -> None:
        choice = self.selected()
        self.sign_out_button.setEnabled(choice is not None and choice.kind == "signed_in")
        self.connect_button.setEnabled(choice is not None and choice.kind != "current")
        if choice is None:
            self.token_state.setText(self.keyring_text or NOT_SIGNED_IN)
            return
        self.token_state.setText(self._state_text(choice))

    def _state_text(self, choice: Choice) -> str:
        connection = self.tab.shown_connection()
        in_use = connection is not None and (
            choice.kind == "current"
            or (choice.kind == "custom" and connection.label == session.CUSTOM_LABEL)
            or (choice.kind == "signed_in" and connection.tenant_id == choice.tenant_id)
        )
        tail = " Syncing with it now." if in_use else " Choose Connect to sync with it."
        if choice.kind == "current":
            return "The demo company is built in: it needs no sign-in." + tail
        if choice.kind == "custom":
            return "A custom connection (its client id and secret are set): no sign-in." + tail
        org = choice.org
        assert org is not None
        if org.state != "connected":
            return org.message
        expires = (
            f" The sign-in lasts until {stamp(org.expires_at)} unless used."
            if org.expires_at
            else ""
        )
        return "Signed in on this computer." + expires + tail

    async def sign_in(self) -> None:
        self.token_state.setText("Finish signing in in your browser…")
        try:
            org = await session.sign_in(
                self.xero_url(), self.client_id.text(), open_browser=self.tab.open_browser,
                choose=self._choose, port=self.tab.redirect_port,
            )  # fmt: skip
        finally:
            await self.refresh()
        self.organisation.setCurrentIndex(max(0, self.organisation.findData(org.tenant_id)))

    async def _choose(self, found: list[tuple[str, str]]) -> str:
        dialog = QInputDialog(self)
        dialog.setWindowTitle("Choose the organisation")
        dialog.setLabelText("Xero connected several organisations. Which one should be synced?")
        dialog.setComboBoxItems([name for _tenant, name in found])
        done: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        dialog.finished.connect(lambda result: _settle(done, result))
        dialog.open()
        if await done != QInputDialog.DialogCode.Accepted.value:
            raise AuthenticationError("No organisation was chosen; sign in again to choose one.")
        names = [name for _tenant, name in found]
        return found[names.index(dialog.textValue())][0]

    async def sign_out(self) -> None:
        choice = self.selected()
        if choice is None or choice.kind != "signed_in":
            return
        connection = self.tab.controller.connection
        if connection is not None and connection.tenant_id == choice.tenant_id:
            await self.tab.controller.disconnect()
        await session.sign_out(self.xero_url(), choice.tenant_id)
        await self.refresh()

    async def connect_organisation(self) -> None:
        choice = self.selected()
        if choice is None or choice.kind == "current":
            return
        if choice.kind == "custom":
            target = session.custom_target(self.xero_url())
            if target is not None:
                await self.tab.connect_to(target, "Connecting through the custom connection…")
                self.tab.remember("custom", "", self.xero_url() or "", target.label)
            return
        await session.choose_organisation(self.xero_url(), choice.tenant_id)
        target = XeroTarget(choice.name, self.xero_url(), choice.tenant_id)
        await self.tab.connect_to(target, f"Connecting to {choice.name}…")
        self.tab.remember("organisation", choice.tenant_id, self.xero_url() or "", choice.name)


def _connected_name(connection: ConnectionInfo) -> str:
    name = connection.organisation or connection.label
    return f"Demo company: {name}" if connection.demo else name


class ConnectionTab(QWidget):
    def __init__(
        self, controller: SyncController, ops: Ops, bridge: Bridge, settings: QSettings
    ) -> None:
        super().__init__()
        self.controller = controller
        self.ops = ops
        self.settings = settings
        #: how the sign-in opens the consent page (tests play the browser)
        self.open_browser: Callable[[str], object] = webbrowser.open
        self.redirect_port = session.REDIRECT_PORT
        #: what is being connected to, while it is (``None``: nothing)
        self.pending: str | None = None
        self.assistant: QWidget | None = None
        self.database_box = DatabaseBox(self)
        self.xero_box = XeroBox(self)
        demo = QGroupBox("Demo company")
        demo_text = QLabel(
            "Try xerodesk without a Xero account: a built-in Xero sandbox with a generated "
            "company, synced into the local SQLite database in your data folder."
        )
        demo_text.setWordWrap(True)
        self.demo_button = QPushButton("Use the &demo company")
        self.demo_button.setObjectName("demo_company")
        self.demo_button.clicked.connect(lambda: ops.run(self.use_demo()))
        self.disconnect_button = QPushButton("&Disconnect")
        self.disconnect_button.clicked.connect(lambda: ops.run(self.disconnect_xero()))
        self.connection = QLabel()
        self.connection.setObjectName("connection_state")
        self.connection.setWordWrap(True)
        demo_layout = QHBoxLayout(demo)
        demo_layout.addWidget(demo_text, 1)
        demo_layout.addWidget(self.demo_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.database_box)
        layout.addWidget(self.xero_box)
        layout.addWidget(demo)
        state_row = QHBoxLayout()
        state_row.addWidget(self.connection, 1)
        state_row.addWidget(self.disconnect_button)
        layout.addLayout(state_row)
        layout.addStretch(1)
        bridge.connection_changed.connect(self._show)
        bridge.database_changed.connect(self._show_database)
        self.machine, problem = machine_defaults_or_problem()
        self.database_box.restore_choice(self.machine.database)
        if self.machine.client_id:
            self.xero_box.client_id.setText(self.machine.client_id)
        if problem:
            self.database_box.status.setText(
                f"The settings your administrator made for this computer were not used: {problem}"
            )
        self._show()

    def shown_connection(self) -> ConnectionInfo | None:
        """The connection the tab speaks of: none while another is being made."""
        return None if self.pending else self.controller.connection

    def _show_database(self) -> None:
        database = self.controller.database
        if database is not None:
            owner = database.owner.shown if database.owner else None
            self.database_box.status.setText(open_text(database.shown, owner))
        self._show()

    def _show(self) -> None:
        connection = self.shown_connection()
        self.disconnect_button.setEnabled(connection is not None)
        if self.pending:
            self.connection.setText(self.pending)
        elif connection is None:
            self.connection.setText("Not connected to Xero.")
        else:
            self.connection.setText(f"Connected to {_connected_name(connection)}.")
            if self.controller.database is not None:
                self._show_owner()
        self.xero_box.fill()

    def _show_owner(self) -> None:
        database = self.controller.database
        if database is not None and database.owner is not None:
            self.database_box.status.setText(open_text(database.shown, database.owner.shown))

    async def connect_to(self, target: XeroTarget, pending: str) -> None:
        """Connect, saying so meanwhile; the tab shows the outcome either way."""
        self.pending = pending
        self._show()
        try:
            await self.controller.connect(target)
        finally:
            self.pending = None
            self._show()

    async def use_demo(self) -> None:
        if self.controller.database is None:
            self.database_box.use_file(default_sqlite_path())
            await self.database_box.open(create=True)
        await self.connect_to(session.demo_target(), "Starting the demo company…")
        self.remember("demo")

    async def disconnect_xero(self) -> None:
        await self.controller.disconnect()
        self.remember("")

    def remember(self, kind: str, tenant: str = "", address: str = "", label: str = "") -> None:
        """What to reconnect to when the app starts next (no secrets: tenant ids only)."""
        for key, value in (
            ("last", kind),
            ("tenant", tenant),
            ("address", address),
            ("label", label),
        ):
            self.settings.setValue(f"xero/{key}", value)
        self.settings.sync()

    def open_assistant(self) -> None:
        from xerodesk.gui.setup_assistant import SetupAssistant

        if self.assistant is None:
            self.assistant = SetupAssistant(self)
        self.assistant.show()
        self.assistant.raise_()

    def start(self) -> None:
        self.ops.run(self.xero_box.refresh())

    async def resume(self) -> None:
        """Reopen the database used last time and reconnect to the same Xero;
        the first time, open the setup assistant."""
        if str(self.settings.value("database/open_at_start", "false")).lower() != "true":
            if not str(self.settings.value("xero/last", "")):
                self.open_assistant()
            return
        if not await self.database_box.open():
            return
        last = str(self.settings.value("xero/last", ""))
        address = str(self.settings.value("xero/address", "")) or None
        label = str(self.settings.value("xero/label", "Xero"))
        if last == "demo":
            await self.use_demo()
        elif last == "custom":
            target = session.custom_target(address)
            if target is not None:
                await self.connect_to(target, "Connecting through the custom connection…")
        elif last == "organisation":
            tenant = str(self.settings.value("xero/tenant", ""))
            await self.connect_to(XeroTarget(label, address, tenant), f"Connecting to {label}…")
