"""The 台账 export: a sheet of applications and a 汇总 sheet, written in streaming mode.

Each row is formatted as XML text and compressed into the file as it is appended
(`xlsx_writer`: no cell objects), so memory stays flat however many rows there are; the
summary is counted on the way and written at the end. The caller gives plain values (no ORM
objects) and a progress callback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol

from openpyxl.utils import get_column_letter

from desktop_app.exchange.errors import Cancelled
from desktop_app.exchange.files import save_atomically
from desktop_app.exchange.xlsx_writer import SheetWriter, Style, XlsxWriter

LEDGER_SHEET = "台账"
SUMMARY_SHEET = "汇总"
DATE_FORMAT = "yyyy-mm-dd"
AMOUNT_FORMAT = "#,##0"


@dataclass(frozen=True)
class LedgerLine:
    """One application as the export shows it (numbers already masked or not)."""

    receipt: str
    applied_on: date
    name: str
    id_number: str
    card_number: str
    scheme: str  # the scheme's name as shown
    kind: str  # the certificate kind's label
    occupation: str
    level: str
    eligible: bool
    amount: int
    status: str  # label
    station: str
    clerk: str
    # 重点群体: 已确认 / 确认不属于 / 未确认, or "" where the scheme does not ask.
    key_group: str = ""


# (header, width in characters)
LEDGER_COLUMNS: tuple[tuple[str, float], ...] = (
    ("受理编号", 22),
    ("受理日期", 12),
    ("姓名", 10),
    ("身份证号", 21),
    ("京卡号", 22),
    ("补助方案", 30),
    ("证书类别", 20),
    ("职业（工种）/项目", 24),
    ("等级", 18),
    ("符合条件", 9),
    ("补助金额（元）", 14),
    ("状态", 8),
    ("服务站", 10),
    ("经办人", 10),
    ("重点群体", 12),
)
LEDGER_HEADER = tuple(header for header, _width in LEDGER_COLUMNS)
SUMMARY_HEADER = ("分类", "项目", "份数", "符合条件份数", "补助金额合计（元）")

# Columns whose texts repeat (scheme, kind, occupation, level, yes/no, status, station,
# clerk, key group): written once each, in the shared-string table.
_SHARED_COLUMNS = frozenset((5, 6, 7, 8, 9, 11, 12, 13, 14))


class Summary(Protocol):
    """The 汇总 sheet's figures, given each line as it is written (services/statistics.py:
    `Summary`, grouped as the 统计 overview groups)."""

    count: int
    eligible: int
    amount: int

    def add(self, line: LedgerLine) -> None: ...

    def rows(self) -> list[tuple[str, str, int, int, int]]:
        """(heading, key, count, eligible, amount) of every breakdown, in the sheet's order."""
        ...


Progress = Callable[[int, int], bool]


def write_ledger(
    path: Path,
    lines: Iterable[LedgerLine],
    *,
    summary: Summary,
    total: int,
    title: str = "",
    anchor: str = "",
    progress: Progress | None = None,
    every: int = 1000,
    held_back: Callable[[], Sequence[str]] | None = None,
) -> Summary:
    """Write the ledger workbook to `path` atomically; the summary it wrote. `anchor`: the
    audit chain's head ("events:hash"), written under the totals (审计链头).

    `progress(done, total)` is called every `every` rows and at the end; returning False
    cancels (Cancelled is raised and no file is left). `held_back()`, asked once the lines
    are written: the receipts the caller left out, counted in a last row of 汇总. `summary`
    is given every line written and makes the 汇总 sheet's figures."""

    def write(target: Path) -> None:
        with XlsxWriter(target) as book:
            sheet = book.add_sheet(
                LEDGER_SHEET,
                widths=[width for _header, width in LEDGER_COLUMNS],
                freeze_header=True,
                shared=_SHARED_COLUMNS,
            )
            sheet.append(LEDGER_HEADER, [Style.HEADER] * len(LEDGER_HEADER))
            styles = [Style.PLAIN] * len(LEDGER_COLUMNS)
            styles[1] = Style.DATE
            styles[10] = Style.AMOUNT
            append = sheet.append
            add = summary.add
            done = 0
            for line in lines:
                append(
                    (
                        line.receipt,
                        line.applied_on,
                        line.name,
                        line.id_number,
                        line.card_number,
                        line.scheme,
                        line.kind,
                        line.occupation,
                        line.level,
                        "是" if line.eligible else "否",
                        line.amount,
                        line.status,
                        line.station,
                        line.clerk,
                        line.key_group,
                    ),
                    styles,
                )
                add(line)
                done += 1
                if progress is not None and done % every == 0 and not progress(done, total):
                    raise Cancelled()
            last = get_column_letter(len(LEDGER_COLUMNS))
            sheet.auto_filter = f"A1:{last}{done + 1}"
            summary_sheet = book.add_sheet(
                SUMMARY_SHEET, widths=(16, 40, 10, 14, 20), freeze_header=True
            )
            _write_summary(summary_sheet, summary, title, anchor, held_back() if held_back else ())
            if progress is not None and not progress(done, max(total, done)):
                raise Cancelled()

    save_atomically(path, write)
    return summary


HELD_BACK_LABEL = "未导出"
HELD_BACK_WHAT = "含不可见字符的申请（受理编号见审计记录）"


def _write_summary(
    sheet: SheetWriter,
    summary: Summary,
    title: str,
    anchor: str,
    held_back: Sequence[str],
) -> None:
    sheet.append(SUMMARY_HEADER, [Style.HEADER] * len(SUMMARY_HEADER))
    styles = (Style.PLAIN, Style.PLAIN, Style.PLAIN, Style.PLAIN, Style.AMOUNT)
    for group, key, count, eligible, total in summary.rows():
        sheet.append((group, key, count, eligible, total), styles)
    sheet.append(
        (
            "合计",
            title or "全部",
            summary.count,
            summary.eligible,
            summary.amount,
        ),
        (Style.PLAIN, Style.PLAIN, Style.PLAIN, Style.PLAIN, Style.BOLD_AMOUNT),
    )
    if held_back:
        sheet.append((HELD_BACK_LABEL, HELD_BACK_WHAT, len(held_back), None, None))
    if anchor:
        sheet.append(("审计链头", anchor), (Style.PLAIN, Style.PLAIN))
