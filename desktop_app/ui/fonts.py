"""Register the bundled CJK fonts, so Chinese shows on a machine with no Chinese fonts."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from desktop_app.paths import resources_dir

log = logging.getLogger(__name__)

# The interface font: WenQuanYi Micro Hei (resources/fonts/wqy-microhei, Apache-2.0).
UI_FONT_FILE = ("wqy-microhei", "wqy-microhei-subset.ttf")


def _font_files() -> list[Path]:
    folder = resources_dir() / "fonts"
    return [p for p in sorted(folder.rglob("*")) if p.suffix.lower() in (".ttf", ".ttc", ".otf")]


def register_fonts(*, interface_only: bool = True) -> list[str]:
    """Add bundled font files to Qt's font database; return the families added.

    At start only the interface font (3.3 MB); `register_more_fonts()` adds the printing fonts
    (Song, CJK Extension A and B) once the window is up, so rare name characters show too."""
    families: list[str] = []
    for path in _font_files():
        if (path.parent.name == UI_FONT_FILE[0]) != interface_only:
            continue
        font_id = QFontDatabase.addApplicationFont(str(path))
        if font_id < 0:
            log.warning("could not load font %s", path)
            continue
        families.extend(QFontDatabase.applicationFontFamilies(font_id))
    return families


def register_more_fonts() -> list[str]:
    """The other bundled fonts (fallbacks for characters the interface font lacks)."""
    return register_fonts(interface_only=False)


def apply_ui_font(app: QApplication, families: list[str]) -> None:
    """Make the bundled CJK font the fallback for Chinese text in every widget."""
    if not families:
        return
    font = app.font()
    # The platform's font first (Latin letters and digits look native), then the CJK one.
    chosen = [f for f in ("WenQuanYi Micro Hei", *families) if f in families]
    font.setFamilies([*font.families(), *dict.fromkeys(chosen)])
    if font.pointSizeF() < 10:
        font.setPointSizeF(10)
    app.setFont(font)


def ui_font_family() -> str:
    return "WenQuanYi Micro Hei"


def has_glyphs(text: str, family: str | None = None) -> bool:
    """Whether the font (default: the UI font) draws every character of `text`."""
    from PySide6.QtGui import QFontMetrics

    metrics = QFontMetrics(QFont(family or ui_font_family()))
    return all(metrics.inFontUcs4(ord(ch)) for ch in text if not ch.isspace())
