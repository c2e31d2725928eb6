"""更正文字: correct a text of one application that holds a character the text policy refuses.

Opened from the application's detail (更正文字(T)…, shown only when such a text is there). It
shows the stored value with each hidden character as ⟨U+XXXX⟩, takes the new value and a
reason (both required, checked as the 受理 form checks them), and changes nothing until the
clerk confirms in a question whose default is 取消. No button is the dialog's default: Enter,
held down or pressed twice, presses nothing. The change and its audit event are the service's
(services/corrections.py), in one transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain.text_policy import shown
from desktop_app.ui import questions
from desktop_app.ui.context import AppContext

if TYPE_CHECKING:
    from desktop_app.services.corrections import Correctable


class CorrectionDialog(QDialog):
    """One correction: choose the field (when several hold hidden characters), type the new
    value and the reason, 确定(O) and confirm. Opened with open(); `corrected` says what was
    done."""

    corrected = Signal(str)  # the service's message

    def __init__(
        self,
        ctx: AppContext,
        receipt: str,
        choices: list[Correctable],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.receipt = receipt
        self.choices = choices
        self.setObjectName("text_correction")
        self.setWindowTitle(f"更正文字 {shown(receipt)}")
        self.setModal(True)

        self.field = QComboBox()
        self.field.setObjectName("correction_field")
        self.field.setAccessibleName("要更正的内容")
        for choice in choices:
            self.field.addItem(choice.field.label, choice.field.key)
        self.old = QLabel()
        self.old.setObjectName("correction_old")
        self.old.setTextFormat(Qt.TextFormat.PlainText)
        self.old.setWordWrap(True)
        self.old.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problem = QLabel()
        self.problem.setObjectName("correction_problem")
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #8a5300;")
        self.value = QLineEdit()
        self.value.setObjectName("correction_value")
        self.value.setAccessibleName("更正为")
        self.value.setPlaceholderText("按原件重新输入")
        self.reason = QLineEdit()
        self.reason.setObjectName("correction_reason")
        self.reason.setAccessibleName("更正原因")
        self.reason.setPlaceholderText("必填，如：按身份证原件更正")
        self.message = QLabel()
        self.message.setObjectName("correction_message")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b3261e;")
        self.ok_button = QPushButton("确定(&O)…")
        self.ok_button.setObjectName("correction_ok")
        self.cancel_button = QPushButton("取消(&Q)")
        self.cancel_button.setObjectName("correction_cancel")
        for button in (self.ok_button, self.cancel_button):
            button.setAutoDefault(False)
            button.setDefault(False)

        form = QFormLayout()
        field_label = QLabel("内容(&F)")
        field_label.setBuddy(self.field)
        form.addRow(field_label, self.field)
        form.addRow("原为", self.old)
        form.addRow("", self.problem)
        value_label = QLabel("更正为(&V)")
        value_label.setBuddy(self.value)
        form.addRow(value_label, self.value)
        reason_label = QLabel("原因(&R)")
        reason_label.setBuddy(self.reason)
        form.addRow(reason_label, self.reason)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.ok_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("这项文字含有看不见的字符，导出时会被跳过。请按原件更正："))
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.setMinimumWidth(560)

        self.field.currentIndexChanged.connect(self._show_choice)
        self.ok_button.clicked.connect(self.confirm)
        self.cancel_button.clicked.connect(self.reject)
        self._show_choice()
        self.value.setFocus()

    def current(self) -> Correctable:
        return self.choices[max(self.field.currentIndex(), 0)]

    def _show_choice(self, *_args: object) -> None:
        choice = self.current()
        self.old.setText(shown(choice.value))
        self.problem.setText(choice.problem)
        self.message.clear()
        # A wrapped label's height depends on the width: a window's own size does not follow
        # it by itself, so the rows would overlap.
        self.adjustSize()

    def confirm(self) -> None:
        """确定: check the new value and the reason, ask (取消 the default), then correct."""
        from desktop_app.services.applications import field_text
        from desktop_app.services.corrections import correct_text
        from desktop_app.ui.errors import known_message, message_for

        choice = self.current()
        field = choice.field
        try:
            new = field_text(self.value.text(), field.path)
        except ValueError as exc:  # InputError: the text policy, the length
            self._refuse(getattr(exc, "message", str(exc)), self.value)
            return
        if new is None and field.required:
            self._refuse(f"{field.label}不能为空，请按原件输入。", self.value)
            return
        reason = self.reason.text().strip()
        if not reason:
            self._refuse("请写明更正的原因（如：按身份证原件更正）。", self.reason)
            return
        after = "（空）" if new is None else f"“{new}”"
        if not questions.ask(
            self,
            "确认更正",
            f"把申请 {shown(self.receipt)} 的{field.label}\n由“{shown(choice.value)}”\n"
            f"改为{after}？\n\n原因：{shown(reason)}\n更正前后的内容和原因将记入审计记录。",
            yes="更正(&Y)",
            no="取消(&N)",
        ):
            self.message.setText("未更正。")
            return
        try:
            result = correct_text(
                self.ctx.require_store(),
                self.receipt,
                field.key,
                self.value.text(),
                reason=reason,
                actor=self.ctx.clerk,
                seen=choice.value,
            )
        except Exception as exc:
            if known_message(exc) is None:
                raise  # a bug: the global hook logs it and shows its dialog
            self._refuse(message_for(exc), self.value)
            return
        self.corrected.emit(result.message)
        self.accept()

    def _refuse(self, text: str, focus: QWidget) -> None:
        self.message.setText(text)
        focus.setFocus()
