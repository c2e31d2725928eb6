"""Catalogue rows (of every scheme) in a table: the 受理 search results and the 目录 section."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from desktop_app.services.catalogue import CatalogueRow
from desktop_app.ui.models.base import ColumnsTableModel

Index = QModelIndex | QPersistentModelIndex

# (header, text of a row)
COLUMNS: tuple[tuple[str, Any], ...] = (
    ("方案", lambda r: r.policy.short_name),
    ("名称", lambda r: r.entry.name),
    ("代码", lambda r: r.entry.code or ""),
    ("证书类别", lambda r: r.kind_label),
    ("档次", lambda r: f"{r.entry.tier}档" if r.entry.tier else ""),
    ("可补助等级", lambda r: r.levels_text),
    ("补助标准", lambda r: r.amounts_text),
)

ROW_ROLE = Qt.ItemDataRole.UserRole + 1  # the CatalogueRow itself


class CatalogueModel(ColumnsTableModel):
    COLUMNS = COLUMNS

    def __init__(self, rows: Sequence[CatalogueRow] = (), parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[CatalogueRow] = list(rows)
        self._texts: dict[int, tuple[str, ...]] = {}

    def set_rows(self, rows: Sequence[CatalogueRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._texts: dict[int, tuple[str, ...]] = {}
        self.endResetModel()

    def _text(self, row: int, column: int) -> str:
        texts = self._texts.get(row)
        if texts is None:  # each row's cells are worked out once, when first shown
            texts = tuple(str(text(self._rows[row])) for _header, text in COLUMNS)
            self._texts[row] = texts
        return texts[column]

    def row_at(self, row: int) -> CatalogueRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(index.row(), index.column())
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [f"{line.condition}：{line.amount}元（{line.source}）" for line in row.amounts]
            return "\n".join([f"{row.policy.name}", f"出处：{row.entry.source.cite()}", *lines])
        if role == ROW_ROLE:
            return row
        return None
