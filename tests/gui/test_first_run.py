"""首次设置: a new data folder asks for the station and the clerk before anything is saved."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QWidget

from desktop_app.services import ledger_view, station_settings
from desktop_app.ui import errors
from desktop_app.ui.context import AppContext, ClerkNotSetError
from tests.gui.conftest import CLERK, STATION, make_id, type_text

ALT = Qt.KeyboardModifier.AltModifier


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, qapp: Any) -> Path:
    """A data folder never used: no station, no clerk's name (not in the environment either)."""
    from desktop_app.ui.fonts import apply_ui_font, register_fonts

    apply_ui_font(qapp, register_fonts())
    folder = tmp_path / "new-home"
    folder.mkdir()
    monkeypatch.setenv("UNION_COUNTER_HOME", str(folder))
    monkeypatch.delenv("UNION_COUNTER_CLERK", raising=False)
    monkeypatch.delenv("UNION_COUNTER_DB", raising=False)
    return folder


@pytest.fixture
def shown(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    said: list[tuple[str, str]] = []
    monkeypatch.setattr(errors, "present", lambda _p, title, text: said.append((title, text)))
    return said


class Started:
    """The window as `union-counter` starts it, on a data folder, with its database open."""

    def __init__(self, qtbot: Any, home: Path) -> None:
        from desktop_app.ui.app import build_window

        self.ctx = AppContext(home)
        self.window = build_window(self.ctx)
        qtbot.addWidget(self.window)
        self.window.resize(1366, 768)
        self.window.show()
        qtbot.waitExposed(self.window)
        with qtbot.waitSignal(self.ctx.store_opened, timeout=20_000):
            self.ctx.open_store()

    def close(self) -> None:
        from desktop_app.ui.tasks import wait_all

        self.window.close()
        wait_all()
        self.ctx.close()


@pytest.fixture
def start(qtbot: Any) -> Iterator[Any]:
    started: list[Started] = []

    def starting(home: Path) -> Started:
        started.append(Started(qtbot, home))
        return started[-1]

    yield starting
    for one in started:
        one.close()


def _focus_type(qtbot: Any, edit: QWidget, text: str) -> None:
    edit.setFocus()
    type_text(qtbot, edit, text)


def _dialog(qtbot: Any, run: Started) -> Any:
    qtbot.waitUntil(lambda: run.window.setup_dialog is not None)
    dialog = run.window.setup_dialog
    qtbot.waitExposed(dialog)
    dialog.activateWindow()  # as the window system does for a new dialog (Alt letters)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    return dialog


def _fill(qtbot: Any, dialog: Any, code: str, clerk: str = CLERK) -> None:
    """Field by field with Tab, as the dialog's order goes."""
    assert dialog.station_code.hasFocus()
    _focus_type(qtbot, dialog.station_code, code)
    for edit, text in (
        (dialog.station_name, STATION[1]),
        (dialog.district, STATION[2]),
        (dialog.clerk_name, clerk),
    ):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        assert edit.hasFocus()
        if text:
            _focus_type(qtbot, edit, text)
    if dialog.new_admin:  # a database without accounts: the clerk becomes its administrator
        for edit, text in (
            (dialog.admin_username, "admin"),
            (dialog.admin_password, ADMIN_PASSWORD),
            (dialog.admin_again, ADMIN_PASSWORD),
        ):
            qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
            assert edit.hasFocus()
            _focus_type(qtbot, edit, text)
        qtbot.keyClick(dialog.admin_again, Qt.Key.Key_Tab)
    else:
        qtbot.keyClick(dialog.clerk_name, Qt.Key.Key_Tab)
    assert dialog.database_url.hasFocus()


ADMIN_PASSWORD = "Admin-pass-1"


def _stored_clerk(home: Path) -> Any:
    return QSettings(str(home / "counter.ini"), QSettings.Format.IniFormat).value("clerk")


def test_a_new_data_folder_opens_the_setup_after_the_database(
    qtbot: Any, fresh: Path, start: Any, shown: list[tuple[str, str]]
) -> None:
    run = start(fresh)
    dialog = _dialog(qtbot, run)
    assert dialog.windowTitle() == "首次设置"
    assert dialog.isModal() and dialog.station_code.hasFocus()
    assert str(fresh) in dialog.findChild(QWidget, "setupHome").text()
    # The window does not take the login name for the clerk.
    assert run.window.status_label.text() == "服务站未设置　经办人：未填写"
    assert run.window.setup_banner.isVisible()
    assert "服务站、经办人姓名、管理员账户" in run.window.setup_note.text()
    # Every label and button has its Alt letter, none twice.
    from PySide6.QtWidgets import QAbstractButton, QLabel

    texts = [b.text() for b in dialog.findChildren(QAbstractButton)] + [
        label.text() for label in dialog.findChildren(QLabel) if label.buddy() is not None
    ]
    letters = [t.split("(&")[1][0] for t in texts if "(&" in t]
    assert len(letters) == len(texts) == 10 and len(set(letters)) == 10, texts
    assert shown == []


def test_a_bad_station_code_is_said_and_nothing_is_saved(
    qtbot: Any, fresh: Path, start: Any, shown: list[tuple[str, str]]
) -> None:
    run = start(fresh)
    dialog = _dialog(qtbot, run)
    _fill(qtbot, dialog, "X-1")
    qtbot.keyClick(dialog.database_url, Qt.Key.Key_Return)  # Enter on the last field: 完成

    error = dialog.findChild(QWidget, "error_station_code")
    assert error.isVisible()
    assert error.text() == "服务站代码应为 2–8 位大写字母或数字，如 XC01"
    assert dialog.station_code.hasFocus() and dialog.isVisible()
    assert station_settings.station(run.ctx.store) is None
    assert _stored_clerk(fresh) is None
    assert run.window.status_label.text() == "服务站未设置　经办人：未填写"

    # A clerk's name missing as well: said at its own field; still nothing saved.
    dialog.clerk_name.clear()
    dialog.station_code.clear()
    _focus_type(qtbot, dialog.station_code, "XC01")
    qtbot.keyClick(dialog.station_code, Qt.Key.Key_Return)  # Enter moves on, like Tab
    assert dialog.station_name.hasFocus() and dialog.isVisible()
    qtbot.keyClick(dialog, "f", ALT)  # 完成(&F): the button is pressed a moment later
    error = dialog.findChild(QWidget, "error_clerk")
    qtbot.waitUntil(error.isVisible)
    assert error.text() == "经办人姓名不能为空"
    assert dialog.clerk_name.hasFocus()
    assert not dialog.findChild(QWidget, "error_station_code").isVisible()
    assert station_settings.station(run.ctx.store) is None and _stored_clerk(fresh) is None

    # Both wrong at once: both said, the cursor at the first.
    dialog.station_code.clear()
    _focus_type(qtbot, dialog.station_code, "xc 1")
    qtbot.keyClick(dialog.database_url, Qt.Key.Key_Return)
    assert dialog.findChild(QWidget, "error_station_code").isVisible()
    assert dialog.findChild(QWidget, "error_clerk").isVisible()
    assert dialog.station_code.hasFocus()
    dialog.station_code.clear()
    _focus_type(qtbot, dialog.station_code, "XC01")

    # A database address the 设置 page would refuse is refused here too.
    _focus_type(qtbot, dialog.clerk_name, CLERK)
    _focus_type(qtbot, dialog.database_url, "mysql://counter@server/union_counter")
    qtbot.keyClick(dialog.database_url, Qt.Key.Key_Return)
    assert "不支持“mysql”数据库" in dialog.findChild(QWidget, "error_database/url").text()
    assert dialog.database_url.hasFocus()
    assert station_settings.station(run.ctx.store) is None and _stored_clerk(fresh) is None
    assert shown == []


def test_a_complete_entry_saves_station_and_clerk_and_the_next_start_does_not_ask(
    qtbot: Any, fresh: Path, start: Any, shown: list[tuple[str, str]]
) -> None:
    run = start(fresh)
    dialog = _dialog(qtbot, run)
    _fill(qtbot, dialog, "xc01")
    _focus_type(qtbot, dialog.database_url, str(fresh / "counter.sqlite3"))
    with qtbot.waitSignal(dialog.finished):
        qtbot.keyClick(dialog.database_url, Qt.Key.Key_Return)

    saved = station_settings.station(run.ctx.store)
    assert (saved.code, saved.name, saved.district) == STATION
    assert _stored_clerk(fresh) == CLERK
    # The address takes effect at the next start, as 设置 does it.
    assert run.ctx.settings.value("database/url") == str(fresh / "counter.sqlite3")
    assert run.ctx.store.location == str(fresh / "union-counter.sqlite3")
    window = run.window
    # The clerk is the database's first administrator, signed in.
    signed = f"{CLERK}（admin，管理员）"
    assert window.status_label.text() == f"{STATION[1]}（{STATION[0]}）　经办人：{signed}"
    assert not window.setup_banner.isVisible() and window.setup_dialog is None
    assert window.statusBar().currentMessage().startswith("首次设置已完成")
    assert run.ctx.clerk == f"{CLERK}（admin）"
    assert not window.locked()
    assert shown == []
    run.close()

    # The next start (the same data folder, without the address: back to the default file)
    # asks who signs in, and nothing else.
    QSettings(str(fresh / "counter.ini"), QSettings.Format.IniFormat).remove("database/url")
    again = start(fresh)
    qtbot.waitUntil(lambda: again.window.sign_in_dialog is not None)
    assert again.window.locked() and again.window.setup_dialog is None
    assert not again.window.setup_banner.isVisible()
    sign_in = again.window.sign_in_dialog
    assert sign_in.username.text() == "admin"  # who signed in last
    _focus_type(qtbot, sign_in.password, ADMIN_PASSWORD)
    qtbot.keyClick(sign_in.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not again.window.locked())
    assert again.window.status_label.text().endswith(f"经办人：{signed}")


def test_cancel_saves_nothing_and_the_window_says_setup_is_not_done(
    qtbot: Any, fresh: Path, start: Any, shown: list[tuple[str, str]]
) -> None:
    run = start(fresh)
    dialog = _dialog(qtbot, run)
    _fill(qtbot, dialog, "XC01")
    with qtbot.waitSignal(dialog.finished):
        qtbot.keyClick(dialog.database_url, Qt.Key.Key_Escape)

    assert station_settings.station(run.ctx.store) is None and _stored_clerk(fresh) is None
    window = run.window
    assert window.setup_dialog is None
    assert window.statusBar().currentMessage().startswith("首次设置未完成：还不能保存申请")
    assert window.setup_banner.isVisible()
    assert "现在不能保存申请" in window.setup_note.text()
    with pytest.raises(ClerkNotSetError):
        _ = run.ctx.clerk

    # Opened again from the note above the sections (Alt+W), in any section.
    window.show_section("ledger")
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(window, "w", ALT)
    again = _dialog(qtbot, run)
    assert again.station_code.text() == ""
    qtbot.keyClick(again, Qt.Key.Key_Escape)
    assert shown == []


def test_without_a_clerks_name_saving_an_application_is_refused(
    qtbot: Any, fresh: Path, start: Any, shown: list[tuple[str, str]], monkeypatch: Any
) -> None:
    from desktop_app.ui.intake import dialogs
    from tests.gui.test_intake import drone_pilot, focused

    monkeypatch.setattr(dialogs, "ask", lambda *_a: False)
    # A station set elsewhere (e.g. the command line), no clerk's name in this data folder.
    from desktop_app.services.store import open_store

    with open_store(None, fresh) as store:
        station_settings.save_station(
            store, actor="命令行", code="XC01", name=STATION[1], district=STATION[2]
        )
    run = start(fresh)
    dialog = _dialog(qtbot, run)  # asks for what is missing: the clerk's name
    assert dialog.station_code.text() == "XC01" and dialog.clerk_name.hasFocus()
    assert "还缺：经办人姓名" in run.window.setup_note.text()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: run.window.setup_dialog is None)

    window = run.window
    window.show_section("intake")
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    drone_pilot(qtbot, window.intake, make_id(71))
    qtbot.keyClick(focused(), Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    ((title, text),) = shown
    assert title == "未能保存"
    assert "还没有填写经办人姓名" in text and "首次设置" in text
    from desktop_app.domain.ledger_filter import LedgerFilter

    assert list(ledger_view.ledger(run.ctx.store, LedgerFilter())) == []


def test_the_clerk_in_the_environment_counts_as_entered(
    qtbot: Any, fresh: Path, start: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desktop_app.services.store import open_store

    monkeypatch.setenv("UNION_COUNTER_CLERK", "环境变量里的人")
    with open_store(None, fresh) as store:
        station_settings.save_station(store, actor="命令行", code="XC01", name=STATION[1])
    run = start(fresh)
    QApplication.processEvents()
    # Only the first administrator is still to be made (the database has no accounts).
    assert run.window.setup_note.text().startswith("这个数据库还没有账户")
    assert "经办人姓名" not in run.window.setup_note.text()
    assert run.ctx.clerk == "环境变量里的人"


def test_a_station_it_fixed_for_the_pc_is_shown_read_only_and_only_the_clerk_is_asked(
    qtbot: Any,
    fresh: Path,
    start: Any,
    shown: list[tuple[str, str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    machine = tmp_path / "machine.ini"
    machine.write_text(
        "[station]\ncode = XC09\nname = 西城区德胜街道职工服务站\ndistrict = 西城区\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("UNION_COUNTER_MACHINE_CONFIG", str(machine))
    run = start(fresh)
    dialog = _dialog(qtbot, run)  # the clerk's name is missing
    assert dialog.station_code.text() == "XC09"
    for edit in (dialog.station_code, dialog.station_name, dialog.district):
        assert edit.isReadOnly()
        assert f"由管理员在 {machine} 中设定" in edit.toolTip()
    assert dialog.clerk_name.hasFocus()
    _focus_type(qtbot, dialog.clerk_name, CLERK)
    for edit, text in (
        (dialog.admin_username, "admin"),
        (dialog.admin_password, ADMIN_PASSWORD),
        (dialog.admin_again, ADMIN_PASSWORD),
    ):
        _focus_type(qtbot, edit, text)
    with qtbot.waitSignal(dialog.finished):
        qtbot.keyClick(dialog.admin_again, Qt.Key.Key_Return)
        qtbot.keyClick(dialog.database_url, Qt.Key.Key_Return)
    assert _stored_clerk(fresh) == CLERK
    assert not (fresh / "station.ini").exists()  # IT's station is not copied anywhere
    assert station_settings.station(run.ctx.store).code == "XC09"
    assert shown == []
