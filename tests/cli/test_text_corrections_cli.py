"""Issue 16, part 4, the second half, at the command line: records holding NUL, U+202E and
U+200B (as a program before the text policy stored them) are listed by `audit text`, refused
by `audit correct` for a bad value (exit 2, nothing changed), corrected with a value and a
reason (then `audit text` is clean, `audit verify` passes, the event is in the trail); with
such texts planted by the sqlite3 tool, `export` and `exchange export` without `--skip-bad`
name them and write nothing (exit 2), with it write every other row."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import openpyxl
import pytest

from desktop_app.exchange.ledger_book import LEDGER_SHEET
from desktop_app.services.store import open_store
from tests.cli.test_store_cli import Cli
from tests.planting import store_as_older_program
from tests.processes import union_counter
from tests.storage.conftest import apply_input


@pytest.fixture
def planted(station: Cli, home: Path) -> list[str]:
    """Three applications; the first's name holds U+202E, the second's work unit U+200B
    (a text of the term table), the third's certificate number a NUL."""
    receipts = [station.receipt(apply_input(n, **{"member.name": f"张伟{n}"})) for n in range(1, 4)]
    with sqlite3.connect(home / "union-counter.sqlite3") as raw:
        member = "(SELECT member_id FROM application WHERE receipt = ?)"
        raw.execute(
            f"UPDATE member SET name = ? WHERE id = {member}", ("王\u202eexe.伟", receipts[0])
        )
        raw.execute("INSERT INTO term (text) VALUES (?)", ("北京\u200b某公司",))
        raw.execute(
            f"UPDATE member SET work_unit_id = (SELECT id FROM term WHERE text = ?) "
            f"WHERE id = {member}",
            ("北京\u200b某公司", receipts[1]),
        )
        raw.execute(
            "UPDATE application SET certificate_number = ? WHERE receipt = ?",
            ("S\x00001", receipts[2]),
        )
    return receipts


@pytest.fixture
def older(station: Cli, home: Path) -> list[str]:
    """Three applications holding the same characters as `planted`, stored as a program before
    the text policy stored them (through the program, audited)."""
    receipts = [station.receipt(apply_input(n, **{"member.name": f"张伟{n}"})) for n in range(1, 4)]
    store = open_store(None, home)
    try:
        for receipt, field, value in zip(
            receipts,
            ("name", "work_unit", "certificate_number"),
            ("王\u202eexe.伟", "北京\u200b某公司", "S\x00001"),
            strict=True,
        ):
            store_as_older_program(store, receipt, field, value)
    finally:
        store.dispose()
    return receipts


def _stored(home: Path, sql: str, *args: str) -> object:
    with sqlite3.connect(home / "union-counter.sqlite3") as raw:
        return raw.execute(sql, args).fetchone()[0]


def test_audit_text_then_audit_correct_refuses_a_bad_value_and_corrects_a_good_one(
    station: Cli, older: list[str], home: Path
) -> None:
    first, second, third = older
    assert station("audit", "verify")[0] == 0
    code, out, _err = station("audit", "text")
    assert code == 5
    assert out.splitlines() == [
        f"{first}　姓名：第 2 个字符是文字方向控制符（U+202E）",
        f"{second}　工作单位：第 3 个字符是零宽字符（U+200B）",
        f"{third}　证书编号：第 2 个字符是控制字符（U+0000）",
    ]
    events = _stored(home, "SELECT count(*) FROM audit_event")

    refused = [
        (first, "姓名", "王\u200b伟", "按身份证原件更正", "U+200B"),
        (first, "姓名", "王\x1b[31m伟", "按身份证原件更正", "U+001B"),
        (first, "姓名", "王伟", "", "原因"),
        (first, "补助金额（元）", "99999", "按原件", "不能更正"),
        (first, "状态", "已发放", "按原件", "不能更正"),
        (first, "工作单位", "别的公司", "按原件", "不需要更正"),  # holds nothing hidden
        ("XC01-20991231-0001", "姓名", "王伟", "按原件", "找不到"),
    ]
    for receipt, field, value, reason, said in refused:
        code, out, err = station(
            "audit", "correct", receipt, field, value, "--reason", reason, "--yes"
        )
        assert code == 2, (field, value, err)
        assert said in err and out == ""
        assert "\u200b" not in err and "\x1b" not in err
    assert _stored(home, "SELECT count(*) FROM audit_event") == events
    assert _stored(home, "SELECT name FROM member ORDER BY id") == "王\u202eexe.伟"

    # Asked first: anything but y changes nothing.
    code, out, _err = station(
        "audit", "correct", first, "姓名", "王伟", "--reason", "按原件", stdin="\n"
    )
    assert code == 0 and "原为“王⟨U+202E⟩exe.伟”" in out and "已取消" in out
    assert _stored(home, "SELECT count(*) FROM audit_event") == events

    code, out, err = station(
        "audit", "correct", first, "姓名", "王伟", "--reason", "按身份证原件更正", stdin="y\n"
    )
    assert code == 0, err
    assert f"已更正 {first} 的姓名：由“王⟨U+202E⟩exe.伟”改为“王伟”" in out
    for receipt, field, value in (
        (second, "member.work_unit", "北京某公司"),
        (third, "证书编号", ""),
    ):
        code, _out, err = station(
            "audit", "correct", receipt, field, value, "--reason", "按原件", "--yes"
        )
        assert code == 0, err

    code, out, err = station("audit", "text")
    assert code == 0 and out == "" and "没有发现" in err
    code, out, err = station("audit", "verify")
    assert code == 0, err
    code, out, _err = station("ledger", "show", first)
    assert code == 0 and "更正申请人" in out and "按身份证原件更正" in out
    assert "原为：姓名：王⟨U+202E⟩exe.伟" in out and "\u202e" not in out
    code, out, _err = station("ledger", "--query", "王伟")
    assert code == 0 and first in out


def _first_column(path: Path, sheet: str) -> list[object]:
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return [row[0] for row in list(book[sheet].iter_rows(values_only=True))[1:]]
    finally:
        book.close()


@pytest.mark.parametrize("full_ids", [(), ("--full-ids",)], ids=["masked", "full-ids"])
def test_export_names_the_bad_records_and_with_skip_bad_writes_the_rest(
    station: Cli, planted: list[str], home: Path, tmp_path: Path, full_ids: tuple[str, ...]
) -> None:
    first, second, third = planted
    path = tmp_path / "台账.xlsx"
    code, out, err = station("export", str(path), *full_ids)
    assert code == 2 and out == ""
    assert f"{first}　姓名：第 2 个字符是文字方向控制符（U+202E）" in err
    assert "--skip-bad" in err and "没有写入文件" in err
    assert not path.exists()
    # The ledger export writes neither work unit nor certificate number: only the name counts.
    code, out, err = station("export", str(path), *full_ids, "--skip-bad")
    assert code == 0, err
    assert "已导出 2 份申请" in out and "跳过了 1 份含不可见字符的申请" in err and first in err
    assert sorted(_first_column(path, LEDGER_SHEET)) == sorted([second, third])


def test_exchange_export_with_skip_bad_is_imported_by_the_district(
    station: Cli, planted: list[str], home: Path, tmp_path: Path, fresh_sqlite
) -> None:
    first, second, _third = planted
    path = tmp_path / "交换.xlsx"
    code, _out, err = station("exchange", "export", str(path))
    assert code == 2 and not path.exists()
    for receipt in planted:
        assert receipt in err
    # Correct one, leave the other two out.
    code, _out, err = station(
        "audit", "correct", second, "工作单位", "北京某公司", "--reason", "按原件", "--yes"
    )
    assert code == 0, err
    code, out, err = station("exchange", "export", str(path), "--skip-bad")
    assert code == 0, err
    assert "的 1 份申请" in out and "跳过了 2 份" in err
    assert _first_column(path, "申请") == [second]

    district = tmp_path / "district"
    fresh_sqlite(district)
    key = tmp_path / "XC01.key"
    assert station("exchange", "key", "export", str(key))[0] == 0
    for args in (
        ("settings", "--station-code", "XCQ1", "--station-name", "西城区总工会"),
        ("exchange", "key", "register", str(key), "--yes"),  # compared by phone
        ("exchange", "import", str(path)),
    ):
        done = union_counter(district, *args)
        assert done.returncode == 0, done.stderr
    assert "新增 1 份" in done.stdout
    listed = union_counter(district, "ledger")
    assert second in listed.stdout and first not in listed.stdout
