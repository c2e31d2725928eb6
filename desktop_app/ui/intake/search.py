"""The 受理 search box: matches of every scheme as the clerk types, ↑/↓ and Enter to choose.

The results float over the form under the box (a child of the page, never a separate window),
so the focus stays in the box while the clerk types and moves through the matches. A whole
receipt number (a member back with the 受理回执: its QR code read by a USB scanner, which types
like a keyboard) is no occupation: the box asks to open that application instead, at once on
Enter, or after a moment for a scanner that sends no Enter.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QWidget,
)

from desktop_app.domain.receipts import scanned_receipt
from desktop_app.domain.text import quoted

if TYPE_CHECKING:
    from desktop_app.services.catalogue import CatalogueRow, CatalogueSearch
    from desktop_app.ui.models.catalogue_model import CatalogueModel

RESULT_LIMIT = 30
# Column widths in characters: 方案, 名称, 代码, 证书类别, 档次, 可补助等级 (补助标准 stretches).
_COLUMN_CHARS = (11, 12, 6, 8, 3, 16)
_MAX_VISIBLE_ROWS = 10
SCAN_WAIT_MS = 300  # a receipt number without Enter: opened once the keys stop coming


class SearchBox(QWidget):
    chosen = Signal(object)  # the CatalogueRow
    receipt_entered = Signal(str)  # a whole receipt number: open that application

    def __init__(self, catalogue: Callable[[], CatalogueSearch], overlay_parent: QWidget) -> None:
        super().__init__()
        self._catalogue = catalogue
        self._overlay_parent = overlay_parent
        self._model: CatalogueModel | None = None
        self._quiet = False

        self.edit = QLineEdit()
        self.edit.setObjectName("catalogue_search")
        self.edit.setAccessibleName("查找职业（工种）")
        self.edit.setPlaceholderText("查找职业（工种）、项目或竞赛：名称、代码或拼音首字母，如 wrj")
        self.edit.setClearButtonEnabled(True)
        font = self.edit.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        self.edit.setFont(font)
        self.edit.setMinimumHeight(34)
        self.hint = QLabel()
        self.hint.setObjectName("catalogue_search_hint")
        self.hint.setMinimumWidth(220)
        label = QLabel("查找(&F)")
        label.setBuddy(self.edit)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(label)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.hint)

        self.results = QTableView(overlay_parent)
        self.results.setObjectName("catalogue_results")
        self.results.setAccessibleName("查找结果")
        self.results.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.results.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.results.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.results.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.results.setAlternatingRowColors(True)
        self.results.verticalHeader().hide()
        self.results.setWordWrap(False)
        self.results.setStyleSheet("QTableView { border: 2px solid #3b6fb6; background: white; }")
        self.results.hide()
        self.results.clicked.connect(lambda index: self._choose(index.row()))

        self._scan_timer = QTimer(self)
        self._scan_timer.setSingleShot(True)
        self._scan_timer.setInterval(SCAN_WAIT_MS)
        self._scan_timer.timeout.connect(self._receipt_entered)

        self.edit.textChanged.connect(self._search)
        self.edit.installEventFilter(self)

    # --- results ---------------------------------------------------------------------------

    def model(self) -> CatalogueModel:
        if self._model is None:
            from desktop_app.ui.models.catalogue_model import CatalogueModel

            self._model = CatalogueModel(parent=self)
            self.results.setModel(self._model)
            # Fixed widths: sizing columns to their contents would read every cell again
            # on each key press (thousands of reads; the list must follow typing at once).
            header = self.results.horizontalHeader()
            header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
            width = self.results.fontMetrics().horizontalAdvance("中")
            for column, chars in enumerate(_COLUMN_CHARS):
                header.resizeSection(column, width * chars)
            header.setStretchLastSection(True)
            self.results.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        return self._model

    def _search(self, text: str) -> None:
        self._scan_timer.stop()
        if self._quiet:
            return
        query = text.strip()
        receipt = scanned_receipt(query)
        if receipt is not None:
            self.model().set_rows(())
            self.results.hide()
            self.hint.setText(f"受理编号 {receipt}：回车打开这份申请")
            self._scan_timer.start()
            return
        if not query:
            self.model().set_rows(())
            self.hint.clear()
            self.results.hide()
            return
        rows = self._catalogue().search(query, limit=RESULT_LIMIT)
        self.model().set_rows(rows)
        if not rows:
            self.hint.setText(f"没有找到{quoted(query)}")
            self.results.hide()
            return
        self.hint.setText(f"{len(rows)} 项　↑↓ 选择，Enter 确定")
        self._select(0)
        self.place_results()
        self.results.show()
        self.results.raise_()

    def current_row(self) -> int:
        index = self.results.currentIndex()
        return index.row() if index.isValid() else -1

    def current(self) -> CatalogueRow | None:
        return self.model().row_at(self.current_row())

    def _select(self, row: int) -> None:
        model = self.model()
        if model.rowCount() == 0:
            return
        row = max(0, min(row, model.rowCount() - 1))
        self.results.setCurrentIndex(model.index(row, 0))
        self.results.scrollTo(model.index(row, 0))

    def place_results(self) -> None:
        if self._model is None:
            return
        parent = self._overlay_parent
        top_left = self.edit.mapTo(parent, QPoint(0, self.edit.height()))
        width = max(self.edit.width(), min(parent.width() - top_left.x() - 8, 1100))
        rows = min(self._model.rowCount(), _MAX_VISIBLE_ROWS)
        row_height = self.results.verticalHeader().defaultSectionSize()
        height = self.results.horizontalHeader().sizeHint().height() + rows * row_height + 6
        height = min(height, max(parent.height() - top_left.y() - 8, 80))
        self.results.setGeometry(top_left.x(), top_left.y() + 2, width, height)

    def hide_results(self) -> None:
        self.results.hide()

    def set_text_quietly(self, text: str) -> None:
        self._quiet = True
        try:
            self.edit.setText(text)
        finally:
            self._quiet = False
        self.hint.clear()
        self.results.hide()

    def _choose(self, row: int) -> None:
        item = self.model().row_at(row)
        if item is None:
            return
        self.set_text_quietly(item.entry.name)
        self.chosen.emit(item)

    # --- keys ------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.edit and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            return self._key(event)
        return super().eventFilter(watched, event)

    def _key(self, event: QKeyEvent) -> bool:
        key = event.key()
        visible = self.results.isVisible()
        if key in (Qt.Key.Key_Down, Qt.Key.Key_Up, Qt.Key.Key_PageDown, Qt.Key.Key_PageUp):
            if not visible:
                if self.edit.text().strip():
                    self._search(self.edit.text())
                return True
            step = {
                Qt.Key.Key_Down: 1,
                Qt.Key.Key_Up: -1,
                Qt.Key.Key_PageDown: _MAX_VISIBLE_ROWS,
                Qt.Key.Key_PageUp: -_MAX_VISIBLE_ROWS,
            }[Qt.Key(key)]
            self._select(self.current_row() + step)
            return True
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if visible:
                self._choose(max(self.current_row(), 0))
                return True
            if scanned_receipt(self.edit.text()) is not None:
                self._receipt_entered()
                return True
            return False
        if key == Qt.Key.Key_Escape and visible:
            self.results.hide()
            return True
        return False

    def _receipt_entered(self) -> None:
        self._scan_timer.stop()
        receipt = scanned_receipt(self.edit.text())
        if receipt is None:
            return
        self.set_text_quietly("")  # the next scan, or the next occupation, starts afresh
        self.receipt_entered.emit(receipt)

    def any_results(self) -> Any:
        return self._model.rowCount() if self._model is not None else 0
