"""Placeholder replaced in this session (section catalogue)."""

from __future__ import annotations

from desktop_app.ui.pages.base import Page


class CataloguePage(Page):
    title = "catalogue"
