"""The CRM database chooser of the Connection tab: a SQLite file, or a server.

A SQLite file that does not exist is created only after the user said yes;
a database synced with another Xero organisation than the one connected is
refused, by that organisation's name.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QWidget,
)
from sqlalchemy.engine import make_url

from xerodesk.engine.controller import check_database, database_owner
from xerodesk.errors import ConfigurationError
from xerodesk.gui.databases import (
    DEFAULT_PORTS,
    KINDS,
    ServerDatabase,
    default_sqlite_path,
    load_password,
    save_password,
    sqlite_url,
)
from xerodesk.gui.text import home_relative
from xerodesk.store.organisation import refusal

if TYPE_CHECKING:
    from xerodesk.gui.tab_connection import ConnectionTab


async def ask(parent: QWidget, name: str, title: str, text: str) -> bool:
    """A Yes/No question (No is the default) that waits without blocking the loop."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=parent)
    box.setObjectName(name)
    box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
    box.setDefaultButton(QMessageBox.StandardButton.No)
    done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

    def answered(_result: int) -> None:
        if not done.done():
            done.set_result(box.clickedButton() is box.button(QMessageBox.StandardButton.Yes))

    box.finished.connect(answered)
    box.open()
    try:
        return await done
    finally:
        box.deleteLater()


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
        self.test_button.clicked.connect(
            lambda: tab.ops.run(self.test(), self.status.setText, failed=self._failed("Test"))
        )
        self.open_button.clicked.connect(
            lambda: tab.ops.run(self.open(), failed=self._failed("Opening"))
        )
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

    def _failed(self, what: str) -> Callable[[str], None]:
        def show(text: str) -> None:
            self.status.setText(f"{what} failed: {text}")

        return show

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

    def sqlite_path(self) -> Path | None:
        """The SQLite file chosen (``None``: a server is)."""
        if self.kind.currentData() != "sqlite":
            return None
        return Path(self.path.text().strip() or default_sqlite_path()).expanduser()

    def use_file(self, path: Path) -> None:
        self.kind.setCurrentIndex(self.kind.findData("sqlite"))
        self.path.setText(str(path))

    async def url(self) -> str:
        path = self.sqlite_path()
        if path is not None:
            return sqlite_url(path)
        server = self.server()
        password = self.password.text() or await load_password(server)
        return server.url(password)

    async def test(self) -> str:
        self.status.setText("Testing…")
        path = self.sqlite_path()
        if path is not None and not path.exists():
            return (
                f"There is no CRM database at {home_relative(str(path))} yet. Opening it "
                "asks before creating a new, empty one."
            )
        url = await self.url()
        found = await asyncio.to_thread(check_database, url)
        owner = await asyncio.to_thread(database_owner, url)
        return found + (
            f" It is synced with the Xero organisation “{owner.shown}”." if owner else ""
        )

    async def open(self, *, create: bool = False) -> bool:
        """Open the database chosen; False if the user declined to create a new one.

        ``create``: the user already chose to make it (the demo, the assistant)."""
        path = self.sqlite_path()
        missing = path is not None and not path.exists()
        if path is not None and missing and not create and not await self._may_create(path):
            self.status.setText("Nothing opened: no new database was created.")
            return False
        url = await self.url()
        self.status.setText("Opening…")
        await self._check_owner(url)
        info = await self.tab.controller.open_database(url)
        if self.kind.currentData() != "sqlite" and self.password.text():
            await save_password(self.server(), self.password.text())
            self.password.clear()
        self.save_choice()
        self.status.setText(open_text(info.shown, info.owner.shown if info.owner else None))
        return True

    async def _may_create(self, path: Path) -> bool:
        return await ask(
            self, "create_database_question", "Create a new CRM database?",
            f"There is no CRM database at {home_relative(str(path))}.\n\nCreate a new, empty "
            "one there? Choose No if the name is mistyped, to pick the right file.",
        )  # fmt: skip

    async def _check_owner(self, url: str) -> None:
        connection = self.tab.controller.connection
        if connection is None or not connection.tenant_id:
            return
        owner = await asyncio.to_thread(database_owner, url)
        if owner is not None and owner.tenant_id.lower() != connection.tenant_id.lower():
            raise ConfigurationError(refusal(owner, connection.organisation))

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

    def use_url(self, url: str) -> None:
        """Show the database ``url`` names (the machine's defaults): a file or a server."""
        parsed = make_url(url)
        backend = parsed.get_backend_name()
        if backend == "sqlite":
            self.use_file(Path(parsed.database or default_sqlite_path()))
            return
        kind = "postgresql" if backend == "postgresql" else "mariadb"
        self.kind.setCurrentIndex(self.kind.findData(kind))
        self.host.setText(parsed.host or "127.0.0.1")
        self.port.setValue(parsed.port or DEFAULT_PORTS[kind])
        self.database.setText(parsed.database or "")
        self.user.setText(parsed.username or "")
        self._kind_changed()

    def restore_choice(self, preset: str | None = None) -> None:
        """The database chosen last time; the first time, ``preset`` (the machine's)."""
        settings = self.tab.settings
        if preset and not settings.contains("database/kind"):
            self.use_url(preset)
            return
        settings.beginGroup("database")
        self.kind.setCurrentIndex(max(0, self.kind.findData(settings.value("kind", "sqlite"))))
        self.path.setText(str(settings.value("path", "")))
        self.host.setText(str(settings.value("host", "127.0.0.1")))
        self.port.setValue(int(str(settings.value("port", 5432))))
        self.database.setText(str(settings.value("database", "crm")))
        self.user.setText(str(settings.value("user", "")))
        settings.endGroup()
        self._kind_changed()


def open_text(shown: str, owner: str | None) -> str:
    where = f"Open: {home_relative(shown)}"
    return f"{where}, synced with “{owner}”." if owner else f"{where} (not synced with Xero yet)."
