"""Signing in, and the lock after idle time.

Once the database has accounts, the window shows nothing of the members' data until someone
signs in: the sections are covered by a lock panel (`MainWindow.lock`) and `SignInDialog`
asks for the user name and password (the services check them and count the wrong ones:
`services/accounts.sign_in`). An account its administrator made or reset chooses its own
password first (`ChangePasswordDialog`). `IdleLock` watches the keyboard and the mouse of the
whole program: after `minutes` without either (15 by default) the account is signed out and
the window locks again. Esc never closes the sign-in (the window behind stays locked); 退出程序
closes the program.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop_app.errors import ClerkError
from desktop_app.ui.context import AppContext
from desktop_app.ui.questions import dialog_buttons

ERROR_STYLE = "color: #b00020;"
IDLE_MINUTES = 15
LAST_USER = "account/last_user"  # the window's settings remember who signed in last


def error_label(name: str) -> QLabel:
    """The red line under a form that says what is wrong (the account dialogs share it)."""
    label = QLabel()
    label.setObjectName(name)
    label.setStyleSheet(ERROR_STYLE)
    label.setWordWrap(True)
    return label


def password_edit(name: str) -> QLineEdit:
    edit = QLineEdit()
    edit.setObjectName(name)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setMaxLength(128)
    return edit


class SignInDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *, note: str = "") -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("signInDialog")
        self.setWindowTitle("登录 — 职工技能补助柜台")
        self.setModal(True)
        self.note = QLabel(note or "请用您自己的账户登录。")
        self.note.setWordWrap(True)
        self.username = QLineEdit(str(ctx.settings.value(LAST_USER, "") or ""))
        self.username.setObjectName("signInUser")
        self.username.setMaxLength(32)
        self.password = password_edit("signInPassword")
        self.error = error_label("signInError")
        self.error.setVisible(False)
        form = QFormLayout()
        user_label = QLabel("用户名(&U)：")
        user_label.setBuddy(self.username)
        password_label = QLabel("密码(&P)：")
        password_label.setBuddy(self.password)
        form.addRow(user_label, self.username)
        form.addRow(password_label, self.password)
        buttons, self.sign_in_button, self.quit_button = dialog_buttons(
            "登录(&L)", "退出程序(&Q)", accept_name="signIn", reject_name="quitProgram"
        )
        self.sign_in_button.clicked.connect(self.try_sign_in)
        self.quit_button.clicked.connect(self._quit)
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.setMinimumWidth(420)
        (self.password if self.username.text() else self.username).setFocus()

    def reject(self) -> None:
        """Esc and the title bar's close do not leave the window unlocked: nothing happens."""

    def _quit(self) -> None:
        self.done(QDialog.DialogCode.Rejected)
        window = self.parentWidget()
        if window is not None:
            window.close()

    def _say(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def try_sign_in(self) -> None:
        from desktop_app.services.accounts import must_change_password, sign_in

        store = self.ctx.require_store()
        password = self.password.text()
        if not password:  # Enter after the user name: on to the password, nothing tried
            self.password.setFocus()
            return
        self.password.clear()  # never left in the field
        try:
            signed = sign_in(store, self.username.text(), password)
        except ClerkError as exc:
            self._say(exc.message)
            self.password.setFocus()
            return
        self.ctx.settings.setValue(LAST_USER, signed.username)
        if must_change_password(store):
            change = ChangePasswordDialog(self.ctx, password, self)
            if change.exec() != QDialog.DialogCode.Accepted:
                from desktop_app.services.accounts import sign_out

                sign_out(store, reason="sign_out")
                self._say("须先设置自己的密码才能使用。")
                return
        self.ctx.account_changed.emit()
        self.done(QDialog.DialogCode.Accepted)


class ChangePasswordDialog(QDialog):
    """A new password of one's own: after the administrator made or reset the account (the
    temporary password just typed is `old_password`), or when the person wants one (设置:
    `old_password` None, the dialog asks for it)."""

    def __init__(
        self, ctx: AppContext, old_password: str | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._old = old_password
        self.old = password_edit("oldPassword")
        self.setObjectName("changePasswordDialog")
        self.setWindowTitle("设置自己的密码")
        self.new = password_edit("newPassword")
        self.again = password_edit("newPasswordAgain")
        self.error = error_label("changePasswordError")
        note = QLabel(
            "管理员为您设的是临时密码。请设一个只有您知道的新密码（至少 8 个字符）。"
            if old_password is not None
            else "请先输入现在的密码，再设新密码（至少 8 个字符）。"
        )
        note.setWordWrap(True)
        form = QFormLayout()
        if old_password is None:
            form.addRow("现在的密码(&O)：", self.old)
        form.addRow("新密码(&N)：", self.new)
        form.addRow("再输入一次(&A)：", self.again)
        buttons, save, cancel = dialog_buttons("保存(&S)", "取消(&C)", accept_name="savePassword")
        save.clicked.connect(self.save)
        cancel.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        (self.new if old_password is not None else self.old).setFocus()

    def save(self) -> None:
        from desktop_app.services.accounts import change_own_password

        new, again = self.new.text(), self.again.text()
        old = self._old if self._old is not None else self.old.text()
        empty = next((e for e in (self.old, self.new, self.again) if not e.text()), None)
        if empty is not None and (empty is not self.old or self._old is None):
            empty.setFocus()  # Enter before every field is filled: on to the empty one
            return
        for edit in (self.old, self.new, self.again):
            edit.clear()
        if new != again:
            self.error.setText("两次输入的密码不一致。")
            self.new.setFocus()
            return
        try:
            change_own_password(self.ctx.require_store(), old, new)
        except ClerkError as exc:
            self.error.setText(exc.message)
            (self.old if self._old is None else self.new).setFocus()
            return
        self.accept()


class IdleLock(QObject):
    """Locks the window after `minutes` without a key or a mouse button anywhere in it."""

    WATCHED = (
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.Wheel,
        QEvent.Type.InputMethod,
    )

    def __init__(self, on_idle: Callable[[], None], minutes: float = IDLE_MINUTES) -> None:
        super().__init__()
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(int(minutes * 60_000))
        self.timer.timeout.connect(on_idle)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def start(self) -> None:
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in self.WATCHED and self.timer.isActive():
            self.timer.start()  # starts the wait again
        return False


def lock_panel() -> QWidget:
    """What the window shows while locked: nothing of anyone's data."""
    panel = QWidget()
    panel.setObjectName("lockPanel")
    label = QLabel("已锁定。请登录后继续。")
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 1.4)
    label.setFont(font)
    layout = QVBoxLayout(panel)
    layout.addWidget(label)
    return panel
