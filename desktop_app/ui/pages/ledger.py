"""台账: every application, newest first, filtered in the database, read lazily.

The search field has focus when the section shows; typing filters after a short pause,
Enter at once; ↓ goes into the table, Enter (or a double click) opens the application,
↑ on the first row goes back to the search field. Shift+↓/↑ (or the mouse) select several
rows; Ctrl+P prints their forms into one PDF (prepared off the GUI thread, with 取消, then
the print preview). The page only wires widgets to the
ledger model and the services: counting and deep pages are read off the GUI thread by the
model (models/ledger_model.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, QObject, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QTableView,
    QVBoxLayout,
)

from desktop_app.domain.receipts import scanned_receipt
from desktop_app.ui.access import gate
from desktop_app.ui.context import AppContext
from desktop_app.ui.ledger.filters import LedgerFilters
from desktop_app.ui.ledger.submission import SubmissionActions
from desktop_app.ui.models.ledger_model import COLUMNS, RECEIPT_ROLE, LedgerModel
from desktop_app.ui.pages.base import Page

if TYPE_CHECKING:
    from desktop_app.services.ledger_view import LedgerRow
    from desktop_app.ui.exchange.export_dialog import BatchExportDialog, LedgerExportDialog
    from desktop_app.ui.exchange.held import HeldDialog
    from desktop_app.ui.exchange.import_dialog import FileOutcome, ImportResultDialog
    from desktop_app.ui.exchange.keys import OwnKeyDialog
    from desktop_app.ui.ledger.detail import DetailDialog
    from desktop_app.ui.printing.preview import PrintPreview
    from desktop_app.ui.tasks import Task

# A typical value of each column, for its starting width (no ResizeToContents: it would read
# every row). 证书类别/项目 takes the room that is left.
_SAMPLES = (
    "XC01-20261121-0001",
    "2026-11-21",
    "欧阳明明",
    "110105********0006",
    "***************3171",
    "2026年重点群体",
    "",
    "三级（高级工）",
    "2400 元",
    "已受理",
    "服务站",
    "王柜员",
)
_STRETCH = 6
MAX_BATCH = 500  # applications printed into one PDF at a time


class LedgerPage(Page):
    title = "台账"

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.model = LedgerModel(self)
        self.filters = LedgerFilters(self)
        self.view = QTableView()
        self.view.setObjectName("ledger_table")
        self.view.setAccessibleName("台账")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.setSortingEnabled(False)  # the ledger's order is the database's: newest first
        self.view.setWordWrap(False)
        self.view.setTabKeyNavigation(False)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setHighlightSections(False)
        metrics = self.view.fontMetrics()
        for column, sample in enumerate(_SAMPLES[: len(COLUMNS)]):
            if column == _STRETCH:
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
                continue
            title = metrics.horizontalAdvance(COLUMNS[column][0])
            header.resizeSection(column, max(metrics.horizontalAdvance(sample), title) + 14)

        self.count_label = QLabel()
        self.count_label.setObjectName("ledger_count")
        self.message = QLabel()
        self.message.setObjectName("ledger_message")
        self.message.setStyleSheet("color: #b3261e;")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        hint = QLabel(
            "↓ 进入列表　回车查看详情和更改状态　Shift+↓ 多选　Ctrl+F 查找　扫回执二维码即打开"
        )
        hint.setStyleSheet("color: #666;")
        self.batch_button = QPushButton("批量打印（Ctrl+P）")
        self.batch_button.setObjectName("ledger_batch_print")
        self.batch_button.setToolTip("把选中的申请的表格打印到一个 PDF 里（先预览）")
        self.batch_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.batch_button.clicked.connect(self.batch_print)
        self.export_button = QPushButton("导出（Ctrl+E）")
        self.export_button.setObjectName("ledger_export")
        self.export_button.setToolTip("把筛选出的申请导出为 Excel 工作簿（含汇总表）")
        self.export_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.export_button.clicked.connect(self.export_ledger)
        self.exchange_button = QPushButton("交换文件(&X)")
        self.exchange_button.setObjectName("ledger_exchange")
        self.exchange_button.setToolTip("服务站与区总工会之间交换申请（Excel 文件）")
        self.exchange_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.exchange_menu = QMenu(self.exchange_button)
        self.exchange_menu.setObjectName("ledger_exchange_menu")
        self.exchange_export_action = self.exchange_menu.addAction(
            "导出交换文件（报区总工会）(&E)…", self.export_batch
        )
        self.exchange_export_action.setShortcut(QKeySequence("Ctrl+Shift+E"))
        self.exchange_export_action.setShortcutContext(
            Qt.ShortcutContext.WidgetWithChildrenShortcut
        )
        self.exchange_import_action = self.exchange_menu.addAction(
            "导入交换文件（区总工会）(&I)…", self.import_exchange
        )
        self.exchange_import_action.setShortcut(QKeySequence("Ctrl+Shift+I"))
        self.exchange_import_action.setShortcutContext(
            Qt.ShortcutContext.WidgetWithChildrenShortcut
        )
        self.exchange_menu.addSeparator()
        self.exchange_held_action = self.exchange_menu.addAction(
            "导入待核（区总工会）(&H)…", self.show_held
        )
        self.exchange_menu.addSeparator()
        self.own_key_action = self.exchange_menu.addAction(
            "本站签名密钥（指纹、导出公钥）(&K)…", self.show_own_key
        )
        self.register_key_action = self.exchange_menu.addAction(
            "登记服务站公钥（区总工会）(&R)…", self.register_station_key
        )
        self.exchange_button.setMenu(self.exchange_menu)
        self.submission = SubmissionActions(self)
        self.exchange_menu.setToolTipsVisible(True)  # a refused entry says why
        # The actions' shortcuts work anywhere in the page (and show in the menu).
        self.addAction(self.exchange_export_action)
        self.addAction(self.exchange_import_action)

        info = QHBoxLayout()
        info.addWidget(self.count_label)
        info.addWidget(self.message, 1)
        info.addWidget(hint)
        info.addWidget(self.batch_button)
        info.addWidget(self.submission.button)
        info.addWidget(self.export_button)
        info.addWidget(self.exchange_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 8)
        layout.addWidget(self.filters)
        layout.addLayout(info)
        layout.addWidget(self.view, 1)
        self.setTabOrder(self.filters.status, self.view)

        self.detail: DetailDialog | None = None
        self.preview: PrintPreview | None = None
        self.batch_task: Task | None = None
        self.export_dialog: LedgerExportDialog | BatchExportDialog | None = None
        self.import_task: Task | None = None
        self.import_result: ImportResultDialog | None = None
        self.key_dialog: OwnKeyDialog | None = None
        self.held_dialog: HeldDialog | None = None
        self._stale = True  # the model does not show the current database yet
        self._needs_refresh = False  # applications changed while the section was hidden
        self._choices_loaded = False

        self.filters.changed.connect(self.apply_filters)
        self.filters.invalid.connect(self._show_message)
        self.filters.down_pressed.connect(self.enter_table)
        self.filters.receipt_entered.connect(self.open_scanned)
        self.model.count_changed.connect(self._count_changed)
        self.model.failed.connect(self._failed)
        self.view.doubleClicked.connect(self._open_index)
        self.view.installEventFilter(self)
        find = QShortcut(QKeySequence("Ctrl+F"), self)
        find.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        find.activated.connect(self.focus_search)
        batch = QShortcut(QKeySequence("Ctrl+P"), self)
        batch.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        batch.activated.connect(self.batch_print)
        export = QShortcut(QKeySequence("Ctrl+E"), self)
        export.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        export.activated.connect(self.export_ledger)
        ctx.store_opened.connect(self._store_opened)
        ctx.applications_changed.connect(self._applications_changed)
        self._count_changed(None)

    # --- the section -------------------------------------------------------------------------

    def section_shown(self) -> None:
        gate(self.export_button, self.ctx, "export.ledger")
        exchange = [
            gate(self.exchange_export_action, self.ctx, "exchange.export"),
            gate(self.exchange_import_action, self.ctx, "exchange.import"),
            gate(self.exchange_held_action, self.ctx, "exchange.import"),
            gate(self.own_key_action, self.ctx, "exchange.export"),
            gate(self.register_key_action, self.ctx, "exchange.keys"),
        ]
        self.exchange_button.setEnabled(any(exchange))  # what the role may do of it is there
        gate(self.batch_button, self.ctx, "application.print")
        self.submission.gate()
        self._load_choices()
        if self.ctx.store is not None:
            if self._stale:
                self.apply_filters()
            elif self._needs_refresh:
                self._needs_refresh = False
                self.model.refresh()
        elif self.ctx.store_error:
            self._show_message(f"数据库无法使用：{self.ctx.store_error}")
        else:
            self.count_label.setText("正在打开数据库…")
        self.focus_search()

    def focus_search(self) -> None:
        self.filters.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filters.search.selectAll()

    def _load_choices(self) -> None:
        if self._choices_loaded:
            return
        from desktop_app.services.ledger_view import scheme_choices, status_choices

        self.filters.set_schemes([(c.id, c.short_name, c.name) for c in scheme_choices()])
        self.filters.set_statuses(status_choices())
        self._choices_loaded = True

    def _store_opened(self, _store: object) -> None:
        self._stale = True
        if self.isVisible():
            self.apply_filters()

    def _applications_changed(self, _receipt: str) -> None:
        if self._stale:
            return  # loads afresh when shown
        if self.isVisible():
            self.model.refresh()
        else:
            self._needs_refresh = True

    # --- filtering -----------------------------------------------------------------------------

    def apply_filters(self) -> None:
        """Show what the filter bar holds (from the first page; counted off the GUI thread)."""
        from desktop_app.services.ledger_view import make_filter
        from desktop_app.ui.errors import message_for

        store = self.ctx.store
        if store is None:
            return
        try:
            values = self.filters.values()
            filter_ = make_filter(
                date_from=values.date_from,
                date_to=values.date_to,
                scheme=values.scheme,
                status=values.status,
                query=values.query,
            )
        except ValueError as exc:
            self._show_message(str(exc))
            return
        self._show_message("")
        self._stale = False
        self._needs_refresh = False
        try:
            self.model.set_query(store, filter_)
        except Exception as exc:  # the store failed: say so, keep the window
            self._show_message(message_for(exc))
            return
        if self.model.rowCount() and self.view.hasFocus():
            self._select(0)

    def _count_changed(self, total: object) -> None:
        if self.ctx.store is None:
            self.count_label.setText("正在打开数据库…")
        elif total is None:
            self.count_label.setText("正在统计条数…")
        elif total == 0:
            self.count_label.setText("没有符合条件的申请")
        else:
            self.count_label.setText(f"共 {int(total):,} 条")  # type: ignore[call-overload]

    def _failed(self, exc: BaseException) -> None:
        from desktop_app.ui.errors import message_for

        self._show_message(message_for(exc))

    def _show_message(self, text: str) -> None:
        self.message.setText(text)

    # --- the table -------------------------------------------------------------------------------

    def enter_table(self) -> None:
        if self.model.rowCount() == 0:
            return
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)
        current = self.view.currentIndex()
        self._select(current.row() if current.isValid() else 0)

    def _select(self, row: int) -> None:
        index = self.model.index(row, 0)
        self.view.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.view.scrollTo(index)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.view
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
        ):
            key = event.key()
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.open_current()
                return True
            if key == Qt.Key.Key_Up and self.view.currentIndex().row() <= 0:
                self.focus_search()
                return True
        return super().eventFilter(watched, event)

    def _open_index(self, index: QModelIndex) -> None:
        if index.isValid():
            self.view.setCurrentIndex(index)
            self.open_current()

    def current_row(self) -> LedgerRow | None:
        index = self.view.currentIndex()
        if not index.isValid():
            return None
        return self.model.row_at(index.row(), wait=True)

    def open_current(self) -> None:
        row = self.current_row()
        if row is not None:
            self.open_receipt(row.receipt)

    def open_receipt(self, receipt: str, *, scanned: bool = False) -> DetailDialog | None:
        """Show one application (non-blocking dialog); its status can be changed there.

        `scanned`: the number came whole from the search field (a receipt's QR code read by a
        scanner, or typed). An unknown number is then said under the filter bar, not in a
        message box the next scan would type into, and closing the detail returns to the
        search field with its text selected, so that the next scan replaces it."""
        from desktop_app.services.ledger_view import receipt_on_record
        from desktop_app.ui.errors import show_error
        from desktop_app.ui.ledger.detail import DetailDialog

        if self.detail is not None:
            self.detail.close()
            self.detail.deleteLater()
            self.detail = None
        try:
            if scanned and not receipt_on_record(self.ctx.require_store(), receipt):
                self._show_message(
                    f"找不到受理编号为 {receipt} 的申请。请核对回执上的受理编号"
                    "（别的服务站受理的申请，在那个站的台账里查）。"
                )
                self.focus_search()
                return None
            dialog = DetailDialog(self.ctx, receipt, self)
        except Exception as exc:
            show_error(self, exc)
            return None
        dialog.status_changed.connect(self.model.update_row)
        dialog.finished.connect(self._search_again if scanned else self._detail_closed)
        self.detail = dialog
        dialog.open()
        return dialog

    def open_scanned(self, receipt: str) -> DetailDialog | None:
        """A whole receipt number from the search field, or from 受理's (the main window
        brings the ledger forward first): the application's detail, at once."""
        if self.ctx.store is None:
            return None
        if scanned_receipt(self.filters.search.text()) != receipt:
            self.filters.show_query(receipt)  # the table shows it too, behind the detail
        return self.open_receipt(receipt, scanned=True)

    def _detail_closed(self, *_args: Any) -> None:
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)

    def _search_again(self, *_args: Any) -> None:
        self.focus_search()

    def receipt_at(self, row: int) -> str | None:
        value = self.model.data(self.model.index(row, 0), RECEIPT_ROLE)
        return str(value) if value else None

    # --- batch printing ------------------------------------------------------------------------

    def selected_receipts(self) -> list[str]:
        """The receipts of the selected rows in the ledger's order (the current row if none)."""
        selection = self.view.selectionModel()
        rows = sorted({index.row() for index in selection.selectedRows()})
        if not rows and self.view.currentIndex().isValid():
            rows = [self.view.currentIndex().row()]
        receipts = []
        for place in rows:
            row = self.model.row_at(place, wait=True)
            if row is not None:
                receipts.append(row.receipt)
        return receipts

    def _selected_count(self) -> int:
        return sum(r.height() for r in self.view.selectionModel().selection())

    def batch_print(self) -> None:
        """Print the selected applications' forms (Annex 2 where it applies, else the receipt)
        into one PDF: prepared off the GUI thread, then the preview."""
        from desktop_app.ui.printing.preview import start_batch

        if self.batch_task is not None and self.batch_task.running:
            return
        if self._selected_count() > MAX_BATCH:
            self._show_message(f"一次最多批量打印 {MAX_BATCH} 份申请，请缩小筛选范围或少选一些。")
            return
        receipts = self.selected_receipts()
        if not receipts:
            self._show_message("请先在列表中选择要打印的申请（Shift+↓ 可多选）。")
            return
        self._show_message("")
        if self.preview is not None:
            self.preview.close()
            self.preview.deleteLater()
            self.preview = None
        self.batch_task = start_batch(
            self.ctx,
            receipts,
            parent=self,
            on_opened=self._preview_opened,
            on_cancelled=lambda: self._show_message("已取消批量打印：没有打印，也没有记录。"),
        )

    def _preview_opened(self, dialog: PrintPreview) -> None:
        self.preview = dialog
        dialog.finished.connect(self._detail_closed)

    # --- Excel: export, exchange -----------------------------------------------------------------

    def _close_export_dialog(self) -> None:
        if self.export_dialog is not None:
            self.export_dialog.close()
            self.export_dialog.deleteLater()
            self.export_dialog = None

    def export_ledger(self) -> LedgerExportDialog | None:
        """导出: the applications the filter bar selects (as the table shows them), to Excel."""
        from desktop_app.services.ledger_view import make_filter
        from desktop_app.services.presenter import filter_text
        from desktop_app.ui.exchange.export_dialog import LedgerExportDialog

        if self.export_dialog is not None and self.export_dialog.running():
            return None
        if self.ctx.store is None:
            self._show_message(self.ctx.store_error or "数据库还在打开中，请稍候再试。")
            return None
        try:
            values = self.filters.values()
            filter_ = make_filter(
                date_from=values.date_from,
                date_to=values.date_to,
                scheme=values.scheme,
                status=values.status,
                query=values.query,
            )
        except ValueError as exc:
            self._show_message(str(exc))
            return None
        self.filters.apply_now()  # the table shows what is exported
        self._close_export_dialog()
        description = filter_text(filter_)
        total = self.model.total if self.model.filter == filter_ else None
        dialog = LedgerExportDialog(
            self.ctx,
            filter_,
            description=description,
            count=total if isinstance(total, int) else None,
            parent=self,
        )
        dialog.finished.connect(self._detail_closed)
        self.export_dialog = dialog
        dialog.open()
        return dialog

    def export_batch(self) -> BatchExportDialog | None:
        """交换文件 → 导出: this station's applications of a period (the filter's dates)."""
        from desktop_app.ui.exchange.export_dialog import BatchExportDialog

        if self.export_dialog is not None and self.export_dialog.running():
            return None
        if self.ctx.store is None:
            self._show_message(self.ctx.store_error or "数据库还在打开中，请稍候再试。")
            return None
        try:
            values = self.filters.values()
            date_from, date_to = values.date_from, values.date_to
        except ValueError:
            date_from = date_to = None
        self._close_export_dialog()
        dialog = BatchExportDialog(self.ctx, date_from=date_from, date_to=date_to, parent=self)
        dialog.finished.connect(self._detail_closed)
        self.export_dialog = dialog
        dialog.open()
        return dialog

    def import_exchange(self) -> None:
        """交换文件 → 导入: stations' batches, each all or nothing, then the result per file."""
        from desktop_app.ui.exchange import common
        from desktop_app.ui.exchange.import_dialog import start_import

        if self.import_task is not None and self.import_task.running:
            return
        if self.ctx.store is None:
            self._show_message(self.ctx.store_error or "数据库还在打开中，请稍候再试。")
            return
        paths = common.choose_open_paths(self, "导入交换文件", common.last_folder(self.ctx))
        if not paths:
            return
        self._show_message("")
        self.import_task = start_import(
            self.ctx, paths, parent=self, on_finished=self._import_finished
        )

    def show_own_key(self) -> None:
        """交换文件 → 本站签名密钥: the fingerprint to read out, the key file to export."""
        from desktop_app.ui.exchange.keys import OwnKeyDialog

        if self.ctx.store is None:
            self._show_message(self.ctx.store_error or "数据库还在打开中，请稍候再试。")
            return
        if self.key_dialog is not None:
            self.key_dialog.close()
            self.key_dialog.deleteLater()
        self.key_dialog = OwnKeyDialog(self.ctx, self)
        self.key_dialog.open()

    def register_station_key(self) -> None:
        """交换文件 → 登记服务站公钥: the station and fingerprint shown, asked, registered."""
        from desktop_app.ui.exchange.keys import register_key

        if self.ctx.store is None:
            self._show_message(self.ctx.store_error or "数据库还在打开中，请稍候再试。")
            return
        done = register_key(self.ctx, self)
        if done is not None:
            self._show_message(done)

    def show_held(self) -> None:
        """交换文件 → 导入待核: the held rows with both outcomes, to accept one."""
        from desktop_app.ui.exchange.held import HeldDialog

        if self.ctx.store is None:
            self._show_message(self.ctx.store_error or "数据库还在打开中，请稍候再试。")
            return
        if self.held_dialog is not None:
            self.held_dialog.close()
            self.held_dialog.deleteLater()
        self.held_dialog = HeldDialog(self.ctx, self)
        self.held_dialog.open()

    def _import_finished(self, outcomes: list[FileOutcome]) -> None:
        from desktop_app.ui.exchange.import_dialog import ImportResultDialog

        if self.import_result is not None:
            self.import_result.close()
            self.import_result.deleteLater()
        dialog = ImportResultDialog(self.ctx, outcomes, parent=self)
        dialog.finished.connect(self._detail_closed)
        self.import_result = dialog
        dialog.open()
