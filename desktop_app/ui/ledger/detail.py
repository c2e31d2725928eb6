"""One application, opened from the ledger: member, certificate, the decision stored when it
was saved (each finding with its source), status history and audit events; the status
change (退回 needs a reason); and 更正文字 for a text that holds a character the text policy
refuses (ui/ledger/correction.py)."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain import status as statuses
from desktop_app.domain.text_policy import shown
from desktop_app.ui import questions
from desktop_app.ui.access import gate
from desktop_app.ui.context import AppContext

if TYPE_CHECKING:
    from desktop_app.services.corrections import Correctable
    from desktop_app.services.ledger_view import Detail, LedgerRow
    from desktop_app.services.status import Undoable

CHOOSE = "（请选择新状态）"

_CSS = """
h2 { font-size: 12pt; margin: 10px 0 4px 0; }
table.grid { border-collapse: collapse; }
table.grid td, table.grid th { border: 1px solid #c8c8c8; padding: 3px 6px; vertical-align: top; }
th { background: #eef1f5; text-align: left; font-weight: normal; color: #333; }
.pass { color: #1b6e20; } .fail { color: #b3261e; } .muted { color: #666; }
.warn { color: #8a5300; }
"""


def _rows(pairs: tuple[tuple[str, str], ...]) -> str:
    cells = "".join(
        f"<tr><th width='22%'>{escape(label)}</th><td>{escape(value)}</td></tr>"
        for label, value in pairs
    )
    return f"<table class='grid' cellspacing='0' width='100%'>{cells}</table>"


def _table(header: tuple[str, ...], rows: list[str]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    return (
        f"<table class='grid' cellspacing='0' width='100%'><tr>{head}</tr>{''.join(rows)}</table>"
    )


def detail_html(detail: Detail) -> str:
    """The detail as HTML: the presenter's words (numbers already masked by the service)."""
    from desktop_app.services import presenter

    parts = [f"<style>{_CSS}</style>"]
    for section in presenter.detail_sections(detail):
        parts.append(f"<h2>{escape(section.title)}</h2>")
        parts.append(_rows(section.rows))

    decision = detail.decision
    eligible = bool(decision.get("eligible"))
    result = presenter.decision_text(eligible, int(decision.get("amount") or 0))
    parts.append(
        f"<h2>补助决定（保存时）：<span class='{'pass' if eligible else 'fail'}'>"
        f"{escape(result)}</span></h2>"
    )
    lines = []
    for finding in decision.get("findings") or []:
        passed = bool(finding.get("passed"))
        caution = bool(finding.get("caution"))
        sign, verdict = presenter.finding_verdict(passed, caution=caution)
        style = "warn" if caution else ("pass" if passed else "fail")
        mark = f"<span class='{style}'>{sign} {verdict}</span>"
        lines.append(
            f"<tr><td>{mark}</td><td>{escape(str(finding.get('message', '')))}</td>"
            f"<td class='muted'>{escape(str(finding.get('source', '')))}</td></tr>"
        )
    parts.append(_table(("结果", "依据", "出处"), lines))

    parts.append("<h2>状态记录</h2>")
    history = [
        f"<tr><td>{escape(step.get('at', ''))}</td><td>{escape(step.get('to_label', ''))}"
        f"</td><td>{escape(step.get('reason') or '')}</td>"
        f"<td>{escape(step.get('actor', ''))}</td></tr>"
        for step in detail.history
    ]
    parts.append(_table(("时间", "状态", "原因", "经办人"), history))
    parts.append("<h2>审计记录</h2>")
    events = [
        f"<tr><td>{escape(str(event.get('at', '')))}</td>"
        f"<td>{escape(presenter.action_text(event))}</td>"
        f"<td>{escape(presenter.event_text(event))}</td>"
        f"<td>{escape(str(event.get('actor', '')))}</td></tr>"
        for event in detail.events
    ] or ["<tr><td colspan='4' class='muted'>（无）</td></tr>"]
    parts.append(_table(("时间", "操作", "内容", "经办人"), events))
    technical = presenter.technical_text(
        detail.row.scheme, str(decision.get("policy_sha256") or "") or None
    )
    parts.append(f"<h2>技术信息</h2><p class='muted'>供技术支持核对：{escape(technical)}</p>")
    # A text stored before the text policy: its control and bidi characters as ⟨U+XXXX⟩.
    return shown("".join(parts))


class DetailDialog(QDialog):
    """Opened with open() (not exec): the window stays responsive, tests drive it directly."""

    status_changed = Signal(object)  # the LedgerRow after the change

    def __init__(self, ctx: AppContext, receipt: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.receipt = receipt
        self.detail: Detail | None = None
        self.setObjectName("ledger_detail")
        self.setWindowTitle(f"申请详情 {receipt}")
        self.resize(900, 640)

        self.heading = QLabel()
        self.heading.setObjectName("detail_heading")
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        self.heading.setFont(font)
        self.text = QTextBrowser()
        self.text.setObjectName("detail_text")
        self.text.setOpenLinks(False)
        self.text.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        # A status change is a deliberate act: nothing is preselected, no button is the
        # dialog's default (Enter, held down or pressed again, presses nothing), and the
        # change itself is confirmed in a question whose default is 取消.
        self.target = QComboBox()
        self.target.setObjectName("status_target")
        self.target.setAccessibleName("改为状态")
        self.reason = QLineEdit()
        self.reason.setObjectName("status_reason")
        self.reason.setAccessibleName("原因")
        self.reason.setPlaceholderText("原因（退回时必填）")
        self.apply_button = QPushButton("更改状态(&S)…")
        self.apply_button.setObjectName("status_apply")
        self.undo_button = QPushButton("撤销刚才的更改(&U)…")
        self.undo_button.setObjectName("status_undo")
        self.undo_button.hide()
        self.undoable: Undoable | None = None
        self.close_button = QPushButton("关闭(&C)")
        self.close_button.setObjectName("detail_close")
        self.annex_button = QPushButton("打印申请表（附件2）(&A)")
        self.annex_button.setObjectName("print_annex2")
        self.receipt_button = QPushButton("打印回执(&P)")
        self.receipt_button.setObjectName("print_receipt")
        self.correct_button = QPushButton("更正文字(&T)…")
        self.correct_button.setObjectName("correct_text")
        self.correct_button.setToolTip("这份申请有文字含看不见的字符，导出时会被跳过：按原件更正")
        self.correct_button.hide()
        self.correction: QDialog | None = None
        self.correctable: list[Correctable] = []
        for button in (
            self.correct_button,
            self.apply_button,
            self.undo_button,
            self.close_button,
            self.annex_button,
            self.receipt_button,
        ):
            button.setAutoDefault(False)
            button.setDefault(False)
        self.preview: QWidget | None = None
        self.message = QLabel()
        self.message.setObjectName("status_message")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)

        status_row = QHBoxLayout()
        target_label = QLabel("改为(&G)")
        target_label.setBuddy(self.target)
        status_row.addWidget(target_label)
        status_row.addWidget(self.target)
        reason_label = QLabel("原因(&R)")
        reason_label.setBuddy(self.reason)
        status_row.addWidget(reason_label)
        status_row.addWidget(self.reason, 1)
        status_row.addWidget(self.apply_button)
        status_row.addWidget(self.undo_button)
        status_row.addWidget(self.close_button)

        print_row = QHBoxLayout()
        print_row.addWidget(self.annex_button)
        print_row.addWidget(self.receipt_button)
        print_row.addStretch(1)
        print_row.addWidget(self.correct_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(print_row)
        layout.addWidget(self.text, 1)
        layout.addLayout(status_row)
        layout.addWidget(self.message)

        self.setTabOrder(self.text, self.target)
        self.setTabOrder(self.target, self.reason)
        self.setTabOrder(self.reason, self.apply_button)
        self.setTabOrder(self.apply_button, self.undo_button)
        self.setTabOrder(self.undo_button, self.close_button)

        self.apply_button.clicked.connect(self.apply_status)
        self.undo_button.clicked.connect(self.undo_change)
        self.target.currentIndexChanged.connect(self._target_changed)
        self.close_button.clicked.connect(self.reject)
        self.annex_button.clicked.connect(lambda: self.print_form("annex2"))
        self.receipt_button.clicked.connect(lambda: self.print_form("receipt"))
        self.correct_button.clicked.connect(self.correct_text)
        QShortcut(QKeySequence("Ctrl+W"), self, activated=self.reject)
        QShortcut(QKeySequence("Ctrl+P"), self, activated=lambda: self.print_form("auto"))
        self.load()
        self.text.setFocus()

    # --- content ---------------------------------------------------------------------------

    def load(self) -> None:
        from desktop_app.services.ledger_view import (
            application_detail,
            next_statuses,
            withheld_statuses,
        )

        detail = application_detail(self.ctx.require_store(), self.receipt)
        self.detail = detail
        row = detail.row
        self.heading.setText(
            shown(f"{row.receipt}　{row.name}　{row.id_number}　状态：{row.status_label}")
        )
        scroll = self.text.verticalScrollBar().value()
        self.text.setHtml(detail_html(detail))
        self.text.verticalScrollBar().setValue(scroll)
        self.target.blockSignals(True)
        self.target.clear()
        store = self.ctx.require_store()
        choices = next_statuses(row.status, store)
        withheld = withheld_statuses(row.status, store)
        self.target.setToolTip(withheld)
        empty = "（您的角色不能改变这份申请的状态）" if withheld else "（已是最终状态）"
        self.target.addItem(CHOOSE if choices else empty, None)
        for code, label in choices:
            self.target.addItem(label, code)
        self.target.setCurrentIndex(0)
        self.target.blockSignals(False)
        for widget in (self.target, self.reason):
            widget.setEnabled(bool(choices))
        self._target_changed()
        self._offer_undo()
        self._print_choices()
        gate(
            self.annex_button, self.ctx, "application.print", enabled=self.annex_button.isEnabled()
        )
        gate(self.receipt_button, self.ctx, "application.print")
        self._offer_correction()

    def _print_choices(self) -> None:
        from desktop_app.services.printing import form_choices

        for choice in form_choices(self.ctx.require_store(), self.receipt):
            if choice.id == "annex2":
                self.annex_button.setEnabled(choice.applies)
                self.annex_button.setToolTip(
                    "打印北京市专职工会社会工作者职业发展助推计划申请表（附件2）"
                    if choice.applies
                    else f"这份申请不用附件2：{choice.refusal}"
                )
        self.receipt_button.setToolTip("打印受理回执（给申请人签字留存）")

    def print_form(self, form: str) -> None:
        """The print preview of one form of this application (non-blocking)."""
        from desktop_app.ui.printing.preview import open_preview

        if form == "annex2" and not self.annex_button.isEnabled():
            return
        if self.preview is not None:
            self.preview.close()
            self.preview.deleteLater()
        self.preview = open_preview(self.ctx, self.receipt, form=form, parent=self)
        if self.preview is not None:
            self.preview.printed.connect(self._printed)  # type: ignore[attr-defined]

    def _printed(self, _receipts: list[str]) -> None:
        self.load()
        assert self.detail is not None
        self.status_changed.emit(self.detail.row)

    def _target_changed(self, *_args: object) -> None:
        target = self.target.currentData()
        self.apply_button.setEnabled(bool(target))
        needs = target in statuses.NEEDS_REASON
        self.reason.setPlaceholderText(
            f"{statuses.label(target)}原因（必填）" if needs else "原因（可不填）"
        )

    def _offer_undo(self) -> None:
        from desktop_app.services.status import undoable_change

        clerk = self.ctx.clerk_name  # '' before 首次设置: nothing of theirs to undo
        self.undoable = (
            undoable_change(
                self.ctx.require_store(),
                self.receipt,
                actor=clerk,
                since=self.ctx.session_started,
            )
            if clerk
            else None
        )
        self.undo_button.setVisible(self.undoable is not None)
        if self.undoable is not None:
            self.undo_button.setToolTip(f"撤销：{self.undoable.text}（记入状态记录和审计记录）")

    # --- correcting a text ---------------------------------------------------------------------

    def _offer_correction(self) -> None:
        from desktop_app.services.corrections import correctable_fields
        from desktop_app.services.permissions import allowed

        store = self.ctx.require_store()
        # Only a role that may correct is offered it (the service asks again).
        self.correctable = (
            correctable_fields(store, self.receipt) if allowed(store, "audit.correct") else []
        )
        self.correct_button.setVisible(bool(self.correctable))

    def correct_text(self) -> None:
        """更正文字: the correction dialog for this application's hidden characters."""
        from desktop_app.ui.ledger.correction import CorrectionDialog

        if not self.correctable:
            return
        dialog = CorrectionDialog(self.ctx, self.receipt, self.correctable, parent=self)
        dialog.corrected.connect(self._changed)
        self.correction = dialog
        dialog.open()

    # --- the status change -------------------------------------------------------------------

    def _confirm_change(self, target: str, reason: str) -> bool:
        """The clerk confirms the change (取消 is the default); 已发放 and 退回 twice."""
        assert self.detail is not None
        row = self.detail.row
        old, new = statuses.label(row.status), statuses.label(target)
        amount = f"补助金额：{row.amount} 元" if row.eligible else "补助金额：不予补助"
        text = (
            f"把申请 {row.receipt}（{row.name}，身份证号 {row.id_number}）的状态\n"
            f"由“{old}”改为“{new}”？\n\n{amount}" + (f"\n原因：{reason}" if reason else "")
        )
        if not questions.ask(self, "确认更改状态", text, yes=f"改为“{new}”(&Y)", no="取消(&N)"):
            return False
        if target not in statuses.CONFIRM_TWICE:
            return True
        if target == statuses.PAID:
            again = (
                f"请再次确认：{row.name}的补助 {row.amount} 元已经发放。\n"
                "改为“已发放”后不能撤销，如有错误只能以后补记更正。"
            )
        else:
            again = (
                f"请再次确认退回申请 {row.receipt}（{row.name}）。\n"
                f"退回原因：{reason}\n退回后这份申请不再占用该项补助，申请人可重新申请。"
            )
        return questions.ask(
            self,
            f"再次确认：{new}",
            again,
            yes=f"确认{new}(&Q)",
            no="取消(&N)",
            icon=QMessageBox.Icon.Warning,
        )

    def apply_status(self) -> None:
        from desktop_app.services.status import change_status

        target = self.target.currentData()
        if not target:
            return
        reason = self.reason.text().strip()
        if target in statuses.NEEDS_REASON and not reason:
            self._say(
                f"{statuses.label(target)}必须写明原因：请在“原因”里写明为什么{statuses.label(target)}。",
                error=True,
            )
            self.reason.setFocus()
            return
        if not self._confirm_change(target, reason):
            self._say("未更改状态。", error=False)
            return
        done = self._run(
            lambda store: change_status(
                store, self.receipt, target, actor=self.ctx.clerk, reason=reason or None
            )
        )
        if done:
            self.reason.clear()
            self._changed(f"已改为“{statuses.label(target)}”。")

    def undo_change(self) -> None:
        from desktop_app.services.status import undo_status_change

        undoable = self.undoable
        if undoable is None:
            return
        if not questions.ask(
            self,
            "撤销更改",
            f"撤销刚才的更改（{undoable.text}），把申请 {self.receipt} 改回"
            f"“{statuses.label(undoable.from_status)}”？\n撤销也记入状态记录和审计记录。",
            yes="撤销更改(&Y)",
            no="取消(&N)",
        ):
            return
        done = self._run(
            lambda store: undo_status_change(
                store,
                self.receipt,
                actor=self.ctx.clerk,
                step=undoable.step,
                since=self.ctx.session_started,
            )
        )
        if done:
            self._changed(f"已撤销，改回“{statuses.label(undoable.from_status)}”。")

    def _run(self, change: Any) -> bool:
        """Run a status use case; a refusal is said in the dialog, a bug goes to the hook."""
        from desktop_app.ui.errors import known_message, message_for

        try:
            change(self.ctx.require_store())
        except Exception as exc:
            if known_message(exc) is None:
                raise  # a bug: the global hook logs it and shows its dialog
            self._say(message_for(exc), error=True)
            self.load()
            return False
        return True

    def _changed(self, text: str) -> None:
        self.load()
        self._say(text, error=False)
        assert self.detail is not None
        row: LedgerRow = self.detail.row
        self.status_changed.emit(row)
        self.ctx.applications_changed.emit(self.receipt)
        self.text.setFocus()

    def _say(self, text: str, *, error: bool) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("color: #b3261e;" if error else "color: #1b6e20;")
