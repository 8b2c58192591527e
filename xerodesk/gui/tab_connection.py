"""Connection: which CRM database, which Xero organisation, or the demo company."""

from __future__ import annotations

import asyncio
import webbrowser
from collections.abc import Callable

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from xerodesk import session
from xerodesk.engine.controller import SyncController, XeroTarget, check_database
from xerodesk.errors import AuthenticationError, XerodeskError
from xerodesk.gui.bridge import Bridge
from xerodesk.gui.databases import (
    DEFAULT_PORTS,
    KINDS,
    ServerDatabase,
    default_sqlite_path,
    load_password,
    save_password,
    sqlite_url,
)
from xerodesk.gui.ops import Ops
from xerodesk.gui.text import home_relative, stamp

STATE_TEXT = {
    "connected": "Signed in",
    "expiring": "Signed in, expiring soon",
    "sign_in_required": "Sign in again",
}


def _settle(future: asyncio.Future[int], result: int) -> None:
    if not future.done():
        future.set_result(result)


class DatabaseBox(QGroupBox):
    """The database chooser: a SQLite file, or a server with its password in the keyring."""

    def __init__(self, tab: ConnectionTab) -> None:
        super().__init__("CRM database")
        self.tab = tab
        self.kind = QComboBox()
        self.kind.setObjectName("db_kind")
        for key, label in KINDS.items():
            self.kind.addItem(label, key)
        self.file_page, self.server_page = self._file_page(), self._server_page()
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.test_button = QPushButton("&Test connection")
        self.test_button.setObjectName("db_test")
        self.open_button = QPushButton("&Open database")
        self.open_button.setObjectName("db_open")
        self.status = QLabel("No database open.")
        self.test_button.clicked.connect(lambda: tab.ops.run(self.test(), self.status.setText))
        self.open_button.clicked.connect(lambda: tab.ops.run(self.open()))
        self.status.setObjectName("db_status")
        self.status.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.test_button)
        buttons.addWidget(self.open_button)
        layout = QFormLayout(self)
        layout.addRow("&Kind:", self.kind)
        layout.addRow(self.file_page)
        layout.addRow(self.server_page)
        layout.addRow(buttons)

    def _file_page(self) -> QWidget:
        self.path = QLineEdit()
        self.path.setObjectName("db_path")
        self.path.setPlaceholderText(str(default_sqlite_path()))
        browse = QPushButton("&Browse…")
        browse.clicked.connect(self._browse)
        page = QWidget()
        row = QHBoxLayout(page)
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        return page

    def _server_page(self) -> QWidget:
        self.host, self.database, self.user = QLineEdit("127.0.0.1"), QLineEdit("crm"), QLineEdit()
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setObjectName("db_password")
        self.password.setPlaceholderText("kept in the system keyring")
        page = QWidget()
        form = QFormLayout(page)
        for label, field in (
            ("Host", self.host), ("Port", self.port), ("Database", self.database),
            ("User", self.user), ("Password", self.password),
        ):  # fmt: skip
            form.addRow(label + ":", field)
        return page

    def _kind_changed(self) -> None:
        kind = str(self.kind.currentData())
        self.file_page.setVisible(kind == "sqlite")
        self.server_page.setVisible(kind != "sqlite")
        if kind in DEFAULT_PORTS and self.port.value() in (0, *DEFAULT_PORTS.values()):
            self.port.setValue(DEFAULT_PORTS[kind])

    def _browse(self) -> None:
        chosen, _filter = QFileDialog.getSaveFileName(
            self, "CRM database file", self.path.text() or str(default_sqlite_path()),
            "SQLite databases (*.db *.sqlite);;All files (*)",
            options=QFileDialog.Option.DontConfirmOverwrite,
        )  # fmt: skip
        if chosen:
            self.path.setText(chosen)

    def server(self) -> ServerDatabase:
        return ServerDatabase(
            str(self.kind.currentData()), self.host.text().strip(), self.port.value(),
            self.database.text().strip(), self.user.text().strip(),
        )  # fmt: skip

    async def url(self) -> str:
        if self.kind.currentData() == "sqlite":
            return sqlite_url(self.path.text().strip() or default_sqlite_path())
        server = self.server()
        password = self.password.text() or await load_password(server)
        return server.url(password)

    async def test(self) -> str:
        self.status.setText("Testing…")
        return await asyncio.to_thread(check_database, await self.url())

    async def open(self) -> None:
        url = await self.url()
        self.status.setText("Opening…")
        info = await self.tab.controller.open_database(url)
        if self.kind.currentData() != "sqlite" and self.password.text():
            await save_password(self.server(), self.password.text())
            self.password.clear()
        self.save_choice()
        self.status.setText(f"Open: {home_relative(info.shown)}")

    def save_choice(self) -> None:
        settings = self.tab.settings
        settings.beginGroup("database")
        for key, value in (
            ("kind", self.kind.currentData()), ("path", self.path.text()),
            ("host", self.host.text()), ("port", self.port.value()),
            ("database", self.database.text()), ("user", self.user.text()),
            ("open_at_start", True),
        ):  # fmt: skip
            settings.setValue(key, value)
        settings.endGroup()

    def restore_choice(self) -> None:
        settings = self.tab.settings
        settings.beginGroup("database")
        self.kind.setCurrentIndex(max(0, self.kind.findData(settings.value("kind", "sqlite"))))
        self.path.setText(str(settings.value("path", "")))
        self.host.setText(str(settings.value("host", "127.0.0.1")))
        self.port.setValue(int(str(settings.value("port", 5432))))
        self.database.setText(str(settings.value("database", "crm")))
        self.user.setText(str(settings.value("user", "")))
        settings.endGroup()
        self._kind_changed()


class XeroBox(QGroupBox):
    """Sign-in and sign-out, the organisation to sync, and the state of its sign-in."""

    def __init__(self, tab: ConnectionTab) -> None:
        super().__init__("Xero")
        self.tab = tab
        self.organisation = QComboBox()
        self.organisation.setObjectName("xero_organisation")
        self.organisation.setAccessibleName("Organisation")
        self.token_state = QLabel("Not signed in.")
        self.token_state.setObjectName("xero_token_state")
        self.token_state.setWordWrap(True)
        self.address = QLineEdit()
        self.address.setObjectName("xero_address")
        self.address.setPlaceholderText("Xero itself (leave empty)")
        self.client_id = QLineEdit(session.XERO_APP_CLIENT_ID)
        self.client_id.setObjectName("xero_client_id")
        self.sign_in_button = QPushButton("Sign &in to Xero…")
        self.sign_in_button.setObjectName("xero_sign_in")
        self.sign_out_button = QPushButton("Sign o&ut")
        self.sign_out_button.setObjectName("xero_sign_out")
        self.connect_button = QPushButton("&Connect")
        self.connect_button.setObjectName("xero_connect")
        self.sign_in_button.clicked.connect(lambda: tab.ops.run(self.sign_in()))
        self.sign_out_button.clicked.connect(lambda: tab.ops.run(self.sign_out()))
        self.connect_button.clicked.connect(lambda: tab.ops.run(self.connect_organisation()))
        self.organisation.currentIndexChanged.connect(self._show_state)
        self.address.editingFinished.connect(lambda: tab.ops.run(self.refresh()))
        self.orgs: list[session.Organisation] = []
        buttons = QHBoxLayout()
        for button in (self.sign_in_button, self.sign_out_button, self.connect_button):
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
        except XerodeskError as error:
            self.orgs = []
            self.organisation.clear()
            self._show_state()
            self.token_state.setText(str(error))
            return
        self.organisation.blockSignals(True)
        self.organisation.clear()
        for org in self.orgs:
            self.organisation.addItem(org.name, org.tenant_id)
        default = next((i for i, o in enumerate(self.orgs) if o.default), 0)
        self.organisation.setCurrentIndex(default if self.orgs else -1)
        self.organisation.blockSignals(False)
        self._show_state()

    def _show_state(self) -> None:
        index = self.organisation.currentIndex()
        org = self.orgs[index] if 0 <= index < len(self.orgs) else None
        self.sign_out_button.setEnabled(org is not None)
        self.connect_button.setEnabled(org is not None)
        if org is None:
            self.token_state.setText("Not signed in to Xero on this computer.")
            return
        expires = (
            f" The sign-in lasts until {stamp(org.expires_at)} unless used."
            if org.expires_at
            else ""
        )
        self.token_state.setText(f"{STATE_TEXT.get(org.state, org.state)}. {org.message}{expires}")

    async def sign_in(self) -> None:
        self.token_state.setText("Finish signing in in your browser…")
        org = await session.sign_in(
            self.xero_url(), self.client_id.text().strip(), open_browser=self.tab.open_browser,
            choose=self._choose, port=self.tab.redirect_port,
        )  # fmt: skip
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

    def _tenant(self) -> str:
        return str(self.organisation.currentData())

    async def sign_out(self) -> None:
        tenant = self._tenant()
        if self.tab.controller.connection and self.tab.controller.connection.tenant_id == tenant:
            await self.tab.controller.disconnect()
        await session.sign_out(self.xero_url(), tenant)
        await self.refresh()

    async def connect_organisation(self) -> None:
        tenant = self._tenant()
        await session.choose_organisation(self.xero_url(), tenant)
        label = self.organisation.currentText()
        await self.tab.controller.connect(XeroTarget(label, self.xero_url(), tenant))
        self.tab.remember("organisation", tenant, self.xero_url() or "", label)


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
        bridge.connection_changed.connect(self._show_connection)
        bridge.database_changed.connect(self._show_connection)
        self.database_box.restore_choice()
        self._show_connection()

    def _show_connection(self) -> None:
        connection = self.controller.connection
        database = self.controller.database
        self.disconnect_button.setEnabled(connection is not None)
        if database is not None:
            self.database_box.status.setText(f"Open: {home_relative(database.shown)}")
        if connection is None:
            self.connection.setText("Not connected to Xero.")
        else:
            self.connection.setText(f"Connected to {connection.organisation} ({connection.label}).")

    async def use_demo(self) -> None:
        if self.controller.database is None:
            box = self.database_box
            box.kind.setCurrentIndex(box.kind.findData("sqlite"))
            box.path.setText(str(default_sqlite_path()))
            await box.open()
        self.connection.setText("Starting the demo company…")
        await self.controller.connect(session.demo_target())
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

    def start(self) -> None:
        self.ops.run(self.xero_box.refresh())

    async def resume(self) -> None:
        """Reopen the database used last time and reconnect to the same Xero."""
        if str(self.settings.value("database/open_at_start", "false")).lower() != "true":
            return
        await self.database_box.open()
        last = str(self.settings.value("xero/last", ""))
        if last == "demo":
            await self.use_demo()
        elif last == "organisation":
            tenant = str(self.settings.value("xero/tenant", ""))
            address = str(self.settings.value("xero/address", "")) or None
            label = str(self.settings.value("xero/label", "Xero"))
            await self.controller.connect(XeroTarget(label, address, tenant))
