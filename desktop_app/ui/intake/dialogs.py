"""The questions and notices of the 受理 section, one small function each.

Tests replace these functions (monkeypatch) to answer without a modal loop and to read the text.
"""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget


def ask(parent: QWidget | None, title: str, text: str) -> bool:
    """A yes/no question; 否 is the default so a stray Enter loses nothing."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=parent)
    yes = box.addButton("是(&Y)", QMessageBox.ButtonRole.YesRole)
    no = box.addButton("否(&N)", QMessageBox.ButtonRole.NoRole)
    box.setDefaultButton(no)
    box.setEscapeButton(no)
    box.exec()
    return box.clickedButton() is yes


def inform(parent: QWidget | None, title: str, text: str) -> None:
    QMessageBox.warning(parent, title, text)


def duplicate(parent: QWidget | None, text: str, first: dict[str, object]) -> None:
    """The same claim was saved before: name the earlier application."""
    receipt = str(first.get("receipt", ""))
    box = QMessageBox(QMessageBox.Icon.Warning, "重复申请，未保存", text, parent=parent)
    if receipt:
        box.setInformativeText(f"先前的受理编号：{receipt}（可在“台账”中按受理编号查找）")
    box.addButton("知道了", QMessageBox.ButtonRole.AcceptRole)
    box.exec()
