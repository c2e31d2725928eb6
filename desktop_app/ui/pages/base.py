"""What the main window expects of each section page."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from desktop_app.ui.context import AppContext


class Page(QWidget):
    """A section of the main window. Holds no rules and runs no SQL: it calls services."""

    title = ""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx

    def section_shown(self) -> None:
        """Called each time the section comes to the front (focus the first field here)."""

    def window_closing(self) -> None:
        """Called when the window closes (save drafts and settings here)."""
