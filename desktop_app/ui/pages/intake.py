"""Placeholder replaced in this session (section intake)."""

from __future__ import annotations

from desktop_app.ui.pages.base import Page


class IntakePage(Page):
    title = "intake"
