"""Fixtures for the window's tests (pytest-qt, offscreen).

Each test gets its own data folder (UNION_COUNTER_HOME) and a fresh SQLite database with the
station set, opened synchronously so a test does not wait for the start-up thread.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from desktop_app.domain.validators import resident_id_check_char

CLERK = "王柜员"
STATION = ("XC01", "西城区展览路街道工会服务站", "西城区")
GOOD_CARD = "6217000010001234569"


def make_id(serial: int, born: date = date(1985, 3, 7), region: str = "110102") -> str:
    """A valid resident ID number (check character computed)."""
    body = f"{region}{born:%Y%m%d}{serial % 1000:03d}"
    return body + resident_id_check_char(body)


@pytest.fixture(scope="session", autouse=True)
def qt_in_chinese(qapp: Any) -> None:
    """Qt's own dialogs and buttons in Chinese, as the program sets them at start-up."""
    from desktop_app.ui.translations import install_qt_translations

    assert install_qt_translations(qapp) is not None, "qtbase_zh_CN.qm not found"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("UNION_COUNTER_HOME", str(folder))
    monkeypatch.delenv("UNION_COUNTER_DB", raising=False)
    monkeypatch.setenv("UNION_COUNTER_CLERK", CLERK)
    return folder


@pytest.fixture
def ctx(qapp: Any, home: Path, fresh_sqlite: Any) -> Iterator[Any]:
    """An AppContext on a fresh database (a copy of the run's migrated template) with the
    station set."""
    from desktop_app.services.station_settings import save_station
    from desktop_app.ui.context import AppContext
    from desktop_app.ui.fonts import apply_ui_font, register_fonts

    apply_ui_font(qapp, register_fonts())
    fresh_sqlite(home)
    context = AppContext(home, clerk=CLERK)
    store = context.open_store_now()
    save_station(store, code=STATION[0], name=STATION[1], district=STATION[2], actor=CLERK)
    context.station_saved()
    yield context
    from desktop_app.ui.tasks import wait_all

    wait_all()
    context.close()


@pytest.fixture
def window(qtbot: Any, ctx: Any) -> Any:
    from desktop_app.ui.main_window import MainWindow

    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    qtbot.waitExposed(win)
    return win


class Boxes:
    """Answers the window's modal questions with the keys a clerk would press.

    `answer(*keys)` queues one answer per box to come: each answer is a key (Qt.Key, pressed
    on the box as it is shown: Enter presses its default button) or a string (the Alt+letter
    of a button, e.g. "Y"). The texts of the boxes seen are in `seen`.
    """

    def __init__(self, qtbot: Any) -> None:
        from PySide6.QtCore import QTimer

        self.qtbot = qtbot
        self.answers: list[Any] = []
        self.seen: list[str] = []
        self.buttons: list[list[str]] = []
        self.defaults: list[str] = []
        self._timer = QTimer()
        self._timer.setInterval(5)
        self._timer.timeout.connect(self._poll)

    def answer(self, *keys: Any) -> None:
        self.answers.extend(keys)
        self._timer.start()

    def _poll(self) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest
        from PySide6.QtWidgets import QApplication, QMessageBox

        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox) or not box.isVisible() or not self.answers:
            return
        if getattr(box, "_answered", False):
            return
        focused = QApplication.focusWidget()
        if focused is None or focused.window() is not box:
            return  # not yet taking the keys
        box._answered = True  # type: ignore[attr-defined]
        key = self.answers.pop(0)
        if not self.answers:
            self._timer.stop()
        self.seen.append(box.text() + "\n" + box.informativeText())
        self.buttons.append([b.text() for b in box.buttons()])
        default = box.defaultButton()
        self.defaults.append(default.text() if default else "")
        target = focused
        if isinstance(key, str):
            letter = getattr(Qt.Key, f"Key_{key.upper()}")
            QTest.keyClick(target, letter, Qt.KeyboardModifier.AltModifier)
        else:
            QTest.keyClick(target, key)

    def close(self) -> None:
        self._timer.stop()


@pytest.fixture
def boxes(qtbot: Any) -> Iterator[Boxes]:
    answering = Boxes(qtbot)
    yield answering
    answering.close()


def press_alt(qtbot: Any, window: Any, letter: str) -> None:
    """Alt+letter in `window`, as a clerk presses it once the window has the keyboard. The
    button it names clicks a moment later (QAbstractButton.animateClick): wait for the effect."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication

    def has_keyboard() -> bool:
        return QGuiApplication.focusWindow() is window.windowHandle()

    if not has_keyboard():
        # A desktop gives the keyboard back to the window once a question closes; the
        # offscreen platform leaves none focused.
        window.activateWindow()
    qtbot.waitUntil(has_keyboard)
    key = getattr(Qt.Key, f"Key_{letter.upper()}")
    qtbot.keyClick(window.focusWidget() or window, key, Qt.KeyboardModifier.AltModifier)


def type_text(qtbot: Any, widget: Any, text: str) -> None:
    """Type as a clerk does: ASCII by keys, Chinese committed by the input method (QTest
    cannot send keys for characters outside ASCII)."""
    if text.isascii():
        qtbot.keyClicks(widget, text)
        return
    from PySide6.QtGui import QInputMethodEvent
    from PySide6.QtWidgets import QApplication

    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)
