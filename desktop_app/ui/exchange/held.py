"""交换文件 → 导入待核: imported applications whose recomputed decision differs from the
station's, with both outcomes; the clerk accepts one or the other (asked first; audited by
`services.exchange.held_rows`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui.access import gate
from desktop_app.ui.context import AppContext
from desktop_app.ui.exchange import common
from desktop_app.ui.models.base import ColumnsTableModel
from desktop_app.ui.questions import ask

if TYPE_CHECKING:
    from desktop_app.services.exchange.held_rows import HeldItem

_Index = QModelIndex | QPersistentModelIndex


class HeldModel(ColumnsTableModel):
    """The held rows, one a row, oldest first."""

    COLUMNS = (
        ("受理编号", lambda h: h.receipt),
        ("姓名", lambda h: h.name),
        ("服务站", lambda h: h.station_code),
        ("服务站的决定", lambda h: h.station_outcome),
        ("重新核算的结果", lambda h: h.recomputed_outcome),
        ("文件", lambda h: h.file_name),
    )

    def __init__(self, items: Sequence[HeldItem] = (), parent: Any = None) -> None:
        super().__init__(parent)
        self._items = list(items)

    def set_items(self, items: Sequence[HeldItem]) -> None:
        self.beginResetModel()
        self._items = list(items)
        self.endResetModel()

    def item_at(self, row: int) -> HeldItem:
        return self._items[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 (Qt)
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 (Qt)
        return 0 if parent.isValid() else len(self.COLUMNS)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        return self.COLUMNS[index.column()][1](self._items[index.row()])


class HeldDialog(QDialog):
    """导入待核: the table, 按服务站的决定核定 and 按重新核算的结果核定."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("held_imports")
        self.setWindowTitle("导入待核")
        intro = QLabel(
            "下列申请导入时重新核算的补助与服务站保存的不同，没有按服务站的金额入库。"
            "请与服务站核对后选一种核定：核定后申请入库，并记入审计记录。"
        )
        intro.setWordWrap(True)
        self.model = HeldModel(parent=self)
        self.table = QTableView()
        self.table.setObjectName("held_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.status = QLabel()
        self.status.setObjectName("held_status")
        self.status.setWordWrap(True)
        self.station_button = QPushButton("按服务站的决定核定(&S)…")
        self.station_button.setObjectName("held_accept_station")
        self.station_button.clicked.connect(lambda: self.accept_current("station"))
        self.recomputed_button = QPushButton("按重新核算的结果核定(&R)…")
        self.recomputed_button.setObjectName("held_accept_recomputed")
        self.recomputed_button.clicked.connect(lambda: self.accept_current("recomputed"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.addButton(self.station_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.recomputed_button, QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.resize(900, 420)
        self.refresh()

    def refresh(self) -> None:
        from desktop_app.services.exchange import held_rows

        try:
            items = held_rows.held_rows(self.ctx.require_store())
        except Exception as exc:
            self.status.setText(common.error_text(exc))
            items = []
        self.model.set_items(items)
        if items:
            self.table.selectRow(0)
        else:
            self.status.setText(self.status.text() or "没有导入待核的申请。")
        for button in (self.station_button, self.recomputed_button):
            gate(button, self.ctx, "exchange.import", enabled=bool(items))

    def accept_current(self, choice: str) -> None:
        from desktop_app.services.exchange import held_rows

        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        item = self.model.item_at(rows[0].row())
        chosen = item.station_outcome if choice == "station" else item.recomputed_outcome
        if not ask(
            self,
            "核定导入待核的申请",
            f"{item.receipt}（{item.name}）{held_rows.CHOICE_LABELS[choice]}核定：{chosen}？",
            yes="核定(&Y)",
            no="取消(&C)",
            informative=(
                f"服务站的决定：{item.station_outcome}\n重新核算的结果：{item.recomputed_outcome}"
                "\n\n核定后申请入库，记入审计记录，不能在这里撤销。"
            ),
        ):
            return
        try:
            held_rows.accept_held(
                self.ctx.require_store(),
                item.receipt,
                "station" if choice == "station" else "recomputed",
                actor=self.ctx.clerk,
            )
        except Exception as exc:
            common.report(self, exc, "核定导入待核的申请")
            return
        self.status.setText(f"已核定 {item.receipt}（{item.name}）：{chosen}。")
        self.ctx.applications_changed.emit(item.receipt)
        self.refresh()
