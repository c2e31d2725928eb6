"""Text keys: catalogue names and codes compared as the look-up (domain/policy) and the search box
(search.py) compare them, the key of the ledger's name search, and the Chinese form of a date
that every message and form uses."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

_NOT_DIGIT = re.compile(r"[^0-9]+")


def normalize_name(text: str) -> str:
    """Key for comparing catalogue names: width-folded (（） → ()), no spaces."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def code_digits(code: str) -> str:
    """The digits of an occupation code: "4-02-04-06" gives "4020406"."""
    return _NOT_DIGIT.sub("", unicodedata.normalize("NFKC", code))


def name_chars(name: str) -> str:
    """The key of the ledger's name search: a name's characters separated by spaces, white
    space dropped ("张 伟" and "张伟" both give "张 伟"). Stored with each application
    (`Application.name_chars`, indexed) and applied to the typed fragment, so a search for
    "张伟" finds both. Migration 0002 keeps its own frozen copy.

    (`str.split()` splits at exactly the characters `str.isspace` calls white space; joining
    a string joins its characters: a fifth of the time of a loop over them, which a bulk
    insert of a million names notices.)"""
    return " ".join("".join(name.split()))


def cn_date(value: date) -> str:
    """2017年11月30日: a date as the documents and the forms write it."""
    return f"{value.year}年{value.month}月{value.day}日"


def quoted(text: str) -> str:
    """“text”, with the text's own “” turned into ‘’ as Chinese nests quotation marks."""
    return "“" + text.replace("“", "‘").replace("”", "’") + "”"
