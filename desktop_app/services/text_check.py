"""Use case: find the stored records that hold characters the text policy refuses.

Applications saved before the policy (domain/text_policy.py), or written into the database
by other means, may hold control, bidi or zero-width characters. `union-counter audit text`
lists each such field with its receipt, the column and the character's position and code
point, so that it can be corrected; the values themselves are not printed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from desktop_app.domain.ledger_filter import LedgerFilter
from desktop_app.domain.text_policy import TextProblem, text_problem
from desktop_app.exchange import batch as fmt
from desktop_app.services.exchange.batch_export import batch_rows
from desktop_app.services.store import Store


@dataclass(frozen=True)
class HiddenCharacter:
    """One stored field that holds a character the text policy refuses."""

    receipt: str
    column: str  # the field, in the ledger's and the exchange file's words
    problem: TextProblem

    @property
    def line(self) -> str:
        p = self.problem
        return f"{self.receipt}　{self.column}：第 {p.position} 个字符是{p.kind}（{p.code}）"


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
            "导出会拒绝含控制字符的记录：请在台账中核对这些申请，按原件改正。"
        )


_TEXT_COLUMNS = tuple(
    (n, column.header) for n, column in enumerate(fmt.COLUMNS) if column.type == "text"
)


def hidden_characters(store: Store, *, progress: Callable[[int], None] | None = None) -> TextCheck:
    """Every application's text fields under the text policy, every station's, oldest first."""
    found: list[HiddenCharacter] = []
    checked = 0
    receipt_at = fmt.INDEX["receipt"]
    for row in batch_rows(store, LedgerFilter(), None):
        checked += 1
        for n, header in _TEXT_COLUMNS:
            value = row[n]
            if isinstance(value, str) and not value.isprintable():
                problem = text_problem(value)
                if problem is not None:
                    found.append(HiddenCharacter(str(row[receipt_at]), header, problem))
        if progress is not None and checked % 5000 == 0:
            progress(checked)
    return TextCheck(checked, found)
