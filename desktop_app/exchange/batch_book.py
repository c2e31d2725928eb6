"""The 报送清单 of a submission batch as an Excel workbook for the 协会: the batch's number in the
first row, the same lines as the PDF list (services/submissions.py gives them) with amounts as
numbers, then the totals per scheme and overall with the amount in Chinese capitals; and four
empty columns for the 协会's answer (审核结果 通过 / 不通过 / 金额调整, 核定金额, 发放日期, 原因),
which `exchange/results_book.py` reads back. Written atomically."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from desktop_app.exchange.files import save_atomically
from desktop_app.exchange.xlsx_writer import Style, XlsxWriter

SHEET = "报送清单"
HEADER = ("序号", "受理编号", "姓名", "身份证号", "补助方案", "职业（工种）或项目", "等级",
          "金额（元）")  # fmt: skip
# Left empty for the 协会's answer, read back by exchange/results_book.py.
RESULT_HEADER = ("审核结果", "核定金额（元）", "发放日期", "原因")
RESULTS = ("通过", "不通过", "金额调整")
WIDTHS = (6, 22, 10, 22, 28, 30, 8, 12, 12, 14, 12, 30)
NUMBER_LABEL = "批次号"


def write_batch_list(
    path: Path,
    *,
    number: str,
    station: str,
    made: str,
    lines: Sequence[tuple[int, str, str, str, str, str, str, int]],
    totals: Sequence[tuple[str, int, int, str]],
    total: tuple[int, int, str],
) -> None:
    """`lines`: the list's rows in HEADER's order (the result columns are left empty);
    `totals`: (scheme, applications, amount, amount in capitals); `total`: (applications,
    amount, capitals)."""

    def write(target: Path) -> None:
        with XlsxWriter(target) as book:
            sheet = book.add_sheet(SHEET, widths=WIDTHS)
            sheet.append(
                ("报送清单", NUMBER_LABEL, number, "报送单位", station, "编制日期", made),
                [Style.BOLD] * 7,
            )
            heads = HEADER + RESULT_HEADER
            sheet.append(heads, [Style.HEADER] * len(heads))
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
