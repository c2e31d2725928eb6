"""台账 → 报送: the window's way through a claim's road after printing (services/submissions.py,
services/results.py): the selected printed applications made into a 报送批次 (asked first, 取消
the default), the batches listed with their 报送清单 to print or export and a whole batch to
withdraw (with a reason, asked first), and the 协会's answer imported. Each action is gated by
the account's permission (the reason as the tooltip); the services check it again.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui import questions
from desktop_app.ui.access import gate
from desktop_app.ui.exchange import common

if TYPE_CHECKING:
    from desktop_app.ui.pages.ledger import LedgerPage

PDF_FILTER = "PDF 文件 (*.pdf)"
COLUMNS = ("批次号", "服务站", "建立时间", "建立人", "份数", "金额（元）", "状态")


def tell(parent: QWidget | None, title: str, text: str) -> None:
    """A done-and-said box (tests replace this to read the text without a modal loop)."""
    QMessageBox.information(parent, title, text)


def choose_pdf_path(parent: QWidget | None, title: str, suggested: Path) -> Path | None:
    """The system save dialog for a PDF; None when cancelled (tests replace this)."""
    name, _filter = QFileDialog.getSaveFileName(parent, title, str(suggested), PDF_FILTER)
    if not name:
        return None
    path = Path(name)
    return path if path.suffix.lower() == ".pdf" else path.with_name(path.name + ".pdf")


class SubmissionActions:
    """The page's 报送(&B) button and its menu."""

    def __init__(self, page: LedgerPage) -> None:
        self.page = page
        self.button = QPushButton("报送(&B)")
        self.button.setObjectName("ledger_submission")
        self.button.setToolTip(
            "把已打印盖章的申请编成报送批次报协会，打印报送清单，导入协会的审核结果"
        )
        self.button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.menu = QMenu(self.button)
        self.menu.setObjectName("ledger_submission_menu")
        self.create_action = self.menu.addAction(
            "把选中的申请编成报送批次(&N)…", self.create_from_selection
        )
        self.create_action.setShortcut(QKeySequence("Ctrl+B"))
        self.create_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.list_action = self.menu.addAction("报送批次：清单、撤回(&L)…", self.show_batches)
        self.menu.addSeparator()
        self.results_action = self.menu.addAction("导入协会审核结果(&R)…", self.import_results)
        self.button.setMenu(self.menu)
        self.menu.setToolTipsVisible(True)
        page.addAction(self.create_action)
        self.list_dialog: BatchListDialog | None = None

    def gate(self) -> None:
        ctx = self.page.ctx
        shown = [
            gate(self.create_action, ctx, "status.submit"),
            gate(self.list_action, ctx, "ledger.view"),
            gate(self.results_action, ctx, "status.pay"),
        ]
        self.button.setEnabled(any(shown))

    def create_from_selection(self) -> str | None:
        """The selected rows as a new batch of this counter's station, once confirmed."""
        from desktop_app.services import submissions
        from desktop_app.ui.errors import show_error

        page = self.page
        store = page.ctx.store
        if store is None:
            return None
        receipts = page.selected_receipts()
        if not receipts:
            page._show_message("请先在台账中选中要报送的申请（已打印盖章的），再建立报送批次。")
            return None
        text = f"把选中的 {len(receipts)} 份申请编成一个报送批次？"
        informative = (
            "建立后这些申请都改为“已报送”（记入状态记录和审计记录）；"
            "有一份不能报送（不是“已打印”，或已在别的批次里）则整批不建。"
        )
        if not questions.ask(page, "建立报送批次", text, yes="建立批次(&Y)", no="取消(&N)",
                             informative=informative):  # fmt: skip
            return None
        try:
            view = submissions.create_batch(store, receipts, actor=page.ctx.clerk)
        except Exception as exc:
            show_error(page, exc, "不能建立报送批次")
            return None
        page.model.refresh()
        page.ctx.applications_changed.emit(view.rows[0].receipt)
        made = f"报送批次 {view.number}：{len(view.rows)} 份申请，合计 {view.total} 元"
        tell(page, "已建立报送批次", f"{made}，已改为“已报送”。\n可在“报送批次”中打印报送清单。")
        return view.number

    def show_batches(self) -> BatchListDialog | None:
        if self.page.ctx.store is None:
            return None
        dialog = BatchListDialog(self.page)
        self.list_dialog = dialog
        dialog.open()
        return dialog

    def import_results(self) -> None:
        from desktop_app.services.results import import_results

        page = self.page
        store = page.ctx.store
        if store is None:
            return
        paths = common.choose_open_paths(page, "导入协会审核结果", common.last_folder(page.ctx))
        if not paths:
            return
        common.remember_folder(page.ctx, paths[0])
        lines = []
        for path in paths:
            try:
                done = import_results(store, path, actor=page.ctx.clerk)
            except Exception as exc:
                problems = getattr(exc, "problems", [])
                listed = "\n".join(p.describe() for p in problems[:30])
                more = f"\n……共 {len(problems)} 处" if len(problems) > 30 else ""
                common.report(page, exc, f"{path.name}：没有导入")
                if listed:
                    tell(page, f"{path.name} 的问题", listed + more)
                continue
            lines.append(
                f"{path.name}（批次 {done.number}）：通过 {done.passed} 份，"
                f"金额调整 {done.adjusted} 份，不通过 {done.refused} 份，发放 {done.paid} 元；"
                f"此前已导入 {done.unchanged} 份，未填结果 {done.pending} 份"
            )
        if lines:
            page.model.refresh()
            tell(page, "审核结果已导入", "\n".join(lines))


class BatchListDialog(QDialog):
    """The batches, newest first; the chosen one's 报送清单 printed to PDF or exported to
    Excel, or the whole batch withdrawn."""

    def __init__(self, page: LedgerPage) -> None:
        super().__init__(page)
        self.page = page
        self.ctx = page.ctx
        self.setObjectName("batch_list")
        self.setWindowTitle("报送批次")
        self.resize(860, 460)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("batch_table")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.print_button = QPushButton("打印报送清单(&P)…")
        self.export_button = QPushButton("导出 Excel（给协会）(&E)…")
        self.withdraw_button = QPushButton("整批撤回(&W)…")
        self.close_button = QPushButton("关闭(&C)")
        for button in (self.print_button, self.export_button, self.withdraw_button):
            button.setAutoDefault(False)
        self.print_button.clicked.connect(self.print_list)
        self.export_button.clicked.connect(self.export_list)
        self.withdraw_button.clicked.connect(self.withdraw)
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        for button in (self.print_button, self.export_button, self.withdraw_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.load()

    def load(self) -> None:
        from desktop_app.services import submissions

        self.batches = submissions.batches(self.ctx.require_store())
        self.table.setRowCount(len(self.batches))
        for row, b in enumerate(self.batches):
            state = "已撤回" if b.withdrawn else "在报"
            cells = (b.number, b.station_code, f"{b.created_at:%Y-%m-%d %H:%M}", b.created_by,
                     str(b.applications), f"{b.total:,}", state)  # fmt: skip
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column in (4, 5):
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()  # a few hundred rows at most: cheap
        if self.batches:
            self.table.selectRow(0)
        gate(self.print_button, self.ctx, "application.print", enabled=bool(self.batches))
        gate(self.export_button, self.ctx, "ledger.view", enabled=bool(self.batches))
        gate(self.withdraw_button, self.ctx, "status.submit", enabled=bool(self.batches))
        self.table.setFocus()

    def current(self) -> Any:
        row = self.table.currentRow()
        return self.batches[row] if 0 <= row < len(self.batches) else None

    def print_list(self) -> Path | None:
        from desktop_app.services import submissions
        from desktop_app.ui.errors import show_error

        batch = self.current()
        if batch is None:
            return None
        suggested = common.last_folder(self.ctx) / f"报送清单-{batch.number}.pdf"
        path = choose_pdf_path(self, "保存报送清单", suggested)
        if path is None:
            return None
        try:
            rendered = submissions.print_transmittal(
                self.ctx.require_store(), batch.number, path, actor=self.ctx.clerk
            )
        except Exception as exc:
            show_error(self, exc, "报送清单没有写成")
            return None
        common.remember_folder(self.ctx, path)
        tell(
            self,
            "报送清单已保存",
            f"{path}（{rendered.pages} 页）\n请打印后签字盖章，随申请表报送。",
        )
        return path

    def export_list(self) -> Path | None:
        from desktop_app.services import submissions

        batch = self.current()
        if batch is None:
            return None
        suggested = common.last_folder(self.ctx) / f"报送清单-{batch.number}.xlsx"
        path = common.choose_save_path(self, "导出报送清单（Excel）", suggested)
        if path is None:
            return None
        try:
            path = common.xlsx_path(str(path))
            submissions.export_transmittal(self.ctx.require_store(), batch.number, path)
        except Exception as exc:
            common.report(self, exc, "报送清单没有导出")
            return None
        common.remember_folder(self.ctx, path)
        tell(
            self,
            "报送清单已导出",
            f"{path}\n协会在右边四列填写审核结果后返回，用“导入协会审核结果”导入。",
        )
        return path

    def withdraw(self) -> bool:
        from desktop_app.services import submissions
        from desktop_app.ui.errors import show_error

        batch = self.current()
        if batch is None or batch.withdrawn:
            return False
        reason = WithdrawDialog.ask(self, batch.number, batch.applications)
        if not reason:
            return False
        try:
            submissions.withdraw_batch(
                self.ctx.require_store(), batch.number, reason=reason, actor=self.ctx.clerk
            )
        except Exception as exc:
            show_error(self, exc, "批次没有撤回")
            return False
        self.page.model.refresh()
        self.load()
        return True


class WithdrawDialog(QDialog):
    """The reason for withdrawing a batch; 撤回 is not the default (Enter does nothing)."""

    def __init__(self, parent: QWidget, number: str, count: int) -> None:
        super().__init__(parent)
        self.setObjectName("batch_withdraw")
        self.setWindowTitle("整批撤回报送批次")
        self.reason = QLineEdit()
        self.reason.setObjectName("batch_withdraw_reason")
        self.reason.setPlaceholderText("必填，如：漏盖公章，重新整理后再报")
        note = QLabel(
            f"撤回报送批次 {number}：其中 {count} 份申请回到“已打印”。"
            "只有协会的结果尚未返回时可以撤回。"
        )
        note.setWordWrap(True)
        form = QFormLayout()
        form.addRow("撤回原因(&R)", self.reason)
        buttons, self.go, out = questions.dialog_buttons(
            "撤回(&W)", "取消(&N)", accept_name="batch_withdraw_go", default=False
        )
        self.go.setAutoDefault(False)
        self.go.setEnabled(False)
        self.reason.textChanged.connect(lambda text: self.go.setEnabled(bool(text.strip())))
        self.go.clicked.connect(self.accept)
        out.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(buttons)

    @classmethod
    def ask(cls, parent: QWidget, number: str, count: int) -> str:
        """The reason given, or "" when cancelled (tests replace this)."""
        dialog = cls(parent, number, count)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return ""
        return dialog.reason.text().strip()
