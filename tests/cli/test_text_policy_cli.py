"""Issue 16, part 4, as an attacker would try it at the command line: control characters,
bidi overrides and zero-width characters in every text field of `apply` are refused (exit 2,
the field and the code point named, nothing saved); a text planted in the database behind the
program's back reaches the terminal only as ⟨U+XXXX⟩."""

from __future__ import annotations

import sqlite3

import pytest

from tests.cli.test_store_cli import Cli
from tests.storage.conftest import apply_input

FIELDS = (
    "member.name",
    "member.work_unit",
    "member.position",
    "certificate.number",
    "certificate.issuer",
    "late_entry_reason",
)
CHARACTERS = ("\x00", "\x01", "\x07", "\x1b", "\u202e", "\u200b", "\ufeff")


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("char", CHARACTERS, ids=lambda c: f"U+{ord(c):04X}")
def test_apply_refuses_invisible_characters_in_every_text_field(
    station: Cli, field: str, char: str
) -> None:
    value = f"王{char}[31m伟.exe"
    code, out, err = station.apply(apply_input(1, **{field: value}))
    assert code == 2, err
    assert field in err and f"U+{ord(char):04X}" in err and "第 2 个字符" in err
    assert out == ""
    code, _out, err = station("ledger")
    assert code == 0 and "没有符合条件的申请（共 0 份）" in err


def test_an_accepted_name_is_stored_in_nfc(station: Cli) -> None:
    receipt = station.receipt(apply_input(1, **{"member.name": "Jose\u0301"}))
    code, out, _err = station("ledger", "show", receipt)
    assert code == 0 and "José" in out and "Jose\u0301" not in out


def test_a_text_planted_behind_the_programs_back_cannot_steer_the_terminal(
    station: Cli, home
) -> None:
    receipt = station.receipt(apply_input(1))
    with sqlite3.connect(home / "union-counter.sqlite3") as raw:
        raw.execute("UPDATE member SET name = ?", ("王\x1b[2J\x1b[31m伟\u202eexe",))
    for command in (["ledger"], ["ledger", "show", receipt]):
        code, out, _err = station(*command)
        assert code == 0
        assert "\x1b" not in out and "\u202e" not in out
        assert "王⟨U+001B⟩[2J⟨U+001B⟩[31m伟⟨U+202E⟩exe" in out


def test_audit_text_lists_each_planted_character_by_receipt_and_field(station: Cli, home) -> None:
    first = station.receipt(apply_input(1))
    second = station.receipt(apply_input(2))
    code, out, err = station("audit", "text")
    assert code == 0 and out == "" and "没有发现含不可见字符的记录（共检查 2 份申请）" in err
    with sqlite3.connect(home / "union-counter.sqlite3") as raw:
        (member_id,) = raw.execute(
            "SELECT member_id FROM application WHERE receipt = ?", (second,)
        ).fetchone()
        raw.execute("UPDATE member SET name = ? WHERE id = ?", ("李\u202e娜", member_id))
    code, out, err = station("audit", "text")
    assert code == 5
    assert out.splitlines() == [f"{second}　姓名：第 2 个字符是文字方向控制符（U+202E）"]
    assert first not in out and "\u202e" not in out
    assert "有 1 处记录含有不可见的字符（共检查 2 份申请）" in err
