"""设置: the station, the clerk, the data folder and database, backups (make one, restore one).

Everything here calls services: `save_station` (audited), `ctx.set_clerk`, `make_backup` and
`restore_backup` (off the GUI thread, with a progress dialog). A different database address
is checked by a service and saved in the settings file; it is used at the next start. A
restore closes the database first (`ctx.replace_store(None)`), restores into it off the GUI
thread, and hands the restored database to every page (`ctx.replace_store(store)`).
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_app import __version__
from desktop_app.services.about import build_text
from desktop_app.ui.context import AppContext
from desktop_app.ui.pages.base import Page
from desktop_app.ui.settings import dialogs
from desktop_app.ui.settings.accounts_box import AccountsBox
from desktop_app.ui.settings.backup_model import BackupModel

if TYPE_CHECKING:
    from desktop_app.services.backups import RestoreResult
    from desktop_app.services.settings_view import BackupFile
    from desktop_app.services.store import Store

ERROR_STYLE = "color: #b00020;"
DONE_STYLE = "color: #1b5e20;"
URL_SETTING = "database/url"
STATION_NOTE = (
    "服务站代码是受理编号的开头（如 XC01-20261121-0001），全区各站不能相同。"
    "服务站设置保存在本机数据文件夹的 station.ini 中，是这个柜台自己的，"
    "不随共用的数据库改变。"
)


def _message(label: QLabel, text: str, *, error: bool) -> None:
    label.setStyleSheet(ERROR_STYLE if error else DONE_STYLE)
    label.setText(text)
    label.setVisible(bool(text))


def _note(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setVisible(bool(text))
    return label


class SettingsPage(Page):
    title = "设置"

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.setObjectName("settingsPage")
        self._busy = False

        # --- station ---------------------------------------------------------------------------
        self.station_code = QLineEdit()
        self.station_code.setObjectName("stationCode")
        self.station_code.setMaxLength(8)
        self.station_code.setPlaceholderText("2–8 位大写字母或数字，如 XC01")
        self.station_name = QLineEdit()
        self.station_name.setObjectName("stationName")
        self.station_name.setMaxLength(100)
        self.station_name.setPlaceholderText("如 西城区展览路街道工会服务站")
        self.district = QLineEdit()
        self.district.setObjectName("stationDistrict")
        self.district.setMaxLength(40)
        self.district.setPlaceholderText("如 西城区")
        self.save_station_button = QPushButton("保存服务站设置(&S)")
        self.save_station_button.setObjectName("saveStation")
        self.station_message = _note()
        station_box = QGroupBox("服务站")
        form = QFormLayout(station_box)
        form.addRow("服务站代码(&C)：", self.station_code)
        form.addRow("服务站名称(&N)：", self.station_name)
        form.addRow("所属区(&D)：", self.district)
        self.station_note = _note(STATION_NOTE)
        form.addRow(self.station_note)
        form.addRow(self.station_message)
        form.addRow(self._right(self.save_station_button))

        # --- clerk -----------------------------------------------------------------------------
        self.clerk_name = QLineEdit()
        self.clerk_name.setObjectName("clerkName")
        self.clerk_name.setMaxLength(64)
        self.save_clerk_button = QPushButton("保存经办人(&J)")
        self.save_clerk_button.setObjectName("saveClerk")
        self.clerk_message = _note()
        self.own_password_button = QPushButton("修改我的密码(&Y)…")
        self.own_password_button.setObjectName("changeOwnPassword")
        self.own_password_button.setVisible(False)
        self.own_password_button.clicked.connect(self.change_own_password)
        clerk_box = QGroupBox("经办人")
        form = QFormLayout(clerk_box)
        form.addRow("经办人姓名(&K)：", self.clerk_name)
        form.addRow(_note("记入每份申请的状态记录和审计记录。"))
        form.addRow(self.clerk_message)
        clerk_buttons = self._right(self.save_clerk_button)
        clerk_buttons.insertWidget(1, self.own_password_button)
        form.addRow(clerk_buttons)

        # --- data folder and database ----------------------------------------------------------
        self.home_label = _note(str(ctx.home))
        self.home_label.setObjectName("homeFolder")
        self.open_home_button = QPushButton("打开数据文件夹(&O)")
        self.open_home_button.setObjectName("openHome")
        self.database_label = _note("正在打开…")
        self.database_label.setObjectName("currentDatabase")
        self.next_database_label = _note()
        self.next_database_label.setObjectName("nextDatabase")
        self.database_url = QLineEdit()
        self.database_url.setObjectName("databaseUrl")
        self.database_url.setPlaceholderText(
            "SQLite 文件的完整路径，或 postgresql://用户名@服务器/union_counter"
        )
        self.save_url_button = QPushButton("保存数据库地址(&A)")
        self.save_url_button.setObjectName("saveDatabaseUrl")
        self.default_url_button = QPushButton("改回默认(&M)")
        self.default_url_button.setObjectName("defaultDatabaseUrl")
        self.url_message = _note()
        self.database_password = QLineEdit()
        self.database_password.setObjectName("databasePassword")
        self.database_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.database_password.setPlaceholderText("PostgreSQL 服务器的密码（不显示）")
        self.save_password_button = QPushButton("保存密码(&E)")
        self.save_password_button.setObjectName("saveDatabasePassword")
        self.password_note = _note()
        self.password_note.setObjectName("passwordNote")
        self.password_message = _note()
        self.machine_note = _note()
        self.machine_note.setObjectName("machineSettings")
        data_box = QGroupBox("数据文件夹和数据库")
        form = QFormLayout(data_box)
        form.addRow("数据文件夹：", self.home_label)
        form.addRow("", self._right(self.open_home_button))
        form.addRow("正在使用的数据库：", self.database_label)
        form.addRow("下次启动使用：", self.next_database_label)
        form.addRow("改用其他数据库(&U)：", self.database_url)
        form.addRow(
            _note(
                "新地址只保存到设置中，下次启动程序时才改用，现在打开的数据库不变。"
                "全区共用 PostgreSQL 服务器时，向区总工会要地址。"
            )
        )
        form.addRow(self.url_message)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.default_url_button)
        buttons.addWidget(self.save_url_button)
        form.addRow(buttons)
        form.addRow("数据库密码(&P)：", self.database_password)
        form.addRow(self.password_note)
        form.addRow(self.password_message)
        form.addRow(self._right(self.save_password_button))
        form.addRow("本机设置：", self.machine_note)

        # --- backups ---------------------------------------------------------------------------
        self.backup_button = QPushButton("立即备份(&B)")
        self.backup_button.setObjectName("backupNow")
        self.backup_message = _note()
        self.backup_message.setObjectName("backupMessage")
        self.backups = BackupModel(parent=self)
        self.backup_table = QTableView()
        self.backup_table.setObjectName("backupTable")
        self.backup_table.setAccessibleName("备份文件")
        self.backup_table.setModel(self.backups)
        self.backup_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.backup_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.backup_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.backup_table.setAlternatingRowColors(True)
        self.backup_table.setWordWrap(False)
        self.backup_table.verticalHeader().setVisible(False)
        header = self.backup_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.backup_table.setMinimumHeight(220)
        self.restore_button = QPushButton("从所选备份恢复(&R)…")
        self.restore_button.setObjectName("restoreSelected")
        self.restore_file_button = QPushButton("从其他文件恢复(&F)…")
        self.restore_file_button.setObjectName("restoreFile")
        self.open_backups_button = QPushButton("打开备份文件夹(&H)")
        self.open_backups_button.setObjectName("openBackups")
        self.restore_message = _note()
        self.restore_message.setObjectName("restoreMessage")
        backup_box = QGroupBox("备份与恢复")
        column = QVBoxLayout(backup_box)
        row = QHBoxLayout()
        row.addWidget(self.backup_button)
        row.addStretch(1)
        row.addWidget(self.open_backups_button)
        column.addLayout(row)
        column.addWidget(self.backup_message)
        column.addWidget(
            _note(
                "程序每天第一次打开数据库时自动备份；备份文件夹中程序做的备份保留最新 30 份。"
                "恢复前，当前数据库会先另存到备份文件夹（before-restore-…），不会删除。"
            )
        )
        listed = QLabel("备份文件夹中的备份（最新的在前）(&L)：")
        listed.setBuddy(self.backup_table)
        column.addWidget(listed)
        column.addWidget(self.backup_table, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.restore_file_button)
        row.addWidget(self.restore_button)
        column.addLayout(row)
        column.addWidget(self.restore_message)

        self.about_button = QPushButton("关于本程序(&I)…")
        self.about_button.setObjectName("about")
        self.version_note = _note(f"版本 {__version__}，构建：{build_text()}")
        self.version_note.setObjectName("versionNote")
        about_box = QGroupBox("关于本程序")
        row = QHBoxLayout(about_box)
        row.addWidget(self.version_note, 1)
        row.addWidget(self.about_button)

        # --- layout: two columns in a scroll area (usable at 200 % scaling) ---------------------
        heading = QLabel("设置")
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        heading.setFont(font)
        content = QWidget()
        columns = QHBoxLayout(content)
        columns.setContentsMargins(0, 0, 0, 0)
        left = QVBoxLayout()
        left.addWidget(station_box)
        left.addWidget(clerk_box)
        left.addWidget(data_box)
        left.addWidget(about_box)
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(backup_box, 1)
        self.accounts_box = AccountsBox(ctx)
        self.accounts_box.setVisible(False)
        right.addWidget(self.accounts_box)
        columns.addLayout(left, 1)
        columns.addSpacing(12)
        columns.addLayout(right, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addWidget(heading)
        layout.addWidget(scroll, 1)

        order = [
            self.station_code,
            self.station_name,
            self.district,
            self.save_station_button,
            self.clerk_name,
            self.save_clerk_button,
            self.open_home_button,
            self.database_url,
            self.default_url_button,
            self.save_url_button,
            self.database_password,
            self.save_password_button,
            self.backup_button,
            self.open_backups_button,
            self.backup_table,
            self.restore_file_button,
            self.restore_button,
            self.accounts_box.table,
            self.accounts_box.add_button,
            self.accounts_box.reset_button,
            self.accounts_box.toggle_button,
            self.about_button,
        ]
        for first, second in pairwise(order):
            QWidget.setTabOrder(first, second)

        # --- signals ---------------------------------------------------------------------------
        for edit in (self.station_code, self.station_name, self.district):
            edit.returnPressed.connect(self.save_station)
        self.save_station_button.clicked.connect(self.save_station)
        self.about_button.clicked.connect(self.show_about)
        self.clerk_name.returnPressed.connect(self.save_clerk)
        self.save_clerk_button.clicked.connect(self.save_clerk)
        self.open_home_button.clicked.connect(lambda: self._open_folder(self.ctx.home))
        self.open_backups_button.clicked.connect(
            lambda: self._open_folder(self.ctx.home / "backups")
        )
        self.database_url.returnPressed.connect(self.save_database_url)
        self.save_url_button.clicked.connect(self.save_database_url)
        self.default_url_button.clicked.connect(self.reset_database_url)
        self.database_password.returnPressed.connect(self.save_database_password)
        self.save_password_button.clicked.connect(self.save_database_password)
        self.backup_button.clicked.connect(self.make_backup)
        self.restore_button.clicked.connect(self.restore_selected)
        self.restore_file_button.clicked.connect(self.restore_from_file)
        self.backup_table.activated.connect(lambda _index: self.restore_selected())
        ctx.store_opened.connect(self._store_opened)
        ctx.store_failed.connect(self._store_failed)
        ctx.station_changed.connect(self._load_station)
        ctx.clerk_changed.connect(self._load_clerk)
        ctx.account_changed.connect(self._update_enabled)  # what the new account may do
        ctx.account_changed.connect(self.accounts_box.refresh)

        self.clerk_name.setText(ctx.clerk_name)
        self._update_enabled()
        if ctx.store is not None:
            self._store_opened(ctx.store)

    @staticmethod
    def _right(button: QPushButton) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(button)
        return row

    # --- Page ------------------------------------------------------------------------------------

    def section_shown(self) -> None:
        # At start (the last section used) the window is not up yet: the database's place and
        # the backups are shown when the database has opened, without delaying the window.
        if self.window().isVisible():
            if self.ctx.store is not None and not self._station_edited():
                self._load_station()
            self._show_database()
            self.refresh_backups()
            self._update_enabled()  # what IT fixed in the machine-wide file, as it is now
            self.accounts_box.refresh()
        target = self.station_code if self.station_code.isEnabled() else self.clerk_name
        target.setFocus(Qt.FocusReason.ShortcutFocusReason)

    # --- store ------------------------------------------------------------------------------------

    def _store_opened(self, _store: object) -> None:
        self._load_station()
        self._show_database()
        self._update_enabled()
        self.refresh_backups()

    def _store_failed(self, message: str) -> None:
        self._show_database()
        self._update_enabled()
        self.refresh_backups()  # a database that does not open can be restored from one

    def _update_enabled(self) -> None:
        from desktop_app.services.machine_settings import DATABASE, STATION, locked_reason
        from desktop_app.services.permissions import missing_reason

        store = self.ctx.store

        def denied(permission: str) -> str:
            return missing_reason(store, permission) if store is not None else ""

        station_reason = locked_reason(STATION) or denied("settings.change")
        self.station_note.setText(
            "服务站代码是受理编号的开头，全区各站不能相同。" + station_reason
            if station_reason
            else STATION_NOTE
        )
        for widget in (
            self.station_code,
            self.station_name,
            self.district,
            self.save_station_button,
        ):
            widget.setEnabled(store is not None and not self._busy and not station_reason)
            widget.setToolTip(station_reason)
        database_reason = locked_reason(DATABASE) or denied("settings.change")
        for widget in (self.database_url, self.save_url_button, self.default_url_button):
            widget.setEnabled(not database_reason)
            widget.setToolTip(database_reason)
        # With accounts the clerk of every act is the account signed in, not a typed name.
        account = store.account if store is not None else None
        self.clerk_name.setReadOnly(account is not None)
        self.own_password_button.setVisible(account is not None)
        self.save_clerk_button.setEnabled(account is None)
        signed_note = "经办人就是登录的账户，每次操作都记在这个账户名下。" if account else ""
        for widget in (self.clerk_name, self.save_clerk_button):
            widget.setToolTip(signed_note)
        if account is not None:
            self.clerk_name.setText(f"{account.name}（{account.username}，{account.role.label}）")
        backup_reason = denied("backup.make")
        self.backup_button.setEnabled(store is not None and not self._busy and not backup_reason)
        self.backup_button.setToolTip(backup_reason)
        # A shared PostgreSQL server is restored by the district's administrator, not here;
        # a database that failed to open can still be restored from a backup.
        restorable = store is None or store.is_sqlite
        restore_reason = denied("backup.restore")
        for button in (self.restore_button, self.restore_file_button):
            button.setEnabled(restorable and not self._busy and not restore_reason)
            button.setToolTip(restore_reason)
        if store is not None and not store.is_sqlite:
            _message(
                self.restore_message,
                "共用的 PostgreSQL 服务器不从柜台恢复："
                "请区总工会的管理员在服务器上用 pg_restore 恢复。",
                error=False,
            )

    # --- station -------------------------------------------------------------------------------

    def _station_edited(self) -> bool:
        return any(e.isModified() for e in (self.station_code, self.station_name, self.district))

    def _load_station(self) -> None:
        station = self.ctx.station() if self.ctx.store is not None else None
        self.station_code.setText(station.code if station else "")
        self.station_name.setText(station.name if station else "")
        self.district.setText(station.district if station else "")
        for edit in (self.station_code, self.station_name, self.district):
            edit.setModified(False)
        if station is None and self.ctx.station_error:
            _message(self.station_message, self.ctx.station_error, error=True)
        elif station is None and self.ctx.store is not None:
            _message(self.station_message, "服务站代码还没有设置，受理申请前须先设置。", error=True)
        else:
            _message(self.station_message, "", error=False)

    def show_about(self) -> None:
        """关于本程序: the version, the build, the schema and the policy files' fingerprints."""
        from desktop_app.services.about import about

        dialogs.show_about(self, about().lines())

    def save_station(self) -> None:
        from desktop_app.domain.facts import InputError
        from desktop_app.services.station_settings import save_station

        store = self._store_or_say()
        actor = self._clerk_or_say()
        if store is None or actor is None:
            return
        fields = {
            "station_code": self.station_code,
            "station_name": self.station_name,
            "district": self.district,
        }
        try:
            saved = save_station(
                store,
                actor=actor,
                code=self.station_code.text(),
                name=self.station_name.text(),
                district=self.district.text(),
            )
        except InputError as exc:
            _message(self.station_message, exc.message, error=True)
            edit = fields.get(exc.field, self.station_code)
            edit.setFocus(Qt.FocusReason.OtherFocusReason)
            edit.selectAll()
            return
        except Exception as exc:
            self._error(exc)
            return
        self.ctx.station_saved()  # reloads the fields through station_changed
        _message(
            self.station_message,
            f"已保存：{saved.name}（{saved.code}）{saved.district}",
            error=False,
        )

    # --- clerk ---------------------------------------------------------------------------------

    def _load_clerk(self, *_args: object) -> None:
        self.clerk_name.setText(self.ctx.clerk_name)

    def save_clerk(self) -> None:
        try:
            self.ctx.set_clerk(self.clerk_name.text())
        except ValueError as exc:
            _message(self.clerk_message, str(exc), error=True)
            self.clerk_name.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        _message(self.clerk_message, f"已保存：经办人 {self.ctx.clerk_name}", error=False)

    def change_own_password(self) -> None:
        from desktop_app.ui.sign_in import ChangePasswordDialog

        dialog = ChangePasswordDialog(self.ctx, None, self)
        if dialog.exec() == ChangePasswordDialog.DialogCode.Accepted:
            _message(self.clerk_message, "密码已修改。", error=False)

    # --- data folder and database ----------------------------------------------------------------

    def _open_folder(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        if not dialogs.open_folder(folder):
            from desktop_app.ui.errors import present

            present(self, "无法打开文件夹", f"无法打开文件管理器。文件夹在：\n{folder}")

    def _saved_url(self) -> str:
        return str(self.ctx.settings.value(URL_SETTING, "") or "")

    def _show_database(self) -> None:
        from desktop_app.services.settings_view import database_choice

        store = self.ctx.store
        if store is not None:
            current = store.location
        elif self.ctx.store_error:
            current = f"无法打开：{self.ctx.store_error}"
        else:
            current = "正在打开…"
        choice = database_choice(current, self._saved_url(), self.ctx.home)
        self.database_label.setText(choice.current)
        self.database_label.setVisible(True)
        self.next_database_label.setText(f"{choice.next_start}\n{choice.note}")
        self.next_database_label.setVisible(True)
        self._show_password_and_machine()

    def _show_password_and_machine(self) -> None:
        from desktop_app.services import pgpass
        from desktop_app.services.machine_settings import describe, shared_folder_note
        from desktop_app.services.settings_view import next_address

        address = next_address(self._saved_url())
        server = "://" in address
        if server:
            kept = "已保存" if pgpass.has_password(address) else "还没有保存"
            text = f"这个数据库的密码{kept}。密码不写在设置文件中，保存在{pgpass.where_kept()}。"
        else:
            text = "数据文件夹中的 SQLite 数据库不需要密码；密码只用于 PostgreSQL 服务器。"
        self.password_note.setText(text)
        self.password_note.setVisible(True)
        for widget in (self.database_password, self.save_password_button):
            widget.setEnabled(server)
        self.machine_note.setText("\n".join(f"{label}：{text}" for label, text in describe()))
        self.machine_note.setVisible(True)
        shared = shared_folder_note(self.ctx.home)
        self.home_label.setText(f"{self.ctx.home}{shared}")

    def save_database_url(self) -> None:
        from desktop_app.errors import ClerkError
        from desktop_app.services.settings_view import address_to_save, describe_database

        try:
            saved = address_to_save(self.database_url.text())
        except ClerkError as exc:
            _message(self.url_message, exc.message, error=True)
            self.database_url.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        except OSError as exc:  # the password file could not be written: nothing is saved
            self._error(exc)
            return
        if not saved.url:
            self.reset_database_url()
            return
        self.ctx.settings.setValue(URL_SETTING, saved.url)
        self.ctx.settings.sync()
        self.database_url.clear()
        where = describe_database(saved.url, self.ctx.home)
        moved = (
            f"地址中的密码没有写进设置文件，已存入密码文件 {saved.password_file}。"
            if saved.password_file
            else ""
        )
        _message(self.url_message, f"已保存。下次启动程序时改用：{where}。{moved}", error=False)
        self._show_database()

    def save_database_password(self) -> None:
        from desktop_app.errors import ClerkError
        from desktop_app.services.settings_view import next_address, save_database_password

        try:
            path = save_database_password(
                next_address(self._saved_url()), self.database_password.text()
            )
        except ClerkError as exc:
            _message(self.password_message, exc.message, error=True)
            self.database_password.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        finally:
            self.database_password.clear()  # the typed password never stays on the screen
        _message(
            self.password_message,
            f"密码已保存到 {path}（只有本用户可读），下次连接服务器时使用。",
            error=False,
        )
        self._show_password_and_machine()

    def reset_database_url(self) -> None:
        self.ctx.settings.remove(URL_SETTING)
        self.ctx.settings.sync()
        self.database_url.clear()
        _message(
            self.url_message,
            "已改回默认：下次启动程序时使用数据文件夹中的 union-counter.sqlite3。",
            error=False,
        )
        self._show_database()

    # --- backups -------------------------------------------------------------------------------

    def refresh_backups(self) -> None:
        from desktop_app.services.settings_view import list_backups

        self.backups.set_backups(list_backups(self.ctx.home / "backups"))

    def selected_backup(self) -> BackupFile | None:
        return self.backups.backup_at(self.backup_table.currentIndex().row())

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._update_enabled()

    def make_backup(self) -> None:
        from desktop_app.ui.tasks import run_task

        store = self._store_or_say()
        clerk = self._clerk_or_say()
        if store is None or clerk is None or self._busy:
            return
        _message(self.backup_message, "正在备份…", error=False)
        self._set_busy(True)

        def work(_progress: Any) -> Path:
            from desktop_app.services.backups import make_backup

            return make_backup(store, None, actor=clerk)

        run_task(
            self,
            work,
            on_done=self._backed_up,
            on_error=self._backup_failed,
            label="正在备份数据库…",
        )

    def _backed_up(self, path: Path) -> None:
        self._set_busy(False)
        _message(self.backup_message, f"备份已写入：{path}", error=False)
        self.refresh_backups()
        row = self.backups.row_of(path.name)
        if row >= 0:
            self.backup_table.setCurrentIndex(self.backups.index(row, 0))

    def _backup_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        _message(self.backup_message, "备份没有完成。", error=True)
        self._error(exc)

    def restore_selected(self) -> None:
        backup = self.selected_backup()
        if backup is None:
            _message(self.restore_message, "请先在列表中选中一个备份，或选择其他文件。", error=True)
            self.backup_table.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        self.restore_from(backup.path)

    def restore_from_file(self) -> None:
        path = dialogs.choose_backup_file(self, self.ctx.home / "backups")
        if path is not None:
            self.restore_from(path)

    def restore_from(self, path: Path) -> None:
        from desktop_app.ui.tasks import run_task

        if self._busy:
            return
        clerk = self._clerk_or_say()
        if clerk is None:
            return
        where = self.ctx.home / "backups"
        text = (
            f"将用备份文件\n{path}\n替换当前数据库。\n\n"
            f"当前数据库会先另存到备份文件夹（{where}，文件名以 before-restore 开头），"
            "不会删除；但这份备份之后新受理的申请和状态变更，恢复后不会出现在台账中"
            "（仍保存在另存的文件里）。已发出的受理编号不会重复使用。\n\n"
            "恢复期间数据库暂时关闭，请不要关闭程序。确定要恢复吗？"
        )
        if not dialogs.confirm(self, "从备份恢复", text, "恢复(&R)"):
            return
        url, home = self.ctx.db_url, self.ctx.home
        from desktop_app.services.permissions import carry_over

        signing_in = carry_over(self.ctx.store.account if self.ctx.store is not None else None)
        _message(self.restore_message, "正在恢复…", error=False)
        self._set_busy(True)
        self.ctx.replace_store(None)  # the database must be closed while it is replaced
        self._update_enabled()

        def work(_progress: Any) -> tuple[RestoreResult, Store]:
            from desktop_app.services.backups import restore_database

            return restore_database(path, actor=clerk, db_url=url, home=home, signing_in=signing_in)

        run_task(
            self,
            work,
            on_done=self._restored,
            on_error=self._restore_failed,
            label="正在从备份恢复数据库…",
        )

    def _restored(self, outcome: tuple[RestoreResult, Store]) -> None:
        result, store = outcome
        self._busy = False
        self.ctx.replace_store(store)  # store_opened: every page reloads
        text = "\n".join(result.lines())
        _message(self.restore_message, text, error=False)
        self.refresh_backups()
        self._update_enabled()
        dialogs.inform(self, "恢复完成", text)

    def _restore_failed(self, exc: BaseException) -> None:
        from desktop_app.ui.errors import message_for, present

        self._busy = False
        message = message_for(exc)
        _message(self.restore_message, f"没有恢复：{message}", error=True)
        self.refresh_backups()
        self._update_enabled()
        present(self, "没有恢复", message)
        self.ctx.open_store()  # reopen the database as it was

    # --- errors --------------------------------------------------------------------------------

    def _store_or_say(self) -> Store | None:
        from desktop_app.ui.context import StoreNotReadyError
        from desktop_app.ui.errors import present

        try:
            return self.ctx.require_store()
        except StoreNotReadyError as exc:
            present(self, "数据库未打开", exc.message)
            return None

    def _clerk_or_say(self) -> str | None:
        """Who acts; None (and a dialog saying where to enter the name) when nobody is set."""
        from desktop_app.ui.context import ClerkNotSetError
        from desktop_app.ui.errors import present

        try:
            return self.ctx.clerk
        except ClerkNotSetError as exc:
            present(self, "经办人未填写", exc.message)
            self.clerk_name.setFocus(Qt.FocusReason.OtherFocusReason)
            return None

    def _error(self, exc: BaseException) -> None:
        from desktop_app.ui.errors import show_error

        show_error(self, exc)
