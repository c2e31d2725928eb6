"""目录: a clerk searches every scheme's catalogue the way 受理 does and reads each amount's source."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from desktop_app.ui.models.catalogue_model import ROW_ROLE


def _open(qtbot: Any, window: Any) -> Any:
    qtbot.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    page = window.catalogue
    assert window.stack.currentWidget() is page
    qtbot.waitUntil(lambda: page.model is not None and page.model.rowCount() > 0)
    return page


def _names(page: Any) -> list[str]:
    model = page.model
    return [model.index(r, 0).data(ROW_ROLE).entry.name for r in range(model.rowCount())]


def _type_ime(widget: Any, text: str) -> None:
    """Chinese arrives from the input method as a committed string (keyClicks is ASCII only)."""
    from PySide6.QtGui import QInputMethodEvent
    from PySide6.QtWidgets import QApplication

    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


def _choose_scheme(qtbot: Any, page: Any, label: str) -> None:
    page.scheme.setFocus()
    target = page.scheme.findText(label)
    assert target >= 0, label
    key = Qt.Key.Key_Down if target > page.scheme.currentIndex() else Qt.Key.Key_Up
    for _ in range(page.scheme.count()):
        if page.scheme.currentIndex() == target:
            break
        qtbot.keyClick(page.scheme, key)
    assert page.scheme.currentText() == label


def test_shown_by_shortcut_lists_every_scheme_with_the_search_focused(
    qtbot: Any, window: Any, qtmodeltester: Any
) -> None:
    page = _open(qtbot, window)
    qtbot.waitUntil(lambda: page.search.hasFocus())
    qtmodeltester.check(page.model)
    schemes = {page.model.index(r, 0).data() for r in range(page.model.rowCount())}
    assert schemes == {"2026年重点群体技能补助", "2016年职业发展助推计划"}
    assert page.count.text() == f"共 {page.model.rowCount()} 项"
    # Newest scheme first; the scheme box offers 全部 and each scheme.
    assert page.model.index(0, 0).data() == "2026年重点群体技能补助"
    items = [page.scheme.itemText(i) for i in range(page.scheme.count())]
    assert items == ["全部方案", "2026年重点群体技能补助", "2016年职业发展助推计划"]


def test_typing_initials_finds_the_drone_pilot_with_its_amounts_and_sources(
    qtbot: Any, window: Any, qtmodeltester: Any
) -> None:
    page = _open(qtbot, window)
    qtbot.keyClicks(page.search, "wrj")
    assert _names(page)[0] == "无人机驾驶员"
    assert set(_names(page)) == {"无人机驾驶员", "无人机装调检修工"}
    qtmodeltester.check(page.model)
    first = [page.model.index(0, c).data() for c in range(page.model.columnCount())]
    assert first[:5] == [
        "2026年重点群体技能补助",
        "无人机驾驶员",
        "4-02-04-06",
        "职业技能等级证书",
        "A档",
    ]
    assert "四级 1800元" in first[6]
    assert page.count.text() == "找到 2 项（共 154 项）"

    # Enter goes to the table; the first row is selected and its detail shows.
    qtbot.keyClick(page.search, Qt.Key.Key_Return)
    assert page.table.hasFocus()
    assert page.current_row().entry.name == "无人机驾驶员"
    detail = page.detail.toPlainText()
    assert "北京市重点群体就业技能提升补助（2026年版）" in detail
    assert "北京市重点群体就业技能提升补助标准目录（2026年版）" in detail
    assert "《补助标准目录（2026年版）》 职业技能等级证书目录 序号10" in detail
    for level, amount in (("五级", 1200), ("四级", 1800), ("三级", 2400)):
        assert (
            f"{level}\n{amount}元\n《补助标准目录（2026年版）》 职业技能等级证书目录 “补助标准”栏（"
            in (detail)
        )
    rates = page.rates.toPlainText()
    assert "A档 中级工（四级） 1800元" in rates  # the catalogue's own words for the level
    assert "属于重点群体（由柜台人员确认）" in rates

    # ↓ moves to the second match and its detail; ↑ twice returns to the search box.
    qtbot.keyClick(page.table, Qt.Key.Key_Down)
    assert "无人机装调检修工" in page.detail.toPlainText()
    assert "序号81" in page.detail.toPlainText()
    qtbot.keyClick(page.table, Qt.Key.Key_Up)
    qtbot.keyClick(page.table, Qt.Key.Key_Up)
    assert page.search.hasFocus()


def test_code_and_full_pinyin_search_the_same_way_as_intake(qtbot: Any, window: Any) -> None:
    page = _open(qtbot, window)
    qtbot.keyClicks(page.search, "4020406")
    assert _names(page)[0] == "无人机驾驶员"
    page.search.clear()
    qtbot.keyClicks(page.search, "wurenjijiashi")
    assert _names(page)[0] == "无人机驾驶员"
    page.search.clear()
    _type_ime(page.search, "没有这种职业")
    assert page.model.rowCount() == 0
    assert page.count.text() == "找到 0 项（共 154 项）"
    assert page.detail.toPlainText() == ""


def test_the_scheme_box_narrows_the_rows_and_shows_that_schemes_rates(
    qtbot: Any, window: Any
) -> None:
    page = _open(qtbot, window)
    _choose_scheme(qtbot, page, "2016年职业发展助推计划")
    schemes = {page.model.index(r, 0).data() for r in range(page.model.rowCount())}
    assert schemes == {"2016年职业发展助推计划"}
    assert page.count.text() == "共 56 项"
    rates = page.rates.toPlainText()
    assert "2016年在职职工职业发展助推计划（新增和调整）" in rates
    assert "证书首次发证日期在2016年1月1日至2016年12月31日（含）之内" in rates
    assert "决赛第2—10名 1000元" in rates
    assert "重点群体" not in rates
    # Ids and fingerprints only in the support area at the end.
    assert "SHA-256" not in rates
    support = rates[rates.index("技术信息") :]
    assert "bj-2016-union-boost" in support and "政策文件指纹" in support
    assert "bj-2016-union-boost" not in rates[: rates.index("技术信息")]

    # The 2016 scheme has no drone pilot; the 2026 scheme has.
    qtbot.keyClicks(page.search, "wrj")
    assert page.model.rowCount() == 0
    _choose_scheme(qtbot, page, "2026年重点群体技能补助")
    assert _names(page)[0] == "无人机驾驶员"
    assert page.search.text() == "wrj"


def test_a_2016_row_shows_its_appraisal_body_and_level_source(qtbot: Any, window: Any) -> None:
    page = _open(qtbot, window)
    _type_ime(page.search, "电力调度员")
    qtbot.keyClick(page.search, Qt.Key.Key_Return)
    row = page.current_row()
    assert row.entry.name == "电力调度员" and row.policy.id == "bj-2016-union-boost"
    detail = page.detail.toPlainText()
    assert "北京电力行业职业技能鉴定中心" in detail
    assert "京工办发〔2016〕55号 附件1 序号6" in detail  # POLICY.md: 6 = 北京电力行业
    assert "一级\n2000元\n京工办发〔2016〕55号 三、助推标准" in detail
    assert "关于印发《2016年在职职工职业发展助推计划" in detail


def test_fills_when_the_catalogue_is_ready_without_being_shown(qtbot: Any, ctx: Any) -> None:
    from desktop_app.ui.pages.catalogue import CataloguePage

    page = CataloguePage(ctx)
    qtbot.addWidget(page)
    assert page.model is None  # nothing loaded at construction
    with qtbot.waitSignal(ctx.catalogue_ready, timeout=10_000):
        ctx.prepare_catalogue()
    assert page.model is not None and page.model.rowCount() == 154


def test_opening_on_the_catalogue_fills_it_after_the_window_is_up(qtbot: Any, ctx: Any) -> None:
    from desktop_app.ui.main_window import MainWindow

    ctx.settings.setValue("window/section", "catalogue")  # the section used last time
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    page = window.catalogue
    assert page.model is None  # nothing built before the window shows
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: page.model is not None and page.model.rowCount() == 154)
    qtbot.waitUntil(lambda: page.search.hasFocus())
    qtbot.keyClicks(page.search, "wrj")
    assert page.current_row().entry.name == "无人机驾驶员"


def test_the_import_button_opens_the_catalogue_import(qtbot: Any, window: Any) -> None:
    from PySide6.QtWidgets import QPushButton

    window.show_section("catalogue")
    button = window.catalogue.findChild(QPushButton, "catalogue_import_button")
    assert button is not None and button.text().startswith("导入新版目录")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    dialog = window.catalogue.import_dialog
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.objectName() == "catalogue_import"
    assert dialog.windowTitle() == "导入目录（新版本）"
    dialog.close()
