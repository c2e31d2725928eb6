"""The 受理 form's rows: one editor per field of `services.intake_form`, each in a FieldBox with
its label, grouped in form layouts. The page reads and fills them by field name."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QWidget

from desktop_app.services import intake_form as rules
from desktop_app.ui.intake.widgets import ChoiceCombo, FieldBox, LineEdit, yes_no_combo

DATE_HINT = "YYYY-MM-DD，如 2026-05-20（也可输入 20260520）"

# (field, typing): a field's value changed, by a key typed in it (typing) or by a choice.
Changed = Callable[[str, bool], None]


def style_form(form: QFormLayout) -> None:
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
    form.setVerticalSpacing(6)


class FieldForms:
    """The editors by field name (`boxes`), their labels (`row_labels`) and the form each row
    is in (`forms`, also by group key). `changed` hears every change, `left` a line left."""

    def __init__(self, changed: Changed, left: Callable[[str], None]) -> None:
        self._changed = changed
        self._left = left
        self.boxes: dict[str, FieldBox] = {}
        self.forms: dict[str, QFormLayout] = {}
        self.row_labels: dict[str, QLabel] = {}

    def group(self, title: str, key: str, fields: tuple[str, ...]) -> QGroupBox:
        """A titled box holding the rows of `fields`; its form is `forms[key]`."""
        box = QGroupBox(title)
        form = QFormLayout(box)
        style_form(form)
        self.forms[key] = form
        self.add_rows(form, fields)
        return box

    def add_rows(self, form: QFormLayout, fields: tuple[str, ...]) -> None:
        for field in fields:
            editor = self.editor(field)
            box = FieldBox(field, editor)
            label = QLabel(rules.label(field))
            label.setBuddy(editor)
            self.boxes[field] = box
            self.row_labels[field] = label
            self.forms[field] = form
            form.addRow(label, box)

    def editor(self, field: str) -> QWidget:
        """The editor a field is typed or chosen in, with its hints and limits."""
        choices = self._choice(field)
        if choices is not None:
            choices.currentIndexChanged.connect(lambda _i, f=field: self._changed(f, False))
            return choices
        edit = LineEdit()
        if field in rules.DATE_FIELDS or field == "applied_on":
            edit.setPlaceholderText(DATE_HINT)
        elif field == "late_entry_reason":
            edit.setPlaceholderText("登记日期早于今天时必填，如：纸质登记表已于当日受理，今日补录")
            edit.setMaxLength(200)
        elif field == "member.id_number":
            edit.setPlaceholderText("18位，最后一位可以是X")
            edit.setMaxLength(24)
        elif field == "member.card_number":
            edit.setPlaceholderText("16至19位数字；没有京卡可不填")
            edit.setMaxLength(32)
        elif field in rules.INT_FIELDS:
            edit.setMaxLength(9)
        edit.textEdited.connect(lambda _t, f=field: self._changed(f, True))
        edit.left.connect(lambda f=field: self._left(f))
        return edit

    @staticmethod
    def _choice(field: str) -> ChoiceCombo | None:
        if field == "certificate.level":
            return ChoiceCombo(placeholder="请选择等级（可按数字 1–5）", keys=rules.LEVEL_KEYS)
        if field == "certificate.grade":
            return ChoiceCombo(
                placeholder="请选择水平级别（可按 1 初级 / 2 中级 / 3 高级）", keys=rules.GRADE_KEYS
            )
        if field == "certificate.stage":
            return ChoiceCombo(
                rules.stage_choices(),
                placeholder="请选择（1 决赛 / 2 复赛）",
                keys=rules.STAGE_KEYS,
            )
        if field in rules.CONFIRMATIONS or field == "certificate.final_held":
            return yes_no_combo()
        return None
