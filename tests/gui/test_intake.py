"""受理 as a clerk uses it: search, keyboard, inline checks, live decision, save, drafts."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from desktop_app.services import intake_form as _form_rules
from desktop_app.services.drafts import draft_path
from desktop_app.ui.intake import dialogs
from tests.gui.conftest import CLERK, GOOD_CARD, make_id, type_text

CTRL = Qt.KeyboardModifier.ControlModifier


class Dialogs:
    """Stands in for the section's dialogs: records what they said and answers questions."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.asked: list[str] = []
        self.informed: list[str] = []
        self.duplicates: list[tuple[str, dict[str, Any]]] = []
        self.answers: list[bool] = []
        monkeypatch.setattr(dialogs, "ask", self._ask)
        monkeypatch.setattr(dialogs, "inform", lambda _p, _t, text: self.informed.append(text))
        monkeypatch.setattr(
            dialogs, "duplicate", lambda _p, text, first: self.duplicates.append((text, first))
        )

    def _ask(self, _parent: Any, _title: str, text: str) -> bool:
        self.asked.append(text)
        return self.answers.pop(0)


@pytest.fixture
def said(monkeypatch: pytest.MonkeyPatch) -> Dialogs:
    return Dialogs(monkeypatch)


def make_window(qtbot: Any, ctx: Any) -> Any:
    """The main window on `ctx`, at the counter's screen size; 受理 shows first."""
    from desktop_app.ui.main_window import MainWindow

    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    win.show_section("intake")
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    return win


@pytest.fixture
def page(qtbot: Any, ctx: Any, said: Dialogs) -> Any:
    return make_window(qtbot, ctx).intake


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def tab(qtbot: Any) -> QWidget:
    qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    return focused()


def choose(qtbot: Any, page: Any, query: str, name: str) -> None:
    search = page.findChild(QWidget, "catalogue_search")
    search.setFocus()
    qtbot.keyClicks(search, query) if query.isascii() else type_text(qtbot, search, query)
    results = page.findChild(QWidget, "catalogue_results")
    qtbot.waitUntil(results.isVisible)
    model = results.model()
    names = [model.index(r, 1).data() for r in range(model.rowCount())]
    for _ in range(names.index(name)):
        qtbot.keyClick(search, Qt.Key.Key_Down)
    qtbot.keyClick(search, Qt.Key.Key_Return)
    assert page.row is not None and page.row.entry.name == name
    assert not results.isVisible()


def fill_member(qtbot: Any, page: Any, name: str, id_number: str, card: str = GOOD_CARD) -> None:
    editor = page.findChild(QWidget, "member.name")
    editor.setFocus()
    type_text(qtbot, editor, name)
    type_text(qtbot, tab(qtbot), id_number)
    type_text(qtbot, tab(qtbot), card)
    type_text(qtbot, tab(qtbot), "13812345678")
    type_text(qtbot, tab(qtbot), "北京某某无人机公司")
    type_text(qtbot, tab(qtbot), "飞手")


def drone_pilot(
    qtbot: Any, page: Any, id_number: str, name: str = "张伟", *, search: bool = True
) -> None:
    if search:
        choose(qtbot, page, "wrj", "无人机驾驶员")
    assert focused().objectName() == "member.name"
    fill_member(qtbot, page, name, id_number)
    level = tab(qtbot)
    assert level.objectName() == "certificate.level"
    qtbot.keyClick(level, Qt.Key.Key_4)
    type_text(qtbot, tab(qtbot), "S000011010")
    type_text(qtbot, tab(qtbot), "2026-05-20")
    type_text(qtbot, tab(qtbot), "北京市某评价机构")
    key_group = tab(qtbot)
    assert key_group.objectName() == "member.key_group"
    qtbot.keyClick(key_group, Qt.Key.Key_Y)


def note(page: Any, field: str) -> str:
    label = page.findChild(QWidget, f"note:{field}")
    return label.text() if label.isVisible() else ""


def text_of(page: Any, name: str) -> str:
    return page.findChild(QWidget, name).text()


def saved_receipts(ctx: Any) -> list[str]:
    from desktop_app.domain.ledger_filter import LedgerFilter
    from desktop_app.services.ledger_view import ledger

    return [row.receipt for row in ledger(ctx.require_store(), LedgerFilter())]


# --- the whole flow --------------------------------------------------------------------------


def test_a_clerks_whole_flow_without_the_mouse(qtbot: Any, window: Any, said: Dialogs) -> None:
    from desktop_app.services.ledger_view import application_detail

    page = window.intake
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    assert focused().objectName() == "catalogue_search"
    qtbot.keyClicks(focused(), "wrj")
    results = page.findChild(QWidget, "catalogue_results")
    assert results.isVisible()
    model = results.model()
    row = [model.index(0, c).data() for c in range(model.columnCount())]
    assert "无人机驾驶员" in row and "4-02-04-06" in row and "A档" in row
    assert any("四级 1800元" in str(cell) for cell in row)
    qtbot.keyClick(focused(), Qt.Key.Key_Return)
    drone_pilot(qtbot, page, make_id(11), search=False)

    assert text_of(page, "decision_headline") == "可补助 1800 元"
    findings = page.decision.model
    lines = [findings.index(r).data() for r in range(findings.rowCount())]
    assert all(line.startswith("✓") for line in lines)
    assert any("1800" in line and "《补助标准目录（2026年版）》" in line for line in lines)
    assert any("重点群体" in line for line in lines)

    with qtbot.waitSignal(window.ctx.applications_changed) as changed:
        qtbot.keyClick(focused(), Qt.Key.Key_S, CTRL)
    receipt = changed.args[0]
    assert receipt.startswith("XC01-")
    assert receipt in text_of(page, "receipt_label")
    assert page.findChild(QWidget, "receipt_banner").isVisible()
    detail = application_detail(window.ctx.require_store(), receipt, full_numbers=True)
    assert detail.row.name == "张伟" and detail.row.amount == 1800
    assert detail.row.id_number == make_id(11)
    assert detail.member["phone"] == "13812345678"
    assert not draft_path(window.ctx.home).exists()

    # Saved: the form is locked until Ctrl+N; a second Ctrl+S saves nothing more.
    assert not page.findChild(QWidget, "member.name").isEnabled()
    qtbot.keyClick(focused(), Qt.Key.Key_S, CTRL)
    assert saved_receipts(window.ctx) == [receipt]
    qtbot.keyClick(focused(), Qt.Key.Key_N, CTRL)
    assert said.asked == []  # nothing unsaved: no question
    assert focused().objectName() == "catalogue_search"
    assert text_of(page, "member.name") == "" and page.row is None
    assert not page.findChild(QWidget, "receipt_banner").isVisible()


def test_the_result_list_follows_the_arrow_keys(qtbot: Any, page: Any) -> None:
    search = page.findChild(QWidget, "catalogue_search")
    qtbot.keyClicks(search, "wrj")
    qtbot.keyClick(search, Qt.Key.Key_Down)
    qtbot.keyClick(search, Qt.Key.Key_Return)
    assert page.row.entry.name == "无人机装调检修工"
    assert "无人机装调检修工（6-23-03-15）" in text_of(page, "chosen_entry")


def test_nothing_found_says_so(qtbot: Any, page: Any) -> None:
    search = page.findChild(QWidget, "catalogue_search")
    qtbot.keyClicks(search, "zzzzqqq")
    assert "没有找到" in text_of(page, "catalogue_search_hint")
    assert not page.findChild(QWidget, "catalogue_results").isVisible()


# --- checks ----------------------------------------------------------------------------------


def test_a_wrong_id_check_character_shows_at_once_and_save_is_refused(
    qtbot: Any, page: Any, ctx: Any
) -> None:
    good = make_id(21)
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    choose(qtbot, page, "wrj", "无人机驾驶员")
    id_field = page.findChild(QWidget, "member.id_number")
    id_field.setFocus()
    qtbot.keyClicks(id_field, wrong[:17])
    assert note(page, "member.id_number") == ""  # still typing: no message yet
    qtbot.keyClicks(id_field, wrong[17])
    assert "校验位不符" in note(page, "member.id_number")
    assert id_field.hasFocus()

    type_text(qtbot, page.findChild(QWidget, "member.name"), "王芳")
    qtbot.keyClick(page.findChild(QWidget, "certificate.level"), Qt.Key.Key_4)
    qtbot.keyClick(page.findChild(QWidget, "member.key_group"), Qt.Key.Key_Y)
    assert "有 1 项输入有误" in text_of(page, "decision_detail")
    qtbot.keyClick(focused(), Qt.Key.Key_S, CTRL)
    assert "未保存" in text_of(page, "intake_message")
    assert "身份证号" in text_of(page, "intake_message")
    assert focused() is id_field
    assert page.receipt is None
    assert saved_receipts(ctx) == []

    # Correcting the last character clears the message; now it saves.
    qtbot.keyClick(id_field, Qt.Key.Key_Backspace)
    qtbot.keyClicks(id_field, good[17])
    assert note(page, "member.id_number") == ""
    qtbot.keyClick(id_field, Qt.Key.Key_S, CTRL)
    assert page.receipt is not None and saved_receipts(ctx) == [page.receipt]


def test_missing_answers_are_named_and_focused(qtbot: Any, page: Any, ctx: Any) -> None:
    choose(qtbot, page, "wrj", "无人机驾驶员")
    fill_member(qtbot, page, "赵强", make_id(22))
    qtbot.keyClick(focused(), Qt.Key.Key_S, CTRL)
    assert focused().objectName() == "certificate.level"
    assert "请选择证书等级" in note(page, "certificate.level")
    assert "属于重点群体" in note(page, "member.key_group")
    assert saved_receipts(ctx) == []


def test_a_date_that_does_not_exist_is_shown_under_the_field(qtbot: Any, page: Any) -> None:
    choose(qtbot, page, "wrj", "无人机驾驶员")
    issued = page.findChild(QWidget, "certificate.issued_on")
    issued.setFocus()
    qtbot.keyClicks(issued, "2026-02-30")
    assert "日期不存在" in note(page, "certificate.issued_on")


def test_key_group_no_pays_nothing(qtbot: Any, page: Any) -> None:
    choose(qtbot, page, "wrj", "无人机驾驶员")
    qtbot.keyClick(page.findChild(QWidget, "certificate.level"), Qt.Key.Key_4)
    qtbot.keyClick(page.findChild(QWidget, "member.key_group"), Qt.Key.Key_N)
    assert text_of(page, "decision_headline") == "不符合条件"
    model = page.decision.model
    failed = [
        model.index(r).data() for r in range(model.rowCount()) if "✗" in model.index(r).data()
    ]
    assert len(failed) == 1 and "不属于重点群体" in failed[0]


def test_an_unconfirmed_key_group_shows_as_a_caution_until_the_clerk_answers(
    qtbot: Any, page: Any, ctx: Any
) -> None:
    """The amount shows at once; the 重点群体 finding says ！ not confirmed, and saving still
    asks for the answer. Y turns it into the clerk's confirmation."""
    from desktop_app.ui.intake.findings_model import PASSED_ROLE

    choose(qtbot, page, "wrj", "无人机驾驶员")
    qtbot.keyClick(page.findChild(QWidget, "certificate.level"), Qt.Key.Key_4)
    assert text_of(page, "decision_headline") == "可补助 1800 元"
    model = page.decision.model

    def key_group_rows() -> list[str]:
        rows = [model.index(r) for r in range(model.rowCount())]
        return [
            f"{i.data()}|{i.data(Qt.ItemDataRole.AccessibleTextRole)}|{i.data(PASSED_ROLE)}"
            for i in rows
            if "重点群体" in i.data()
        ]

    (row,) = key_group_rows()
    assert row.startswith("！ 是否属于重点群体尚未经受理人员确认")
    assert "|请注意：" in row and row.endswith("|True")
    fill_member(qtbot, page, "赵强", make_id(23))
    qtbot.keyClick(focused(), Qt.Key.Key_S, CTRL)
    assert page.receipt is None and saved_receipts(ctx) == []
    assert "属于重点群体" in note(page, "member.key_group")
    qtbot.keyClick(page.findChild(QWidget, "member.key_group"), Qt.Key.Key_Y)
    (row,) = key_group_rows()
    assert row.startswith("✓ 受理人员已确认申请人属于重点群体") and "|符合：" in row


def test_a_duplicate_claim_names_the_first_application(
    qtbot: Any, page: Any, ctx: Any, said: Dialogs
) -> None:
    drone_pilot(qtbot, page, make_id(31))
    qtbot.keyClick(focused(), Qt.Key.Key_S, CTRL)
    first = page.receipt
    assert first is not None
    qtbot.keyClick(focused(), Qt.Key.Key_N, CTRL)
    drone_pilot(qtbot, page, make_id(31), name="张伟")
    qtbot.keyClick(focused(), Qt.Key.Key_S, CTRL)
    assert len(said.duplicates) == 1
    text, details = said.duplicates[0]
    assert first in text and details["receipt"] == first
    assert page.receipt is None and saved_receipts(ctx) == [first]
    assert text_of(page, "member.name") == "张伟"  # input kept


def test_station_not_set_points_to_settings(qtbot: Any, page: Any, ctx: Any, said: Dialogs) -> None:
    from desktop_app.services.station_settings import station_file

    station_file(ctx.require_store()).unlink()  # the counter's station is its data folder's
    drone_pilot(qtbot, page, make_id(32))
    qtbot.keyClick(focused(), Qt.Key.Key_S, CTRL)
    assert len(said.informed) == 1 and "设置" in said.informed[0]
    assert page.receipt is None


# --- next member, drafts ---------------------------------------------------------------------


def test_ctrl_n_asks_before_unsaved_input_is_lost(qtbot: Any, page: Any, said: Dialogs) -> None:
    choose(qtbot, page, "wrj", "无人机驾驶员")
    type_text(qtbot, focused(), "刘洋")
    said.answers = [False]
    qtbot.keyClick(focused(), Qt.Key.Key_N, CTRL)
    assert len(said.asked) == 1 and "未保存" in said.asked[0]
    assert text_of(page, "member.name") == "刘洋" and page.row is not None
    said.answers = [True]
    qtbot.keyClick(focused(), Qt.Key.Key_N, CTRL)
    assert len(said.asked) == 2
    assert text_of(page, "member.name") == "" and page.row is None
    assert focused().objectName() == "catalogue_search"
    assert text_of(page, "decision_headline") == "—"


def test_an_unsaved_form_survives_a_crash(
    qtbot: Any, ctx: Any, home: Path, said: Dialogs, boxes: Any
) -> None:
    from desktop_app.ui.context import AppContext
    from desktop_app.ui.main_window import MainWindow

    first = make_window(qtbot, ctx).intake
    choose(qtbot, first, "wrj", "无人机驾驶员")
    fill_member(qtbot, first, "陈静", make_id(41))
    qtbot.keyClick(first.findChild(QWidget, "certificate.level"), Qt.Key.Key_4)
    path = draft_path(home)
    qtbot.waitUntil(path.exists)
    # The program dies here: nothing else is written. A new start on the same data folder,
    # which last showed 台账: the question comes as the window first shows, before the clerk
    # can type, and Enter (pressed while already typing) restores.
    again = AppContext(home, clerk=CLERK)
    again.open_store_now()
    again.settings.setValue("window/section", "ledger")
    try:
        boxes.answer(Qt.Key.Key_Return)
        window = MainWindow(again)
        qtbot.addWidget(window)
        window.show()
        QApplication.processEvents()  # the first turn of the event loop asks
        assert len(boxes.seen) == 1
        assert "恢复上次未保存的输入" in boxes.seen[0] and "陈静" in boxes.seen[0]
        assert boxes.defaults == ["恢复(&R)"]
        second = window.intake
        assert window.section() == "intake"
        assert text_of(second, "member.name") == "陈静"
        assert text_of(second, "member.id_number") == make_id(41)
        assert text_of(second, "member.card_number") == GOOD_CARD
        assert second.row.entry.name == "无人机驾驶员"
        assert second.findChild(QWidget, "certificate.level").currentData() == 4
        assert "1800" in text_of(second, "decision_headline")
        # Not restoring (Alt+D) sets the draft aside in drafts/discarded: nothing is lost.
        boxes.answer("D")
        third = MainWindow(again)
        qtbot.addWidget(third)
        third.show()
        qtbot.waitUntil(lambda: len(boxes.seen) == 2)
        assert not path.exists()
        kept = list((path.parent / "discarded").glob("intake-*.json"))
        assert len(kept) == 1 and "陈静" in kept[0].read_text(encoding="utf-8")
        assert text_of(third.intake, "member.name") == ""
        assert said.asked == []
    finally:
        again.close()


def test_set_aside_drafts_keep_the_newest_five(home: Path) -> None:
    from datetime import datetime

    from desktop_app.services.drafts import save_draft, set_aside_draft

    for n in range(7):
        save_draft(home, {"member.name": f"第{n}位"})
        set_aside_draft(home, now=datetime(2026, 12, 2, 9, n))
    kept = sorted((draft_path(home).parent / "discarded").glob("*.json"))
    assert [k.name for k in kept] == [f"intake-20261202-09{n:02d}00.json" for n in range(2, 7)]


def test_saving_or_clearing_removes_the_draft(
    qtbot: Any, page: Any, ctx: Any, said: Dialogs
) -> None:
    choose(qtbot, page, "wrj", "无人机驾驶员")
    type_text(qtbot, focused(), "周敏")
    page.write_draft()
    assert draft_path(ctx.home).exists()
    said.answers = [True]
    qtbot.keyClick(focused(), Qt.Key.Key_N, CTRL)
    assert not draft_path(ctx.home).exists()
    page.window_closing()  # nothing typed: nothing written at close
    assert not draft_path(ctx.home).exists()


# --- keyboard order, 2016 cases ---------------------------------------------------------------


def test_tab_follows_the_paper_form(qtbot: Any, page: Any) -> None:
    choose(qtbot, page, "wrj", "无人机驾驶员")
    seen = [focused().objectName()]
    for _ in range(13):
        seen.append(tab(qtbot).objectName())
    assert seen == [
        "member.name",
        "member.id_number",
        "member.card_number",
        "member.phone",
        "member.work_unit",
        "member.position",
        "certificate.level",
        "certificate.number",
        "certificate.issued_on",
        "certificate.issuer",
        "member.key_group",
        "applied_on",
        "save_button",
        "clear_button",
    ]


def test_a_2016_social_worker_registered_on_paper_is_entered_late(
    qtbot: Any, page: Any, ctx: Any
) -> None:
    """Registered on paper on 2017-11-30, typed in today: 登记日期 and 补录原因, found in the
    ledger and the audit trail as a late entry by this clerk."""
    from desktop_app.services.ledger_view import application_detail

    page.now = lambda: datetime(2026, 12, 2, 10, 30)
    choose(qtbot, page, "社会工作者", "社会工作者")
    fill_member(qtbot, page, "李娜", make_id(51))
    shown = [w.objectName() for w in page.tab_fields()]
    assert shown[7:] == [
        "certificate.grade",
        "certificate.number",
        "certificate.approved_on",
        "certificate.issuer",
        "certificate.issued_on",
        "certificate.management_number",
        "member.union_affiliated",
        "member.full_time_union_social_worker",
        "applied_on",  # 补录原因 only shows for an earlier date
        "save_button",
        "clear_button",
        "decision_findings",
    ]
    assert page.row_labels["certificate.issuer"].text() == "签发单位"
    grade = tab(qtbot)
    assert [grade.itemText(i) for i in range(grade.count())][1:] == [
        "社会工作师（中级）",
        "高级社会工作师（高级）",
    ]
    qtbot.keyClick(grade, Qt.Key.Key_Down)
    qtbot.keyClick(grade, Qt.Key.Key_Down)
    assert grade.currentData() == "senior"
    type_text(qtbot, tab(qtbot), "B1100012016")
    type_text(qtbot, tab(qtbot), "20160618")
    type_text(qtbot, tab(qtbot), "北京市人力资源和社会保障局")
    type_text(qtbot, tab(qtbot), "2016-09-20")
    type_text(qtbot, tab(qtbot), "GL-0088")
    qtbot.keyClick(tab(qtbot), Qt.Key.Key_Y)
    qtbot.keyClick(tab(qtbot), Qt.Key.Key_Y)
    # Registered today (2026) the 2016 deadline has passed: a real refusal.
    registered = tab(qtbot)
    assert registered.objectName() == "applied_on" and registered.text() == "2026-12-02"
    assert text_of(page, "decision_headline") == "不符合条件"
    # The paper registration's date: the deadline holds; the reason is asked for.
    registered.selectAll()
    type_text(qtbot, registered, "2017-11-30")
    assert "补录" in note(page, "applied_on")
    reason = tab(qtbot)
    assert reason.objectName() == "late_entry_reason" and reason.isVisible()
    assert text_of(page, "decision_headline") == "可补助 2000 元"
    assert "补录原因" in text_of(page, "decision_detail")
    qtbot.keyClick(focused(), Qt.Key.Key_S, CTRL)
    assert page.receipt is None and "补录原因" in text_of(page, "intake_message")
    assert focused() is reason
    type_text(qtbot, reason, "纸质登记表2017年11月30日已受理，今日补录")
    qtbot.keyClick(focused(), Qt.Key.Key_S, CTRL)
    assert page.receipt is not None and page.receipt.startswith("XC01-20261202-")
    detail = application_detail(ctx.require_store(), page.receipt)
    assert detail.row.amount == 2000
    assert detail.row.applied_on == date(2017, 11, 30)
    assert detail.row.entered_on == date(2026, 12, 2) and detail.row.late_entry
    assert detail.row.late_entry_reason == "纸质登记表2017年11月30日已受理，今日补录"
    assert detail.certificate["management_number"] == "GL-0088"
    assert detail.certificate["approved_on"] == "2016-06-18"
    created = next(e for e in detail.events if e["entity"] == "application")
    assert '"late_entry_reason":"纸质登记表2017年11月30日已受理，今日补录"' in created["details"]
    assert created["actor"] == CLERK


def test_a_window_left_open_overnight_registers_on_the_new_day(qtbot: Any, page: Any) -> None:
    """The 登记日期 the clerk never touched follows the clock past midnight (no 补录 asked the
    next morning); one the clerk typed stays as typed."""
    registered = page.findChild(QWidget, "applied_on")
    page.now = lambda: datetime(2026, 12, 2, 17, 30)
    page.findChild(QWidget, "clear_button").click()  # a new form on the evening of the 2nd
    assert registered.text() == "2026-12-02"
    page.now = lambda: datetime(2026, 12, 3, 8, 30)  # the next morning, the window still open
    choose(qtbot, page, "wrj", "无人机驾驶员")
    assert registered.text() == "2026-12-03"
    assert not page.boxes["late_entry_reason"].isVisibleTo(page)
    assert "补录" not in note(page, "applied_on")
    # Typed by the clerk, the same earlier day is a late entry and is kept.
    registered.setFocus()
    registered.selectAll()
    type_text(qtbot, registered, "2026-12-02")
    page.now = lambda: datetime(2026, 12, 3, 8, 31)
    qtbot.keyClick(page.findChild(QWidget, "certificate.level"), Qt.Key.Key_4)
    assert registered.text() == "2026-12-02"
    assert page.boxes["late_entry_reason"].isVisibleTo(page)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("2026-12-03", "不能晚于今天"),
        ("2015-12-31", "不能早于本方案开始受理的日期（2016年1月1日）"),
    ],
)
def test_a_registration_date_in_the_future_or_before_the_scheme_is_refused(
    qtbot: Any, page: Any, typed: str, message: str
) -> None:
    page.now = lambda: datetime(2026, 12, 2, 10, 30)
    choose(qtbot, page, "电力调度员", "电力调度员")
    registered = page.findChild(QWidget, "applied_on")
    registered.setFocus()
    registered.selectAll()
    type_text(qtbot, registered, typed)
    assert message in note(page, "applied_on")
    fill_member(qtbot, page, "赵强", make_id(52))
    qtbot.keyClick(focused(), Qt.Key.Key_S, CTRL)
    assert page.receipt is None and message in page._problems["applied_on"]
    assert message in note(page, "applied_on")


def test_a_2016_qualification_offers_only_the_funded_levels(qtbot: Any, page: Any) -> None:
    choose(qtbot, page, "电力调度员", "电力调度员")
    registered = page.findChild(QWidget, "applied_on")
    registered.setFocus()
    registered.selectAll()
    type_text(qtbot, registered, "2018-01-02")  # registered after the deadline
    level = page.findChild(QWidget, "certificate.level")
    assert [level.itemData(i) for i in range(1, level.count())] == [1, 2]
    qtbot.keyClick(level, Qt.Key.Key_4)  # not offered: stays unchosen
    assert level.currentData() is None
    qtbot.keyClick(level, Qt.Key.Key_1)
    assert level.currentData() == 1
    assert page.findChild(QWidget, "member.union_affiliated").isVisibleTo(page)
    assert not page.findChild(QWidget, "member.key_group").isVisibleTo(page)
    assert text_of(page, "decision_headline") == "不符合条件"
    assert "截止" in " ".join(
        page.decision.model.index(r).data() for r in range(page.decision.model.rowCount())
    )


# --- models ------------------------------------------------------------------------------------


def test_models_pass_the_model_tester(qtbot: Any, qtmodeltester: Any, page: Any) -> None:
    from desktop_app.ui.intake.findings_model import PASSED_ROLE, FindingsModel

    drone_pilot(qtbot, page, make_id(61))
    model = page.decision.model
    assert model.rowCount() > 3
    assert model.index(0).data(PASSED_ROLE) is True
    qtmodeltester.check(model)
    qtmodeltester.check(FindingsModel())
    qtmodeltester.check(page.search.model())


def test_ctrl_n_with_only_an_occupation_chosen_asks_nothing(
    qtbot: Any, page: Any, said: Dialogs
) -> None:
    choose(qtbot, page, "wrj", "无人机驾驶员")
    assert page.row is not None
    qtbot.keyClick(focused(), Qt.Key.Key_N, CTRL)
    assert said.asked == []
    assert page.row is None and focused().objectName() == "catalogue_search"
    # A level chosen is a certificate detail: now it asks.
    choose(qtbot, page, "wrj", "无人机驾驶员")
    level = page.findChild(QWidget, "certificate.level")
    level.setFocus()
    qtbot.keyClick(level, Qt.Key.Key_4)
    said.answers = [False]
    qtbot.keyClick(focused(), Qt.Key.Key_N, CTRL)
    assert len(said.asked) == 1 and page.row is not None


def test_grade_keys_choose_the_social_worker_level(qtbot: Any, page: Any) -> None:
    choose(qtbot, page, "shgzz", "社会工作者")
    grade = page.findChild(QWidget, "certificate.grade")
    grade.setFocus()
    qtbot.keyClick(grade, Qt.Key.Key_3)
    assert grade.currentData() == "senior"
    qtbot.keyClick(grade, Qt.Key.Key_2)
    assert grade.currentData() == "intermediate"
    assert "1 初级" in grade.itemText(0)


def _panel_texts(page: Any) -> str:
    model = page.decision.model
    lines = [model.index(r).data() for r in range(model.rowCount())]
    tips = [model.index(r).data(Qt.ItemDataRole.ToolTipRole) for r in range(model.rowCount())]
    return "\n".join(
        [text_of(page, "decision_headline"), text_of(page, "decision_detail"), *lines, *tips]
    )


def test_incomplete_is_pending_not_refused(qtbot: Any, page: Any) -> None:
    """An occupation chosen, nothing typed: 待补充 with what is missing, in neutral colours."""
    import re

    choose(qtbot, page, "wrj", "无人机驾驶员")
    assert text_of(page, "decision_headline") == "待补充"
    assert page.decision.state == "pending"
    assert text_of(page, "decision_detail") == "还需填写：姓名、身份证号、等级、属于重点群体"
    lines = [page.decision.model.index(r).data() for r in range(page.decision.model.rowCount())]
    assert not [line for line in lines if line.startswith("✗")]
    assert any(line.startswith("… 缺少证书等级") for line in lines)
    # A level chosen: the amount shows, with what saving still needs.
    qtbot.keyClick(page.findChild(QWidget, "certificate.level"), Qt.Key.Key_4)
    assert text_of(page, "decision_headline") == "可补助 1800 元"
    assert text_of(page, "decision_detail") == "保存前还需填写：姓名、身份证号、属于重点群体"
    # A real refusal is red, whatever else is missing.
    qtbot.keyClick(page.findChild(QWidget, "member.key_group"), Qt.Key.Key_N)
    assert (
        text_of(page, "decision_headline") == "不符合条件" and page.decision.state == "ineligible"
    )
    assert not re.search(
        r"\b(member|certificate|competition)\.[a-z_]+|applied_on", _panel_texts(page)
    )


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("shgzz", "社会工作者"),
        ("电力调度员", "电力调度员"),
        ("wrj", "无人机驾驶员"),
        ("母婴", "母婴照护"),
    ],
)
def test_the_decision_panel_never_shows_an_input_path(
    qtbot: Any, page: Any, query: str, name: str
) -> None:
    import re

    choose(qtbot, page, query, name)
    for field in rules_fields(page):
        editor = page.findChild(QWidget, field)
        if editor is not None and editor.isVisibleTo(page) and hasattr(editor, "values"):
            values = editor.values()
            if values:
                editor.set_value(values[-1])
        text = _panel_texts(page)
        assert not re.search(r"\b(member|certificate|competition)\.[a-z_]+|applied_on", text), text


def rules_fields(page: Any) -> list[str]:
    return [*_form_rules.MEMBER_FIELDS, *_form_rules.CERTIFICATE_FIELDS, *_form_rules.CONFIRMATIONS]


def test_a_name_pasted_with_a_bidi_override_is_refused_at_its_field(
    qtbot: Any, page: Any, ctx: Any
) -> None:
    drone_pilot(qtbot, page, make_id(31), name="王\u202eexe.芳")
    # Said under the field at once, before any save.
    assert "U+202E" in note(page, "member.name") and "文字方向控制符" in note(page, "member.name")
    qtbot.keyClick(focused(), Qt.Key.Key_S, CTRL)
    message = text_of(page, "intake_message") + note(page, "member.name")
    assert "未保存" in text_of(page, "intake_message")
    assert "U+202E" in message and "文字方向控制符" in message
    assert focused() is page.findChild(QWidget, "member.name")
    assert page.receipt is None and saved_receipts(ctx) == []
