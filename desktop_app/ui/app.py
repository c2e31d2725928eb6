"""Start the counter window: `union-counter` with no subcommand.

The window shows first; the database, the catalogue search and everything heavy load after it
(reportlab, openpyxl and pypinyin are never imported before the window is up; SQLAlchemy is
imported by the thread that opens the database).

Before anything is written, the data folder is checked for real (`check_data_folder`): one that
cannot be created or written gets a Chinese dialog naming it, with a folder chooser for this
run and how to set UNION_COUNTER_HOME, or 退出 — no log handler on a file that cannot be
written, no traceback. Qt's own dialogs speak Chinese (`translations.py`).
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from desktop_app import __version__
from desktop_app.errors import ClerkError
from desktop_app.private_files import keep_private
from desktop_app.services import machine_settings
from desktop_app.services.logs import setup_logging
from desktop_app.ui.context import AppContext
from desktop_app.ui.errors import install_excepthook, set_log_file
from desktop_app.ui.fonts import apply_ui_font, register_fonts, register_more_fonts
from desktop_app.ui.icon import program_icon
from desktop_app.ui.translations import install_qt_translations, missing, probe

log = logging.getLogger(__name__)

# Set by the start-up benchmark: print the time to "ready for typing" and quit.
READY_PROBE = "UNION_COUNTER_EXIT_WHEN_READY"
# The exit code when no data folder can be used (the command line's EXIT_STORE: the
# environment, not the input).
EXIT_NO_DATA_FOLDER = 6


def make_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("union-counter")
    app.setApplicationDisplayName("职工技能补助柜台")
    app.setOrganizationName("union-counter")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("union-counter")  # the .desktop entry: the taskbar shows its icon
    app.setWindowIcon(program_icon())
    install_qt_translations(app)
    apply_ui_font(app, register_fonts())
    return app


def prepare_home(home: Path | None = None) -> Path:
    """The data folder, created if missing (without importing the database layer)."""
    folder = home or machine_settings.data_folder()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def usable_home(folder: Path, *, probing: bool = False, may_choose: bool = True) -> Path | None:
    """A data folder the program can write in: `folder`, or one the clerk chose for this run
    after being told why `folder` cannot be used; None to quit. `may_choose` False: IT fixed
    the folder for this PC, so the clerk is told and may only quit."""
    from desktop_app.services.data_folder import HOME_VARIABLE, check_data_folder
    from desktop_app.ui import home_dialog

    while (problem := check_data_folder(folder)) is not None:
        text = home_dialog.explain(problem, choose=may_choose, fixed=not may_choose)
        if sys.stderr is not None:  # the Windows window program has no console
            print(f"{home_dialog.TITLE}：{problem.folder}\n{problem.message}", file=sys.stderr)
        if probing:
            return None
        if not may_choose:
            home_dialog.tell(text)
            return None
        chosen = home_dialog.ask_for_folder(problem, text)
        if chosen is None:
            return None
        folder = chosen
        os.environ[HOME_VARIABLE] = str(folder)  # the rest of this run agrees (policies/)
    return folder


def build_window(ctx: AppContext):
    from desktop_app.ui.main_window import MainWindow

    return MainWindow(ctx, offer_setup=True)


def start_loading(ctx: AppContext) -> None:
    """What loads once the window is up and ready for typing: the database, the catalogue
    search, the fonts of rare characters, then (once the catalogue, which the clerk needs
    first, is built) printing. The benchmarks start the window this way too."""
    ctx.open_store()
    ctx.prepare_catalogue()
    register_more_fonts()
    ctx.catalogue_ready.connect(ctx.prepare_printing, Qt.ConnectionType.SingleShotConnection)


def _cannot_start(message: str, probing: bool) -> int:
    """The machine-wide settings forbid this start: say why (stderr, and a dialog), quit."""
    from desktop_app.ui import home_dialog

    if sys.stderr is not None:
        print(f"{home_dialog.SETTINGS_TITLE}：{message}", file=sys.stderr)
    if not probing:
        home_dialog.tell(message, title=home_dialog.SETTINGS_TITLE)
    return EXIT_NO_DATA_FOLDER


def run(db_url: str | None = None, clerk: str | None = None, home: Path | None = None) -> int:
    started = time.perf_counter()
    # The database, backups, logs and drafts this process creates: 0600 (0660 in the PC's
    # shared data folder).
    keep_private(shared=home is None and machine_settings.shared_files())
    app = make_application()
    probing = bool(os.environ.get(READY_PROBE))
    try:
        start_folder = home or machine_settings.data_folder()
        fixed = home is None and machine_settings.load().fixed(machine_settings.DATA_FOLDER)
        own_folder = None if home else machine_settings.user_folder()
    except ClerkError as exc:  # the machine-wide file, or a variable against it
        return _cannot_start(exc.message, probing)
    found = usable_home(start_folder, probing=probing, may_choose=not fixed)
    if found is None:
        return EXIT_NO_DATA_FOLDER
    folder = found
    if own_folder is not None and own_folder != folder:
        try:
            own_folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            own_folder = folder  # the window's settings then stay in the data folder
    try:
        set_log_file(setup_logging(folder))
    except OSError as exc:  # written a moment ago; gone since (a share unplugged)
        from desktop_app.services.data_folder import FolderProblem, reason_of
        from desktop_app.ui import home_dialog

        problem = FolderProblem(folder, "无法写入日志文件", reason_of(exc))
        if not probing:
            home_dialog.tell(home_dialog.explain(problem, choose=False))
        return EXIT_NO_DATA_FOLDER
    if missing():
        log.warning("%s: Qt's standard dialogs show English", missing())
    install_excepthook()
    try:
        ctx = AppContext(folder, db_url=db_url, clerk=clerk, own_folder=own_folder)
    except ClerkError as exc:  # --db or UNION_COUNTER_DB against the address IT fixed
        return _cannot_start(exc.message, probing)
    window = build_window(ctx)
    window.show()

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
                f"title={window.windowTitle()} loaded={','.join(heavy)} qt={probe()}",
                flush=True,
            )
            app.quit()
            return
        start_loading(ctx)

    QTimer.singleShot(0, ready)
    code = app.exec()
    from desktop_app.ui.tasks import wait_all

    wait_all(10_000)
    ctx.close()
    return code
