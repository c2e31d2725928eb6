"""The reader (`exchange.xlsx_reader.XlsxBook`) against openpyxl, cell by cell, over generated
workbooks written by openpyxl, by xlsxwriter (shared strings, and inline strings in its
constant-memory mode) and by LibreOffice Calc: the same sheets in the same order, the same
value of the same type in every cell, the same merged ranges.

openpyxl is read as the program read workbooks before (read-only, `data_only=False`, values
only), with the size the sheet declares ignored (`reset_dimensions`) so that every stored row
is compared; its merged ranges from its normal mode (read-only mode does not read them)."""

from __future__ import annotations

import datetime as dt
import random
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import CALENDAR_MAC_1904
from openpyxl.worksheet.formula import ArrayFormula

from desktop_app.exchange.xlsx_reader import Formula as ReaderFormula
from desktop_app.exchange.xlsx_reader import XlsxBook
from desktop_app.exchange.xlsx_writer import XlsxWriter
from tests.exchange.libreoffice import libreoffice

xlsxwriter = pytest.importorskip("xlsxwriter", reason="xlsxwriter 未安装（pyproject 的 test 依赖）")

Cells = dict[tuple[int, int], Any]  # (row, column), 1-based → value


class Rich:
    """A rich text cell: (bold?, text) runs."""

    def __init__(self, runs: list[tuple[bool, str]]) -> None:
        self.runs = runs

    def __repr__(self) -> str:
        return f"Rich({self.runs!r})"


class Text:
    """A text cell that begins with "=": a string, not a formula."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"Text({self.text!r})"


class Formula:
    """A formula cell (its text begins with "=")."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"Formula({self.text!r})"


# Text as clerks and programs write it: Chinese, full-width, spaces at either end, new lines,
# tabs, XML's special characters, what looks like Excel's escapes; no control characters
# (XML cannot hold them: openpyxl refuses them, xlsxwriter writes them as _xHHHH_).
_CHARACTERS = st.one_of(
    st.sampled_from(list("职业技能补助　（）工会服务站 \n\t\r<&>\"'=_x005F0D;#")),
    st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Cn")),
)
TEXTS = st.one_of(
    st.text(_CHARACTERS, min_size=1, max_size=12),
    st.sampled_from(
        ["_x000D_", "_x005F_x000D_", "a_x0041_b", "x005F_", "   ", "\n", "&amp;", "]]>"]
    ),
)
DAYS = st.dates(min_value=dt.date(1904, 1, 2), max_value=dt.date(9999, 12, 31))
MOMENTS = st.datetimes(min_value=dt.datetime(1904, 1, 2), max_value=dt.datetime(9999, 12, 31))
FORMULAS = st.sampled_from(
    ["=A1+1", "=SUM(A1:B3)", '="甲"&"乙"', '=IF(A1>0,"正","负")', "=TODAY()", "=1/0", "=$A$1*2"]
)
VALUES = st.one_of(
    TEXTS,
    TEXTS.map(lambda text: Text("=" + text)),
    st.integers(-(2**53), 2**53),
    st.integers(-(2**100), 2**100),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    DAYS,
    MOMENTS,
    st.times(),
    st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=9999)),
    FORMULAS.map(Formula),
    # xlsxwriter writes a rich string only if a run has a format: the first is bold
    st.lists(st.tuples(st.booleans(), TEXTS), min_size=2, max_size=3).map(
        lambda runs: Rich([(True, runs[0][1]), *runs[1:]])
    ),
)
GRIDS = st.dictionaries(st.tuples(st.integers(1, 30), st.integers(1, 12)), VALUES, max_size=40)
# Merged ranges below the grid, one a band of rows so they never overlap: (column, width, height).
MERGES = st.lists(st.tuples(st.integers(1, 6), st.integers(2, 3), st.integers(1, 2)), max_size=3)
SHEET_NAMES = ["申请", "数据 1", "职业技能等级证书", "A&B <表>", "清单's"]


def merge_refs(merges: list[tuple[int, int, int]]) -> list[str]:
    result = []
    for n, (column, width, height) in enumerate(merges):
        top = 40 + 4 * n
        result.append(
            f"{get_column_letter(column)}{top}:{get_column_letter(column + width - 1)}{top + height - 1}"
        )
    return result


def plain(value: Any) -> Any:
    """What a cell of `value` should read as, roughly (for building a workbook by our writer)."""
    if isinstance(value, Rich):
        return "".join(text for _bold, text in value.runs)
    if isinstance(value, Text):
        return value.text
    return value


def write_openpyxl(
    path: Path, sheets: dict[str, Cells], merges: list[str], epoch_1904: bool
) -> None:
    book = openpyxl.Workbook()
    if epoch_1904:
        book.epoch = CALENDAR_MAC_1904
    assert book.active is not None
    book.remove(book.active)
    bold = InlineFont(b=True)
    for name, cells in sheets.items():
        sheet = book.create_sheet(name)
        for (row, column), value in cells.items():
            cell = sheet.cell(row, column)
            if isinstance(value, Rich):
                cell.value = CellRichText(
                    [TextBlock(bold, text) if strong else text for strong, text in value.runs]
                )
            elif isinstance(value, Text):
                cell.value = value.text
                cell.data_type = "s"  # openpyxl would take it for a formula
            elif isinstance(value, Formula):
                cell.value = value.text
            else:
                cell.value = value
        for ref in merges:
            sheet.merge_cells(ref)
    book.save(path)


def write_xlsxwriter(
    path: Path,
    sheets: dict[str, Cells],
    merges: list[str],
    epoch_1904: bool,
    *,
    constant_memory: bool = False,
) -> None:
    book = xlsxwriter.Workbook(
        str(path), {"date_1904": epoch_1904, "constant_memory": constant_memory}
    )
    formats = {
        dt.datetime: book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss.000"}),
        dt.date: book.add_format({"num_format": "yyyy-mm-dd"}),
        dt.time: book.add_format({"num_format": "hh:mm:ss"}),
        dt.timedelta: book.add_format({"num_format": "[h]:mm:ss"}),
    }
    bold = book.add_format({"bold": True})
    for name, cells in sheets.items():
        sheet = book.add_worksheet(name)
        for (row, column), value in sorted(cells.items()):  # in order (constant memory)
            r, c = row - 1, column - 1
            if isinstance(value, Rich):
                fragments: list[Any] = []
                for strong, text in value.runs:
                    fragments.extend([bold, text] if strong else [text])
                sheet.write_rich_string(r, c, *fragments)
            elif isinstance(value, Text):
                sheet.write_string(r, c, value.text)
            elif isinstance(value, Formula):
                sheet.write_formula(r, c, value.text)
            elif isinstance(value, str):
                sheet.write_string(r, c, value)
            elif isinstance(value, bool):
                sheet.write_boolean(r, c, value)
            elif isinstance(value, int | float):
                sheet.write_number(r, c, value)
            else:
                sheet.write_datetime(r, c, value, formats[type(value)])
        for ref in merges:
            sheet.merge_range(ref, "合并")
    book.close()


def write_ours(path: Path, sheets: dict[str, Cells]) -> None:
    """The program's own writer (inline strings; its shared strings for column A): the values
    it can write (no formulas, times or durations)."""
    with XlsxWriter(path) as book:
        for name, cells in sheets.items():
            sheet = book.add_sheet(name, shared={0})
            last = max((row for row, _column in cells), default=0)
            for row in range(1, last + 1):
                values: list[Any] = [None] * 12
                for (r, column), value in cells.items():
                    value = plain(value)
                    if r == row and not isinstance(value, Formula | dt.time | dt.timedelta):
                        values[column - 1] = value
                sheet.append(values)


def mine(path: Path) -> tuple[list[str], dict[str, Cells], dict[str, list[str]]]:
    with XlsxBook(path) as book:
        cells: dict[str, Cells] = {}
        merged: dict[str, list[str]] = {}
        for name in book.sheetnames:
            sheet = book[name]
            found: Cells = {}
            for row, values in sheet.rows():
                for column, value in enumerate(values, start=1):
                    if value is not None:
                        found[row, column] = value
            cells[name] = found
            merged[name] = sorted(sheet.merged)
        return book.sheetnames, cells, merged


def theirs(path: Path) -> tuple[list[str], dict[str, Cells], dict[str, list[str]]]:
    book = openpyxl.load_workbook(path, read_only=True, data_only=False, keep_links=False)
    cells: dict[str, Cells] = {}
    try:
        for sheet in book.worksheets:
            sheet.reset_dimensions()
            found: Cells = {}
            for row, row_cells in enumerate(sheet.iter_rows(), start=1):
                for column, cell in enumerate(row_cells, start=1):
                    value = cell.value
                    if isinstance(value, ArrayFormula):
                        # openpyxl gives an array formula as an object; the reader as its text,
                        # as it gives every formula (so that it is refused like any other).
                        value = value.text
                    if cell.data_type == "f" and value is not None:
                        # A formula cell: the reader says so by its type, where a text that
                        # begins with "=" stays a str.
                        value = ReaderFormula(value)
                    if value is not None:
                        found[row, column] = value
            cells[sheet.title] = found
        names = book.sheetnames
    finally:
        book.close()
    full = openpyxl.load_workbook(path, data_only=False)
    merged = {sheet.title: sorted(str(r) for r in sheet.merged_cells.ranges) for sheet in full}
    return names, cells, merged


def typed(cells: dict[str, Cells]) -> dict[str, dict[tuple[int, int], tuple[type, Any]]]:
    """Values with their types: True is not 1, 2.0 is not 2."""
    return {
        name: {where: (type(value), value) for where, value in found.items()}
        for name, found in cells.items()
    }


def assert_same(path: Path) -> tuple[list[str], dict[str, Cells], dict[str, list[str]]]:
    names, cells, merged = mine(path)
    their_names, their_cells, their_merged = theirs(path)
    assert names == their_names
    assert typed(cells) == typed(their_cells)
    assert merged == their_merged
    return names, cells, merged


BOOKS = st.tuples(
    st.lists(st.sampled_from(SHEET_NAMES), min_size=1, max_size=2, unique=True),
    st.lists(GRIDS, min_size=2, max_size=2),
    MERGES.map(merge_refs),
    st.booleans(),
)
# Each example writes and reads four files: a fifth of the run's examples (12 while editing,
# 80 in CI).
EXAMPLES = max(10, settings.default.max_examples // 5)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(BOOKS)
def test_the_reader_reads_every_cell_as_openpyxl_does(
    tmp_path_factory: pytest.TempPathFactory,
    book: tuple[list[str], list[Cells], list[str], bool],
) -> None:
    names, grids, merges, epoch_1904 = book
    sheets = dict(zip(names, grids, strict=False))
    folder = tmp_path_factory.mktemp("differential")
    write_openpyxl(folder / "openpyxl.xlsx", sheets, merges, epoch_1904)
    write_xlsxwriter(folder / "xlsxwriter.xlsx", sheets, merges, epoch_1904)
    write_xlsxwriter(folder / "inline.xlsx", sheets, merges, epoch_1904, constant_memory=True)
    write_ours(folder / "ours.xlsx", sheets)
    for file in ("openpyxl.xlsx", "xlsxwriter.xlsx", "inline.xlsx", "ours.xlsx"):
        got_names, cells, _merged = assert_same(folder / file)
        assert got_names == names
        if file == "openpyxl.xlsx":  # and the texts and whole numbers are the ones written
            for name, grid in sheets.items():
                for where, value in grid.items():
                    # (openpyxl writes whole numbers past 2**53 as floats do)
                    if (isinstance(value, str) and "\r" not in value) or (
                        isinstance(value, int) and abs(value) <= 2**53
                    ):
                        assert (type(cells[name][where]), cells[name][where]) == (
                            type(value),
                            value,
                        )
                    elif isinstance(value, Formula):
                        assert cells[name][where] == value.text


def with_sheet_xml(
    tmp_path: Path, sheet_data: str, tail: str = "", *, strings: str | None = None
) -> Path:
    """A workbook whose one sheet holds `sheet_data` (as Excel writes it), and `strings` as
    its shared-string table if given."""
    good = tmp_path / "good.xlsx"
    with XlsxWriter(good) as book:
        book.add_sheet("工作表1").append(["x"])
    import zipfile

    path = tmp_path / "excel.xlsx"
    xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<dimension ref="A1:B2"/>'  # wrong, as some programs write it
        f"<sheetData>{sheet_data}</sheetData>{tail}</worksheet>"
    )
    with zipfile.ZipFile(good) as old, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            data = old.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = xml.encode()
            elif item.filename == "xl/sharedStrings.xml" and strings is not None:
                data = strings.encode()
            new.writestr(item.filename, data)
    return path


def test_shared_and_array_formulas_as_excel_writes_them(tmp_path: Path) -> None:
    """Excel writes a formula filled down once (a shared formula) and leaves the other cells
    of the group empty; openpyxl moves the formula to each of them, and so does the reader."""
    rows = (
        '<row r="1"><c r="A1"><v>1</v></c><c r="B1"><f t="shared" ref="B1:B4" si="0">A1*2</f>'
        "<v>2</v></c></row>"
        '<row r="2"><c r="A2"><v>2</v></c><c r="B2"><f t="shared" si="0"/><v>4</v></c>'
        '<c r="C2"><f t="array" ref="C2:C3">SUM(A1:A2*2)</f><v>6</v></c></row>'
        '<row r="3"><c r="B3"><f t="shared" si="0"/><v>0</v></c>'
        '<c r="D3" t="str"><f>"甲"&amp;"乙"</f><v>甲乙</v></c></row>'
        '<row r="4"><c r="B4"><f t="shared" si="0"/><v>0</v></c>'
        '<c r="C4" t="e"><f>1/0</f><v>#DIV/0!</v></c></row>'
        '<row r="9"><c r="A9"><f t="shared" ref="A9:C9" si="1">$A$1+A8</f><v>1</v></c>'
        '<c r="B9"><f t="shared" si="1"/><v>1</v></c><c r="C9"><f t="shared" si="1"/></c></row>'
    )
    path = with_sheet_xml(
        tmp_path, rows, '<mergeCells count="1"><mergeCell ref="E1:F2"/></mergeCells>'
    )
    _names, cells, merged = assert_same(path)
    got = cells["工作表1"]
    assert [got[row, 2] for row in (1, 2, 3, 4)] == ["=A1*2", "=A2*2", "=A3*2", "=A4*2"]
    assert got[2, 3] == "=SUM(A1:A2*2)"  # openpyxl: an ArrayFormula with this text
    assert (got[9, 1], got[9, 2], got[9, 3]) == ("=$A$1+A8", "=$A$1+B8", "=$A$1+C8")
    assert got[3, 4] == '="甲"&"乙"' and got[4, 3] == "=1/0"
    assert merged == {"工作表1": ["E1:F2"]}


def test_rows_past_the_declared_dimension_are_read(tmp_path: Path) -> None:
    """A sheet that declares A1:B2 but stores row 5: the reader gives it (openpyxl's read-only
    mode, trusting the declaration, would not), as openpyxl's normal mode does."""
    path = with_sheet_xml(
        tmp_path,
        '<row r="1"><c r="A1"><v>1</v></c></row><row r="5"><c r="C5" t="b"><v>1</v></c></row>',
    )
    with XlsxBook(path) as book:
        assert list(book["工作表1"].rows()) == [(1, [1]), (5, [None, None, True])]
    full = openpyxl.load_workbook(path)
    assert full["工作表1"]["C5"].value is True


def test_shared_and_inline_strings_as_excel_writes_them(tmp_path: Path) -> None:
    """Plain and rich texts, phonetic runs (left out), Excel's escape of "_x" (x005F_, removed
    from shared strings only, as openpyxl does), spaces kept."""
    strings = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<si><t>普通</t></si>"
        '<si><r><rPr><b/></rPr><t>加粗</t></r><r><t xml:space="preserve"> 结尾 </t></r></si>'
        '<si><t>东京</t><rPh sb="0" eb="2"><t>トウキョウ</t></rPh><phoneticPr fontId="1"/></si>'
        "<si><t>_x005F_x000D_</t></si>"
        "<si><t/></si>"
        "</sst>"
    )
    rows = "".join(
        f'<row r="{n + 1}"><c r="A{n + 1}" t="s"><v>{n}</v></c></row>' for n in range(5)
    ) + (
        '<row r="7"><c r="A7" t="inlineStr"><is><r><t>行内</t></r><r><t>文字</t></r>'
        '<rPh sb="0" eb="1"><t>x</t></rPh></is></c>'
        '<c r="B7" t="inlineStr"><is><t>_x005F_x000D_</t></is></c></row>'
    )
    path = with_sheet_xml(tmp_path, rows, strings=strings)
    _names, cells, _merged = assert_same(path)
    got = cells["工作表1"]
    assert [got.get((n, 1)) for n in range(1, 6)] == ["普通", "加粗 结尾 ", "东京", "_x000D_", ""]
    assert (got[7, 1], got[7, 2]) == ("行内文字", "_x005F_x000D_")


# --- workbooks written by LibreOffice -----------------------------------------------------------


def _sample(seed: int) -> dict[str, Cells]:
    """A deterministic workbook of every kind of value, with gaps."""
    chooser = random.Random(seed)
    pool: list[Any] = [
        "职业技能等级证书",
        "  前后空格 ",
        "第一行\n第二行",
        'A&B <c> "q"',
        "=看似公式",
        "_x000D_",
        0,
        -7,
        2**40,
        2.5,
        -1e-7,
        1e20,
        True,
        False,
        dt.date(2026, 11, 21),
        dt.datetime(2026, 1, 2, 3, 4, 5),
        dt.time(9, 30),
        dt.timedelta(hours=36, minutes=5),
        Formula("=A1+1"),
        Formula('="甲"&"乙"'),
        Formula("=1/0"),
        Rich([(False, "普通"), (True, "加粗")]),
    ]
    sheets: dict[str, Cells] = {}
    for name in ("目录", "数据"):
        cells: Cells = {}
        for _ in range(40):
            value = chooser.choice(pool)
            cells[chooser.randint(1, 25), chooser.randint(1, 8)] = (
                Text(value) if isinstance(value, str) and value.startswith("=") else value
            )
        sheets[name] = cells
    return sheets


@pytest.fixture(scope="module")
def libreoffice_books(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Path]]:
    """Three generated workbooks saved again by LibreOffice Calc (one conversion, a few
    seconds): by openpyxl with merges, by xlsxwriter, by xlsxwriter in the 1904 date system."""
    program = libreoffice()
    folder = tmp_path_factory.mktemp("libreoffice")
    sources = folder / "in"
    sources.mkdir()
    merges = merge_refs([(1, 2, 1), (3, 3, 2)])
    write_openpyxl(sources / "a.xlsx", _sample(1), merges, False)
    write_xlsxwriter(sources / "b.xlsx", _sample(2), merges, False)
    write_xlsxwriter(sources / "c.xlsx", _sample(3), [], True)
    out = folder / "out"
    subprocess.run(
        [
            program,
            f"-env:UserInstallation=file://{folder / 'profile'}",
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            *(str(sources / name) for name in ("a.xlsx", "b.xlsx", "c.xlsx")),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    yield [out / name for name in ("a.xlsx", "b.xlsx", "c.xlsx")]


@pytest.mark.slow
@pytest.mark.parametrize("n", [0, 1, 2])
def test_workbooks_saved_by_libreoffice_read_as_openpyxl_reads_them(
    libreoffice_books: list[Path], n: int
) -> None:
    path = libreoffice_books[n]
    assert "LibreOffice" in _application(path)
    names, cells, merged = assert_same(path)
    assert names == ["目录", "数据"]
    values = [value for found in cells.values() for value in found.values()]
    assert "职业技能等级证书" in values and "第一行\n第二行" in values
    assert any(isinstance(value, dt.datetime) for value in values)
    assert any(isinstance(value, str) and value.startswith("=") for value in values)
    if n == 0:
        assert merged["目录"] == ["A40:B40", "C44:E45"]


def _application(path: Path) -> str:
    import zipfile

    with zipfile.ZipFile(path) as archive:
        return archive.read("docProps/app.xml").decode()
