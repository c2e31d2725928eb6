"""Printing as a clerk does it: 打印 after a save in 受理, the forms from the 台账 detail, and a
batch from the 台账. The preview shows the real pages and, first, the characters no font has;
printing goes to the printer at true size (A4 stays 595×842 pt) and is recorded (已打印, an
audit event); saving writes the file and records; closing records nothing. The system print
and file dialogs are replaced by a PDF printer and a path in tmp_path."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication

from desktop_app.services import applications, ledger_view
from desktop_app.ui import errors
from desktop_app.ui.printing import preview as preview_module
from tests.gui.conftest import CLERK, make_id
from tests.gui.test_intake import Dialogs, drone_pilot, make_window
from tests.printing.conftest import social_worker
from tests.storage.conftest import apply_input

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
A4 = (595, 842)
NO_FONT = "\u4db6"  # CJK Extension A, in none of the shipped fonts


class Printing:
    """Stands in for the system dialogs: a PDF printer, a save path, the error dialogs."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        self.folder = tmp_path / "out"
        self.folder.mkdir()
        self.printed = self.folder / "printer.pdf"
        self.save_to: Path | None = self.folder / "saved.pdf"
        self.printers = 0
        self.suggested: list[Path] = []
        self.errors: list[tuple[str, str]] = []
        monkeypatch.setattr(preview_module, "choose_printer", self._printer)
        monkeypatch.setattr(preview_module, "choose_save_path", self._save_path)
        monkeypatch.setattr(
            errors, "present", lambda _p, title, text: self.errors.append((title, text))
        )

    def _printer(self, _parent: Any) -> QPrinter:
        self.printers += 1
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(self.printed))
        printer.setResolution(150)
        return printer

    def _save_path(self, _parent: Any, suggested: Path) -> Path | None:
        self.suggested.append(suggested)
        return self.save_to


@pytest.fixture
def printing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Printing:
    return Printing(monkeypatch, tmp_path)


def save(ctx: Any, data: dict[str, Any], minute: int = 0) -> str:
    saved = applications.save_application(
        ctx.require_store(), data, clerk=CLERK, now=datetime(2026, 11, 21, 9, minute)
    )
    return saved.receipt


def prints(ctx: Any, receipt: str) -> list[dict[str, Any]]:
    detail = ledger_view.application_detail(ctx.require_store(), receipt)
    return [json.loads(e["details"]) for e in detail.events if e["action"] == "print"]


def status(ctx: Any, receipt: str) -> str:
    return ledger_view.application_detail(ctx.require_store(), receipt).row.status_label


def page_sizes(pdf: Path) -> list[tuple[int, int]]:
    return [
        (round(float(p.mediabox.width)), round(float(p.mediabox.height)))
        for p in PdfReader(pdf).pages
    ]


def open_preview(ctx: Any, receipt: str, form: str = "auto") -> Any:
    dialog = preview_module.open_preview(ctx, receipt, form=form)
    assert dialog is not None
    return dialog


def shown(qtbot: Any, dialog: Any) -> Any:
    """The dialog shown and active (its shortcuts work in the active window only); closed
    when the test ends, so no modal dialog is left over for the next test."""
    qtbot.addWidget(dialog)
    qtbot.waitUntil(dialog.isVisible)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    return dialog


# --- 受理: print right after saving ----------------------------------------------------------


def test_print_after_saving_shows_the_page_prints_true_size_and_records(
    qtbot: Any, ctx: Any, printing: Printing, monkeypatch: pytest.MonkeyPatch
) -> None:
    Dialogs(monkeypatch)
    window = make_window(qtbot, ctx)
    page = window.intake
    drone_pilot(qtbot, page, make_id(31))
    with qtbot.waitSignal(ctx.applications_changed) as changed:
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_S, CTRL)
    receipt = changed.args[0]
    assert page.print_button.isVisible()

    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_P, CTRL)
    dialog = page.preview
    assert dialog is not None and dialog.objectName() == "print_preview"
    shown(qtbot, dialog)
    assert dialog.page_count() == 1
    assert "共 1 页" in dialog.summary.text() and receipt in dialog.summary.text()
    assert not dialog.warnings.isVisible() and dialog.warnings.text() == ""
    assert not dialog.form_box.isVisible()  # a 2026 application has the receipt only
    assert status(ctx, receipt) == "已受理" and prints(ctx, receipt) == []  # preview only

    with qtbot.waitSignal(ctx.applications_changed) as changed:
        qtbot.keyClick(dialog, Qt.Key.Key_P, CTRL)
    assert changed.args == [receipt]
    assert printing.printers == 1 and printing.errors == []
    assert page_sizes(printing.printed) == [A4]  # true size: not shrunk to fit
    assert status(ctx, receipt) == "已打印"
    assert prints(ctx, receipt) == [{"copy": 1, "form": "receipt", "reprint": False}]
    assert "已记录" in dialog.status.text()
    # The preview now shows what another print would be: a reprint.
    assert "补打（第2次）" in dialog.summary.text()


def test_ctrl_p_before_saving_says_to_save_first(
    qtbot: Any, ctx: Any, printing: Printing, monkeypatch: pytest.MonkeyPatch
) -> None:
    Dialogs(monkeypatch)
    page = make_window(qtbot, ctx).intake
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_P, CTRL)
    assert page.preview is None
    assert "请先保存" in page.message.text()


# --- the preview -----------------------------------------------------------------------------


def test_a_character_no_font_has_is_named_before_printing(
    qtbot: Any, ctx: Any, printing: Printing
) -> None:
    receipt = save(ctx, apply_input(32, **{"member.name": f"张{NO_FONT}"}))
    dialog = shown(qtbot, open_preview(ctx, receipt))
    assert dialog.warnings.isVisibleTo(dialog)
    assert NO_FONT in dialog.warnings.text() and "U+4DB6" in dialog.warnings.text()
    assert "留空" in dialog.warnings.text()
    # The clerk may still print, with a blank to fill by hand.
    qtbot.keyClick(dialog, Qt.Key.Key_P, CTRL)
    assert page_sizes(printing.printed) == [A4]
    assert status(ctx, receipt) == "已打印"


@pytest.mark.qt_log_ignore("QPainter::begin", "QPdfWriter", "QPrinter", "propagateSizeHints")
def test_a_printer_that_fails_says_so_and_records_nothing(
    qtbot: Any, ctx: Any, printing: Printing
) -> None:
    receipt = save(ctx, apply_input(37))
    dialog = shown(qtbot, open_preview(ctx, receipt))
    printing.printed = printing.folder / "no-such-folder" / "printer.pdf"
    qtbot.keyClick(dialog, Qt.Key.Key_P, CTRL)
    assert printing.errors and printing.errors[0][0] == "未能打印"
    assert "打印机" in printing.errors[0][1] and "没有记录" in printing.errors[0][1]
    assert prints(ctx, receipt) == [] and status(ctx, receipt) == "已受理"


def test_save_as_writes_the_pdf_whole_and_records(qtbot: Any, ctx: Any, printing: Printing) -> None:
    receipt = save(ctx, apply_input(33))
    dialog = shown(qtbot, open_preview(ctx, receipt))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert printing.suggested[0].name == f"{receipt}-受理回执.pdf"
    saved = printing.save_to
    assert saved is not None and saved.read_bytes().startswith(b"%PDF")
    assert page_sizes(saved) == [A4]
    assert list(saved.parent.glob(".*.tmp")) == []  # no temporary file left behind
    assert str(saved) in dialog.status.text()
    assert status(ctx, receipt) == "已打印"
    assert prints(ctx, receipt) == [{"copy": 1, "form": "receipt", "reprint": False}]


def test_save_as_cancelled_or_into_a_missing_folder_records_nothing(
    qtbot: Any, ctx: Any, printing: Printing
) -> None:
    receipt = save(ctx, apply_input(34))
    dialog = shown(qtbot, open_preview(ctx, receipt))
    printing.save_to = None  # the clerk cancelled the file dialog
    qtbot.keyClick(dialog, Qt.Key.Key_S, CTRL)
    printing.save_to = printing.folder / "gone" / "x.pdf"
    qtbot.keyClick(dialog, Qt.Key.Key_S, CTRL)
    assert printing.errors and "不存在" in printing.errors[0][1]
    assert not (printing.folder / "gone").exists()
    assert prints(ctx, receipt) == [] and status(ctx, receipt) == "已受理"


def test_close_records_nothing(qtbot: Any, ctx: Any, printing: Printing) -> None:
    receipt = save(ctx, apply_input(35))
    dialog = shown(qtbot, open_preview(ctx, receipt))
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert printing.printers == 0 and printing.suggested == []
    assert prints(ctx, receipt) == [] and status(ctx, receipt) == "已受理"


def test_a_2016_social_worker_chooses_annex2_or_the_receipt(
    qtbot: Any, ctx: Any, printing: Printing
) -> None:
    receipt = save(ctx, social_worker(36))
    dialog = shown(qtbot, open_preview(ctx, receipt))
    forms = [dialog.form_box.itemText(i) for i in range(dialog.form_box.count())]
    assert dialog.form_box.isVisibleTo(dialog) and len(forms) == 2
    assert dialog.form_box.currentData() == "annex2"  # auto: Annex 2 where it applies
    assert "附件2" in dialog.summary.text()
    dialog.form_box.setCurrentIndex(dialog.form_box.findData("receipt"))
    assert "受理回执" in dialog.summary.text() and dialog.page_count() == 1
    qtbot.keyClick(dialog, Qt.Key.Key_P, CTRL)
    assert prints(ctx, receipt) == [{"copy": 1, "form": "receipt", "reprint": False}]


# --- 台账 ------------------------------------------------------------------------------------


@pytest.fixture
def ledger(window: Any, ctx: Any, qtbot: Any) -> Any:
    """台账 with four applications: three of 2026 and a 2016 social worker (newest first)."""
    receipts = [save(ctx, apply_input(40 + n), minute=n) for n in range(3)]
    receipts.append(save(ctx, social_worker(44), minute=3))
    window.show_section("ledger")
    page = window.ledger
    qtbot.waitUntil(lambda: page.model.total == 4)
    page.saved = receipts
    return page


def test_the_detail_offers_annex2_only_where_it_applies(
    qtbot: Any, ledger: Any, printing: Printing
) -> None:
    first_2026, social = ledger.saved[0], ledger.saved[3]
    dialog = ledger.open_receipt(first_2026)
    assert not dialog.annex_button.isEnabled()
    assert "附件2" in dialog.annex_button.toolTip()
    assert dialog.receipt_button.isEnabled()

    dialog = ledger.open_receipt(social)
    assert dialog.annex_button.isEnabled()
    qtbot.mouseClick(dialog.annex_button, Qt.MouseButton.LeftButton)
    preview = shown(qtbot, dialog.preview)
    assert preview.result.jobs[0].form_id == "annex2" and preview.page_count() == 1
    with qtbot.waitSignal(dialog.status_changed):
        qtbot.keyClick(preview, Qt.Key.Key_P, CTRL)
    assert page_sizes(printing.printed) == [A4]
    assert prints(ledger.ctx, social) == [{"copy": 1, "form": "annex2", "reprint": False}]
    assert "已打印" in dialog.heading.text()
    preview.close()
    qtbot.mouseClick(dialog.receipt_button, Qt.MouseButton.LeftButton)
    assert dialog.preview.result.jobs[0].form_id == "receipt"


def _statuses(page: Any) -> list[str]:
    return [page.model.index(r, 9).data() for r in range(page.model.rowCount())]


def test_batch_print_of_rows_chosen_with_the_keyboard(
    qtbot: Any, ledger: Any, printing: Printing
) -> None:
    qtbot.keyClick(ledger.filters.search, Qt.Key.Key_Down)
    assert ledger.view.hasFocus() and ledger.view.currentIndex().row() == 0
    qtbot.keyClick(ledger.view, Qt.Key.Key_Down, SHIFT)
    qtbot.keyClick(ledger.view, Qt.Key.Key_Down, SHIFT)
    chosen = ledger.selected_receipts()
    assert chosen == list(reversed(ledger.saved))[:3]  # the ledger's order, newest first

    qtbot.keyClick(ledger.view, Qt.Key.Key_P, CTRL)
    qtbot.waitUntil(lambda: ledger.preview is not None)
    preview = shown(qtbot, ledger.preview)
    assert preview.page_count() == 3 and "共 3 页" in preview.summary.text()
    assert [j.form_id for j in preview.result.jobs] == ["annex2", "receipt", "receipt"]
    assert all(prints(ledger.ctx, r) == [] for r in chosen)  # the preview records nothing

    qtbot.keyClick(preview, Qt.Key.Key_P, CTRL)
    assert page_sizes(printing.printed) == [A4] * 3
    assert all(status(ledger.ctx, r) == "已打印" for r in chosen)
    qtbot.waitUntil(lambda: _statuses(ledger) == ["已打印", "已打印", "已打印", "已受理"])
    assert not preview.print_button.isEnabled()  # a batch prints once from its preview


def test_enter_still_opens_the_current_row_after_a_multiple_selection(
    qtbot: Any, ledger: Any
) -> None:
    qtbot.keyClick(ledger.filters.search, Qt.Key.Key_Down)
    qtbot.keyClick(ledger.view, Qt.Key.Key_Down, SHIFT)
    qtbot.keyClick(ledger.view, Qt.Key.Key_Return)
    assert ledger.detail is not None and ledger.detail.receipt == ledger.saved[2]


def test_batch_from_the_selection_model_and_cancelled_records_nothing(
    qtbot: Any, ledger: Any, printing: Printing, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desktop_app.ui import tasks

    selection = ledger.view.selectionModel()
    for row in range(3):
        selection.select(
            ledger.model.index(row, 0),
            QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
        )
    chosen = ledger.selected_receipts()
    assert len(chosen) == 3

    # The clerk presses 取消: from then on the work's progress(…) returns False.
    def cancelled(self: Any, done: int, total: int) -> bool:
        self._signals.progress.emit(done, total)
        return False

    monkeypatch.setattr(tasks._Runnable, "_progress", cancelled)
    ledger.batch_print()
    qtbot.waitUntil(lambda: "已取消" in ledger.message.text())
    assert ledger.preview is None
    assert printing.printers == 0 and printing.errors == []
    assert list(printing.folder.iterdir()) == []
    assert all(prints(ledger.ctx, r) == [] and status(ledger.ctx, r) == "已受理" for r in chosen)


def test_without_a_clerks_name_nothing_is_printed_unrecorded(
    qtbot: Any, ctx: Any, printing: Printing, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before 首次设置 (no clerk's name) a print would have no one to record it under: it is
    refused with the reason before the printer or the file is touched."""
    receipt = save(ctx, social_worker(31))
    monkeypatch.delenv("UNION_COUNTER_CLERK")
    ctx.settings.remove("clerk")
    dialog = shown(qtbot, open_preview(ctx, receipt))
    qtbot.keyClick(dialog, Qt.Key.Key_P, CTRL)
    qtbot.keyClick(dialog, Qt.Key.Key_S, CTRL)
    assert printing.printers == 0 and printing.suggested == []
    assert not printing.printed.exists() and printing.save_to is not None
    assert not printing.save_to.exists()
    assert len(printing.errors) == 2 and all("经办人姓名" in text for _t, text in printing.errors)
    assert prints(ctx, receipt) == [] and status(ctx, receipt) == "已受理"


def test_printing_is_prepared_ahead_and_a_print_meanwhile_is_not_disturbed(
    qtbot: Any, ctx: Any, printing: Printing
) -> None:
    """The window warms printing up off the GUI thread (ui.app.start_loading); a preview
    opened while that runs draws its pages all the same (PDFium and the fonts are shared)."""
    receipt = save(ctx, social_worker(32))
    with qtbot.waitSignal(ctx.printing_ready, timeout=30_000):
        ctx.prepare_printing()
        dialog = shown(qtbot, open_preview(ctx, receipt))
        assert dialog.canvas.page_count == 1
    qtbot.keyClick(dialog, Qt.Key.Key_P, CTRL)
    assert printing.printers == 1 and page_sizes(printing.printed) == [A4]
    assert len(prints(ctx, receipt)) == 1
