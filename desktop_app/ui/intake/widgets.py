"""Form widgets of the 受理 section: a field with its inline message, keyboard-friendly choices."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QVBoxLayout, QWidget

_ERROR_STYLE = "color: #b3261e;"
_WARNING_STYLE = "color: #8a5a00;"


class FieldBox(QWidget):
    """An editor with its message underneath (hidden while there is nothing to say)."""

    def __init__(self, field: str, editor: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = field
        self.editor = editor
        editor.setObjectName(field)
        self.note = QLabel()
        self.note.setObjectName(f"note:{field}")
        self.note.setWordWrap(True)
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.note.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(1)
        layout.addWidget(editor)
        layout.addWidget(self.note)
        self.setFocusProxy(editor)

    def set_note(self, text: str | None, *, blocking: bool = True) -> None:
        if not text:
            self.note.clear()
            self.note.hide()
            self.editor.setProperty("invalid", False)
            self.editor.setStyleSheet("")
            return
        self.note.setText(("✗ " if blocking else "⚠ ") + text)
        self.note.setStyleSheet(_ERROR_STYLE if blocking else _WARNING_STYLE)
        self.note.show()
        self.editor.setProperty("invalid", blocking)
        self.editor.setStyleSheet("border: 1px solid #b3261e;" if blocking else "")
        self.editor.setAccessibleDescription(text)


class LineEdit(QLineEdit):
    """A line edit that tells when the clerk leaves it (to show 'incomplete' messages then)."""

    left = Signal()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.left.emit()


class ChoiceCombo(QComboBox):
    """A choice with a first 'not chosen' row; single keys pick a value (e.g. 4 → 四级, Y → 是)."""

    def __init__(
        self,
        choices: Sequence[tuple[Any, str]] = (),
        *,
        placeholder: str = "请选择",
        keys: Mapping[str, Any] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.placeholder = placeholder
        self.keys: dict[str, Any] = dict(keys or {})
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.set_choices(choices)

    def set_choices(
        self, choices: Sequence[tuple[Any, str]], keys: Mapping[str, Any] | None = None
    ) -> None:
        current = self.value()
        self.blockSignals(True)
        self.clear()
        self.addItem(self.placeholder, None)
        for value, text in choices:
            self.addItem(text, value)
        if keys is not None:
            self.keys = dict(keys)
        self.blockSignals(False)
        self.set_value(current)

    def value(self) -> Any:
        return self.currentData() if self.count() else None

    def set_value(self, value: Any) -> None:
        for row in range(self.count()):
            data = self.itemData(row)
            if data == value and type(data) is type(value):
                if row != self.currentIndex():
                    self.setCurrentIndex(row)
                return
        if self.currentIndex() != 0:
            self.setCurrentIndex(0)

    def values(self) -> list[Any]:
        return [self.itemData(row) for row in range(1, self.count())]

    def keyPressEvent(self, event: QKeyEvent) -> None:
        text = event.text().upper()
        if (
            text
            and text in self.keys
            and event.modifiers()
            in (
                Qt.KeyboardModifier.NoModifier,
                Qt.KeyboardModifier.KeypadModifier,
                Qt.KeyboardModifier.ShiftModifier,
            )
        ):
            value = self.keys[text]
            if value in self.values():
                self.set_value(value)
                event.accept()
                return
        super().keyPressEvent(event)


def yes_no_combo() -> ChoiceCombo:
    combo = ChoiceCombo(
        [(True, "是"), (False, "否")],
        placeholder="请选择（Y 是 / N 否）",
        keys={"Y": True, "1": True, "N": False, "0": False},
    )
    return combo
