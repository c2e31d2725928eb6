"""Reading an exchange workbook: every cell converted and checked against its column, the
manifest read and the checksum recomputed; problems listed (at most `MAX_PROBLEMS`) and the
file refused whole when there are any."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter

from desktop_app.domain.text_policy import text_problem
from desktop_app.exchange.batch.layout import (
    APPLICATIONS_SHEET,
    BY_HEADER,
    COLUMNS,
    FORMAT,
    INDEX,
    KEYS,
    LATER_KEYS,
    MANIFEST_ROWS,
    MANIFEST_SHEET,
    MAX_PROBLEMS,
    OPTIONAL_MANIFEST_KEYS,
    SIGNATURE_ROWS,
    Checksum,
    Column,
    Manifest,
    Progress,
)
from desktop_app.exchange.errors import Cancelled, ExchangeError, Problem
from desktop_app.exchange.xlsx_reader import Formula, XlsxBook, formula_message


@dataclass
class Batch:
    """A read exchange workbook: its manifest and rows (values in `KEYS` order, typed)."""

    path: Path
    manifest: Manifest
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    sheet_rows: list[int] = field(default_factory=list)  # each row's row number in the sheet


class _Problems:
    def __init__(self, sheet: str) -> None:
        self.sheet = sheet
        self.items: list[Problem] = []
        self.count = 0

    def add(self, row: int | None, column: str, message: str) -> None:
        self.count += 1
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(Problem(self.sheet, row, column, message))


def _refuse(name: str, problems: _Problems | list[Problem], what: str) -> ExchangeError:
    items = problems.items if isinstance(problems, _Problems) else problems
    count = problems.count if isinstance(problems, _Problems) else len(problems)
    more = f"（只列出前 {len(items)} 处）" if count > len(items) else ""
    return ExchangeError(
        f"文件 {name} {what}，共 {count} 处问题{more}，没有导入任何内容。"
        "请改正后重新导入，或请服务站重新导出。",
        items,
    )


_TRUE = {"是", "true", "TRUE", "True", "1", "Y", "y"}
_FALSE = {"否", "false", "FALSE", "False", "0", "N", "n"}


def _convert(column: Column, value: Any) -> tuple[Any, str | None]:
    """A cell's value as the column's type, or a Chinese message saying what is wrong."""
    if value is None:
        return None, None
    if isinstance(value, Formula):
        return None, formula_message(value)
    if isinstance(value, str) and not value.strip():
        return None, None
    kind = column.type
    if kind == "text":
        if isinstance(value, str):
            # The text policy of every door (domain/text_policy.py). The value is taken as
            # written, not normalised: the manifest's checksum covers it as the station wrote it.
            problem = text_problem(value)
            if problem is not None:
                return None, problem.message
            return value.strip(), None
        if isinstance(value, bool):
            return None, "应为文字"
        if isinstance(value, int):
            return str(value), None
        if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
            return str(int(value)), None
        return None, f"应为文字，不能是“{value}”（数字会丢失位数，请把单元格设为文本）"
    if kind in ("date", "datetime"):
        if isinstance(value, datetime):
            if kind == "date":
                if value.time() != datetime.min.time():
                    return None, "应为日期，不能带时间"
                return value.date(), None
            return value, None
        if isinstance(value, date):
            return (value if kind == "date" else datetime(value.year, value.month, value.day)), None
        if isinstance(value, str):
            return None, f"“{value}”是文字，不是日期。请把单元格设为日期格式并重新输入"
        return None, f"“{value}”不是日期"
    if kind == "int":
        if isinstance(value, bool):
            return None, "应为整数"
        if isinstance(value, int):
            return value, None
        if isinstance(value, float) and value.is_integer():
            return int(value), None
        return None, f"“{value}”不是整数"
    if kind == "bool":
        if isinstance(value, bool):
            return value, None
        if isinstance(value, str) and value.strip() in _TRUE:
            return True, None
        if isinstance(value, str) and value.strip() in _FALSE:
            return False, None
        if isinstance(value, int | float) and value in (0, 1):
            return bool(value), None
        return None, f"“{value}”应为“是”或“否”"
    if kind == "json":
        if not isinstance(value, str):
            return None, "应为 JSON 文字"
        try:
            return json.loads(value), None
        except (json.JSONDecodeError, RecursionError):
            return None, "不是合法的 JSON 文字（内容被改动或截断了）"
    raise AssertionError(kind)  # pragma: no cover


def _manifest(rows: Iterable[tuple[int, Sequence[Any]]], name: str) -> Manifest:
    values: dict[str, Any] = {}
    labels = {label: key for label, key in (*MANIFEST_ROWS, *SIGNATURE_ROWS)}
    problems: list[Problem] = []
    for number, row in rows:
        if not row or row[0] is None:
            continue
        key = labels.get(str(row[0]).strip())
        if key is not None:
            values[key] = row[1] if len(row) > 1 else None
            if isinstance(values[key], Formula):
                problems.append(Problem(MANIFEST_SHEET, number, "B", "是公式，不是数值"))
    missing = [
        label
        for label, key in MANIFEST_ROWS
        if key not in values and key not in OPTIONAL_MANIFEST_KEYS
    ]
    for label in missing:
        problems.append(Problem(MANIFEST_SHEET, None, "A", f"缺少“{label}”一行"))
    if values.get("format") not in (None, "") and values.get("format") != FORMAT:
        problems.append(
            Problem(MANIFEST_SHEET, None, "B", f"格式“{values.get('format')}”不是本程序的交换格式")
        )
    if problems:
        raise _refuse(name, problems, "的清单（工作表“清单”）不完整或被改动过")

    def text(key: str) -> str:
        value = values.get(key)
        return "" if value is None else str(value).strip()

    def day(key: str) -> date | None:
        value = values.get(key)
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if value in (None, ""):
            return None
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            raise _refuse(
                name, [Problem(MANIFEST_SHEET, None, "B", f"“{value}”不是日期")], "的清单有误"
            ) from None

    count = values.get("count")
    if isinstance(count, str) and count.strip().isdigit():
        count = int(count)
    if isinstance(count, float) and count.is_integer():
        count = int(count)
    if not isinstance(count, int) or isinstance(count, bool):
        raise _refuse(name, [Problem(MANIFEST_SHEET, None, "B", "申请份数不是整数")], "的清单有误")
    exported = values.get("exported_at")
    if isinstance(exported, str):
        try:
            exported = datetime.fromisoformat(exported)
        except ValueError:
            exported = None
    return Manifest(
        station_code=text("station_code"),
        station_name=text("station_name"),
        district=text("district"),
        date_from=day("date_from"),
        date_to=day("date_to"),
        count=count,
        checksum=text("checksum").lower(),
        program_version=text("program_version"),
        exported_at=exported if isinstance(exported, datetime) else None,
        exported_by=text("exported_by"),
        format=text("format"),
        audit_head=text("audit_head"),
        key_fingerprint=text("key_fingerprint"),
        signature=text("signature"),
    )


def _merged_first(merged: Sequence[str], others: _Problems) -> _Problems:
    """The merged-cell problems first (as they were always listed), then `others`."""
    result = _Problems(others.sheet)
    for ref in merged:
        result.add(None, ref, f"单元格 {ref} 是合并单元格。请取消合并，每行每列各填一个值")
    for problem in others.items:
        if len(result.items) < MAX_PROBLEMS:
            result.items.append(problem)
    result.count += others.count
    return result


class BatchReader:
    """An exchange workbook read row by row, checked as it goes (`open_batch`).

    `rows()` yields (sheet row number, typed values in `KEYS` order) for each row that has
    no problem of its own; `finish()`, once the rows are read, raises ExchangeError when the
    file is unusable: row problems (merged cells first), no rows, or rows that do not match
    the manifest (count, checksum, station, period). Memory holds the receipts seen and the
    problems, never the rows."""

    def __init__(self, book: XlsxBook, name: str) -> None:
        self.name = name
        if APPLICATIONS_SHEET not in book.sheetnames:
            sheets = "、".join(book.sheetnames) or "（无）"
            raise ExchangeError(
                f"文件 {name} 不是服务站导出的交换文件：没有工作表“{APPLICATIONS_SHEET}”"
                f"（文件中的工作表：{sheets}）。请用“union-counter exchange export”导出的文件。"
            )
        if MANIFEST_SHEET not in book.sheetnames:
            raise ExchangeError(
                f"文件 {name} 缺少工作表“{MANIFEST_SHEET}”（服务站、期间、份数和校验码），"
                "无法确认内容完整。请服务站重新导出。"
            )
        self.manifest = _manifest(book[MANIFEST_SHEET].rows(), name)
        self.sheet = book[APPLICATIONS_SHEET]
        self.problems = _Problems(APPLICATIONS_SHEET)
        self.checksum = Checksum()
        self.mismatches: list[Problem] = []  # rows that do not match the manifest
        self._rows = self.sheet.rows()
        first = next(self._rows, None)
        header = first[1] if first is not None and first[0] == 1 else None
        if header is None or all(v is None for v in header):
            raise ExchangeError(f"文件 {name} 的工作表“{APPLICATIONS_SHEET}”是空的，没有申请。")
        positions: dict[int, Column] = {}
        seen: set[str] = set()
        problems = _Problems(APPLICATIONS_SHEET)
        for n, raw in enumerate(header):
            if raw is None:
                continue
            text = str(raw).strip()
            column = BY_HEADER.get(text)
            letter = get_column_letter(n + 1)
            if column is None:
                problems.add(1, letter, f"不认识的列名“{text}”（列名被改动了？）")
            elif column.key in seen:
                problems.add(1, letter, f"列“{text}”出现了两次")
            else:
                positions[n] = column
                seen.add(column.key)
        for column in COLUMNS:
            if column.key not in seen and column.key not in LATER_KEYS:
                problems.add(1, "", f"缺少列“{column.header}”")
        if problems.count:
            for _row in self._rows:  # the merged ranges follow the rows in the XML
                pass
            raise _refuse(name, _merged_first(self.sheet.merged, problems), "的列名不对")
        self._order = sorted(positions.items())
        self._letters = {n: get_column_letter(n + 1) for n in positions}

    def rows(self) -> Iterator[tuple[int, tuple[Any, ...]]]:
        problems = self.problems
        checksum = self.checksum
        receipts: dict[str, int] = {}
        width = len(COLUMNS)
        index = INDEX
        order = [(n, column, index[column.key]) for n, column in self._order]
        # The decision documents repeat (a few per scheme and outcome): parsed once each, the
        # rows share the object. The histories are nearly all different: not kept.
        shared = {n for n, column in self._order if column.key == "findings"}
        texts = {n for n, column in self._order if column.type == "text"}
        letters = self._letters
        parsed: dict[str, Any] = {}  # JSON text → its value, shared by the rows that repeat it
        manifest = self.manifest
        station_at, applied_at = index["station_code"], index["applied_on"]
        for number, raw_row in self._rows:
            if not raw_row or all(v is None for v in raw_row):
                continue
            values: list[Any] = [None] * width
            bad = problems.count
            length = len(raw_row)
            for n, column, at in order:
                value = raw_row[n] if n < length else None
                if value is None:
                    if column.required:
                        problems.add(number, f"{letters[n]}（{column.header}）", "不能为空")
                    continue
                if type(value) is str and n in texts and value.isprintable():
                    # The usual text cell, as `_convert` would give it: a plain str (not a
                    # Formula) with nothing the text policy refuses (those are unprintable).
                    value = value.strip()
                    if value:
                        values[at] = value
                    elif column.required:
                        problems.add(number, f"{letters[n]}（{column.header}）", "不能为空")
                    continue
                if n in shared and isinstance(value, str):
                    found = parsed.get(value)
                    if found is not None:
                        values[at] = found  # the same document: one object
                        continue
                converted, error = _convert(column, value)
                if error is not None:
                    problems.add(number, f"{letters[n]}（{column.header}）", error)
                    continue
                if n in shared and isinstance(value, str):
                    parsed[value] = converted
                if converted is None and column.required:
                    problems.add(number, f"{letters[n]}（{column.header}）", "不能为空")
                values[at] = converted
            receipt = values[0]
            if receipt:
                first = receipts.get(receipt)
                if first is not None:
                    problems.add(
                        number, "受理编号", f"受理编号 {receipt} 与第{first}行重复（重复的行）"
                    )
                else:
                    receipts[receipt] = number
            row = tuple(values)
            checksum.add(row)
            if problems.count > bad:
                continue
            if len(self.mismatches) < MAX_PROBLEMS:
                if row[station_at] != manifest.station_code:
                    self.mismatches.append(
                        Problem(
                            APPLICATIONS_SHEET,
                            number,
                            "服务站代码",
                            f"服务站 {row[station_at]} 与清单的服务站 {manifest.station_code} 不符",
                        )
                    )
                day = row[applied_at]
                if (manifest.date_from and day < manifest.date_from) or (
                    manifest.date_to and day > manifest.date_to
                ):
                    self.mismatches.append(
                        Problem(
                            APPLICATIONS_SHEET, number, "受理日期", "受理日期不在清单写明的期间内"
                        )
                    )
            yield number, row

    @property
    def ok_so_far(self) -> bool:
        """No problem found yet in the rows read (the manifest is checked by `finish`)."""
        return not self.problems.count and not self.mismatches

    def finish(self) -> None:
        """Raise ExchangeError if the file, now read to its end, is unusable."""
        for _row in self._rows:  # anything left (the caller stopped early)
            pass
        problems = self.problems
        if self.sheet.merged:
            problems = _merged_first(self.sheet.merged, problems)
        if not self.checksum.count and not problems.count:
            raise ExchangeError(
                f"文件 {self.name} 的工作表“{APPLICATIONS_SHEET}”只有列名，没有申请。"
            )
        if problems.count:
            raise _refuse(self.name, problems, "中有不合格的内容")
        manifest = self.manifest
        found: list[Problem] = []
        if manifest.count != self.checksum.count:
            found.append(
                Problem(
                    MANIFEST_SHEET,
                    None,
                    "申请份数",
                    f"清单写的是 {manifest.count} 份，工作表“{APPLICATIONS_SHEET}”中有 "
                    f"{self.checksum.count} 份：有行被删除或添加了",
                )
            )
        elif manifest.checksum != self.checksum.hexdigest():
            found.append(
                Problem(
                    MANIFEST_SHEET,
                    None,
                    "校验码",
                    "申请的内容与清单的校验码不符：导出后有单元格被改动过",
                )
            )
        found.extend(self.mismatches)
        if found:
            raise _refuse(self.name, found[:MAX_PROBLEMS], "与它的清单不符")


@contextmanager
def open_batch(path: Path) -> Iterator[BatchReader]:
    """An exchange workbook to read row by row (see `BatchReader`); ExchangeError at once
    for a file that is no workbook, lacks the sheets, or whose manifest or headers are wrong."""
    path = Path(path)
    with XlsxBook(path) as book:
        yield BatchReader(book, path.name)


def read_batch(path: Path, *, progress: Progress | None = None, every: int = 5000) -> Batch:
    """Read and check an exchange workbook; ExchangeError (with the problems) if it is unusable.

    Checks: the two sheets, the headers (none missing, none unknown), no merged cells, no
    formulas, every value of its column's type, required values present, no receipt twice,
    and the manifest: station, period, row count and checksum. Holds every row: the import
    streams them instead (`open_batch`)."""
    path = Path(path)
    with open_batch(path) as reader:
        batch = Batch(path, reader.manifest)
        for number, row in reader.rows():
            batch.rows.append(row)
            batch.sheet_rows.append(number)
            count = reader.checksum.count
            tick = progress is not None and count % every == 0
            if tick and progress is not None and not progress(count, reader.manifest.count):
                raise Cancelled()
        reader.finish()
    return batch


def as_mapping(row: Sequence[Any]) -> Mapping[str, Any]:
    return dict(zip(KEYS, row, strict=True))
