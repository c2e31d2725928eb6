"""What the signed-in account's role may not do, shown in the window: the control disabled, and
the reason (which permission, which role) as its tooltip. The services refuse it anyway
(`services/permissions.require`); this only keeps a clerk from pressing in vain."""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from desktop_app.ui.context import AppContext

_OWN_TIP = "accessOwnTip"  # the widget's own tooltip, kept while a refusal replaces it
_REFUSAL = "accessRefusal"  # the refusal this module put there


def gate(
    widget: QWidget | QAction, ctx: AppContext, permission: str, *, enabled: bool = True
) -> bool:
    """Enable `widget` (when `enabled` by the page's own logic too) if the account may do
    `permission`; else disable it with the reason as its tooltip. Whether it may."""
    from desktop_app.services.permissions import missing_reason

    store = ctx.store
    reason = missing_reason(store, permission) if store is not None else ""
    current = widget.toolTip()
    if current != (widget.property(_REFUSAL) or None):
        widget.setProperty(_OWN_TIP, current)  # the page set a tooltip of its own since
    widget.setEnabled(enabled and not reason)
    widget.setToolTip(reason or str(widget.property(_OWN_TIP) or ""))
    widget.setProperty(_REFUSAL, reason)
    return not reason
