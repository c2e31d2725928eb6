"""The ledger on 100,000 applications reads lazily: the first page when shown, a page or two
where the clerk scrolls to (the end, the middle), and every row it shows is the right one."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView

from tests.gui.conftest import CLERK

ROWS = 100_000

pytestmark = [
    pytest.mark.slow,
    pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints"),
]


@pytest.fixture(scope="session")
def big_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """100,000 realistic applications (the store benchmark's rows), built once per session."""
    from bench.store_bench import fill
    from desktop_app.services.store import open_store

    folder = tmp_path_factory.mktemp("ledger-100k")
    path = folder / "union-counter.sqlite3"
    store = open_store(str(path), folder, auto_backup=False)
    try:
        built = fill(store, ROWS, progress=False)
    finally:
        store.dispose()
    assert built.rows == ROWS
    return path


@pytest.fixture
def big_ctx(qapp: Any, home: Path, big_database: Path) -> Iterator[Any]:
    """A context on a copy of the 100,000-application database."""
    from desktop_app.services.store import open_store
    from desktop_app.ui.context import AppContext
    from desktop_app.ui.fonts import apply_ui_font, register_fonts

    apply_ui_font(qapp, register_fonts())
    for suffix in ("", "-wal", "-shm"):
        source = big_database.with_name(big_database.name + suffix)
        if source.exists():
            shutil.copy(source, home / source.name)
    context = AppContext(home, clerk=CLERK)
    context.replace_store(open_store(str(home / big_database.name), home, auto_backup=False))
    yield context
    from desktop_app.ui.tasks import wait_all

    wait_all()
    context.close()


@pytest.fixture
def big_window(qtbot: Any, big_ctx: Any) -> Any:
    from desktop_app.ui.main_window import MainWindow

    win = MainWindow(big_ctx)
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    qtbot.waitExposed(win)
    return win


def _visible_rows(view: Any) -> range:
    top = view.rowAt(0)
    bottom = view.rowAt(view.viewport().height() - 1)
    if bottom < 0:
        bottom = view.model().rowCount() - 1
    return range(top, bottom + 1)


def _settled(page: Any) -> bool:
    model = page.model
    return not model.busy and all(model.loaded(r) for r in _visible_rows(page.view))


def _receipts_at(store: Any, offset: int, count: int) -> list[str]:
    """What the service says is at that place (newest first)."""
    from desktop_app.services.ledger_view import ledger, make_filter

    return [r.receipt for r in ledger(store, make_filter(), limit=count, offset=offset)]


def _shown_receipts(page: Any) -> tuple[int, list[str]]:
    rows = _visible_rows(page.view)
    model = page.model
    return rows.start, [model.index(r, 0).data() for r in rows]


def test_the_ledger_reads_only_what_is_shown(big_window: Any, qtbot: Any) -> None:
    big_window.show_section("ledger")
    page = big_window.ledger
    model = page.model
    view = page.view
    qtbot.waitUntil(lambda: model.total == ROWS, timeout=10_000)
    qtbot.waitUntil(lambda: _settled(page))
    assert page.count_label.text() == "共 100,000 条"
    assert model.rowCount() == ROWS
    # The first screen: one page of 100 rows read, nothing else.
    assert model.rows_fetched == 100
    store = page.ctx.store
    start, shown = _shown_receipts(page)
    assert start == 0 and shown == _receipts_at(store, 0, len(shown))

    # Ctrl+End: the last rows, read backwards from the oldest (a page or two).
    page.enter_table()
    qtbot.keyClick(view, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: _settled(page))
    assert view.currentIndex().row() == ROWS - 1
    assert model.rows_fetched <= 300
    start, shown = _shown_receipts(page)
    assert shown == _receipts_at(store, start, len(shown))

    # The middle: read off the GUI thread, then its neighbours from it.
    before = model.rows_fetched
    middle = model.index(ROWS // 2, 0)
    view.scrollTo(middle, QAbstractItemView.ScrollHint.PositionAtCenter)
    qtbot.waitUntil(lambda: _settled(page), timeout=10_000)
    assert model.rows_fetched - before <= 200
    start, shown = _shown_receipts(page)
    assert start <= ROWS // 2 < start + len(shown)
    assert shown == _receipts_at(store, start, len(shown))

    # Page down from there: the next rows come from the rows already read (cheap, at once).
    view.setCurrentIndex(middle)
    for _ in range(8):
        qtbot.keyClick(view, Qt.Key.Key_PageDown)
    qtbot.waitUntil(lambda: _settled(page))
    start, shown = _shown_receipts(page)
    assert shown == _receipts_at(store, start, len(shown))
    assert model.rows_fetched - before <= 500
    assert model.rows_fetched < 1_000  # of 100,000


def test_a_filter_on_the_big_ledger_counts_in_the_database(big_window: Any, qtbot: Any) -> None:
    from desktop_app.services.ledger_view import ledger_count, make_filter

    big_window.show_section("ledger")
    page = big_window.ledger
    qtbot.waitUntil(lambda: page.model.total == ROWS, timeout=10_000)
    page.filters.status.setCurrentIndex(page.filters.status.findText("退回"))
    expected = ledger_count(page.ctx.store, make_filter(status="returned"))
    qtbot.waitUntil(lambda: page.model.total == expected, timeout=10_000)
    qtbot.waitUntil(lambda: _settled(page))
    assert expected > 100
    assert page.count_label.text() == f"共 {expected:,} 条"
    rows = _visible_rows(page.view)
    assert {page.model.index(r, 9).data() for r in rows} == {"退回"}
