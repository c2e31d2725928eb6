"""统计 (Ctrl+5): the district's and the station's overview of a period — the report page with
its charts (stations as bars, months as a line, the top occupations; printing/stats_report.py,
shown as PDFium renders it) beside a table of every figure. The figures come from
services/statistics.py, counted off the GUI thread; the charting code is loaded only when the
section first opens. The page exports the same report as PDF or PNG.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui.context import AppContext
from desktop_app.ui.pages.base import Page

REPORT_DPI = 96


def choose_report_path(
    parent: QWidget | None, title: str, suggested: Path, kind: str
) -> Path | None:
    """The system save dialog for the report (tests replace this); None when cancelled."""
    name, _filter = QFileDialog.getSaveFileName(parent, title, str(suggested), kind)
    return Path(name) if name else None


class StatisticsPage(Page):
    title = "统计"

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        today = date.today()
        self.date_from = QLineEdit(date(today.year, 1, 1).isoformat())
        self.date_from.setObjectName("stats_from")
        self.date_to = QLineEdit(today.isoformat())
        self.date_to.setObjectName("stats_to")
        self.station = QLineEdit()
        self.station.setObjectName("stats_station")
        self.station.setPlaceholderText("全部服务站")
        for field in (self.date_from, self.date_to):
            field.setPlaceholderText("不限")
            field.setMaximumWidth(120)
        self.station.setMaximumWidth(110)
        self.run_button = QPushButton("统计(&G)")
        self.run_button.setObjectName("stats_run")
        self.pdf_button = QPushButton("导出 PDF(&P)…")
        self.png_button = QPushButton("导出图片 PNG(&N)…")
        for button in (self.pdf_button, self.png_button):
            button.setEnabled(False)
        self.message = QLabel()
        self.message.setObjectName("stats_message")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        bar = QHBoxLayout()
        for text, field in (("登记日期从(&F)", self.date_from), ("至(&T)", self.date_to),
                            ("服务站(&S)", self.station)):  # fmt: skip
            label = QLabel(text)
            label.setBuddy(field)
            bar.addWidget(label)
            bar.addWidget(field)
        bar.addWidget(self.run_button)
        bar.addStretch(1)
        bar.addWidget(self.pdf_button)
        bar.addWidget(self.png_button)

        self.picture = QLabel()
        self.picture.setObjectName("stats_report")
        self.picture.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        scroll = QScrollArea()
        scroll.setWidget(self.picture)
        scroll.setWidgetResizable(True)
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("stats_table")
        self.table.setHorizontalHeaderLabels(["分组", "项", "份数", "金额（元）"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.horizontalHeader().setStretchLastSection(True)
        split = QSplitter()
        split.addWidget(scroll)
        split.addWidget(self.table)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([820, 420])  # the page at 96 dpi is 794 px wide
        scroll.setMinimumWidth(360)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.message)
        layout.addWidget(split, 1)

        self.run_button.clicked.connect(self.refresh)
        for field in (self.date_from, self.date_to, self.station):
            field.returnPressed.connect(self.refresh)
        self.pdf_button.clicked.connect(self.export_pdf)
        self.png_button.clicked.connect(self.export_png)
        self.found: Any = None
        self.pdf: bytes | None = None
        self.task: Any = None
        self._asked = 0  # the newest count asked for: an older one that ends later is dropped
        self._shown_once = False

    def section_shown(self) -> None:
        if not self._shown_once and self.ctx.store is not None:
            self._shown_once = True
            self.refresh()
        self.date_from.setFocus()
        self.date_from.selectAll()

    def _period(self) -> tuple[date | None, date | None]:
        values = []
        for what, field in (("起始日期", self.date_from), ("截止日期", self.date_to)):
            text = field.text().strip()
            try:
                values.append(date.fromisoformat(text) if text else None)
            except ValueError:
                field.setFocus()
                raise ValueError(f"{what}“{text}”不是日期（如 2026-01-01）") from None
        if values[0] and values[1] and values[0] > values[1]:
            raise ValueError("起始日期晚于截止日期")
        return values[0], values[1]

    def refresh(self) -> None:
        """Count the period's figures off the GUI thread, then show them."""
        from desktop_app.ui.errors import message_for
        from desktop_app.ui.tasks import run_task

        store = self.ctx.store
        if store is None:
            self.message.setText("数据库还在打开中，请稍候再试。")
            return
        try:
            date_from, date_to = self._period()
        except ValueError as exc:
            self.message.setText(str(exc))
            return
        station = self.station.text().strip() or None
        self.message.setText("正在统计…")
        self._asked += 1
        asked = self._asked

        def work(_progress: Any) -> tuple[Any, bytes]:
            from desktop_app.services.statistics import overview, report_pdf

            found = overview(store, date_from=date_from, date_to=date_to, station_code=station)
            return found, report_pdf(found)

        def failed(exc: BaseException) -> None:
            if asked == self._asked:
                self.message.setText(message_for(exc))

        def done(result: tuple[Any, bytes]) -> None:
            if asked == self._asked:
                self._show(result)

        self.task = run_task(self, work, on_done=done, on_error=failed)

    def _show(self, result: tuple[Any, bytes]) -> None:
        from desktop_app.services.statistics import BY, BY_LABELS, scope_text
        from desktop_app.ui.printing.pages import open_pdf, render_page

        self.found, self.pdf = result
        found = self.found
        self.message.setText(f"{scope_text(found)}：共 {found.count:,} 份，{found.amount:,} 元")
        with open_pdf(self.pdf) as document:
            self.picture.setPixmap(QPixmap.fromImage(render_page(document, 0, REPORT_DPI)))
        rows = [(BY_LABELS[group], line) for group in BY for line in found.by[group]]
        self.table.setRowCount(len(rows))
        for row, (group, line) in enumerate(rows):
            for column, text in enumerate((group, line.key, f"{line.count:,}", f"{line.amount:,}")):
                item = QTableWidgetItem(text)
                if column < 2:
                    item.setToolTip(text)  # the column may be narrower than a long name
                if column >= 2:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
        # The group and the key at most so wide that the figures stay in view beside the
        # page at 1366×768 (a longer name is elided; its tooltip holds it whole).
        for column, widest in ((0, 80), (1, 150)):
            if self.table.columnWidth(column) > widest:
                self.table.setColumnWidth(column, widest)
        for button in (self.pdf_button, self.png_button):
            button.setEnabled(True)

    def _export(self, kind: str, suffix: str) -> Path | None:
        from desktop_app.printing.stats_report import report_png
        from desktop_app.services.printing import write_atomically
        from desktop_app.ui.errors import show_error

        if self.pdf is None:
            return None
        suggested = Path.home() / f"统计报告-{date.today():%Y%m%d}{suffix}"
        path = choose_report_path(self, "保存统计报告", suggested, kind)
        if path is None:
            return None
        if path.suffix.lower() != suffix:
            path = path.with_name(path.name + suffix)
        try:
            data = self.pdf if suffix == ".pdf" else report_png(self.pdf)
            write_atomically(path, data).replace(path)
        except Exception as exc:
            show_error(self, exc, "统计报告没有保存")
            return None
        self.message.setText(f"统计报告已保存：{path}")
        return path

    def export_pdf(self) -> Path | None:
        return self._export("PDF 文件 (*.pdf)", ".pdf")

    def export_png(self) -> Path | None:
        return self._export("PNG 图片 (*.png)", ".png")
