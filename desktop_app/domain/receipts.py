"""A receipt number typed or scanned whole: what a search box recognises as "open this one".

A receipt reads `<station code>-<day>-<number>` (XC01-20261121-0007: storage/repository.py
numbers them; station codes are 2–8 letters or digits, services/station_settings.py). The 受理回执
and Annex 2 carry it as a QR code (forms/*.toml, `qr`); a USB scanner types it like a keyboard,
with or without a trailing Enter, and a scanner set up for another layout may send full-width
forms or a trailing Tab. Only the whole number is recognised: a fragment stays a search.
"""

from __future__ import annotations

import re
import unicodedata

_RECEIPT = re.compile(r"[A-Z0-9]{2,8}-[0-9]{8}-[0-9]{4,6}")


def scanned_receipt(text: str) -> str | None:
    """The receipt number `text` holds whole (upper case, full-width forms folded, the white
    space and control characters around it dropped), or None when it holds anything else."""
    folded = unicodedata.normalize("NFKC", text)
    folded = "".join(ch for ch in folded if unicodedata.category(ch)[0] != "C").strip().upper()
    return folded if _RECEIPT.fullmatch(folded) else None
