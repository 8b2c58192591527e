"""The pages of the setup assistant, as widgets; the flow between them is in
``xerodesk.gui.setup_assistant``."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from xerodesk.xero.endpoints import SCOPES
from xerodesk.xero.signin import REDIRECT_URI

PORTAL = "https://developer.xero.com/app/manage"


def text(words: str, name: str = "") -> QLabel:
    label = QLabel(words)
    label.setWordWrap(True)
    label.setOpenExternalLinks(True)
    if name:
        label.setObjectName(name)
    return label


def copyable(value: str, name: str) -> QWidget:
    """A value to paste into Xero's portal: read-only, selectable, with a Copy button."""
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    field = QLineEdit(value)
    field.setReadOnly(True)
    field.setObjectName(name)
    button = QPushButton("Copy")
    button.setObjectName(f"{name}_copy")
    button.clicked.connect(lambda: QGuiApplication.clipboard().setText(value))
    layout.addWidget(field, 1)
    layout.addWidget(button)
    return row


def page(*widgets: QWidget) -> QWidget:
    widget = QWidget()
    layout = QVBoxLayout(widget)
    for item in widgets:
        layout.addWidget(item)
    layout.addStretch(1)
    return widget


def welcome_page() -> QWidget:
    return page(
        text(
            "<h2>Connect xerodesk to your Xero organisation</h2>"
            "<p>xerodesk keeps your CRM's customers, products and invoices in step with "
            "Xero. To reach your organisation it needs a Xero app of your own: a free "
            "registration in Xero's developer portal that takes about five minutes. This "
            "assistant shows what to enter there, signs you in through your browser and "
            "connects.</p><p>Only want to look around first? Choose “Try the demo "
            "company” below: it needs no Xero account.</p>"
        )
    )


def register_page() -> QWidget:
    return page(
        text(
            "<h3>1. Register xerodesk as an app in Xero</h3><ol>"
            f"<li>Open <a href='{PORTAL}'>{PORTAL}</a> and sign in with your Xero login.</li>"
            "<li>Choose <b>New app</b>. Give it a name (for example “xerodesk for my "
            "business”), choose the integration type <b>Mobile or desktop app</b> (Xero lists "
            "it as “Auth Code with PKCE”; it has no client secret), and enter your business's "
            "web address.</li>"
            "<li>As the <b>redirect URI</b>, paste exactly:</li></ol>"
        ),
        copyable(REDIRECT_URI, "setup_redirect_uri"),
        text(
            "<ol start='4'><li>Create the app. On its <b>Configuration</b> page, copy the "
            "<b>Client id</b>: you paste it on the next page.</li></ol>"
            "<p>xerodesk asks Xero for these permissions (scopes) when you sign in; Xero shows "
            "them on its consent page. If your app's settings list scopes, allow these:</p>"
        ),
        copyable(SCOPES, "setup_scopes"),
    )


class ClientIdPage(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.client_id = QLineEdit()
        self.client_id.setObjectName("setup_client_id")
        self.client_id.setPlaceholderText("32 characters, for example 0123456789ABCDEF…")
        self.problem = text("", "setup_client_id_problem")
        self.problem.setStyleSheet("color: #b00020;")
        layout = QVBoxLayout(self)
        layout.addWidget(
            text(
                "<h3>2. Your app's client id</h3><p>Paste the client id from your app's "
                "Configuration page in Xero's developer portal. It is 32 characters long, "
                "digits and the letters A to F.</p>"
            )
        )
        layout.addWidget(self.client_id)
        layout.addWidget(self.problem)
        layout.addStretch(1)


class KeyringPage(QWidget):
    """Shown only when this computer has no keyring to keep the sign-in in."""

    def __init__(self) -> None:
        super().__init__()
        self.reason = text("", "setup_keyring_reason")
        self.accept_file = QCheckBox(
            "Keep the sign-in in a file on this computer, readable only by my user account"
        )
        self.accept_file.setObjectName("setup_keyring_file")
        layout = QVBoxLayout(self)
        layout.addWidget(text("<h3>3. Where to keep the sign-in</h3>"))
        layout.addWidget(self.reason)
        layout.addWidget(
            text(
                "<p>The safest fix is to install or unlock the system keyring (on Linux, GNOME "
                "Keyring or KWallet) and open this assistant again.</p><p>Or xerodesk can keep "
                "the sign-in in a file of yours. <b>The risk:</b> the file is not encrypted. "
                "Anyone who can read your files (another person using your user account, a "
                "backup, a program you run) could use it to read and change your Xero "
                "organisation's customers and invoices until you sign out. Only choose it on "
                "a computer you alone use.</p>"
            )
        )
        layout.addWidget(self.accept_file)
        layout.addStretch(1)


class DatabasePage(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.path = QLineEdit()
        self.path.setObjectName("setup_database_path")
        self.current = text("", "setup_database_current")
        #: a database server chosen (on the Connection tab, or for this computer)
        self.server = text("", "setup_database_server")
        self.password = QLineEdit()
        self.password.setObjectName("setup_database_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("the database password (kept in the system keyring)")
        layout = QVBoxLayout(self)
        layout.addWidget(
            text(
                "<h3>4. Your CRM database</h3><p>xerodesk keeps the CRM's data in a database "
                "file (SQLite). A file that does not exist yet is created as a new, empty CRM "
                "database. To use a database server instead, choose it on the Connection tab "
                "first.</p>"
            )
        )
        layout.addWidget(self.path)
        layout.addWidget(self.server)
        layout.addWidget(self.password)
        layout.addWidget(self.current)
        layout.addStretch(1)
        self.show_server(None)

    def show_server(self, shown: str | None) -> None:
        """The server to use instead of a file (``None``: a file), with its password."""
        self.path.setVisible(shown is None)
        self.server.setVisible(shown is not None)
        self.password.setVisible(shown is not None)
        self.server.setText(
            f"xerodesk will use the CRM database {shown}. Type its password if it needs "
            "one that this computer does not know yet."
            if shown
            else ""
        )


class SignInPage(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.sign_in = QPushButton("Sign in to Xero in my browser")
        self.sign_in.setObjectName("setup_sign_in")
        self.cancel = QPushButton("Cancel the sign-in")
        self.cancel.setObjectName("setup_cancel_sign_in")
        self.cancel.setEnabled(False)
        self.status = text("", "setup_sign_in_status")
        self.picker_text = text(
            "Xero authorised several organisations. Which one should xerodesk sync with?"
        )
        self.picker = QComboBox()
        self.picker.setObjectName("setup_organisation")
        self.pick = QPushButton("Use this organisation")
        self.pick.setObjectName("setup_pick")
        buttons = QHBoxLayout()
        buttons.addWidget(self.sign_in)
        buttons.addWidget(self.cancel)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(
            text(
                "<h3>5. Sign in</h3><p>Your browser opens Xero's sign-in page. Sign in, choose "
                "your organisation and allow access; then come back here. xerodesk never sees "
                "your Xero password.</p>"
            )
        )
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        for widget in (self.picker_text, self.picker, self.pick):
            layout.addWidget(widget)
            widget.setVisible(False)
        layout.addStretch(1)

    def show_picker(self, names: list[str]) -> None:
        self.picker.clear()
        self.picker.addItems(names)
        for widget in (self.picker_text, self.picker, self.pick):
            widget.setVisible(True)

    def hide_picker(self) -> None:
        for widget in (self.picker_text, self.picker, self.pick):
            widget.setVisible(False)


def done_page() -> tuple[QWidget, QLabel]:
    status = text("", "setup_done_status")
    return page(text("<h3>6. Connected</h3>"), status), status
