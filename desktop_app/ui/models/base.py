"""What the table models share: column headers from their column lists."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, Qt


class ColumnsTableModel(QAbstractTableModel):
    """A table model whose columns are a sequence of (header, cell text function)."""

    COLUMNS: Sequence[tuple[str, Any]] = ()

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.COLUMNS):
            return self.COLUMNS[section][0]
        if orientation == Qt.Orientation.Vertical and section >= 0:
            return section + 1
        return None
