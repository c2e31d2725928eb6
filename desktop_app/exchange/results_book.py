"""The 协会's answer to a submission batch, read back from the 报送清单 workbook it was sent
(exchange/batch_book.py) with its result columns filled in: 审核结果 (通过 / 不通过 /
金额调整), 核定金额（元）, 发放日期, 原因. Read with the program's one workbook reader
(exchange/xlsx_reader.py: size caps, no formulas); every cell is checked here for its form
(what a result, an amount or a day must look like), every problem named by row and column;
whether a line may take its result is the service's question (services/results.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from desktop_app.exchange.batch_book import HEADER, NUMBER_LABEL, RESULT_HEADER, RESULTS
from desktop_app.exchange.errors import ExchangeError, Problem
from desktop_app.exchange.xlsx_reader import Formula, XlsxBook

_RECEIPT, _RESULT, _AMOUNT, _PAID_ON, _REASON = "受理编号", *RESULT_HEADER
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True)
class ResultLine:
    row: int  # in the sheet, from 1
    receipt: str
    result: str | None  # None: not answered yet
    amount: int | None
    paid_on: date | None
    reason: str


@dataclass(frozen=True)
class ResultsBook:
    number: str
    lines: tuple[ResultLine, ...]  # those whose cells read as they must
    sha256: str
    problems: tuple[Problem, ...]  # the cells that do not (the service adds its own to them)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _letter(index: int) -> str:
    return _LETTERS[index] if index < len(_LETTERS) else f"第{index + 1}列"


def read_results(path: Path) -> ResultsBook:
    """The batch number and each line's answer, with the problems of the lines' cells;
    ExchangeError when the file itself cannot be used (no batch number, no header)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ExchangeError(f"无法读取文件 {path.name}：{exc.strerror or exc}") from exc
    problems: list[Problem] = []
    number = ""
    columns: dict[str, int] = {}
    lines: list[ResultLine] = []
    with XlsxBook(path) as book:
        sheet_name = book.sheetnames[0] if book.sheetnames else ""
        if not sheet_name:
            raise ExchangeError(f"文件 {path.name} 里没有工作表。")
        header_row = previous = 0
        for row, values in book[sheet_name].rows():
            cells = list(values)
            if any(isinstance(v, Formula) for v in cells):
                column = next(i for i, v in enumerate(cells) if isinstance(v, Formula))
                problems.append(Problem(sheet_name, row, _letter(column),
                                        "含公式：请只填写数值和文字"))  # fmt: skip
                previous = row  # a line of the list all the same: the next ones are read too
                continue
            texts = [_text(v) for v in cells]
            if not number and NUMBER_LABEL in texts:
                at = texts.index(NUMBER_LABEL)
                number = texts[at + 1].upper() if at + 1 < len(texts) else ""
                continue
            if not header_row:
                if _RECEIPT in texts and _RESULT in texts:
                    header_row = previous = row
                    columns = {name: texts.index(name) for name in (*HEADER, *RESULT_HEADER)
                               if name in texts}  # fmt: skip
                continue
            at = columns.get(_RECEIPT, 0)
            if row != previous + 1 or at >= len(texts) or not texts[at]:
                break  # the lines end at an empty row, or one without a receipt (the totals)
            previous = row
            before = len(problems)
            line = _line(sheet_name, row, cells, texts, columns, problems)
            if len(problems) == before:
                lines.append(line)
    if not number or not header_row:
        heads = "、".join((_RECEIPT, *RESULT_HEADER))
        missing = f"第一行的“{NUMBER_LABEL}”" if not number else f"表头（{heads}）"
        raise ExchangeError(
            f"文件 {path.name} 里找不到{missing}：请用本程序导出（batch export）的报送清单"
            "填写审核结果后再导入。"
        )
    return ResultsBook(number, tuple(lines), hashlib.sha256(data).hexdigest(), tuple(problems))


def _line(
    sheet: str,
    row: int,
    cells: list[Any],
    texts: list[str],
    columns: dict[str, int],
    problems: list[Problem],
) -> ResultLine:
    def cell(name: str) -> tuple[Any, str]:
        at = columns.get(name)
        if at is None or at >= len(cells):
            return None, ""
        return cells[at], texts[at]

    def problem(name: str, message: str) -> None:
        at = columns.get(name, 0)
        problems.append(Problem(sheet, row, f"{_letter(at)}（{name}）", message))

    _, receipt = cell(_RECEIPT)
    _, result = cell(_RESULT)
    if result and result not in RESULTS:
        problem(_RESULT, f"“{result}”不是审核结果，应为：{'、'.join(RESULTS)}（或留空）")
    raw_amount, amount_text = cell(_AMOUNT)
    amount: int | None = None
    if amount_text:
        if isinstance(raw_amount, bool) or not (
            isinstance(raw_amount, int)
            or (isinstance(raw_amount, float) and raw_amount.is_integer())
            or amount_text.isdigit()
        ):
            problem(_AMOUNT, f"“{amount_text}”不是整数元")
        else:
            amount = int(float(amount_text)) if not isinstance(raw_amount, int) else raw_amount
            if amount < 0:
                problem(_AMOUNT, "金额不能小于 0")
    raw_day, day_text = cell(_PAID_ON)
    paid_on: date | None = None
    if isinstance(raw_day, datetime):
        paid_on = raw_day.date()
    elif isinstance(raw_day, date):
        paid_on = raw_day
    elif day_text:
        try:
            paid_on = date.fromisoformat(day_text.replace("/", "-"))
        except ValueError:
            problem(_PAID_ON, f"“{day_text}”不是日期（如 2026-12-20）")
    _, reason = cell(_REASON)
    return ResultLine(row, receipt.upper(), result or None, amount, paid_on, reason)
