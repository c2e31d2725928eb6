"""The printing fonts: registered with reportlab once, chosen character by character.

The forms are set in a Ming/Song face, AR PL UMing CN (GB 2312 and punctuation). A character it
lacks comes from the next face that has it: HanaMinA (the rest of the CJK Unified Ideographs,
Extension A), HanaMinB (Extension B name characters), then system fonts where the platform has
them (Windows: SimSun-ExtB covers all of Extension B). `FontSet.runs` splits a text into runs by
face; a character no face covers is a run of its own with no face (printed as a blank of one em,
to be written in by hand) and `FontSet.missing` names such characters so the clerk can be told
before printing. reportlab embeds each face as a subset of the glyphs a document uses.

No Qt here, and no database.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import SUBSETN, TTFont

from desktop_app.paths import resources_dir

#: Characters that never need a glyph (they are spacing or nothing at all).
_BLANKS = frozenset(" \t\r\n\u3000\u00a0\u200b\u200c\u200d\ufeff")


class _UnicodeTTFont(TTFont):  # type: ignore[misc]
    """reportlab's TTFont, with a ToUnicode map that is right beyond the BMP.

    reportlab writes each code point as `<%04X>`, which for 𠮷 (U+20BB7) is an odd-length hex
    string that no reader can map back. A ToUnicode map wants UTF-16BE (a surrogate pair there),
    so text copied or extracted from the PDF is the character that was printed.
    """

    def addObjects(self, doc: Any) -> None:  # noqa: N802 (reportlab's name)
        state = self.state.get(doc)  # reportlab forgets it in addObjects
        subsets = [list(s) for s in state.subsets] if state is not None else []
        super().addObjects(doc)
        for n, subset in enumerate(subsets):
            if all(code <= 0xFFFF for code in subset):
                continue
            # the subset's name as reportlab's addObjects makes it
            base = b"".join((SUBSETN(n), b"+", self.face.name, self.face.subfontNameX))
            name = base.decode("pdfdoc")
            cmap = doc.idToObject.get("toUnicodeCMap:" + name)
            if cmap is not None:
                cmap.content = _to_unicode_cmap(name, subset)


def _to_unicode_cmap(name: str, subset: Sequence[int]) -> str:
    def utf16(code: int) -> str:
        return chr(code).encode("utf-16-be").hex().upper()

    return "\n".join(
        [
            "/CIDInit /ProcSet findresource begin",
            "12 dict begin",
            "begincmap",
            f"/CIDSystemInfo << /Registry ({name}) /Ordering ({name}) /Supplement 0 >> def",
            f"/CMapName /{name} def",
            "/CMapType 2 def",
            "1 begincodespacerange",
            f"<00> <{len(subset) - 1:02X}>",
            "endcodespacerange",
            f"{len(subset)} beginbfchar",
            *(f"<{i:02X}> <{utf16(code)}>" for i, code in enumerate(subset)),
            "endbfchar",
            "endcmap",
            "CMapName currentdict /CMap defineresource pop",
            "end",
            "end",
        ]
    )


_LOADING = threading.Lock()


@dataclass
class Face:
    """One font file (a face of a collection by `index`), loaded on first use."""

    name: str  # the name registered with reportlab
    path: Path
    label: str  # what a person calls it, for messages
    index: int = 0
    shipped: bool = True
    _font: TTFont | None = field(default=None, repr=False)
    _failed: bool = field(default=False, repr=False)

    def load(self) -> TTFont | None:
        if self._font is None and not self._failed:
            # Once, even when the printing warm-up thread and a print ask at the same moment.
            with _LOADING:
                if self._font is None and not self._failed:
                    try:
                        font = _UnicodeTTFont(self.name, str(self.path), subfontIndex=self.index)
                    except Exception:  # an unreadable or non-TrueType system font: skip it
                        self._failed = True
                        return None
                    pdfmetrics.registerFont(font)
                    self._font = font
        return self._font

    def covers(self, code: int) -> bool:
        font = self.load()
        return font is not None and code in font.face.charToGlyph


FONTS_DIR_NAME = "fonts"
PRIMARY = ("arphic-uming", "uming-cn-subset.ttf", "AR PL UMing CN（文鼎明体，子集）")
SHIPPED_FALLBACKS = (
    ("hanazono", "HanaMinA-subset.ttf", "花园明朝 A（子集）"),
    ("hanazono", "HanaMinB-subset.ttf", "花园明朝 B（扩展 B 人名用字子集）"),
)


def system_font_candidates() -> list[tuple[Path, int, str]]:
    """Fonts of the platform that cover what the shipped subsets leave out (Extension B)."""
    found: list[tuple[Path, int, str]] = []
    if sys.platform == "win32":
        windir = Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"
        found += [
            (windir / "simsunb.ttf", 0, "SimSun-ExtB（系统字体）"),
            (windir / "simsun.ttc", 0, "宋体（系统字体）"),
        ]
    else:
        for folder in ("/usr/share/fonts/truetype/hanazono", "/usr/local/share/fonts"):
            base = Path(folder)
            found += [
                (base / "HanaMinB.ttf", 0, "花园明朝 B（系统字体）"),
                (base / "HanaMinA.ttf", 0, "花园明朝 A（系统字体）"),
            ]
    return [c for c in found if c[0].is_file()]


class FontSet:
    """Faces in order of preference; the first is the forms' Song/Ming face."""

    def __init__(self, faces: Sequence[Face]) -> None:
        if not faces:
            raise ValueError("a font set needs at least one face")
        self.faces = list(faces)
        self._choice: dict[int, Face | None] = {}
        self._lock = threading.Lock()

    @property
    def primary(self) -> Face:
        return self.faces[0]

    def face_for(self, ch: str) -> Face | None:
        """The first face that has `ch` (None: no face has it)."""
        code = ord(ch)
        try:
            return self._choice[code]
        except KeyError:
            pass
        with self._lock:
            chosen = next((face for face in self.faces if face.covers(code)), None)
            self._choice[code] = chosen
        return chosen

    def runs(self, text: str) -> list[tuple[Face | None, str]]:
        """Split `text` into runs of one face; blanks join the run before them."""
        result: list[tuple[Face | None, str]] = []
        current: Face | None = None
        buffer: list[str] = []
        for ch in text:
            if ch in _BLANKS and buffer:
                buffer.append(ch)
                continue
            face = self.primary if ch in _BLANKS else self.face_for(ch)
            if buffer and (face is not current or face is None):
                result.append((current, "".join(buffer)))
                buffer = []
            current = face
            buffer.append(ch)
        if buffer:
            result.append((current, "".join(buffer)))
        return result

    def width(self, text: str, size: float) -> float:
        """The printed width of `text` in points; a missing character takes one em."""
        total = 0.0
        for face, run in self.runs(text):
            if face is None:
                total += size * len(run)
            else:
                total += pdfmetrics.stringWidth(run, face.name, size)
        return total

    def missing(self, text: str | Iterable[str]) -> list[str]:
        """Characters of `text` (or of several texts) that no face has, each once, in order."""
        texts = [text] if isinstance(text, str) else list(text)
        seen: dict[str, None] = {}
        for item in texts:
            for ch in item:
                if ch not in _BLANKS and ch.isprintable() and self.face_for(ch) is None:
                    seen.setdefault(ch, None)
        return list(seen)


def fonts_dir() -> Path:
    return resources_dir() / FONTS_DIR_NAME


_DEFAULT: FontSet | None = None
_DEFAULT_LOCK = threading.Lock()


def default_fonts(*, system: bool = True) -> FontSet:
    """The program's font set (made once): shipped faces, then the platform's where found."""
    global _DEFAULT
    if not system:
        return _make_fonts(system=False)
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            _DEFAULT = _make_fonts(system=True)
        return _DEFAULT


def _make_fonts(*, system: bool) -> FontSet:
    base = fonts_dir()
    folder, filename, label = PRIMARY
    faces = [Face("UCSong", base / folder / filename, label)]
    for i, (folder, filename, label) in enumerate(SHIPPED_FALLBACKS):
        path = base / folder / filename
        if path.is_file():
            faces.append(Face(f"UCSongFallback{i}", path, label))
    if system:
        for i, (path, index, label) in enumerate(system_font_candidates()):
            faces.append(Face(f"UCSystem{i}", path, label, index=index, shipped=False))
    if not faces[0].path.is_file():
        raise FileNotFoundError(
            f"打印用字体文件缺失：{faces[0].path}。请重新安装程序（resources/fonts）。"
        )
    return FontSet(faces)


def describe_missing(chars: Sequence[str]) -> str:
    """A clerk's message naming characters no font has (empty when there are none)."""
    if not chars:
        return ""
    named = "、".join(f"“{ch}”（U+{ord(ch):04X}）" for ch in chars)
    return (
        f"以下字在本机字体中没有，打印时留空，请打印后手写补上：{named}。"
        "（Windows 上装有“SimSun-ExtB”字体时，扩展 B 区的生僻字可以打印出来。）"
    )
