"""台账 → 导出 and 交换文件 → 导出: choose the file, run the export off the GUI thread with a
progress bar and 取消, say where it went and what it holds.

- `LedgerExportDialog`: the ledger as its filter bar selects it (dates, scheme, status and
  the search text), ID and card numbers masked unless 完整证件号 is ticked (the export is in
  the audit trail either way, with whether full numbers were written);
- `BatchExportDialog`: this station's applications of a period, for the district.

The services write atomically: a cancel or a failure leaves no file (and an older file of the
same name as it was). Records holding a character the text policy refuses are not written:
the export is refused with each named, and a question (取消 the default) asks whether to leave
them out and export the rest; only then is it run again without exactly those receipts (the
audit event lists them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain.text_policy import shown
from desktop_app.ui.access import gate
from desktop_app.ui.context import AppContext
from desktop_app.ui.exchange import common
from desktop_app.ui.questions import dialog_buttons

if TYPE_CHECKING:
    from desktop_app.domain.ledger_filter import LedgerFilter
    from desktop_app.services.store import Store
    from desktop_app.ui.tasks import Progress, Task

_NOTE = "color: #8a5300;"
_BAD = "color: #b3261e;"


@dataclass(frozen=True)
class _Job:
    """What the work needs, read on the GUI thread."""

    store: Store
    path: Path
    actor: str
    fields: Any  # what the dialog's prepare() read
    skip: frozenset[str] = frozenset()  # receipts the clerk agreed to leave out


class _ExportDialog(QDialog):
    """The file row, the status line and 导出 / 关闭; subclasses add their fields and work."""

    exported = Signal(object)  # the service's result

    file_title = "导出"
    progress_label = "正在导出…"
    failure_title = "未能导出"

    def __init__(self, ctx: AppContext, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.task: Task | None = None
        self.result_value: Any = None
        self.path_field = QLineEdit()
        self.path_field.setObjectName("export_path")
        self.path_field.setAccessibleName("保存到")
        self.path_field.setMinimumWidth(420)
        self.browse_button = QPushButton("选择(&B)…")
        self.browse_button.setObjectName("export_browse")
        self.browse_button.setAutoDefault(False)
        self.browse_button.clicked.connect(self.browse)
        self.status = QLabel()
        self.status.setObjectName("export_status")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons, self.export_button, _close = dialog_buttons(
            "导出(&E)", "关闭", accept_name="export_start", reject_name="export_close"
        )
        self.buttons.accepted.connect(self.start)
        self.buttons.rejected.connect(self.reject)

        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        file_row = QHBoxLayout()
        file_row.addWidget(self.path_field, 1)
        file_row.addWidget(self.browse_button)
        self._file_row = file_row
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.status)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

    def _add_file_row(self) -> None:
        label = QLabel("保存到(&F)")
        label.setBuddy(self.path_field)
        self.form.addRow(label, self._file_row)
        self.path_field.setText(str(common.last_folder(self.ctx) / self.suggested_name()))

    # --- what each export dialog provides (LedgerExportDialog, BatchExportDialog implement all) --

    def suggested_name(self) -> str:
        raise NotImplementedError

    def prepare(self) -> Any:
        """Read the fields on the GUI thread; ValueError (Chinese) when one is wrong."""
        return None

    def work(self, job: _Job, progress: Progress) -> Any:
        """The export itself (off the GUI thread: only `job`, no widgets)."""
        raise NotImplementedError

    def describe(self, result: Any) -> str:
        raise NotImplementedError

    # --- the flow ------------------------------------------------------------------------------

    def browse(self) -> None:
        current = self.path_field.text().strip()
        suggested = (
            Path(current) if current else common.last_folder(self.ctx) / self.suggested_name()
        )
        chosen = common.choose_save_path(self, self.file_title, suggested)
        if chosen is not None:
            self.path_field.setText(str(chosen))

    def running(self) -> bool:
        return self.task is not None and self.task.running

    def start(self, skip: frozenset[str] = frozenset()) -> None:
        """导出: check the fields, then export off the GUI thread (progress bar, 取消).
        `skip`: the receipts the clerk has just agreed to leave out (hidden characters)."""
        from desktop_app.ui.tasks import run_task

        if self.running():
            return
        try:
            store = self.ctx.require_store()
            actor = self.ctx.clerk  # refused before 首次设置, with its message
            path = common.xlsx_path(self.path_field.text())
            prepared = self.prepare()
        except ValueError as exc:
            self._say(str(exc), bad=True)
            return
        except Exception as exc:
            common.report(self, exc, self.failure_title)
            return
        self.path_field.setText(str(path))
        self._say("正在导出…")
        self._set_busy(True)

        job = _Job(store, path, actor, prepared, frozenset(skip))

        def work(progress: Progress) -> Any:
            return self.work(job, progress)

        self.task = run_task(
            self,
            work,
            on_done=self._done,
            on_error=self._failed,
            label=self.progress_label,
            cancellable=True,
        )

    def _done(self, result: Any) -> None:
        self._set_busy(False)
        if getattr(result, "cancelled", False):
            self._say("已取消导出：没有写入文件。")
            return
        self.result_value = result
        common.remember_folder(self.ctx, Path(result.path))
        self._say(self.describe(result) + self._skipped_text(result))
        self.exported.emit(result)

    def _failed(self, exc: BaseException) -> None:
        from desktop_app.services.text_screen import BadRecordsError
        from desktop_app.ui.tasks import CancelledError

        self._set_busy(False)
        if isinstance(exc, CancelledError):
            self._say("已取消导出：没有写入文件。")
            return
        if isinstance(exc, BadRecordsError):
            self._ask_to_skip(exc)
            return
        self._say("没有导出。", bad=True)
        common.report(self, exc, self.failure_title)

    def _ask_to_skip(self, exc: Any) -> None:
        """Records with hidden characters: named; export the rest only if the clerk agrees."""
        from desktop_app.ui import questions

        self._say(
            shown(exc.message) + "\n可在台账中打开这些申请，用“更正文字”按原件更正。", bad=True
        )
        if questions.ask(
            self,
            "有申请含不可见的字符",
            shown(exc.message),
            informative=(
                f"跳过这 {len(exc.receipts)} 份申请、导出其余的申请吗？跳过的受理编号记入审计记录。"
                "也可以取消，先在台账中更正这些申请再导出。"
            ),
            yes="跳过这些申请，导出其余的(&Y)",
            no="取消(&N)",
            icon=QMessageBox.Icon.Warning,
        ):
            self.start(skip=frozenset(exc.receipts))

    def _skipped_text(self, result: Any) -> str:
        skipped = getattr(result, "skipped", ())
        if not skipped:
            return ""
        return f"\n未导出 {len(skipped)} 份含不可见字符的申请（已记入审计记录）：" + "、".join(
            shown(receipt) for receipt in skipped
        )

    def _set_busy(self, busy: bool) -> None:
        self.export_button.setEnabled(not busy)
        self.browse_button.setEnabled(not busy)

    def _say(self, text: str, *, bad: bool = False) -> None:
        self.status.setStyleSheet(_BAD if bad else "")
        self.status.setText(text)

    def reject(self) -> None:
        if self.running():
            return  # the progress dialog's 取消 stops the work; the dialog stays until it ends
        super().reject()


class LedgerExportDialog(_ExportDialog):
    """台账 → 导出: the applications the ledger's filter selects, to an .xlsx with 汇总."""

    file_title = "导出台账"
    progress_label = "正在导出台账…"
    failure_title = "未能导出台账"

    def __init__(
        self,
        ctx: AppContext,
        filter_: LedgerFilter,
        *,
        description: str,
        count: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("ledger_export")
        self.setWindowTitle("导出台账")
        self.filter = filter_
        what = QLabel(description)
        what.setObjectName("export_filter")
        what.setWordWrap(True)
        what.setTextFormat(Qt.TextFormat.PlainText)
        self.form.addRow("导出范围", what)
        if count is not None:
            self.form.addRow("申请数", QLabel(f"{count:,} 份"))
        self._add_file_row()
        self.full_ids = QCheckBox("导出完整证件号（身份证号、京卡卡号）(&I)")
        self.full_ids.setObjectName("export_full_ids")
        self.full_ids.setChecked(False)
        gate(self.full_ids, ctx, "export.full_ids")
        self.full_ids_note = QLabel(
            "文件中将写入完整的身份证号和京卡卡号；这次导出（含完整证件号）将记入审计记录。"
            "请妥善保管文件。"
        )
        self.full_ids_note.setObjectName("export_full_ids_note")
        self.full_ids_note.setWordWrap(True)
        self.full_ids_note.setStyleSheet(_NOTE)
        self.full_ids_note.setVisible(False)
        self.full_ids.toggled.connect(self.full_ids_note.setVisible)
        self.reason = QLineEdit()
        self.reason.setObjectName("export_full_ids_reason")
        self.reason.setPlaceholderText(
            "导出完整证件号的原因（必填，记入审计记录），如 区总工会核对发放"
        )
        self.reason.setMaxLength(200)
        self.reason.setVisible(False)
        self.full_ids.toggled.connect(self.reason.setVisible)
        self.form.addRow("", self.full_ids)
        self.form.addRow("", self.full_ids_note)
        self.form.addRow("", self.reason)
        masked = QLabel("默认遮挡身份证号和京卡卡号的中间位。导出会记入审计记录。")
        masked.setStyleSheet("color: #666;")
        masked.setWordWrap(True)
        self.form.addRow("", masked)
        self.setTabOrder(self.path_field, self.browse_button)
        self.setTabOrder(self.browse_button, self.full_ids)
        self.path_field.setFocus(Qt.FocusReason.OtherFocusReason)

    def suggested_name(self) -> str:
        return f"台账_{date.today():%Y%m%d}.xlsx"

    def prepare(self) -> Any:
        return self.filter, self.full_ids.isChecked(), self.reason.text()

    def work(self, job: _Job, progress: Progress) -> Any:
        from desktop_app.services.ledger_export import export_ledger

        filter_, full_ids, reason = job.fields
        return export_ledger(
            job.store,
            job.path,
            filter_,
            actor=job.actor,
            full_ids=full_ids,
            reason=reason,
            skip_bad=job.skip,
            progress=progress,
        )

    def describe(self, result: Any) -> str:
        numbers = (
            "含完整证件号（已记入审计记录）" if result.full_ids else "身份证号、京卡卡号已遮挡"
        )
        return (
            f"已导出 {result.rows:,} 份申请，补助合计 {result.total_amount:,} 元，{numbers}。\n"
            f"文件：{result.path}"
        )


class BatchExportDialog(_ExportDialog):
    """交换文件 → 导出: this station's applications applied for in a period, for the district."""

    file_title = "导出交换文件"
    progress_label = "正在导出交换文件…"
    failure_title = "未能导出交换文件"

    def __init__(
        self,
        ctx: AppContext,
        *,
        date_from: date | None = None,
        date_to: date | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("batch_export")
        self.setWindowTitle("导出交换文件（报区总工会）")
        here = ctx.station()
        station = QLabel(f"{here.code}　{here.name}" if here else "尚未设置（请先在“设置”中填写）")
        station.setObjectName("batch_station")
        self.form.addRow("服务站", station)
        self.date_from = self._date_field("batch_from", "起始日期", date_from)
        self.date_to = self._date_field("batch_to", "截止日期", date_to)
        period = QHBoxLayout()
        label_from = QLabel("受理日期(&D)")
        label_from.setBuddy(self.date_from)
        period.addWidget(self.date_from)
        period.addWidget(QLabel("至"))
        period.addWidget(self.date_to)
        period.addStretch(1)
        self.form.addRow(label_from, period)
        self._add_file_row()
        note = QLabel(
            "交换文件含完整的身份证号和京卡卡号（区总工会核对用），导出将记入审计记录。"
            "请妥善保管存放文件的 U 盘。"
        )
        note.setObjectName("batch_note")
        note.setWordWrap(True)
        note.setStyleSheet(_NOTE)
        self.form.addRow("", note)
        self.setTabOrder(self.date_from, self.date_to)
        self.setTabOrder(self.date_to, self.path_field)
        self.setTabOrder(self.path_field, self.browse_button)
        self.date_from.setFocus(Qt.FocusReason.OtherFocusReason)

    @staticmethod
    def _date_field(name: str, accessible: str, value: date | None) -> QLineEdit:
        field = QLineEdit(f"{value:%Y-%m-%d}" if value else "")
        field.setObjectName(name)
        field.setAccessibleName(accessible)
        field.setPlaceholderText("不限")
        field.setToolTip(f"{accessible}：如 2026-11-01 或 20261101，空着表示不限")
        field.setMaximumWidth(130)
        return field

    def suggested_name(self) -> str:
        here = self.ctx.station()
        code = here.code if here else "服务站"
        return f"交换_{code}_{date.today():%Y%m%d}.xlsx"

    def prepare(self) -> Any:
        from desktop_app.services.ledger_view import parse_date_text

        days: list[date | None] = []
        for field, what in ((self.date_from, "起始日期"), (self.date_to, "截止日期")):
            try:
                days.append(parse_date_text(field.text()))
            except ValueError as exc:
                field.setFocus(Qt.FocusReason.OtherFocusReason)
                raise ValueError(f"{what}：{exc}") from None
        if days[0] is not None and days[1] is not None and days[0] > days[1]:
            raise ValueError("起始日期晚于截止日期")
        return days[0], days[1]

    def work(self, job: _Job, progress: Progress) -> Any:
        from desktop_app.services.exchange import export_batch

        date_from, date_to = job.fields
        return export_batch(
            job.store,
            job.path,
            actor=job.actor,
            date_from=date_from,
            date_to=date_to,
            skip_bad=job.skip,
            progress=progress,
        )

    def describe(self, result: Any) -> str:
        manifest = result.manifest
        return (
            f"已导出服务站 {manifest.station_code} 的 {manifest.count:,} 份申请。\n"
            f"文件：{result.path}\n校验码：{manifest.checksum}\n"
            "交换文件含完整身份证号，请妥善保管。"
        )
