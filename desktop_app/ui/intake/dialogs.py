"""The questions and notices of the 受理 section, one small function each.

Tests replace these functions (monkeypatch) to answer without a modal loop and to read the text.
"""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from desktop_app.ui import questions


def ask(parent: QWidget | None, title: str, text: str) -> bool:
    """A yes/no question; 否 is the default so a stray Enter loses nothing."""
    return questions.ask(parent, title, text)


def restore_draft(parent: QWidget | None, text: str) -> bool:
    """Restore the unsaved input? 恢复 is the default (and Esc): a stray key loses nothing."""
    return questions.ask(
        parent, "恢复输入", text, yes="恢复(&R)", no="不恢复(&D)", yes_is_default=True
    )


def inform(parent: QWidget | None, title: str, text: str) -> None:
    QMessageBox.warning(parent, title, text)


def duplicate(parent: QWidget | None, text: str, first: dict[str, object]) -> None:
    """The same claim was saved before: name the earlier application."""
    box = QMessageBox(QMessageBox.Icon.Warning, "重复申请，未保存", text, parent=parent)
    if first.get("receipt"):  # the message names it already
        box.setInformativeText("可在“台账”（Ctrl+2）中按这个受理编号查找先前的申请。")
    box.addButton("知道了(&K)", QMessageBox.ButtonRole.AcceptRole)
    box.exec()
