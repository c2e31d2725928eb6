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


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("UNION_COUNTER_HOME", str(folder))
    monkeypatch.delenv("UNION_COUNTER_DB", raising=False)
    monkeypatch.setenv("UNION_COUNTER_CLERK", CLERK)
    return folder


@pytest.fixture
def ctx(qapp: Any, home: Path) -> Iterator[Any]:
    """An AppContext on a fresh database with the station set."""
    from desktop_app.services.applications import save_station
    from desktop_app.ui.context import AppContext
    from desktop_app.ui.fonts import apply_ui_font, register_fonts

    apply_ui_font(qapp, register_fonts())
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
