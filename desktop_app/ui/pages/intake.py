"""受理: find the occupation, type the member and the certificate, see the subsidy, save.

The page holds no rules: which fields a kind uses, the inline checks and the `apply` mapping
come from `services.intake_form`; the decision from `services.quote`; saving from
`services.applications`; the crash-safe draft from `services.drafts`.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop_app.services import intake_form as rules
from desktop_app.ui.access import gate
from desktop_app.ui.context import AppContext
from desktop_app.ui.intake import dialogs
from desktop_app.ui.intake.decision_panel import DecisionPanel
from desktop_app.ui.intake.field_forms import FieldForms, style_form
from desktop_app.ui.intake.receipt_banner import ReceiptBanner
from desktop_app.ui.intake.search import SearchBox
from desktop_app.ui.intake.widgets import ChoiceCombo
from desktop_app.ui.pages.base import Page

if TYPE_CHECKING:
    from desktop_app.services.catalogue import CatalogueRow

log = logging.getLogger(__name__)

DRAFT_DELAY_MS = 400


class IntakePage(Page):
    title = "受理"

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.setObjectName("intake_page")
        # The counter's clock: the entry day of a save (tests set another).
        self.now: Callable[[], datetime] = datetime.now
        self.row: CatalogueRow | None = None
        self.receipt: str | None = None
        self._dirty = False
        self._loading = False
        self._default_day = ""  # the 登记日期 shown by default, while the clerk has not typed one
        self._typing: str | None = None
        self._problems: dict[str, str] = {}
        self._asked: tuple[str, ...] = ()
        self._card_needed = False
        self._draft_offer_pending = self._draft_exists()
        self.last_decision: Any = None

        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(DRAFT_DELAY_MS)
        self._draft_timer.timeout.connect(self.write_draft)

        self.search = SearchBox(ctx.catalogue, self)
        self.search.chosen.connect(self.choose)

        self.fields = FieldForms(
            changed=lambda field, typing: self._changed(field, typing=typing), left=self._left
        )
        self.boxes = self.fields.boxes
        self.forms = self.fields.forms
        self.row_labels = self.fields.row_labels

        member = self.fields.group("申请人", "member", rules.MEMBER_FIELDS)
        certificate = QGroupBox("证书或竞赛成绩")
        cert_box = QVBoxLayout(certificate)
        cert_form = QFormLayout()
        self.cert_form = cert_form
        style_form(cert_form)
        self.chosen_label = QLabel("（请先在上方查找并选择职业（工种）、项目或竞赛）")
        self.chosen_label.setObjectName("chosen_entry")
        self.chosen_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        cert_box.addWidget(self.chosen_label)
        cert_box.addLayout(cert_form)
        self.fields.add_rows(cert_form, rules.CERTIFICATE_FIELDS)
        registration = self.fields.group("登记", "registration", rules.REGISTRATION_FIELDS)
        confirmations = self.fields.group("确认事项", "confirm", rules.CONFIRMATIONS)
        self.no_questions = QLabel("（所选方案无需确认事项）")
        confirmations.layout().addWidget(self.no_questions)  # type: ignore[union-attr]

        self.message = QLabel()
        self.message.setObjectName("intake_message")
        self.message.setWordWrap(True)
        self.save_button = QPushButton("保存（Ctrl+S）")
        self.save_button.setObjectName("save_button")
        self.save_button.clicked.connect(self.save)
        self.clear_button = QPushButton("下一位 / 清空（Ctrl+N）")
        self.clear_button.setObjectName("clear_button")
        self.clear_button.clicked.connect(self.next_member)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.clear_button)
        buttons.addStretch(1)

        self.form_widget = QWidget()
        form_layout = QVBoxLayout(self.form_widget)
        form_layout.setContentsMargins(0, 0, 6, 0)
        form_layout.addWidget(member)
        form_layout.addWidget(certificate)
        form_layout.addWidget(confirmations)
        form_layout.addWidget(registration)  # last: it is today's date unless entered late
        form_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.form_widget)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.scroll = scroll

        # The receipt after saving: big, with the way on to the next member.
        self.banner = ReceiptBanner()
        self.receipt_label = self.banner.label
        self.receipt_note = self.banner.note
        self.next_button = self.banner.next_button
        self.next_button.clicked.connect(self.next_member)
        self.print_button = self.banner.print_button
        self.print_button.clicked.connect(self.print_saved)
        self.preview: QWidget | None = None

        self.decision = DecisionPanel()

        left = QVBoxLayout()
        left.addWidget(scroll, 1)
        left.addWidget(self.message)
        left.addLayout(buttons)
        body = QHBoxLayout()
        body.addLayout(left, 11)
        body.addWidget(self.decision, 9)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.banner)
        layout.addLayout(body, 1)

        for keys, slot in (
            ("Ctrl+S", self.save),
            ("Ctrl+N", self.next_member),
            ("Ctrl+F", self.focus_search),
            ("Ctrl+P", self.print_saved),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)

        self._show_today()
        self.forms["late_entry_reason"].setRowVisible(self.boxes["late_entry_reason"], False)
        self._apply_kind()
        self.search.results.raise_()

    # --- building ------------------------------------------------------------------------------

    def _tab_chain(self, kind: str | None = None) -> None:
        certificate = rules.fields_for(kind)
        order: list[QWidget] = [self.search.edit]
        order += [self.boxes[f].editor for f in rules.MEMBER_FIELDS]
        order += [self.boxes[f].editor for f in certificate]
        order += [self.boxes[f].editor for f in rules.CERTIFICATE_FIELDS if f not in certificate]
        order += [self.boxes[f].editor for f in rules.CONFIRMATIONS]
        order += [self.boxes[f].editor for f in rules.REGISTRATION_FIELDS]
        order += [self.save_button, self.clear_button, self.decision.findings]
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)
        self.tab_order = order

    def tab_fields(self) -> list[QWidget]:
        """The editors in Tab order that the clerk can reach now."""
        return [w for w in self.tab_order if w.isVisibleTo(self) and w.isEnabled()]

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.search.results.isVisible():
            self.search.place_results()

    # --- the page's life -----------------------------------------------------------------------

    def section_shown(self) -> None:
        gate(self.save_button, self.ctx, "application.save", enabled=self.banner.isHidden())
        self._focus_first()

    def offer_pending_draft(self) -> None:
        """Called once as the window first shows, before the clerk can type: a draft left by
        a crash is offered back (main_window.MainWindow.showEvent)."""
        if self._draft_offer_pending:
            self._draft_offer_pending = False
            self.offer_draft()

    def _focus_first(self) -> None:
        if self.receipt is not None:
            self.next_button.setFocus()
        else:
            self.focus_search()

    def window_closing(self) -> None:
        if self._draft_timer.isActive() or self._dirty:
            self._draft_timer.stop()
            self.write_draft()

    def focus_search(self) -> None:
        if self.search.edit.isEnabled():
            self.search.edit.setFocus()
            self.search.edit.selectAll()

    # --- choosing a catalogue row --------------------------------------------------------------

    def choose(self, row: CatalogueRow) -> None:
        self.row = row
        self._apply_kind()
        self._changed("entry.name")
        target = self._first_empty_member_field()
        if target is None:
            fields = rules.fields_for(row.entry.kind)
            target = self.boxes[fields[0]].editor if fields else self.save_button
        target.setFocus()

    def _first_empty_member_field(self) -> QWidget | None:
        for field in ("member.name", "member.id_number"):
            editor = self.boxes[field].editor
            if isinstance(editor, QLineEdit) and not editor.text().strip():
                return editor
        return None

    def _apply_kind(self) -> None:
        """Show only the fields and questions the chosen row's kind and scheme use."""
        row = self.row
        kind = row.entry.kind if row else None
        used = set(rules.fields_for(kind))
        self._asked = rules.confirmations_for(row.policy if row else None, kind)
        self._card_needed = rules.card_required(row.policy if row else None, kind)
        # The certificate rows in the order of this kind's paper form (and Tab follows it).
        for field in rules.CERTIFICATE_FIELDS:
            box, label = self.boxes[field], self.row_labels[field]
            if self.cert_form.indexOf(box) >= 0:
                self.cert_form.takeRow(box)
            box.hide()
            label.hide()
            label.setText(rules.label(field, kind))
        for field in rules.fields_for(kind):
            box, label = self.boxes[field], self.row_labels[field]
            self.cert_form.addRow(label, box)
            box.show()
            label.show()
        self._tab_chain(kind)
        for field in rules.CONFIRMATIONS:
            self.forms[field].setRowVisible(self.boxes[field], field in self._asked)
        self.no_questions.setVisible(row is not None and not self._asked)
        card_label = rules.label("member.card_number")
        self.row_labels["member.card_number"].setText(
            card_label + ("" if self._card_needed or row is None else "（选填）")
        )
        level = self.boxes["certificate.level"].editor
        grade = self.boxes["certificate.grade"].editor
        assert isinstance(level, ChoiceCombo) and isinstance(grade, ChoiceCombo)
        self._loading, was_loading = True, self._loading
        try:
            if row is not None and "certificate.level" in used:
                level.set_choices(
                    rules.level_choices(row.policy, kind or "", row.entry.tier, row.entry.levels)
                )
            else:
                level.set_choices(())
            grade.set_choices(rules.grade_choices(row.entry.grades) if row else ())
        finally:
            self._loading = was_loading
        if row is None:
            self.chosen_label.setText("（请先在上方查找并选择职业（工种）、项目或竞赛）")
            self._set_chosen_bold(False)
        else:
            entry = row.entry
            parts = [entry.name + (f"（{entry.code}）" if entry.code else "")]
            parts.append(f"{row.policy.short_name} · {row.kind_label}")
            if entry.tier:
                parts.append(f"{entry.tier}档")
            if row.amounts_text:
                parts.append(row.amounts_text)
            if entry.scope:
                parts.append(f"助推范围：{entry.scope}")
            self.chosen_label.setText("\n".join(parts))
            self._set_chosen_bold(True)

    def _set_chosen_bold(self, bold: bool) -> None:
        font = self.chosen_label.font()
        font.setBold(bold)
        self.chosen_label.setFont(font)

    # --- reading and filling the form ----------------------------------------------------------

    def form_state(self) -> dict[str, Any]:
        state: dict[str, Any] = {}
        if self.row is not None:
            state["scheme"] = self.row.policy.id
            state["certificate.kind"] = self.row.entry.kind
            state["entry.name"] = self.row.entry.name
            state["entry.code"] = self.row.entry.code
        for field, box in self.boxes.items():
            editor = box.editor
            if isinstance(editor, ChoiceCombo):
                state[field] = editor.value()
            elif isinstance(editor, QLineEdit):
                state[field] = editor.text()
        registered = state.get("applied_on", "").strip()
        if registered and registered in (self._today_text(), self._default_day):
            if registered != self._today_text():
                self._show_today()  # open past midnight, never touched: today, not yesterday
            state["applied_on"] = ""  # left as it is: the day of entry
        return state

    def _today_text(self) -> str:
        return self.now().date().isoformat()

    def _show_today(self) -> None:
        """Show today's date as the 登记日期 the clerk has not touched."""
        self._loading, was_loading = True, self._loading
        try:
            self._default_day = self._today_text()
            self._line("applied_on").setText(self._default_day)
        finally:
            self._loading = was_loading

    def load_state(self, state: dict[str, Any]) -> None:
        """Fill the form from a state (a restored draft)."""
        self._loading = True
        try:
            self.row = self._find_row(state)
            self._apply_kind()
            if self.row is not None:
                self.search.set_text_quietly(self.row.entry.name)
            for field, box in self.boxes.items():
                editor = box.editor
                value = state.get(field)
                if isinstance(editor, ChoiceCombo):
                    editor.set_value(value)
                elif isinstance(editor, QLineEdit):
                    editor.setText(value if isinstance(value, str) else "")
            if not self._line("applied_on").text().strip():
                self._show_today()
        finally:
            self._loading = False
        self._dirty = True
        self._refresh(None)

    def _find_row(self, state: dict[str, Any]) -> CatalogueRow | None:
        name = state.get("entry.name")
        if not isinstance(name, str) or not name:
            return None
        for query in (state.get("entry.code"), name):
            if not isinstance(query, str) or not query:
                continue
            for row in self.ctx.catalogue().search(query, limit=None):
                if (
                    row.policy.id == state.get("scheme")
                    and row.entry.kind == state.get("certificate.kind")
                    and row.entry.name == name
                ):
                    return row
        return None

    def clear(self) -> None:
        self._loading = True
        try:
            self.row = None
            self.receipt = None
            self._problems = {}
            self._apply_kind()
            for box in self.boxes.values():
                editor = box.editor
                if isinstance(editor, QComboBox):
                    editor.setCurrentIndex(0)
                elif isinstance(editor, QLineEdit):
                    editor.clear()
                box.set_note(None)
            self._show_today()
            self.search.set_text_quietly("")
        finally:
            self._loading = False
        self._dirty = False
        self._draft_timer.stop()
        self._set_locked(False)
        self.message.clear()
        self._refresh(None)

    # --- live checks and decision --------------------------------------------------------------

    def _changed(self, field: str, *, typing: bool = False) -> None:
        if self._loading or self.receipt is not None:
            return
        self._dirty = True
        if field == "applied_on":
            self._default_day = ""  # typed by the clerk: kept as typed, whatever the day
        self._typing = field if typing else None
        self._problems.pop(field, None)
        self._refresh(self._typing)
        self._draft_timer.start()

    def _left(self, field: str) -> None:
        if self._typing == field:
            self._typing = None
            self._refresh(None)

    def _line(self, field: str) -> QLineEdit:
        editor = self.boxes[field].editor
        assert isinstance(editor, QLineEdit)
        return editor

    def _opens(self) -> date | None:
        return rules.scheme_opens(self.row.policy.id) if self.row is not None else None

    def _refresh(self, typing: str | None) -> None:
        state = self.form_state()
        today = self.now().date()
        notes = rules.field_notes(state, today=today, typing=typing, opens=self._opens())
        # 补录原因 is asked for only when the registration date is earlier than today.
        late = rules.is_late_entry(state, today) or bool(state.get("late_entry_reason"))
        self.forms["late_entry_reason"].setRowVisible(self.boxes["late_entry_reason"], late)
        for field, box in self.boxes.items():
            note = notes.get(field)
            if note is not None:
                box.set_note(note.text, blocking=note.blocking)
            elif field in self._problems:
                box.set_note(self._problems[field])
            else:
                box.set_note(None)
        if not self._problems:
            self.message.clear()
        self._quote(state, today, notes)

    def _quote(self, state: dict[str, Any], today: date, notes: dict[str, Any]) -> None:
        from desktop_app.domain.facts import InputError
        from desktop_app.services.policies import SchemeUnavailableError
        from desktop_app.services.quote import quote_mapping

        self.last_decision = None
        if self.row is None:
            self.decision.show_waiting("请先在上方查找并选择职业（工种）、项目或竞赛")
            return
        mapping = rules.build_mapping(state, today=today)
        try:
            decision = quote_mapping(mapping)
        except InputError as exc:
            self.decision.show_problem(f"{rules.label(exc.field)}：{exc.message}")
            return
        except SchemeUnavailableError as exc:
            self.decision.show_problem(str(exc))
            return
        self.last_decision = decision
        pending = rules.pending_fields(
            state,
            decision.missing,
            asked=self._asked,
            card_needed=self._card_needed,
            today=today,
        )
        labels = [rules.label(f, state.get("certificate.kind")) for f in pending]
        bad = sum(1 for note in notes.values() if note.blocking)
        note = f"有 {bad} 项输入有误，改正后才能保存" if bad else ""
        self.decision.show_decision(decision, labels, note)

    # --- saving --------------------------------------------------------------------------------

    def save(self) -> None:
        if self.receipt is not None:
            self.message.setText(f"这份申请已保存（受理编号 {self.receipt}）。下一位请按 Ctrl+N。")
            return
        from desktop_app.domain.facts import InputError
        from desktop_app.errors import ClerkError
        from desktop_app.services.applications import DuplicateClaimError, save_application
        from desktop_app.services.station_settings import StationNotSetError
        from desktop_app.ui.errors import show_error

        state = self.form_state()
        now = self.now()
        today = now.date()
        problems = rules.save_problems(
            state,
            asked=self._asked,
            card_needed=self._card_needed,
            today=today,
            opens=self._opens(),
        )
        if problems:
            self._refuse(problems)
            return
        mapping = rules.build_mapping(state, today=today)
        try:
            saved = save_application(
                self.ctx.require_store(), mapping, clerk=self.ctx.clerk, now=now
            )
        except InputError as exc:
            self._refuse({exc.field: exc.message})
            return
        except DuplicateClaimError as exc:
            self.message.setText("未保存：同一补助已经受理过。")
            dialogs.duplicate(self, exc.message, dict(exc.first))
            return
        except StationNotSetError as exc:
            self.message.setText("未保存：尚未设置服务站。")
            dialogs.inform(
                self, "服务站未设置", f"{exc.message}\n\n按 Ctrl+4 打开“设置”。输入的内容不会丢失。"
            )
            return
        except ClerkError as exc:  # the store (locked, disk full, …) or not ready yet
            self.message.setText("未保存。")
            show_error(self, exc, "未能保存")
            return
        self.receipt = saved.receipt
        self._draft_timer.stop()
        self._dirty = False
        self._discard_draft()
        amount = (
            f"可补助 {saved.decision.amount} 元" if saved.decision.eligible else "不符合补助条件"
        )
        self.receipt_label.setText(f"已保存　受理编号：{saved.receipt}")
        note = f"{amount}。请把受理编号告诉申请人。打印请按 Ctrl+P，下一位请按 Ctrl+N。"
        if saved.warnings:
            note += "\n请注意：" + "；".join(saved.warnings)
        self.receipt_note.setText(note)
        self.message.setText(f"已保存，受理编号 {saved.receipt}")
        self._set_locked(True)
        self.ctx.applications_changed.emit(saved.receipt)

    def print_saved(self) -> None:
        """The preview of the saved application's form (Annex 2 where it applies, else the
        receipt; the other one can be chosen there)."""
        from desktop_app.ui.printing.preview import open_preview

        if self.receipt is None:
            self.message.setText("请先保存（Ctrl+S），保存后才能打印。")
            return
        if self.preview is not None:
            self.preview.close()
            self.preview.deleteLater()
        self.preview = open_preview(self.ctx, self.receipt, parent=self)

    def _refuse(self, problems: dict[str, str]) -> None:
        self._problems = {k: v for k, v in problems.items() if k in self.boxes}
        for field, text in self._problems.items():
            self.boxes[field].set_note(text)
        first = next(iter(problems))
        what = rules.label(first) if first in self.boxes else "目录条目"
        self.message.setText(
            f"未保存：请先改正标红的项目（共 {len(problems)} 项），"
            f"第一项是“{what}”：{problems[first]}"
        )
        self.message.setStyleSheet("color: #b3261e;")
        if first in self.boxes:
            box = self.boxes[first]
            self.scroll.ensureWidgetVisible(box)
            box.editor.setFocus()
        else:
            self.focus_search()

    def _set_locked(self, locked: bool) -> None:
        self.form_widget.setEnabled(not locked)
        self.search.setEnabled(not locked)
        gate(self.save_button, self.ctx, "application.save", enabled=not locked)
        self.banner.setVisible(locked)
        if locked:
            self.message.setStyleSheet("color: #1b7a34;")
            self.next_button.setFocus()
        else:
            self.message.setStyleSheet("")

    def next_member(self) -> None:
        unsaved = self.receipt is None and self._dirty and rules.has_details(self.form_state())
        if unsaved and not dialogs.ask(
            self, "清空输入", "当前输入尚未保存，清空后将丢失。确定清空，开始下一位吗？"
        ):
            return
        self.clear()
        self._discard_draft()
        self.focus_search()

    # --- the draft -----------------------------------------------------------------------------

    def _draft_exists(self) -> bool:
        from desktop_app.services.drafts import draft_path

        return draft_path(self.ctx.home).exists()

    def write_draft(self) -> None:
        from desktop_app.services.drafts import discard_draft, save_draft

        if self.receipt is not None:
            return
        state = self.form_state()
        try:
            if rules.is_blank(state):
                discard_draft(self.ctx.home)
            else:
                save_draft(self.ctx.home, state)
        except OSError as exc:  # a full disk must not stop the clerk typing
            log.warning("draft not written: %s", exc.strerror)
            self.message.setText("注意：未能暂存输入（磁盘已满或文件夹不可写），请尽快保存。")

    def _discard_draft(self) -> None:
        from desktop_app.services.drafts import discard_draft

        try:
            discard_draft(self.ctx.home)
        except OSError as exc:
            log.warning("draft not removed: %s", exc.strerror)

    def offer_draft(self) -> None:
        from desktop_app.services.drafts import draft_saved_at, load_draft

        state = load_draft(self.ctx.home)
        if state is None or rules.is_blank(state):
            self._discard_draft()
            return
        when = draft_saved_at(self.ctx.home)
        who = str(state.get("member.name") or "").strip() or "未填姓名"
        what = str(state.get("entry.name") or "").strip() or "未选职业（工种）"
        stamp = f"{when:%Y-%m-%d %H:%M}，" if when else ""
        if dialogs.restore_draft(
            self,
            f"恢复上次未保存的输入？\n（{stamp}{who}，{what}）\n\n"
            "选“不恢复”时，这份输入另存在数据文件夹的 drafts/discarded 中。",
        ):
            self.load_state(state)
            self.message.setText("已恢复上次未保存的输入，请核对后保存。")
            self.ctx_show_intake()
            self.boxes["member.name"].editor.setFocus()
        else:
            self._set_aside_draft()

    def ctx_show_intake(self) -> None:
        """Bring 受理 to the front (the window may have opened on another section)."""
        window = self.window()
        show = getattr(window, "show_section", None)
        if callable(show):
            show("intake")

    def _set_aside_draft(self) -> None:
        from desktop_app.services.drafts import set_aside_draft

        try:
            set_aside_draft(self.ctx.home)
        except OSError as exc:
            log.warning("draft not set aside: %s", exc.strerror)
