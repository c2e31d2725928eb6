"""The main window 职工技能补助柜台: a side bar of sections and the section shown beside it.

Above the sections, a note stays while first-run setup (station, clerk's name) is not done,
with a button that opens the setup dialog; the window started by `union-counter` also opens
that dialog by itself once the database has opened (`offer_setup`). The first window is sized
to the screen's available area less the window frame, and a remembered geometry (counter.ini)
is kept inside it, e.g. one saved on a bigger monitor.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QMargins, QRect, QSize, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QGuiApplication, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui.context import AppContext
from desktop_app.ui.icon import program_icon
from desktop_app.ui.pages.catalogue import CataloguePage
from desktop_app.ui.pages.intake import IntakePage
from desktop_app.ui.pages.ledger import LedgerPage
from desktop_app.ui.pages.settings import SettingsPage
from desktop_app.ui.pages.statistics import StatisticsPage
from desktop_app.ui.setup_dialog import FirstRunDialog, missing_setup
from desktop_app.ui.sign_in import IdleLock, SignInDialog, lock_panel

WINDOW_TITLE = "职工技能补助柜台"
DEFAULT_SIZE = QSize(1280, 760)
# The frame the window system adds, until the real one is known (after the first show): a
# title bar of up to 32 px and 8 px borders (Windows 10/11 at 100 %; less elsewhere).
FRAME_GUESS = QMargins(8, 32, 8, 8)
SETUP_NOT_DONE = (
    "首次设置未完成：还不能保存申请。请点窗口上方的“首次设置”，或按 Ctrl+4 在“设置”中填写。"
)

# (key, label, shortcut)
SECTIONS = (
    ("intake", "受理", "Ctrl+1"),
    ("ledger", "台账", "Ctrl+2"),
    ("catalogue", "目录", "Ctrl+3"),
    ("settings", "设置", "Ctrl+4"),
    ("statistics", "统计", "Ctrl+5"),
)


class MainWindow(QMainWindow):
    def __init__(self, ctx: AppContext, *, offer_setup: bool = False) -> None:
        super().__init__()
        self.ctx = ctx
        self.offer_setup = offer_setup  # open 首次设置 by itself when the database opens
        self.setup_dialog: FirstRunDialog | None = None
        self._placed: QSize | None = None  # the size _restore_state chose, until shown
        self._shown_once = False  # the first show offers a crash's draft back
        self.setWindowTitle(WINDOW_TITLE)
        self.setWindowIcon(program_icon())
        self.setObjectName("MainWindow")
        self.setMinimumSize(QSize(900, 560))

        self.sidebar = QListWidget()
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setFixedWidth(112)
        self.sidebar.setSpacing(2)
        self.sidebar.setAccessibleName("功能")
        self.stack = QStackedWidget()

        self.intake = IntakePage(ctx)
        self.ledger = LedgerPage(ctx)
        # A receipt number scanned (or typed whole) into 受理's search: that application in 台账.
        self.intake.search.receipt_entered.connect(self.open_receipt)
        self.catalogue = CataloguePage(ctx)
        self.settings_page = SettingsPage(ctx)
        self.statistics = StatisticsPage(ctx)
        self.pages = {
            "intake": self.intake,
            "ledger": self.ledger,
            "catalogue": self.catalogue,
            "settings": self.settings_page,
            "statistics": self.statistics,
        }
        for key, label, shortcut in SECTIONS:
            item = QListWidgetItem(f"{label}\n{shortcut}")
            item.setData(Qt.ItemDataRole.UserRole, key)
            item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            item.setSizeHint(QSize(100, 56))
            item.setToolTip(f"{label}（{shortcut}）")
            self.sidebar.addItem(item)
            self.stack.addWidget(self.pages[key])
            action = QShortcut(QKeySequence(shortcut), self)
            action.setContext(Qt.ShortcutContext.WindowShortcut)
            action.activated.connect(lambda k=key: self.show_section(k))
        self.sidebar.currentRowChanged.connect(self._row_changed)
        # The side bar is reached by the shortcuts; Tab stays inside the section's form.
        self.sidebar.setFocusPolicy(Qt.FocusPolicy.NoFocus)

        # --- the note while first-run setup is not done -------------------------------------
        self.setup_banner = QFrame()
        self.setup_banner.setObjectName("setupBanner")
        self.setup_banner.setStyleSheet(
            "#setupBanner { background: #fff4e5; border-bottom: 1px solid #e0b070; }"
        )
        self.setup_note = QLabel()
        self.setup_note.setObjectName("setupNote")
        self.setup_note.setWordWrap(True)
        self.setup_button = QPushButton("首次设置(&W)…")
        self.setup_button.setObjectName("openSetup")
        self.setup_button.clicked.connect(self.open_setup)
        banner = QHBoxLayout(self.setup_banner)
        banner.setContentsMargins(12, 6, 12, 6)
        banner.addWidget(self.setup_note, 1)
        banner.addWidget(self.setup_button)
        self.setup_banner.setVisible(False)

        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(self.setup_banner)
        layout = QHBoxLayout()
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.sidebar)
        layout.addWidget(self.stack, 1)
        outer.addLayout(layout, 1)
        # While nobody is signed in (a database with accounts), the lock panel covers it all.
        self.cover = QStackedWidget()
        self.cover.addWidget(central)
        self.lock_panel = lock_panel()
        self.cover.addWidget(self.lock_panel)
        self.setCentralWidget(self.cover)
        self.sign_in_dialog: SignInDialog | None = None
        from desktop_app.services.machine_settings import idle_minutes

        self.idle = IdleLock(self._idle, minutes=idle_minutes())

        self.status_label = QLabel()
        self.statusBar().addPermanentWidget(self.status_label)
        ctx.store_opened.connect(self._store_opened)
        ctx.store_failed.connect(self._store_failed)
        ctx.station_changed.connect(self._update_status)
        ctx.clerk_changed.connect(self._update_status)
        ctx.account_changed.connect(self._account_changed)
        self.statusBar().showMessage("正在打开数据库…")
        self._update_status()
        if ctx.store is not None:
            self._store_opened(ctx.store)
        self._restore_state()

    # --- sections ------------------------------------------------------------------------------

    def section(self) -> str:
        item = self.sidebar.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item else "intake"

    def show_section(self, key: str) -> None:
        for row, (name, _label, _shortcut) in enumerate(SECTIONS):
            if name == key:
                self.sidebar.setCurrentRow(row)
                return
        raise KeyError(key)

    def open_receipt(self, receipt: str) -> None:
        """The ledger brought forward with the application's detail open."""
        self.show_section("ledger")
        self.ledger.open_scanned(receipt)

    def _row_changed(self, row: int) -> None:
        if row < 0:
            return
        key = SECTIONS[row][0]
        page = self.pages[key]
        self.stack.setCurrentWidget(page)
        page.section_shown()
        self.ctx.settings.setValue("window/section", key)

    # --- status bar ----------------------------------------------------------------------------

    def _store_opened(self, store: object) -> None:
        from desktop_app.services.permissions import accounts_enabled

        if accounts_enabled(self.ctx.require_store()) and self.ctx.require_store().account is None:
            self.lock("请登录。")
        warnings = getattr(store, "warnings", [])
        if warnings:
            self.statusBar().showMessage("；".join(warnings))
        elif missing_setup(self.ctx):
            self.statusBar().showMessage(f"数据库已打开。{SETUP_NOT_DONE}")
        else:
            self.statusBar().showMessage("数据库已打开", 3000)
        self._update_status()
        if self.offer_setup and missing_setup(self.ctx) and self.setup_dialog is None:
            # After the window has shown and the pages have taken the new database.
            QTimer.singleShot(0, self.open_setup)

    def _store_failed(self, message: str) -> None:
        from desktop_app.ui.errors import present

        self.statusBar().showMessage("数据库无法打开")
        present(
            self, "数据库无法打开", f"{message}\n\n可以在“设置”里检查数据库位置，或从备份恢复。"
        )
        self.show_section("settings")

    def _update_status(self, *_args: object) -> None:
        station = self.ctx.station() if self.ctx.store is not None else None
        unset = "服务站设置文件无法读取" if self.ctx.station_error else "服务站未设置"
        where = f"{station.name}（{station.code}）" if station else unset
        clerk = self.ctx.clerk_name or "未填写"
        account = self.ctx.store.account if self.ctx.store is not None else None
        if account is not None:
            clerk = f"{account.name}（{account.username}，{account.role.label}）"
        elif self.locked():
            clerk = "未登录"
        self.status_label.setText(f"{where}　经办人：{clerk}")
        missing = missing_setup(self.ctx)
        if missing == ["管理员账户"]:
            note = (
                "这个数据库还没有账户：请点“首次设置”建立第一个管理员账户"
                "（建立后每次打开程序都要登录，只能做各自角色允许的事）。"
            )
        elif missing:
            note = f"尚未完成首次设置（还缺：{'、'.join(missing)}），现在不能保存申请。"
        else:
            note = ""
        self.setup_note.setText(note)
        self.setup_banner.setVisible(bool(missing))

    # --- signing in and the lock ---------------------------------------------------------------

    def locked(self) -> bool:
        return self.cover.currentWidget() is self.lock_panel

    def lock(self, note: str = "") -> SignInDialog:
        """Cover the sections and ask who signs in (window-modal; the event loop goes on)."""
        self.idle.stop()
        self.cover.setCurrentWidget(self.lock_panel)
        self._close_other_windows()
        if self.sign_in_dialog is None:
            dialog = SignInDialog(self.ctx, self, note=note)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.finished.connect(self._sign_in_finished)
            self.sign_in_dialog = dialog
            dialog.open()
        return self.sign_in_dialog

    def _close_other_windows(self) -> None:
        """An application's detail, a print preview, a dialog: closed, so that nothing of any
        member stays on the screen of a locked counter (they are views: nothing is lost)."""
        from PySide6.QtWidgets import QApplication

        for widget in QApplication.topLevelWidgets():
            if widget is self or widget is self.sign_in_dialog or not widget.isVisible():
                continue
            if isinstance(widget, SignInDialog):
                continue
            widget.close()

    def _sign_in_finished(self, _result: int) -> None:
        self.sign_in_dialog = None

    def _idle(self) -> None:
        """No key nor mouse for the idle time: the account leaves, the window locks."""
        store = self.ctx.store
        if store is None or store.account is None:
            return
        from desktop_app.services.accounts import sign_out

        minutes = round(self.idle.timer.interval() / 60_000)
        sign_out(store, reason="lock")
        self.ctx.account_changed.emit()
        self.lock(f"超过 {minutes} 分钟没有操作，已锁定。请重新登录。")

    def _account_changed(self) -> None:
        store = self.ctx.store
        if store is not None and store.account is not None:
            if self.sign_in_dialog is not None:  # signed in elsewhere (the setup dialog)
                self.sign_in_dialog.done(1)
            self.cover.setCurrentWidget(self.cover.widget(0))
            self.idle.start()
            self.pages[self.section()].section_shown()
        self._update_status()

    # --- first-run setup -----------------------------------------------------------------------

    def open_setup(self) -> FirstRunDialog | None:
        """Open 首次设置 (window-modal; the event loop goes on). None before the database opens."""
        if self.ctx.store is None:
            return None
        if self.setup_dialog is not None and self.setup_dialog.isVisible():
            self.setup_dialog.raise_()
            self.setup_dialog.activateWindow()
            return self.setup_dialog
        dialog = FirstRunDialog(self.ctx, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(self._setup_finished)
        self.setup_dialog = dialog
        dialog.open()
        return dialog

    def _setup_finished(self, _result: int) -> None:
        self.setup_dialog = None
        self._update_status()
        if missing_setup(self.ctx):
            self.statusBar().showMessage(SETUP_NOT_DONE)
        else:
            self.statusBar().showMessage("首次设置已完成，可以受理申请了。", 8000)
            self.pages[self.section()].section_shown()

    # --- geometry ------------------------------------------------------------------------------

    def _available(self) -> QRect:
        """The screen's area for windows (without the task bar)."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        return screen.availableGeometry()

    def _frame(self) -> QMargins:
        """The window frame: the real one once shown, a generous guess before."""
        frame, inner = self.frameGeometry(), self.geometry()
        real = QMargins(
            inner.left() - frame.left(),
            inner.top() - frame.top(),
            frame.right() - inner.right(),
            frame.bottom() - inner.bottom(),
        )
        if self.isVisible() and not real.isNull():
            return real
        return FRAME_GUESS

    def fit_to_screen(self, *, centre: bool = False) -> None:
        """Keep the whole window, frame and all, inside the available area (a maximised or
        full-screen window is the window system's). `centre`: the first start's position."""
        if self.windowState() & (Qt.WindowState.WindowMaximized | Qt.WindowState.WindowFullScreen):
            return
        room = self._available().marginsRemoved(self._frame())  # where the inside may go
        inner, minimum = self.geometry(), self.minimumSize()
        width = max(minimum.width(), min(inner.width(), room.width()))
        height = max(minimum.height(), min(inner.height(), room.height()))
        if centre:
            x = room.x() + (room.width() - width) // 2
            y = room.y() + (room.height() - height) // 2
        else:
            x = min(inner.x(), room.x() + room.width() - width)
            y = min(inner.y(), room.y() + room.height() - height)
        self.setGeometry(max(x, room.x()), max(y, room.y()), width, height)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            # A draft left by a crash is offered at the first turn of the event loop, before
            # any key reaches the window (the question's default is 恢复).
            QTimer.singleShot(0, self.intake.offer_pending_draft)
        placed, self._placed = self._placed, None
        if placed is not None and placed == self.size():
            # Placed by _restore_state with a guessed frame (and not resized since): once the
            # window system has put the window up, its real frame is known; fit again.
            QTimer.singleShot(0, self.fit_to_screen)

    def _restore_state(self) -> None:
        settings = self.ctx.settings
        geometry = settings.value("window/geometry")
        restored = isinstance(geometry, QByteArray) and self.restoreGeometry(geometry)
        if restored:
            self.fit_to_screen()
        else:
            self.resize(DEFAULT_SIZE)
            self.fit_to_screen(centre=True)
        self._placed = self.size()
        section = str(settings.value("window/section", "intake") or "intake")
        if section not in self.pages:
            section = "intake"
        self.show_section(section)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.ctx.settings.setValue("window/geometry", self.saveGeometry())
        self.ctx.settings.setValue("window/section", self.section())
        self.ctx.settings.sync()
        for page in self.pages.values():
            page.window_closing()
        super().closeEvent(event)
