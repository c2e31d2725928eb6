"""设置 → 账户: the administrator's list of accounts, and making, resetting and disabling them.

Shown only to an account that may manage accounts (the services check it again). Nothing here
deletes an account: a disabled one stays in the list (and in the audit trail). A new account
and a reset password are temporary: their owner chooses a new one at the next sign-in.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.errors import ClerkError
from desktop_app.ui.context import AppContext
from desktop_app.ui.questions import dialog_buttons
from desktop_app.ui.settings import dialogs
from desktop_app.ui.sign_in import ERROR_STYLE, error_label, password_edit

COLUMNS = ("用户名", "姓名", "角色", "服务站", "状态")


class AccountsBox(QGroupBox):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__("账户", parent)
        self.ctx = ctx
        self.setObjectName("accountsBox")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("accountsTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setMinimumHeight(140)
        self.add_button = QPushButton("新建账户(&T)…")
        self.add_button.setObjectName("addAccount")
        self.reset_button = QPushButton("重置密码(&Z)…")
        self.reset_button.setObjectName("resetPassword")
        self.toggle_button = QPushButton("停用/启用(&X)")
        self.toggle_button.setObjectName("toggleAccount")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setObjectName("accountsMessage")
        column = QVBoxLayout(self)
        column.addWidget(
            QLabel("账户从不删除，只能停用。新账户和重置的密码是临时的，主人下次登录时须改密码。")
        )
        column.addWidget(self.table)
        row = QHBoxLayout()
        row.addStretch(1)
        for button in (self.add_button, self.reset_button, self.toggle_button):
            row.addWidget(button)
        column.addLayout(row)
        column.addWidget(self.message)
        self.add_button.clicked.connect(self.add_account)
        self.reset_button.clicked.connect(self.reset_password)
        self.toggle_button.clicked.connect(self.toggle_account)
        self.usernames: list[str] = []

    def refresh(self) -> None:
        """Shown (and filled) only for an account that may manage accounts."""
        from desktop_app.services.accounts import list_accounts
        from desktop_app.services.permissions import accounts_enabled, allowed

        store = self.ctx.store
        shown = (
            store is not None
            and store.account is not None
            and accounts_enabled(store)
            and allowed(store, "accounts.manage")
        )
        self.setVisible(shown)
        if not shown or store is None:
            return
        listed = list_accounts(store)
        self.usernames = [a.username for a in listed]
        self.table.setRowCount(len(listed))
        for row, info in enumerate(listed):
            state = "已停用" if info.disabled else ("已锁定" if info.locked_until else "可用")
            for col, text in enumerate(
                (info.username, info.name, info.role_label, info.station_code or "全区", state)
            ):
                self.table.setItem(row, col, QTableWidgetItem(text))

    def _selected(self) -> str | None:
        row = self.table.currentRow()
        if 0 <= row < len(self.usernames):
            return self.usernames[row]
        self._say("请先在列表中选一个账户。", error=True)
        return None

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message.setStyleSheet(ERROR_STYLE if error else "")
        self.message.setText(text)

    def add_account(self) -> None:
        dialog = AccountDialog(self.ctx, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self._say(f"已建立账户 {dialog.created}；首次登录时须改密码。")
            self.refresh()

    def reset_password(self) -> None:
        username = self._selected()
        if username is None:
            return
        dialog = AccountDialog(self.ctx, self, reset=username)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self._say(f"已重置 {username} 的密码并解除锁定；下次登录时须改密码。")
            self.refresh()

    def toggle_account(self) -> None:
        from desktop_app.services.accounts import list_accounts, set_disabled

        username = self._selected()
        store = self.ctx.store
        if username is None or store is None:
            return
        info = next(a for a in list_accounts(store) if a.username == username)
        action = "启用" if info.disabled else "停用"
        if not dialogs.confirm(
            self,
            f"{action}账户",
            f"{action}账户 {username}（{info.name}）？"
            + ("" if info.disabled else "停用后它不能再登录；账户和它的记录都保留，可以再启用。"),
            action,
        ):
            return
        try:
            set_disabled(store, username, not info.disabled)
        except ClerkError as exc:
            self._say(exc.message, error=True)
            return
        self._say(f"账户 {username} 已{action}。")
        self.refresh()


class AccountDialog(QDialog):
    """A new account, or (`reset`) a new temporary password for an existing one."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *, reset: str = "") -> None:
        super().__init__(parent)
        from desktop_app.services.permissions import roles

        self.ctx = ctx
        self.reset = reset
        self.created = ""
        self.setObjectName("accountDialog")
        self.setWindowTitle(f"重置 {reset} 的密码" if reset else "新建账户")
        self.username = QLineEdit(reset)
        self.username.setObjectName("accountUsername")
        self.username.setReadOnly(bool(reset))
        self.name = QLineEdit()
        self.name.setObjectName("accountName")
        self.role = QComboBox()
        self.role.setObjectName("accountRole")
        for code, role in roles().roles.items():
            self.role.addItem(role.label, code)
        self.station = QLineEdit()
        self.station.setObjectName("accountStation")
        self.station.setPlaceholderText("受理员、站长/审核员必填，如 XC01")
        here = ctx.station()
        if here is not None:
            self.station.setText(here.code)
        self.password = password_edit("accountPassword")
        self.again = password_edit("accountPasswordAgain")
        self.error = error_label("accountError")
        form = QFormLayout()
        form.addRow("用户名(&U)：", self.username)
        if not reset:
            form.addRow("姓名(&N)：", self.name)
            form.addRow("角色(&R)：", self.role)
            form.addRow("服务站(&S)：", self.station)
        form.addRow("临时密码(&P)：", self.password)
        form.addRow("再输入一次(&A)：", self.again)
        buttons, save, cancel = dialog_buttons("保存(&O)", "取消(&C)", accept_name="saveAccount")
        cancel.clicked.connect(self.reject)
        save.clicked.connect(self.save)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        (self.password if reset else self.username).setFocus(Qt.FocusReason.OtherFocusReason)

    def save(self) -> None:
        from desktop_app.services.accounts import add_account, reset_password

        password, again = self.password.text(), self.again.text()
        self.password.clear()
        self.again.clear()
        if password != again:
            self.error.setText("两次输入的密码不一致。")
            self.password.setFocus()
            return
        store = self.ctx.require_store()
        try:
            if self.reset:
                reset_password(store, self.reset, password)
            else:
                info = add_account(
                    store,
                    username=self.username.text(),
                    name=self.name.text(),
                    role=str(self.role.currentData()),
                    station_code=self.station.text(),
                    password=password,
                )
                self.created = f"{info.username}（{info.name}，{info.role_label}）"
        except ClerkError as exc:
            self.error.setText(exc.message)
            return
        self.accept()
