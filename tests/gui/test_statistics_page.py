"""统计 (Ctrl+5) as a clerk uses it: the section counts this year on opening, a period typed
and Enter counts again, the report page with its charts shows beside the table of every figure,
a bad date is said, and the report is saved as PDF and PNG."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

import pytest
from PySide6.QtCore import Qt

from tests.gui.conftest import CLERK
from tests.gui.test_ledger import PEOPLE, _input

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def page(window: Any, ctx: Any, qtbot: Any) -> Any:
    from desktop_app.services.applications import save_application

    for n, person in enumerate(PEOPLE):
        save_application(ctx.store, _input(*person), clerk=CLERK, now=datetime(2026, 11, 21, 9, n))
    from PySide6.QtWidgets import QApplication

    window.activateWindow()  # (offscreen: no window manager activates it)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(window, Qt.Key.Key_5, CTRL)
    assert window.section() == "statistics"
    stats = window.statistics
    stats.date_from.setText("")  # every year: the five applications (one of them of 2017)
    qtbot.keyClick(stats.date_from, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: stats.found is not None and stats.found.date_from is None)
    return stats


def _cells(page: Any) -> list[list[str]]:
    table = page.table
    return [[table.item(r, c).text() for c in range(4)] for r in range(table.rowCount())]


def test_the_period_is_counted_and_shown_as_charts_and_a_table(page: Any, qtbot: Any) -> None:
    assert "共 5 份" in page.message.text()
    assert not page.picture.pixmap().isNull() and page.picture.pixmap().width() > 500
    cells = _cells(page)
    assert ["服务站", "XC01", "5", f"{page.found.amount:,}"] in cells
    assert ["月份", "2017-03", "1", "2,000"] in cells
    assert any(row[:2] == ["职业（工种）或项目", "无人机驾驶员"] and row[2] == "4" for row in cells)
    assert ["状态", "已受理", "5", f"{page.found.amount:,}"] in cells
    # A period of 2026 only: typed, Enter.
    page.date_from.setText("2026-01-01")
    qtbot.keyClick(page.date_from, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.found.date_from is not None)
    assert "共 4 份" in page.message.text()


def test_a_bad_date_is_said_and_nothing_counted(page: Any, qtbot: Any) -> None:
    before = page.found
    page.date_to.setText("2026-13-01")
    qtbot.keyClick(page.date_to, Qt.Key.Key_Return)
    assert "截止日期“2026-13-01”不是日期" in page.message.text()
    assert page.found is before
    page.date_to.setText("2016-01-01")
    page.date_from.setText("2017-01-01")
    qtbot.keyClick(page.date_to, Qt.Key.Key_Return)
    assert page.message.text() == "起始日期晚于截止日期"


def test_the_report_is_saved_as_pdf_and_png(
    page: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    from PIL import Image
    from pypdf import PdfReader

    from desktop_app.ui.pages import statistics

    target = tmp_path / "统计"
    monkeypatch.setattr(statistics, "choose_report_path", lambda *_a: target)
    pdf = page.export_pdf()
    assert pdf == tmp_path / "统计.pdf"
    text = PdfReader(io.BytesIO(pdf.read_bytes())).pages[0].extract_text()
    assert "共 5 份申请" in text and "各服务站申请份数" in text
    png = page.export_png()
    assert png == tmp_path / "统计.png" and Image.open(png).format == "PNG"
    assert "统计报告已保存" in page.message.text()


def test_every_figure_column_is_in_view_at_1366_by_768(page: Any) -> None:
    """The group and key columns are capped (a long name elided, whole in its tooltip), so the
    count and the amount stay beside the page without scrolling sideways."""
    table = page.table
    assert page.window().width() <= 1366
    assert sum(table.columnWidth(c) for c in range(4)) <= table.viewport().width()
    long_group = next(
        r for r in range(table.rowCount()) if table.item(r, 0).text().startswith("职业")
    )
    assert table.item(long_group, 0).toolTip() == "职业（工种）或项目"
