"""Row problems of a workbook on screen (sheet, row, column, message), and 另存为 Excel….

`ProblemsModel` is a plain read-only table over a list of `exchange.errors.Problem`;
`ProblemsView` shows it with a button that saves the list as a workbook (off the GUI thread:
a file with every decision flagged can list 100,000 rows)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui.context import AppContext
from desktop_app.ui.exchange import common

if TYPE_CHECKING:
    from desktop_app.exchange.errors import Problem
    from desktop_app.ui.tasks import Task

HEADERS = ("工作表", "行", "列", "问题")
_Index = QModelIndex | QPersistentModelIndex


class ProblemsModel(QAbstractTableModel):
    """Problems, one a row, in the order given."""

    def __init__(self, problems: Sequence[Problem] = (), parent: Any = None) -> None:
        super().__init__(parent)
        self._problems: list[Problem] = list(problems)

    def set_problems(self, problems: Sequence[Problem]) -> None:
        self.beginResetModel()
        self._problems = list(problems)
        self.endResetModel()

    def problems(self) -> list[Problem]:
        return list(self._problems)

    def problem_at(self, row: int) -> Problem:
        return self._problems[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 (Qt)
        return 0 if parent.isValid() else len(self._problems)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 (Qt)
        return 0 if parent.isValid() else len(HEADERS)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._problems):
            return None
        problem = self._problems[index.row()]
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if column == 0:
                return problem.sheet
            if column == 1:
                return "" if problem.row is None else str(problem.row)
            if column == 2:
                return problem.column
            if column == 3:
                return (
                    problem.message if role == Qt.ItemDataRole.DisplayRole else problem.describe()
                )
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 1:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(HEADERS)
        ):
            return HEADERS[section]
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


class ProblemsView(QWidget):
    """The problems table and 另存为 Excel…; `saved(path)` after a save."""

    saved = Signal(object)  # Path

    def __init__(
        self, ctx: AppContext, problems: Sequence[Problem], *, stem: str, parent: QWidget | None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.stem = stem
        self.model = ProblemsModel(problems, self)
        self.table = QTableView()
        self.table.setObjectName("problems_table")
        self.table.setAccessibleName("问题清单")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        metrics = self.table.fontMetrics()
        for column, sample in enumerate(("交换申请", "200000", "职业（工种）/项目")):
            header.resizeSection(column, metrics.horizontalAdvance(sample) + 18)
        header.setStretchLastSection(True)
        self.save_button = QPushButton("另存为 Excel(&S)…")
        self.save_button.setObjectName("problems_save")
        self.save_button.setToolTip("把问题清单保存为 Excel 工作簿（工作表、行、列、问题）")
        self.save_button.clicked.connect(self.save)
        self.status = QLabel()
        self.status.setObjectName("problems_status")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.task: Task | None = None

        row = QHBoxLayout()
        row.addWidget(self.status, 1)
        row.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)

    def save(self) -> None:
        """Ask where, then write the list (atomically) off the GUI thread."""
        from desktop_app.exchange.files import save_problems
        from desktop_app.ui.tasks import run_task

        if self.task is not None and self.task.running:
            return
        suggested = (
            common.last_folder(self.ctx) / f"{self.stem}_问题清单_{date.today():%Y%m%d}.xlsx"
        )
        chosen = common.choose_save_path(self, "问题清单另存为 Excel", suggested)
        if chosen is None:
            return
        try:
            path = common.xlsx_path(str(chosen))
        except ValueError as exc:
            self.status.setText(str(exc))
            return
        problems = self.model.problems()
        self.status.setText("正在保存…")
        self.save_button.setEnabled(False)

        def work(_progress: object) -> Path:
            save_problems(path, problems)
            return path

        def done(saved: Path) -> None:
            self.save_button.setEnabled(True)
            common.remember_folder(self.ctx, saved)
            self.status.setText(f"问题清单（{len(problems)} 处）已保存：{saved}")
            self.saved.emit(saved)

        def failed(exc: BaseException) -> None:
            self.save_button.setEnabled(True)
            self.status.setText("没有保存。")
            common.report(self, exc, "未能保存问题清单")

        self.task = run_task(self, work, on_done=done, on_error=failed)
