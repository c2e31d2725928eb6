"""Audit chain heads kept outside the database (issue 16, part 2): reading them back from the
files that carry them, and the heads a district has received from its stations.

A head ("events:hash", `storage.audit.Anchor`) is written into every exchange file's manifest
(审计链头), under the totals of every ledger export's 汇总 sheet, and is the head of every
backup file; `union-counter audit head` prints it for the paper daily log. The district's
import records the station's head in its own audit event, so the heads it received are under
its own chain (`received_heads`). `audit verify --against FILE` reads the heads from FILE
(`anchors_in_file`) and proves the history before each is unchanged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from desktop_app.errors import EXIT_INPUT
from desktop_app.exchange.errors import ExchangeError
from desktop_app.exchange.xlsx_reader import XlsxBook
from desktop_app.storage import audit
from desktop_app.storage.backup import audit_head_in
from desktop_app.storage.database import Store
from desktop_app.storage.errors import StoreError

MAX_TEXT = 1 << 20  # a text file of heads larger than this is not one
_SQLITE_MAGIC = b"SQLite format 3\x00"


class AnchorFileError(StoreError):
    """A file that holds no chain head the program can read."""

    exit_code = EXIT_INPUT


def anchors_in_file(path: Path) -> list[audit.Anchor]:
    """The chain heads `path` carries: an exchange file or ledger export (.xlsx), a backup
    (SQLite), or a text file with "events:hash" (what `audit head` and `exchange anchors`
    print). AnchorFileError with a Chinese message when it holds none."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            start = handle.read(len(_SQLITE_MAGIC))
    except OSError as exc:
        raise AnchorFileError(f"无法读取 {path.name}：{exc.strerror or exc}") from exc
    if start == _SQLITE_MAGIC:
        head = audit_head_in(path)
        found = [audit.Anchor(*head)] if head is not None else []
    elif start.startswith(b"PK"):
        found = _in_workbook(path)
    else:
        if path.stat().st_size > MAX_TEXT:
            raise AnchorFileError(f"{path.name} 太大，不是记有审计链头的文本文件。")
        found = audit.anchors_in(path.read_text(encoding="utf-8", errors="replace"))
    if not found:
        raise AnchorFileError(
            f"{path.name} 中没有审计链头（形如“57:3f2a…”，64 位十六进制）。请选择交换文件、"
            "台账导出、备份文件，或记有 audit head 输出的文本文件。"
        )
    return found


def _in_workbook(path: Path) -> list[audit.Anchor]:
    """Heads in the 清单 sheet of an exchange file or the 汇总 sheet of a ledger export."""
    try:
        with XlsxBook(path) as book:
            for name in ("清单", "汇总"):
                if name not in book.sheet_names:
                    continue
                text = "\n".join(
                    str(cell) for _n, row in book[name].rows() for cell in row if cell is not None
                )
                if found := audit.anchors_in(text):
                    return found
    except ExchangeError as exc:
        raise AnchorFileError(exc.message) from exc
    return []


@dataclass(frozen=True)
class ReceivedHead:
    """A station's chain head as one of its exchange files brought it to the district."""

    station_code: str
    at: datetime
    file: str
    anchor: audit.Anchor

    @property
    def line(self) -> str:
        return f"{self.station_code}\t{self.at:%Y-%m-%d %H:%M}\t{self.anchor.text}\t{self.file}"


def received_heads(store: Store, station_code: str | None = None) -> list[ReceivedHead]:
    """The heads the district's imports recorded, oldest first (one station, or all)."""
    found: list[ReceivedHead] = []
    with store.session() as session:
        for event in audit.events_of(session, entity="exchange", action="import"):
            details = json.loads(event.details)
            anchors = audit.anchors_in(str(details.get("audit_head") or ""))
            station = str(details.get("station") or "")
            if not anchors or (station_code and station != station_code):
                continue
            found.append(ReceivedHead(station, event.at, str(details.get("file", "")), anchors[0]))
    return found
