"""台账's Excel windows as a clerk uses them: 导出 (Ctrl+E) writes what the filter bar selects,
masked unless 完整证件号 is ticked (then audited); 取消 leaves no file; 交换文件 → 导出 at a
station and → 导入 at the district (another database) adds the applications and says what
happened per file; a bad file lists its row problems, which can be saved as a workbook.

The system file dialogs and the error dialogs are replaced (ui/exchange/common.py,
ui/errors.py); the work runs off the GUI thread as in the program."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from desktop_app.exchange.errors import Problem
from desktop_app.exchange.ledger_book import LEDGER_HEADER, LEDGER_SHEET
from desktop_app.services import applications, audit_trail, ledger_view, station_settings
from desktop_app.services import status as status_service
from desktop_app.storage.models import AuditEvent
from desktop_app.ui import errors, tasks
from desktop_app.ui.exchange import common
from desktop_app.ui.exchange.problems import HEADERS, ProblemsModel
from tests.gui.conftest import CLERK
from tests.storage.conftest import apply_input, make_id

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier

# name, serial, applied_on, scheme
PEOPLE = (
    ("张伟", 41, "2026-11-18", "2026"),
    ("李娜", 42, "2026-11-19", "2026"),
    ("王芳", 43, "2026-11-20", "2026"),
    ("欧阳明", 44, "2017-03-15", "2016"),
)


def _input(name: str, serial: int, applied_on: str, scheme: str) -> dict[str, Any]:
    if scheme == "2016":
        return apply_input(
            serial,
            scheme="bj-2016-union-boost",
            applied_on=applied_on,
            **{
                "member.name": name,
                "member.union_affiliated": True,
                "certificate.kind": "qualification",
                "certificate.occupation": "油务员",
                "certificate.level": 1,
                "certificate.issued_on": "2016-06-01",
            },
        )
    return apply_input(serial, applied_on=applied_on, **{"member.name": name})


class Files:
    """Stands in for the system file dialogs and the error dialogs."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        self.folder = tmp_path / "usb"
        self.folder.mkdir()
        self.save_to: Path | None = self.folder / "台账.xlsx"
        self.open: list[Path] = []
        self.asked: list[tuple[str, Path]] = []
        self.errors: list[tuple[str, str]] = []
        # The dialogs suggest the folder last used, else the user's home: a folder of the test.
        self.home = tmp_path / "user"
        self.home.mkdir()
        monkeypatch.setenv("HOME", str(self.home))
        monkeypatch.setattr(common, "choose_save_path", self._save)
        monkeypatch.setattr(common, "choose_open_paths", self._open)
        monkeypatch.setattr(
            errors, "present", lambda _p, title, text: self.errors.append((title, text))
        )

    def _save(self, _parent: Any, title: str, suggested: Path) -> Path | None:
        self.asked.append((title, suggested))
        return self.save_to

    def _open(self, _parent: Any, _title: str, _folder: Path) -> list[Path]:
        return list(self.open)


@pytest.fixture
def files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Files:
    return Files(monkeypatch, tmp_path)


@pytest.fixture
def saved(ctx: Any) -> dict[str, str]:
    """Four applications (name → receipt) at station XC01; 王芳's is printed."""
    receipts = {}
    for n, person in enumerate(PEOPLE):
        result = applications.save_application(
            ctx.store, _input(*person), clerk=CLERK, now=datetime(2026, 11, 21, 9, n)
        )
        receipts[person[0]] = result.receipt
    status_service.change_status(ctx.store, receipts["王芳"], "printed", actor=CLERK)
    return receipts


@pytest.fixture
def ledger(window: Any, saved: dict[str, str], qtbot: Any) -> Any:
    window.show_section("ledger")
    page = window.ledger
    qtbot.waitUntil(lambda: page.model.total == len(PEOPLE))
    return page


def shown(qtbot: Any, dialog: Any) -> Any:
    """The dialog (a child of its page, closed with the window) shown and active."""
    qtbot.waitUntil(dialog.isVisible)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    return dialog


def activate(qtbot: Any, page: Any) -> None:
    """The page's window active again (shortcuts work in the active window only)."""
    page.window().activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is page.window())


def receipts_shown(page: Any) -> list[str]:
    return [page.receipt_at(row) for row in range(page.model.rowCount())]


def sheet_rows(path: Path) -> list[tuple[Any, ...]]:
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return list(book[LEDGER_SHEET].iter_rows(values_only=True))
    finally:
        book.close()


def exports(store: Any, entity: str) -> list[dict[str, Any]]:
    with store.session() as session:
        events = session.execute(
            select(AuditEvent)
            .where(AuditEvent.action == "export", AuditEvent.entity == entity)
            .order_by(AuditEvent.id)
        ).scalars()
        return [json.loads(event.details) for event in events]


def open_export(qtbot: Any, page: Any) -> Any:
    """Ctrl+E in the ledger's search field: the export dialog."""
    activate(qtbot, page)
    page.focus_search()
    qtbot.keyClick(page.filters.search, Qt.Key.Key_E, CTRL)
    assert page.export_dialog is not None and page.export_dialog.objectName() == "ledger_export"
    return shown(qtbot, page.export_dialog)


def run_export(qtbot: Any, dialog: Any) -> None:
    """Enter in the file field presses 导出; wait for the work to end."""
    dialog.path_field.setFocus()
    qtbot.keyClick(dialog.path_field, Qt.Key.Key_Return)
    assert dialog.task is not None
    qtbot.waitUntil(lambda: not dialog.running())


# --- 台账 → 导出 --------------------------------------------------------------------------------


def test_export_writes_what_the_filter_selects_masked(
    qtbot: Any, ledger: Any, saved: dict[str, str], files: Files
) -> None:
    filters = ledger.filters
    filters.scheme.setCurrentIndex(filters.scheme.findData("bj-2026-skills"))
    filters.date_from.setText("2026-11-19")
    filters.apply_now()
    qtbot.waitUntil(lambda: ledger.model.total == 2)
    expected = receipts_shown(ledger)
    assert set(expected) == {saved["李娜"], saved["王芳"]}

    dialog = open_export(qtbot, ledger)
    described = dialog.findChild(type(dialog.status), "export_filter").text()
    assert "2026-11-19" in described and "2026" in described
    assert not dialog.full_ids.isChecked() and not dialog.full_ids_note.isVisibleTo(dialog)
    qtbot.mouseClick(dialog.browse_button, Qt.MouseButton.LeftButton)  # 选择…
    assert files.asked and files.asked[0][1].suffix == ".xlsx"
    assert dialog.path_field.text() == str(files.save_to)
    run_export(qtbot, dialog)

    assert files.errors == []
    text = dialog.status.text()
    assert "已导出 2 份申请" in text and str(files.save_to) in text and "已遮挡" in text
    rows = sheet_rows(files.save_to)
    assert rows[0] == LEDGER_HEADER
    assert [row[0] for row in rows[1:]] == expected  # the ledger's rows, in its order
    full = {make_id(42), make_id(43)}
    assert all("*" in row[3] and row[3] not in full for row in rows[1:])
    assert all(row[4].startswith("*") for row in rows[1:])
    total = sum(row[10] for row in rows[1:])
    assert f"补助合计 {total:,} 元" in text
    [event] = exports(ledger.ctx.store, "ledger")
    assert event["full_ids"] is False and event["rows"] == 2
    assert "2026-11-19" in event["filter"]


def test_search_text_is_exported_too(
    qtbot: Any, ledger: Any, saved: dict[str, str], files: Files
) -> None:
    ledger.filters.search.setText(saved["李娜"])
    dialog = open_export(qtbot, ledger)
    assert saved["李娜"] in dialog.findChild(type(dialog.status), "export_filter").text()
    qtbot.waitUntil(lambda: receipts_shown(ledger) == [saved["李娜"]])
    suggested = Path(dialog.path_field.text())
    assert suggested.parent == files.home and suggested.name.startswith("台账_")
    run_export(qtbot, dialog)
    assert [row[0] for row in sheet_rows(suggested)[1:]] == [saved["李娜"]]
    # The next export suggests the folder used last.
    dialog.close()
    again = open_export(qtbot, ledger)
    assert Path(again.path_field.text()).parent == files.home


def test_full_ids_unmask_and_are_audited(
    qtbot: Any, ledger: Any, saved: dict[str, str], files: Files
) -> None:
    dialog = open_export(qtbot, ledger)
    dialog.full_ids.setFocus()
    qtbot.keyClick(dialog.full_ids, Qt.Key.Key_Space)
    assert dialog.full_ids.isChecked()
    assert dialog.full_ids_note.isVisibleTo(dialog)
    assert "审计" in dialog.full_ids_note.text()
    dialog.path_field.setText(str(files.folder / "完整"))  # .xlsx added
    run_export(qtbot, dialog)

    path = files.folder / "完整.xlsx"
    assert "完整证件号" in dialog.status.text() and "审计" in dialog.status.text()
    rows = sheet_rows(path)
    assert {row[3] for row in rows[1:]} == {make_id(p[1]) for p in PEOPLE}
    [event] = exports(ledger.ctx.store, "ledger")
    assert event["full_ids"] is True and event["rows"] == len(PEOPLE)
    assert audit_trail.verify_audit(ledger.ctx.store).ok


def test_cancelled_export_leaves_no_file_and_no_record(
    qtbot: Any, ledger: Any, files: Files, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The clerk presses 取消: from then on the work's progress(…) returns False.
    def cancelled(self: Any, done: int, total: int) -> bool:
        self._signals.progress.emit(done, total)
        return False

    monkeypatch.setattr(tasks._Runnable, "_progress", cancelled)
    dialog = open_export(qtbot, ledger)
    dialog.path_field.setText(str(files.save_to))
    run_export(qtbot, dialog)
    assert "已取消" in dialog.status.text() and "没有写入文件" in dialog.status.text()
    assert list(files.folder.iterdir()) == []  # neither the file nor a temporary one
    assert exports(ledger.ctx.store, "ledger") == []
    assert files.errors == []
    assert dialog.export_button.isEnabled()


def test_export_errors_are_chinese_and_write_nothing(qtbot: Any, ledger: Any, files: Files) -> None:
    dialog = open_export(qtbot, ledger)
    dialog.path_field.setText(str(files.folder / "台账.csv"))
    run_export_refused = dialog.task
    qtbot.keyClick(dialog.path_field, Qt.Key.Key_Return)
    assert dialog.task is run_export_refused  # nothing started
    assert ".xlsx" in dialog.status.text()

    dialog.path_field.setText(str(files.folder / "没有这个文件夹" / "台账.xlsx"))
    run_export(qtbot, dialog)
    assert len(files.errors) == 1
    title, text = files.errors[0]
    assert title == "未能导出台账" and "文件夹不存在" in text
    assert list(files.folder.iterdir()) == []
    assert exports(ledger.ctx.store, "ledger") == []

    # Esc closes the dialog; the ledger has the focus back.
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible())


# --- 交换文件: station → district ---------------------------------------------------------------


@pytest.fixture
def district(qtbot: Any, tmp_path: Path, ctx: Any) -> Iterator[Any]:
    """The district federation's own program: another data folder, another database, with
    the station's (XC01, `ctx`) signing key registered."""
    from desktop_app.services.exchange import key_registry, signing_key

    for win in _district_window(qtbot, tmp_path):
        info = signing_key.own_key(ctx.store, actor=CLERK)
        key = key_registry.StationPublicKey(
            info.station_code, info.station_name, info.district, info.public_key, info.fingerprint
        )
        key_registry.register_key(win.ledger.ctx.store, key, actor="赵区干")
        yield win


@pytest.fixture
def new_district(qtbot: Any, tmp_path: Path) -> Iterator[Any]:
    """The district's program before it registered any station's key."""
    yield from _district_window(qtbot, tmp_path)


def _district_window(qtbot: Any, tmp_path: Path) -> Iterator[Any]:
    from desktop_app.ui.context import AppContext
    from desktop_app.ui.main_window import MainWindow
    from desktop_app.ui.tasks import wait_all

    folder = tmp_path / "district"
    folder.mkdir()
    context = AppContext(folder, clerk="赵区干")
    store = context.open_store_now()
    station_settings.save_station(
        store, code="XC99", name="西城区总工会", district="西城区", actor="赵区干"
    )
    context.station_saved()
    win = MainWindow(context)
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    qtbot.waitExposed(win)
    win.show_section("ledger")
    yield win
    wait_all()
    context.close()


def export_station_batch(qtbot: Any, ledger: Any, files: Files, name: str) -> Path:
    activate(qtbot, ledger)
    ledger.focus_search()
    qtbot.keyClick(ledger.filters.search, Qt.Key.Key_E, CTRL_SHIFT)
    dialog = ledger.export_dialog
    assert dialog is not None and dialog.objectName() == "batch_export"
    shown(qtbot, dialog)
    assert "XC01" in dialog.findChild(type(dialog.status), "batch_station").text()
    assert "完整" in dialog.findChild(type(dialog.status), "batch_note").text()
    dialog.date_from.setText("2026-11-01")
    dialog.date_to.setText("20261130")
    path = files.folder / name
    dialog.path_field.setText(str(path))
    run_export(qtbot, dialog)
    assert files.errors == []
    assert "已导出服务站 XC01 的 3 份申请" in dialog.status.text()
    assert "校验码" in dialog.status.text()
    [event] = exports(ledger.ctx.store, "exchange")
    assert event["count"] == 3 and event["from"] == "2026-11-01" and event["to"] == "2026-11-30"
    dialog.close()
    return path


def import_files(qtbot: Any, page: Any, files: Files, paths: list[Path]) -> Any:
    files.open = paths
    before = page.import_result
    activate(qtbot, page)
    page.focus_search()
    qtbot.keyClick(page.filters.search, Qt.Key.Key_I, CTRL_SHIFT)
    qtbot.waitUntil(lambda: page.import_result is not None and page.import_result is not before)
    return shown(qtbot, page.import_result)


def district_receipts(page: Any) -> set[str]:
    from desktop_app.domain.ledger_filter import LedgerFilter

    return {r.receipt for r in ledger_view.ledger(page.ctx.store, LedgerFilter(), limit=1000)}


def test_exchange_export_then_import_at_the_district(
    qtbot: Any, ledger: Any, saved: dict[str, str], files: Files, district: Any
) -> None:
    path = export_station_batch(qtbot, ledger, files, "XC01_11月.xlsx")
    page = district.ledger
    # The same claim (李娜's certificate) was already accepted at the district itself.
    held = applications.save_application(
        page.ctx.store, _input("李娜", 42, "2026-11-19", "2026"), clerk="赵区干"
    ).receipt
    page.model.refresh()
    qtbot.waitUntil(lambda: page.model.total == 1)

    result = import_files(qtbot, page, files, [path])
    assert files.errors == []
    assert result.tabs.count() == 1 and "XC01_11月.xlsx" in result.tabs.tabText(0)
    summary = result.pages[0].summary.text()
    assert "新增 2 份" in summary and "重复申请 1 份" in summary
    assert "已导入过 0 份" in summary and "冲突 0 份" in summary
    assert "共新增 2 份申请" in result.headline.text()
    problems = result.pages[0].problems
    assert problems is not None
    [duplicate] = problems.model.problems()
    assert saved["李娜"] in duplicate.message and held in duplicate.message  # the holder
    assert district_receipts(page) == {held, saved["张伟"], saved["王芳"]}
    # The ledger followed (applications_changed).
    qtbot.waitUntil(lambda: page.model.total == 3)
    assert saved["张伟"] in receipts_shown(page)
    qtbot.keyClick(result, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not result.isVisible())

    # The same file again: already imported, nothing added.
    again = import_files(qtbot, page, files, [path])
    summary = again.pages[0].summary.text()
    assert "新增 0 份" in summary and "已导入过 2 份" in summary
    assert district_receipts(page) == {held, saved["张伟"], saved["王芳"]}


def _spoil(good: Path, bad: Path) -> None:
    """The exchange file with text typed into the second application's 受理日期."""
    book = openpyxl.load_workbook(good)
    sheet = book.worksheets[0]
    column = next(c.column for c in sheet[1] if c.value == "受理日期")
    sheet.cell(row=3, column=column).value = "十一月二十日"
    book.save(bad)


def test_bad_files_show_their_problems_which_save_as_a_workbook(
    qtbot: Any, ledger: Any, files: Files, district: Any
) -> None:
    good = export_station_batch(qtbot, ledger, files, "good.xlsx")
    bad = files.folder / "bad.xlsx"
    _spoil(good, bad)
    text = files.folder / "notes.xlsx"
    text.write_text("这不是 Excel 文件", encoding="utf-8")
    page = district.ledger

    result = import_files(qtbot, page, files, [bad, text, good])
    assert result.tabs.count() == 3
    assert "1 个已导入，2 个没有导入" in result.headline.text()

    refused = result.pages[0]
    assert "没有导入任何内容" in refused.summary.text()
    problems = refused.problems
    assert problems is not None
    model = problems.model
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(4)] == list(HEADERS)
    rows = [[model.index(r, c).data() for c in range(4)] for r in range(model.rowCount())]
    assert any(row[1] == "3" and "受理日期" in row[2] for row in rows)

    not_excel = result.pages[1]
    assert "不是 Excel 工作簿" in not_excel.summary.text() and not_excel.problems is None

    # The good file after them was still imported (each file is all or nothing).
    assert "新增 3 份" in result.pages[2].summary.text()
    assert len(district_receipts(page)) == 3

    # 另存为 Excel…: Alt+S in the problems page.
    result.tabs.setCurrentIndex(0)
    files.save_to = files.folder / "问题"
    with qtbot.waitSignal(problems.saved) as saved_signal:
        qtbot.keyClick(problems.table, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)
    written = saved_signal.args[0]
    assert written == files.folder / "问题.xlsx" and "已保存" in problems.status.text()
    book = openpyxl.load_workbook(written, read_only=True)
    saved_rows = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    assert saved_rows[0] == HEADERS
    assert [[str(v) if v is not None else "" for v in row] for row in saved_rows[1:]] == rows


def test_cancelled_import_imports_nothing_from_that_file(
    qtbot: Any, ledger: Any, files: Files, district: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = export_station_batch(qtbot, ledger, files, "a.xlsx")
    second = files.folder / "b.xlsx"
    second.write_bytes(first.read_bytes())
    calls: list[int] = []

    # 取消 is pressed once the first file is being read: every later progress(…) says stop.
    def cancel_soon(self: Any, done: int, total: int) -> bool:
        calls.append(done)
        self._signals.progress.emit(done, total)
        return len(calls) < 2

    monkeypatch.setattr(tasks._Runnable, "_progress", cancel_soon)
    page = district.ledger
    result = import_files(qtbot, page, files, [first, second])
    assert "已取消" in result.pages[0].summary.text()
    assert "没有处理" in result.pages[1].summary.text()
    assert "0 个已导入" in result.headline.text()
    assert district_receipts(page) == set()
    with page.ctx.store.session() as session:
        actions = {e.action for e in session.execute(select(AuditEvent)).scalars()}
    assert "import" not in actions


def test_exchange_export_without_a_station_says_so(
    qtbot: Any, window: Any, files: Files, home: Path
) -> None:
    from desktop_app.ui.context import AppContext
    from desktop_app.ui.main_window import MainWindow

    other = home.parent / "no-station"
    other.mkdir()
    context = AppContext(other, clerk=CLERK)
    context.open_store_now()
    win = MainWindow(context)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.show_section("ledger")
    dialog = win.ledger.export_batch()
    assert dialog is not None
    shown(qtbot, dialog)
    assert "尚未设置" in dialog.findChild(type(dialog.status), "batch_station").text()
    dialog.date_from.setText("明天")
    dialog.path_field.setText(str(files.folder / "x.xlsx"))
    qtbot.keyClick(dialog.path_field, Qt.Key.Key_Return)
    assert "起始日期" in dialog.status.text() and dialog.task is None
    dialog.date_from.setText("")
    run_export(qtbot, dialog)
    assert len(files.errors) == 1 and "服务站代码" in files.errors[0][1]
    assert list(files.folder.iterdir()) == []
    dialog.close()
    context.close()


def test_the_problems_model_passes_the_model_tester(qtmodeltester: Any) -> None:
    model = ProblemsModel(
        [
            Problem("交换申请", 3, "B（受理日期）", "不是日期"),
            Problem("清单", None, "校验码", "导出后有单元格被改动过"),
            Problem("", None, "", "文件是空的"),
        ]
    )
    qtmodeltester.check(model)
    assert model.index(1, 1).data() == "" and model.index(0, 1).data() == "3"
    assert "第3行" in model.index(0, 3).data(Qt.ItemDataRole.ToolTipRole)
    model.set_problems([])
    qtmodeltester.check(model)
    assert model.rowCount() == 0


def test_dates_default_to_the_ledger_filter(qtbot: Any, ledger: Any, files: Files) -> None:
    ledger.filters.date_from.setText("2026-11-01")
    ledger.filters.date_to.setText("2026-11-30")
    dialog = ledger.export_batch()
    assert dialog is not None
    shown(qtbot, dialog)
    assert dialog.date_from.text() == "2026-11-01" and dialog.date_to.text() == "2026-11-30"
    # The name carries the day it is made: this year, or last year just past New Year's Eve.
    years = {str(date.today().year), str(date.today().year - 1)}
    assert dialog.suggested_name().startswith("交换_XC01_")
    assert any(year in dialog.suggested_name() for year in years)
    dialog.close()


# --- 目录 → 导入目录 (the window; the catalogue page's button is not wired yet) ---------------


def _catalogue_book(path: Path, *, drop: str | None, add: tuple[str, str, str] | None) -> Path:
    from desktop_app.services.policies import policy_set

    policy = policy_set().get("bj-2026-skills")
    assert policy is not None
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "职业技能等级证书"
    sheet.append(["序号", "职业（工种）名称", "职业（工种）代码", "补助档次"])
    rows = [
        [e.name, e.code, e.tier]
        for e in policy.kinds["skill_level"].catalogue.entries
        if e.name != drop
    ]
    if add is not None:
        rows.append(list(add))
    for n, row in enumerate(rows, start=1):
        sheet.append([n, *row])
    special = book.create_sheet("专项职业能力")
    special.append(["序号", "专项职业能力项目", "补助档次"])
    for n, e in enumerate(policy.kinds["special_ability"].catalogue.entries, start=1):
        special.append([n, e.name, e.tier])
    book.save(path)
    return path


@pytest.fixture
def fresh_policies(home: Path) -> Iterator[None]:
    from desktop_app.services.policies import reload

    reload()
    yield
    reload()


def test_catalogue_import_shows_the_changes_and_writes_only_after_confirming(
    qtbot: Any, ctx: Any, files: Files, fresh_policies: None, home: Path, tmp_path: Path
) -> None:
    from desktop_app.services.policies import policy_set
    from desktop_app.ui.exchange.catalogue_import import CatalogueImportDialog

    bad = tmp_path / "bad.xlsx"
    _catalogue_book(bad, drop=None, add=("网约配送员", "4-02-07-10", "Z"))
    good = _catalogue_book(
        tmp_path / "目录.xlsx", drop="收银员", add=("网约配送员", "4-02-07-10", "B")
    )
    dialog = CatalogueImportDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    shown = [dialog.scheme.itemText(i) for i in range(dialog.scheme.count())]
    assert "2026年重点群体技能补助" in shown and not [t for t in shown if "bj-" in t]
    dialog.scheme.setCurrentIndex(dialog.scheme.findData("bj-2026-skills"))
    dialog.effective.setText("2026-12-01")

    # A tier the scheme does not pay: the row at fault, nothing to confirm.
    files.open = [bad]
    dialog.browse()
    dialog.check()
    qtbot.waitUntil(lambda: not dialog.running())
    assert "不能导入" in dialog.summary.text() and not dialog.apply_button.isEnabled()
    assert dialog.problems is not None and dialog.problems.model.rowCount() >= 1
    assert any(p.row is not None for p in dialog.problems.model.problems())

    files.open = [good]
    dialog.browse()
    dialog.check()
    qtbot.waitUntil(lambda: not dialog.running())
    changes = [dialog.changes.item(i).text() for i in range(dialog.changes.count())]
    assert any("新增" in c and "网约配送员" in c for c in changes)
    assert any("删除" in c and "收银员" in c for c in changes)
    assert dialog.problems is None and dialog.apply_button.isEnabled()
    versions = home / "policies"
    assert not versions.exists() or not any(versions.rglob("*.toml"))  # nothing written yet

    with qtbot.waitSignal(ctx.catalogue_ready, timeout=20_000):
        qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    assert "已写入" in dialog.summary.text() and files.errors == []
    first_line = dialog.summary.text().splitlines()[0]
    assert "bj-" not in first_line and "…" not in first_line  # the fingerprint: 技术信息 only
    assert len(list(versions.rglob("*.toml"))) == 1
    current = policy_set().in_effect("bj-2026-skills", date(2026, 12, 1))
    assert current is not None
    names = {e.name for e in current.kinds["skill_level"].catalogue.entries}
    assert "网约配送员" in names and "收银员" not in names
    assert not dialog.apply_button.isEnabled()


# --- 交换文件 → 本站签名密钥 / 登记服务站公钥 / 导入待核 ------------------------------------------


class KeyFiles:
    """Stands in for the system dialogs of the key file (ui/exchange/keys.py)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
        from desktop_app.ui.exchange import keys

        self.path = folder / "XC01-公钥.txt"
        monkeypatch.setattr(keys, "choose_key_target", lambda _p, _s: self.path)
        monkeypatch.setattr(keys, "choose_key_file", lambda _p, _f: self.path)


def test_a_station_key_is_registered_with_its_fingerprint_shown_and_confirmed(
    qtbot: Any,
    ledger: Any,
    files: Files,
    new_district: Any,
    boxes: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from desktop_app.services.exchange import key_registry
    from tests.gui.conftest import press_alt

    key_files = KeyFiles(monkeypatch, files.folder)
    # At the station: 本站签名密钥 shows the fingerprint; 导出公钥文件 (Alt+E) writes the file.
    ledger.own_key_action.trigger()
    dialog = shown(qtbot, ledger.key_dialog)
    fingerprint = dialog.fingerprint.text()
    assert len(fingerprint.split()) == 5 and "XC01" in dialog.station.text()
    press_alt(qtbot, dialog, "E")
    qtbot.waitUntil(key_files.path.exists)
    assert "已导出公钥文件" in dialog.status.text() and fingerprint in dialog.status.text()
    dialog.close()

    page = new_district.ledger
    path = export_station_batch(qtbot, ledger, files, "XC01.xlsx")
    refused = import_files(qtbot, page, files, [path])
    assert "尚未在本机登记" in refused.pages[0].summary.text()
    qtbot.keyClick(refused, Qt.Key.Key_Escape)

    # At the district: the question shows the station and the fingerprint; Enter is 取消.
    activate(qtbot, page)
    boxes.answer(Qt.Key.Key_Return)
    page.register_key_action.trigger()
    assert boxes.seen and "XC01" in boxes.seen[-1] and fingerprint in boxes.seen[-1]
    assert "电话" in boxes.seen[-1] and boxes.defaults[-1].startswith("取消")
    assert key_registry.registered(page.ctx.store, "XC01") is None
    # The clerk compared it by phone: Alt+R (指纹一致，登记).
    boxes.answer("R")
    page.register_key_action.trigger()
    registered = key_registry.registered(page.ctx.store, "XC01")
    assert registered is not None and registered.fingerprint == fingerprint
    assert "已登记服务站 XC01 的公钥" in page.message.text()
    with page.ctx.store.session() as session:
        [event] = session.execute(
            select(AuditEvent).where(AuditEvent.entity == "station_key")
        ).scalars()
    assert event.action == "register" and json.loads(event.details)["fingerprint"] == fingerprint

    result = import_files(qtbot, page, files, [path])
    assert "新增 3 份" in result.pages[0].summary.text()


def test_held_rows_show_both_amounts_and_are_accepted_by_the_clerk(
    qtbot: Any, ledger: Any, files: Files, district: Any, boxes: Any
) -> None:
    from desktop_app.exchange import batch as fmt
    from desktop_app.services.exchange import signing_key
    from tests.gui.conftest import press_alt

    path = export_station_batch(qtbot, ledger, files, "XC01.xlsx")
    read = fmt.read_batch(path)
    rows = [list(row) for row in read.rows]
    rows[0][fmt.INDEX["amount"]] += 600
    station_amount = rows[0][fmt.INDEX["amount"]]
    changed = files.folder / "changed.xlsx"
    signer = signing_key.read_signer(ledger.ctx.store.folder.root)
    fmt.write_batch(changed, rows, manifest=read.manifest, total=len(rows), signer=signer)
    page = district.ledger
    result = import_files(qtbot, page, files, [changed])
    summary = result.pages[0].summary.text()
    assert "新增 2 份" in summary and "导入待核 1 份" in summary
    qtbot.keyClick(result, Qt.Key.Key_Escape)
    receipt = rows[0][0]
    assert receipt not in district_receipts(page)

    page.exchange_held_action.trigger()
    dialog = shown(qtbot, page.held_dialog)
    model = dialog.model
    assert model.rowCount() == 1
    cells = [model.index(0, c).data() for c in range(model.columnCount())]
    assert cells[0] == receipt
    assert (
        cells[3] == f"符合，{station_amount} 元" and cells[4] == f"符合，{station_amount - 600} 元"
    )
    # 按重新核算的结果核定 (Alt+R), then 核定 (Alt+Y) in the question naming both amounts.
    boxes.answer("Y")
    press_alt(qtbot, dialog, "R")
    qtbot.waitUntil(lambda: model.rowCount() == 0)
    assert (
        f"{station_amount} 元" in boxes.seen[-1] and f"{station_amount - 600} 元" in boxes.seen[-1]
    )
    detail = ledger_view.application_detail(page.ctx.store, receipt).to_dict()
    assert detail["application"]["amount"] == station_amount - 600
    assert "已核定" in dialog.status.text()
