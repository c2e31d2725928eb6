"""A receipt number recognised whole, as a scanner or a clerk types it (domain/receipts.py)."""

from __future__ import annotations

import pytest

from desktop_app.domain.receipts import scanned_receipt


@pytest.mark.parametrize(
    ("typed", "receipt"),
    [
        ("XC01-20261121-0007", "XC01-20261121-0007"),
        ("xc01-20261121-0007", "XC01-20261121-0007"),  # Caps Lock off on the scanner
        ("  XC01-20261121-0007\r\n", "XC01-20261121-0007"),  # its Enter, its Tab
        ("XC01-20261121-0007\t", "XC01-20261121-0007"),
        ("ＸＣ０１－２０２６１１２１－０００７", "XC01-20261121-0007"),  # full-width forms
        ("\u200bXC01-20261121-0007", "XC01-20261121-0007"),  # a zero-width space
        ("CY02-20250101-12345", "CY02-20250101-12345"),  # a busy day's five digits
    ],
)
def test_a_whole_receipt_number_is_recognised(typed, receipt):
    assert scanned_receipt(typed) == receipt


@pytest.mark.parametrize(
    "typed",
    ["", "XC01", "XC01-20261121", "20261121-0007", "XC01-2026112-0007", "XC01-20261121-007",
     "XC01-20261121-0007-1", "X-20261121-0007", "XC01 -20261121-0007", "王XC01-20261121-0007",
     "XC01-20261121-0007 XC01-20261121-0008", "4-02-04-06", "110105199001011234"],
)  # fmt: skip
def test_anything_else_stays_a_search(typed):
    assert scanned_receipt(typed) is None
