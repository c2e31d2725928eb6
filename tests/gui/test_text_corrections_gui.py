"""Issue 16, part 4, the second half, in the window: a name planted with U+202E (and a work
unit with U+200B) behind the program's back is corrected from the ledger's detail with the
keys a clerk presses — the old value shown as ⟨U+XXXX⟩, a bad new value and a missing reason
refused in the dialog, Enter presses nothing, the question's default is 取消 — and the
exports name such a record, write nothing unless the clerk agrees, then write the rest."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desktop_app.services import applications, ledger_view
from desktop_app.services.text_check import hidden_characters
from tests.gui.conftest import CLERK, press_alt, type_text
from tests.gui.test_exchange_gui import (
    Files,
    exports,
    open_export,
    run_export,
    sheet_rows,
    shown,
)
from tests.storage.conftest import apply_input

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

PLANTED = "张\u202eexe.伟"


@pytest.fixture
def saved(ctx: Any, home: Path) -> dict[str, str]:
    """Three applications (name → receipt); 张伟's name then planted with U+202E and 李娜's
    work unit with U+200B, as the sqlite3 tool would."""
    receipts = {}
    for n, name in enumerate(("张伟", "李娜", "王芳"), start=1):
        data = apply_input(50 + n, **{"member.name": name})
        receipts[name] = applications.save_application(
            ctx.store, data, clerk=CLERK, now=datetime(2026, 11, 21, 9, n)
        ).receipt
    with sqlite3.connect(home / "union-counter.sqlite3") as raw:
        raw.execute("UPDATE member SET name = ? WHERE name = '张伟'", (PLANTED,))
        raw.execute("INSERT INTO term (text) VALUES ('北京\u200b某公司')")
        raw.execute(
            "UPDATE member SET work_unit_id = (SELECT id FROM term WHERE text = '北京\u200b某公司')"
            " WHERE name = '李娜'"
        )
    return receipts


@pytest.fixture
def files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Files:
    return Files(monkeypatch, tmp_path)


@pytest.fixture
def ledger(window: Any, saved: dict[str, str], qtbot: Any) -> Any:
    window.show_section("ledger")
    page = window.ledger
    qtbot.waitUntil(lambda: page.model.total == 3)
    return page


def _open(qtbot: Any, page: Any, receipt: str) -> Any:
    page.open_receipt(receipt)
    dialog = page.detail
    qtbot.waitUntil(dialog.isVisible)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    return dialog


def _names(page: Any) -> list[str]:
    return [page.model.index(r, 2).data() for r in range(page.model.rowCount())]


def test_a_planted_name_is_corrected_from_the_detail_with_a_reason_and_confirmation(
    qtbot: Any, ledger: Any, saved: dict[str, str], boxes: Any
) -> None:
    store = ledger.ctx.store
    clean = _open(qtbot, ledger, saved["王芳"])
    assert not clean.correct_button.isVisible()  # nothing to correct: not offered
    clean.close()

    detail = _open(qtbot, ledger, saved["张伟"])
    assert detail.correct_button.isVisible()
    press_alt(qtbot, detail, "T")
    qtbot.waitUntil(lambda: detail.correction is not None and detail.correction.isVisible())
    dialog = detail.correction
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    assert dialog.old.text() == "张⟨U+202E⟩exe.伟"
    assert "U+202E" in dialog.problem.text()
    # The wrapped explanation has its own room: it overlaps neither the old value nor the field.
    assert dialog.old.geometry().bottom() < dialog.problem.geometry().top()
    assert dialog.problem.geometry().bottom() < dialog.value.geometry().top()
    assert dialog.problem.height() >= dialog.problem.heightForWidth(dialog.problem.width())
    assert dialog.value.hasFocus()

    # A new value that breaks the policy: refused in the dialog, nothing asked, nothing changed.
    type_text(qtbot, dialog.value, "张\u200b伟")
    type_text(qtbot, dialog.reason, "按身份证原件更正")
    qtbot.keyClick(dialog.value, Qt.Key.Key_Return)  # Enter presses nothing
    assert dialog.isVisible() and boxes.seen == [] and dialog.message.text() == ""
    press_alt(qtbot, dialog, "O")
    qtbot.waitUntil(lambda: "U+200B" in dialog.message.text())
    assert boxes.seen == [] and dialog.value.hasFocus()

    # No reason: refused.
    dialog.value.clear()
    type_text(qtbot, dialog.value, "张伟")
    dialog.reason.clear()
    press_alt(qtbot, dialog, "O")
    qtbot.waitUntil(lambda: "原因" in dialog.message.text())
    assert boxes.seen == [] and dialog.reason.hasFocus()

    # Asked, and Enter is 取消: nothing changed.
    type_text(qtbot, dialog.reason, "按身份证原件更正")
    boxes.answer(Qt.Key.Key_Return)
    press_alt(qtbot, dialog, "O")
    qtbot.waitUntil(lambda: dialog.message.text() == "未更正。")
    assert "由“张⟨U+202E⟩exe.伟”" in boxes.seen[0] and "改为“张伟”" in boxes.seen[0]
    assert boxes.defaults == ["取消(&N)"]
    assert ledger_view.application_detail(store, saved["张伟"]).row.name == PLANTED

    # Confirmed: corrected, audited, the detail and the ledger follow.
    boxes.answer("Y")
    with qtbot.waitSignal(ledger.ctx.applications_changed):
        press_alt(qtbot, dialog, "O")
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert "已更正" in detail.message.text() and "记入审计记录" in detail.message.text()
    assert not detail.correct_button.isVisible()
    assert "更正申请人" in detail.text.toPlainText()
    assert ledger_view.application_detail(store, saved["张伟"]).row.name == "张伟"
    qtbot.waitUntil(lambda: "张伟" in _names(ledger))
    assert [h.receipt for h in hidden_characters(store).found] == [saved["李娜"]]


def test_the_ledger_export_asks_before_leaving_a_bad_record_out(
    qtbot: Any, ledger: Any, saved: dict[str, str], files: Files, boxes: Any
) -> None:
    dialog = open_export(qtbot, ledger)
    dialog.path_field.setText(str(files.save_to))
    # First time: named in a question whose default is 取消; Enter: nothing written.
    boxes.answer(Qt.Key.Key_Return)
    run_export(qtbot, dialog)
    qtbot.waitUntil(lambda: len(boxes.seen) == 1)
    assert f"{saved['张伟']}　姓名：第 2 个字符是文字方向控制符（U+202E）" in boxes.seen[0]
    assert "\u202e" not in boxes.seen[0]
    assert boxes.defaults == ["取消(&N)"]
    assert not files.save_to.exists() and exports(ledger.ctx.store, "ledger") == []
    assert list(files.folder.iterdir()) == []  # no file, no partial file
    assert "U+202E" in dialog.status.text()

    # Agreed: the rest is written, the receipt left out said and audited.
    boxes.answer("Y")
    run_export(qtbot, dialog)
    qtbot.waitUntil(lambda: files.save_to.exists() and not dialog.running())
    qtbot.waitUntil(lambda: "已导出 2 份申请" in dialog.status.text())
    assert len(boxes.seen) == 2 and saved["张伟"] in boxes.seen[1]  # asked again, agreed
    assert saved["张伟"] in dialog.status.text() and "未导出 1 份" in dialog.status.text()
    rows = sheet_rows(files.save_to)
    assert sorted(row[0] for row in rows[1:]) == sorted([saved["李娜"], saved["王芳"]])
    [event] = exports(ledger.ctx.store, "ledger")
    assert event["skipped_receipts"] == [saved["张伟"]]
    assert files.errors == []


def test_the_exchange_export_asks_too_and_writes_the_clean_rows(
    qtbot: Any, ledger: Any, saved: dict[str, str], files: Files, boxes: Any
) -> None:
    from desktop_app.exchange.batch import read_batch

    files.save_to = files.folder / "交换.xlsx"
    ledger.focus_search()
    qtbot.keyClick(ledger.filters.search, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)  # fmt: skip
    dialog = shown(qtbot, ledger.export_dialog)
    assert dialog.objectName() == "batch_export"
    dialog.path_field.setText(str(files.save_to))
    boxes.answer("Y")
    run_export(qtbot, dialog)
    qtbot.waitUntil(lambda: files.save_to.exists() and not dialog.running())
    assert saved["张伟"] in boxes.seen[0] and saved["李娜"] in boxes.seen[0]
    assert "工作单位" in boxes.seen[0]
    batch = read_batch(files.save_to)
    assert batch.manifest.count == 1
    assert [row[0] for row in batch.rows] == [saved["王芳"]]
