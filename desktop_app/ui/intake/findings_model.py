"""The findings of a decision, one a row: ✓ passed, ！ to be settled, … waiting, ✗ failed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from desktop_app.services.presenter import finding_verdict

Index = QModelIndex | QPersistentModelIndex

PASSED_ROLE = Qt.ItemDataRole.UserRole + 1
SOURCE_ROLE = Qt.ItemDataRole.UserRole + 2
RULE_ROLE = Qt.ItemDataRole.UserRole + 3

_GREEN = QColor("#1b7a34")
_RED = QColor("#b3261e")
_GREY = QColor("#555555")
_AMBER = QColor("#8a5300")


class FindingsModel(QAbstractListModel):
    """Rows are objects with .rule, .passed, .message, .source (the engine's Finding)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[Any] = []

    def set_findings(self, findings: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(findings)
        self.endResetModel()

    def finding(self, row: int) -> Any | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        item = self._rows[index.row()]
        pending = not item.passed and bool(getattr(item, "missing", None))
        caution = bool(getattr(item, "caution", False))
        mark, verdict = finding_verdict(bool(item.passed), caution=caution, pending=pending)
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{mark} {item.message}\n　 出处：{item.source}"
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            return f"{verdict}：{item.message}\n出处：{item.source}"
        if role == Qt.ItemDataRole.ForegroundRole:
            if caution:
                return QBrush(_AMBER)
            return QBrush(_GREEN if item.passed else (_GREY if pending else _RED))
        if role == PASSED_ROLE:
            return bool(item.passed)
        if role == SOURCE_ROLE:
            return str(item.source)
        if role == RULE_ROLE:
            return str(item.rule)
        return None
