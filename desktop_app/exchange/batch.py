"""The station → district exchange workbook.

Sheet 申请: one application a row with every fact needed to recreate it (member, certificate
or competition facts, the Annex 2 fields, dates, station, clerk, status and its history, and
the decision stored at saving time). Sheet 清单 (manifest): station, period, row count, a
SHA-256 checksum of the rows' canonical content, program version.

The checksum is computed from the typed values (dates, numbers, yes/no, texts, the JSON
documents re-serialised), not from the XML: a workbook re-saved by Excel or WPS keeps it as
long as no value changed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter

from desktop_app.exchange.errors import Cancelled, ExchangeError, Problem
from desktop_app.exchange.files import save_atomically
from desktop_app.exchange.xlsx_reader import XlsxBook
from desktop_app.exchange.xlsx_writer import Style, XlsxWriter

FORMAT = "union-counter-exchange/1"
APPLICATIONS_SHEET = "申请"
MANIFEST_SHEET = "清单"
MAX_PROBLEMS = 1000  # listed; more are counted


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    type: str  # text, date, datetime, int, bool, json
    required: bool = False
    width: float = 14


COLUMNS: tuple[Column, ...] = (
    Column("receipt", "受理编号", "text", True, 22),
    Column("applied_on", "受理日期", "date", True, 12),
    Column("station_code", "服务站代码", "text", True, 10),
    Column("station_name", "服务站名称", "text", True, 24),
    Column("clerk", "经办人", "text", True, 10),
    Column("status", "状态", "text", True, 10),
    Column("name", "姓名", "text", True, 10),
    Column("id_number", "身份证号", "text", True, 21),
    Column("card_number", "京卡号", "text", False, 22),
    Column("phone", "电话", "text", False, 14),
    Column("work_unit", "工作单位", "text", False, 24),
    Column("position", "岗位", "text", False, 12),
    Column("scheme", "补助方案", "text", True, 20),
    Column("kind", "证书类别", "text", True, 16),
    Column("occupation", "职业（工种）/项目", "text", False, 20),
    Column("level", "等级", "int", False, 6),
    Column("grade", "水平级别", "text", False, 12),
    Column("certificate_number", "证书编号", "text", False, 20),
    Column("issued_on", "发证日期", "date", False, 12),
    Column("approved_on", "批准日期", "date", False, 12),
    Column("issuer", "签发单位", "text", False, 24),
    Column("management_number", "管理号", "text", False, 16),
    Column("competition", "竞赛", "text", False, 24),
    Column("stage", "赛段", "text", False, 10),
    Column("rank", "名次", "int", False, 6),
    Column("entrants", "初赛人数", "int", False, 10),
    Column("final_held", "设有决赛", "bool", False, 8),
    Column("union_affiliated", "工会隶属市总工会", "bool", False, 10),
    Column("full_time_union_social_worker", "专职工会社会工作者", "bool", False, 10),
    Column("key_group", "重点群体", "bool", False, 8),
    Column("eligible", "符合条件", "bool", True, 8),
    Column("amount", "补助金额（元）", "int", True, 12),
    Column("policy_sha256", "政策文件SHA-256", "text", True, 20),
    Column("findings", "决定依据（JSON）", "json", True, 30),
    Column("history", "状态记录（JSON）", "json", False, 30),
    Column("created_at", "保存时间", "datetime", True, 20),
    Column("updated_at", "更新时间", "datetime", True, 20),
    # Added after the first format: a file written before it has no such column.
    Column("late_entry_reason", "补录原因", "text", False, 24),
)
# Columns added after the first format, at the end: a file may lack them, and a row's canonical
# content holds them only when they have a value, so a file from before them checks as it did.
LATER_KEYS = frozenset({"late_entry_reason"})
_FIRST_WIDTH = len(COLUMNS) - len(LATER_KEYS)
KEYS = tuple(column.key for column in COLUMNS)
INDEX = {key: n for n, key in enumerate(KEYS)}
_FINDINGS = INDEX["findings"]
_DATED = tuple(n for n, column in enumerate(COLUMNS) if column.type in ("date", "datetime"))
BY_HEADER = {column.header: column for column in COLUMNS}

# The manifest's rows: label, key.
MANIFEST_ROWS = (
    ("格式", "format"),
    ("服务站代码", "station_code"),
    ("服务站名称", "station_name"),
    ("所属区", "district"),
    ("起始日期", "date_from"),
    ("截止日期", "date_to"),
    ("申请份数", "count"),
    ("校验码（SHA-256）", "checksum"),
    ("程序版本", "program_version"),
    ("导出时间", "exported_at"),
    ("导出人", "exported_by"),
)


@dataclass(frozen=True)
class Manifest:
    station_code: str
    station_name: str
    district: str
    date_from: date | None
    date_to: date | None
    count: int
    checksum: str
    program_version: str
    exported_at: datetime | None = None
    exported_by: str = ""
    format: str = FORMAT


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _trimmed(values: Sequence[Any]) -> Sequence[Any]:
    """The values without the trailing later columns that hold nothing (`LATER_KEYS`)."""
    end = len(values)
    while end > _FIRST_WIDTH and values[end - 1] is None:
        end -= 1
    return values[:end] if end < len(values) else values


def canonical(values: Sequence[Any]) -> bytes:
    """One row's canonical content: compact JSON of its values in column order (the later
    columns only up to the last that holds a value)."""
    return json.dumps(
        [_plain(v) for v in _trimmed(values)],
        ensure_ascii=False,
        separators=(",", ":"),
        allow_nan=False,
    ).encode("utf-8")


_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode


class Checksum:
    """SHA-256 over the rows' canonical content, one line a row, in file order.

    The same bytes as `canonical(row)`, built value by value (compact JSON writes a list's
    items exactly as it writes each alone), with the decision document's text kept per
    object: rows share a few documents, and encoding each again was half the cost."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self.count = 0
        self._documents: dict[int, tuple[Any, str]] = {}

    def add(self, values: Sequence[Any]) -> None:
        if len(values) != len(COLUMNS):
            self._hash.update(canonical(values))
        else:
            document = values[_FINDINGS]
            known = self._documents.get(id(document))
            if known is None or known[0] is not document:
                if len(self._documents) >= 10_000:  # not shared after all: keep it small
                    self._documents.clear()
                known = self._documents[id(document)] = (document, _encode(document))
            plain = list(_trimmed(values))
            for n in _DATED:
                if plain[n] is not None:
                    plain[n] = _plain(plain[n])
            # Two compact JSON arrays around the document's text: "[a,…,doc,…,z]".
            head = _encode(plain[:_FINDINGS])[1:-1]
            tail = _encode(plain[_FINDINGS + 1 :])[1:-1]
            text = f"[{head},{known[1]},{tail}]" if tail else f"[{head},{known[1]}]"
            self._hash.update(text.encode())
        self._hash.update(b"\n")
        self.count += 1

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def row_digest(values: Sequence[Any]) -> str:
    return hashlib.sha256(canonical(values)).hexdigest()


# --- writing ----------------------------------------------------------------------------------

Progress = Callable[[int, int], bool]


_TEXT_COLUMNS = tuple(n for n, column in enumerate(COLUMNS) if column.type == "text")


def normal(values: Sequence[Any]) -> tuple[Any, ...]:
    """Values as reading them back gives them: texts stripped, empty texts None."""
    result = list(values)
    for n in _TEXT_COLUMNS:
        value = result[n]
        if isinstance(value, str):
            value = value.strip()
            result[n] = value or None
    return tuple(result)


# Columns whose texts repeat from row to row: written once, in the shared-string table.
_SHARED_COLUMNS = frozenset(
    n
    for n, column in enumerate(COLUMNS)
    if column.key
    in (
        "station_code",
        "station_name",
        "clerk",
        "status",
        "scheme",
        "kind",
        "occupation",
        "grade",
        "issuer",
        "competition",
        "stage",
        "policy_sha256",
        "findings",
    )
)
_CELL_STYLES = {"date": Style.DATE, "datetime": Style.DATETIME}


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def write_batch(
    path: Path,
    rows: Iterable[Sequence[Any]],
    *,
    manifest: Manifest,
    total: int,
    progress: Progress | None = None,
    every: int = 1000,
) -> Manifest:
    """Write rows (values in `KEYS` order; JSON columns as Python values) and the manifest.

    The manifest's count and checksum are computed here; the written manifest is returned."""
    result: list[Manifest] = []

    def write(target: Path) -> None:
        with XlsxWriter(target) as book:
            sheet = book.add_sheet(
                APPLICATIONS_SHEET,
                widths=[column.width for column in COLUMNS],
                freeze_header=True,
                shared=_SHARED_COLUMNS,
            )
            sheet.append([column.header for column in COLUMNS], [Style.BOLD] * len(COLUMNS))
            styles = [_CELL_STYLES.get(column.type, Style.PLAIN) for column in COLUMNS]
            json_columns = [n for n, column in enumerate(COLUMNS) if column.type == "json"]
            texts: dict[int, str] = {}  # id of a JSON document → its text (documents repeat)
            keep: list[Any] = []  # the documents whose ids are in `texts`
            checksum = Checksum()
            for raw in rows:
                values = normal(raw)
                checksum.add(values)
                cells: list[Any] = list(values)
                for n in json_columns:
                    value = cells[n]
                    if value is None:
                        continue
                    if isinstance(value, list | dict) and n in _SHARED_COLUMNS:
                        text = texts.get(id(value))
                        if text is None:
                            text = texts[id(value)] = _json_text(value)
                            keep.append(value)
                        cells[n] = text
                    else:
                        cells[n] = _json_text(value)
                sheet.append(cells, styles)
                tick = progress is not None and checksum.count % every == 0
                if tick and progress is not None and not progress(checksum.count, total):
                    raise Cancelled()
            sheet.auto_filter = f"A1:{get_column_letter(len(COLUMNS))}{checksum.count + 1}"
            written = Manifest(
                station_code=manifest.station_code,
                station_name=manifest.station_name,
                district=manifest.district,
                date_from=manifest.date_from,
                date_to=manifest.date_to,
                count=checksum.count,
                checksum=checksum.hexdigest(),
                program_version=manifest.program_version,
                exported_at=manifest.exported_at,
                exported_by=manifest.exported_by,
            )
            manifest_sheet = book.add_sheet(MANIFEST_SHEET, widths=(20, 70))
            for label, key in MANIFEST_ROWS:
                value = getattr(written, key)
                manifest_sheet.append([label, _plain(value) if value is not None else ""])
            if progress is not None and not progress(checksum.count, max(total, checksum.count)):
                raise Cancelled()
        result.append(written)

    save_atomically(path, write)
    return result[0]


# --- reading ----------------------------------------------------------------------------------


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
    if isinstance(value, str):
        if value.startswith("="):
            return None, f"单元格是公式“{value[:40]}”，不是数值。请复制后“选择性粘贴 → 数值”再保存"
        if not value.strip():
            return None, None
    kind = column.type
    if kind == "text":
        if isinstance(value, str):
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
    labels = {label: key for label, key in MANIFEST_ROWS}
    problems: list[Problem] = []
    for number, row in rows:
        if not row or row[0] is None:
            continue
        key = labels.get(str(row[0]).strip())
        if key is not None:
            values[key] = row[1] if len(row) > 1 else None
            if isinstance(values[key], str) and values[key].startswith("="):
                problems.append(Problem(MANIFEST_SHEET, number, "B", "是公式，不是数值"))
    missing = [label for label, key in MANIFEST_ROWS if key not in values]
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
                if type(value) is str and n in texts and value[:1] != "=":
                    # The usual text cell, as `_convert` would give it.
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
