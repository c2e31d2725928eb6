"""Text keys shared by the catalogue look-up (policy.py) and the search box (search.py)."""

from __future__ import annotations

import re
import unicodedata

_NOT_DIGIT = re.compile(r"[^0-9]+")


def normalize_name(text: str) -> str:
    """Key for comparing catalogue names: width-folded (（） → ()), no spaces."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def code_digits(code: str) -> str:
    """The digits of an occupation code: "4-02-04-06" gives "4020406"."""
    return _NOT_DIGIT.sub("", unicodedata.normalize("NFKC", code))
