"""Reading a subsidy catalogue workbook laid out like the published catalogues.

Two layouts, one table a sheet, as the 2026 catalogue prints them:

- 职业技能等级证书: 序号 | 职业（工种）名称 | 职业（工种）代码 | 补助档次 [| 补助标准]
- 专项职业能力证书: 序号 | 专项职业能力项目 | 补助档次 [| 补助标准]

The header row may sit below title rows (up to `HEADER_SEARCH` rows down; merged title cells
there are fine). Other columns (补助标准 and any notes) are ignored. Below the header every row
is a catalogue row until the end of the sheet; empty rows are skipped. Every row is checked:
empty cells, formulas, 序号 not a number, a code not in the form 4-02-04-06, a tier that the
scheme does not pay, duplicate names, codes or 序号, merged cells. All problems are listed
(sheet, row, column, message); a workbook with any problem gives nothing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter, range_boundaries

from desktop_app.domain.text_policy import normal_text, text_problem
from desktop_app.exchange.errors import ExchangeError, Problem
from desktop_app.exchange.xlsx_reader import Formula, Sheet, XlsxBook, formula_message

HEADER_SEARCH = 10
MAX_ROWS = 20_000  # a catalogue has about a hundred rows; more is not a catalogue
MAX_PROBLEMS = 1000

SKILL_LEVEL = "skill_level"
SPECIAL_ABILITY = "special_ability"

SEQ = "序号"
OCCUPATION = "职业（工种）名称"
CODE = "职业（工种）代码"
ITEM = "专项职业能力项目"
TIER = "补助档次"


@dataclass(frozen=True)
class Layout:
    kind: str  # the certificate kind whose catalogue the sheet holds
    label: str
    name_header: str
    headers: tuple[str, ...]  # required, in the published order


LAYOUTS: tuple[Layout, ...] = (
    Layout(SKILL_LEVEL, "职业技能等级证书目录", OCCUPATION, (SEQ, OCCUPATION, CODE, TIER)),
    Layout(SPECIAL_ABILITY, "专项职业能力证书目录", ITEM, (SEQ, ITEM, TIER)),
)
LAYOUT_BY_KIND = {layout.kind: layout for layout in LAYOUTS}

_CODE_RE = re.compile(r"^\d-\d{2}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class CatalogueLine:
    """One row of a catalogue sheet, checked."""

    sheet_row: int
    seq: int
    name: str
    tier: str
    code: str | None = None


@dataclass
class CatalogueSheet:
    title: str
    layout: Layout
    header_row: int
    lines: list[CatalogueLine] = field(default_factory=list)


@dataclass
class CatalogueBook:
    path: Path
    sheets: list[CatalogueSheet]

    def sheet_for(self, kind: str) -> CatalogueSheet | None:
        for sheet in self.sheets:
            if sheet.layout.kind == kind:
                return sheet
        return None


def header_text(value: Any) -> str:
    """A header as compared: full-width forms unified, spaces removed, （） kept full-width."""
    text = unicodedata.normalize("NFKC", str(value)) if value is not None else ""
    text = "".join(text.split())
    return text.replace("(", "（").replace(")", "）")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(unicodedata.normalize("NFKC", str(value)).split())


def _match_layout(row: Sequence[Any]) -> tuple[Layout, dict[str, int]] | None:
    positions: dict[str, int] = {}
    for index, value in enumerate(row):
        text = header_text(value)
        if text and text not in positions:
            positions[text] = index
    # The more specific layout first: a sheet with a code column is the occupation layout.
    for layout in LAYOUTS:
        if all(header in positions for header in layout.headers):
            return layout, {header: positions[header] for header in layout.headers}
    return None


class _Problems:
    def __init__(self) -> None:
        self.items: list[Problem] = []
        self.count = 0

    def add(self, sheet: str, row: int | None, column: str, message: str) -> None:
        self.count += 1
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(Problem(sheet, row, column, message))

    def extend(self, other: _Problems) -> None:
        """Add `other`'s problems after these (counted all, listed up to the limit)."""
        for item in other.items:
            self.add(item.sheet, item.row, item.column, item.message)
        self.count += other.count - len(other.items)


def read_catalogue_book(
    path: Path, tiers: Mapping[str, Collection[str]] | None = None
) -> CatalogueBook:
    """Read and check a catalogue workbook; ExchangeError listing every problem.

    `tiers` gives, per certificate kind, the tiers the scheme pays (A, B …); a tier outside
    them is a problem. A kind missing from `tiers` (when given) cannot be imported."""
    path = Path(path)
    problems = _Problems()
    sheets: list[CatalogueSheet] = []
    with XlsxBook(path) as book:
        for name in book.sheetnames:
            sheet = _read_sheet(book[name], problems, tiers)
            if sheet is None:
                continue
            earlier = next((s for s in sheets if s.layout.kind == sheet.layout.kind), None)
            if earlier is not None:
                problems.add(
                    sheet.title,
                    sheet.header_row,
                    "",
                    f"与工作表“{earlier.title}”同为{sheet.layout.label}，一个文件只能有一张。"
                    "请合并为一张表",
                )
                continue
            sheets.append(sheet)
    if not sheets and not problems.count:
        names = "；".join("、".join(layout.headers) for layout in LAYOUTS)
        raise ExchangeError(
            f"文件 {path.name} 中找不到目录表：没有一张工作表的表头是“{names}”"
            "（前 10 行内）。请按发布的目录格式填写表头后再导入。",
            [Problem("", None, "", f"缺少表头：{names}")],
        )
    if problems.count:
        more = (
            f"（只列出前 {len(problems.items)} 处）" if problems.count > len(problems.items) else ""
        )
        raise ExchangeError(
            f"目录文件 {path.name} 有 {problems.count} 处问题{more}，没有导入任何内容。"
            "请改正后重新导入。",
            problems.items,
        )
    return CatalogueBook(path, sheets)


def _read_sheet(
    worksheet: Sheet, problems: _Problems, tiers: Mapping[str, Collection[str]] | None
) -> CatalogueSheet | None:
    rows = worksheet.rows()
    try:
        return _check_sheet(worksheet, rows, problems, tiers)
    finally:
        rows.close()


def _check_sheet(
    worksheet: Sheet,
    rows: Iterator[tuple[int, list[Any]]],
    problems: _Problems,
    tiers: Mapping[str, Collection[str]] | None,
) -> CatalogueSheet | None:
    title = worksheet.name
    found: tuple[Layout, dict[str, int]] | None = None
    header_row = 0
    header_cells: tuple[Any, ...] = ()
    non_empty = False
    for number, row in rows:  # the rows the sheet stores, by their sheet row number
        if number > HEADER_SEARCH:
            break
        if any(_text(v) for v in row):
            non_empty = True
        found = _match_layout(row)
        if found is not None:
            header_row = number
            header_cells = tuple(row)
            break
    if found is None:
        if non_empty:
            expected = "；".join("、".join(layout.headers) for layout in LAYOUTS)
            problems.add(
                title,
                None,
                "",
                f"前 {HEADER_SEARCH} 行中没有目录的表头（应为：{expected}）。"
                "不是目录的工作表请删除",
            )
        return None
    layout, columns = found
    sheet = CatalogueSheet(title, layout, header_row)
    header_texts = [header_text(value) for value in header_cells]
    for header in columns:
        # A duplicate header column (two 补助档次) is ambiguous.
        if header_texts.count(header) > 1:
            problems.add(title, header_row, header, f"表头“{header}”重复，应只有一列")
    allowed = None if tiers is None else {t.upper() for t in tiers.get(layout.kind, ())}
    if allowed is not None and not allowed:
        problems.add(
            title, header_row, "", f"所选方案没有按补助档次计算的{layout.label}，不能导入此表"
        )
        allowed = None

    # The rows' problems are listed after the merged cells', which follow the rows in the XML.
    row_problems = _Problems()
    names: dict[str, int] = {}
    codes: dict[str, int] = {}
    seqs: dict[int, int] = {}
    width = max(columns.values()) + 1
    for number, row in rows:
        if number - header_row > MAX_ROWS:
            row_problems.add(
                title, header_row + MAX_ROWS + 1, "", f"行数超过 {MAX_ROWS}，这不是一份补助目录"
            )
            break
        cells = list(row[:width]) + [None] * (width - len(row[:width]))
        if not any(_text(v) for v in cells):
            continue
        line = _read_line(title, number, cells, layout, columns, row_problems, allowed)
        if line is None:
            continue
        for key, seen, label in (
            (line.name, names, "名称"),
            (line.code, codes, "代码"),
        ):
            if key is None:
                continue
            folded = key.casefold()
            if folded in seen:
                column = CODE if label == "代码" else layout.name_header
                row_problems.add(title, number, column, f"{label}“{key}”与第{seen[folded]}行重复")
            else:
                seen[folded] = number
        if line.seq in seqs:
            row_problems.add(title, number, SEQ, f"序号 {line.seq} 与第{seqs[line.seq]}行重复")
        else:
            seqs[line.seq] = number
        sheet.lines.append(line)
    for _row in rows:  # to the end of the sheet: its merged ranges
        pass

    for ref in worksheet.merged:
        min_col, min_row, _max_col, max_row = range_boundaries(ref)
        if max_row is not None and max_row >= header_row:
            problems.add(
                title,
                min_row,
                get_column_letter(min_col or 1),
                f"合并单元格 {ref}：目录的表头和数据行不能合并单元格，请取消合并并在每格填值",
            )
    problems.extend(row_problems)
    if not sheet.lines and not problems.count:
        problems.add(title, header_row, "", "表头下面没有任何目录行")
    return sheet


def _read_line(
    title: str,
    number: int,
    cells: list[Any],
    layout: Layout,
    columns: Mapping[str, int],
    problems: _Problems,
    allowed: set[str] | None,
) -> CatalogueLine | None:
    values: dict[str, str] = {}
    ok = True
    for header in layout.headers:
        raw = cells[columns[header]]
        if isinstance(raw, Formula):
            problems.add(title, number, header, formula_message(raw))
            ok = False
            continue
        text = _text(raw)
        if not text:
            problems.add(title, number, header, "不能为空")
            ok = False
            continue
        problem = text_problem(text)
        if problem is not None:
            problems.add(title, number, header, problem.message)
            ok = False
            continue
        values[header] = normal_text(text)
    seq_text = values.get(SEQ)
    seq = 0
    if seq_text is not None:
        if seq_text.isdigit() and int(seq_text) > 0:
            seq = int(seq_text)
        else:
            problems.add(title, number, SEQ, f"序号“{seq_text}”应为正整数")
            ok = False
    code = values.get(CODE)
    if code is not None and not _CODE_RE.match(code):
        problems.add(title, number, CODE, f"职业（工种）代码“{code}”格式应为 4-02-04-06")
        ok = False
    tier_text = values.get(TIER)
    tier = ""
    if tier_text is not None:
        tier = tier_text.upper().removesuffix("档")
        if allowed is not None and tier not in allowed:
            known = "、".join(sorted(allowed))
            problems.add(
                title, number, TIER, f"补助档次“{tier_text}”不是本方案的档次（应为 {known}）"
            )
            ok = False
        elif not re.fullmatch(r"[A-Z]", tier):
            problems.add(title, number, TIER, f"补助档次“{tier_text}”应为一个字母（A、B…）")
            ok = False
    name = values.get(layout.name_header)
    if not ok or name is None:
        return None
    return CatalogueLine(number, seq, name, tier, code)
