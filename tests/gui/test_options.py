"""System options tab: generated from the registry, validated as typed, saved to the database."""

from __future__ import annotations

from typing import Any

import qasync
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QCheckBox, QComboBox, QLineEdit, QSpinBox, QWidget
from sqlalchemy import select

from tests.gui.conftest import run, wait_until
from xerodesk.gui.main_window import MainWindow
from xerodesk.store.database import open_engine
from xerodesk.store.models import SystemOption
from xerodesk.store.options import OPTIONS, OptionType

WIDGETS = {
    OptionType.BOOL: QCheckBox,
    OptionType.INT: QSpinBox,
    OptionType.CHOICE: QComboBox,
    OptionType.TEXT: QLineEdit,
    OptionType.URL: QLineEdit,
    OptionType.URL_TEMPLATE: QLineEdit,
}


def stored_options(url: str) -> dict[str, str | None]:
    engine = open_engine(url)
    try:
        with engine.connect() as connection:
            return dict(connection.execute(select(SystemOption.name, SystemOption.value)).all())
    finally:
        engine.dispose()


def test_every_option_has_its_widget_help_and_limits(window: MainWindow) -> None:
    tab = window.options_tab
    assert list(tab.editors) == [spec.name for spec in OPTIONS]
    for spec in OPTIONS:
        editor = tab.editors[spec.name]
        assert isinstance(editor.field, WIDGETS[spec.type]), spec.name
        assert editor.help.text() == spec.help and editor.field.accessibleName() == spec.label
        if isinstance(editor.field, QSpinBox):
            assert editor.field.minimum() == spec.minimum and editor.field.maximum() == spec.maximum
        if isinstance(editor.field, QComboBox):
            assert [editor.field.itemText(i) for i in range(editor.field.count())] == list(
                spec.choices
            )
    assert not tab.save_button.isEnabled()


def test_change_validate_and_save_options(
    window: MainWindow, qloop: qasync.QEventLoop, qtbot: Any, sqlite_url: str
) -> None:
    tab = window.options_tab
    editors = tab.editors
    window.tabs.setCurrentWidget(tab)

    async def body() -> None:
        await window.controller.open_database(sqlite_url)
        await wait_until(lambda: tab.state.text() == "All options saved.", 10, "options loaded")
        interval = editors["sync_interval_minutes"].field
        assert isinstance(interval, QSpinBox) and interval.value() == 2
        interval.setFocus()
        interval.selectAll()
        qtbot.keyClicks(interval, "15")
        rates = editors["rates_source_url"].field
        assert isinstance(rates, QLineEdit)
        rates.clear()
        qtbot.keyClicks(rates, "ftp://rates.example")
        assert editors["rates_source_url"].error.isVisibleTo(tab)
        error = editors["rates_source_url"].error.text()
        assert error.startswith("Exchange rates source must be a web address starting with")
        assert "rates_source_url" not in error and "_" not in error
        assert tab.state.text() == "“Exchange rates source” needs correcting before saving."
        assert not tab.save_button.isEnabled()
        rates.clear()
        qtbot.keyClicks(rates, "https://rates.example/daily.xml")
        assert not editors["rates_source_url"].error.isVisibleTo(tab)
        account = editors["display_account_number"].field
        assert isinstance(account, QCheckBox) and account.isChecked()
        account.setFocus()
        qtbot.keyClick(account, Qt.Key.Key_Space)
        status = editors["pushed_invoice_status"].field
        assert isinstance(status, QComboBox)
        status.setCurrentText("AUTHORISED")
        assert tab.state.text() == "4 unsaved changes.", tab.changes()
        qtbot.keyClick(tab, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
        await wait_until(lambda: tab.state.text() == "Saved 4 options.", 10, "saved")

    run(qloop, body())
    stored = stored_options(sqlite_url)
    assert stored["sync_interval_minutes"] == "15"
    assert stored["rates_source_url"] == "https://rates.example/daily.xml"
    assert stored["display_account_number"] == "false"
    assert stored["pushed_invoice_status"] == "AUTHORISED"
    assert not tab.save_button.isEnabled()


def wheel_down(widget: QWidget) -> None:
    """One notch of the mouse wheel over the middle of ``widget``, as Qt delivers it."""
    centre = QPointF(widget.rect().center())
    event = QWheelEvent(
        centre,
        QPointF(widget.mapToGlobal(centre.toPoint())),
        QPoint(0, 0),
        QPoint(0, -120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def test_the_wheel_scrolls_the_page_over_options_not_in_use(
    window: MainWindow, qloop: qasync.QEventLoop, sqlite_url: str
) -> None:
    tab = window.options_tab
    window.tabs.setCurrentWidget(tab)
    window.resize(900, 600)

    async def body() -> None:
        await window.controller.open_database(sqlite_url)
        await wait_until(lambda: tab.state.text() == "All options saved.", 10, "options loaded")

    run(qloop, body())
    QApplication.processEvents()
    bar = tab.scroll_area.verticalScrollBar()
    assert bar.maximum() > 0, "the options must be taller than the page for this test"
    interval = tab.editors["sync_interval_minutes"].field
    status = tab.editors["pushed_invoice_status"].field
    assert isinstance(interval, QSpinBox) and isinstance(status, QComboBox)
    window.tabs.setFocus()
    for field in (interval, status):
        assert not field.hasFocus()
        assert field.focusPolicy() == Qt.FocusPolicy.StrongFocus
    before = (interval.value(), status.currentText())
    for turn in range(3):
        position = bar.value()
        wheel_down(interval if turn % 2 == 0 else status)
        assert bar.value() > position, "the page scrolls"
        assert (interval.value(), status.currentText()) == before
        bar.setValue(0)
    assert tab.state.text() == "All options saved."
    interval.setFocus()
    QApplication.processEvents()
    if interval.hasFocus():  # a focused spin box still takes the wheel, as the user meant
        wheel_down(interval)
        assert interval.value() != before[0]
