"""A question with two answers, in Chinese, that a stray Enter answers the safe way.

Every question of the window goes through `ask`: the safe answer is the default button and the
Esc button, so Enter held down or pressed twice never does what the clerk did not choose.
Tests drive these boxes with the keys (tests/gui/conftest.py `boxes`).
"""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget


def ask(
    parent: QWidget | None,
    title: str,
    text: str,
    *,
    yes: str = "是(&Y)",
    no: str = "否(&N)",
    yes_is_default: bool = False,
    informative: str = "",
    icon: QMessageBox.Icon = QMessageBox.Icon.Question,
) -> bool:
    """True only when the clerk chose `yes`. `no` is the default and the Esc answer unless
    `yes_is_default` (for a question whose "yes" loses nothing, such as restoring a draft)."""
    box = QMessageBox(icon, title, text, parent=parent)
    if informative:
        box.setInformativeText(informative)
    yes_button = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
    no_button = box.addButton(no, QMessageBox.ButtonRole.RejectRole)
    safe = yes_button if yes_is_default else no_button
    box.setDefaultButton(safe)
    box.setEscapeButton(safe)
    box.exec()
    return box.clickedButton() is yes_button
