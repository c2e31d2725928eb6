"""Printed forms as PDF: form layouts from `forms/`, CJK fonts with per-character fallback,
one generic renderer (reportlab), amounts in Chinese capitals. No Qt, no database."""

from desktop_app.printing.fonts import FontSet, default_fonts, describe_missing
from desktop_app.printing.forms import FormError, FormSpec, available_forms, get_form, load_form
from desktop_app.printing.money import amount_in_capitals
from desktop_app.printing.render import PageLayout, Placed, Rect, Rendered, render

__all__ = [
    "FontSet",
    "FormError",
    "FormSpec",
    "PageLayout",
    "Placed",
    "Rect",
    "Rendered",
    "amount_in_capitals",
    "available_forms",
    "default_fonts",
    "describe_missing",
    "get_form",
    "load_form",
    "render",
]
