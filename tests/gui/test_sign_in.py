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


def _to_settings(qtbot: Any, window: Any) -> None:
    """Ctrl+4, once the window has the keyboard again after the sign-in."""
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(window, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    assert window.stack.currentWidget() is window.settings_page


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
    _to_settings(qtbot, window)
    page = window.settings_page
    for button, permission in (
        (page.backup_button, "备份数据库"),
        (page.restore_button, "从备份恢复数据库"),
        (page.save_station_button, "修改服务站和数据库设置"),
    ):
        assert not button.isEnabled(), button.text()
        assert f"没有“{permission}”的权限" in button.toolTip()
    assert not page.accounts_box.isVisible()  # only an administrator sees the accounts
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    ledger = window.ledger
    assert not ledger.export_button.isEnabled()
    assert "没有“导出台账（身份证号遮挡）”的权限" in ledger.export_button.toolTip()
    assert ledger.batch_button.isEnabled()  # a clerk prints
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert window.intake.save_button.isEnabled()


def test_a_district_reviewer_does_not_save_at_a_counter(qtbot, locked_window):
    window = locked_window
    store = window.ctx.require_store()
    accounts.sign_in(store, "admin", ADMIN_PW)
    accounts.add_account(
        store, username="qu", name="区审核", role="district_reviewer", station_code=None,
        password=CLERK_PW,
    )  # fmt: skip
    store.account = None
    accounts.sign_in(store, "qu", CLERK_PW)
    accounts.change_own_password(store, CLERK_PW, "Qu-own-pass-9")
    window.ctx.account_changed.emit()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    save = window.intake.save_button
    assert not save.isEnabled()
    assert "区审核员" in save.toolTip() and "受理并保存申请" in save.toolTip()
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.ledger.export_button.isEnabled()


def test_the_administrator_makes_resets_and_disables_accounts_in_settings(
    qtbot, locked_window, monkeypatch
):
    from desktop_app.ui.settings import dialogs
    from desktop_app.ui.settings.accounts_box import AccountDialog

    window = locked_window
    _type_password(qtbot, window.sign_in_dialog, "admin", ADMIN_PW)
    qtbot.waitUntil(lambda: not window.locked())
    _to_settings(qtbot, window)
    box = window.settings_page.accounts_box
    assert box.isVisible()
    assert box.usernames == ["admin", "wang"]

    def fill_new() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, AccountDialog)
        type_text(qtbot, dialog.username, "zhao")
        type_text(qtbot, dialog.name, "赵站长")
        dialog.role.setCurrentIndex(dialog.role.findData("reviewer"))
        type_text(qtbot, dialog.password, "Zhao-temp-12")
        type_text(qtbot, dialog.again, "Zhao-temp-12")
        qtbot.mouseClick(
            dialog.findChild(type(box.add_button), "saveAccount"), Qt.MouseButton.LeftButton
        )

    QTimer.singleShot(200, fill_new)
    qtbot.mouseClick(box.add_button, Qt.MouseButton.LeftButton)
    assert box.usernames == ["admin", "wang", "zhao"]
    assert "已建立账户 zhao（赵站长，站长/审核员）" in box.message.text()

    monkeypatch.setattr(dialogs, "confirm", lambda *_args: True)
    box.table.selectRow(box.usernames.index("wang"))
    qtbot.mouseClick(box.toggle_button, Qt.MouseButton.LeftButton)
    assert box.table.item(box.usernames.index("wang"), 4).text() == "已停用"
    store = window.ctx.require_store()
    with pytest.raises(accounts.SignInError, match="已停用"):
        accounts.sign_in(store, "wang", CLERK_PW)


def test_the_idle_time_is_the_one_it_set_for_the_pc(qtbot, ctx, tmp_path, monkeypatch):
    from desktop_app.ui.main_window import MainWindow

    machine = tmp_path / "machine.ini"
    machine.write_text("[security]\nidle_minutes = 3\n", encoding="utf-8")
    monkeypatch.setenv("UNION_COUNTER_MACHINE_CONFIG", str(machine))
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    assert window.idle.timer.interval() == 3 * 60_000


def test_a_signed_in_clerk_changes_the_own_password_in_settings(qtbot, locked_window):
    window = locked_window
    _type_password(qtbot, window.sign_in_dialog, "admin", ADMIN_PW)
    qtbot.waitUntil(lambda: not window.locked())
    _to_settings(qtbot, window)
    page = window.settings_page
    assert page.own_password_button.isVisible()

    def fill() -> None:
        dialog = QApplication.activeModalWidget()
        assert dialog is not None and dialog.objectName() == "changePasswordDialog"
        type_text(qtbot, dialog.old, "wrong-old-pass")
        type_text(qtbot, dialog.new, "Admin-new-22")
        type_text(qtbot, dialog.again, "Admin-new-22")
        qtbot.keyClick(dialog.again, Qt.Key.Key_Return)
        assert "原密码不对" in dialog.error.text()  # nothing changed; asked again
        type_text(qtbot, dialog.old, ADMIN_PW)
        type_text(qtbot, dialog.new, "Admin-new-22")
        type_text(qtbot, dialog.again, "Admin-new-22")
        qtbot.keyClick(dialog.again, Qt.Key.Key_Return)

    QTimer.singleShot(200, fill)
    qtbot.mouseClick(page.own_password_button, Qt.MouseButton.LeftButton)
    assert page.clerk_message.text() == "密码已修改。"
    store = window.ctx.require_store()
    store.account = None
    assert accounts.sign_in(store, "admin", "Admin-new-22").username == "admin"


def test_the_exchange_menu_offers_what_the_role_may_do(qtbot, locked_window):
    window = locked_window
    store = window.ctx.require_store()
    accounts.sign_in(store, "admin", ADMIN_PW)
    accounts.add_account(
        store, username="li", name="李站长", role="reviewer", station_code=STATION[0],
        password=CLERK_PW,
    )  # fmt: skip
    accounts.reset_password(store, "li", CLERK_PW)
    store.account = None
    accounts.sign_in(store, "li", CLERK_PW)
    accounts.change_own_password(store, CLERK_PW, "Li-own-pass-5")
    window.ctx.account_changed.emit()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    ledger = window.ledger
    assert ledger.exchange_button.isEnabled()
    assert ledger.exchange_export_action.isEnabled()
    assert ledger.exchange_import_action.isEnabled()
    assert not ledger.register_key_action.isEnabled()
    assert "管理签名密钥和登记公钥" in ledger.register_key_action.toolTip()


def test_the_lock_closes_every_other_window_with_a_members_data(qtbot, locked_window):
    from desktop_app.services import applications
    from tests.gui.conftest import GOOD_CARD, make_id

    window = locked_window
    _type_password(qtbot, window.sign_in_dialog, "admin", ADMIN_PW)
    qtbot.waitUntil(lambda: not window.locked())
    store = window.ctx.require_store()
    data = {
        "scheme": "bj-2026-skills",
        "member": {"name": "张伟", "id_number": make_id(7), "phone": "13800138000",
                   "work_unit": "北京市西城区某物业公司", "card_number": GOOD_CARD},
        "certificate": {"kind": "skill_level", "occupation": "无人机驾驶员", "level": 3,
                        "number": "S000011010500007", "issued_on": "2026-06-01",
                        "issuer": "北京市某职业技能等级认定机构"},
    }  # fmt: skip
    receipt = applications.save_application(store, data, clerk="x").receipt
    detail = window.ledger.open_receipt(receipt)
    assert detail is not None
    qtbot.waitUntil(detail.isVisible)
    window._idle()  # the idle time is up
    assert window.locked()
    assert not detail.isVisible()
    assert window.sign_in_dialog is not None and window.sign_in_dialog.isVisible()


def test_an_administrators_restore_in_the_window_asks_who_signs_in_afterwards(
    qtbot, locked_window, monkeypatch
):
    from desktop_app.ui.settings import dialogs

    window = locked_window
    _type_password(qtbot, window.sign_in_dialog, "admin", ADMIN_PW)
    qtbot.waitUntil(lambda: not window.locked())
    _to_settings(qtbot, window)
    page = window.settings_page
    monkeypatch.setattr(dialogs, "confirm", lambda *_args: True)
    monkeypatch.setattr(dialogs, "inform", lambda *_args: None)
    qtbot.mouseClick(page.backup_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.backup_message.text().startswith("备份已写入"), timeout=10_000)
    page.refresh_backups()
    page.backup_table.selectRow(0)
    with qtbot.waitSignal(window.ctx.store_opened, timeout=20_000):
        qtbot.mouseClick(page.restore_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.restore_message.text().startswith("已从备份恢复"))
    # The backup's accounts now: nobody is signed in on the restored database.
    assert window.ctx.require_store().account is None
    qtbot.waitUntil(window.locked)
    _type_password(qtbot, window.sign_in_dialog, "admin", ADMIN_PW)
    qtbot.waitUntil(lambda: not window.locked())
