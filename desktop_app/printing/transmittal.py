"""The 报送清单 (transmittal list) of a submission batch as a PDF: A4 landscape, the list's
header and column heads on every page, one line per application, then the totals per scheme
and overall in figures and in Chinese capitals, and the station's and the district's boxes for
a signature, a date and a round seal; "第 N 页 共 M 页" at the foot of every page.

The lines are laid out before anything is drawn (each page's rows, and whether the totals and
the seal boxes still fit on the last one), so that every page knows how many there are. No Qt,
no database: `services/submissions.py` gives the list's content.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen.canvas import Canvas

from desktop_app.printing.fonts import FontSet, default_fonts
from desktop_app.printing.forms import MM
from desktop_app.printing.money import amount_in_capitals
from desktop_app.printing.render import draw_line, new_canvas

PAGE = landscape(A4)
MARGINS_MM = (20.0, 18.0, 16.0, 18.0)  # top, right, bottom, left
TITLE = "北京市职工技能补助报送清单"
# (heading, width in mm, right-aligned)
COLUMNS: tuple[tuple[str, float, bool], ...] = (
    ("序号", 12, True),
    ("受理编号", 42, False),
    ("姓名", 26, False),
    ("身份证号", 40, False),
    ("补助方案", 46, False),
    ("职业（工种）或项目", 52, False),
    ("等级", 14, False),
    ("金额（元）", 21, True),
)
ROW_MM = 7.5
HEAD_MM = 8.5
SIZE = 10.0
SEAL_BOX_MM = (120.0, 46.0)  # each signature and seal box: room for a 42 mm seal
TOTAL_LINE_MM = 7.0


@dataclass(frozen=True)
class TransmittalLine:
    position: int
    receipt: str
    name: str
    id_number: str  # masked
    scheme: str  # the scheme's name as the list shows it
    item: str
    level: str
    amount: int


@dataclass(frozen=True)
class TransmittalList:
    number: str  # XC01-BS-2026-0003
    station: str  # 西城区某街道工会服务站（XC01）
    district: str
    made: str  # 2026年12月8日
    lines: tuple[TransmittalLine, ...]
    totals: tuple[tuple[str, int, int], ...]  # (scheme, applications, amount)
    note: str = ""  # e.g. 已撤回 …: printed under the title

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)


@dataclass(frozen=True)
class RenderedList:
    pdf: bytes
    pages: int
    missing: list[str]  # characters no font has: printed blank


def _content() -> tuple[float, float, float, float]:
    """(left, bottom, right, top) of the text area in points."""
    top, right, bottom, left = MARGINS_MM
    return left * MM, bottom * MM, PAGE[0] - right * MM, PAGE[1] - top * MM


def _header_height() -> float:
    return (12 + 7 + 3) * MM + HEAD_MM * MM  # title, the batch's line, a gap, column heads


def _footer_height() -> float:
    return 8 * MM


def _tail_height(totals: int) -> float:
    """The totals (one line per scheme and the overall one) and the seal boxes."""
    return (4 + TOTAL_LINE_MM * (totals + 1) + 4) * MM + SEAL_BOX_MM[1] * MM


def paginate(count: int, totals: int) -> list[range]:
    """The lines of each page (ranges of indexes): as many as fit under the header; the last
    page also holds the totals and the seal boxes, under at least one line (the totals never
    stand on a page of their own, unless so many schemes leave no room for a line)."""
    _left, bottom, _right, top = _content()
    room = top - bottom - _header_height() - _footer_height()
    per_page = max(1, int(room // (ROW_MM * MM)))
    last_room = max(0, int((room - _tail_height(totals)) // (ROW_MM * MM)))
    pages: list[range] = []
    start = 0
    while count - start > last_room:
        end = min(count, start + per_page)
        if end == count and last_room:
            end = count - 1  # one line goes over with the totals
        pages.append(range(start, end))
        start = end
    pages.append(range(start, count))
    return pages


class _ListPage:
    def __init__(self, canvas: Canvas, fonts: FontSet) -> None:
        self.c = canvas
        self.fonts = fonts
        self.texts: list[str] = []

    def text(
        self, text: str, x: float, y: float, size: float = SIZE, *, bold: bool = False,
        align: str = "left",
    ) -> None:  # fmt: skip
        width = self.fonts.width(text, size)
        if align == "right":
            x -= width
        elif align == "center":
            x -= width / 2
        draw_line(self.c, self.fonts, text, x, y, size, bold=bold)
        self.texts.append(text)

    def fitted(self, text: str, x: float, y: float, width: float, *, right: bool) -> None:
        """One cell's text on one line, made smaller (to 7 pt) rather than cut."""
        size = SIZE
        while size > 7 and self.fonts.width(text, size) > width:
            size -= 0.5
        self.text(text, x + width if right else x, y, size, align="right" if right else "left")


def render_transmittal(data: TransmittalList, *, fonts: FontSet | None = None) -> RenderedList:
    """The list's PDF."""
    fonts = fonts or default_fonts()
    buffer = io.BytesIO()
    canvas = new_canvas(buffer, fonts, PAGE)
    canvas.setTitle(f"{TITLE} {data.number}")
    pages = paginate(len(data.lines), len(data.totals))
    left, bottom, right, top = _content()
    pad = 1.5 * MM
    texts: list[str] = []
    for number, lines in enumerate(pages, start=1):
        page = _ListPage(canvas, fonts)
        y = top - 9 * MM
        page.text(TITLE, (left + right) / 2, y, 18, bold=True, align="center")
        y -= 8 * MM
        page.text(f"批次号：{data.number}", left, y)
        page.text(f"报送单位：{data.station}", left + 80 * MM, y)
        page.text(f"编制日期：{data.made}", right, y, align="right")
        if data.note:
            page.text(data.note, (left + right) / 2, y + 4.5 * MM, 9, align="center")
        y -= 3 * MM
        # The column heads, ruled.
        row_top = y
        x = left
        canvas.setLineWidth(0.6)
        canvas.rect(left, row_top - HEAD_MM * MM, right - left, HEAD_MM * MM)
        for heading, width, _right in COLUMNS:
            page.text(heading, x + width * MM / 2, row_top - HEAD_MM * MM + 2.7 * MM, bold=True,
                      align="center")  # fmt: skip
            x += width * MM
        y = row_top - HEAD_MM * MM
        for index in lines:
            line = data.lines[index]
            cells = (str(line.position), line.receipt, line.name, line.id_number, line.scheme,
                     line.item, line.level, f"{line.amount:,}")  # fmt: skip
            canvas.rect(left, y - ROW_MM * MM, right - left, ROW_MM * MM)
            x = left
            for text, (_heading, width, right_aligned) in zip(cells, COLUMNS, strict=True):
                page.fitted(text, x + pad, y - ROW_MM * MM + 2.4 * MM, width * MM - 2 * pad,
                            right=right_aligned)  # fmt: skip
                x += width * MM
            y -= ROW_MM * MM
        # The column rules over the heads and the page's lines.
        x = left
        for _heading, width, _right in COLUMNS[:-1]:
            x += width * MM
            canvas.line(x, row_top, x, y)
        if number == len(pages):
            y -= 4 * MM
            for scheme, count, amount in data.totals:
                y -= TOTAL_LINE_MM * MM
                page.text(f"{scheme}：{count} 份，{amount:,} 元（{amount_in_capitals(amount)}）",
                          left, y)  # fmt: skip
            y -= TOTAL_LINE_MM * MM
            capitals = amount_in_capitals(data.total)
            total = f"合计：{len(data.lines)} 份，{data.total:,} 元（大写：{capitals}）"
            page.text(total, left, y, 11, bold=True)
            y -= 4 * MM
            box_w, box_h = (v * MM for v in SEAL_BOX_MM)
            for k, (who, sign) in enumerate(
                (("报送单位（服务站）意见", "经办人："), (f"{data.district}总工会意见", "审核人："))
            ):
                x0 = left + k * (box_w + 7 * MM)
                canvas.rect(x0, y - box_h, box_w, box_h)
                page.text(who, x0 + 3 * MM, y - 6 * MM, bold=True)
                page.text(f"{sign}　　　　　　　（盖章）", x0 + 3 * MM, y - box_h + 12 * MM)
                page.text("年　　月　　日", x0 + box_w - 3 * MM, y - box_h + 4 * MM, align="right")
        page.text(f"第 {number} 页 共 {len(pages)} 页", (left + right) / 2, bottom + 2 * MM, 9,
                  align="center")  # fmt: skip
        texts.extend(page.texts)
        canvas.showPage()
    canvas.save()
    return RenderedList(buffer.getvalue(), len(pages), fonts.missing(texts))
