"""The problems of an import saved as a workbook (`files.save_problems`, written by the
program's own writer): what the clerk opens in Excel to fix the file."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from desktop_app.exchange.errors import ExchangeError, Problem
from desktop_app.exchange.files import save_problems

PROBLEMS = [
    Problem("职业技能等级证书", 3, "补助档次", "补助档次“Z”不是本方案的档次（应为 A、B、C）"),
    Problem("申请", 12, "D", "单元格 D12 是合并单元格。请取消合并，每行每列各填一个值"),
    Problem("清单", None, "校验码", "申请的内容与清单的校验码不符：导出后有单元格被改动过"),
    Problem("", None, "", "缺少表头：序号、职业（工种）名称 <&> " + "很长的说明" * 40),
]


def test_the_problems_workbook_has_its_header_rows_widths_frozen_pane_and_filter(
    tmp_path: Path,
) -> None:
    path = tmp_path / "问题清单.xlsx"
    save_problems(path, PROBLEMS)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["问题"]
    sheet = book["问题"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows == [
        ("工作表", "行", "列", "问题"),
        ("职业技能等级证书", 3, "补助档次", PROBLEMS[0].message),
        ("申请", 12, "D", PROBLEMS[1].message),
        ("清单", None, "校验码", PROBLEMS[2].message),
        (None, None, None, PROBLEMS[3].message),
    ]
    assert sheet.freeze_panes == "A2"
    widths = [sheet.column_dimensions[letter].width for letter in "ABCD"]
    assert widths == [14, 8, 18, 80]
    assert sheet.auto_filter.ref == "A1:D5"
    assert [p.name for p in tmp_path.iterdir()] == ["问题清单.xlsx"]  # no temporary file left


def test_no_problems_and_another_title(tmp_path: Path) -> None:
    path = tmp_path / "空.xlsx"
    save_problems(path, [], title="目录问题")
    sheet = openpyxl.load_workbook(path)["目录问题"]
    assert list(sheet.iter_rows(values_only=True)) == [("工作表", "行", "列", "问题")]
    assert sheet.auto_filter.ref == "A1:D1"


def test_a_problem_that_cannot_be_written_leaves_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "问题.xlsx"
    path.write_bytes(b"old")
    with pytest.raises(ExchangeError, match="控制字符"):
        save_problems(path, [Problem("申请", 2, "A", "响\x07铃")])
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["问题.xlsx"]


def test_a_sheet_title_with_quotes_and_markup_reads_back(tmp_path: Path) -> None:
    """The title sits in an XML attribute: a quotation mark or markup in it keeps the
    workbook valid."""
    path = tmp_path / "problems.xlsx"
    title = 'a"b<c>&d'
    save_problems(path, [Problem("台账", 2, "姓名", "缺少姓名")], title=title)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [title]
