"""Placeholder replaced in this session (section ledger)."""

from __future__ import annotations

from desktop_app.ui.pages.base import Page


class LedgerPage(Page):
    title = "ledger"
