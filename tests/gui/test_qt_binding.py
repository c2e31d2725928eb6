"""The Qt binding itself: a defect here crashes the program after hours at the counter."""

from __future__ import annotations

import sys
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, QSettings, Qt


class _Model(QAbstractListModel):
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 10

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        return f"第{index.row()}行" if role == Qt.ItemDataRole.DisplayRole else None


def test_reading_empty_values_keeps_none_alive(qapp: Any, tmp_path: Any) -> None:
    """PySide6 6.12.0 drops a reference to None whenever Python reads an empty QVariant;
    Python 3.11 aborts once None's count reaches zero (pyproject pins the binding below it)."""
    model = _Model()
    settings = QSettings(str(tmp_path / "x.ini"), QSettings.Format.IniFormat)
    before = sys.getrefcount(None)
    for number in range(2000):
        assert model.index(number % 10).data(Qt.ItemDataRole.ToolTipRole) is None
        assert settings.value("missing") is None
    after = sys.getrefcount(None)
    assert after >= before - 50, f"None lost {before - after} references"
