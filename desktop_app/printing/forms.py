"""Form layouts as data: the `forms/*.toml` files, read and checked.

A form is one page: a paper size, margins, and blocks stacked from the top of the text area —
`text` lines (fixed text or a field's value, left/centre/right, optionally bold or wrapped),
`space`, and one or more `table`s: a grid of columns and rows (millimetres) whose cells are
placed by `at = [row, col]` with an optional `span = [rows, cols]` and are one of

- `label`: fixed text (`align = "distribute"` spreads a short label across the cell, as
  Chinese forms do; `vertical = true` stacks the characters, for a section's name);
- `value`: the value of a field (`field = "member.name"`), shrunk and wrapped to fit, blank
  when the value is empty so it can be written in by hand;
- `stamp`: a box for an opinion, a signature and a round seal: its heading at the top, the
  signature line and the date (年 月 日) at its foot, at least `min_mm` wide and high with room
  for a seal of `seal_mm` between them.

A form may carry one field as a QR code (`qr = { field = "application.receipt", size_mm = 20 }`)
drawn in the top margin at the right edge of the text area: `top_mm` from the page's top edge,
`right_mm` in from the text area's right edge, `caption = "受理编号"` to print the value as text
at its left too. It stays outside the 版心, so that an official form's layout stays as the
document has it; the code with its quiet zone must fit in that margin.

Every grid slot must belong to exactly one cell, so the table is ruled completely. Adding a
form is adding a file; `applies_to` limits a form to some schemes and certificate kinds (the
message in `refusal` says why another application cannot use it).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from reportlab.lib.pagesizes import A4, A5, landscape

from desktop_app.paths import data_root

MM = 72 / 25.4  # points per millimetre

PAGE_SIZES: dict[str, tuple[float, float]] = {"A4": A4, "A5": A5}
ALIGNS = ("left", "center", "right", "distribute")
VALIGNS = ("top", "middle")


class FormError(ValueError):
    """A form file that cannot be used; the message names the file, the entry and the problem."""


@dataclass(frozen=True)
class Part:
    text: str = ""
    field: str | None = None
    align: str = "left"
    size: float | None = None
    bold: bool = False
    wrap: bool = False


@dataclass(frozen=True)
class TextBlock:
    height_mm: float
    parts: tuple[Part, ...]


@dataclass(frozen=True)
class Space:
    height_mm: float


@dataclass(frozen=True)
class Cell:
    kind: str  # label | value | stamp
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1
    text: str = ""
    field: str | None = None
    align: str = "left"
    valign: str = "middle"
    size: float | None = None
    vertical: bool = False
    sign: str = ""
    date: str = ""
    seal_mm: float = 0.0
    min_mm: tuple[float, float] = (0.0, 0.0)

    @property
    def key(self) -> str:
        if self.kind == "value" and self.field:
            return self.field
        return f"{self.kind}:{self.text}"


@dataclass(frozen=True)
class Table:
    columns_mm: tuple[float, ...]
    rows_mm: tuple[float, ...]
    cells: tuple[Cell, ...]
    line_width: float = 0.6
    outer_line_width: float = 1.2
    padding_mm: float = 1.5

    @property
    def width_mm(self) -> float:
        return sum(self.columns_mm)

    @property
    def height_mm(self) -> float:
        return sum(self.rows_mm)


Block = TextBlock | Space | Table


@dataclass(frozen=True)
class Qr:
    """A field printed as a QR code in the top margin (its quiet zone inside `size_mm`)."""

    field: str
    size_mm: float = 20.0
    top_mm: float = 6.0
    right_mm: float = 0.0
    caption: str = ""  # when set, "<caption>　<value>" is printed at the code's left


QR_SIZES_MM = (12.0, 40.0)  # smaller does not scan from paper; larger crowds the margin
QR_EDGE_MM = 5.0  # no printer prints nearer the paper's edge


@dataclass(frozen=True)
class AppliesTo:
    scheme: str
    kind: str | None = None


@dataclass(frozen=True)
class FormSpec:
    id: str
    name: str
    page_size: tuple[float, float]  # points
    margins_mm: tuple[float, float, float, float]  # top, right, bottom, left
    font_size: float
    min_font_size: float
    blocks: tuple[Block, ...]
    applies_to: tuple[AppliesTo, ...] = ()
    refusal: str = ""
    source: str = ""
    qr: Qr | None = None

    def applies(self, scheme: str, kind: str) -> bool:
        if not self.applies_to:
            return True
        return any(a.scheme == scheme and a.kind in (None, kind) for a in self.applies_to)

    @property
    def fields(self) -> set[str]:
        names: set[str] = set()
        for block in self.blocks:
            if isinstance(block, TextBlock):
                names.update(p.field for p in block.parts if p.field)
            elif isinstance(block, Table):
                names.update(c.field for c in block.cells if c.field)
        if self.qr is not None:
            names.add(self.qr.field)
        return names

    @property
    def content_width_mm(self) -> float:
        return self.page_size[0] / MM - self.margins_mm[1] - self.margins_mm[3]

    @property
    def content_height_mm(self) -> float:
        return self.page_size[1] / MM - self.margins_mm[0] - self.margins_mm[2]


# --- reading -----------------------------------------------------------------------------------


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, problem: str) -> FormError:
        return FormError(f"表格文件 {self.source}：{where}：{problem}")

    def table(self, data: Any, where: str) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise self.fail(where, "应为一个表（键 = 值）")
        return data

    def keys(self, data: Mapping[str, Any], where: str, allowed: set[str]) -> None:
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise self.fail(
                where, f"未知的键 {', '.join(unknown)}（可用：{', '.join(sorted(allowed))}）"
            )

    def number(self, data: Mapping[str, Any], key: str, where: str, default: Any = None) -> float:
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise self.fail(f"{where}.{key}", "应为不小于 0 的数")
        return float(value)

    def optional_number(self, data: Mapping[str, Any], key: str, where: str) -> float | None:
        if key not in data:
            return None
        value = self.number(data, key, where)
        if value <= 0:
            raise self.fail(f"{where}.{key}", "应大于 0")
        return value

    def text(self, data: Mapping[str, Any], key: str, where: str, default: str = "") -> str:
        value = data.get(key, default)
        if not isinstance(value, str):
            raise self.fail(f"{where}.{key}", "应为文字")
        return value

    def choice(
        self, data: Mapping[str, Any], key: str, where: str, choices: tuple[str, ...], default: str
    ) -> str:
        value = self.text(data, key, where, default)
        if value not in choices:
            raise self.fail(f"{where}.{key}", f"“{value}”不可用（可用：{'、'.join(choices)}）")
        return value

    def flag(self, data: Mapping[str, Any], key: str, where: str) -> bool:
        value = data.get(key, False)
        if not isinstance(value, bool):
            raise self.fail(f"{where}.{key}", "应为 true 或 false")
        return value

    def numbers(self, data: Mapping[str, Any], key: str, where: str) -> tuple[float, ...]:
        value = data.get(key)
        if not isinstance(value, list) or not value:
            raise self.fail(f"{where}.{key}", "应为一列数")
        out = []
        for item in value:
            if isinstance(item, bool) or not isinstance(item, int | float) or item <= 0:
                raise self.fail(f"{where}.{key}", "每个数都应大于 0")
            out.append(float(item))
        return tuple(out)

    def part(self, data: Any, where: str) -> Part:
        data = self.table(data, where)
        self.keys(data, where, {"text", "field", "align", "size", "bold", "wrap"})
        field = data.get("field")
        if field is not None and (not isinstance(field, str) or not field):
            raise self.fail(f"{where}.field", "应为字段名")
        if field is None and "text" not in data:
            raise self.fail(where, "要有 text 或 field")
        return Part(
            text=self.text(data, "text", where),
            field=field,
            align=self.choice(data, "align", where, ALIGNS[:3], "left"),
            size=self.optional_number(data, "size", where),
            bold=self.flag(data, "bold", where),
            wrap=self.flag(data, "wrap", where),
        )

    def cell(self, data: Any, where: str) -> Cell:
        data = self.table(data, where)
        allowed = {"at", "span", "size", "align", "valign"}
        kinds = [k for k in ("label", "field", "stamp") if k in data]
        if len(kinds) != 1:
            raise self.fail(where, "每个格子要有 label、field、stamp 三者之一")
        kind = kinds[0]
        allowed |= {
            "label": {"label", "vertical"},
            "field": {"field"},
            "stamp": {"stamp", "sign", "date", "seal_mm", "min_mm"},
        }[kind]
        self.keys(data, where, allowed)
        at = data.get("at")
        span = data.get("span", [1, 1])
        for key, value, least in (("at", at, 0), ("span", span, 1)):
            if (
                not isinstance(value, list)
                or len(value) != 2
                or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
                or min(value) < least
            ):
                raise self.fail(f"{where}.{key}", f"应为 [行, 列]（不小于 {least} 的整数）")
        assert isinstance(at, list) and isinstance(span, list)
        min_mm: tuple[float, float] = (0.0, 0.0)
        if "min_mm" in data:
            got = self.numbers(data, "min_mm", where)
            if len(got) != 2:
                raise self.fail(f"{where}.min_mm", "应为 [宽, 高]")
            min_mm = (got[0], got[1])
        return Cell(
            kind="value" if kind == "field" else kind,
            row=at[0],
            col=at[1],
            rowspan=span[0],
            colspan=span[1],
            text=self.text(data, kind, where) if kind != "field" else "",
            field=self.text(data, "field", where) if kind == "field" else None,
            align=self.choice(
                data, "align", where, ALIGNS, "distribute" if kind == "label" else "left"
            ),
            valign=self.choice(data, "valign", where, VALIGNS, "middle"),
            size=self.optional_number(data, "size", where),
            vertical=self.flag(data, "vertical", where),
            sign=self.text(data, "sign", where),
            date=self.text(data, "date", where),
            seal_mm=self.number(data, "seal_mm", where, 0),
            min_mm=min_mm,
        )

    def grid(self, data: dict[str, Any], where: str) -> Table:
        self.keys(
            data,
            where,
            {
                "type",
                "columns_mm",
                "rows_mm",
                "cells",
                "line_width",
                "outer_line_width",
                "padding_mm",
            },
        )
        columns = self.numbers(data, "columns_mm", where)
        rows = self.numbers(data, "rows_mm", where)
        raw_cells = data.get("cells")
        if not isinstance(raw_cells, list) or not raw_cells:
            raise self.fail(f"{where}.cells", "应为一列格子")
        cells = tuple(self.cell(c, f"{where}.cells[{i}]") for i, c in enumerate(raw_cells))
        owner: dict[tuple[int, int], int] = {}
        for i, cell in enumerate(cells):
            here = f"{where}.cells[{i}]（{cell.text or cell.field}）"
            if cell.row + cell.rowspan > len(rows) or cell.col + cell.colspan > len(columns):
                raise self.fail(here, f"超出表格（{len(rows)} 行 {len(columns)} 列）")
            for r in range(cell.row, cell.row + cell.rowspan):
                for c in range(cell.col, cell.col + cell.colspan):
                    if (r, c) in owner:
                        raise self.fail(here, f"与 cells[{owner[r, c]}] 重叠（第 {r} 行第 {c} 列）")
                    owner[r, c] = i
        empty = [
            (r, c) for r in range(len(rows)) for c in range(len(columns)) if (r, c) not in owner
        ]
        if empty:
            raise self.fail(where, f"第 {empty[0][0]} 行第 {empty[0][1]} 列没有格子")
        for i, cell in enumerate(cells):
            if cell.kind != "stamp":
                continue
            width = sum(columns[cell.col : cell.col + cell.colspan])
            height = sum(rows[cell.row : cell.row + cell.rowspan])
            if width < cell.min_mm[0] or height < cell.min_mm[1]:
                raise self.fail(
                    f"{where}.cells[{i}]（{cell.text}）",
                    f"盖章格 {width:g}×{height:g} 毫米，小于要求的 "
                    f"{cell.min_mm[0]:g}×{cell.min_mm[1]:g} 毫米",
                )
            if cell.seal_mm > min(width, height):
                raise self.fail(f"{where}.cells[{i}]", f"放不下直径 {cell.seal_mm:g} 毫米的公章")
        return Table(
            columns_mm=columns,
            rows_mm=rows,
            cells=cells,
            line_width=self.number(data, "line_width", where, 0.6),
            outer_line_width=self.number(data, "outer_line_width", where, 1.2),
            padding_mm=self.number(data, "padding_mm", where, 1.5),
        )

    def block(self, data: Any, where: str) -> Block:
        data = self.table(data, where)
        kind = data.get("type")
        if kind == "text":
            self.keys(data, where, {"type", "height_mm", "parts"})
            parts = data.get("parts")
            if not isinstance(parts, list) or not parts:
                raise self.fail(f"{where}.parts", "应为一列文字")
            return TextBlock(
                height_mm=self.number(data, "height_mm", where),
                parts=tuple(self.part(p, f"{where}.parts[{i}]") for i, p in enumerate(parts)),
            )
        if kind == "space":
            self.keys(data, where, {"type", "height_mm"})
            return Space(self.number(data, "height_mm", where))
        if kind == "table":
            return self.grid(data, where)
        raise self.fail(f"{where}.type", "应为 text、space 或 table")

    def form(self, data: dict[str, Any]) -> FormSpec:
        self.keys(
            data,
            "(文件)",
            {
                "id",
                "name",
                "page",
                "orientation",
                "margins_mm",
                "font_size",
                "min_font_size",
                "applies_to",
                "refusal",
                "blocks",
                "qr",
            },
        )
        page = self.text(data, "page", "page", "A4")
        if page not in PAGE_SIZES:
            raise self.fail("page", f"“{page}”不可用（可用：{'、'.join(PAGE_SIZES)}）")
        size = PAGE_SIZES[page]
        orientation = self.choice(data, "orientation", "", ("portrait", "landscape"), "portrait")
        if orientation == "landscape":
            size = landscape(size)
        margins = self.table(data.get("margins_mm"), "margins_mm")
        self.keys(margins, "margins_mm", {"top", "right", "bottom", "left"})
        applies: list[AppliesTo] = []
        for i, item in enumerate(data.get("applies_to", [])):
            item = self.table(item, f"applies_to[{i}]")
            self.keys(item, f"applies_to[{i}]", {"scheme", "kind"})
            applies.append(AppliesTo(self.text(item, "scheme", "applies_to"), item.get("kind")))
        raw_blocks = data.get("blocks")
        if not isinstance(raw_blocks, list) or not raw_blocks:
            raise self.fail("blocks", "应为一列内容")
        spec = FormSpec(
            id=self.text(data, "id", ""),
            name=self.text(data, "name", ""),
            page_size=(float(size[0]), float(size[1])),
            margins_mm=tuple(  # type: ignore[arg-type]
                self.number(margins, side, "margins_mm")
                for side in ("top", "right", "bottom", "left")
            ),
            font_size=self.number(data, "font_size", "", 12),
            min_font_size=self.number(data, "min_font_size", "", 7),
            blocks=tuple(self.block(b, f"blocks[{i}]") for i, b in enumerate(raw_blocks)),
            applies_to=tuple(applies),
            refusal=self.text(data, "refusal", ""),
            source=self.source,
            qr=self.qr(data.get("qr")),
        )
        if not spec.id:
            raise self.fail("id", "缺少表格编号")
        used = sum(b.height_mm for b in spec.blocks)
        if used > spec.content_height_mm + 0.01:
            raise self.fail(
                "blocks", f"内容高 {used:g} 毫米，超过版心 {spec.content_height_mm:g} 毫米"
            )
        for i, block in enumerate(spec.blocks):
            if isinstance(block, Table) and block.width_mm > spec.content_width_mm + 0.01:
                raise self.fail(
                    f"blocks[{i}]",
                    f"表格宽 {block.width_mm:g} 毫米，超过版心 {spec.content_width_mm:g} 毫米",
                )
        if spec.qr is not None:
            self.check_qr(spec, spec.qr)
        return spec

    def qr(self, data: Any) -> Qr | None:
        if data is None:
            return None
        data = self.table(data, "qr")
        self.keys(data, "qr", {"field", "size_mm", "top_mm", "right_mm", "caption"})
        field = self.text(data, "field", "qr")
        if not field:
            raise self.fail("qr", "缺少 field（印成二维码的字段）")
        return Qr(
            field=field,
            size_mm=self.number(data, "size_mm", "qr", 20.0),
            top_mm=self.number(data, "top_mm", "qr", 6.0),
            right_mm=self.number(data, "right_mm", "qr", 0.0),
            caption=self.text(data, "caption", "qr"),
        )

    def check_qr(self, spec: FormSpec, qr: Qr) -> None:
        low, high = QR_SIZES_MM
        if not low <= qr.size_mm <= high:
            raise self.fail("qr", f"size_mm 应在 {low:g}–{high:g} 毫米之间")
        if qr.top_mm < QR_EDGE_MM:
            raise self.fail("qr", f"top_mm 至少 {QR_EDGE_MM:g} 毫米（打印机印不到纸边）")
        if qr.top_mm + qr.size_mm > spec.margins_mm[0] + 0.01:
            raise self.fail(
                "qr",
                f"二维码（距纸边 {qr.top_mm:g} 毫米，边长 {qr.size_mm:g} 毫米）伸进了版心："
                f"上边距只有 {spec.margins_mm[0]:g} 毫米",
            )
        if not 0 <= qr.right_mm <= spec.content_width_mm - qr.size_mm:
            raise self.fail("qr", "right_mm 应让二维码留在版心左右之间")


def load_form(path: Path) -> FormSpec:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise FormError(f"无法读取表格文件 {path.name}：{exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise FormError(f"表格文件 {path.name} 格式有误：{exc}") from None
    spec = _Reader(path.name).form(data)
    if spec.id != path.stem:
        raise FormError(f"表格文件 {path.name}：id “{spec.id}”应与文件名相同")
    return spec


def forms_dir() -> Path:
    return data_root("forms")


@cache
def _cached(path: Path, mtime: float) -> FormSpec:
    return load_form(path)


def get_form(form_id: str, folder: Path | None = None) -> FormSpec:
    """The form `forms/<form_id>.toml` (read once while the file is unchanged)."""
    path = (folder or forms_dir()) / f"{form_id}.toml"
    if not form_id.replace("-", "").replace("_", "").isalnum() or not path.is_file():
        known = "、".join(available_forms(folder)) or "（无）"
        raise FormError(f"没有名为“{form_id}”的表格（可用：{known}）")
    return _cached(path, path.stat().st_mtime)


def available_forms(folder: Path | None = None) -> list[str]:
    base = folder or forms_dir()
    return sorted(p.stem for p in base.glob("*.toml"))
