"""Start the counter window: `union-counter` with no subcommand.

The window shows first; the database, the catalogue search and everything heavy load after it
(reportlab, openpyxl and pypinyin are never imported before the window is up; SQLAlchemy is
imported by the thread that opens the database).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from desktop_app import __version__
from desktop_app.paths import data_home
from desktop_app.services.logs import setup_logging
from desktop_app.ui.context import AppContext
from desktop_app.ui.errors import install_excepthook, set_log_file
from desktop_app.ui.fonts import apply_ui_font, register_fonts, register_more_fonts

# Set by the start-up benchmark: print the time to "ready for typing" and quit.
READY_PROBE = "UNION_COUNTER_EXIT_WHEN_READY"


def make_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("union-counter")
    app.setApplicationDisplayName("职工技能补助柜台")
    app.setOrganizationName("union-counter")
    app.setApplicationVersion(__version__)
    apply_ui_font(app, register_fonts())
    return app


def prepare_home(home: Path | None = None) -> Path:
    """The data folder, created if missing (without importing the database layer)."""
    folder = home or data_home()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def build_window(ctx: AppContext):
    from desktop_app.ui.main_window import MainWindow

    return MainWindow(ctx)


def run(db_url: str | None = None, clerk: str | None = None, home: Path | None = None) -> int:
    started = time.perf_counter()
    app = make_application()
    folder = prepare_home(home)
    set_log_file(setup_logging(folder))
    install_excepthook()
    ctx = AppContext(folder, db_url=db_url, clerk=clerk)
    window = build_window(ctx)
    window.show()

    probing = bool(os.environ.get(READY_PROBE))

    def ready(attempt: int = 0) -> None:
        # Ready for typing = the window is active with the search box focused; the window
        # system activates the window a few milliseconds after show(). Only then does the
        # loading start (its imports would otherwise compete with the window for the GIL).
        focused = QApplication.focusWidget()
        if focused is None and attempt < 400:
            QTimer.singleShot(5, lambda: ready(attempt + 1))
            return
        if probing:
            heavy = sorted(
                m for m in ("reportlab", "openpyxl", "pypinyin", "sqlalchemy") if m in sys.modules
            )
            print(
                f"ready {time.perf_counter() - started:.4f} "
                f"focus={focused.objectName() if focused else ''} "
                f"title={window.windowTitle()} loaded={','.join(heavy)}",
                flush=True,
            )
            app.quit()
            return
        ctx.open_store()
        ctx.prepare_catalogue()
        register_more_fonts()

    QTimer.singleShot(0, ready)
    code = app.exec()
    from desktop_app.ui.tasks import wait_all

    wait_all(10_000)
    ctx.close()
    return code
