"""The one renderer: draws any form of `forms/` with its values into a PDF (reportlab canvas).

Each form is one page. Text is set character run by character run in the face that has it
(`fonts.FontSet`); a value is shrunk (down to the form's `min_font_size`) and otherwise wrapped
to stay inside its cell, and is never drawn outside it: what still does not fit is cut and
reported. A character no font has is left blank (one em) and named in `Rendered.missing`.

The renderer also returns where it put everything (`PageLayout.placed`: each label, value,
stamp box and line of text with its rectangle in PDF points, origin at the bottom left), so
tests and a preview can check the page against the layout it was drawn from.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from reportlab.pdfgen.canvas import Canvas

from desktop_app.printing.fonts import FontSet, default_fonts
from desktop_app.printing.forms import MM, Cell, FormSpec, Part, Qr, Space, Table, TextBlock

LEADING = 1.2  # line height as a multiple of the font size
ASCENT = 0.86  # of a CJK glyph above the baseline, as a multiple of the size
BOLD_STROKE = 0.035  # outline width of fake bold text, as a multiple of the size
_VERTICAL_FORMS = str.maketrans("（）()〔〕【】「」", "︵︶︵︶︹︺︻︼﹁﹂")
_NO_LINE_START = set("，。、；：！？）》」』】〕,.;:!?)%")
_NO_LINE_END = set("（《「『【〔“‘(")
_WORD = re.compile(r"[A-Za-z0-9@#&_./\-]+|\s+|.", re.S)


@dataclass(frozen=True)
class Rect:
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    def contains(self, x: float, y: float, tolerance: float = 0.01) -> bool:
        return (
            self.x0 - tolerance <= x <= self.x1 + tolerance
            and self.y0 - tolerance <= y <= self.y1 + tolerance
        )

    def contains_rect(self, other: Rect, tolerance: float = 0.01) -> bool:
        return self.contains(other.x0, other.y0, tolerance) and self.contains(
            other.x1, other.y1, tolerance
        )


@dataclass(frozen=True)
class Placed:
    """One thing drawn: a label, a value, a stamp box or a line of text."""

    key: str  # a value's field name, "label:姓名", "stamp:…", "text:…"
    kind: str  # label | value | stamp | text | qr
    rect: Rect  # the cell (or the text band) it belongs to
    text: str  # what it should show
    lines: tuple[str, ...] = ()  # as printed (missing characters included)
    size: float = 0.0
    overflow: bool = False  # the text did not fit even at the smallest size and was cut
    ink: tuple[Rect, ...] = ()  # each printed line's box
    seal: Rect | None = None  # stamp boxes: the room left for the round seal


@dataclass
class PageLayout:
    form_id: str
    page_size: tuple[float, float]
    placed: list[Placed] = field(default_factory=list)

    def find(self, key: str) -> Placed:
        for item in self.placed:
            if item.key == key:
                return item
        raise KeyError(key)


@dataclass
class Rendered:
    pdf: bytes
    pages: list[PageLayout]
    missing: list[str]  # characters no font has: printed blank
    overflows: list[str]  # keys of texts cut to fit


def draw_line(
    canvas: Canvas,
    fonts: FontSet,
    text: str,
    x: float,
    y: float,
    size: float,
    *,
    bold: bool = False,
) -> Rect:
    """Draw one line of text with its baseline at y, each run in the face that has it (a
    character no font has leaves room to write it by hand); return its box."""
    start = x
    for face, run in fonts.runs(text):
        if face is None:
            x += size * len(run)
            continue
        obj = canvas.beginText(x, y)
        obj.setFont(face.name, size)
        if bold:
            # Fake bold: fill and stroke the outlines. The render mode and the line width
            # are graphics state (they outlive ET), so they live inside q … Q.
            canvas.saveState()
            canvas.setLineWidth(size * BOLD_STROKE)
            obj.setTextRenderMode(2)
        obj.textOut(run)
        canvas.drawText(obj)
        if bold:
            canvas.restoreState()
        x += fonts.width(run, size)
    return Rect(start, y - 0.14 * size, x, y + ASCENT * size)


def new_canvas(buffer: io.BytesIO, fonts: FontSet, page_size: tuple[float, float]) -> Canvas:
    """A canvas whose pages start with the forms' embedded face as the current font:
    reportlab's own (Helvetica) would be named on every page without being embedded, which
    print shops' preflight and PDF/A checkers flag."""
    initial = fonts.primary.name if fonts.primary.load() is not None else None
    canvas = Canvas(buffer, pagesize=page_size, pageCompression=1, initialFontName=initial)
    canvas.setCreator("职工技能补助柜台 union-counter")
    return canvas


@dataclass(frozen=True)
class _Fit:
    size: float
    lines: tuple[str, ...]
    overflow: bool = False


class _Page:
    def __init__(self, canvas: Canvas, fonts: FontSet, spec: FormSpec) -> None:
        self.c = canvas
        self.fonts = fonts
        self.spec = spec
        self.layout = PageLayout(spec.id, spec.page_size)

    # --- text primitives ----------------------------------------------------------------------

    def width(self, text: str, size: float) -> float:
        return self.fonts.width(text, size)

    def draw(self, text: str, x: float, y: float, size: float, *, bold: bool = False) -> Rect:
        """Draw one line with its baseline at y; return its box."""
        return draw_line(self.c, self.fonts, text, x, y, size, bold=bold)

    def wrap(self, text: str, width: float, size: float) -> list[str]:
        """Greedy line breaking: Chinese anywhere, Latin words and numbers kept whole."""
        lines: list[str] = []
        for paragraph in text.split("\n"):
            tokens = _WORD.findall(paragraph)
            line = ""
            for token in tokens:
                if self.width(line + token, size) <= width or not line.strip():
                    if self.width(token, size) > width and not line.strip():
                        # a word longer than the line: break it by characters
                        for ch in token:
                            if self.width(line + ch, size) > width and line:
                                lines.append(line)
                                line = ""
                            line += ch
                        continue
                    line += token
                    continue
                if token.isspace():
                    lines.append(line)
                    line = ""
                    continue
                carry = ""
                if token[0] in _NO_LINE_START and len(line) > 1:
                    carry, line = line[-1], line[:-1]
                while len(line) > 1 and line[-1] in _NO_LINE_END:
                    carry, line = line[-1] + carry, line[:-1]
                lines.append(line.rstrip())
                line = carry + token
            lines.append(line.rstrip())
        return lines

    def fit(
        self,
        text: str,
        width: float,
        height: float,
        size: float,
        *,
        wrap: bool = True,
        prefer_wrap: bool = False,
    ) -> _Fit:
        """The largest size at which `text` fits: on one line first, then wrapped."""
        floor = min(self.spec.min_font_size, size)
        sizes: list[float] = []
        s = size
        while s > floor + 1e-6:
            sizes.append(s)
            s = round(s - 0.5, 2)
        sizes.append(floor)
        # One line, shrunk by at most a quarter; then wrapped, down to the smallest size.
        # A text that asks to wrap (a note under a table) is wrapped at its own size first.
        single_floor = max(floor, size * 0.75) if wrap else floor
        if "\n" not in text and not prefer_wrap:
            for s in sizes:
                if s < single_floor - 1e-6:
                    break
                if self.width(text, s) <= width and s * LEADING <= height + 0.5:
                    return _Fit(s, (text,))
        if wrap:
            for s in sizes:
                lines = self.wrap(text, width, s)
                if len(lines) * s * LEADING <= height + 0.5 and all(
                    self.width(line, s) <= width + 0.01 for line in lines
                ):
                    return _Fit(s, tuple(lines))
        # Does not fit even at the smallest size: keep what fits, mark the cut.
        lines = self.wrap(text, width, floor) if wrap else [text]
        room = max(1, int((height + 0.5) // (floor * LEADING)))
        kept = lines[:room]
        last = kept[-1]
        while last and self.width(last + "…", floor) > width:
            last = last[:-1]
        kept[-1] = last + "…"
        return _Fit(floor, tuple(kept), overflow=True)

    def draw_lines(
        self,
        fit: _Fit,
        rect: Rect,
        pad: float,
        align: str,
        valign: str,
        *,
        bold: bool = False,
    ) -> tuple[Rect, ...]:
        size = fit.size
        step = size * LEADING
        block = step * len(fit.lines)
        top = rect.y1 - pad if valign == "top" else (rect.y0 + rect.y1) / 2 + block / 2
        inks: list[Rect] = []
        for i, line in enumerate(fit.lines):
            baseline = top - i * step - (step - size) / 2 - ASCENT * size
            line_width = self.width(line, size)
            if align == "center":
                x = (rect.x0 + rect.x1 - line_width) / 2
            elif align == "right":
                x = rect.x1 - pad - line_width
            else:
                x = rect.x0 + pad
            inks.append(self.draw(line, x, baseline, size, bold=bold))
        return tuple(inks)

    # --- blocks --------------------------------------------------------------------------------

    def text_block(self, block: TextBlock, top: float, values: Mapping[str, str]) -> None:
        left = self.spec.margins_mm[3] * MM
        rect = Rect(left, top - block.height_mm * MM, left + self.spec.content_width_mm * MM, top)
        for part in block.parts:
            self.part(part, rect, values)

    def part(self, part: Part, rect: Rect, values: Mapping[str, str]) -> None:
        text = values.get(part.field, "") if part.field else part.text
        key = part.field or f"text:{part.text}"
        size = part.size or self.spec.font_size
        if not text:
            self.layout.placed.append(Placed(key, "text", rect, "", size=size))
            return
        fit = self.fit(text, rect.width, rect.height, size, wrap=part.wrap, prefer_wrap=part.wrap)
        inks = self.draw_lines(fit, rect, 0, part.align, "middle", bold=part.bold)
        self.layout.placed.append(
            Placed(key, "text", rect, text, fit.lines, fit.size, fit.overflow, inks)
        )

    def table(self, table: Table, top: float, values: Mapping[str, str]) -> None:
        left = self.spec.margins_mm[3] * MM
        # centre the table in the text area
        left += (self.spec.content_width_mm - table.width_mm) * MM / 2
        xs = [left]
        for w in table.columns_mm:
            xs.append(xs[-1] + w * MM)
        ys = [top]
        for h in table.rows_mm:
            ys.append(ys[-1] - h * MM)
        self.c.setStrokeColorRGB(0, 0, 0)
        self.c.setLineWidth(table.line_width)
        for cell in table.cells:
            rect = Rect(
                xs[cell.col], ys[cell.row + cell.rowspan], xs[cell.col + cell.colspan], ys[cell.row]
            )
            self.c.rect(rect.x0, rect.y0, rect.width, rect.height, stroke=1, fill=0)
            self.cell(cell, rect, table.padding_mm * MM, values)
        self.c.setLineWidth(table.outer_line_width)
        self.c.rect(xs[0], ys[-1], xs[-1] - xs[0], ys[0] - ys[-1], stroke=1, fill=0)

    def cell(self, cell: Cell, rect: Rect, pad: float, values: Mapping[str, str]) -> None:
        size = cell.size or self.spec.font_size
        inner_w = rect.width - 2 * pad
        inner_h = rect.height - 2 * pad
        if cell.kind == "stamp":
            self.stamp(cell, rect, pad, size)
            return
        if cell.kind == "value":
            assert cell.field is not None
            text = " ".join(str(values.get(cell.field) or "").split(" ")).strip()
            if not text:
                self.layout.placed.append(Placed(cell.key, "value", rect, "", size=size))
                return
            fit = self.fit(text, inner_w, inner_h, size)
            inks = self.draw_lines(fit, rect, pad, cell.align, cell.valign)
            self.layout.placed.append(
                Placed(cell.key, "value", rect, text, fit.lines, fit.size, fit.overflow, inks)
            )
            return
        text = cell.text
        if cell.vertical:
            self.vertical(cell, rect, pad, size)
            return
        if cell.align == "distribute" and "\n" not in text:
            chars = [ch for ch in text if not ch.isspace()]
            natural = self.width("".join(chars), size)
            span = min(inner_w, max(natural, size * 4))
            if natural <= inner_w and len(chars) > 1:
                gap = (span - natural) / (len(chars) - 1)
                x = (rect.x0 + rect.x1 - span) / 2
                baseline = (rect.y0 + rect.y1) / 2 - 0.36 * size
                char_inks: list[Rect] = []
                for ch in chars:
                    char_inks.append(self.draw(ch, x, baseline, size))
                    x += self.width(ch, size) + gap
                self.layout.placed.append(
                    Placed(
                        cell.key,
                        "label",
                        rect,
                        text,
                        ("".join(chars),),
                        size,
                        False,
                        tuple(char_inks),
                    )
                )
                return
        fit = self.fit(text, inner_w, inner_h, size)
        align = "center" if cell.align == "distribute" else cell.align
        inks = self.draw_lines(fit, rect, pad, align, cell.valign)
        self.layout.placed.append(
            Placed(cell.key, "label", rect, text, fit.lines, fit.size, fit.overflow, inks)
        )

    def vertical(self, cell: Cell, rect: Rect, pad: float, size: float) -> None:
        chars = [ch for ch in cell.text.translate(_VERTICAL_FORMS) if not ch.isspace()]
        floor = min(self.spec.min_font_size, size)
        while size > floor and len(chars) * size * 1.1 > rect.height - 2 * pad:
            size -= 0.5
        step = size * 1.1
        total = step * len(chars)
        top = (rect.y0 + rect.y1) / 2 + total / 2
        cx = (rect.x0 + rect.x1) / 2
        inks = []
        for i, ch in enumerate(chars):
            baseline = top - i * step - (step - size) / 2 - ASCENT * size
            inks.append(self.draw(ch, cx - self.width(ch, size) / 2, baseline, size))
        overflow = total > rect.height - 2 * pad + 0.5
        self.layout.placed.append(
            Placed(cell.key, "label", rect, cell.text, tuple(chars), size, overflow, tuple(inks))
        )

    def qr(self, qr: Qr, values: Mapping[str, str]) -> None:
        """The field as a QR code in the top margin, its right edge `right_mm` in from the
        text area's; nothing when the field is empty. Each run of dark modules in a row is
        one filled rectangle (a few hundred, not a thousand squares)."""
        text = values.get(qr.field, "")
        if not text:
            return
        modules = _qr_modules(text)
        count = len(modules) + 2 * QR_QUIET_MODULES
        side = qr.size_mm * MM
        module = side / count
        page_width, page_height = self.spec.page_size
        x1 = page_width - (self.spec.margins_mm[1] + qr.right_mm) * MM
        x0 = x1 - side
        y1 = page_height - qr.top_mm * MM
        y0 = y1 - side
        self.c.saveState()
        self.c.setFillColorRGB(0, 0, 0)
        for r, row in enumerate(modules):
            y = y1 - (QR_QUIET_MODULES + r + 1) * module
            col = 0
            while col < len(row):
                if not row[col]:
                    col += 1
                    continue
                start = col
                while col < len(row) and row[col]:
                    col += 1
                x = x0 + (QR_QUIET_MODULES + start) * module
                self.c.rect(x, y, (col - start) * module, module, stroke=0, fill=1)
        self.c.restoreState()
        self.layout.placed.append(Placed(f"qr:{qr.field}", "qr", Rect(x0, y0, x1, y1), text))
        if qr.caption:
            # The same text to read by eye, at the code's left, on the line of its last
            # dark row (inside the quiet zone's height, clear of the text area).
            caption = f"{qr.caption}　{text}"
            size = QR_CAPTION_SIZE
            x = x0 - self.width(caption, size)
            baseline = y0 + QR_QUIET_MODULES * module
            ink = self.draw(caption, x, baseline, size)
            self.layout.placed.append(
                Placed(f"qr-caption:{qr.field}", "text", ink, caption, (caption,), size, ink=(ink,))
            )

    def stamp(self, cell: Cell, rect: Rect, pad: float, size: float) -> None:
        inner = Rect(rect.x0 + pad, rect.y0 + pad, rect.x1 - pad, rect.y1 - pad)
        margin = 2 * MM
        heading = self.fit(cell.text, inner.width - margin, inner.height / 4, size)
        inks = list(
            self.draw_lines(
                heading,
                Rect(inner.x0 + margin, inner.y0, inner.x1, inner.y1 - margin / 2),
                0,
                "left",
                "top",
            )
        )
        heading_bottom = min(r.y0 for r in inks) if inks else inner.y1
        lines = list(heading.lines)
        date_base = rect.y0 + 5 * MM
        sign_base = date_base + size * 2.2
        if cell.date:
            x = inner.x1 - margin - self.width(cell.date, size)
            inks.append(self.draw(cell.date, x, date_base, size))
            lines.append(cell.date)
        if cell.sign:
            x = inner.x0 + margin
            inks.append(self.draw(cell.sign, x, sign_base, size))
            lines.append(cell.sign)
            line_from = x + self.width(cell.sign, size) + 1
            self.c.setLineWidth(0.5)
            self.c.line(line_from, sign_base - 2, inner.x1 - margin, sign_base - 2)
        room_top = heading_bottom - 1 * MM
        room_bottom = sign_base + size * 1.2
        seal_side = cell.seal_mm * MM
        cy = (room_top + room_bottom) / 2
        cx = (rect.x0 + rect.x1) / 2
        seal = Rect(cx - seal_side / 2, cy - seal_side / 2, cx + seal_side / 2, cy + seal_side / 2)
        overflow = room_top - room_bottom + 0.5 < seal_side
        self.layout.placed.append(
            Placed(
                cell.key, "stamp", rect, cell.text, tuple(lines), size, overflow, tuple(inks), seal
            )
        )


def _qr_modules(text: str) -> list[list[bool]]:
    """The QR code of `text` as rows of dark (True) and light modules, error correction M
    (15 % of the code may be soiled or stamped over and it still reads)."""
    from reportlab.graphics.barcode.qrencoder import QRCode, QRErrorCorrectLevel

    code = QRCode(None, QRErrorCorrectLevel.M)
    code.addData(text)
    code.make()
    count = code.getModuleCount()
    return [[bool(code.isDark(row, col)) for col in range(count)] for row in range(count)]


QR_QUIET_MODULES = 4  # the light border a reader needs around the code (ISO/IEC 18004)
QR_CAPTION_SIZE = 9.0


def render(
    jobs: Sequence[tuple[FormSpec, Mapping[str, str]]],
    *,
    fonts: FontSet | None = None,
    title: str = "",
    author: str = "",
) -> Rendered:
    """Draw each (form, values) on a page of its own; one PDF."""
    fonts = fonts or default_fonts()
    buffer = io.BytesIO()
    first = jobs[0][0] if jobs else None
    canvas = new_canvas(buffer, fonts, first.page_size if first else (595.27, 841.89))
    canvas.setTitle(title or (first.name if first else ""))
    canvas.setAuthor(author)
    pages: list[PageLayout] = []
    texts: list[str] = []
    overflows: list[str] = []
    for spec, values in jobs:
        canvas.setPageSize(spec.page_size)
        page = _Page(canvas, fonts, spec)
        top = spec.page_size[1] - spec.margins_mm[0] * MM
        for block in spec.blocks:
            if isinstance(block, TextBlock):
                page.text_block(block, top, values)
                top -= block.height_mm * MM
            elif isinstance(block, Space):
                top -= block.height_mm * MM
            else:
                page.table(block, top, values)
                top -= block.height_mm * MM
        if spec.qr is not None:
            page.qr(spec.qr, values)
        canvas.showPage()
        pages.append(page.layout)
        for item in page.layout.placed:
            texts.extend(item.lines)
            if item.overflow:
                overflows.append(item.key)
    canvas.save()
    return Rendered(buffer.getvalue(), pages, fonts.missing(texts), overflows)
