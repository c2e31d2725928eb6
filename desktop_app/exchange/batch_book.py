"""The 报送清单 of a submission batch as an Excel workbook for the 协会: the same lines as the
PDF list (services/submissions.py gives them), a header row, amounts as numbers, then the
totals per scheme and overall with the amount in Chinese capitals. Written atomically."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from desktop_app.exchange.files import save_atomically
from desktop_app.exchange.xlsx_writer import Style, XlsxWriter

SHEET = "报送清单"
HEADER = (
    "序号",
    "受理编号",
    "姓名",
    "身份证号",
    "补助方案",
    "职业（工种）或项目",
    "等级",
    "金额（元）",
)
WIDTHS = (6, 22, 10, 22, 28, 30, 8, 12)


def write_batch_list(
    path: Path,
    *,
    title: str,
    lines: Sequence[tuple[int, str, str, str, str, str, str, int]],
    totals: Sequence[tuple[str, int, int, str]],
    total: tuple[int, int, str],
) -> None:
    """`lines`: the list's rows in HEADER's order; `totals`: (scheme, applications, amount,
    amount in capitals); `total`: (applications, amount, capitals)."""

    def write(target: Path) -> None:
        with XlsxWriter(target) as book:
            sheet = book.add_sheet(SHEET, widths=WIDTHS, freeze_header=True)
            sheet.append((title,), (Style.BOLD,))
            sheet.append(HEADER, [Style.HEADER] * len(HEADER))
            styles = [Style.PLAIN] * (len(HEADER) - 1) + [Style.AMOUNT]
            for line in lines:
                sheet.append(line, styles)
            sheet.append(())
            for scheme, count, amount, capitals in totals:
                sheet.append(
                    ("", "", "", "", scheme, f"{count} 份", capitals, amount),
                    [Style.PLAIN] * 7 + [Style.AMOUNT],
                )
            count, amount, capitals = total
            sheet.append(
                ("", "", "", "", "合计", f"{count} 份", capitals, amount),
                [Style.BOLD] * 7 + [Style.BOLD_AMOUNT],
            )

    save_atomically(path, write)
