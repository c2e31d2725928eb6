"""How the 台账 section feels on a big database (issue #4: "台账 opens on a 1,000,000-application
database ≤ 300 ms; scrolling stays smooth").

    python bench/gui_ledger_bench.py PATH/union-counter.sqlite3 [--rounds 3]

Opens the main window offscreen at 1366×768 on a copy-free connection to the database (it is
opened as the program opens it: an older schema is upgraded first, so run it on a database of
this version), then measures, from the GUI thread:

- show: from switching to 台账 to the first page painted (the count follows off the thread);
- count: from switching to 台账 to "共 N 条" shown;
- end / middle / back to top: from the jump (Ctrl+End, a scroll to the middle, Ctrl+Home) to
  every visible row painted with its data;
- page down ×10 from the middle: the slowest single step (what smooth scrolling needs);
- rows read from the database in all (the model's rows_fetched) against the rows it shows.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database", type=Path, help="an SQLite file of this program")
    parser.add_argument("--rounds", type=int, default=3, help="times to repeat (median shown)")
    args = parser.parse_args(argv)
    if not args.database.is_file():
        parser.error(f"no such database: {args.database}")

    from PySide6.QtCore import QCoreApplication, QEventLoop, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QAbstractItemView, QApplication

    app = QApplication([])
    from desktop_app.services.store import open_store
    from desktop_app.ui.context import AppContext
    from desktop_app.ui.fonts import apply_ui_font, register_fonts
    from desktop_app.ui.main_window import MainWindow

    apply_ui_font(app, register_fonts())
    home = Path(tempfile.mkdtemp(prefix="gui-ledger-bench-"))
    started = time.perf_counter()
    store = open_store(str(args.database), home, auto_backup=False)
    print(f"database opened in {(time.perf_counter() - started) * 1000:.0f} ms", flush=True)
    ctx = AppContext(home, clerk="基准测试")
    window = MainWindow(ctx)
    window.resize(1366, 768)
    window.show_section("intake")
    window.show()
    ctx.replace_store(store)
    page = window.ledger
    model = page.model
    view = page.view

    def pump() -> None:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)

    def visible() -> range:
        top = view.rowAt(0)
        bottom = view.rowAt(view.viewport().height() - 1)
        if bottom < 0:
            bottom = model.rowCount() - 1
        return range(max(top, 0), bottom + 1)

    def painted() -> bool:
        rows = visible()
        return len(rows) > 0 and all(model.loaded(r) for r in rows)

    def until(done: Callable[[], bool], timeout: float = 60.0) -> float:
        """Pump events (painting included) until `done`; the seconds it took."""
        start = time.perf_counter()
        while True:
            view.viewport().repaint()  # paint now, as the screen would
            pump()
            if done():
                return time.perf_counter() - start
            if time.perf_counter() - start > timeout:
                raise TimeoutError("no result within the time limit")
            time.sleep(0.001)

    results: dict[str, list[float]] = {}

    def record(name: str, seconds: float) -> None:
        results.setdefault(name, []).append(seconds * 1000)

    for _round in range(args.rounds):
        window.show_section("intake")
        pump()
        page._stale = True  # as after opening: the next showing reads afresh
        start = time.perf_counter()
        window.show_section("ledger")
        first = until(painted) + 0  # first page painted
        record("show → first page painted", time.perf_counter() - start)
        del first
        until(lambda: model.total is not None)
        record("show → count shown", time.perf_counter() - start)
        total = model.total or 0

        page.enter_table()
        pump()
        start = time.perf_counter()
        QTest.keyClick(view, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
        until(painted)
        record("Ctrl+End → last rows painted", time.perf_counter() - start)

        start = time.perf_counter()
        middle = model.index(total // 2, 0)
        view.setCurrentIndex(middle)
        view.scrollTo(middle, QAbstractItemView.ScrollHint.PositionAtCenter)
        until(painted)
        record("jump to middle → rows painted", time.perf_counter() - start)

        steps = []
        for _ in range(10):
            start = time.perf_counter()
            QTest.keyClick(view, Qt.Key.Key_PageDown)
            until(painted)
            steps.append(time.perf_counter() - start)
        record("page down from middle (slowest of 10)", max(steps))

        start = time.perf_counter()
        QTest.keyClick(view, Qt.Key.Key_Home, Qt.KeyboardModifier.ControlModifier)
        until(painted)
        record("Ctrl+Home → first rows painted", time.perf_counter() - start)

    print(f"applications: {model.total:,}; rows read in all: {model.rows_fetched:,} "
          f"({model.fetches} reads)")  # fmt: skip
    width = max(len(name) for name in results)
    for name, times in results.items():
        print(f"  {name:<{width}}  median {statistics.median(times):7.1f} ms   "
              f"max {max(times):7.1f} ms")  # fmt: skip
    window.close()
    from desktop_app.ui.tasks import wait_all

    wait_all()
    ctx.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
