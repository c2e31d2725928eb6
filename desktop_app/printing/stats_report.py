"""The 统计 overview as a one-page A4 PDF with charts a person reads at a glance: the stations'
applications as bars, the months as a line, the most frequent occupations as horizontal bars,
then the schemes and statuses as a short table. Drawn with reportlab's own graphics (no other
charting library in the bundle); the window shows the same page rendered by PDFium, and a PNG
of it is the same render saved. No Qt, no database: services/statistics.py gives the figures.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reportlab.graphics import renderPDF
from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4

from desktop_app.printing.fonts import FontSet, default_fonts
from desktop_app.printing.forms import MM
from desktop_app.printing.render import draw_line, new_canvas

TITLE = "职工技能补助统计"
BLUE = colors.HexColor("#3b6fb6")
GREEN = colors.HexColor("#2e7d4f")
MAX_OCCUPATIONS = 10

Figures = Sequence[tuple[str, int, int]]  # (key, applications, yuan)


@dataclass(frozen=True)
class StatsReport:
    scope: str  # 登记日期 2025-01-01 至 2025-12-31，全部服务站
    count: int
    amount: int
    by_station: Figures
    by_month: Figures
    by_occupation: Figures
    by_scheme: Figures
    by_status: Figures
    made: str = ""  # 2026年12月8日


def _font(fonts: FontSet) -> str:
    fonts.primary.load()
    return fonts.primary.name


def _drawing(face: str, width: float, height: float) -> Drawing:
    drawing = Drawing(width, height)
    drawing.initialFontName = face  # reportlab's default (Helvetica) would not be embedded
    return drawing


def _axes(chart: Any, face: str, size: float) -> None:
    chart.valueAxis.valueMin = 0
    for labels in (chart.categoryAxis.labels, chart.valueAxis.labels):
        labels.fontName = face
        labels.fontSize = size


def _bars(chart: Any, data: Figures, face: str, *, nudge: float) -> None:
    """Counts as bars with their values written at their ends, in the forms' face."""
    chart.data = [[count for _key, count, _amount in data] or [0]]
    chart.categoryAxis.categoryNames = [key for key, _c, _a in data] or ["—"]
    chart.bars[0].fillColor = BLUE
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName = face
    chart.barLabels.fontSize = 8
    chart.barLabels.nudge = nudge
    _axes(chart, face, 8)


def station_chart(data: Figures, face: str, width: float, height: float) -> Drawing:
    drawing = _drawing(face, width, height)
    chart = VerticalBarChart()
    chart.x, chart.y = 40, 28
    chart.width, chart.height = width - 60, height - 48
    _bars(chart, data, face, nudge=7)
    drawing.add(chart)
    return drawing


def month_chart(data: Figures, face: str, width: float, height: float) -> Drawing:
    drawing = _drawing(face, width, height)
    chart = HorizontalLineChart()
    chart.x, chart.y = 40, 28
    chart.width, chart.height = width - 60, height - 48
    chart.data = [[count for _key, count, _amount in data] or [0]]
    names = [key for key, _c, _a in data] or ["—"]
    # Every month's name when there is room, else every few (a long period stays readable).
    step = max(1, len(names) // 12)
    chart.categoryAxis.categoryNames = [n if i % step == 0 else "" for i, n in enumerate(names)]
    chart.lines[0].strokeColor = GREEN
    chart.lines[0].strokeWidth = 1.5
    _axes(chart, face, 7.5)
    chart.categoryAxis.labels.angle = 30 if len(names) > 8 else 0
    chart.categoryAxis.labels.dy = -8 if len(names) > 8 else -2
    drawing.add(chart)
    return drawing


def occupation_chart(data: Figures, face: str, width: float, height: float) -> Drawing:
    drawing = _drawing(face, width, height)
    chart = HorizontalBarChart()
    chart.x, chart.y = 150, 10
    chart.width, chart.height = width - 190, height - 20
    _bars(chart, list(data)[:MAX_OCCUPATIONS][::-1], face, nudge=9)  # the most at the top
    drawing.add(chart)
    return drawing


def render_report(data: StatsReport, *, fonts: FontSet | None = None) -> bytes:
    """The report's one page as a PDF."""
    fonts = fonts or default_fonts()
    face = _font(fonts)
    buffer = io.BytesIO()
    canvas = new_canvas(buffer, fonts, A4)
    canvas.setTitle(TITLE)
    left, right = 20 * MM, A4[0] - 20 * MM
    width = right - left
    y = A4[1] - 22 * MM

    def text(value: str, x: float, size: float = 10, *, bold: bool = False) -> None:
        draw_line(canvas, fonts, value, x, y, size, bold=bold)

    text(TITLE, left, 18, bold=True)
    y -= 8 * MM
    text(data.scope, left, 10)
    y -= 6 * MM
    text(f"共 {data.count:,} 份申请，补助金额合计 {data.amount:,} 元", left, 11, bold=True)
    if data.made:
        draw_line(canvas, fonts, f"编制日期：{data.made}", right - 45 * MM, y, 9)
    charts = (
        ("各服务站申请份数", station_chart(data.by_station, face, width, 62 * MM), 62),
        ("每月申请份数", month_chart(data.by_month, face, width, 58 * MM), 58),
        (
            "申请最多的职业（工种）或项目",
            occupation_chart(data.by_occupation, face, width, 62 * MM),
            62,
        ),
    )
    for title, drawing, height in charts:
        y -= 8 * MM
        text(title, left, 11, bold=True)
        y -= height * MM
        renderPDF.draw(drawing, canvas, left, y)
    y -= 8 * MM
    text("按方案", left, 10, bold=True)
    text("按状态", left + width / 2, 10, bold=True)
    for i in range(max(len(data.by_scheme), len(data.by_status))):
        y -= 5.5 * MM
        if i < len(data.by_scheme):
            key, count, amount = data.by_scheme[i]
            text(f"{key}：{count:,} 份，{amount:,} 元", left, 9)
        if i < len(data.by_status):
            key, count, amount = data.by_status[i]
            text(f"{key}：{count:,} 份，{amount:,} 元", left + width / 2, 9)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def report_png(pdf: bytes, *, dpi: int = 110) -> bytes:
    """The report's page as a PNG (PDFium's render of the same PDF)."""
    import pypdfium2

    page = pypdfium2.PdfDocument(pdf)[0]
    image = page.render(scale=dpi / 72).to_pil()
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
