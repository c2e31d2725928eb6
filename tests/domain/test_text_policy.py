"""The one text policy (desktop_app/domain/text_policy.py): every kind of character it refuses,
what it lets through, NFC, and the guard on the way out."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop_app.domain.facts import InputError, checked_text
from desktop_app.domain.text_policy import normal_text, shown, text_problem

REFUSED = {
    "\x00": "控制字符",
    "\x01": "控制字符",
    "\x07": "控制字符",  # BEL
    "\x1b": "控制字符",  # ESC: the start of an ANSI escape
    "\x1f": "控制字符",
    "\x7f": "控制字符",  # DEL
    "\x85": "控制字符",  # C1 (NEL, which str.split would take for a space)
    "\x9b": "控制字符",  # C1 CSI
    "\u202e": "文字方向控制符",  # RIGHT-TO-LEFT OVERRIDE: 王‮evil.exe
    "\u202d": "文字方向控制符",
    "\u2066": "文字方向控制符",
    "\u2069": "文字方向控制符",
    "\u200f": "文字方向控制符",
    "\u061c": "文字方向控制符",
    "\u200b": "零宽字符",
    "\u200c": "零宽字符",
    "\u200d": "零宽字符",
    "\u2060": "零宽字符",
    "\ufeff": "零宽字符",  # the byte-order mark
    "\u00ad": "不可见的格式字符",  # soft hyphen
    "\U000e0041": "不可见的格式字符",  # a tag character
    "\ud800": "无效的代理码位",
    "\u0378": "未分配或非字符的码位",
    "\uffff": "未分配或非字符的码位",
    "\ufdd0": "未分配或非字符的码位",
    "\U0002fffe": "未分配或非字符的码位",  # a noncharacter, even in the ideographs' plane
}


@pytest.mark.parametrize("char", REFUSED, ids=lambda c: f"U+{ord(c):04X}")
def test_each_kind_is_refused_with_its_position_and_code(char: str) -> None:
    problem = text_problem(f"王{char}伟")
    assert problem is not None
    assert (problem.position, problem.kind) == (2, REFUSED[char])
    assert f"U+{ord(char):04X}" in problem.message and "第 2 个字符" in problem.message
    with pytest.raises(InputError) as caught:
        checked_text(f"王{char}伟", "member.name")
    assert caught.value.field == "member.name"


@pytest.mark.parametrize(
    "text",
    [
        "王伟",
        "欧阳 娜娜",
        "北京市西城区某物业公司（第一分公司）",
        "Zhang Wei-Li",
        "𠀀𪚥",  # CJK Extension B
        "\U0002ebf0",  # CJK Extension I: newer than this Python's Unicode, still a name's character
        "\U00031350",  # Extension H
        "葛\U000e0100",  # an ideographic variation selector (Mn): a name's own glyph
        "\ue000",  # private use: older systems put rare name characters there
        "第一行\n第二行\t制表",  # line breaks and tabs: the fields make them spaces
        "=1+1",
    ],
)
def test_real_texts_pass(text: str) -> None:
    assert text_problem(text) is None
    assert shown(text) == text


def test_the_accepted_text_is_stored_in_nfc() -> None:
    assert normal_text("Jose\u0301") == "José"
    assert checked_text("Jose\u0301", "member.name") == "José"
    assert checked_text("王伟", "member.name") == "王伟"


def test_what_goes_out_shows_each_refused_character_by_its_code() -> None:
    assert shown("王\x1b[31m伟") == "王⟨U+001B⟩[31m伟"
    assert shown("王\u202eexe.live") == "王⟨U+202E⟩exe.live"
    assert shown("a\x00b\u200bc") == "a⟨U+0000⟩b⟨U+200B⟩c"


@given(st.text())
def test_shown_is_always_clean_and_leaves_clean_text_alone(text: str) -> None:
    out = shown(text)
    assert text_problem(out) is None
    if text_problem(text) is None:
        assert out == text
