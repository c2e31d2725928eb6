"""交换文件 → 导入 (at the district): one or more stations' batches, each all or nothing.

`start_import` runs the files one after another off the GUI thread, with a progress bar and
取消: a cancelled file imports nothing (the service rolls it back) and the files after it are
not opened; files already done stay imported. Then `ImportResultDialog` shows, file by file,
what happened (新增 / 已导入过 / 重复申请 / 冲突 / 导入待核 / 政策版本需核对, or why the file
was refused)
and the row problems in a table that can be saved as a workbook. `ctx.applications_changed`
tells the ledger when anything was added.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui.context import AppContext
from desktop_app.ui.exchange import common
from desktop_app.ui.exchange.problems import ProblemsView

if TYPE_CHECKING:
    from desktop_app.exchange.errors import Problem
    from desktop_app.services.exchange import ImportReport
    from desktop_app.services.store import Store
    from desktop_app.ui.tasks import Progress, Task


@dataclass
class FileOutcome:
    """One file: the service's report, or the error that stopped it, or not reached."""

    path: Path
    report: ImportReport | None = None
    error: BaseException | None = None
    skipped: bool = False  # not opened: the clerk cancelled an earlier file

    @property
    def inserted(self) -> int:
        return len(self.report.inserted) if self.report is not None else 0

    def problems(self) -> list[Problem]:
        from desktop_app.services.exchange import all_problems

        return all_problems(self.report) if self.report is not None else []

    def imported(self) -> bool:
        return self.report is not None and self.report.ok

    def summary(self) -> str:
        """What happened to this file, in words."""
        if self.skipped:
            return "没有处理：导入已取消，这个文件没有打开，没有导入任何内容。"
        if self.error is not None:
            return f"未导入（没有导入任何内容）：{common.error_text(self.error)}"
        report = self.report
        assert report is not None
        if report.cancelled:
            return "已取消：这个文件没有导入任何内容。"
        lines = []
        manifest = report.manifest
        if manifest is not None:
            start = f"{manifest.date_from:%Y-%m-%d}" if manifest.date_from else "不限"
            end = f"{manifest.date_to:%Y-%m-%d}" if manifest.date_to else "不限"
            lines.append(
                f"来自服务站 {manifest.station_code} {manifest.station_name}，"
                f"受理日期 {start} 至 {end}，共 {manifest.count:,} 份申请。"
            )
        if report.refused is not None:
            lines.append(f"未导入（没有导入任何内容）：{report.refused}")
            if report.problems:
                lines.append(f"问题 {len(report.problems):,} 处，见下表。")
            return "\n".join(lines)
        lines.append(
            f"新增 {len(report.inserted):,} 份；"
            f"已导入过 {len(report.already):,} 份（内容相同，跳过）；"
            f"重复申请 {len(report.duplicates):,} 份（同一补助已由别处受理，未导入）；"
            "冲突 0 份；"
            f"导入待核 {len(report.held):,} 份（重新核算的补助与服务站的不同，未入库）；"
            f"政策版本需核对 {len(report.flags):,} 处。"
        )
        if report.held:
            lines.append("导入待核的申请请在“交换文件 → 导入待核”中核对后核定。")
        if report.duplicates or report.flags or report.held:
            lines.append("重复申请（含已受理的受理编号）、导入待核和需核对的决定见下表。")
        return "\n".join(lines)


class _Stage(QObject):
    """Tells the progress dialog which file is being read (emitted from the work's thread)."""

    changed = Signal(str)


def import_files(
    store: Store, paths: Sequence[Path], actor: str, progress: Progress, stage: _Stage
) -> list[FileOutcome]:
    """The files in order, each all or nothing; stops at a cancel (the rest not opened)."""
    from desktop_app.services.exchange import import_batch

    outcomes: list[FileOutcome] = []
    stopped = False
    for number, path in enumerate(paths, start=1):
        if stopped or not progress(0, 0):
            stopped = True
            outcomes.append(FileOutcome(path, skipped=True))
            continue
        stage.changed.emit(f"正在导入第 {number}/{len(paths)} 个文件：{path.name}…")
        try:
            report = import_batch(store, path, actor=actor, progress=progress)
        except Exception as exc:  # this file's fault or the database's: the others go on
            outcomes.append(FileOutcome(path, error=exc))
            continue
        outcomes.append(FileOutcome(path, report=report))
        if report.cancelled:
            stopped = True
    return outcomes


def start_import(
    ctx: AppContext,
    paths: Sequence[Path],
    *,
    parent: QWidget | None,
    on_finished: Callable[[list[FileOutcome]], None],
) -> Task | None:
    """Import `paths` off the GUI thread (progress bar, 取消); `on_finished(outcomes)` after."""
    from desktop_app.ui.tasks import run_task

    try:
        store = ctx.require_store()
        actor = ctx.clerk  # refused before 首次设置, with its message
    except Exception as exc:
        common.report(parent, exc, "未能导入")
        return None
    files = list(paths)
    stage = _Stage()

    def work(progress: Progress) -> list[FileOutcome]:
        return import_files(store, files, actor, progress, stage)

    def done(outcomes: list[FileOutcome]) -> None:
        stage.deleteLater()
        if files:
            common.remember_folder(ctx, files[-1])
        added = [o.report.inserted[-1] for o in outcomes if o.report is not None and o.inserted]
        if added:
            ctx.applications_changed.emit(added[-1])
        on_finished(outcomes)

    def failed(exc: BaseException) -> None:
        stage.deleteLater()
        common.report(parent, exc, "未能导入")

    task = run_task(
        parent,
        work,
        on_done=done,
        on_error=failed,
        label=f"正在导入 {len(files)} 个交换文件…",
        cancellable=True,
    )
    if task.dialog is not None:
        stage.changed.connect(task.dialog.setLabelText)
    return task


class FileResult(QWidget):
    """One file's page in the result dialog: the summary and its problems."""

    def __init__(self, ctx: AppContext, outcome: FileOutcome, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.outcome = outcome
        self.summary = QLabel(outcome.summary())
        self.summary.setObjectName("import_summary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if outcome.error is not None or (outcome.report and outcome.report.refused):
            self.summary.setStyleSheet("color: #b3261e;")
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        problems = outcome.problems()
        self.problems: ProblemsView | None = None
        if problems:
            self.problems = ProblemsView(ctx, problems, stem=outcome.path.stem, parent=self)
            layout.addWidget(self.problems, 1)
        else:
            layout.addStretch(1)


class ImportResultDialog(QDialog):
    """The result of an import, one tab per file (Ctrl+Tab moves between them)."""

    def __init__(
        self, ctx: AppContext, outcomes: Sequence[FileOutcome], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("import_result")
        self.setWindowTitle("交换文件导入结果")
        self.resize(900, 520)
        self.outcomes = list(outcomes)
        imported = sum(1 for o in self.outcomes if o.imported())
        added = sum(o.inserted for o in self.outcomes)
        self.headline = QLabel(
            f"{len(self.outcomes)} 个文件：{imported} 个已导入，"
            f"{len(self.outcomes) - imported} 个没有导入；共新增 {added:,} 份申请。"
        )
        self.headline.setObjectName("import_headline")
        self.tabs = QTabWidget()
        self.tabs.setObjectName("import_files")
        self.pages: list[FileResult] = []
        for outcome in self.outcomes:
            page = FileResult(ctx, outcome, self)
            self.pages.append(page)
            mark = "✓" if outcome.imported() else "✗"
            self.tabs.addTab(page, f"{mark} {outcome.path.name}")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)
