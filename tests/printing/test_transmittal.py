"""The 报送清单 PDF read back (printing/transmittal.py): every line once and in order, the header
and the column heads on every page, "第 N 页 共 M 页", the totals per scheme and overall in
figures and in capitals on the last page under at least one line, the two seal boxes, and
only embedded fonts."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from desktop_app.printing.transmittal import (
    COLUMNS,
    TITLE,
    TransmittalLine,
    TransmittalList,
    paginate,
    render_transmittal,
)

SCHEMES = ("2026年重点群体技能补助", "2016年职业发展助推计划")


def _list(count: int, *, note: str = "") -> TransmittalList:
    lines = tuple(
        TransmittalLine(
            position=n,
            receipt=f"XC01-20261121-{n:04d}",
            name="欧阳明月" if n % 7 == 0 else "张伟",
            id_number="110102********0016",
            scheme=SCHEMES[n % 2],
            item="无人机驾驶员" if n % 2 else "社会工作者（中级）",
            level="4级" if n % 2 else "中级",
            amount=1800 if n % 2 else 3000,
        )
        for n in range(1, count + 1)
    )
    totals = tuple(
        (s, sum(1 for x in lines if x.scheme == s), sum(x.amount for x in lines if x.scheme == s))
        for s in (SCHEMES[1], SCHEMES[0])
        if any(x.scheme == s for x in lines)
    )
    return TransmittalList(
        number="XC01-BS-2026-0003",
        station="西城区某街道工会服务站（XC01）",
        district="西城区",
        made="2026年12月8日",
        lines=lines,
        totals=totals,
        note=note,
    )


def _pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


@pytest.mark.parametrize("count", [1, 9, 17, 40])
def test_every_line_once_in_order_with_the_header_and_page_numbers_on_each_page(count):
    data = _list(count)
    rendered = render_transmittal(data)
    pages = _pages(rendered.pdf)
    assert len(pages) == rendered.pages == len(paginate(count, len(data.totals)))
    found = []
    for n, text in enumerate(pages, start=1):
        assert TITLE in text and "批次号：XC01-BS-2026-0003" in text
        assert "报送单位：西城区某街道工会服务站（XC01）" in text
        for heading, _width, _right in COLUMNS:
            assert heading in text
        assert f"第 {n} 页 共 {len(pages)} 页" in text
        found += re.findall(r"XC01-20261121-\d{4}", text)
    assert found == [line.receipt for line in data.lines]
    assert not rendered.missing


def test_the_totals_and_the_seal_boxes_are_on_the_last_page_only():
    data = _list(40)  # 20 of each scheme
    pages = _pages(render_transmittal(data).pdf)
    last = pages[-1]
    assert "2016年职业发展助推计划：20 份，36,000 元（叁万陆仟元整）" in last
    assert "2026年重点群体技能补助：20 份，60,000 元（陆万元整）" in last
    assert "合计：40 份，96,000 元（大写：玖万陆仟元整）" in last
    assert "报送单位（服务站）意见" in last and "西城区总工会意见" in last
    assert last.count("年　　月　　日") == 2 and "（盖章）" in last
    assert re.search(r"XC01-20261121-\d{4}", last)  # the totals never stand alone
    for page in pages[:-1]:
        assert "合计" not in page and "意见" not in page


def test_a_withdrawn_batch_says_so_on_every_page():
    note = "本批次已于 2026-12-09 10:00 撤回（漏盖公章），仅供存档"
    for text in _pages(render_transmittal(_list(30, note=note)).pdf):
        assert note in text


def test_pages_hold_every_line_and_the_last_one_a_line_with_the_totals():
    for totals in (1, 2, 5):
        for count in range(0, 80):
            pages = paginate(count, totals)
            assert [i for page in pages for i in page] == list(range(count))
            sizes = [len(page) for page in pages]
            assert all(size == sizes[0] for size in sizes[:-2])  # full pages, then the last
            if count:
                assert len(pages[-1]) >= 1


def test_only_embedded_fonts():
    reader = PdfReader(io.BytesIO(render_transmittal(_list(30)).pdf))
    for page in reader.pages:
        fonts = page["/Resources"]["/Font"]
        for name in fonts:
            font = fonts[name].get_object()
            assert font["/Subtype"] != "/Type1", f"{font['/BaseFont']} is not embedded"
            assert "/FontFile2" in font["/FontDescriptor"].get_object()
