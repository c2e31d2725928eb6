"""The ledger's filter bar: free text (name, receipt number, ID number), date range, scheme,
status. Typing waits a moment before the ledger follows (debounce); Enter applies at once. A
whole receipt number (scanned from a form's QR code, or typed) also asks to open it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QWidget

from desktop_app.domain.receipts import scanned_receipt

DEBOUNCE_MS = 250
_BAD = "QLineEdit { border: 1px solid #b3261e; }"


@dataclass(frozen=True)
class FilterValues:
    """What the bar holds (dates already read; None where nothing is chosen)."""

    query: str = ""
    date_from: date | None = None
    date_to: date | None = None
    scheme: str | None = None
    status: str | None = None


class LedgerFilters(QWidget):
    changed = Signal()  # the values changed (after the debounce, or at once on Enter)
    invalid = Signal(str)  # a date cannot be read: the message
    down_pressed = Signal()  # ↓ in the search field: into the table
    # A whole receipt number in the search field (a scanner's, or typed): open it. At once on
    # Enter (a scanner's own Enter reaches the field before the debounce ends), or after the
    # debounce for a scanner that sends none.
    receipt_entered = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit()
        self.search.setObjectName("ledger_search")
        self.search.setPlaceholderText("姓名、受理编号或身份证号　回车查找，↓ 进入列表")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("查找")
        self.search.setMinimumWidth(260)
        self.date_from = self._date_field("ledger_from", "起始日期", "不限")
        self.date_to = self._date_field("ledger_to", "截止日期", "不限")
        self.scheme = QComboBox()
        self.scheme.setObjectName("ledger_scheme")
        self.scheme.setAccessibleName("方案")
        self.scheme.addItem("全部方案", None)
        self.status = QComboBox()
        self.status.setObjectName("ledger_status")
        self.status.setAccessibleName("状态")
        self.status.addItem("全部状态", None)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        search_label = QLabel("查找(&F)")
        search_label.setBuddy(self.search)
        layout.addWidget(search_label)
        layout.addWidget(self.search, 3)
        for text, field in (("日期(&D)", self.date_from), ("至", self.date_to)):
            label = QLabel(text)
            label.setBuddy(field)
            layout.addWidget(label)
            layout.addWidget(field, 1)
        for text, combo in (("方案(&A)", self.scheme), ("状态(&T)", self.status)):
            label = QLabel(text)
            label.setBuddy(combo)
            layout.addWidget(label)
            layout.addWidget(combo, 1)
        self.setTabOrder(self.search, self.date_from)
        self.setTabOrder(self.date_from, self.date_to)
        self.setTabOrder(self.date_to, self.scheme)
        self.setTabOrder(self.scheme, self.status)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._apply)
        self._applied: FilterValues | None = None
        self.search.textEdited.connect(self._later)
        self.search.returnPressed.connect(self._enter)
        self.search.installEventFilter(self)
        for field in (self.date_from, self.date_to):
            field.textEdited.connect(self._later)
            field.returnPressed.connect(self.apply_now)
            field.editingFinished.connect(self.apply_now)
        self.scheme.currentIndexChanged.connect(self.apply_now)
        self.status.currentIndexChanged.connect(self.apply_now)

    @staticmethod
    def _date_field(name: str, accessible: str, placeholder: str) -> QLineEdit:
        field = QLineEdit()
        field.setObjectName(name)
        field.setAccessibleName(accessible)
        field.setPlaceholderText(placeholder)
        field.setToolTip(f"{accessible}：如 2026-11-21 或 20261121，空着表示不限")
        field.setMaximumWidth(130)
        return field

    # --- choices ---------------------------------------------------------------------------

    def set_schemes(self, schemes: Sequence[tuple[str, str, str]]) -> None:
        """(id, short name, full name) of each scheme."""
        current = self.scheme.currentData()
        self.scheme.blockSignals(True)
        self.scheme.clear()
        self.scheme.addItem("全部方案", None)
        for scheme_id, short_name, name in schemes:
            self.scheme.addItem(short_name, scheme_id)
            self.scheme.setItemData(self.scheme.count() - 1, name, Qt.ItemDataRole.ToolTipRole)
        found = self.scheme.findData(current)
        self.scheme.setCurrentIndex(max(found, 0))
        self.scheme.blockSignals(False)

    def set_statuses(self, statuses: Sequence[tuple[str, str]]) -> None:
        """(code, label) of each status."""
        self.status.blockSignals(True)
        self.status.clear()
        self.status.addItem("全部状态", None)
        for code, label in statuses:
            self.status.addItem(label, code)
        self.status.blockSignals(False)

    # --- values ----------------------------------------------------------------------------

    def values(self) -> FilterValues:
        """The values, ValueError (Chinese) if a date cannot be read."""
        from desktop_app.services.ledger_view import parse_date_text

        dates: list[date | None] = []
        for field, what in ((self.date_from, "起始日期"), (self.date_to, "截止日期")):
            try:
                dates.append(parse_date_text(field.text()))
            except ValueError as exc:
                field.setStyleSheet(_BAD)
                raise ValueError(f"{what}：{exc}") from None
            field.setStyleSheet("")
        if dates[0] is not None and dates[1] is not None and dates[0] > dates[1]:
            self.date_from.setStyleSheet(_BAD)
            raise ValueError("起始日期晚于截止日期")
        return FilterValues(
            query=self.search.text().strip(),
            date_from=dates[0],
            date_to=dates[1],
            scheme=self.scheme.currentData(),
            status=self.status.currentData(),
        )

    def _later(self, *_args: object) -> None:
        self._timer.start()

    def apply_now(self, *_args: object) -> None:
        self._timer.stop()
        self._apply()

    def _enter(self) -> None:
        self._timer.stop()
        self._apply(entered=True)

    def show_query(self, text: str) -> None:
        """Put `text` in the search field and apply it at once, without asking to open it."""
        self.search.setText(text)
        self._timer.stop()
        self._apply(ask_open=False)

    def _apply(self, *, entered: bool = False, ask_open: bool = True) -> None:
        try:
            values = self.values()
        except ValueError as exc:
            self.invalid.emit(str(exc))
            return
        changed = values != self._applied
        if changed:
            self._applied = values
            self.changed.emit()
        receipt = scanned_receipt(values.query)
        if ask_open and receipt is not None and (changed or entered):
            self.receipt_entered.emit(receipt)

    def forget_applied(self) -> None:
        """The next apply emits `changed` even if nothing changed (the ledger was reset)."""
        self._applied = None

    # --- keys ----------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.search
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
        ):
            key = event.key()
            if key == Qt.Key.Key_Down:
                self.apply_now()
                self.down_pressed.emit()
                return True
            if key == Qt.Key.Key_Escape and self.search.text():
                self.search.clear()
                self.apply_now()
                return True
        return super().eventFilter(watched, event)
