"""`union-counter batch …`: the parser of the 报送批次 commands (run by cli/batch_commands.py)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from desktop_app.cli.chinese_argparse import ChineseArgumentParser

BATCH_EXAMPLE = "如 XC01-BS-2026-0003"


def _actions(parser: argparse.ArgumentParser) -> Any:
    return parser.add_subparsers(
        dest="action", metavar="操作", help="下列之一", parser_class=ChineseArgumentParser
    )


def _batch_number(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("number", metavar="批次号", help=BATCH_EXAMPLE)


def _output(parser: argparse.ArgumentParser, name: str, what: str) -> None:
    parser.add_argument(
        "-o", "--output", required=True, type=Path, metavar=name, help=f"写到这个 {what} 文件"
    )


def add_batch_parser(commands: Any, both: list[argparse.ArgumentParser]) -> None:
    """The `batch` subcommand and its actions, on the main parser's `commands`."""
    batch = commands.add_parser(
        "batch",
        parents=both,
        help="报送批次：把已打印盖章的申请编成批次报协会（建立、查看、列出、整批撤回）",
        description=(
            "报送批次：一个服务站已打印（盖章）的申请编成一批，经区总工会报北京市职工技术协会。"
            "建立批次时其中每份申请改为“已报送”（一次完成，有一份不能报送则整批不建）；"
            "协会的结果回来以前，批次可以整批撤回（须写原因），申请回到“已打印”。"
            "建立和撤回需要“把申请设为已报送”的权限。"
        ),
    )
    actions = _actions(batch)
    create = actions.add_parser(
        "create",
        parents=both,
        help="建立批次：列出的受理编号，或按服务站、登记日期和方案选出的已打印申请",
        description=(
            "建立一个报送批次。写受理编号时只收这些申请（按写的顺序）；不写时收服务站在"
            "登记日期范围内、该方案的全部已打印且不在别的批次里的申请（登记日期早的在前）。"
            "先用 --dry-run 看会收哪些申请。"
        ),
    )
    create.add_argument(
        "receipts", nargs="*", metavar="受理编号", help="要报送的申请；不写时按下列条件选"
    )
    create.add_argument(
        "--station", metavar="站号", help="服务站代码，如 XC01（服务站账户默认本站）"
    )
    create.add_argument("--from", dest="date_from", metavar="日期", help="登记日期不早于（含）")
    create.add_argument("--to", dest="date_to", metavar="日期", help="登记日期不晚于（含）")
    create.add_argument("--scheme", metavar="方案", help="方案编号，如 bj-2016-union-boost")
    create.add_argument("--dry-run", action="store_true", help="只列出会收入批次的申请，不建立批次")
    create.add_argument("--json", action="store_true", help="以 JSON 输出")
    show = actions.add_parser(
        "show",
        parents=both,
        help="查看一个批次：每份申请（身份证号已遮挡）、各方案合计、总计（含大写）",
        description="查看一个报送批次：清单的每一行（身份证号已遮挡）、各方案合计和总计。",
    )
    _batch_number(show)
    show.add_argument("--json", action="store_true", help="以 JSON 输出")
    listing = actions.add_parser(
        "list",
        parents=both,
        help="列出批次（新建的在前）",
        description="列出报送批次，新建的在前。",
    )
    listing.add_argument("--station", metavar="站号", help="只列这个服务站的批次")
    listing.add_argument("--json", action="store_true", help="以 JSON 输出")
    print_list = actions.add_parser(
        "print",
        parents=both,
        help="报送清单 PDF：每页有表头和页码，末页有各方案合计、总计（含大写）和签章栏",
        description=(
            "把批次的报送清单写成 A4 横向 PDF（身份证号已遮挡），供签字盖章后随申请表报送；"
            "文件整个写成或不写。打印记入审计记录。"
        ),
    )
    _batch_number(print_list)
    _output(print_list, "文件.pdf", "PDF")
    export_list = actions.add_parser(
        "export",
        parents=both,
        help="报送清单 Excel（给协会）：与 PDF 相同的行和合计",
        description="把批次的报送清单写成 Excel 工作簿（与 PDF 相同的行、各方案合计和总计）。",
    )
    _batch_number(export_list)
    _output(export_list, "文件.xlsx", "xlsx")
    withdraw = actions.add_parser(
        "withdraw",
        parents=both,
        help="整批撤回（协会结果回来以前；须写原因），申请回到“已打印”",
        description=(
            "整批撤回一个报送批次：只在其中每份申请都还是“已报送”时可以，须用 --reason 写明原因；"
            "申请回到“已打印”，批次保留清单并记下撤回人、时间和原因。"
        ),
    )
    _batch_number(withdraw)
    withdraw.add_argument("--reason", metavar="原因", required=True, help="撤回的原因（必填）")


def add_results_parser(commands: Any, both: list[argparse.ArgumentParser]) -> None:
    """`results import FILE`: the 协会's answer to a batch."""
    results = commands.add_parser(
        "results",
        parents=both,
        help="审核结果：导入协会填好结果的报送清单（通过、不通过、金额调整）",
        description=(
            "导入北京市职工技术协会的审核结果：用 batch export 导出的报送清单，填好“审核结果”"
            "（通过 / 不通过 / 金额调整）、核定金额、发放日期和原因。"
            "通过和金额调整的申请改为“已发放”，"
            "不通过的改为“退回”。每一行都核对；有问题则整个文件不导入，并按行列出问题。"
            "同一文件再导入一次不改变任何东西。需要“把申请设为已发放”的权限。"
        ),
    )
    actions = _actions(results)
    into = actions.add_parser(
        "import",
        parents=both,
        help="导入一个填好结果的报送清单（xlsx）",
        description="导入一个填好审核结果的报送清单（xlsx）。",
    )
    into.add_argument("file", type=Path, metavar="文件.xlsx", help="协会返回的报送清单")
    into.add_argument(
        "--problems", type=Path, metavar="文件.xlsx", help="文件有问题时，把问题清单存为 xlsx"
    )


def add_stats_parser(commands: Any, both: list[argparse.ArgumentParser]) -> None:
    """`stats`: the period's counts and amounts (services/statistics.py)."""
    stats = commands.add_parser(
        "stats",
        parents=both,
        help="统计：一段时间内的申请份数和金额，按月份、服务站、方案、状态或职业（工种）",
        description=(
            "按登记日期统计申请的份数和补助金额（不符合条件的申请金额为 0）：按月份、服务站、方案、"
            "状态，或最多的职业（工种）和竞赛项目。服务站账户只统计本站。"
        ),
    )
    stats.add_argument("--from", dest="date_from", metavar="日期", help="登记日期不早于（含）")
    stats.add_argument("--to", dest="date_to", metavar="日期", help="登记日期不晚于（含）")
    stats.add_argument("--station", metavar="站号", help="只统计这个服务站")
    stats.add_argument(
        "--by",
        choices=("month", "station", "scheme", "status", "occupation"),
        action="append",
        metavar="分组",
        help="month、station、scheme、status 或 occupation，可写多次；不写时全部列出",
    )
    stats.add_argument("--json", action="store_true", help="以 JSON 输出")
    stats.add_argument(
        "-o", "--output", type=Path, metavar="文件.pdf", help="另写一页带图表的 PDF 统计报告"
    )
    stats.add_argument("--png", type=Path, metavar="文件.png", help="另把统计报告存为 PNG 图片")
