"""The 统计 report read back (printing/stats_report.py): its figures on the page as text (the
charts' labels and values included), only embedded fonts, and the PNG of the same page."""

from __future__ import annotations

import io

from PIL import Image
from pypdf import PdfReader

from desktop_app.printing.stats_report import TITLE, StatsReport, render_report, report_png

DATA = StatsReport(
    scope="登记日期 2025-01-01 至 2025-12-31，全部服务站",
    count=60,
    amount=123_000,
    by_station=[("XC01", 35, 70_000), ("CY02", 25, 53_000)],
    by_month=[(f"2025-{m:02d}", m, m * 1000) for m in range(1, 13)][:11],
    by_occupation=[("无人机驾驶员", 30, 54_000), ("社会工作者", 20, 60_000), ("电工", 10, 9_000)],
    by_scheme=[("2026年重点群体技能补助", 40, 63_000), ("2016年职业发展助推计划", 20, 60_000)],
    by_status=[("已受理", 10, 20_000), ("已发放", 50, 103_000)],
    made="2026年12月8日",
)


def test_the_figures_are_on_the_page():
    pdf = render_report(DATA)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert TITLE in text and DATA.scope in text
    assert "共 60 份申请，补助金额合计 123,000 元" in text
    for key, count, _amount in DATA.by_station:
        assert key in text and str(count) in text  # the bars' labels and their values
    assert "2025-01" in text and "2025-11" in text  # the months' line
    assert "无人机驾驶员" in text and "社会工作者" in text and "30" in text
    assert "2016年职业发展助推计划：20 份，60,000 元" in text
    assert "已发放：50 份，103,000 元" in text


def test_only_embedded_fonts_even_in_the_charts():
    page = PdfReader(io.BytesIO(render_report(DATA))).pages[0]
    fonts = page["/Resources"]["/Font"]
    for name in fonts:
        font = fonts[name].get_object()
        assert font["/Subtype"] != "/Type1", f"{font['/BaseFont']} is not embedded"


def test_an_empty_period_still_draws_a_page():
    empty = StatsReport("登记日期 2030-01-01 至 最近，全部服务站", 0, 0, [], [], [], [], [])
    text = PdfReader(io.BytesIO(render_report(empty))).pages[0].extract_text()
    assert "共 0 份申请" in text


def test_the_png_is_the_page():
    image = Image.open(io.BytesIO(report_png(render_report(DATA), dpi=72)))
    assert image.format == "PNG"
    assert abs(image.width - 595) <= 1 and abs(image.height - 842) <= 1
