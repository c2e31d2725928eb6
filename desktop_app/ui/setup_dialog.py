"""首次设置: the station and the clerk's name, asked once when a data folder is new.

The window opens it when the database has opened and the station is not set, or no clerk's
name was ever entered in this data folder (UNION_COUNTER_CLERK counts as entered). The rules
are the services' own, checked in the same order as the fields: `check_clerk_name` (what
`AppContext.set_clerk` applies) and `check_database_url` (what 设置 applies) first, as they
save nothing; then `save_station`, which checks the code and the name before it writes. Only
when all of them pass is anything kept: the station (audited), the clerk's name, and a
database address, which — as in 设置 — takes effect at the next start. 取消 or closing keeps
nothing; the window then says that setup is not done and offers the dialog again.
"""

from __future__ import annotations

from itertools import pairwise
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui.context import AppContext, check_clerk_name
from desktop_app.ui.questions import dialog_buttons

if TYPE_CHECKING:
    from desktop_app.services.station_settings import Station

ERROR_STYLE = "color: #b00020;"
URL_SETTING = "database/url"  # as the 设置 page saves it


def missing_setup(ctx: AppContext) -> list[str]:
    """What first-run setup still lacks ([] when done, or while the database is not open)."""
    if ctx.store is None:
        return []
    from desktop_app.services.permissions import accounts_enabled

    missing = []
    enabled = accounts_enabled(ctx.store)
    if ctx.station() is None:
        missing.append("服务站")
    if not enabled and not ctx.clerk_name:  # with accounts, the clerk is who signed in
        missing.append("经办人姓名")
    if not enabled:
        missing.append("管理员账户")
    return missing


class FirstRunDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("firstRunDialog")
        self.setWindowTitle("首次设置")
        self.setModal(True)

        intro = QLabel(
            "这是第一次在这个数据文件夹中使用本程序。请填写服务站和经办人，"
            "全部填好、检查无误后才保存；点“取消”则什么都不保存，"
            "以后可点窗口上方的“首次设置”再打开，或在“设置”中填写。"
        )
        intro.setWordWrap(True)
        where = _hint(f"数据文件夹：{ctx.home}")
        where.setObjectName("setupHome")
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.station_code = self._edit("stationCode", 8, "2–8 位大写字母或数字，如 XC01")
        self.station_name = self._edit("stationName", 100, "如 西城区展览路街道工会服务站")
        self.district = self._edit("stationDistrict", 40, "如 西城区")
        self.clerk_name = self._edit("clerkName", 64, "您的姓名，记入每份申请的经办记录")
        self.database_url = self._edit("databaseUrl", 0, "不填：用数据文件夹中的数据库")
        self.fields: dict[str, QLineEdit] = {
            "station_code": self.station_code,
            "station_name": self.station_name,
            "district": self.district,
            "clerk": self.clerk_name,
        }
        # A database without accounts: its first administrator is the clerk named above.
        from desktop_app.services.permissions import accounts_enabled

        self.new_admin = ctx.store is not None and not accounts_enabled(ctx.store)
        if self.new_admin:
            self.admin_username = self._edit(
                "adminUsername", 32, "如 admin 或 zhangsan（小写字母、数字）"
            )
            self.admin_password = self._edit("adminPassword", 128, "至少 8 个字符")
            self.admin_password.setEchoMode(QLineEdit.EchoMode.Password)
            self.admin_again = self._edit("adminPasswordAgain", 128, "")
            self.admin_again.setEchoMode(QLineEdit.EchoMode.Password)
            self.fields.update(
                username=self.admin_username,
                password=self.admin_password,
                password_again=self.admin_again,
            )
        self.fields[URL_SETTING] = self.database_url
        self.errors: dict[str, QLabel] = {}
        self._error_rows: dict[str, int] = {}
        labels = {
            "station_code": "服务站代码(&C)：",
            "station_name": "服务站名称(&N)：",
            "district": "所属区(&D)：",
            "clerk": "经办人姓名(&K)：",
            "username": "管理员用户名(&G)：",
            "password": "管理员密码(&M)：",
            "password_again": "再输入一次(&E)：",
            URL_SETTING: "数据库地址（可不填）(&U)：",
        }
        form = self.form = QFormLayout()
        for key, edit in self.fields.items():
            label = QLabel(labels[key])
            label.setBuddy(edit)
            form.addRow(label, edit)
            error = QLabel()
            error.setObjectName(f"error_{key}")
            error.setStyleSheet(ERROR_STYLE)
            error.setWordWrap(True)
            form.addRow("", error)
            self.errors[key] = error
            self._error_rows[key] = form.rowCount() - 1
            form.setRowVisible(self._error_rows[key], False)  # no gap while there is no error
            if key == "station_code":
                form.addRow("", _hint("受理编号的开头（如 XC01-20261121-0001），各站不能相同。"))
            if key == "username":
                form.addRow(
                    "",
                    _hint(
                        "本数据库还没有账户：上面填写的经办人就是第一个管理员。"
                        "以后每次打开程序都要登录，管理员再为其他柜员建立账户。"
                    ),
                )
            if key == URL_SETTING:
                form.addRow(
                    "",
                    _hint(
                        "全区共用 PostgreSQL 服务器时填写区总工会给的地址。"
                        "与“设置”中一样，下次启动程序时才改用。"
                    ),
                )
        self.general_error = QLabel()
        self.general_error.setObjectName("setupError")
        self.general_error.setStyleSheet(ERROR_STYLE)
        self.general_error.setWordWrap(True)
        self.general_error.setVisible(False)

        self.buttons, self.finish_button, self.cancel_button = dialog_buttons(
            "完成(&F)", "取消(&Q)", accept_name="finishSetup", reject_name="cancelSetup"
        )
        self.buttons.accepted.connect(self.finish)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(where)
        layout.addLayout(form)
        layout.addWidget(self.general_error)
        layout.addWidget(self.buttons)

        self._moves_on = list(self.fields.values())[:-1]
        for edit in self._moves_on:
            edit.installEventFilter(self)
        order = [*self.fields.values(), self.finish_button, self.cancel_button]
        for first, second in pairwise(order):
            QWidget.setTabOrder(first, second)
        self._fill()
        self._lock_what_it_fixed()
        self.setMinimumWidth(560)

    def _lock_what_it_fixed(self) -> None:
        """What IT fixed for the PC (the machine-wide file) is shown, read-only, with why."""
        from desktop_app.services.machine_settings import DATABASE, STATION, locked_reason

        self.station_fixed = bool(locked_reason(STATION))
        self.database_fixed = bool(locked_reason(DATABASE))
        for key in ("station_code", "station_name", "district"):
            self.fields[key].setReadOnly(self.station_fixed)
            self.fields[key].setToolTip(locked_reason(STATION))
        self.database_url.setEnabled(not self.database_fixed)
        self.database_url.setToolTip(locked_reason(DATABASE))
        if self.station_fixed and self.fields["station_code"].hasFocus():
            self.clerk_name.setFocus(Qt.FocusReason.OtherFocusReason)

    @staticmethod
    def _edit(name: str, length: int, placeholder: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setObjectName(name)
        if length:
            edit.setMaxLength(length)
        edit.setPlaceholderText(placeholder)
        return edit

    def _fill(self) -> None:
        station: Station | None = self.ctx.station() if self.ctx.store is not None else None
        if station is not None:
            self.station_code.setText(station.code)
            self.station_name.setText(station.name)
            self.district.setText(station.district)
        self.clerk_name.setText(self.ctx.clerk_name)
        first_empty = next((e for e in self.fields.values() if not e.text()), self.station_code)
        first_empty.setFocus(Qt.FocusReason.OtherFocusReason)

    # --- keys ----------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Enter in a field before the last moves on (as Tab does); on the last field it goes
        # on to the dialog, which presses the default button 完成; on a focused button, that
        # button. Esc cancels (QDialog).
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and watched in self._moves_on
        ):
            edits = list(self.fields.values())
            edits[edits.index(watched) + 1].setFocus(Qt.FocusReason.TabFocusReason)
            return True
        return super().eventFilter(watched, event)

    # --- saving --------------------------------------------------------------------------------

    def _show_errors(self, found: dict[str, str]) -> None:
        for key, label in self.errors.items():
            label.setText(found.get(key, ""))
            self.form.setRowVisible(self._error_rows[key], key in found)
        general = found.get("", "")
        self.general_error.setText(general)
        self.general_error.setVisible(bool(general))
        self._grow()
        for key, edit in self.fields.items():
            if key in found:
                edit.setFocus(Qt.FocusReason.OtherFocusReason)
                edit.selectAll()
                return

    def _grow(self) -> None:
        """As tall as the lines shown need (an error line came or went; wrapped lines need
        their height for the dialog's width)."""
        layout = self.layout()
        layout.activate()
        need = self.heightForWidth(self.width())
        if need < 0:
            need = self.sizeHint().height()
        if need != self.height():
            self.resize(self.width(), need)

    def finish(self) -> None:
        """完成: check everything; save only when everything is right."""
        from desktop_app.domain.facts import InputError
        from desktop_app.services.settings_view import address_to_save, check_database_url
        from desktop_app.services.station_settings import save_station, station_problems
        from desktop_app.ui.context import StoreNotReadyError
        from desktop_app.ui.errors import known_message, show_error

        found: dict[str, str] = station_problems(
            code=self.station_code.text(),
            name=self.station_name.text(),
            district=self.district.text(),
        )
        try:
            clerk = check_clerk_name(self.clerk_name.text())
        except ValueError as exc:
            found["clerk"] = str(exc)
        try:
            url = check_database_url(self.database_url.text())
        except InputError as exc:
            found[URL_SETTING] = exc.message
        if self.new_admin:
            from desktop_app.services.accounts import first_admin_problems

            for key, message in first_admin_problems(
                self.admin_username.text(),
                self.clerk_name.text(),
                self.admin_password.text(),
                self.admin_again.text(),
            ).items():
                found.setdefault("clerk" if key == "name" else key, message)
        if found:
            self._show_errors(found)
            return
        try:
            store = self.ctx.require_store()
            if not self.station_fixed:
                save_station(
                    store,
                    actor=clerk,
                    code=self.station_code.text(),
                    name=self.station_name.text(),
                    district=self.district.text(),
                )
            if self.new_admin:
                from desktop_app.services.accounts import create_first_admin

                admin = create_first_admin(
                    store,
                    username=self.admin_username.text(),
                    name=clerk,
                    password=self.admin_password.text(),
                )
                from desktop_app.ui.sign_in import LAST_USER

                self.ctx.settings.setValue(LAST_USER, admin.username)
                self.admin_password.clear()
                self.admin_again.clear()
            # As in 设置: the address is kept without its password (that goes to the user's
            # password file), and only once everything else passed.
            url = address_to_save(url).url if url and not self.database_fixed else ""
        except InputError as exc:
            key = exc.field if exc.field in self.fields else "station_code"
            self._show_errors({key: exc.message})
            return
        except StoreNotReadyError as exc:
            self._show_errors({"": exc.message})
            return
        except Exception as exc:
            message = known_message(exc)
            if message is None:
                show_error(self, exc, "未能保存")
                message = "没有保存。"
            self._show_errors({"": message})
            return
        self.ctx.set_clerk(clerk)  # checked above: cannot be refused now
        if url:
            self.ctx.settings.setValue(URL_SETTING, url)
            self.ctx.settings.sync()
        self._show_errors({})
        self.ctx.station_saved()
        if self.new_admin:
            self.ctx.account_changed.emit()
        self.accept()


def _hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    return label
