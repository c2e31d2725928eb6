"""目录 → 导入目录: a published catalogue workbook as a new version of a scheme's catalogue.

Two steps, as the service has them (`services/catalogue_import.py`): 检查 reads the workbook
off the GUI thread and shows what would change (added, removed, tier or code changed) or the
rows at fault; only 确认导入 then writes the new version with its effective date. Decisions
already stored keep the version they were computed with. Afterwards the catalogue search is
rebuilt (`ctx.prepare_catalogue`, then `catalogue_ready`).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui.context import AppContext
from desktop_app.ui.exchange import common
from desktop_app.ui.exchange.problems import ProblemsView
from desktop_app.ui.questions import dialog_buttons

if TYPE_CHECKING:
    from desktop_app.services.catalogue_import import ImportPlan
    from desktop_app.ui.tasks import Progress, Task


class CatalogueImportDialog(QDialog):
    imported = Signal(object)  # the service's ImportResult

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        from desktop_app.services.ledger_view import scheme_choices

        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("catalogue_import")
        self.setWindowTitle("导入目录（新版本）")
        self.resize(760, 520)
        self.plan: ImportPlan | None = None
        self.task: Task | None = None
        self.scheme = QComboBox()
        self.scheme.setObjectName("catalogue_import_scheme")
        for choice in scheme_choices():
            self.scheme.addItem(choice.short_name, choice.id)
            self.scheme.setItemData(
                self.scheme.count() - 1,
                f"{choice.name}\n技术信息：方案编号 {choice.id}",
                Qt.ItemDataRole.ToolTipRole,
            )
        self.effective = QLineEdit(f"{date.today():%Y-%m-%d}")
        self.effective.setObjectName("catalogue_import_effective")
        self.effective.setToolTip("新目录自哪一天起生效：如 2027-01-01 或 20270101")
        self.effective.setMaximumWidth(130)
        self.path_field = QLineEdit()
        self.path_field.setObjectName("catalogue_import_path")
        self.path_field.setMinimumWidth(380)
        browse = QPushButton("选择(&B)…")
        browse.setAutoDefault(False)
        browse.clicked.connect(self.browse)
        self.check_button = QPushButton("检查(&C)")
        self.check_button.setObjectName("catalogue_import_check")
        self.check_button.clicked.connect(self.check)
        self.summary = QLabel("选择目录文件后按“检查”，先看有哪些变化；确认后才写入。")
        self.summary.setObjectName("catalogue_import_summary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.changes = QListWidget()
        self.changes.setObjectName("catalogue_import_changes")
        self.changes.setAccessibleName("变化")
        self.problems_box = QVBoxLayout()
        self.problems: ProblemsView | None = None
        self.buttons, self.apply_button, _close = dialog_buttons(
            "确认导入(&I)", "关闭", accept_name="catalogue_import_apply", default=False
        )
        self.apply_button.setEnabled(False)
        self.buttons.accepted.connect(self.apply)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout()
        scheme_label = QLabel("补助方案(&A)")
        scheme_label.setBuddy(self.scheme)
        form.addRow(scheme_label, self.scheme)
        effective_label = QLabel("生效日期(&D)")
        effective_label.setBuddy(self.effective)
        form.addRow(effective_label, self.effective)
        file_row = QHBoxLayout()
        file_row.addWidget(self.path_field, 1)
        file_row.addWidget(browse)
        file_row.addWidget(self.check_button)
        file_label = QLabel("目录文件(&F)")
        file_label.setBuddy(self.path_field)
        form.addRow(file_label, file_row)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.summary)
        layout.addWidget(self.changes, 1)
        layout.addLayout(self.problems_box)
        layout.addWidget(self.buttons)
        self.scheme.currentIndexChanged.connect(self._forget_plan)
        self.effective.textEdited.connect(self._forget_plan)
        self.path_field.textEdited.connect(self._forget_plan)

    def running(self) -> bool:
        return self.task is not None and self.task.running

    def browse(self) -> None:
        chosen = common.choose_open_paths(self, "选择目录文件", common.last_folder(self.ctx))
        if chosen:
            self.path_field.setText(str(chosen[0]))
            self._forget_plan()

    def _forget_plan(self, *_args: object) -> None:
        self.plan = None
        self.apply_button.setEnabled(False)

    def _show_problems(self, problems: list[Any]) -> None:
        if self.problems is not None:
            self.problems.setParent(None)
            self.problems.deleteLater()
            self.problems = None
        if problems:
            self.problems = ProblemsView(self.ctx, problems, stem="目录", parent=self)
            self.problems_box.addWidget(self.problems)

    def check(self) -> None:
        """检查: read the workbook and compare it with the version in effect (writes nothing)."""
        from desktop_app.services.catalogue_import import plan_import
        from desktop_app.services.ledger_view import parse_date_text
        from desktop_app.ui.tasks import run_task

        if self.running():
            return
        self._forget_plan()
        self.changes.clear()
        self._show_problems([])
        try:
            effective = parse_date_text(self.effective.text())
            if effective is None:
                raise ValueError("请填写生效日期")
        except ValueError as exc:
            self.summary.setText(f"生效日期：{exc}")
            return
        text = self.path_field.text().strip()
        if not text:
            self.summary.setText("请先选择目录文件（.xlsx）。")
            return
        path = Path(text)
        scheme = str(self.scheme.currentData() or "")
        self.summary.setText("正在检查…")

        def work(_progress: Progress) -> ImportPlan:
            return plan_import(path, scheme, effective=effective)

        self.task = run_task(
            self, work, on_done=self._planned, on_error=self._plan_failed, label="正在检查目录…"
        )

    def _planned(self, plan: ImportPlan) -> None:
        self.plan = plan
        lines = plan.summary_lines()
        if plan.already is not None:
            lines.append("这个版本以前已经导入过，不需要再导入。")
        elif not plan.has_changes:
            lines.append("目录与现行版本相同，没有需要写入的变化。")
        else:
            lines.append("核对下面的变化后，按“确认导入”写入新版本；已保存的决定不受影响。")
        self.summary.setText("\n".join(lines))
        self.changes.addItems(plan.change_lines())
        self.apply_button.setEnabled(plan.has_changes and plan.already is None)

    def _plan_failed(self, exc: BaseException) -> None:
        from desktop_app.exchange.errors import ExchangeError

        self.summary.setText(f"不能导入：{common.error_text(exc)}")
        if isinstance(exc, ExchangeError):
            self._show_problems(list(exc.problems))
        elif type(exc).__name__ != "CatalogueImportError":
            common.report(self, exc, "未能检查目录")

    def apply(self) -> None:
        """确认导入: write the checked plan as a new version (recorded in the audit trail)."""
        from desktop_app.services.catalogue_import import apply_plan
        from desktop_app.ui.tasks import run_task

        plan = self.plan
        if plan is None or self.running():
            return
        try:
            store = self.ctx.require_store()
        except Exception as exc:
            common.report(self, exc, "未能导入目录")
            return
        actor = self.ctx.clerk
        self.apply_button.setEnabled(False)

        def work(_progress: Progress) -> Any:
            return apply_plan(store, plan, actor=actor)

        def done(result: Any) -> None:
            self.plan = None
            self.summary.setText(
                f"已写入方案“{plan.scheme_name}”的目录新版本，自 {result.effective:%Y-%m-%d} 起"
                "生效。已保存的决定仍按原版本。\n"
                f"技术信息：新版本指纹 {result.sha256[:12]}…"
            )
            self.ctx.prepare_catalogue()
            self.imported.emit(result)

        def failed(exc: BaseException) -> None:
            self.summary.setText(f"没有写入：{common.error_text(exc)}")
            common.report(self, exc, "未能导入目录")

        self.task = run_task(self, work, on_done=done, on_error=failed, label="正在写入目录…")
