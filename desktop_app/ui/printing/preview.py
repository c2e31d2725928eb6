"""Print preview: the very PDF that will be printed or saved, page by page, with what the clerk
must know first (characters no font has, printed blank to fill by hand; values cut short).

打印… goes through the system print dialog and prints every page at true size (pages.print_pdf:
no fit-to-page, so the seal boxes keep their size); 另存为 PDF… writes the file whole or not at
all. Only then is each print recorded (services.printing.record_prints: an audit event, 已受理 →
已打印) and `ctx.applications_changed` announced. 关闭 records nothing.

`choose_printer` and `choose_save_path` are module functions so tests can put a PDF printer and
a path in place of the modal system dialogs. A batch is prepared off the GUI thread
(`start_batch`) with a progress bar and 取消; cancelling leaves nothing recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QRect, QSize, QStandardPaths, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QKeySequence,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QShortcut,
)
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressDialog,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop_app.services import printing as service
from desktop_app.ui.printing import pages

if TYPE_CHECKING:
    from desktop_app.services.printing import PrintResult
    from desktop_app.ui.context import AppContext
    from desktop_app.ui.tasks import Task

MAX_PRINTER_DPI = 600  # enough for a form; a page image at 1200 dpi would take half a gigabyte
FOLDER_KEY = "print/folder"

# --- the system dialogs (tests replace these) ------------------------------------------------


def choose_printer(parent: QWidget | None) -> QPrinter | None:
    """The system print dialog; the printer chosen, or None when the clerk cancelled."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle("打印")
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return printer


def choose_save_path(parent: QWidget | None, suggested: Path) -> Path | None:
    """The system save dialog; the path chosen, or None when the clerk cancelled."""
    name, _filter = QFileDialog.getSaveFileName(
        parent, "另存为 PDF", str(suggested), "PDF 文件 (*.pdf)"
    )
    return Path(name) if name else None


def report(parent: QWidget | None, exc: BaseException, title: str = "未能打印") -> None:
    """A refusal or a cancel in its own words; anything else through errors.show_error."""
    from desktop_app.ui import errors

    if isinstance(exc, service.PrintRefusedError | service.PrintCancelledError):
        errors.present(parent, title, exc.message)
    else:
        errors.show_error(parent, exc, title)


# --- the pages ---------------------------------------------------------------------------------


FIT_WIDTH, FIT_PAGE, ACTUAL = "width", "page", "actual"


class PageCanvas(QWidget):
    """Every page of one PDF stacked on grey, each drawn from PDFium at the scale shown, only
    when it comes into view (a batch of a hundred pages opens at once)."""

    GAP = 16

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("print_pages")
        self._pdf = b""
        self._sizes: list[tuple[float, float]] = []
        self._scale = 1.0  # device-independent pixels per PDF point
        self._cache: dict[int, QImage] = {}

    @property
    def page_count(self) -> int:
        return len(self._sizes)

    @property
    def scale(self) -> float:
        return self._scale

    def set_pdf(self, pdf: bytes) -> None:
        self.close_pdf()
        with pages.open_pdf(pdf) as document:
            self._sizes = pages.document_page_sizes(document)
        self._pdf = pdf
        self._relayout()

    def close_pdf(self) -> None:
        self._pdf = b""
        self._sizes = []
        self._cache.clear()

    def widest(self) -> tuple[float, float]:
        if not self._sizes:
            return (595.0, 842.0)
        return max(w for w, _h in self._sizes), max(h for _w, h in self._sizes)

    def set_scale(self, scale: float) -> None:
        scale = max(0.1, min(scale, 8.0))
        if abs(scale - self._scale) > 1e-3:
            self._scale = scale
            self._cache.clear()
        self._relayout()

    def page_rects(self) -> list[QRect]:
        rects = []
        y = self.GAP
        for width, height in self._sizes:
            w, h = round(width * self._scale), round(height * self._scale)
            x = max(self.GAP, (self.width() - w) // 2)
            rects.append(QRect(x, y, w, h))
            y += h + self.GAP
        return rects

    def _relayout(self) -> None:
        height = self.GAP + sum(round(h * self._scale) + self.GAP for _w, h in self._sizes)
        width = round(self.widest()[0] * self._scale) + 2 * self.GAP
        parent = self.parentWidget()
        if parent is not None:
            width = max(width, parent.width())
        self.setFixedSize(QSize(width, max(height, 1)))
        self.update()

    def images(self, wanted: Sequence[int]) -> dict[int, QImage]:
        """The pages asked for, drawn at the scale shown (kept until the scale changes)."""
        missing = [i for i in wanted if i not in self._cache]
        if missing:
            ratio = self.devicePixelRatioF()
            with pages.open_pdf(self._pdf) as document:
                for index in missing:
                    image = pages.render_page(document, index, self._scale * 72.0 * ratio)
                    image.setDevicePixelRatio(ratio)
                    self._cache[index] = image
        return {i: self._cache[i] for i in wanted}

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(event.rect(), QColor("#8a8d91"))
        shown = [(i, r) for i, r in enumerate(self.page_rects()) if r.intersects(event.rect())]
        images = self.images([i for i, _r in shown]) if shown else {}
        for index, rect in shown:
            painter.fillRect(rect.translated(3, 3), QColor(0, 0, 0, 70))
            painter.drawImage(rect, images[index])
        painter.end()


class _PageArea(QScrollArea):
    """Keeps the zoom (fit width, whole page, 100 %) as the dialog is resized."""

    def __init__(self, canvas: PageCanvas) -> None:
        super().__init__()
        self.canvas = canvas
        self.mode = FIT_WIDTH
        self.setObjectName("print_page_area")
        self.setWidget(canvas)
        self.setWidgetResizable(False)
        self.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.setBackgroundRole(self.canvas.backgroundRole())
        self.setStyleSheet("QScrollArea { background: #8a8d91; }")

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        self.fit()

    def fit(self) -> None:
        width_pt, height_pt = self.canvas.widest()
        room_w = self.viewport().width() - 2 * PageCanvas.GAP
        room_h = self.viewport().height() - 2 * PageCanvas.GAP
        if self.mode == FIT_PAGE:
            scale = min(room_w / width_pt, room_h / height_pt)
        elif self.mode == ACTUAL:
            scale = self.logicalDpiX() / 72.0
        else:
            scale = room_w / width_pt
        self.canvas.set_scale(scale)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit()


# --- the dialog --------------------------------------------------------------------------------


class PrintPreview(QDialog):
    """Opened with open() (not exec): tests drive it directly."""

    printed = Signal(list)  # the receipts whose prints were recorded

    def __init__(
        self,
        ctx: AppContext,
        receipts: Sequence[str],
        result: PrintResult,
        *,
        form: str = service.AUTO,
        choices: Sequence[service.FormChoice] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.receipts = list(dict.fromkeys(r.strip().upper() for r in receipts))
        self.result = result
        self.form = form
        self.done_once = False
        self.setObjectName("print_preview")
        self.setWindowTitle("打印预览")
        self.setWindowModality(Qt.WindowModality.WindowModal)

        self.summary = QLabel()
        self.summary.setObjectName("print_summary")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        font = self.summary.font()
        font.setBold(True)
        self.summary.setFont(font)

        self.form_box = QComboBox()
        self.form_box.setObjectName("print_form")
        self.form_box.setAccessibleName("表格")
        for choice in choices:
            if choice.applies:
                self.form_box.addItem(service.form_name(choice.id), choice.id)
                self.form_box.setItemData(
                    self.form_box.count() - 1, choice.name, Qt.ItemDataRole.ToolTipRole
                )
        form_label = QLabel("表格(&F)")
        form_label.setBuddy(self.form_box)
        show_forms = self.form_box.count() > 1
        form_label.setVisible(show_forms)
        self.form_box.setVisible(show_forms)
        current = result.jobs[0].form_id if result.jobs else ""
        if (at := self.form_box.findData(current)) >= 0:
            self.form_box.setCurrentIndex(at)

        self.zoom = QComboBox()
        self.zoom.setObjectName("print_zoom")
        self.zoom.setAccessibleName("显示比例")
        for label, mode in (("适合宽度", FIT_WIDTH), ("整页", FIT_PAGE), ("实际大小", ACTUAL)):
            self.zoom.addItem(label, mode)
        zoom_label = QLabel("显示(&Z)")
        zoom_label.setBuddy(self.zoom)

        self.warnings = QLabel()
        self.warnings.setObjectName("print_warnings")
        self.warnings.setWordWrap(True)
        self.warnings.setTextFormat(Qt.TextFormat.PlainText)
        self.warnings.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.warnings.setStyleSheet(
            "QLabel { color: #b3261e; background: #fdecea; border: 1px solid #e0a39e;"
            " padding: 6px; font-weight: bold; }"
        )

        self.canvas = PageCanvas()
        self.area = _PageArea(self.canvas)

        self.status = QLabel()
        self.status.setObjectName("print_status")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.print_button = QPushButton("打印…（Ctrl+P）")
        self.print_button.setObjectName("print_button")
        self.print_button.setAutoDefault(False)
        self.save_button = QPushButton("另存为 PDF…（Ctrl+S）")
        self.save_button.setObjectName("print_save")
        self.save_button.setAutoDefault(False)
        self.close_button = QPushButton("关闭（Esc）")
        self.close_button.setObjectName("print_close")
        self.close_button.setAutoDefault(False)

        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(form_label)
        top.addWidget(self.form_box)
        top.addWidget(zoom_label)
        top.addWidget(self.zoom)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.warnings)
        layout.addWidget(self.area, 1)
        layout.addLayout(buttons)

        self.print_button.clicked.connect(self.print_now)
        self.save_button.clicked.connect(self.save_as)
        self.close_button.clicked.connect(self.reject)
        self.zoom.currentIndexChanged.connect(
            lambda _i: self.area.set_mode(self.zoom.currentData())
        )
        self.form_box.currentIndexChanged.connect(self._form_changed)
        for keys, slot in (("Ctrl+P", self.print_now), ("Ctrl+S", self.save_as)):
            QShortcut(QKeySequence(keys), self, activated=slot)
        self.finished.connect(lambda _r: self.canvas.close_pdf())

        self.resize(self._starting_size())
        self._show_result()
        self.area.setFocus()

    def _starting_size(self) -> QSize:
        screen = self.screen().availableGeometry() if self.screen() else QRect(0, 0, 1366, 768)
        return QSize(min(960, screen.width() - 40), max(480, screen.height() - 60))

    # --- what is shown -------------------------------------------------------------------------

    def _show_result(self) -> None:
        result = self.result
        self.canvas.set_pdf(result.pdf)
        self.area.fit()
        count = self.canvas.page_count
        names = list(dict.fromkeys(service.form_name(j.form_id) for j in result.jobs))
        if len(self.receipts) == 1:
            what = f"受理编号 {self.receipts[0]}　{'、'.join(names)}"
        else:
            what = f"批量打印 {len(self.receipts)} 份申请（{'、'.join(names)}）"
        reprints = sum(1 for j in result.jobs if j.reprint)
        note = f"　其中 {reprints} 份为补打" if reprints and len(result.jobs) > 1 else ""
        if reprints and len(result.jobs) == 1:
            note = f"　补打（第{result.jobs[0].copy}次）"
        self.summary.setText(f"{what}　共 {count} 页{note}")
        self.warnings.setText("\n".join(result.warnings))
        self.warnings.setVisible(bool(result.warnings))

    def page_count(self) -> int:
        return self.canvas.page_count

    def _zoom_changed(self, _index: int) -> None:
        self.area.set_mode(self.zoom.currentData())

    def _form_changed(self, _index: int) -> None:
        form = self.form_box.currentData()
        if not form or form == self.form or self.done_once:
            return
        try:
            result = service.prepare(self.ctx.require_store(), self.receipts, form=form)
        except Exception as exc:
            report(self, exc)
            return
        self.form = form
        self.result = result
        self._show_result()

    # --- printing and saving -----------------------------------------------------------------

    def _actor_known(self) -> bool:
        """A print is recorded in the clerk's name: without one (before 首次设置) nothing is
        printed or saved, rather than printed and left unrecorded."""
        try:
            self.ctx.clerk  # noqa: B018 (raises ClerkNotSetError with its message)
        except Exception as exc:
            report(self, exc, "不能打印")
            return False
        return True

    def print_now(self) -> None:
        if self.done_once or not self.print_button.isEnabled() or not self._actor_known():
            return
        printer = choose_printer(self)
        if printer is None:
            return
        if printer.resolution() > MAX_PRINTER_DPI:
            printer.setResolution(MAX_PRINTER_DPI)
        total = self.canvas.page_count
        bar = QProgressDialog("正在送往打印机…", "", 0, total, self)
        bar.setWindowTitle("打印")
        bar.setCancelButton(None)  # half a batch on paper and none recorded would be worse
        bar.setWindowModality(Qt.WindowModality.WindowModal)
        bar.setMinimumDuration(500)

        def progress(done: int, _total: int) -> bool:
            bar.setValue(done)
            QApplication.processEvents()
            return True

        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            sent = pages.print_pdf(self.result.pdf, printer, progress=progress)
            if printer.printerState() == QPrinter.PrinterState.Error:
                raise OSError(0, "打印机报告错误，请检查打印机后重试")
        except OSError as exc:
            if not exc.strerror or exc.filename:
                report(self, exc)
            else:  # the printer's own complaint (pages.print_pdf): say it as it is
                from desktop_app.ui import errors

                errors.present(self, "未能打印", f"{exc.strerror}。这次打印没有记录。")
            return
        except Exception as exc:
            report(self, exc)
            return
        finally:
            QApplication.restoreOverrideCursor()
            bar.close()
            bar.deleteLater()
        where = printer.printerName() or printer.outputFileName() or "打印机"
        self._record(f"已送往 {where}：{sent} 页。")

    def suggested_path(self) -> Path:
        folder = str(self.ctx.settings.value(FOLDER_KEY, "") or "")
        if not folder or not Path(folder).is_dir():
            folder = QStandardPaths.writableLocation(
                QStandardPaths.StandardLocation.DocumentsLocation
            ) or str(self.ctx.home)
        if len(self.receipts) == 1:
            name = f"{self.receipts[0]}-{service.form_name(self.result.jobs[0].form_id)}.pdf"
        else:
            name = f"批量打印-{len(self.receipts)}份-{datetime.now():%Y%m%d-%H%M}.pdf"
        return Path(folder) / name

    def save_as(self) -> None:
        if self.done_once or not self.save_button.isEnabled() or not self._actor_known():
            return
        path = choose_save_path(self, self.suggested_path())
        if path is None:
            return
        if path.suffix.lower() != ".pdf":
            path = path.with_name(path.name + ".pdf")
        try:
            service.save_prepared(self.ctx.require_store(), self.result, path, actor=self.ctx.clerk)
        except Exception as exc:
            report(self, exc, "未能保存")
            return
        self.ctx.settings.setValue(FOLDER_KEY, str(path.parent))
        self._recorded(f"已保存到 {path}。")

    def _record(self, message: str) -> None:
        try:
            service.record_prints(self.ctx.require_store(), self.result.jobs, actor=self.ctx.clerk)
        except Exception as exc:
            report(self, exc, "已打印，但打印记录未能保存")
            return
        self._recorded(message)

    def _recorded(self, message: str) -> None:
        """The prints are recorded: tell the window; show what the next print would be."""
        for receipt in dict.fromkeys(j.receipt for j in self.result.jobs):
            self.ctx.applications_changed.emit(receipt)
        self.printed.emit(list(self.receipts))
        self.status.setStyleSheet("color: #1b6e20;")
        if len(self.receipts) == 1:
            # Another print from here is a reprint: show it as it would come out.
            try:
                self.result = service.prepare(
                    self.ctx.require_store(),
                    self.receipts,
                    form=self.form_box.currentData() or self.form,
                )
            except Exception as exc:
                report(self, exc)
            else:
                self._show_result()
            self.status.setText(f"{message}打印已记录，再次打印将标注“补打”。")
        else:
            self.done_once = True
            for widget in (self.print_button, self.save_button, self.form_box):
                widget.setEnabled(False)
            self.status.setText(f"{message}打印已记录；如需补打，请关闭后重新选择。")
        self.close_button.setFocus()


# --- opening it --------------------------------------------------------------------------------


def open_preview(
    ctx: AppContext,
    receipt: str,
    *,
    form: str = service.AUTO,
    parent: QWidget | None = None,
) -> PrintPreview | None:
    """Prepare one application's form (on this thread: one form takes milliseconds) and show
    the preview, offering the other form where it applies too. None when it cannot print."""
    try:
        store = ctx.require_store()
        choices = service.form_choices(store, receipt)
        result = service.prepare(store, [receipt], form=form)
    except Exception as exc:
        report(parent, exc)
        return None
    dialog = PrintPreview(ctx, [receipt], result, form=form, choices=choices, parent=parent)
    dialog.open()
    return dialog


def start_batch(
    ctx: AppContext,
    receipts: Sequence[str],
    *,
    parent: QWidget | None,
    on_opened: Callable[[PrintPreview], None] | None = None,
    on_cancelled: Callable[[], None] | None = None,
) -> Task | None:
    """Prepare the forms of many applications into one PDF off the GUI thread (progress bar,
    取消), then show the preview. Nothing is recorded before the clerk prints or saves."""
    from desktop_app.ui.tasks import CancelledError, run_task

    try:
        store = ctx.require_store()
    except Exception as exc:
        report(parent, exc)
        return None
    wanted = list(receipts)

    def work(progress: Callable[[int, int], bool]) -> PrintResult:
        return service.prepare(store, wanted, form=service.AUTO, progress=progress)

    def done(result: PrintResult) -> None:
        dialog = PrintPreview(ctx, wanted, result, parent=parent)
        dialog.open()
        if on_opened is not None:
            on_opened(dialog)

    def failed(exc: BaseException) -> None:
        if isinstance(exc, service.PrintCancelledError | CancelledError):
            if on_cancelled is not None:
                on_cancelled()
            return
        report(parent, exc)

    return run_task(
        parent,
        work,
        on_done=done,
        on_error=failed,
        label=f"正在准备 {len(wanted)} 份申请的打印…",
        cancellable=True,
    )
