"""What can go wrong with a workbook, in words a clerk understands."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from desktop_app.errors import ClerkError


@dataclass(frozen=True)
class Problem:
    """One problem in a workbook: where (sheet, 1-based row, column letter or header) and what."""

    sheet: str
    row: int | None
    column: str
    message: str

    def describe(self) -> str:
        where = [f"工作表“{self.sheet}”"] if self.sheet else []
        if self.row is not None:
            where.append(f"第{self.row}行")
        if self.column:
            where.append(f"“{self.column}”列")
        return f"{' '.join(where)}：{self.message}" if where else self.message


class ExchangeError(ClerkError):
    """A workbook that cannot be used as it is; `message` says why and what to do (Chinese).

    `problems` lists the rows and cells at fault, when there are any."""

    def __init__(self, message: str, problems: Sequence[Problem] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)


class Cancelled(Exception):  # noqa: N818 - an outcome, not a fault
    """The user cancelled a long export or import (progress callback returned False)."""
