"""The program's icon at every size it is drawn in (resources/icons/, rendered from
union-counter.svg by build_spec/make_icons.py): title bar, taskbar, Alt+Tab."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon

from desktop_app.paths import resources_dir

ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)


def program_icon() -> QIcon:
    """The icon, from the PNGs that are there (none: Qt's default)."""
    icon = QIcon()
    folder = resources_dir() / "icons"
    for size in ICON_SIZES:
        path = folder / f"union-counter-{size}.png"
        if path.is_file():
            icon.addFile(str(path), QSize(size, size))
    return icon
