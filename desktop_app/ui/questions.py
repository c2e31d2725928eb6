"""A question with two answers, in Chinese, that a stray Enter answers the safe way.

Every question of the window goes through `ask`: the safe answer is the default button and the
Esc button, so Enter held down or pressed twice never does what the clerk did not choose.
Tests drive these boxes with the keys (tests/gui/conftest.py `boxes`). A dialog's own two
buttons (do it / close) come from `dialog_buttons`.
"""

from __future__ import annotations

from PySide6.QtWidgets import QDialogButtonBox, QMessageBox, QPushButton, QWidget


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


def dialog_buttons(
    accept: str,
    reject: str,
    *,
    accept_name: str = "",
    reject_name: str = "",
    default: bool = True,
) -> tuple[QDialogButtonBox, QPushButton, QPushButton]:
    """A dialog's button row: the action (`accept`, the default button unless `default` is
    False: a dialog whose action changes records and should not follow Enter) and the way out
    (`reject`, which Esc presses too); object names for the tests. The caller connects them."""
    buttons = QDialogButtonBox()
    go = buttons.addButton(accept, QDialogButtonBox.ButtonRole.AcceptRole)
    out = buttons.addButton(reject, QDialogButtonBox.ButtonRole.RejectRole)
    if accept_name:
        go.setObjectName(accept_name)
    if reject_name:
        out.setObjectName(reject_name)
    go.setDefault(default)
    return buttons, go, out
