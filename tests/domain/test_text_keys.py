"""The ledger's name key (domain/text.name_chars): what the name search stores and asks."""

from __future__ import annotations

import sys

from desktop_app.domain.text import name_chars


def test_a_name_becomes_its_characters_separated_by_spaces():
    assert name_chars("张伟") == "张 伟"
    assert name_chars("张 伟") == "张 伟"
    assert name_chars("  欧阳\u3000娜娜\t") == "欧 阳 娜 娜"
    assert name_chars("O'Neil 李") == "O ' N e i l 李"
    assert name_chars("") == ""
    assert name_chars(" \u3000\n") == ""
    assert name_chars("𠮷䶮") == "𠮷 䶮"  # outside the BMP: one character each


def test_every_white_space_character_is_dropped_and_nothing_else():
    """Every character Python calls white space, and none other, is left out — the same
    characters the stored keys of earlier versions left out (a per-character loop)."""
    for code in range(sys.maxunicode + 1):
        ch = chr(code)
        expected = "" if ch.isspace() else ch
        assert name_chars(ch) == expected, hex(code)
        assert name_chars(f"王{ch}芳") == " ".join(f"王{expected}芳"), hex(code)
