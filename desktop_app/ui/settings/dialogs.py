"""The dialogs of the 设置 section, each behind a small function.

Tests replace these functions (monkeypatch) to answer a dialog and read its text without a
modal loop; the page always calls them through this module.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

BACKUP_FILTER = "数据库备份 (*.sqlite3 *.db *.bak);;所有文件 (*)"


def confirm(parent: QWidget | None, title: str, text: str, action: str) -> bool:
    """A warning with `action` (give it an Alt letter other than Q) and 取消(&Q); 取消 is the
    default (Enter does not destroy data)."""
    box = QMessageBox(
        QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.NoButton, parent
    )
    go = box.addButton(action, QMessageBox.ButtonRole.AcceptRole)
    cancel = box.addButton("取消(&Q)", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    box.exec()
    return box.clickedButton() is go


def inform(parent: QWidget | None, title: str, text: str) -> None:
    QMessageBox.information(parent, title, text)


def show_about(parent: QWidget | None, lines: list[str]) -> None:
    """关于本程序: the first line as the title text, the rest selectable (the fingerprints can
    be copied into a report); 关闭 (Enter or Esc) closes it."""
    box = QMessageBox(
        QMessageBox.Icon.Information,
        "关于本程序",
        lines[0],
        QMessageBox.StandardButton.NoButton,
        parent,
    )
    box.setInformativeText("\n".join(lines[1:]))
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    close = box.addButton("关闭(&C)", QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(close)
    box.setEscapeButton(close)
    box.exec()


def choose_backup_file(parent: QWidget | None, folder: Path) -> Path | None:
    name, _filter = QFileDialog.getOpenFileName(parent, "选择备份文件", str(folder), BACKUP_FILTER)
    return Path(name) if name else None


def open_folder(path: Path) -> bool:
    """Open a folder in the system's file manager; False when that did not work."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
