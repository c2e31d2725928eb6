"""The small streaming .xlsx reader and writer (`exchange.xlsx_reader`, `exchange.xlsx_writer`):
the reader gives what openpyxl's read-only mode gives, for workbooks written by openpyxl,
xlsxwriter and the writer itself; the writer's files read back the same in openpyxl."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from desktop_app.exchange.errors import ExchangeError
from desktop_app.exchange.xlsx_reader import XlsxBook
from desktop_app.exchange.xlsx_writer import Style, XlsxWriter


def _mine(path: Path, sheet: str) -> list[tuple[int, list[Any]]]:
    with XlsxBook(path) as book:
        return list(book[sheet].rows())


def _openpyxl(path: Path, sheet: str) -> list[tuple[int, list[Any]]]:
    """openpyxl's read-only values, as (row number, values without trailing empties),
    rows that hold nothing left out."""
    book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    result = []
    for number, row in enumerate(book[sheet].iter_rows(values_only=True), start=1):
        values = list(row)
        while values and values[-1] is None:
            values.pop()
        if values:
            result.append((number, values))
    book.close()
    return result


def test_a_workbook_written_by_openpyxl_reads_as_openpyxl_reads_it(tmp_path: Path) -> None:
    path = tmp_path / "openpyxl.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "数据"
    sheet.append(["文字", "整数", "小数", "是否", "日期", "时间"])
    sheet.append(
        ["  前后空格 ", 42, 2.5, True, dt.date(2026, 11, 21), dt.datetime(2026, 1, 2, 3, 4, 5)]
    )
    sheet.append(["A&B <c>", -7, 1e20, False, None, None])
    sheet["B5"] = "=SUM(B2:B3)"  # a gap (row 4), then a formula
    sheet["H6"] = "远处的单元格"  # a gap in the columns
    sheet.merge_cells("A7:B7")
    sheet["A7"] = "合并"
    book.save(path)
    mine = _mine(path, "数据")
    assert mine == _openpyxl(path, "数据")
    assert mine[1][1][4] == dt.datetime(2026, 11, 21)
    assert mine[3] == (5, [None, "=SUM(B2:B3)"])
    with XlsxBook(path) as opened:
        sheet_ = opened["数据"]
        list(sheet_.rows())
        assert sheet_.merged == ["A7:B7"]


def test_shared_and_rich_strings_and_the_1904_date_system(tmp_path: Path) -> None:
    xlsxwriter = pytest.importorskip(
        "xlsxwriter", reason="xlsxwriter 未安装（pyproject 的 test 依赖）"
    )
    path = tmp_path / "xlsxwriter.xlsx"
    book = xlsxwriter.Workbook(str(path), {"date_1904": True})
    sheet = book.add_worksheet("申请")
    bold = book.add_format({"bold": True})
    day = book.add_format({"num_format": "yyyy/m/d"})
    sheet.write_string(0, 0, "同一段文字")
    sheet.write_string(1, 0, "同一段文字")  # the shared-string table, twice
    sheet.write_rich_string(2, 0, "普通", bold, "加粗", "结尾")
    sheet.write_datetime(3, 0, dt.datetime(2024, 2, 29), day)
    sheet.write_formula(4, 0, "=1000+1400", None, 2400)
    sheet.write_boolean(5, 0, True)
    sheet.write_number(6, 0, 3)
    sheet.write_formula(7, 0, '="文字"&"结果"', None, "文字结果")
    book.close()
    mine = _mine(path, "申请")
    assert mine == _openpyxl(path, "申请")
    assert [values[0] for _n, values in mine] == [
        "同一段文字",
        "同一段文字",
        "普通加粗结尾",
        dt.datetime(2024, 2, 29),
        "=1000+1400",
        True,
        3,
        '="文字"&"结果"',
    ]


def test_the_writer_s_files_read_back_in_openpyxl(tmp_path: Path) -> None:
    path = tmp_path / "written.xlsx"
    rows = [
        ["受理编号", "日期", "时间", "金额", "是否", "方案"],
        [
            "XC01-1",
            dt.date(2026, 11, 21),
            dt.datetime(2026, 11, 21, 9, 30, 15),
            2400,
            True,
            "方案甲",
        ],
        [" 空格 ", dt.date(1900, 3, 1), dt.datetime(2026, 1, 1), 0, False, "方案甲"],
        ['A&B <c> "q"', None, None, 1.5, None, "方案乙"],
        ["第一行\n第二行", None, None, -3, None, None],
    ]
    styles = [Style.PLAIN, Style.DATE, Style.DATETIME, Style.AMOUNT, Style.PLAIN, Style.PLAIN]
    with XlsxWriter(path) as book:
        sheet = book.add_sheet(
            "台账", widths=(22, 12, 20, 12, 8, 20), freeze_header=True, shared={5}
        )
        sheet.append(rows[0], [Style.HEADER] * 6)
        for row in rows[1:]:
            sheet.append(row, styles)
        sheet.auto_filter = "A1:F5"
        other = book.add_sheet("汇总")
        other.append(["合计", 3])
    loaded = openpyxl.load_workbook(path)
    assert loaded.sheetnames == ["台账", "汇总"]
    ledger = loaded["台账"]
    assert ledger.freeze_panes == "A2"
    assert ledger.auto_filter.ref == "A1:F5"
    assert ledger.column_dimensions["A"].width == 22
    assert ledger["A1"].font.b and ledger["B2"].number_format == "yyyy-mm-dd"
    assert ledger["D2"].number_format == "#,##0"
    got = [list(row) for row in ledger.iter_rows(values_only=True)]
    expected = [list(row) for row in rows]
    for row in expected:  # dates come back as datetimes
        for n, value in enumerate(row):
            if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
                row[n] = dt.datetime(value.year, value.month, value.day)
    assert got == expected
    assert [list(r) for r in loaded["汇总"].iter_rows(values_only=True)] == [["合计", 3]]
    # and the reader agrees with openpyxl on it
    assert _mine(path, "台账") == _openpyxl(path, "台账")


def test_control_characters_are_refused_not_written(tmp_path: Path) -> None:
    path = tmp_path / "bad.xlsx"
    with pytest.raises(ExchangeError, match="控制字符"), XlsxWriter(path) as book:
        book.add_sheet("台账").append(["响\x07铃"])


def test_a_damaged_sheet_is_a_clear_refusal(tmp_path: Path) -> None:
    import zipfile

    good = tmp_path / "good.xlsx"
    with XlsxWriter(good) as book:
        book.add_sheet("申请").append(["一", "二"])
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(broken, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.endswith("sheet1.xml"):
                data = data[: len(data) // 2]  # cut in the middle of the XML
            target.writestr(item, data)
    with pytest.raises(ExchangeError, match="已损坏"), XlsxBook(broken) as opened:
        list(opened["申请"].rows())
