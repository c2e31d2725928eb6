"""Use case: find the stored records that hold characters the text policy refuses.

Applications saved before the policy (domain/text_policy.py), or written into the database
by other means, may hold control, bidi or zero-width characters. `union-counter audit text`
lists each such field with its receipt, the column and the character's position and code
point, so that it can be corrected (`services/corrections.py`, `union-counter audit correct`); the
values themselves are not printed.

The exports apply the same rule on the way out (services/text_screen.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from desktop_app.domain.ledger_filter import LedgerFilter
from desktop_app.services.exchange.batch_export import batch_rows
from desktop_app.services.permissions import require
from desktop_app.services.store import Store
from desktop_app.services.text_screen import HiddenCharacter, row_problems


@dataclass(frozen=True)
class TextCheck:
    checked: int  # applications read
    found: list[HiddenCharacter]

    @property
    def message(self) -> str:
        if not self.found:
            return f"没有发现含不可见字符的记录（共检查 {self.checked} 份申请）。"
        return (
            f"有 {len(self.found)} 处记录含有不可见的字符（共检查 {self.checked} 份申请）。"
            "导出时这些申请会被列出、不写入文件：请在台账中核对这些申请，按原件更正"
            "（union-counter audit correct 受理编号 字段 新内容 --reason 原因）。"
        )


def hidden_characters(store: Store, *, progress: Callable[[int], None] | None = None) -> TextCheck:
    """Every application's text fields under the text policy, every station's, oldest first."""
    require(store, "audit.verify")
    found: list[HiddenCharacter] = []
    checked = 0
    for row in batch_rows(store, LedgerFilter(), None):
        checked += 1
        found.extend(row_problems(row))
        if progress is not None and checked % 5000 == 0:
            progress(checked)
    return TextCheck(checked, found)


__all__ = ("HiddenCharacter", "TextCheck", "hidden_characters")
