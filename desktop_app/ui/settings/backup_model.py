"""The backup files in the data folder's backups/ folder, newest first, in a table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from desktop_app.ui.models.base import ColumnsTableModel

if TYPE_CHECKING:
    from desktop_app.services.settings_view import BackupFile

Index = QModelIndex | QPersistentModelIndex

# (header, text of a row)
COLUMNS: tuple[tuple[str, Any], ...] = (
    ("时间", lambda b: b.made_at_text),
    ("类别", lambda b: b.kind),
    ("大小", lambda b: b.size_text),
    ("文件名", lambda b: b.name),
)

BACKUP_ROLE = Qt.ItemDataRole.UserRole + 1  # the BackupFile itself


class BackupModel(ColumnsTableModel):
    COLUMNS = COLUMNS

    def __init__(self, backups: Sequence[BackupFile] = (), parent: Any = None) -> None:
        super().__init__(parent)
        self._backups: list[BackupFile] = list(backups)

    def set_backups(self, backups: Sequence[BackupFile]) -> None:
        self.beginResetModel()
        self._backups = list(backups)
        self.endResetModel()

    def backup_at(self, row: int) -> BackupFile | None:
        return self._backups[row] if 0 <= row < len(self._backups) else None

    def row_of(self, name: str) -> int:
        for row, backup in enumerate(self._backups):
            if backup.name == name:
                return row
        return -1

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._backups)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._backups):
            return None
        backup = self._backups[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[index.column()][1](backup)
        if role == Qt.ItemDataRole.ToolTipRole:
            return str(backup.path)
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == BACKUP_ROLE:
            return backup
        return None
