"""Reading a catalogue workbook (`exchange.catalogue_book`, through the program's own reader):
the problems in the order they were always listed, by sheet row number, however the rows are
spaced; formulas of every kind refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.formula import ArrayFormula

from desktop_app.exchange import catalogue_book
from desktop_app.exchange.catalogue_book import read_catalogue_book
from desktop_app.exchange.errors import ExchangeError, Problem

HEADER = ["序号", "专项职业能力项目", "补助档次"]


def book(path: Path, rows: dict[int, list[Any]], merges: tuple[str, ...] = ()) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "专项职业能力"
    for number, values in rows.items():
        for column, value in enumerate(values, start=1):
            sheet.cell(number, column).value = value
    for ref in merges:
        sheet.merge_cells(ref)
    workbook.save(path)
    return path


def problems(path: Path) -> list[Problem]:
    with pytest.raises(ExchangeError) as caught:
        read_catalogue_book(path)
    return caught.value.problems


def test_merged_cells_are_listed_first_then_the_rows_by_their_sheet_row(tmp_path: Path) -> None:
    path = book(
        tmp_path / "目录.xlsx",
        {
            1: ["2027年专项职业能力目录"],
            3: HEADER,  # below a title and an empty row
            4: [1, "母婴照护", "A"],
            7: [2, "", "B"],  # rows 5 and 6 are not stored at all
            9: [3, "母婴照护", "A"],
            12: [4, "茶艺", "C"],
        },
        merges=("A1:C1", "B12:C12"),
    )
    assert [(p.row, p.column, p.message) for p in problems(path)] == [
        # the merged data cells first (the merged title above the header is fine) …
        (
            12,
            "B",
            "合并单元格 B12:C12：目录的表头和数据行不能合并单元格，请取消合并并在每格填值",
        ),
        # … then the rows, by their row in the sheet
        (7, "专项职业能力项目", "不能为空"),
        (9, "专项职业能力项目", "名称“母婴照护”与第4行重复"),
        (12, "补助档次", "不能为空"),  # C12 is covered by the merge
    ]


def test_an_array_formula_is_refused_like_any_formula(tmp_path: Path) -> None:
    """openpyxl gave an array formula as an object, which the import took for text."""
    path = tmp_path / "目录.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(HEADER)
    sheet.append([1, "母婴照护", "A"])
    sheet.append([2, None, "B"])
    sheet["B3"] = ArrayFormula("B3", '=UPPER("茶艺")')
    workbook.save(path)
    (problem,) = problems(path)
    assert (problem.row, problem.column) == (3, "专项职业能力项目")
    assert problem.message.startswith('单元格是公式“=UPPER("茶艺")”')


def test_too_many_rows_is_said_once_and_merged_cells_after_them_are_still_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(catalogue_book, "MAX_ROWS", 5)
    rows = {1: HEADER, **{n: [n - 1, f"项目{n}", "A"] for n in range(2, 5)}}
    rows[20] = [19, "远处的项目", "A"]  # rows 5-19 not stored: the sixth row is row 7
    rows[30] = ["合并", "", ""]
    path = book(tmp_path / "大.xlsx", rows, merges=("A30:C30",))
    found = problems(path)
    assert [(p.row, p.message[:8]) for p in found] == [
        (30, "合并单元格 A3"),
        (7, "行数超过 5，这"),
    ]


def test_a_name_with_a_zero_width_character_is_refused(tmp_path: Path) -> None:
    rows = {1: HEADER, 2: [1, "母婴照护", "A"], 3: [2, "茶\u200b艺", "B"]}
    (problem,) = problems(book(tmp_path / "目录.xlsx", rows))
    assert (problem.row, problem.column) == (3, "专项职业能力项目")
    assert "U+200B" in problem.message and "零宽字符" in problem.message
