"""台账 as a clerk uses it: find applications by name, receipt, ID number, status, scheme and
date; numbers masked; open one with the keyboard, read its findings and history, change its
status (退回 needs a reason) and see the table follow."""

from __future__ import annotations

import copy
from datetime import date, datetime
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.gui.conftest import CLERK, GOOD_CARD, make_id, press_alt, type_text

# The offscreen platform says this when a dialog or a page is shown on its own.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

COLUMN = {"receipt": 0, "date": 1, "name": 2, "id": 3, "card": 4, "scheme": 5, "status": 9}

# name, serial, born, scheme, applied_on
PEOPLE = (
    ("张伟", 11, date(1985, 3, 7), "2026", "2026-11-18"),
    ("李娜", 12, date(1990, 6, 1), "2026", "2026-11-19"),
    ("王芳", 13, date(1979, 1, 2), "2026", "2026-11-20"),
    ("欧阳明", 14, date(1988, 8, 8), "2016", "2017-03-15"),
    ("赵磊", 15, date(1992, 12, 30), "2026", "2026-11-21"),
)


def _input(name: str, serial: int, born: date, scheme: str, applied_on: str) -> dict[str, Any]:
    if scheme == "2016":
        return {
            "scheme": "bj-2016-union-boost",
            "applied_on": applied_on,
            "late_entry_reason": "纸质登记表补录",
            "member": {
                "name": name,
                "id_number": make_id(serial, born),
                "card_number": GOOD_CARD,
                "union_affiliated": True,
            },
            "certificate": {
                "kind": "qualification",
                "occupation": "电力调度员",
                "level": 1,
                "issued_on": "2016-09-20",
            },
        }
    return copy.deepcopy(
        {
            "scheme": "bj-2026-skills",
            "applied_on": applied_on,
            "late_entry_reason": "纸质登记表补录",
            "member": {
                "name": name,
                "id_number": make_id(serial, born),
                "phone": "13800138000",
                "work_unit": "北京市西城区某物业公司",
                "card_number": GOOD_CARD,
            },
            "certificate": {
                "kind": "skill_level",
                "occupation": "无人机驾驶员",
                "level": 4,
                "number": "S000011010500001",
                "issued_on": "2026-06-01",
            },
        }
    )


@pytest.fixture
def saved(ctx: Any) -> dict[str, str]:
    """Five applications (name → receipt); 王芳's is printed."""
    from desktop_app.services.applications import save_application
    from desktop_app.services.status import change_status

    receipts: dict[str, str] = {}
    for n, person in enumerate(PEOPLE):
        result = save_application(
            ctx.store, _input(*person), clerk=CLERK, now=datetime(2026, 11, 21, 9, n)
        )
        receipts[person[0]] = result.receipt
    change_status(ctx.store, receipts["王芳"], "printed", actor=CLERK)
    return receipts


@pytest.fixture
def page(window: Any, saved: dict[str, str], qtbot: Any) -> Any:
    window.show_section("ledger")
    ledger = window.ledger
    qtbot.waitUntil(lambda: ledger.model.total == len(PEOPLE))
    return ledger


def _names(page: Any) -> list[str]:
    model = page.model
    return [model.index(r, COLUMN["name"]).data() for r in range(model.rowCount())]


def _search(page: Any, qtbot: Any, text: str) -> None:
    field = page.filters.search
    field.clear()
    type_text(qtbot, field, text)
    qtbot.keyClick(field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not page.model.busy and page.model.total is not None)


def test_the_model_passes_the_model_tester(ctx: Any, saved: Any, qtmodeltester: Any, qtbot: Any):
    from desktop_app.services.ledger_view import make_filter
    from desktop_app.ui.models.ledger_model import LedgerModel

    # Pages of two rows: growing page by page, then counted, then read from anchors.
    model = LedgerModel(page_size=2, sync_rows=2)
    model.set_query(ctx.store, make_filter())
    qtmodeltester.check(model)
    qtbot.waitUntil(lambda: not model.busy)
    assert model.rowCount() == len(PEOPLE)
    qtmodeltester.check(model)
    names = [model.index(r, COLUMN["name"]).data() for r in range(model.rowCount())]
    assert names == [p[0] for p in reversed(PEOPLE)]  # newest first


def test_section_shows_newest_first_with_numbers_masked(page: Any, saved: Any) -> None:
    assert page.filters.search.hasFocus()
    assert page.count_label.text() == "共 5 条"
    assert _names(page) == ["赵磊", "欧阳明", "王芳", "李娜", "张伟"]
    model = page.model
    shown_id = model.index(4, COLUMN["id"]).data()
    full_id = make_id(11, date(1985, 3, 7))
    assert shown_id != full_id and "*" in shown_id
    assert shown_id[:6] == full_id[:6] and shown_id[-4:] == full_id[-4:]
    card = model.index(4, COLUMN["card"]).data()
    assert card.endswith(GOOD_CARD[-4:]) and GOOD_CARD not in card
    assert model.index(4, COLUMN["receipt"]).data() == saved["张伟"]
    assert model.index(2, COLUMN["status"]).data() == "已打印"
    assert model.index(1, COLUMN["scheme"]).data().startswith("2016")
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers == [
        "受理编号", "受理日期", "姓名", "身份证号", "京卡卡号", "方案",
        "证书类别/项目", "等级", "补助金额", "状态", "服务站", "经办人",
    ]  # fmt: skip


def test_find_by_name_receipt_and_id_number(page: Any, saved: Any, qtbot: Any) -> None:
    _search(page, qtbot, "李娜")
    assert _names(page) == ["李娜"]
    assert page.count_label.text() == "共 1 条"

    _search(page, qtbot, saved["王芳"])
    assert _names(page) == ["王芳"]

    # The receipt's sequence part only ("-0003" is 王芳's): a fragment finds it too.
    _search(page, qtbot, saved["王芳"][-6:])
    assert _names(page) == ["王芳"]

    # The start of an ID number (region and birthday).
    _search(page, qtbot, make_id(13, date(1979, 1, 2))[:12])
    assert _names(page) == ["王芳"]

    _search(page, qtbot, "龘")
    assert _names(page) == []
    assert page.count_label.text() == "没有符合条件的申请"

    # Esc empties the search: everything again.
    qtbot.keyClick(page.filters.search, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: page.model.total == 5)


def test_typing_filters_after_a_pause(page: Any, qtbot: Any) -> None:
    type_text(qtbot, page.filters.search, "赵")
    qtbot.waitUntil(lambda: _names(page) == ["赵磊"], timeout=3000)


def test_filter_by_status_scheme_and_dates(page: Any, saved: Any, qtbot: Any) -> None:
    filters = page.filters
    filters.status.setFocus()
    filters.status.setCurrentIndex(filters.status.findText("已打印"))
    qtbot.waitUntil(lambda: _names(page) == ["王芳"])
    filters.status.setCurrentIndex(0)
    qtbot.waitUntil(lambda: page.model.total == 5)

    filters.scheme.setCurrentIndex(filters.scheme.findData("bj-2016-union-boost"))
    qtbot.waitUntil(lambda: _names(page) == ["欧阳明"])
    filters.scheme.setCurrentIndex(filters.scheme.findData("bj-2026-skills"))
    qtbot.waitUntil(lambda: _names(page) == ["赵磊", "王芳", "李娜", "张伟"])
    filters.scheme.setCurrentIndex(0)

    qtbot.keyClicks(filters.date_from, "2026-11-19")
    qtbot.keyClick(filters.date_from, Qt.Key.Key_Return)
    qtbot.keyClicks(filters.date_to, "20261120")
    qtbot.keyClick(filters.date_to, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _names(page) == ["王芳", "李娜"])

    # A date that is not a date: said so, the list stays as it was.
    filters.date_to.clear()
    qtbot.keyClicks(filters.date_to, "2026-02-30")
    qtbot.keyClick(filters.date_to, Qt.Key.Key_Return)
    assert "2026年2月30日" in page.message.text()
    assert _names(page) == ["王芳", "李娜"]
    filters.date_to.clear()
    qtbot.keyClick(filters.date_to, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _names(page) == ["赵磊", "王芳", "李娜"])
    assert page.message.text() == ""


def test_keyboard_opens_the_detail_with_findings_and_history(
    page: Any, saved: Any, qtbot: Any
) -> None:
    _search(page, qtbot, "王芳")
    qtbot.keyClick(page.filters.search, Qt.Key.Key_Down)
    assert page.view.hasFocus()
    assert page.view.currentIndex().row() == 0
    qtbot.keyClick(page.view, Qt.Key.Key_Return)
    dialog = page.detail
    assert dialog is not None and dialog.isVisible()
    assert dialog.windowTitle() == f"申请详情 {saved['王芳']}"
    text = dialog.text.toPlainText()
    assert "符合条件，补助 1800 元" in text
    assert "无人机驾驶员" in text and "中级工（四级）" in text
    assert "《补助标准目录" in text or "附件" in text  # each finding with its source
    finding = dialog.detail.decision["findings"][0]
    assert finding["message"] in text and finding["source"] in text
    # Saved without the 重点群体 confirmation (as an import would): marked, not passed over.
    assert "！ 请注意\n是否属于重点群体尚未经受理人员确认" in text
    assert "已受理" in text and "已打印" in text  # status history
    assert "新建申请" in text  # audit events
    assert "更改状态申请" in text and "已受理 → 已打印" in text  # read as words, not JSON
    assert '"after"' not in text and "{" not in text
    main, support = text.split("技术信息")
    assert "bj-2026-skills" not in main and "指纹" not in main
    assert "bj-2026-skills" in support and "政策文件指纹" in support
    assert make_id(13, date(1979, 1, 2)) not in text  # ID masked
    # Printed: next is 已报送 or 退回, and nothing is chosen for the clerk.
    targets = [dialog.target.itemText(i) for i in range(dialog.target.count())]
    assert targets == ["（请选择新状态）", "已报送", "退回"]
    assert dialog.target.currentData() is None and not dialog.apply_button.isEnabled()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    qtbot.waitUntil(page.view.hasFocus)
    # ↑ on the first row: back to the search field.
    qtbot.keyClick(page.view, Qt.Key.Key_Up)
    assert page.filters.search.hasFocus()


def test_returning_needs_a_reason_two_confirmations_and_the_row_follows(
    page: Any, saved: Any, qtbot: Any, boxes: Any
) -> None:
    from desktop_app.services.ledger_view import application_detail

    page.view.setFocus()
    page._select(3)  # 李娜
    assert page.model.index(3, COLUMN["name"]).data() == "李娜"
    page.open_current()
    dialog = page.detail
    dialog.target.setCurrentIndex(dialog.target.findText("退回"))
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    assert "退回必须写明原因" in dialog.message.text()
    assert dialog.focusWidget() is dialog.reason
    assert boxes.seen == []  # nothing asked before the reason is there
    assert application_detail(page.ctx.store, saved["李娜"]).row.status == "accepted"

    type_text(qtbot, dialog.reason, "证书复印件不清楚")
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)  # Enter in the reason changes nothing
    assert boxes.seen == []
    # First question: confirmed with its Alt letter; the second: Enter is 取消.
    boxes.answer("Y", Qt.Key.Key_Return)
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    assert len(boxes.seen) == 2
    assert "李娜" in boxes.seen[0] and saved["李娜"] in boxes.seen[0]
    assert "由“已受理”改为“退回”" in boxes.seen[0] and "1800 元" in boxes.seen[0]
    assert "证书复印件不清楚" in boxes.seen[1]
    assert boxes.defaults == ["取消(&N)", "取消(&N)"]
    assert application_detail(page.ctx.store, saved["李娜"]).row.status == "accepted"
    assert dialog.message.text() == "未更改状态。"

    # Both confirmed: returned.
    boxes.answer("Y", "Q")
    with qtbot.waitSignal(page.ctx.applications_changed):
        qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    assert "已改为“退回”" in dialog.message.text()
    assert "证书复印件不清楚" in dialog.text.toPlainText()
    assert dialog.target.isEnabled() is False  # 退回 is final
    qtbot.waitUntil(lambda: page.model.index(3, COLUMN["status"]).data() == "退回")
    assert page.model.index(3, COLUMN["name"]).data() == "李娜"
    assert page.view.currentIndex().row() == 3  # selection kept
    detail = application_detail(page.ctx.store, saved["李娜"])
    assert detail.row.status == "returned"
    assert detail.history[-1]["reason"] == "证书复印件不清楚"


def test_enter_held_down_on_a_ledger_row_changes_nothing(
    page: Any, saved: Any, qtbot: Any, boxes: Any
) -> None:
    from desktop_app.services.ledger_view import application_detail

    _search(page, qtbot, "王芳")  # 已打印
    qtbot.keyClick(page.filters.search, Qt.Key.Key_Down)
    qtbot.keyClick(page.view, Qt.Key.Key_Return)
    dialog = page.detail
    qtbot.waitUntil(dialog.isVisible)
    # Enter again and again, and auto-repeated, wherever Tab leads: no status changes.
    for _ in range(6):
        qtbot.keyClick(dialog.focusWidget() or dialog, Qt.Key.Key_Return)
        qtbot.keyPress(dialog.focusWidget() or dialog, Qt.Key.Key_Enter)
    for _ in range(8):
        qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Tab)
        qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)
    assert boxes.seen == []
    assert application_detail(page.ctx.store, saved["王芳"]).row.status == "printed"
    assert not [b for b in dialog.findChildren(type(dialog.apply_button)) if b.isDefault()]

    # A target chosen with the keys, the button pressed with Space: the question comes, and
    # Enter (held down: pressed three times) answers 取消.
    dialog.target.setFocus()
    qtbot.keyClick(dialog.target, Qt.Key.Key_Down)
    assert dialog.target.currentText() == "已报送"
    assert dialog.apply_button.isEnabled()
    boxes.answer(Qt.Key.Key_Return)
    dialog.apply_button.setFocus()
    qtbot.keyClick(dialog.apply_button, Qt.Key.Key_Space)
    qtbot.keyClick(dialog.apply_button, Qt.Key.Key_Return)
    qtbot.keyClick(dialog.apply_button, Qt.Key.Key_Return)
    assert len(boxes.seen) == 1 and "由“已打印”改为“已报送”" in boxes.seen[0]
    assert application_detail(page.ctx.store, saved["王芳"]).row.status == "printed"


def test_a_confirmed_change_can_be_undone_by_its_maker(
    page: Any, saved: Any, qtbot: Any, boxes: Any
) -> None:
    from desktop_app.services.ledger_view import application_detail

    _search(page, qtbot, "王芳")
    qtbot.keyClick(page.filters.search, Qt.Key.Key_Down)
    qtbot.keyClick(page.view, Qt.Key.Key_Return)
    dialog = page.detail
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)  # Alt letters reach it
    # The fixture printed it as this clerk, in this session: that change may be undone.
    assert dialog.undo_button.isVisible()
    dialog.target.setCurrentIndex(dialog.target.findText("已报送"))
    boxes.answer("Y")
    with qtbot.waitSignal(page.ctx.applications_changed):
        press_alt(qtbot, dialog, "S")
    assert application_detail(page.ctx.store, saved["王芳"]).row.status == "submitted"
    assert dialog.undo_button.isVisible()
    assert "已打印 → 已报送" in dialog.undo_button.toolTip()

    # Undo: asked first (Enter = 取消), then confirmed.
    boxes.answer(Qt.Key.Key_Return)
    press_alt(qtbot, dialog, "U")  # a mnemonic clicks a moment later (animateClick)
    qtbot.waitUntil(lambda: len(boxes.seen) == 2)
    assert "改回“已打印”" in boxes.seen[-1] and boxes.defaults[-1] == "取消(&N)"
    assert application_detail(page.ctx.store, saved["王芳"]).row.status == "submitted"
    boxes.answer("Y")
    with qtbot.waitSignal(page.ctx.applications_changed):
        press_alt(qtbot, dialog, "U")
    assert "已撤销，改回“已打印”" in dialog.message.text()
    detail = application_detail(page.ctx.store, saved["王芳"])
    assert detail.row.status == "printed"
    assert "撤销第2步" in detail.history[-1]["reason"]
    assert "撤销状态更改申请" in dialog.text.toPlainText()
    qtbot.waitUntil(lambda: page.model.index(0, COLUMN["status"]).data() == "已打印")

    # Paid cannot be undone: after 已报送 → 已发放 there is no undo.
    dialog.target.setCurrentIndex(dialog.target.findText("已报送"))
    boxes.answer("Y")
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    dialog.target.setCurrentIndex(dialog.target.findText("已发放"))
    boxes.answer("Y", "Q")
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    assert "不能撤销" in boxes.seen[-1]
    assert application_detail(page.ctx.store, saved["王芳"]).row.status == "paid"
    assert not dialog.undo_button.isVisible()


def test_another_clerk_cannot_undo(page: Any, saved: Any, qtbot: Any, boxes: Any) -> None:
    from desktop_app.services.status import change_status

    change_status(page.ctx.store, saved["王芳"], "已报送", actor="李柜员")
    dialog = page.open_receipt(saved["王芳"])
    assert dialog is not None and not dialog.undo_button.isVisible()


def test_a_new_application_shows_when_saved(page: Any, qtbot: Any) -> None:
    from desktop_app.services.applications import save_application

    result = save_application(
        page.ctx.store, _input("孙丽", 16, date(1995, 5, 5), "2026", "2026-11-21"), clerk=CLERK
    )
    page.ctx.applications_changed.emit(result.receipt)
    qtbot.waitUntil(lambda: page.model.total == 6)
    assert page.model.index(0, COLUMN["name"]).data() == "孙丽"
    assert page.count_label.text() == "共 6 条"


def test_the_page_waits_for_the_database(qtbot: Any, home: Any, qapp: Any) -> None:
    """Built before the database opens (the window shows first): loads when it opens."""
    from desktop_app.services.applications import save_application
    from desktop_app.services.station_settings import save_station
    from desktop_app.services.store import open_store
    from desktop_app.ui.context import AppContext
    from desktop_app.ui.pages.ledger import LedgerPage

    context = AppContext(home, clerk=CLERK)
    page = LedgerPage(context)
    qtbot.addWidget(page)
    page.show()
    page.section_shown()
    assert page.count_label.text() == "正在打开数据库…"
    assert page.model.rowCount() == 0
    store = open_store(None, home, auto_backup=False)
    save_station(store, code="XC01", name="站", district="西城区", actor=CLERK)
    save_application(store, _input(*PEOPLE[0]), clerk=CLERK)
    context.replace_store(store)
    qtbot.waitUntil(lambda: page.model.total == 1)
    assert page.model.index(0, COLUMN["name"]).data() == "张伟"
    from desktop_app.ui.tasks import wait_all

    wait_all()
    context.close()


def test_a_name_planted_behind_the_programs_back_shows_its_hidden_characters(
    ctx: Any, saved: Any, qtbot: Any, home: Any
) -> None:
    import sqlite3

    from desktop_app.services.ledger_view import application_detail, make_filter
    from desktop_app.ui.ledger.detail import detail_html
    from desktop_app.ui.models.ledger_model import LedgerModel

    with sqlite3.connect(home / "union-counter.sqlite3") as raw:
        raw.execute("UPDATE member SET name = ? WHERE name = '张伟'", ("张\u202eexe.伟\x07",))
    model = LedgerModel()
    model.set_query(ctx.store, make_filter())
    qtbot.waitUntil(lambda: not model.busy and model.rowCount() == len(PEOPLE))
    names = [model.index(r, COLUMN["name"]).data() for r in range(model.rowCount())]
    assert "张⟨U+202E⟩exe.伟⟨U+0007⟩" in names
    assert not any("\u202e" in name or "\x07" in name for name in names)
    html = detail_html(application_detail(ctx.store, saved["张伟"]))
    assert "张⟨U+202E⟩exe.伟⟨U+0007⟩" in html and "\u202e" not in html


# --- a receipt scanned from its QR code --------------------------------------------------------
# A USB scanner types the code's text like a keyboard, fast, with or without an Enter after it.


def _scan(qtbot: Any, widget: Any, text: str, *, enter: bool = True) -> None:
    qtbot.keyClicks(widget, text)
    if enter:
        qtbot.keyClick(widget, Qt.Key.Key_Return)


@pytest.mark.parametrize("enter", [True, False], ids=["with Enter", "without Enter"])
def test_a_scanned_receipt_opens_its_application(
    page: Any, saved: Any, qtbot: Any, enter: bool
) -> None:
    page.focus_search()
    _scan(qtbot, page.filters.search, saved["李娜"].lower(), enter=enter)  # Caps Lock off
    qtbot.waitUntil(lambda: page.detail is not None and page.detail.isVisible())
    dialog = page.detail
    assert dialog.windowTitle() == f"申请详情 {saved['李娜']}"
    assert "状态：已受理" in dialog.heading.text()
    qtbot.waitUntil(lambda: _names(page) == ["李娜"])  # the table shows it behind the detail
    qtbot.wait(400)  # past the debounce: the scan opened it once, nothing opened it again
    assert page.detail is dialog and dialog.isVisible()
    # Closed, the search field has the number selected: the next scan replaces it.
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    page.window().activateWindow()  # as a desktop's window manager does (offscreen has none)
    qtbot.waitUntil(lambda: page.filters.search.hasFocus())
    assert page.filters.search.selectedText() == saved["李娜"].lower()
    _scan(qtbot, page.filters.search, saved["王芳"])
    qtbot.waitUntil(
        lambda: page.detail is not None and page.detail.windowTitle().endswith(saved["王芳"])
    )
    assert "状态：已打印" in page.detail.heading.text()


def test_an_unknown_scanned_receipt_is_said_without_a_message_box(
    page: Any, saved: Any, qtbot: Any, boxes: Any
) -> None:
    page.focus_search()
    _scan(qtbot, page.filters.search, "CY09-20261121-0042")
    qtbot.waitUntil(lambda: "找不到受理编号为 CY09-20261121-0042 的申请" in page.message.text())
    assert page.detail is None and not boxes.seen
    assert page.filters.search.hasFocus()
    assert page.filters.search.selectedText() == "CY09-20261121-0042"
    qtbot.waitUntil(lambda: page.model.total == 0)


def test_a_part_of_a_receipt_number_stays_a_search(page: Any, saved: Any, qtbot: Any) -> None:
    _search(page, qtbot, saved["李娜"][:-1])  # one digit short
    qtbot.wait(400)
    assert page.detail is None
    assert len(_names(page)) >= 1


def test_a_receipt_scanned_into_the_intake_search_opens_it_in_the_ledger(
    window: Any, saved: Any, qtbot: Any
) -> None:
    window.show_section("intake")
    search = window.intake.search
    qtbot.waitUntil(lambda: search.edit.isEnabled())
    search.edit.setFocus()
    _scan(qtbot, search.edit, saved["欧阳明"], enter=False)  # a scanner set up without Enter
    assert "回车打开这份申请" in search.hint.text() and not search.results.isVisible()
    qtbot.waitUntil(lambda: window.section() == "ledger")
    ledger = window.ledger
    qtbot.waitUntil(lambda: ledger.detail is not None and ledger.detail.isVisible())
    assert ledger.detail.windowTitle() == f"申请详情 {saved['欧阳明']}"
    assert search.edit.text() == ""  # the next member's occupation starts afresh
    ledger.detail.reject()
    window.show_section("intake")
    search.edit.setFocus()
    _scan(qtbot, search.edit, saved["赵磊"])  # with its Enter: at once
    qtbot.waitUntil(
        lambda: ledger.detail is not None and ledger.detail.windowTitle().endswith(saved["赵磊"])
    )
    assert window.section() == "ledger"


# --- 报送: batches, the 报送清单, the 协会's answer, through the window ------------------------


def _status_of(ctx: Any, receipt: str) -> str:
    from desktop_app.services.ledger_view import application_detail

    return application_detail(ctx.store, receipt).row.status_label


@pytest.fixture
def told(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    from desktop_app.ui.ledger import submission

    said: list[tuple[str, str]] = []
    monkeypatch.setattr(submission, "tell", lambda _parent, title, text: said.append((title, text)))
    return said


def test_a_claim_goes_from_printed_to_paid_through_the_window(
    page: Any, saved: Any, qtbot: Any, boxes: Any, told: Any, monkeypatch: Any, tmp_path: Any,
    ctx: Any,
) -> None:  # fmt: skip
    import io

    from openpyxl import load_workbook
    from pypdf import PdfReader

    from desktop_app.services.status import change_status
    from desktop_app.ui.exchange import common
    from desktop_app.ui.ledger import submission

    for name in ("张伟", "李娜"):
        change_status(ctx.store, saved[name], "printed", actor=CLERK)
    filters = page.filters
    filters.status.setCurrentIndex(filters.status.findText("已打印"))
    qtbot.waitUntil(lambda: sorted(_names(page)) == sorted(["张伟", "李娜", "王芳"]))
    page.view.setFocus()
    page.view.selectAll()
    # Ctrl+B: asked first (取消 the default); 建立批次 with Alt+Y.
    boxes.answer("Y")
    qtbot.keyClick(page.view, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(told))
    assert "把选中的 3 份申请编成一个报送批次" in boxes.seen[0]
    assert boxes.defaults[0] == "取消(&N)"
    title, text = told.pop()
    assert title == "已建立报送批次" and "XC01-BS-2026-0001" in text
    assert {_status_of(ctx, saved[n]) for n in ("张伟", "李娜", "王芳")} == {"已报送"}

    # The batch's list: printed to PDF, exported for the 协会.
    dialog = page.submission.show_batches()
    assert dialog.table.rowCount() == 1 and dialog.table.item(0, 0).text() == "XC01-BS-2026-0001"
    pdf, book = tmp_path / "清单.pdf", tmp_path / "清单.xlsx"
    monkeypatch.setattr(submission, "choose_pdf_path", lambda *_a: pdf)
    monkeypatch.setattr(common, "choose_save_path", lambda *_a: book)
    qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
    text = PdfReader(io.BytesIO(pdf.read_bytes())).pages[0].extract_text()
    assert all(saved[n] in text for n in ("张伟", "李娜", "王芳")) and "合计：3 份" in text
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert book.exists()
    dialog.reject()

    # The 协会's answer: 张伟 and 王芳 passed, 李娜 refused.
    workbook = load_workbook(book)
    sheet = workbook.active
    for row in range(3, 6):
        receipt = sheet.cell(row, 2).value
        if receipt == saved["李娜"]:
            sheet.cell(row, 9).value, sheet.cell(row, 12).value = "不通过", "证书信息不符"
        else:
            sheet.cell(row, 9).value = "通过"
    answered = tmp_path / "结果.xlsx"
    workbook.save(answered)
    monkeypatch.setattr(common, "choose_open_paths", lambda *_a: [answered])
    page.submission.import_results()
    title, text = told.pop()
    assert title == "审核结果已导入" and "通过 2 份" in text and "不通过 1 份" in text
    assert _status_of(ctx, saved["张伟"]) == "已发放" and _status_of(ctx, saved["李娜"]) == "退回"


def test_a_batch_is_withdrawn_through_the_window_only_with_a_reason(
    page: Any, saved: Any, ctx: Any, monkeypatch: Any, told: Any
) -> None:
    from desktop_app.services import submissions
    from desktop_app.ui.ledger.submission import WithdrawDialog

    batches = submissions.create_batch(ctx.store, [saved["王芳"]], actor=CLERK)
    dialog = page.submission.show_batches()
    monkeypatch.setattr(WithdrawDialog, "ask", classmethod(lambda cls, *_a: ""))  # 取消
    assert not dialog.withdraw()
    assert _status_of(ctx, saved["王芳"]) == "已报送"
    monkeypatch.setattr(WithdrawDialog, "ask", classmethod(lambda cls, *_a: "漏盖公章"))
    assert dialog.withdraw()
    assert _status_of(ctx, saved["王芳"]) == "已打印"
    assert dialog.table.item(0, 6).text() == "已撤回" and batches.number.endswith("0001")
    # The reason dialog itself: 撤回 stays off until a reason is typed, and is not the default.
    reason = WithdrawDialog(dialog, batches.number, 1)
    assert not reason.go.isEnabled() and not reason.go.isDefault()
    reason.reason.setText("  ")
    assert not reason.go.isEnabled()
    reason.reason.setText("重新整理")
    assert reason.go.isEnabled()


def test_a_station_clerk_is_not_offered_the_submission(page: Any, ctx: Any) -> None:
    from desktop_app.services import accounts

    actions = [a.text() for a in page.submission.menu.actions() if a.text()]
    assert actions == [
        "把选中的申请编成报送批次(&N)…",
        "报送批次：清单、撤回(&L)…",
        "导入协会审核结果(&R)…",
    ]
    store = ctx.store
    accounts.create_first_admin(store, username="admin", name="张管理", password="Admin-pass-1")
    accounts.add_account(store, username="wang", name="王柜员", role="clerk", station_code="XC01",
                         password="Clerk-pass-1")  # fmt: skip
    store.account = None
    accounts.sign_in(store, "wang", "Clerk-pass-1")
    page.submission.gate()
    create, listing, results = (
        page.submission.create_action,
        page.submission.list_action,
        (page.submission.results_action),
    )
    assert not create.isEnabled() and "把申请设为已报送" in create.toolTip()
    assert not results.isEnabled() and "把申请设为已发放" in results.toolTip()
    assert listing.isEnabled() and page.submission.button.isEnabled()
