"""The main window 职工技能补助柜台: a side bar of sections and the section shown beside it."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSize, Qt
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QStackedWidget,
    QWidget,
)

from desktop_app.ui.context import AppContext
from desktop_app.ui.pages.catalogue import CataloguePage
from desktop_app.ui.pages.intake import IntakePage
from desktop_app.ui.pages.ledger import LedgerPage
from desktop_app.ui.pages.settings import SettingsPage

WINDOW_TITLE = "职工技能补助柜台"

# (key, label, shortcut)
SECTIONS = (
    ("intake", "受理", "Ctrl+1"),
    ("ledger", "台账", "Ctrl+2"),
    ("catalogue", "目录", "Ctrl+3"),
    ("settings", "设置", "Ctrl+4"),
)


class MainWindow(QMainWindow):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setWindowTitle(WINDOW_TITLE)
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
        self.catalogue = CataloguePage(ctx)
        self.settings_page = SettingsPage(ctx)
        self.pages = {
            "intake": self.intake,
            "ledger": self.ledger,
            "catalogue": self.catalogue,
            "settings": self.settings_page,
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

        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.sidebar)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.status_label = QLabel()
        self.statusBar().addPermanentWidget(self.status_label)
        ctx.store_opened.connect(self._store_opened)
        ctx.store_failed.connect(self._store_failed)
        ctx.station_changed.connect(self._update_status)
        ctx.clerk_changed.connect(self._update_status)
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
        warnings = getattr(store, "warnings", [])
        if warnings:
            self.statusBar().showMessage("；".join(warnings))
        else:
            self.statusBar().showMessage("数据库已打开", 3000)
        self._update_status()

    def _store_failed(self, message: str) -> None:
        from desktop_app.ui.errors import present

        self.statusBar().showMessage("数据库无法打开")
        present(
            self, "数据库无法打开", f"{message}\n\n可以在“设置”里检查数据库位置，或从备份恢复。"
        )
        self.show_section("settings")

    def _update_status(self, *_args: object) -> None:
        station = self.ctx.station() if self.ctx.store is not None else None
        where = f"{station.name}（{station.code}）" if station else "服务站未设置"
        self.status_label.setText(f"{where}　经办人：{self.ctx.clerk}")

    # --- geometry ------------------------------------------------------------------------------

    def _restore_state(self) -> None:
        settings = self.ctx.settings
        geometry = settings.value("window/geometry")
        restored = isinstance(geometry, QByteArray) and self.restoreGeometry(geometry)
        if not restored:
            screen = self.screen().availableGeometry()
            width = min(1280, screen.width())
            height = min(760, screen.height())
            self.resize(width, height)
            self.move(
                screen.x() + (screen.width() - width) // 2,
                screen.y() + (screen.height() - height) // 2,
            )
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
