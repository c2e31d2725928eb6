"""The one text policy: what a text typed or imported may hold, and how a stored text is shown.

Every door applies it: the window and `apply` (through services.applications), the exchange
import and the catalogue import. A text is refused, naming the character's position and its
code point (U+XXXX), when it holds

- a control character (C0 and C1, DEL), except tab and line breaks, which the fields turn
  into spaces;
- a format character (Unicode category Cf): the bidi controls that make `王‮evil.exe` show
  as `王exe.live`, zero-width spaces and joiners, the byte-order mark, soft hyphens, tags;
- a surrogate half, or a code point that is unassigned or a noncharacter. Planes 2 and 3 are
  kept for CJK ideographs alone: a rare character of a name that a newer Unicode than this
  Python's adds there (Extensions G–I) is taken, not refused.

An accepted text is normalised to NFC (a letter and its combining accent become the one
composed character), so the same name is stored, searched and compared the same way.

`shown(text)` is the guard on the way out: a text stored before this policy (or written into
the database by other means) goes to a terminal or a file with each such character written as
⟨U+XXXX⟩, never as the character itself (an ANSI escape cannot reach the terminal).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

_LINE_SPACE = frozenset("\t\n\r")
# Bidi controls: named apart, as they are the ones that make a text lie about itself.
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff\u180e")


@dataclass(frozen=True)
class TextProblem:
    """The first character a text may not hold: its position (1-based) and what it is."""

    position: int
    char: str
    kind: str

    @property
    def code(self) -> str:
        return f"U+{ord(self.char):04X}"

    @property
    def message(self) -> str:
        return (
            f"第 {self.position} 个字符是{self.kind}（{self.code}），看不见却会改变内容或显示，"
            "请删除后重新输入（从别处复制的文字常带有这类字符）"
        )


def _kind(char: str) -> str | None:
    """What is wrong with `char`, or None when a text may hold it."""
    if char in _LINE_SPACE:
        return None
    if char in _BIDI:
        return "文字方向控制符"
    if char in _ZERO_WIDTH:
        return "零宽字符"
    category = unicodedata.category(char)
    if category == "Cc":
        return "控制字符"
    if category == "Cf":
        return "不可见的格式字符"
    if category == "Cs":
        return "无效的代理码位"
    if category == "Cn":
        if 0x20000 <= ord(char) <= 0x3FFFF and not _noncharacter(char):
            return None  # CJK ideographs of a newer Unicode than this Python knows
        return "未分配或非字符的码位"
    return None


def _noncharacter(char: str) -> bool:
    code = ord(char)
    return 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE


def text_problem(text: str) -> TextProblem | None:
    """The first character of `text` that the policy refuses, or None."""
    for position, char in enumerate(text, start=1):
        kind = _kind(char)
        if kind is not None:
            return TextProblem(position, char, kind)
    return None


def normal_text(text: str) -> str:
    """An accepted text as it is stored: NFC."""
    return unicodedata.normalize("NFC", text)


def shown(text: str) -> str:
    """`text` safe for a terminal or a file: each refused character as ⟨U+XXXX⟩."""
    if text.isprintable():  # the common case: nothing to look at one by one
        return text
    return "".join(
        f"⟨U+{ord(char):04X}⟩" if char not in _LINE_SPACE and _kind(char) else char for char in text
    )
