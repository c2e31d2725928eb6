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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from desktop_app.exchange.errors import Cancelled, ExchangeError, Problem
from desktop_app.exchange.files import discard, merged_ranges, open_workbook, save_atomically

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
)
KEYS = tuple(column.key for column in COLUMNS)
INDEX = {key: n for n, key in enumerate(KEYS)}
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


def canonical(values: Sequence[Any]) -> bytes:
    """One row's canonical content: compact JSON of its values in column order."""
    return json.dumps(
        [_plain(v) for v in values], ensure_ascii=False, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")


class Checksum:
    """SHA-256 over the rows' canonical content, one line a row, in file order."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self.count = 0

    def add(self, values: Sequence[Any]) -> None:
        self._hash.update(canonical(values))
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
        book = Workbook(write_only=True)
        try:
            sheet = book.create_sheet(APPLICATIONS_SHEET)
            manifest_sheet = book.create_sheet(MANIFEST_SHEET)
            for n, column in enumerate(COLUMNS, start=1):
                sheet.column_dimensions[get_column_letter(n)].width = column.width
            sheet.freeze_panes = "A2"
            bold = Font(bold=True)
            header = []
            for column in COLUMNS:
                cell = WriteOnlyCell(sheet, value=column.header)
                cell.font = bold
                header.append(cell)
            sheet.append(header)
            formats = {"date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm:ss"}
            styled = {
                n: WriteOnlyCell(sheet)
                for n, column in enumerate(COLUMNS)
                if column.type in formats
            }
            for n, cell in styled.items():
                cell.number_format = formats[COLUMNS[n].type]
            json_columns = [n for n, column in enumerate(COLUMNS) if column.type == "json"]
            checksum = Checksum()
            for raw in rows:
                values = normal(raw)
                checksum.add(values)
                cells: list[Any] = list(values)
                for n in json_columns:
                    cells[n] = _json_text(cells[n]) if cells[n] is not None else None
                for n, cell in styled.items():
                    if cells[n] is not None:
                        cell.value = cells[n]
                        cells[n] = cell
                sheet.append(cells)
                tick = progress is not None and checksum.count % every == 0
                if tick and progress is not None and not progress(checksum.count, total):
                    raise Cancelled()
            sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{checksum.count + 1}"
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
            manifest_sheet.column_dimensions["A"].width = 20
            manifest_sheet.column_dimensions["B"].width = 70
            for label, key in MANIFEST_ROWS:
                value = getattr(written, key)
                manifest_sheet.append([label, _plain(value) if value is not None else ""])
            if progress is not None and not progress(checksum.count, max(total, checksum.count)):
                raise Cancelled()
            book.save(target)
        except BaseException:
            discard(book)
            raise
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


def _manifest(sheet: Any, name: str) -> Manifest:
    values: dict[str, Any] = {}
    labels = {label: key for label, key in MANIFEST_ROWS}
    problems: list[Problem] = []
    for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
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


def read_batch(path: Path, *, progress: Progress | None = None, every: int = 5000) -> Batch:
    """Read and check an exchange workbook; ExchangeError (with the problems) if it is unusable.

    Checks: the two sheets, the headers (none missing, none unknown), no merged cells, no
    formulas, every value of its column's type, required values present, no receipt twice,
    and the manifest: station, period, row count and checksum."""
    path = Path(path)
    name = path.name
    with open_workbook(path) as book:
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
        manifest = _manifest(book[MANIFEST_SHEET], name)
        sheet = book[APPLICATIONS_SHEET]
        problems = _Problems(APPLICATIONS_SHEET)
        for merged in merged_ranges(sheet):
            problems.add(
                None, merged, f"单元格 {merged} 是合并单元格。请取消合并，每行每列各填一个值"
            )
        rows_iter = sheet.iter_rows(values_only=True)
        header = next(rows_iter, None)
        if header is None or all(v is None for v in header):
            raise ExchangeError(f"文件 {name} 的工作表“{APPLICATIONS_SHEET}”是空的，没有申请。")
        positions: dict[int, Column] = {}
        seen: set[str] = set()
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
            if column.key not in seen:
                problems.add(1, "", f"缺少列“{column.header}”")
        if problems.count:
            raise _refuse(name, problems, "的列名不对")

        batch = Batch(path, manifest)
        checksum = Checksum()
        receipts: dict[str, int] = {}
        width = len(COLUMNS)
        order = sorted(positions.items())
        parsed: dict[str, Any] = {}  # JSON text → its value, shared by the rows that repeat it
        letters = {n: get_column_letter(n + 1) for n in positions}
        for number, raw_row in enumerate(rows_iter, start=2):
            if raw_row is None or all(v is None for v in raw_row):
                continue
            values: list[Any] = [None] * width
            for n, column in order:
                value = raw_row[n] if n < len(raw_row) else None
                if column.type == "json" and isinstance(value, str) and value in parsed:
                    values[INDEX[column.key]] = parsed[value]  # the same document: one object
                    continue
                converted, error = _convert(column, value)
                if column.type == "json" and isinstance(value, str) and error is None:
                    parsed[value] = converted
                if error is not None:
                    problems.add(number, f"{letters[n]}（{column.header}）", error)
                    continue
                if converted is None and column.required:
                    problems.add(number, f"{letters[n]}（{column.header}）", "不能为空")
                values[INDEX[column.key]] = converted
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
            batch.rows.append(row)
            batch.sheet_rows.append(number)
            tick = progress is not None and len(batch.rows) % every == 0
            if tick and progress is not None and not progress(len(batch.rows), manifest.count):
                raise Cancelled()
    if not batch.rows and not problems.count:
        raise ExchangeError(f"文件 {name} 的工作表“{APPLICATIONS_SHEET}”只有列名，没有申请。")
    if problems.count:
        raise _refuse(name, problems, "中有不合格的内容")
    _check_manifest(batch, checksum, name)
    return batch


def _check_manifest(batch: Batch, checksum: Checksum, name: str) -> None:
    manifest = batch.manifest
    problems: list[Problem] = []
    if manifest.count != checksum.count:
        problems.append(
            Problem(
                MANIFEST_SHEET,
                None,
                "申请份数",
                f"清单写的是 {manifest.count} 份，工作表“{APPLICATIONS_SHEET}”中有 "
                f"{checksum.count} 份：有行被删除或添加了",
            )
        )
    elif manifest.checksum != checksum.hexdigest():
        problems.append(
            Problem(
                MANIFEST_SHEET,
                None,
                "校验码",
                "申请的内容与清单的校验码不符：导出后有单元格被改动过",
            )
        )
    station = INDEX["station_code"]
    applied = INDEX["applied_on"]
    for row, number in zip(batch.rows, batch.sheet_rows, strict=True):
        if row[station] != manifest.station_code:
            problems.append(
                Problem(
                    APPLICATIONS_SHEET,
                    number,
                    "服务站代码",
                    f"服务站 {row[station]} 与清单的服务站 {manifest.station_code} 不符",
                )
            )
        day = row[applied]
        if (manifest.date_from and day < manifest.date_from) or (
            manifest.date_to and day > manifest.date_to
        ):
            problems.append(
                Problem(APPLICATIONS_SHEET, number, "受理日期", "受理日期不在清单写明的期间内")
            )
        if len(problems) >= MAX_PROBLEMS:
            break
    if problems:
        raise _refuse(name, problems, "与它的清单不符")


def as_mapping(row: Sequence[Any]) -> Mapping[str, Any]:
    return dict(zip(KEYS, row, strict=True))
