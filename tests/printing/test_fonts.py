"""The shipped printing fonts: licences beside them, coverage of GB 2312, Extension A and the
Extension B name characters, per-character fallback, and naming what no font has."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from desktop_app.paths import resources_dir
from desktop_app.printing.fonts import FontSet, default_fonts, describe_missing

FONTS = resources_dir() / "fonts"
NOT_IN_ANY_FONT = "\U00030000"  # CJK Extension G (Unicode 13): no shipped face has it


def gb2312() -> list[str]:
    chars = []
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.append(bytes([high, low]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return chars


@pytest.fixture(scope="module")
def shipped() -> FontSet:
    """Only the fonts in resources/fonts (no system font), as on a bare PC."""
    return default_fonts(system=False)


def test_each_font_folder_has_its_licence() -> None:
    expected = {
        "arphic-uming": ("uming-cn-subset.ttf", "ARPHICPL.TXT"),
        "hanazono": ("HanaMinA-subset.ttf", "COPYRIGHT"),
    }
    for folder, (font, licence) in expected.items():
        assert (FONTS / folder / font).is_file()
        assert "license" in (FONTS / folder / licence).read_text(encoding="utf-8").lower()
    assert (FONTS / "hanazono" / "HanaMinB-subset.ttf").is_file()
    readme = (FONTS / "README.md").read_text(encoding="utf-8")
    for name in ("uming-cn-subset.ttf", "HanaMinA-subset.ttf", "HanaMinB-subset.ttf"):
        assert name in readme


def test_fonts_are_truetype_not_cff() -> None:
    """reportlab embeds TrueType (glyf) outlines only."""
    for path in FONTS.glob("*/*-subset.ttf"):
        head = path.read_bytes()[:4]
        assert head == b"\x00\x01\x00\x00", f"{path.name} is not a TrueType (glyf) font"


def test_every_gb2312_character_is_covered(shipped: FontSet) -> None:
    chars = gb2312()
    assert len(chars) == 7445
    assert shipped.missing(chars) == []
    # and nearly all of them by the Song face itself
    primary = [ch for ch in chars if shipped.face_for(ch) is shipped.primary]
    assert len(primary) >= 7440


def test_cjk_extension_a_is_covered(shipped: FontSet) -> None:
    ext_a = [chr(c) for c in range(0x3400, 0x4DB6)]  # Extension A as of Unicode 3.0–12
    assert shipped.missing(ext_a) == []
    assert shipped.face_for("䶮") is not None  # U+4DAE
    # U+4DB6–U+4DBF were added in Unicode 13 (2020): newer than the shipped HanaMinA, named.
    late = [chr(c) for c in range(0x4DB6, 0x4DC0)]
    assert shipped.missing(late) == late


def test_extension_b_name_characters_are_covered(shipped: FontSet) -> None:
    listed = (FONTS / "hanazono" / "extb-chars.txt").read_text(encoding="utf-8")
    extb = [ch for ch in listed if 0x20000 <= ord(ch) <= 0x2A6DF]
    assert "𠮷" in extb and len(extb) > 1000
    assert shipped.missing(extb) == []
    assert shipped.face_for("𠮷").path.name == "HanaMinB-subset.ttf"


def test_runs_split_by_face_and_keep_order(shipped: FontSet) -> None:
    runs = shipped.runs("张𠮷䶮 ABC")
    assert "".join(text for _face, text in runs) == "张𠮷䶮 ABC"
    names = [face.path.name if face else None for face, _text in runs]
    assert names[0] == "uming-cn-subset.ttf"
    assert "HanaMinB-subset.ttf" in names and "HanaMinA-subset.ttf" in names


def test_width_adds_the_runs_and_gives_a_missing_character_one_em(shipped: FontSet) -> None:
    assert shipped.width("张三", 12) == pytest.approx(24, abs=0.5)
    assert shipped.width("张" + NOT_IN_ANY_FONT, 10) == pytest.approx(shipped.width("张", 10) + 10)


def test_a_character_no_font_has_is_named(shipped: FontSet) -> None:
    assert shipped.missing(f"张{NOT_IN_ANY_FONT}伟 ") == [NOT_IN_ANY_FONT]
    message = describe_missing([NOT_IN_ANY_FONT])
    assert NOT_IN_ANY_FONT in message and "U+30000" in message and "手写" in message
    assert describe_missing([]) == ""


@pytest.mark.skipif(sys.platform != "win32", reason="SimSun-ExtB exists only on Windows")
def test_windows_simsun_extb_is_a_fallback() -> None:  # pragma: no cover - Windows only
    fonts = default_fonts()
    assert any("SimSun-ExtB" in face.label for face in fonts.faces if not face.shipped)


def test_subset_tool_documents_what_it_keeps() -> None:
    tool = Path(FONTS / "make_subsets.py").read_text(encoding="utf-8")
    for words in ("GB 2312", "Extension A", "extb-chars.txt", "kTGH"):
        assert words in tool
