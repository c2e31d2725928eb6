"""The text policy on the way out: which records an export may not write, and leaving them out
only with the clerk's consent.

A record stored before the text policy (domain/text_policy.py), or written into the database
by other means, may hold control, bidi or zero-width characters. No export writes such a
record: the ledger export, `export --full-ids` and the exchange export pass their rows
through a `Screen`. Without consent the export is refused as a whole, nothing written, with
every such record named (receipt, field, position, U+XXXX: `BadRecordsError`); with consent
(`skip_bad`: every such record, or the receipts the clerk was shown) the rest is written and
the receipts left out go into the export's audit event. One bad record never blocks an export,
and none slips into a file unnoticed. `union-counter audit text` (services/text_check.py)
finds the same records with the same rule, and `audit correct` (services/corrections.py)
corrects them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from desktop_app.domain.text_policy import TextProblem, shown, text_problem
from desktop_app.errors import ClerkError
from desktop_app.exchange import batch as fmt


@dataclass(frozen=True)
class HiddenCharacter:
    """One stored field that holds a character the text policy refuses."""

    receipt: str
    column: str  # the field, in the ledger's and the exchange file's words
    problem: TextProblem

    @property
    def line(self) -> str:
        p = self.problem
        return f"{shown(self.receipt)}　{self.column}：第 {p.position} 个字符是{p.kind}（{p.code}）"


def problems_in(receipt: str, fields: Iterable[tuple[str, Any]]) -> list[HiddenCharacter]:
    """The fields (header, value) of one record that hold a character the policy refuses."""
    found: list[HiddenCharacter] = []
    for header, value in fields:
        if isinstance(value, str) and not value.isprintable():  # the common case: nothing
            problem = text_problem(value)
            if problem is not None:
                found.append(HiddenCharacter(receipt, header, problem))
    return found


_TEXT_COLUMNS = tuple(
    (n, column.header) for n, column in enumerate(fmt.COLUMNS) if column.type == "text"
)
_RECEIPT = fmt.INDEX["receipt"]


def row_problems(row: Sequence[Any]) -> list[HiddenCharacter]:
    """The text columns of one exchange row (values in `batch.KEYS` order) that the policy
    refuses."""
    return problems_in(str(row[_RECEIPT]), ((header, row[n]) for n, header in _TEXT_COLUMNS))


SkipBad = bool | Collection[str]  # True: leave out every such record; or the receipts agreed to
MAX_LISTED = 50  # lines in a message; the error's `found` holds them all


class BadRecordsError(ClerkError):
    """An export refused because records hold characters the text policy refuses; nothing was
    written. `found` names each field (receipt, field, position, code point), `receipts` the
    records; with the clerk's consent the export leaves those out (`skip_bad`)."""

    def __init__(self, found: Sequence[HiddenCharacter]) -> None:
        self.found = list(found)
        self.receipts = tuple(dict.fromkeys(item.receipt for item in self.found))
        more = len(self.found) - MAX_LISTED
        super().__init__(
            f"有 {len(self.receipts)} 份申请含有不可见的字符（控制字符、文字方向控制符或"
            "零宽字符），不能写入文件，没有导出任何内容：\n"
            + "\n".join(item.line for item in self.found[:MAX_LISTED])
            + (f"\n……另有 {more} 处" if more > 0 else "")
        )


Row = TypeVar("Row")


class Screen:
    """The rows of one export under the text policy.

    `rows(source)` passes each clean row on and holds back each record that is not
    (`held_back`: its receipt; `found`: its fields). If a record held back is not one the clerk
    agreed to leave out, `BadRecordsError` names every record found once the source is
    exhausted: raised inside the writer's loop, so the atomic save leaves no file."""

    def __init__(
        self, problems_of: Callable[[Any], list[HiddenCharacter]], skip_bad: SkipBad = False
    ) -> None:
        self.problems_of = problems_of
        self.skip_bad = skip_bad
        self.held_back: list[str] = []
        self.found: list[HiddenCharacter] = []

    def _agreed(self, receipt: str) -> bool:
        if isinstance(self.skip_bad, bool):
            return self.skip_bad
        return receipt in self.skip_bad

    def rows(self, source: Iterable[Row]) -> Iterator[Row]:
        """`source` without the records that hold a refused character (see the class)."""
        refused = False
        for row in source:
            problems = self.problems_of(row)
            if not problems:
                yield row
                continue
            self.found.extend(problems)
            self.held_back.append(problems[0].receipt)
            refused = refused or not self._agreed(problems[0].receipt)
        if refused:
            raise BadRecordsError(self.found)  # all of them: the clerk agrees to one whole list

    def audit_details(self) -> dict[str, Any]:
        """What the export's audit event says of the records left out (nothing when none)."""
        if not self.held_back:
            return {}
        return {"skipped": len(self.held_back), "skipped_receipts": list(self.held_back)}
