"""The exchange workbook's layout: its columns and manifest, a row's canonical content and the
checksum over the rows (written by `writing`, checked by `reading`).

The checksum is computed from the typed values (dates, numbers, yes/no, texts, the JSON
documents re-serialised), not from the XML: a workbook re-saved by Excel or WPS keeps it as
long as no value changed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

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
    ("审计链头", "audit_head"),
)
# Rows added after the first format: a file written before them lacks them.
OPTIONAL_MANIFEST_KEYS = frozenset({"audit_head"})
# The signature's rows (`signing`): a file written before signing has neither, and the import
# refuses it as unsigned, not as a damaged manifest.
SIGNATURE_ROWS = (
    ("签名密钥指纹", "key_fingerprint"),
    ("签名（Ed25519）", "signature"),
)


@dataclass(frozen=True)
class Manifest:
    """The 清单 sheet: what the file holds and who wrote it. A field added here is covered by
    the signature without more code (`signing.signed_text`); give it a default, so a file
    written before it still verifies, and a row in `MANIFEST_ROWS` (the reader reads it)."""

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
    # The exporting station's audit chain head when it wrote the file, "events:hash"
    # (services/audit_trail.Anchor): the district keeps it, the station can prove against it.
    audit_head: str = ""
    # The station's signing key (`signing`): its fingerprint is signed like every other field;
    # the signature covers every field but itself.
    key_fingerprint: str = ""
    signature: str = ""


def plain_value(value: Any) -> Any:
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
        [plain_value(v) for v in _trimmed(values)],
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
                    plain[n] = plain_value(plain[n])
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


Progress = Callable[[int, int], bool]  # (done, total) → go on


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


def json_text(value: Any) -> str:
    """A JSON column's text in the workbook: compact, Chinese as it is."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
