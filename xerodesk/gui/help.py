"""The Help menu: getting started, Xero's limits, the README and About."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMainWindow, QMenu, QMessageBox, QWidget

from xerodesk import __version__
from xerodesk.gui.logfile import open_log_file
from xerodesk.paths import app_paths

GETTING_STARTED = (
    "<b>1. Choose the CRM database</b> on the Connection tab (or try the demo company "
    "first: nothing real is touched).<br><br>"
    "<b>2. Sign in to Xero</b> on the same tab and choose your organisation.<br><br>"
    "<b>3. Sync.</b> The first sync reads every customer, product and invoice from Xero; "
    "after that only what changed is read, every few minutes. The Sync status tab shows "
    "how far it has come and about how long it has left.<br><br>"
    "<b>4. Look at the Review tab</b> now and then: it lists what needs a person, such as "
    "a record changed on both sides or an order held back for a customer on stop.<br><br>"
    "New customers and confirmed orders in the CRM are sent to Xero within a few seconds; "
    "the Log tab lists what was sent and what Xero said."
)
XERO_LIMITS = (
    "Xero allows each organisation <b>5,000 calls a day</b> (1,000 on the Starter plan) "
    "and <b>60 calls a minute</b>.<br><br>"
    "xerodesk plans each sync to fit: sending customers and orders goes first and a tenth "
    "of the day's calls is kept for it; a large first import that does not fit in one day "
    "carries on with the next day's calls, nothing half-written.<br><br>"
    "A full resync reads everything again, so it asks first and says how many calls it "
    "needs. The status bar and the Sync status tab show the calls left this minute and "
    "today; set your organisation's daily allowance under System options."
)


def readme_file() -> Path:
    """The README beside the program, or a copy of it from the installed package."""
    beside = Path(__file__).resolve().parents[2] / "README.md"
    if beside.is_file():
        return beside
    copy = app_paths().data_dir / "README.md"
    try:
        text = metadata.metadata("xerodesk").get_payload()  # type: ignore[attr-defined]
    except metadata.PackageNotFoundError:
        text = "xerodesk keeps your CRM database and your Xero organisation in step."
    copy.parent.mkdir(parents=True, exist_ok=True)
    copy.write_text(str(text or ""), encoding="utf-8")
    return copy


def show_text(parent: QWidget, title: str, text: str) -> QMessageBox:
    """A window of text that leaves the app running behind it."""
    box = QMessageBox(QMessageBox.Icon.Information, title, text, parent=parent)
    box.setObjectName("help_text")
    box.setModal(False)
    box.open()
    return box


def add_help_menu(window: QMainWindow) -> QMenu:
    menu = window.menuBar().addMenu("&Help")
    started = menu.addAction("&Getting started")
    started.triggered.connect(lambda: show_text(window, "Getting started", GETTING_STARTED))
    limits = menu.addAction("Xero's &limits")
    limits.triggered.connect(lambda: show_text(window, "Xero's limits", XERO_LIMITS))
    readme = menu.addAction("The &README (full documentation)")
    readme.triggered.connect(
        lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(readme_file())))
    )
    log = menu.addAction("Open the log &file")
    log.triggered.connect(open_log_file)
    menu.addSeparator()
    about = menu.addAction("&About xerodesk")
    about.triggered.connect(
        lambda: QMessageBox.about(
            window,
            "About xerodesk",
            f"xerodesk {__version__}\nKeeps your CRM database and your Xero organisation in step.",
        )
    )
    return menu
