"""Signing in at the window, the lock after idle time, and what a clerk's role hides — as a
clerk presses the keys (issue 18)."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from desktop_app.services import accounts
from desktop_app.storage.models import AuditEvent
from tests.gui.conftest import STATION, type_text

ADMIN_PW = "Admin-pass-1"
CLERK_PW = "Clerk-pass-1"


@pytest.fixture
def locked_window(qtbot: Any, ctx: Any) -> Any:
    """A database with an administrator and a clerk of the station, nobody signed in, and the
    window as it opens on it."""
    from desktop_app.ui.main_window import MainWindow

    store = ctx.require_store()
    accounts.create_first_admin(store, username="admin", name="张管理", password=ADMIN_PW)
    accounts.add_account(
        store, username="wang", name="王柜员", role="clerk", station_code=STATION[0],
        password=CLERK_PW,
    )  # fmt: skip
    accounts.reset_password(store, "wang", CLERK_PW)
    store.account = None
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.sign_in_dialog is not None and window.sign_in_dialog.isVisible())
    return window


def _type_password(qtbot: Any, dialog: Any, user: str, password: str) -> None:
    dialog.activateWindow()  # as the window system does for a new dialog
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    dialog.username.setFocus()
    dialog.username.selectAll()
    qtbot.keyClick(dialog.username, Qt.Key.Key_Delete)
    type_text(qtbot, dialog.username, user)
    qtbot.keyClick(dialog.username, Qt.Key.Key_Return)  # on to the password
    assert dialog.password.hasFocus()
    type_text(qtbot, dialog.password, password)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)


def _events(store: Any, action: str) -> list[AuditEvent]:
    with store.session() as session:
        rows = session.query(AuditEvent).filter(AuditEvent.action == action).all()
        session.expunge_all()
        return rows


def test_the_window_shows_nothing_until_someone_signs_in(qtbot, locked_window):
    window = locked_window
    assert window.locked()
    assert not window.stack.isVisible()  # no section, no member's data behind the dialog
    assert window.lock_panel.isVisible()
    dialog = window.sign_in_dialog
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # a stray Esc neither unlocks nor quits
    assert dialog.isVisible() and window.isVisible() and window.locked()
    _type_password(qtbot, dialog, "admin", "wrong-password")
    assert "用户名或密码不对" in dialog.error.text()
    assert dialog.password.text() == "" and dialog.password.hasFocus()
    assert window.locked()
    _type_password(qtbot, dialog, "admin", ADMIN_PW)
    qtbot.waitUntil(lambda: not window.locked())
    assert window.stack.isVisible()
    assert window.status_label.text().endswith("经办人：张管理（admin，管理员）")
    assert window.ctx.require_store().account.username == "admin"


def test_five_wrong_passwords_lock_the_account_in_the_window_too(qtbot, locked_window):
    dialog = locked_window.sign_in_dialog
    for _ in range(5):
        _type_password(qtbot, dialog, "admin", "wrong-password")
    assert "锁定 15 分钟" in dialog.error.text()
    _type_password(qtbot, dialog, "admin", ADMIN_PW)
    assert "已锁定到" in dialog.error.text()
    assert locked_window.locked()


def test_a_reset_password_is_replaced_by_the_clerks_own_before_work(qtbot, locked_window):
    dialog = locked_window.sign_in_dialog

    def choose_own() -> None:
        change = QApplication.activeModalWidget()
        assert change is not None and change.objectName() == "changePasswordDialog"
        type_text(qtbot, change.new, "Wang-own-77")
        type_text(qtbot, change.again, "Wang-own-77")
        qtbot.keyClick(change.again, Qt.Key.Key_Return)

    QTimer.singleShot(300, choose_own)
    _type_password(qtbot, dialog, "wang", CLERK_PW)
    qtbot.waitUntil(lambda: not locked_window.locked(), timeout=10_000)
    store = locked_window.ctx.require_store()
    assert not accounts.must_change_password(store)
    assert _events(store, "change_password")


def test_idle_time_signs_out_and_locks_the_window(qtbot, locked_window):
    window = locked_window
    _type_password(qtbot, window.sign_in_dialog, "admin", ADMIN_PW)
    qtbot.waitUntil(lambda: not window.locked())
    window.idle.timer.setInterval(200)
    window.idle.start()
    qtbot.waitUntil(window.locked, timeout=5_000)
    store = window.ctx.require_store()
    assert store.account is None
    assert not window.stack.isVisible()
    assert "没有操作，已锁定" in window.sign_in_dialog.note.text()
    assert [e.actor for e in _events(store, "lock")] == ["张管理（admin）"]
    _type_password(qtbot, window.sign_in_dialog, "admin", ADMIN_PW)
    qtbot.waitUntil(lambda: not window.locked())


def test_a_clerk_sees_what_the_role_may_not_do_disabled_with_the_reason(qtbot, locked_window):
    window = locked_window
    store = window.ctx.require_store()
    accounts.sign_in(store, "admin", ADMIN_PW)
    accounts.set_disabled(store, "wang", False)
    store.account = None
    accounts.sign_in(store, "wang", CLERK_PW)
    accounts.change_own_password(store, CLERK_PW, "Wang-own-77")
    window.ctx.account_changed.emit()
    qtbot.keyClick(window, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    page = window.settings_page
    for button, permission in (
        (page.backup_button, "备份数据库"),
        (page.restore_button, "从备份恢复数据库"),
        (page.save_station_button, "修改服务站和数据库设置"),
    ):
        assert not button.isEnabled(), button.text()
        assert f"没有“{permission}”的权限" in button.toolTip()
