"""Placeholder replaced in this session (section settings)."""

from __future__ import annotations

from desktop_app.ui.pages.base import Page


class SettingsPage(Page):
    title = "settings"
