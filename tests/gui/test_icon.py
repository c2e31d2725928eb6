"""The program's icon: drawn once as SVG, rendered to the sizes the desktops ask for, and the
window shows it (title bar, taskbar, Alt+Tab)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize
from PySide6.QtGui import QImage

from desktop_app.paths import resources_dir
from desktop_app.ui.icon import ICON_SIZES, program_icon

ICONS = resources_dir() / "icons"


def test_every_size_is_there_square_and_not_blank() -> None:
    assert (ICONS / "union-counter.svg").is_file()
    for size in ICON_SIZES:
        image = QImage(str(ICONS / f"union-counter-{size}.png"))
        assert (image.width(), image.height()) == (size, size)
        centre = image.pixelColor(size // 2, size // 2)
        corner = image.pixelColor(0, 0)
        assert centre.alpha() == 255 and corner.alpha() < 128  # drawn, with rounded corners


def test_the_windows_build_has_its_ico() -> None:
    from PIL import Image

    with Image.open(ICONS / "union-counter.ico") as ico:
        assert {(16, 16), (32, 32), (48, 48), (256, 256)} <= set(ico.info["sizes"])


def test_the_window_shows_the_icon(qtbot: Any, window: Any) -> None:
    icon = program_icon()
    assert {QSize(s, s) for s in ICON_SIZES} <= set(icon.availableSizes())
    assert not window.windowIcon().isNull()
    assert window.windowIcon().availableSizes() == icon.availableSizes()
