"""Bad exchange files get a clear Chinese answer and change nothing (rows counted before and
after): not an xlsx, password-protected, empty, renamed or missing headers, merged cells,
formulas, text in date cells, unknown occupation codes, duplicate rows, a manifest that does
not match its rows; workbooks written by other programs (xlsxwriter, openpyxl edits)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from desktop_app.exchange import batch as fmt
from desktop_app.exchange.files import save_problems
from desktop_app.services.exchange import ImportReport, export_batch, import_batch
from desktop_app.storage.database import Store
from tests.exchange.conftest import CLERK, NOW, counts, station_key


def refused(store: Store, path: Path) -> ImportReport:
    before = counts(store)
    report = import_batch(store, path, actor=CLERK, now=NOW)
    assert report.refused is not None, "the file should have been refused"
    assert counts(store) == before, "a refused file must change nothing"
    return report


def edited(source: Path, target: Path, edit: Callable[[Any], None]) -> Path:
    """Open the workbook as Excel would, change it, save it under another name."""
    book = openpyxl.load_workbook(source)
    edit(book)
    book.save(target)
    return target


def column(name: str) -> int:
    return [c.header for c in fmt.COLUMNS].index(name) + 1


def test_a_missing_file(store: Store, tmp_path: Path) -> None:
    report = refused(store, tmp_path / "nowhere.xlsx")
    assert "找不到文件" in (report.refused or "")


def test_not_an_xlsx(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "ledger.xlsx"
    path.write_text("受理编号,姓名\nXC01-1,张伟\n", encoding="utf-8")
    assert "不是 Excel 工作簿" in (refused(store, path).refused or "")


def test_an_empty_file(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    assert "空的" in (refused(store, path).refused or "")


def test_a_zip_that_is_not_a_workbook(store: Store, tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "other.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert "不是 Excel 工作簿" in (refused(store, path).refused or "")


def _ole(*streams: str) -> bytes:
    """The start of an OLE compound file naming `streams` in its directory (as Office writes
    an encrypted workbook: EncryptionInfo + EncryptedPackage)."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    directory = b"".join(name.encode("utf-16-le").ljust(128, b"\x00") for name in streams)
    return header + directory


def test_a_password_protected_workbook(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "secret.xlsx"
    path.write_bytes(_ole("Root Entry", "EncryptionInfo", "EncryptedPackage"))
    message = refused(store, path).refused or ""
    assert "密码" in message and "删除密码" in message


def test_an_old_xls_workbook(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "old.xls"
    path.write_bytes(_ole("Root Entry", "Workbook"))
    assert ".xls" in (refused(store, path).refused or "")


def test_a_workbook_without_the_sheets(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "blank.xlsx"
    openpyxl.Workbook().save(path)
    assert "没有工作表“申请”" in (refused(store, path).refused or "")


def test_headers_only(store: Store, exported: Path, tmp_path: Path) -> None:
    def clear(book: Any) -> None:
        book["申请"].delete_rows(2, 100)

    report = refused(store, edited(exported, tmp_path / "x.xlsx", clear))
    assert "没有申请" in (report.refused or "")


def test_a_renamed_header(store: Store, exported: Path, tmp_path: Path) -> None:
    def rename(book: Any) -> None:
        book["申请"].cell(1, column("身份证号")).value = "身份证"

    report = refused(store, edited(exported, tmp_path / "x.xlsx", rename))
    messages = [p.message for p in report.problems]
    assert any("不认识的列名“身份证”" in m for m in messages)
    assert any("缺少列“身份证号”" in m for m in messages)


def test_a_missing_column(store: Store, exported: Path, tmp_path: Path) -> None:
    def drop(book: Any) -> None:
        book["申请"].delete_cols(column("补助金额（元）"))

    report = refused(store, edited(exported, tmp_path / "x.xlsx", drop))
    assert [p.message for p in report.problems] == ["缺少列“补助金额（元）”"]


def test_merged_cells(store: Store, exported: Path, tmp_path: Path) -> None:
    def merge(book: Any) -> None:
        book["申请"].merge_cells("C2:C3")

    report = refused(store, edited(exported, tmp_path / "x.xlsx", merge))
    assert any("合并单元格" in p.message and p.column == "C2:C3" for p in report.problems)


def test_a_formula_instead_of_a_value(store: Store, exported: Path, tmp_path: Path) -> None:
    def formula(book: Any) -> None:
        book["申请"].cell(3, column("补助金额（元）")).value = "=1000+1400"

    report = refused(store, edited(exported, tmp_path / "x.xlsx", formula))
    (problem,) = report.problems
    assert (problem.sheet, problem.row) == ("申请", 3)
    assert "公式" in problem.message and "数值" in problem.message


def test_text_in_a_date_cell(store: Store, exported: Path, tmp_path: Path) -> None:
    def text_date(book: Any) -> None:
        book["申请"].cell(2, column("受理日期")).value = "2026年11月21日"

    report = refused(store, edited(exported, tmp_path / "x.xlsx", text_date))
    (problem,) = report.problems
    assert problem.row == 2 and "受理日期" in problem.column
    assert "是文字，不是日期" in problem.message


def test_a_duplicate_row(store: Store, exported: Path, tmp_path: Path) -> None:
    def duplicate(book: Any) -> None:
        sheet = book["申请"]
        sheet.append([c.value for c in sheet[2]])

    report = refused(store, edited(exported, tmp_path / "x.xlsx", duplicate))
    assert any("与第2行重复" in p.message for p in report.problems)


def test_a_changed_cell_breaks_the_checksum(store: Store, exported: Path, tmp_path: Path) -> None:
    def more(book: Any) -> None:
        book["申请"].cell(2, column("补助金额（元）")).value = 99999

    report = refused(store, edited(exported, tmp_path / "x.xlsx", more))
    assert any("校验码" in p.message for p in report.problems)


def test_a_deleted_row_breaks_the_count(store: Store, exported: Path, tmp_path: Path) -> None:
    def drop(book: Any) -> None:
        book["申请"].delete_rows(3)

    report = refused(store, edited(exported, tmp_path / "x.xlsx", drop))
    assert any("清单写的是 6 份" in p.message for p in report.problems)


def test_a_missing_manifest(store: Store, exported: Path, tmp_path: Path) -> None:
    def drop(book: Any) -> None:
        del book["清单"]

    assert "缺少工作表“清单”" in (
        refused(store, edited(exported, tmp_path / "x.xlsx", drop)).refused or ""
    )


def _rewrite(source: Path, target: Path, change: Callable[[list[Any]], list[Any]]) -> Path:
    book = fmt.read_batch(source)
    rows = [change(list(row)) for row in book.rows]
    fmt.write_batch(
        target, rows, manifest=book.manifest, total=len(rows), signer=station_key(target.parent)
    )
    return target


def test_an_unknown_occupation_code(store: Store, exported: Path, tmp_path: Path) -> None:
    def code(row: list[Any]) -> list[Any]:
        if row[fmt.INDEX["kind"]] == "skill_level":
            row[fmt.INDEX["occupation"]] = "9-99-99-99"
        return row

    report = refused(store, _rewrite(exported, tmp_path / "x.xlsx", code))
    assert report.problems and all("9-99-99-99 不在方案" in p.message for p in report.problems)


def test_a_final_said_to_have_had_no_final(store: Store, exported: Path, tmp_path: Path) -> None:
    """The contradiction the command line refuses is refused in a station's file too."""

    def final_not_held(row: list[Any]) -> list[Any]:
        if row[fmt.INDEX["scheme"]] == "bj-2016-union-boost":
            row[fmt.INDEX["kind"]] = "competition"
            row[fmt.INDEX["occupation"]] = "汽车装调工"
            row[fmt.INDEX["level"]] = None
            row[fmt.INDEX["stage"]] = "final"
            row[fmt.INDEX["rank"]] = 1
            row[fmt.INDEX["entrants"]] = 400
            row[fmt.INDEX["final_held"]] = False
        return row

    report = refused(store, _rewrite(exported, tmp_path / "x.xlsx", final_not_held))
    found = [p for p in report.problems if "矛盾" in p.message]
    assert len(found) == 1 and found[0].column == "设有决赛"
    assert "“赛段”为决赛" in found[0].message and "是否设有决赛" in found[0].message


def test_a_wrong_id_number(store: Store, exported: Path, tmp_path: Path) -> None:
    def bad_id(row: list[Any]) -> list[Any]:
        number = row[fmt.INDEX["id_number"]]
        row[fmt.INDEX["id_number"]] = number[:-1] + ("0" if number[-1] != "0" else "1")
        return row

    report = refused(store, _rewrite(exported, tmp_path / "x.xlsx", bad_id))
    assert len(report.problems) == 6 and "身份证号" in report.problems[0].message


def test_the_manifest_names_another_station(store: Store, exported: Path, tmp_path: Path) -> None:
    def other(book: Any) -> None:
        for row in book["清单"].iter_rows():
            if row[0].value == "服务站代码":
                row[1].value = "HD02"

    report = refused(store, edited(exported, tmp_path / "x.xlsx", other))
    assert "服务站 HD02 的签名公钥尚未在本机登记" in (report.refused or "")


def test_problems_can_be_saved_as_a_workbook(store: Store, exported: Path, tmp_path: Path) -> None:
    def text_date(book: Any) -> None:
        book["申请"].cell(4, column("发证日期")).value = "2026/6/1"

    report = refused(store, edited(exported, tmp_path / "x.xlsx", text_date))
    target = tmp_path / "problems.xlsx"
    save_problems(target, report.problems)
    rows = list(openpyxl.load_workbook(target).active.iter_rows(values_only=True))
    assert rows[0] == ("工作表", "行", "列", "问题")
    assert rows[1][:2] == ("申请", 4) and "不是日期" in rows[1][3]


# --- workbooks made by another program ----------------------------------------------------------


def _xlsxwriter_copy(source: Path, target: Path, *, dates_as_text: bool = False) -> Path:
    """The same batch written by xlsxwriter (as another program would: inline formats,
    its own shared strings), with a checksum computed from the values."""
    xlsxwriter = pytest.importorskip(
        "xlsxwriter", reason="xlsxwriter 未安装（pyproject 的 test 依赖）"
    )
    book = fmt.read_batch(source)
    workbook = xlsxwriter.Workbook(str(target))
    sheet = workbook.add_worksheet("申请")
    date_format = workbook.add_format({"num_format": "yyyy/m/d"})
    time_format = workbook.add_format({"num_format": "yyyy/m/d h:mm:ss"})
    for n, col in enumerate(fmt.COLUMNS):
        sheet.write_string(0, n, col.header)
    checksum = fmt.Checksum()
    for r, row in enumerate(book.rows, start=1):
        checksum.add(row)
        for n, (col, value) in enumerate(zip(fmt.COLUMNS, row, strict=True)):
            if value is None:
                continue
            if col.type == "json":
                sheet.write_string(r, n, fmt.json_text(value))
            elif col.type in ("date", "datetime"):
                if dates_as_text:
                    sheet.write_string(r, n, value.isoformat())
                else:
                    moment = (
                        value
                        if isinstance(value, dt.datetime)
                        else dt.datetime.combine(value, dt.time())
                    )
                    sheet.write_datetime(
                        r, n, moment, date_format if col.type == "date" else time_format
                    )
            elif col.type == "bool":
                sheet.write_boolean(r, n, value)
            elif col.type == "int":
                sheet.write_number(r, n, value)
            else:
                sheet.write_string(r, n, value)
    manifest = workbook.add_worksheet("清单")
    m = book.manifest
    signed = station_key(source.parent).sign(
        fmt.Manifest(
            station_code=m.station_code,
            station_name=m.station_name,
            district=m.district,
            date_from=None,
            date_to=None,
            count=checksum.count,
            checksum=checksum.hexdigest(),
            program_version="其他程序 1.0",
        )
    )
    values = {
        "format": fmt.FORMAT,
        "station_code": m.station_code,
        "station_name": m.station_name,
        "district": m.district,
        "date_from": "",
        "date_to": "",
        "count": checksum.count,
        "checksum": checksum.hexdigest(),
        "program_version": "其他程序 1.0",
        "exported_at": "",
        "exported_by": "",
        "key_fingerprint": signed.key_fingerprint,
        "signature": signed.signature,
    }
    # Another program writes the rows of the first format (no 审计链头) and the signature.
    first_format = [(label, key) for label, key in fmt.MANIFEST_ROWS if key in values]
    for r, (label, key) in enumerate((*first_format, *fmt.SIGNATURE_ROWS)):
        manifest.write_string(r, 0, label)
        value = values[key]
        if isinstance(value, int):
            manifest.write_number(r, 1, value)
        else:
            manifest.write_string(r, 1, value)
    workbook.close()
    return target


def test_a_batch_written_by_xlsxwriter_imports(
    store: Store, exported: Path, tmp_path: Path
) -> None:
    path = _xlsxwriter_copy(exported, tmp_path / "other-program.xlsx")
    report = import_batch(store, path, actor=CLERK, now=NOW)
    assert report.ok, [p.describe() for p in report.problems]
    assert len(report.inserted) == 6


def test_xlsxwriter_dates_written_as_text_are_refused(
    store: Store, exported: Path, tmp_path: Path
) -> None:
    path = _xlsxwriter_copy(exported, tmp_path / "other-program.xlsx", dates_as_text=True)
    report = refused(store, path)
    assert report.problems and all("不是日期" in p.message for p in report.problems)


def test_a_file_from_before_the_late_entry_column_still_imports(
    station: Store, store: Store, tmp_path: Path
) -> None:
    """Written by a program without 补录原因 (no late entries in it): checks and imports."""
    from tests.exchange.conftest import save

    receipts = [save(station, n) for n in (1, 2)]  # registered on the day they were entered
    path = tmp_path / "batch.xlsx"
    export_batch(station, path, actor=CLERK, now=NOW)
    older = edited(
        path, tmp_path / "older.xlsx", lambda b: b["申请"].delete_cols(column("补录原因"))
    )
    report = import_batch(store, older, actor=CLERK, now=NOW)
    assert report.refused is None and sorted(report.inserted) == sorted(receipts)


def test_a_late_entry_reason_is_in_the_checksum(
    exported: Path, store: Store, tmp_path: Path
) -> None:
    """The 2016 application of the station is a late entry: dropping or changing its reason
    breaks the checksum."""
    book = openpyxl.load_workbook(exported)
    reasons = [row[column("补录原因") - 1].value for row in book["申请"].iter_rows(min_row=2)]
    assert any(reasons)
    dropped = edited(
        exported, tmp_path / "x.xlsx", lambda b: b["申请"].delete_cols(column("补录原因"))
    )
    assert "校验码" in " ".join(p.message for p in refused(store, dropped).problems)

    def change(book: Any) -> None:
        for row in book["申请"].iter_rows(min_row=2):
            cell = row[column("补录原因") - 1]
            if cell.value:
                cell.value = "另写的原因"

    changed = edited(exported, tmp_path / "y.xlsx", change)
    assert "校验码" in " ".join(p.message for p in refused(store, changed).problems)


@pytest.mark.parametrize("char", ["\u202e", "\u200b", "\u2066"], ids=lambda c: f"U+{ord(c):04X}")
def test_a_name_with_an_invisible_character_is_refused_at_its_cell(
    store: Store, exported: Path, tmp_path: Path, char: str
) -> None:
    def plant(book: Any) -> None:
        book["申请"].cell(2, column("姓名")).value = f"王{char}evil.exe"

    report = refused(store, edited(exported, tmp_path / "x.xlsx", plant))
    found = [p for p in report.problems if p.row == 2 and "姓名" in p.column]
    assert found and f"U+{ord(char):04X}" in found[0].message
