"""Render the program's icon (resources/icons/union-counter.svg) to the PNGs the window and the
Linux desktop use (hicolor sizes) and the .ico the Windows build embeds. Run after changing the
SVG, and commit what it writes:

    .venv/bin/python build_spec/make_icons.py

Qt's own SVG renderer draws it (offscreen, no screen needed); Pillow writes the .ico.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ICONS = ROOT / "resources" / "icons"
SVG = ICONS / "union-counter.svg"
SIZES = (16, 24, 32, 48, 64, 128, 256)


def png_path(size: int) -> Path:
    return ICONS / f"union-counter-{size}.png"


def render() -> list[Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        raise SystemExit(f"{SVG} is not a valid SVG")
    written = []
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        target = png_path(size)
        if not image.save(str(target), "PNG"):
            raise SystemExit(f"cannot write {target}")
        written.append(target)
    from PIL import Image

    ico = ICONS / "union-counter.ico"
    with Image.open(png_path(256)) as biggest:
        biggest.save(ico, sizes=[(s, s) for s in SIZES if s <= 256])
    written.append(ico)
    return written


if __name__ == "__main__":
    for path in render():
        print(f"{path.relative_to(ROOT)}  {path.stat().st_size} bytes")
