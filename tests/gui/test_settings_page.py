"""设置: station and clerk, the database's place, backups made and restored from the window."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QLabel

from desktop_app.domain.ledger_filter import LedgerFilter
from desktop_app.services import applications, ledger_view, pgpass, station_settings
from desktop_app.ui import errors
from desktop_app.ui.settings import dialogs
from tests.gui.conftest import CLERK, GOOD_CARD, STATION, make_id


class Dialogs:
    """Answers the section's dialogs without a modal loop and keeps what they said."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.confirmations: list[tuple[str, str]] = []
        self.infos: list[tuple[str, str]] = []
        self.errors: list[tuple[str, str]] = []
        self.opened: list[Path] = []
        self.answer = True
        self.chosen: Path | None = None
        monkeypatch.setattr(dialogs, "confirm", self._confirm)
        monkeypatch.setattr(dialogs, "inform", lambda _p, t, x: self.infos.append((t, x)))
        monkeypatch.setattr(dialogs, "choose_backup_file", lambda _p, _folder: self.chosen)
        monkeypatch.setattr(dialogs, "open_folder", self._open)
        monkeypatch.setattr(errors, "present", lambda _p, t, x: self.errors.append((t, x)))

    def _confirm(self, _parent: Any, title: str, text: str, _action: str) -> bool:
        self.confirmations.append((title, text))
        return self.answer

    def _open(self, folder: Path) -> bool:
        self.opened.append(folder)
        return True


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> Dialogs:
    return Dialogs(monkeypatch)


def _open(qtbot: Any, window: Any) -> Any:
    qtbot.keyClick(window, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    page = window.settings_page
    assert window.stack.currentWidget() is page
    return page


def _type_ime(widget: Any, text: str) -> None:
    """Chinese arrives from the input method as a committed string (keyClicks is ASCII only)."""
    from PySide6.QtGui import QInputMethodEvent
    from PySide6.QtWidgets import QApplication

    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


def _replace(qtbot: Any, edit: Any, text: str) -> None:
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    if text.isascii():
        qtbot.keyClicks(edit, text)
    else:
        _type_ime(edit, text)


def _apply(serial: int) -> dict[str, Any]:
    return {
        "scheme": "bj-2026-skills",
        "applied_on": date.today().isoformat(),
        "member": {
            "name": f"张伟{serial}",
            "id_number": make_id(serial),
            "phone": "13800138000",
            "work_unit": "北京市西城区某物业公司",
            "card_number": GOOD_CARD,
        },
        "certificate": {
            "kind": "skill_level",
            "occupation": "无人机驾驶员",
            "level": 3,
            "number": f"S00001101050000{serial}",
            "issued_on": "2026-06-01",
            "issuer": "北京市某职业技能等级认定机构",
        },
    }


def _receipts(store: Any) -> list[str]:
    return sorted(row.receipt for row in ledger_view.ledger(store, LedgerFilter()))


# --- station and clerk ------------------------------------------------------------------------


def test_shows_the_station_and_saving_it_updates_the_store_and_status_bar(
    qtbot: Any, window: Any, answers: Dialogs
) -> None:
    page = _open(qtbot, window)
    assert page.station_code.hasFocus()
    assert (page.station_code.text(), page.station_name.text(), page.district.text()) == STATION

    _replace(qtbot, page.station_code, "xc02")
    _replace(qtbot, page.station_name, "西城区新街口街道工会服务站")
    _replace(qtbot, page.district, "西城区")
    qtbot.keyClick(page.district, Qt.Key.Key_Return)

    saved = station_settings.station(window.ctx.store)
    assert (saved.code, saved.name, saved.district) == (
        "XC02",
        "西城区新街口街道工会服务站",
        "西城区",
    )
    assert page.station_code.text() == "XC02"  # as the service stores it
    assert "西城区新街口街道工会服务站（XC02）" in window.status_label.text()
    assert page.station_message.text().startswith("已保存")
    assert answers.errors == []


def test_the_station_is_saved_in_the_counters_own_file_not_the_database(
    qtbot: Any, window: Any, answers: Dialogs
) -> None:
    """Counters sharing one database each keep their own station (issue 16, part 8)."""
    from desktop_app.services.station_file import read_station_file

    page = _open(qtbot, window)
    _replace(qtbot, page.station_code, "hd07")
    _replace(qtbot, page.station_name, "海淀区某街道工会服务站")
    _replace(qtbot, page.district, "海淀区")
    qtbot.keyClick(page.district, Qt.Key.Key_Return)

    assert read_station_file(window.ctx.home) == {
        "station_code": "HD07",
        "station_name": "海淀区某街道工会服务站",
        "district": "海淀区",
    }
    from desktop_app.storage import repository

    with window.ctx.store.session() as session:
        assert {"station_code", "station_name", "district"}.isdisjoint(
            repository.get_settings(session)
        )
    # The section says where the station is kept.
    assert any(
        "本机数据文件夹的 station.ini" in label.text() for label in page.findChildren(QLabel)
    )
    assert answers.errors == []


def test_a_damaged_station_file_is_said_in_settings_and_saving_there_repairs_it(
    qtbot: Any, window: Any, answers: Dialogs
) -> None:
    (window.ctx.home / "station.ini").write_bytes(b"\x00\xff not a settings file")
    window.ctx.station_saved()  # as the next start reads it
    page = _open(qtbot, window)
    assert "已损坏" in page.station_message.text() and "station.ini" in page.station_message.text()
    assert "服务站设置文件无法读取" in window.status_label.text()
    assert page.station_code.text() == ""

    _replace(qtbot, page.station_code, "XC01")
    _replace(qtbot, page.station_name, "西城区展览路街道工会服务站")
    _replace(qtbot, page.district, "西城区")
    qtbot.keyClick(page.district, Qt.Key.Key_Return)

    assert page.station_message.text().startswith("已保存")
    saved = station_settings.station(window.ctx.store)
    assert (saved.code, saved.name, saved.district) == STATION
    assert f"{STATION[1]}（{STATION[0]}）" in window.status_label.text()
    assert answers.errors == []


def test_an_invalid_station_code_shows_the_message_and_saves_nothing(
    qtbot: Any, window: Any, answers: Dialogs
) -> None:
    page = _open(qtbot, window)
    _replace(qtbot, page.station_name, "另一个名字")
    _replace(qtbot, page.station_code, "X-1")
    qtbot.mouseClick(page.save_station_button, Qt.MouseButton.LeftButton)

    assert page.station_message.isVisible()
    assert page.station_message.text() == "服务站代码应为 2–8 位大写字母或数字，如 XC01"
    assert page.station_code.hasFocus()
    saved = station_settings.station(window.ctx.store)
    assert (saved.code, saved.name, saved.district) == STATION
    assert f"{STATION[1]}（{STATION[0]}）" in window.status_label.text()
    assert answers.errors == []


def test_clerk_name_is_saved_and_shown(qtbot: Any, window: Any, answers: Dialogs) -> None:
    page = _open(qtbot, window)
    assert page.clerk_name.text() == CLERK
    _replace(qtbot, page.clerk_name, "")
    qtbot.keyClick(page.clerk_name, Qt.Key.Key_Return)
    assert page.clerk_message.text() == "经办人姓名不能为空"
    assert window.ctx.clerk == CLERK

    _replace(qtbot, page.clerk_name, "李组长")
    qtbot.keyClick(page.clerk_name, Qt.Key.Key_Return)
    assert window.ctx.clerk == "李组长"
    assert page.clerk_message.text() == "已保存：经办人 李组长"
    assert "经办人：李组长" in window.status_label.text()
    stored = QSettings(str(window.ctx.home / "counter.ini"), QSettings.Format.IniFormat)
    assert stored.value("clerk") == "李组长"


# --- data folder and database --------------------------------------------------------------


def test_data_folder_opens_in_the_file_manager(
    qtbot: Any, window: Any, answers: Dialogs, home: Path
) -> None:
    page = _open(qtbot, window)
    assert page.home_label.text() == str(home)
    assert page.database_label.text() == str(home / "union-counter.sqlite3")
    qtbot.mouseClick(page.open_home_button, Qt.MouseButton.LeftButton)
    assert answers.opened == [home]


def test_a_different_database_is_checked_saved_and_used_at_the_next_start(
    qtbot: Any, window: Any, answers: Dialogs, home: Path
) -> None:
    page = _open(qtbot, window)
    for typed, message in (
        ("mysql://counter@server/union_counter", "不支持“mysql”数据库"),
        ("postgresql://counter:pw@server:notaport/db", "无法识别的数据库地址"),
        ("union.sqlite3", "请写数据库文件的完整路径"),
        (str(home / "没有" / "x.sqlite3"), "文件夹不存在"),
    ):
        _replace(qtbot, page.database_url, typed)
        qtbot.keyClick(page.database_url, Qt.Key.Key_Return)
        assert message in page.url_message.text(), typed
        assert window.ctx.settings.value("database/url") is None

    _replace(qtbot, page.database_url, "postgresql://counter:s3cret@10.0.0.5/union_counter")
    qtbot.mouseClick(page.save_url_button, Qt.MouseButton.LeftButton)
    stored = QSettings(str(home / "counter.ini"), QSettings.Format.IniFormat)
    # The password is not in the settings file: it went to the user's libpq password file.
    assert stored.value("database/url") == "postgresql://counter@10.0.0.5/union_counter"
    assert "s3cret" not in (home / "counter.ini").read_text(encoding="utf-8")
    assert pgpass.has_password("postgresql://counter@10.0.0.5/union_counter")
    assert "10.0.0.5:5432:union_counter:counter:s3cret" in pgpass.password_file().read_text(
        encoding="utf-8"
    )
    assert "下次启动程序时改用" in page.url_message.text()
    assert str(pgpass.password_file()) in page.url_message.text()
    assert "s3cret" not in page.url_message.text() + page.next_database_label.text()
    assert "postgresql://counter@10.0.0.5/union_counter" in page.next_database_label.text()
    assert "这个数据库的密码已保存" in page.password_note.text()
    assert page.database_label.text() == str(home / "union-counter.sqlite3")  # not switched now
    assert page.database_url.text() == ""  # the password does not stay on screen

    # The next start opens what was saved.
    from desktop_app.ui.context import AppContext

    assert AppContext(home).db_url == "postgresql://counter@10.0.0.5/union_counter"

    qtbot.mouseClick(page.default_url_button, Qt.MouseButton.LeftButton)
    assert window.ctx.settings.value("database/url") is None
    assert str(home / "union-counter.sqlite3") in page.next_database_label.text()


# --- backups -------------------------------------------------------------------------------


def test_backup_now_writes_a_file_and_names_it(
    qtbot: Any, window: Any, answers: Dialogs, home: Path, qtmodeltester: Any
) -> None:
    page = _open(qtbot, window)
    before = set((home / "backups").iterdir())
    page.backup_button.setFocus()
    qtbot.keyClick(page.backup_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: page.backup_message.text().startswith("备份已写入"), timeout=10_000)
    new = set((home / "backups").iterdir()) - before
    assert len(new) == 1
    written = new.pop()
    assert written.name.startswith("manual-") and written.suffix == ".sqlite3"
    assert page.backup_message.text() == f"备份已写入：{written}"
    # Listed, newest first, and selected.
    qtmodeltester.check(page.backups)
    assert page.selected_backup().path == written
    assert page.backups.index(page.backup_table.currentIndex().row(), 3).data() == written.name
    assert page.backups.index(0, 1).data() in ("手动备份", "每日自动备份")
    kinds = {page.backups.index(r, 1).data() for r in range(page.backups.rowCount())}
    assert {"手动备份", "每日自动备份"} <= kinds  # the day's automatic one is listed too
    assert page.backup_button.isEnabled()
    assert answers.errors == []


def test_restore_brings_back_the_backup_and_never_reuses_a_receipt_number(
    qtbot: Any, window: Any, answers: Dialogs, home: Path
) -> None:
    ctx = window.ctx
    first = applications.save_application(ctx.store, _apply(1), clerk=CLERK).receipt
    page = _open(qtbot, window)
    qtbot.mouseClick(page.backup_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.backup_message.text().startswith("备份已写入"), timeout=10_000)
    backup = page.selected_backup().path
    later = applications.save_application(ctx.store, _apply(2), clerk=CLERK).receipt
    assert _receipts(ctx.store) == [first, later]

    with qtbot.waitSignal(ctx.store_opened, timeout=20_000):
        qtbot.mouseClick(page.restore_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.restore_message.text().startswith("已从备份恢复"))

    ((title, warning),) = answers.confirmations
    assert title == "从备份恢复"
    assert str(backup) in warning
    assert "当前数据库会先另存到备份文件夹" in warning and "before-restore" in warning
    assert "不会删除" in warning
    # The application saved after the backup is gone; its number is never issued again.
    assert ctx.store is not None
    assert _receipts(ctx.store) == [first]
    again = applications.save_application(ctx.store, _apply(2), clerk=CLERK).receipt
    assert again[:-4] == later[:-4] and int(again[-4:]) == int(later[-4:]) + 1
    # The UI says what happened, where the replaced database is kept.
    kept = sorted((home / "backups").glob("before-restore-*.sqlite3"))
    assert len(kept) == 1
    assert f"被替换的数据库保留在：{kept[0]}" in page.restore_message.text()
    assert answers.infos and answers.infos[0][0] == "恢复完成"
    assert "备份中有申请 1 份" in answers.infos[0][1]
    assert page.backups.row_of(kept[0].name) >= 0  # listed
    assert page.restore_button.isEnabled() and page.backup_button.isEnabled()
    assert (page.station_code.text(), page.station_name.text()) == STATION[:2]
    assert answers.errors == []


def test_restore_asks_first_and_cancel_changes_nothing(
    qtbot: Any, window: Any, answers: Dialogs
) -> None:
    ctx = window.ctx
    page = _open(qtbot, window)
    store = ctx.store
    receipt = applications.save_application(store, _apply(3), clerk=CLERK).receipt
    page.refresh_backups()
    page.backup_table.setFocus()
    qtbot.keyClick(page.backup_table, Qt.Key.Key_Down)
    assert page.selected_backup() is not None
    answers.answer = False
    qtbot.mouseClick(page.restore_button, Qt.MouseButton.LeftButton)
    assert len(answers.confirmations) == 1
    assert ctx.store is store and _receipts(store) == [receipt]
    assert page.restore_message.text() == ""


def test_a_file_that_is_no_backup_is_refused_and_the_database_reopens(
    qtbot: Any, window: Any, answers: Dialogs, tmp_path: Path
) -> None:
    ctx = window.ctx
    receipt = applications.save_application(ctx.store, _apply(4), clerk=CLERK).receipt
    page = _open(qtbot, window)
    bogus = tmp_path / "不是备份.sqlite3"
    bogus.write_text("这不是数据库", encoding="utf-8")
    answers.chosen = bogus
    with qtbot.waitSignal(ctx.store_opened, timeout=20_000):
        qtbot.mouseClick(page.restore_file_button, Qt.MouseButton.LeftButton)
    assert len(answers.confirmations) == 1 and str(bogus) in answers.confirmations[0][1]
    ((title, message),) = answers.errors
    assert title == "没有恢复"
    assert "不是备份" in message or "不能用于恢复" in message, message
    assert "程序内部错误" not in message
    assert page.restore_message.text().startswith("没有恢复：")
    assert _receipts(ctx.store) == [receipt]  # nothing changed
    assert not list((ctx.home / "backups").glob("before-restore-*"))


def test_waits_for_the_database_and_fills_in_when_it_opens(
    qtbot: Any, home: Path, answers: Dialogs
) -> None:
    from desktop_app.services.station_settings import save_station
    from desktop_app.services.store import open_store
    from desktop_app.ui.context import AppContext
    from desktop_app.ui.pages.settings import SettingsPage

    with open_store(None, home) as store:
        save_station(store, actor=CLERK, code="HD07", name="海淀区某街道工会服务站")
    ctx = AppContext(home, clerk=CLERK)
    page = SettingsPage(ctx)  # the window shows before the database is open
    qtbot.addWidget(page)
    assert not page.station_code.isEnabled() and not page.backup_button.isEnabled()
    assert page.clerk_name.text() == CLERK
    # Saving before the database is open says so instead of failing.
    page.save_station()
    assert answers.errors == [("数据库未打开", "数据库还在打开中，请稍候再试。")]
    with qtbot.waitSignal(ctx.store_opened, timeout=20_000):
        ctx.open_store()
    try:
        assert page.station_code.isEnabled() and page.backup_button.isEnabled()
        assert (page.station_code.text(), page.station_name.text()) == (
            "HD07",
            "海淀区某街道工会服务站",
        )
        assert page.database_label.text() == str(home / "union-counter.sqlite3")
        assert page.backups.rowCount() >= 1  # the day's automatic backup
    finally:
        ctx.close()


# --- keyboard ---------------------------------------------------------------------------------


def _letter(text: str) -> str:
    from PySide6.QtGui import QKeySequence

    return QKeySequence.mnemonic(text).toString()


def test_every_button_has_its_own_alt_letter(qtbot: Any, window: Any, answers: Dialogs) -> None:
    from PySide6.QtWidgets import QLabel, QPushButton

    page = _open(qtbot, window)
    buttons = [b.text() for b in page.findChildren(QPushButton)]
    assert len(buttons) == 15  # with 修改我的密码 and the administrator's three of 账户 (hidden)
    assert [t for t in buttons if not _letter(t)] == []
    # Unique among the section's buttons and its labels' letters (which jump to their field),
    # and not taken by the window around it (the first-run note's 首次设置(&W)).
    labels = [label.text() for label in page.findChildren(QLabel) if label.buddy() is not None]
    letters = [_letter(t) for t in buttons + labels if _letter(t)]
    assert len(letters) == len(set(letters)), sorted(letters)
    assert _letter(window.setup_button.text()) not in letters
    # Alt+S saves the station from anywhere in the section.
    _replace(qtbot, page.station_name, "西城区新街口街道工会服务站")
    window.activateWindow()
    qtbot.waitUntil(lambda: window.isActiveWindow())
    qtbot.keyClick(page.clerk_name, "s", Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: page.station_message.text().startswith("已保存"))
    assert station_settings.station(window.ctx.store).name == "西城区新街口街道工会服务站"


def test_the_restore_question_has_alt_letters_and_cancel_is_the_default(
    qtbot: Any, window: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    page = _open(qtbot, window)
    real_confirm = dialogs.confirm
    seen: list[tuple[list[str], str]] = []

    def read_and_press_enter() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, read_and_press_enter)
            return
        seen.append(([b.text() for b in box.buttons()], box.defaultButton().text()))
        qtbot.keyClick(box, Qt.Key.Key_Return)

    monkeypatch.setattr(dialogs, "confirm", real_confirm)
    QTimer.singleShot(0, read_and_press_enter)
    page.restore_from(window.ctx.home / "backups" / "whatever.sqlite3")
    ((buttons, default),) = seen
    assert sorted(buttons) == ["取消(&Q)", "恢复(&R)"] and default == "取消(&Q)"
    assert page.restore_message.text() == ""  # Enter answered 取消: nothing restored


def test_about_shows_the_version_the_build_and_the_policy_fingerprints(
    qtbot: Any, window: Any, boxes: Any
) -> None:
    """设置 → 关于本程序 (Alt+I): the version and build on the page, the policy files'
    SHA-256 in the box (which decisions name), closed with Enter."""
    from desktop_app import __version__
    from desktop_app.services.policies import policy_set
    from tests.gui.conftest import press_alt

    window.show_section("settings")
    page = window.settings_page
    assert page.version_note.text() == f"版本 {__version__}，构建：从源代码运行（未打包）"
    boxes.answer(Qt.Key.Key_Return)
    press_alt(qtbot, page.window(), "I")
    qtbot.waitUntil(lambda: boxes.seen != [])
    shown = boxes.seen[-1]
    assert shown.startswith(f"职工技能补助柜台（union-counter）{__version__}")
    assert "数据库结构版本：" in shown
    for policy in policy_set():
        assert policy.sha256 in shown
    assert boxes.buttons[-1] == ["关闭(&C)"]


# --- what IT fixed for the PC (the machine-wide file) -----------------------------------------


def test_what_it_fixed_is_shown_read_only_with_the_reason_and_the_password_is_kept_apart(
    qtbot: Any, window: Any, answers: Dialogs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    machine = tmp_path / "machine.ini"
    machine.write_text(
        "[station]\ncode = XC09\nname = 西城区德胜街道职工服务站\n"
        "[database]\nurl = postgresql://xc09@10.0.0.5/union\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("UNION_COUNTER_MACHINE_CONFIG", str(machine))
    page = _open(qtbot, window)
    for widget in (page.station_code, page.station_name, page.district, page.save_station_button):
        assert not widget.isEnabled()
        assert f"由管理员在 {machine} 中设定" in widget.toolTip()
    for widget in (page.database_url, page.save_url_button, page.default_url_button):
        assert not widget.isEnabled()
        assert "数据库地址由管理员" in widget.toolTip()
    assert "postgresql://xc09@10.0.0.5/union" in page.next_database_label.text()
    assert f"由管理员在 {machine} 中设定" in page.next_database_label.text()
    assert f"本机设置文件：{machine}（由管理员设定）" in page.machine_note.text()
    assert "管理员设定的服务站：固定，用户不能修改" in page.machine_note.text()
    assert "这个数据库的密码还没有保存" in page.password_note.text()
    assert str(pgpass.password_file()) in page.password_note.text()

    # IT (or the clerk) types the server's password once; it goes to the password file only.
    assert page.database_password.isEnabled()
    page.database_password.setFocus()
    qtbot.keyClicks(page.database_password, "Xc09-pass")
    qtbot.keyClick(page.database_password, Qt.Key.Key_Return)
    assert page.database_password.text() == ""
    assert "密码已保存到" in page.password_message.text()
    assert "10.0.0.5:5432:union:xc09:Xc09-pass" in pgpass.password_file().read_text(
        encoding="utf-8"
    )
    assert "这个数据库的密码已保存" in page.password_note.text()
    assert "Xc09-pass" not in (window.ctx.home / "counter.ini").read_text(encoding="utf-8")

    # The station of every save is IT's now; saving another from here is impossible.
    window.ctx.station_saved()
    assert page.station_code.text() == "XC09"


def test_an_older_versions_saved_address_with_its_password_is_moved_out_at_start(
    qapp: Any, home: Path
) -> None:
    from desktop_app.ui.context import AppContext

    saved = QSettings(str(home / "counter.ini"), QSettings.Format.IniFormat)
    saved.setValue("database/url", "postgresql://counter:old-s3cret@10.0.0.7/union_counter")
    saved.sync()
    ctx = AppContext(home)
    assert ctx.db_url == "postgresql://counter@10.0.0.7/union_counter"
    assert "old-s3cret" not in (home / "counter.ini").read_text(encoding="utf-8")
    assert "10.0.0.7:5432:union_counter:counter:old-s3cret" in pgpass.password_file().read_text(
        encoding="utf-8"
    )
