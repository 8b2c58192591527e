"""System options, generated from the registry: one widget per option, by its type.

Every option of ``xerodesk.store.options.OPTIONS`` gets the widget its type
calls for (a check box, a number box with its limits, a list of choices, a
text or address field), its help text beneath, and validation as you type
by the registry's own rules. Saving writes every change in one transaction
to the database's ``system_option`` rows, shared by everyone using it.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from xerodesk.engine.controller import SyncController
from xerodesk.errors import ConfigurationError
from xerodesk.gui.bridge import Bridge
from xerodesk.gui.ops import Ops
from xerodesk.gui.text import plural
from xerodesk.store.options import OptionSpec, OptionType

HELP_STYLE = "color: palette(placeholder-text);"
ERROR_STYLE = "color: #b00020;"


class WheelGuard(QObject):
    """Keeps the mouse wheel from changing spin boxes and lists the user has not clicked
    or tabbed into: over them the wheel scrolls the page, as the user meant."""

    def __init__(self, scroll: QScrollArea) -> None:
        super().__init__(scroll)
        self.scroll_area = scroll

    def guard(self, field: QWidget) -> None:
        field.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # the wheel gives no focus
        field.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.Wheel
            and isinstance(watched, QWidget)
            and not watched.hasFocus()
        ):
            QApplication.sendEvent(self.scroll_area.viewport(), event)
            return True
        return False


class OptionEditor(QWidget):
    """The widget of one option, with its help text and validation message."""

    edited = Signal()

    def __init__(self, spec: OptionSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.stored = spec.default
        self.field = self._make_field()
        self.field.setObjectName(f"option_{spec.name}")
        self.field.setAccessibleName(spec.label)
        self.field.setToolTip(spec.help)
        self.help = QLabel(spec.help)
        self.help.setWordWrap(True)
        self.help.setStyleSheet(HELP_STYLE)
        self.error = QLabel()
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.error.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 6)
        layout.addWidget(self.field)
        layout.addWidget(self.help)
        layout.addWidget(self.error)

    def _make_field(self) -> QWidget:
        spec = self.spec
        if spec.type is OptionType.BOOL:
            box = QCheckBox("On")
            box.toggled.connect(self._changed)
            return box
        if spec.type is OptionType.INT:
            spin = QSpinBox()
            spin.setRange(spec.minimum or 0, spec.maximum or 2_000_000_000)
            spin.setGroupSeparatorShown(True)
            spin.valueChanged.connect(self._changed)
            return spin
        if spec.type is OptionType.CHOICE:
            combo = QComboBox()
            combo.addItems(list(spec.choices))
            combo.currentIndexChanged.connect(self._changed)
            return combo
        line = QLineEdit()
        line.setClearButtonEnabled(True)
        if spec.type in (OptionType.URL, OptionType.URL_TEMPLATE):
            line.setPlaceholderText("https://…")
        line.textChanged.connect(self._changed)
        return line

    def raw(self) -> str:
        field = self.field
        if isinstance(field, QCheckBox):
            return "true" if field.isChecked() else "false"
        if isinstance(field, QSpinBox):
            return str(field.value())
        if isinstance(field, QComboBox):
            return field.currentText()
        assert isinstance(field, QLineEdit)
        return field.text()

    def set_raw(self, raw: str) -> None:
        self.stored = raw
        field = self.field
        field.blockSignals(True)
        try:
            value = self.spec.parse(raw)
        except ConfigurationError:
            value = self.spec.parse(None)
        if isinstance(field, QCheckBox):
            field.setChecked(bool(value))
        elif isinstance(field, QSpinBox):
            field.setValue(int(value))
        elif isinstance(field, QComboBox):
            field.setCurrentText(str(value))
        elif isinstance(field, QLineEdit):
            field.setText(raw)
        field.blockSignals(False)
        self._changed()

    def problem(self) -> str | None:
        try:
            self.spec.validate(self.raw())
        except ConfigurationError as error:
            return str(error)
        return None

    @property
    def changed(self) -> bool:
        try:
            return self.spec.validate(self.raw()) != self.spec.validate(self.stored)
        except ConfigurationError:
            return True

    def _changed(self) -> None:
        problem = self.problem()
        self.error.setText(problem or "")
        self.error.setVisible(problem is not None)
        self.edited.emit()


class OptionsTab(QWidget):
    """Every system option, grouped as the registry groups them."""

    saved = Signal()

    def __init__(self, controller: SyncController, ops: Ops, bridge: Bridge) -> None:
        super().__init__()
        self.controller = controller
        self.ops = ops
        self.editors: dict[str, OptionEditor] = {}
        intro = QLabel(
            "These options are kept in the CRM database and apply to everyone who syncs it."
        )
        intro.setWordWrap(True)
        self.state = QLabel()
        self.save_button = QPushButton("&Save")
        self.save_button.setObjectName("options_save")
        self.revert_button = QPushButton("&Revert")
        self.defaults_button = QPushButton("Restore &defaults")
        self.save_button.clicked.connect(self.save)
        self.revert_button.clicked.connect(self.load)
        self.defaults_button.clicked.connect(self.restore_defaults)
        QShortcut(QKeySequence.StandardKey.Save, self, self.save)
        buttons = QHBoxLayout()
        buttons.addWidget(self.state, 1)
        for button in (self.defaults_button, self.revert_button, self.save_button):
            buttons.addWidget(button)
        self.scroll_area = QScrollArea()
        self.scroll_area.setObjectName("options_scroll")
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setWidget(self._groups())
        self.wheel_guard = WheelGuard(self.scroll_area)
        for editor in self.editors.values():
            if isinstance(editor.field, (QSpinBox, QComboBox)):
                self.wheel_guard.guard(editor.field)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.scroll_area, 1)
        layout.addLayout(buttons)
        bridge.database_changed.connect(self.load)
        bridge.options_changed.connect(self._refresh_state)
        self._refresh_state()

    def _groups(self) -> QWidget:
        holder = QWidget()
        column = QVBoxLayout(holder)
        forms: dict[str, QFormLayout] = {}
        for spec in self.controller.option_specs():
            form = forms.get(spec.group)
            if form is None:
                box = QGroupBox(spec.group)
                form = forms[spec.group] = QFormLayout(box)
                form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
                column.addWidget(box)
            editor = OptionEditor(spec)
            editor.edited.connect(self._refresh_state)
            label = QLabel(spec.label + ":")
            label.setBuddy(editor.field)
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            form.addRow(label, editor)
            self.editors[spec.name] = editor
        column.addStretch(1)
        return holder

    def load(self) -> None:
        if self.controller.database is None:
            self.state.setText("Open a CRM database to see its options.")
            return
        self.ops.run(self.controller.option_values(), self._loaded)

    def _loaded(self, values: dict[str, str]) -> None:
        for name, raw in values.items():
            if name in self.editors:
                self.editors[name].set_raw(raw)
        self._refresh_state()

    def restore_defaults(self) -> None:
        for editor in self.editors.values():
            stored = editor.stored
            editor.set_raw(editor.spec.default)
            editor.stored = stored
        self._refresh_state()

    def changes(self) -> dict[str, str]:
        return {name: e.raw() for name, e in self.editors.items() if e.changed}

    def _refresh_state(self) -> None:
        problems = [e for e in self.editors.values() if e.problem() is not None]
        changes = self.changes()
        ready = self.controller.database is not None
        self.save_button.setEnabled(ready and bool(changes) and not problems)
        self.revert_button.setEnabled(ready and bool(changes))
        self.defaults_button.setEnabled(ready)
        if len(problems) == 1:
            self.state.setText(f"“{problems[0].spec.label}” needs correcting before saving.")
        elif problems:
            self.state.setText(f"{len(problems)} options need correcting before saving.")
        elif changes:
            self.state.setText(f"{plural(len(changes), 'unsaved change')}.")
        elif ready:
            self.state.setText("All options saved.")

    def save(self) -> None:
        changes = self.changes()
        if not changes or not self.save_button.isEnabled():
            return
        self.save_button.setEnabled(False)
        self.ops.run(self.controller.save_options(changes), self._saved)

    def _saved(self, saved: dict[str, str]) -> None:
        for name, raw in saved.items():
            self.editors[name].set_raw(raw)
        self._refresh_state()
        self.state.setText(f"Saved {plural(len(saved), 'option')}.")
        self.saved.emit()
