"""The main window: title, sections by shortcut, remembered geometry and section, faults."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

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
    for section in ("intake", "ledger", "catalogue", "settings"):
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
