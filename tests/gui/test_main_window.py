"""The main window: title, sections by shortcut, remembered geometry and section, faults."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QRect, Qt

from desktop_app.ui import errors
from desktop_app.ui.context import AppContext
from desktop_app.ui.main_window import WINDOW_TITLE, MainWindow
from tests.gui.conftest import CLERK

CTRL = Qt.KeyboardModifier.ControlModifier


def _window(qtbot: Any, ctx: AppContext) -> MainWindow:
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def test_sections_by_shortcut_and_the_status_bar(qtbot: Any, window: MainWindow) -> None:
    assert window.windowTitle() == WINDOW_TITLE == "职工技能补助柜台"
    for key, section in (
        (Qt.Key.Key_2, "ledger"),
        (Qt.Key.Key_3, "catalogue"),
        (Qt.Key.Key_4, "settings"),
        (Qt.Key.Key_5, "statistics"),
        (Qt.Key.Key_1, "intake"),
    ):
        qtbot.keyClick(window, key, CTRL)
        assert window.section() == section
        assert window.stack.currentWidget() is window.pages[section]
    status = window.status_label.text()
    assert "西城区展览路街道工会服务站（XC01）" in status and CLERK in status


def test_geometry_and_last_section_are_remembered(qtbot: Any, ctx: AppContext) -> None:
    # (The offscreen screen is 800×600 and clamps sizes, so the remembered state shown here
    # is the maximised window; position and size go through the same saveGeometry bytes.)
    first = _window(qtbot, ctx)
    first.showMaximized()
    qtbot.waitUntil(first.isMaximized)
    first.show_section("ledger")
    first.close()
    assert ctx.settings.value("window/geometry") is not None

    again = AppContext(ctx.home)  # the next start reads the same settings file
    second = _window(qtbot, again)
    assert second.section() == "ledger"
    assert second.isMaximized()
    assert (ctx.home / "counter.ini").exists()


def test_the_window_fits_a_1366x768_screen(qtbot: Any, window: MainWindow) -> None:
    hint = window.minimumSizeHint()
    assert window.minimumWidth() <= 1366 and window.minimumHeight() <= 768
    assert hint.width() <= 1366 and hint.height() <= 768
    for section in ("intake", "ledger", "catalogue", "settings", "statistics"):
        window.show_section(section)
        page = window.pages[section]
        assert page.minimumSizeHint().width() <= 1366 - window.sidebar.width()
        assert page.minimumSizeHint().height() <= 768


def test_a_database_that_cannot_open_is_said_and_settings_shown(
    qtbot: Any, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(errors, "present", lambda _p, title, text: shown.append((title, text)))
    (home / "union-counter.sqlite3").write_bytes(b"this is not a database at all" * 200)
    ctx = AppContext(home)
    win = _window(qtbot, ctx)
    with qtbot.waitSignal(ctx.store_failed, timeout=20_000):
        ctx.open_store()
    assert shown and shown[0][0] == "数据库无法打开"
    assert "从备份恢复" in shown[0][1]
    assert "Traceback" not in shown[0][1]
    assert win.section() == "settings"
    assert win.statusBar().currentMessage() == "数据库无法打开"


# --- fitting the screen ----------------------------------------------------------------------

# A 1366×768 screen less a 40 px task bar: what Windows gives a window on a common office PC.
AREA = QRect(0, 0, 1366, 728)


def _on_area(monkeypatch: pytest.MonkeyPatch, area: QRect = AREA) -> None:
    monkeypatch.setattr(MainWindow, "_available", lambda _self: QRect(area))


def _all_inside(window: MainWindow, area: QRect = AREA) -> bool:
    """The whole window, title bar and frame too, and its status bar's last pixel."""
    status = window.statusBar()
    corner = status.mapToGlobal(status.rect().bottomRight())
    return area.contains(window.frameGeometry()) and area.contains(corner)


def test_the_first_window_fits_a_1366x768_screen_with_a_task_bar(
    qtbot: Any, ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    _on_area(monkeypatch)
    win = MainWindow(ctx)  # no saved geometry: the first start
    # Before it shows, room is kept for a title bar and borders (the frame is not known yet).
    inside = win.geometry()
    assert inside.width() == 1280 and inside.height() <= 728 - 32 - 8
    assert inside.top() >= 32 and AREA.contains(inside)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: _all_inside(win))
    assert win.statusBar().isVisible()


def test_a_geometry_saved_on_a_bigger_screen_is_brought_inside(
    qtbot: Any, ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = _window(qtbot, ctx)
    big.setGeometry(120, 90, 1800, 960)  # on a 1920×1080 monitor
    big.close()  # saved in counter.ini
    _on_area(monkeypatch)
    again = AppContext(ctx.home)
    win = MainWindow(again)
    assert AREA.contains(win.geometry())
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: _all_inside(win))


def test_fitting_shrinks_and_moves_a_window_larger_than_the_screen(
    qtbot: Any, ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    _on_area(monkeypatch, QRect(0, 0, 1366, 728))
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.setGeometry(300, 200, 1800, 1000)  # bigger than the screen and beyond its corner
    win.fit_to_screen()
    inside = win.geometry()
    assert (inside.width(), inside.height()) == (1366 - 16, 728 - 40)
    assert (inside.left(), inside.top()) == (8, 32)  # the guessed frame stays on the screen
    # A window that fits keeps its size and place.
    win.setGeometry(100, 80, 1000, 600)
    win.fit_to_screen()
    assert win.geometry() == QRect(100, 80, 1000, 600)
    # On a second screen beside the first (x from 1366), a window is placed on that screen.
    _on_area(monkeypatch, QRect(1366, 0, 1920, 1040))
    win.fit_to_screen()
    assert win.geometry().left() >= 1366 + 8
