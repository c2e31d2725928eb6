"""Make the printing fonts' subsets in this folder (a one-off developer tool; the program
does not run it).

The printed forms use two Ming/Song faces from Debian's archive, cut down to the characters a
counter's forms need so the offline bundle stays small:

- `arphic-uming/uming-cn-subset.ttf`, from AR PL UMing CN (face 0 of `uming.ttc`, Debian
  `fonts-arphic-uming`): every character of GB 2312 (all valid 2-byte codes decoded with
  Python's `gb2312` codec) that the face has, plus ASCII, Latin-1, general punctuation, CJK
  symbols and punctuation, vertical forms (︵︶ for vertical labels) and half/full-width forms.
- `hanazono/HanaMinA-subset.ttf`, from HanaMinA (Debian `fonts-hanazono`): CJK Unified
  Ideographs U+4E00–U+9FFF, Extension A U+3400–U+4DBF, compatibility ideographs U+F900–U+FAFF
  and radicals U+2E80–U+2FDF, each only where the UMing subset lacks it, and the symbol ranges
  above where UMing lacks them (e.g. ￣ U+FFE3 of GB 2312).
- `hanazono/HanaMinB-subset.ttf`, from HanaMinB (Debian `fonts-hanazono`): the Extension B
  (U+20000–U+2A6DF) characters listed in `hanazono/extb-chars.txt`.
- `wqy-microhei/wqy-microhei-subset.ttf`, the window's interface font, from WenQuanYi Micro
  Hei (face 0 of `wqy-microhei.ttc`, Debian `fonts-wqy-microhei`): every character of the face
  in `UI_RANGES` (Latin, Greek, Cyrillic, punctuation and symbols, CJK symbols, kana, Bopomofo,
  all its CJK Unified Ideographs, full-width forms). Left out: the Mono face of the collection
  and Hangul (11,172 syllables), which the window never shows. Hinting and layout tables stay
  (it is a screen font).

`hanazono/extb-chars.txt` holds the Extension B characters that Chinese personal names may use
and that we keep: those the Unihan database (Debian `unicode-data`, Unicode 15) gives a
`kTGH` (通用规范汉字表 2013), `kIICore` (International Ideograph Core), `kXHC1983` (现代汉语词典)
or `kHKSCS` (Hong Kong supplementary set) entry, plus the rare name characters in
`EXTRA_EXTB` below (𠮷 U+20BB7, which Unihan gives none of these). Regenerate the list with
`--unihan DIR` (a folder with the Unihan_*.txt or Unihan_*.txt.bz2 files); without it the
committed list is used. Any other Extension B character comes from a system font where the
platform has one (Windows: SimSun-ExtB), else the program names it before printing.

Hinting and OpenType layout tables are dropped (the forms are printed, not shown at screen
sizes); glyph outlines are unchanged. Each output carries a notice in its name table (ID 10)
saying how and when it was modified, as the Arphic Public License asks.

Steps (Debian/Ubuntu):

    cd /tmp && apt-get download fonts-arphic-uming fonts-hanazono fonts-wqy-microhei unicode-data
    for f in fonts-arphic-uming_*.deb fonts-hanazono_*.deb fonts-wqy-microhei_*.deb \
        unicode-data_*.deb; do
        dpkg-deb -x "$f" /tmp/fontsrc; done
    .venv/bin/pip install fonttools
    .venv/bin/python resources/fonts/make_subsets.py --source /tmp/fontsrc \
        --unihan /tmp/fontsrc/usr/share/unicode

`--only ui` (or `print`) remakes just the interface font (or just the printing fonts).
"""

from __future__ import annotations

import argparse
import bz2
import io
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

HERE = Path(__file__).resolve().parent
UMING = "usr/share/fonts/truetype/arphic/uming.ttc"
HANA_A = "usr/share/fonts/truetype/hanazono/HanaMinA.ttf"
HANA_B = "usr/share/fonts/truetype/hanazono/HanaMinB.ttf"
WQY = "usr/share/fonts/truetype/wqy/wqy-microhei.ttc"

EXT_B = range(0x20000, 0x2A6E0)
EXTB_LIST = HERE / "hanazono" / "extb-chars.txt"
UNIHAN_FIELDS = {"kTGH", "kIICore", "kXHC1983", "kHKSCS"}
# Rare name characters Unihan does not flag with the fields above.
EXTRA_EXTB = "𠮷"

SYMBOL_RANGES = (
    range(0x20, 0x7F),  # ASCII
    range(0xA0, 0x100),  # Latin-1
    range(0x2000, 0x2070),  # general punctuation
    range(0x3000, 0x3040),  # CJK symbols and punctuation
    range(0xFE10, 0xFE20),  # vertical forms
    range(0xFE30, 0xFE50),  # CJK compatibility forms (vertical brackets ︵︶)
    range(0xFF00, 0xFFF0),  # half-width and full-width forms
)
HAN_RANGES = (
    range(0x4E00, 0xA000),  # CJK Unified Ideographs
    range(0x3400, 0x4DC0),  # Extension A
    range(0xF900, 0xFB00),  # compatibility ideographs
    range(0x2E80, 0x2FE0),  # radicals supplement, Kangxi radicals
)
# The interface font keeps these blocks (where the face has them).
UI_RANGES = (
    range(0x20, 0x250),  # ASCII, Latin-1, Latin Extended-A/B (pinyin tone letters)
    range(0x250, 0x370),  # IPA, spacing modifiers (ˇ ˉ ˊ ˋ), combining marks
    range(0x370, 0x530),  # Greek, Cyrillic
    range(0x1E00, 0x1F00),  # Latin Extended Additional
    range(0x2000, 0x2C00),  # punctuation, letterlike, numbers, arrows, maths, box drawing,
    # shapes, symbols, dingbats, enclosed alphanumerics (①…)
    range(0x2E80, 0x2FE0),  # CJK radicals
    range(0x3000, 0x3100),  # CJK symbols and punctuation, kana
    range(0x3100, 0x3130),  # Bopomofo
    range(0x3190, 0x3400),  # kanbun, Bopomofo ext., CJK strokes, enclosed CJK, compatibility
    range(0x3400, 0x4DC0),  # Extension A (the face has few)
    range(0x4E00, 0xA000),  # CJK Unified Ideographs
    range(0xE000, 0xF900),  # private use (the face's own)
    range(0xF900, 0xFB00),  # compatibility ideographs
    range(0xFE10, 0xFE20),  # vertical forms
    range(0xFE30, 0xFE70),  # CJK compatibility forms, small forms
    range(0xFF00, 0xFFF0),  # half-width and full-width forms
    range(0xFFFC, 0xFFFE),  # object replacement, replacement character
)


def gb2312_characters() -> set[str]:
    """Every character of GB 2312: all valid 2-byte codes decoded with the gb2312 codec."""
    chars: set[str] = set()
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.add(bytes([high, low]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return chars


def _unihan_lines(folder: Path) -> Iterable[str]:
    for path in sorted(folder.glob("Unihan_*.txt*")):
        if path.suffix == ".bz2":
            with bz2.open(path, "rt", encoding="utf-8") as handle:
                yield from handle
        else:
            with path.open(encoding="utf-8") as handle:
                yield from handle


def extb_from_unihan(folder: Path) -> list[int]:
    found: set[int] = set()
    for line in _unihan_lines(folder):
        parts = line.split("\t", 2)
        if len(parts) >= 2 and parts[1] in UNIHAN_FIELDS:
            code = int(parts[0][2:], 16)
            if code in EXT_B:
                found.add(code)
    found.update(ord(ch) for ch in EXTRA_EXTB)
    return sorted(found)


def read_extb_list() -> list[int]:
    text = EXTB_LIST.read_text(encoding="utf-8")
    return sorted({ord(ch) for ch in text if ord(ch) in EXT_B})


def write_extb_list(codes: list[int]) -> None:
    lines = [
        "# Extension B characters kept in HanaMinB-subset.ttf (resources/fonts/make_subsets.py):",
        "# Unihan kTGH, kIICore, kXHC1983 or kHKSCS (Unicode 15), plus 𠮷. 50 a line.",
    ]
    chars = [chr(c) for c in codes]
    lines += ["".join(chars[i : i + 50]) for i in range(0, len(chars), 50)]
    EXTB_LIST.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _options() -> subset.Options:
    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.notdef_outline = True
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.glyph_names = False
    options.drop_tables += ["FFTM", "BDF", "EBDT", "EBLC", "EBSC", "GSUB", "GPOS"]
    return options


def _mark(font: TTFont, what: str, *, stripped: bool = True) -> None:
    removed = "hinting and layout tables removed" if stripped else "hinting and layout kept"
    notice = (
        f"Modified {date.today().isoformat()} by the union-counter project with fontTools: "
        f"subset to {what}; {removed}; outlines unchanged."
    )
    font["name"].setName(notice, 10, 3, 1, 0x409)
    font["name"].setName(notice, 10, 1, 0, 0)


def _ui_options() -> subset.Options:
    """The interface font is shown on screen: keep hinting and the layout features."""
    options = subset.Options()
    options.layout_features = ["*"]
    options.hinting = True
    options.notdef_outline = True
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.glyph_names = False
    options.drop_tables += ["FFTM"]
    return options


def make_subset(
    source: Path,
    number: int,
    codes: Iterable[int],
    out: Path,
    what: str,
    options: subset.Options | None = None,
) -> int:
    font = TTFont(source, fontNumber=number)
    subsetter = subset.Subsetter(options or _options())
    subsetter.populate(unicodes=sorted(set(codes)))
    subsetter.subset(font)
    _mark(font, what, stripped=options is None)
    buffer = io.BytesIO()
    font.save(buffer)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(buffer.getvalue())
    return len(font.getBestCmap())


def make_ui_subset(source: Path) -> None:
    """`wqy-microhei/wqy-microhei-subset.ttf`: face 0 (WenQuanYi Micro Hei) without Hangul."""
    cmap = TTFont(source, fontNumber=0).getBestCmap()
    wanted = {c for r in UI_RANGES for c in r if c in cmap}
    n = make_subset(
        source,
        0,
        wanted,
        HERE / "wqy-microhei" / "wqy-microhei-subset.ttf",
        "face 0 (WenQuanYi Micro Hei) without Hangul and the Mono face",
        _ui_options(),
    )
    print(f"wqy-microhei-subset.ttf: {n} characters")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source", type=Path, default=Path("/"), help="root of the unpacked .debs")
    parser.add_argument("--unihan", type=Path, help="folder with Unihan_*.txt(.bz2)")
    parser.add_argument("--only", choices=("ui", "print"), help="only these fonts")
    args = parser.parse_args()

    if args.only != "print":
        make_ui_subset(args.source / WQY)
    if args.only == "ui":
        return

    gb = {ord(ch) for ch in gb2312_characters()}
    symbols = {c for r in SYMBOL_RANGES for c in r}
    uming_path = args.source / UMING
    uming_cmap = TTFont(uming_path, fontNumber=0).getBestCmap()
    primary = {c for c in gb | symbols if c in uming_cmap}
    n = make_subset(
        uming_path,
        0,
        primary,
        HERE / "arphic-uming" / "uming-cn-subset.ttf",
        "GB 2312 plus ASCII, Latin-1, punctuation and full-width forms",
    )
    print(f"uming-cn-subset.ttf: {n} characters")

    wanted_a = {c for r in HAN_RANGES for c in r} | symbols | gb
    fallback = wanted_a - primary
    n = make_subset(
        args.source / HANA_A,
        -1,
        fallback,
        HERE / "hanazono" / "HanaMinA-subset.ttf",
        "CJK Unified Ideographs, Extension A, compatibility ideographs and radicals "
        "not in the UMing subset",
    )
    print(f"HanaMinA-subset.ttf: {n} characters")

    if args.unihan:
        write_extb_list(extb_from_unihan(args.unihan))
    extb = read_extb_list()
    n = make_subset(
        args.source / HANA_B,
        -1,
        extb,
        HERE / "hanazono" / "HanaMinB-subset.ttf",
        "the Extension B characters of hanazono/extb-chars.txt",
    )
    print(f"HanaMinB-subset.ttf: {n} characters")


if __name__ == "__main__":
    main()
