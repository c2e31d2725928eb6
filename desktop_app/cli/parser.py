"""The `union-counter` command line: every subcommand and every argument, each with Chinese help
(the Chinese argparse classes are in `cli/chinese_argparse.py`; the handlers in
`cli/*_commands.py`)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from desktop_app import __version__
from desktop_app.cli.account_parser import add_accounts_parser
from desktop_app.cli.batch_parser import add_batch_parser, add_results_parser, add_stats_parser
from desktop_app.cli.chinese_argparse import (
    EXIT_USAGE,
    VERSION_HELP,
    ChineseArgumentParser,
    iter_parsers,
)

__all__ = ["EXIT_USAGE", "build_parser", "iter_parsers"]

# --- the command line ----------------------------------------------------------------------------

DB_HELP = (
    "数据库地址：SQLAlchemy URL（如 postgresql://用户@服务器/库名）或 SQLite 文件路径；"
    "默认用环境变量 UNION_COUNTER_DB，否则用数据文件夹中的 SQLite 文件"
)
CLERK_HELP = "经办人姓名（记入审计记录）；默认用环境变量 UNION_COUNTER_CLERK，否则用系统登录名"
RECEIPT_EXAMPLE = "如 XC01-20261121-0001"
USER_HELP = "以这个账户登录（数据库已建立账户时必须）；密码从提示输入，或用 --password-file"
PASSWORD_FILE_HELP = (
    "从这个文件读登录密码（第一行；文件只能本人可读，权限 0600）。密码从不写在命令行中"
)


class _ShowVersion(argparse.Action):
    """--version: the version, the build, the schema and the policy files' fingerprints
    (services/about.py), read only when asked."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: Any) -> None:
        kwargs.pop("default", None)
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *_args: Any, **_kwargs: Any) -> None:
        try:
            from desktop_app.services.about import about

            text = "\n".join(about().lines())
        except Exception as exc:
            text = f"union-counter {__version__}（其余信息读取失败：{exc}）"
        print(text)
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = ChineseArgumentParser(
        prog="union-counter",
        description="职工技能补助柜台 — 查询目录、计算补助、受理申请。不带子命令时打开柜台窗口。",
    )
    parser.add_argument("--version", action=_ShowVersion, help=VERSION_HELP)
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="自检：在临时数据文件夹中建库、受理、打印、导出并核对结果（不碰本机数据），"
        "通过时退出码 0，否则 1",
    )
    parser.add_argument("--db", metavar="URL", default=None, help=DB_HELP)
    parser.add_argument("--clerk", metavar="姓名", default=None, help=CLERK_HELP)
    parser.add_argument("--user", metavar="用户名", default=None, help=USER_HELP)
    parser.add_argument(
        "--password-file", metavar="文件", type=Path, default=None, help=PASSWORD_FILE_HELP
    )
    commands = parser.add_subparsers(
        dest="command",
        metavar="子命令",
        help="下列之一；不写子命令时打开柜台窗口",
        parser_class=ChineseArgumentParser,
    )

    quote = commands.add_parser(
        "quote",
        help="计算一份申请的补助（JSON 输入，JSON 输出）",
        description="从文件或标准输入读取一份申请（JSON），在标准输出打印补助决定（JSON）。",
    )
    quote.add_argument(
        "file", nargs="?", default="-", metavar="文件", help="申请 JSON 文件；省略或 - 表示标准输入"
    )

    catalogue = commands.add_parser(
        "catalogue",
        help="补助目录：搜索、查看、导入",
        description="补助目录：搜索、查看，从 Excel 导入新版本或建立新方案。",
    )
    sub = catalogue.add_subparsers(
        dest="catalogue_command",
        metavar="操作",
        help="下列之一",
        parser_class=ChineseArgumentParser,
    )
    search = sub.add_parser(
        "search",
        help="按名称、代码或拼音搜索所有方案的目录",
        description="按名称、代码或拼音搜索所有方案的目录，最匹配的在前，每行一条：名称、代码、方案、"
        "档次、补助标准。",
    )
    search.add_argument("query", metavar="查询", help="名称、代码（如 4-02-04）或拼音（如 wrj）")
    search.add_argument(
        "--limit", type=int, default=20, metavar="N", help="最多显示几条（默认 20）"
    )
    show = sub.add_parser(
        "show",
        help="列出一个方案的目录和补助标准及出处",
        description="列出一个方案的条件、补助标准和目录，每项注明出处。",
    )
    show.add_argument("scheme", metavar="方案", help="方案编号，如 bj-2026-skills")
    _add_catalogue_import_commands(sub)
    _add_store_commands(commands)
    _add_server_commands(commands)
    return parser


def _add_catalogue_import_commands(sub: Any) -> None:
    """`catalogue import` and `catalogue new` (services/catalogue_import.py)."""
    layouts = (
        "表头按发布的目录：序号、职业（工种）名称、职业（工种）代码、补助档次；"
        "或 序号、专项职业能力项目、补助档次（每种目录一张工作表）"
    )
    imp = sub.add_parser(
        "import",
        help="从 Excel 导入目录：检查、列出变化，确认后写入该方案的新版本",
        description=f"读取目录工作簿（{layouts}），逐行检查，列出与生效日现行目录相比新增、"
        "删除、档次变更的条目，确认后写入方案的新版本。已保存的申请仍按原版本。",
    )
    imp.add_argument("file", type=Path, metavar="文件.xlsx", help="目录工作簿")
    imp.add_argument("--scheme", required=True, metavar="方案", help="方案编号，如 bj-2026-skills")
    imp.add_argument("--effective", metavar="日期", help="生效日期 YYYY-MM-DD（默认今天）")
    new = sub.add_parser(
        "new",
        help="由目录工作簿和现有方案的补助标准建立新方案（如下一年度）",
        description=f"新方案的目录取自工作簿（{layouts}），证书类别、补助标准和条件取自 "
        "--from-scheme 指定的方案；工作簿中没有的目录类别不纳入新方案。",
    )
    new.add_argument("file", type=Path, metavar="文件.xlsx", help="目录工作簿")
    new.add_argument(
        "--from-scheme", required=True, metavar="方案", help="沿用其补助标准和条件的方案编号"
    )
    new.add_argument(
        "--id",
        required=True,
        dest="scheme_id",
        metavar="编号",
        help="新方案编号，如 bj-2027-skills",
    )
    new.add_argument("--name", required=True, metavar="名称", help="新方案名称")
    new.add_argument(
        "--document", default=None, metavar="标题", help="依据文件的标题（默认同方案名称）"
    )
    new.add_argument("--effective", required=True, metavar="日期", help="生效日期 YYYY-MM-DD")
    for parser in (imp, new):
        parser.add_argument("--yes", action="store_true", help="不询问，核对后直接写入")
        parser.add_argument(
            "--problems", type=Path, metavar="文件.xlsx", help="文件有问题时，把问题清单存为 xlsx"
        )


def _store_parents() -> tuple[argparse.ArgumentParser, argparse.ArgumentParser]:
    """`--db` and `--clerk`, accepted after any subcommand (and `--db` before it too)."""
    db = ChineseArgumentParser(add_help=False)
    # SUPPRESS: a subcommand that is not given --db keeps what the main parser read.
    db.add_argument("--db", metavar="URL", default=argparse.SUPPRESS, help=DB_HELP)
    db.add_argument("--user", metavar="用户名", default=argparse.SUPPRESS, help=USER_HELP)
    db.add_argument(
        "--password-file",
        metavar="文件",
        type=Path,
        default=argparse.SUPPRESS,
        help=PASSWORD_FILE_HELP,
    )
    clerk = ChineseArgumentParser(add_help=False)
    clerk.add_argument("--clerk", metavar="姓名", default=argparse.SUPPRESS, help=CLERK_HELP)
    return db, clerk


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}”不是整数") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} 不能小于 0")
    return value


def _positive(text: str) -> int:
    value = _non_negative(text)
    if value == 0:
        raise argparse.ArgumentTypeError("应至少为 1")
    return value


def _add_store_commands(commands: Any) -> None:
    db, clerk = _store_parents()
    both = [db, clerk]

    apply = commands.add_parser(
        "apply",
        parents=both,
        help="受理一份申请：检查、计算补助并保存（JSON 输入，打印受理编号和决定）",
        description=(
            "读取一份申请（JSON：quote 的输入，另加 member.name、id_number、phone、work_unit、"
            "position 和 certificate.number、approved_on、issuer、management_number），"
            "检查、计算补助并保存，打印受理编号和补助决定（JSON）。不符合条件的申请也照样保存。"
        ),
    )
    apply.add_argument(
        "file", nargs="?", default="-", metavar="文件", help="申请 JSON 文件；省略或 - 表示标准输入"
    )

    ledger = commands.add_parser(
        "ledger",
        parents=[db],
        help="台账：按条件列出申请（身份证号、京卡号已遮挡）；ledger show 受理编号 查看一份",
        description="按条件列出申请，新受理的在前。身份证号、京卡号只显示首尾几位。",
    )
    ledger.add_argument("--from", dest="date_from", metavar="日期", help="受理日期不早于（含）")
    ledger.add_argument("--to", dest="date_to", metavar="日期", help="受理日期不晚于（含）")
    ledger.add_argument("--scheme", metavar="方案", help="方案编号，如 bj-2026-skills")
    ledger.add_argument(
        "--status", metavar="状态", help="状态：已受理、已打印、已报送、已发放、退回"
    )
    ledger.add_argument("--query", metavar="文字", help="姓名、受理编号或身份证号的一部分")
    ledger.add_argument(
        "--limit", type=_positive, default=100, metavar="N", help="最多显示几条（默认 100）"
    )
    ledger.add_argument("--offset", type=_non_negative, default=0, metavar="N", help="跳过前 N 条")
    ledger.add_argument("--json", action="store_true", help="以 JSON 输出")
    actions = ledger.add_subparsers(
        dest="action",
        metavar="操作",
        help="不写操作时按条件列出台账",
        parser_class=ChineseArgumentParser,
    )
    show = actions.add_parser(
        "show",
        parents=[db],
        help="查看一份申请：申请人、证书、保存时的补助决定及依据、状态记录、审计事件",
        description="查看一份申请：申请人（身份证号、京卡号已遮挡）、证书、保存时的补助决定及"
        "逐条依据、状态记录和审计事件。",
    )
    show.add_argument("receipt", metavar="受理编号", help=RECEIPT_EXAMPLE)
    show.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="以 JSON 输出")

    status = commands.add_parser(
        "status",
        parents=both,
        help="改变申请状态：已受理 → 已打印 → 已报送 → 已发放，或退回（须写原因）",
        description="改变一份申请的状态（记入状态记录和审计记录）：已受理 → 已打印 → 已报送 → "
        "已发放，或退回（须用 --reason 写明原因；退回的申请可以重新受理）。",
    )
    status.add_argument("receipt", metavar="受理编号", help=f"要改变状态的申请，{RECEIPT_EXAMPLE}")
    status.add_argument(
        "new_status", metavar="新状态", help="已打印、已报送、已发放、退回（或英文代码）"
    )
    status.add_argument("--reason", metavar="原因", help="退回的原因（退回时必填）")

    settings = commands.add_parser(
        "settings",
        parents=both,
        help="查看或设置服务站名称、代码和所属区，保存数据库密码",
        description=(
            "不带选项时显示当前设置（也显示管理员的本机设置文件）；带选项时修改"
            "（记入审计记录）。管理员在本机设置文件中固定的项目不能修改。"
        ),
    )
    settings.add_argument(
        "--station-code", metavar="代码", help="服务站代码，2–8 位大写字母或数字，如 XC01"
    )
    settings.add_argument("--station-name", metavar="名称", help="服务站名称")
    settings.add_argument("--district", metavar="区", help="所属区，如 西城区")
    settings.add_argument(
        "--db-password",
        action="store_true",
        help=(
            "保存 PostgreSQL 数据库的密码：从提示输入（不显示），或从标准输入读一行；"
            "存入本用户的 libpq 密码文件（pgpass），不写进任何设置文件，也不在命令行中给出"
        ),
    )

    add_accounts_parser(commands, both)
    add_batch_parser(commands, both)
    add_results_parser(commands, both)
    add_stats_parser(commands, both)

    backup = commands.add_parser(
        "backup",
        parents=both,
        help="备份数据库（默认写到数据文件夹的 backups 文件夹）",
        description=(
            "用 SQLite 的在线备份接口备份数据库（PostgreSQL 用 pg_dump），"
            "检查无误后才写成正式文件名。"
        ),
    )
    backup.add_argument(
        "path",
        nargs="?",
        type=Path,
        metavar="位置",
        help="备份文件或文件夹；省略时写到数据文件夹的 backups 文件夹",
    )

    restore = commands.add_parser(
        "restore",
        parents=both,
        help="从备份恢复数据库（先检查备份，并保留被替换的数据库）",
        description=(
            "先检查备份文件（完整性、是本程序的数据库、版本不比本程序新），"
            "把当前数据库另存到 backups 文件夹，再用备份替换它。只用于本机 SQLite 数据库。"
        ),
    )
    restore.add_argument(
        "path",
        type=Path,
        metavar="备份文件",
        help="要恢复的备份文件（backup 或自动备份写出的 SQLite 文件，如 backups 文件夹中的）",
    )
    restore.add_argument(
        "--accept-broken-audit",
        dest="broken_audit_reason",
        metavar="原因",
        help=(
            "系统管理员用：备份自身的审计记录不完整时仍然恢复，须写明原因；恢复和原因记入审计"
            "记录，此后 audit verify 从这次恢复起校验并每次提示"
        ),
    )

    audit_parser = commands.add_parser(
        "audit",
        help="审计记录：校验；检查和更正含不可见字符的文字",
        description="审计记录：逐条校验；列出并更正含不可见字符的文字（每次更正记入审计记录）。",
    )
    audit_actions = audit_parser.add_subparsers(
        dest="action",
        metavar="操作",
        help="下列之一",
        parser_class=ChineseArgumentParser,
        required=True,
    )
    verify = audit_actions.add_parser(
        "verify",
        parents=[db],
        help="校验审计记录和每份申请、每位会员的记录，报告在程序之外被改动、插入或删除的内容",
        description=(
            "逐条校验审计记录的哈希链，报告第一条被改动、插入或删除的事件；再逐行核对申请和会员"
            "记录与程序最后写入时的校验值，列出在程序之外被改动的行。--against 还核对保存在"
            "数据库之外的审计链头（交换文件、台账导出、备份文件，或记有 audit head 输出的文本），"
            "证明其前的历史没有被改写。完好时退出码 0，发现问题时退出码 5。"
        ),
    )
    verify.add_argument(
        "--against",
        type=Path,
        action="append",
        default=[],
        metavar="文件",
        help="记有审计链头的文件：交换文件、台账导出、备份文件或文本；可写多次",
    )
    audit_actions.add_parser(
        "head",
        parents=[db],
        help="显示审计链头（事件数:哈希），抄入纸质台账或另存，日后用 audit verify --against 核对",
        description=(
            "显示审计链当前的头：事件数和最后一条事件的哈希（形如 57:3f2a…）。把它抄入纸质"
            "日志或另存到别处；日后 audit verify --against 可证明此前的历史没有被改写。"
        ),
    )
    audit_actions.add_parser(
        "text",
        parents=[db],
        help="列出含有不可见字符（控制字符、文字方向控制符、零宽字符）的申请记录",
        description=(
            "逐份检查申请的文字内容，列出含有控制字符、文字方向控制符、零宽字符等不可见字符的"
            "字段（受理编号、字段和字符的位置，不显示内容）。没有发现时退出码 0，发现时退出码 5。"
        ),
    )

    correct = audit_actions.add_parser(
        "correct",
        parents=both,
        help="更正申请中含不可见字符的文字（姓名、工作单位、岗位、证书编号、签发单位、管理号、"
        "补录原因），须写明原因，记入审计记录",
        description=(
            "更正 audit text 列出的一项文字：新内容按受理时的规则检查（不能含不可见字符），"
            "须用 --reason 写明原因；更正前后的内容和原因记入审计记录。只能更正含不可见字符的"
            "文字，金额、状态、身份证号、补助项目和补助决定不能更改。先显示更正内容并询问，"
            "加 --yes 不再询问。"
        ),
    )
    correct.add_argument("receipt", metavar="受理编号", help=f"要更正的申请，{RECEIPT_EXAMPLE}")
    correct.add_argument(
        "field",
        metavar="字段",
        help="audit text 列出的字段名，如 姓名、工作单位（也可写 name、member.work_unit）",
    )
    correct.add_argument("value", metavar="新内容", help='更正后的文字（可选字段可写空文字 ""）')
    correct.add_argument("--reason", metavar="原因", required=True, help="更正的原因（必填）")
    correct.add_argument("--yes", action="store_true", help="不再询问，直接更正")

    print_parser = commands.add_parser(
        "print",
        parents=both,
        help="打印申请的表格（附件2申请表或受理回执）为 PDF；--batch 把多份打进一个 PDF",
        description=(
            "把申请的表格写成 PDF（A4，按原大小打印）。不写 --form 时，社会工作者申请打印附件2"
            "申请表，其他申请打印受理回执。第一次打印为原件，以后各次标明“补打”、次数和日期；"
            "每次打印记入审计记录，“已受理”的申请改为“已打印”。"
        ),
    )
    print_parser.add_argument(
        "receipts",
        nargs="+",
        metavar="受理编号",
        help=f"要打印的申请，{RECEIPT_EXAMPLE}；多份时加 --batch",
    )
    print_parser.add_argument(
        "--form",
        choices=("annex2", "receipt"),
        default="auto",
        help="annex2（附件2申请表，仅社会工作者申请）或 receipt（受理回执）",
    )
    print_parser.add_argument(
        "--batch", action="store_true", help="打印多份申请（一个 PDF，每份一页）"
    )
    print_parser.add_argument(
        "-o", "--output", required=True, type=Path, metavar="文件.pdf", help="写入的 PDF 文件"
    )
    _add_exchange_commands(commands, db, both)


_SKIP_BAD_HELP = (
    "含不可见字符的申请不写入文件，其余照常导出（跳过的受理编号记入审计记录）；"
    "不加时只列出这些申请，什么也不导出"
)


def _add_server_commands(commands: Any) -> None:
    db, clerk = _store_parents()
    server = commands.add_parser(
        "server",
        help="全区共用的 PostgreSQL 服务器：为各服务站建立数据库账户和按站划分的权限",
        description="区总工会管理员用：在全区共用的 PostgreSQL 服务器上设置按服务站划分的权限。",
    )
    actions = server.add_subparsers(
        dest="action",
        metavar="操作",
        help="下列之一",
        parser_class=ChineseArgumentParser,
        required=True,
    )
    setup = actions.add_parser(
        "setup",
        parents=[db, clerk],
        help="建立各服务站的数据库账户、区总工会的工作账户和只读账户、授权和行级安全策略（可重复运行）",
        description=(
            "由区总工会管理员用数据库所有者账户运行：先建立或升级数据表，再为每个服务站建立"
            "数据库账户（uc_station_代码，设密码前不能登录）、区总工会工作账户 uc_district_rw"
            "（登录、报送/退回、导入交换文件）和只读账户 uc_district、"
            "授权和行级安全策略：每个服务站只能读写本站的申请和会员，审计记录只能添加。"
            "重复运行不改变任何东西；以后增加服务站时再运行一次。"
        ),
    )
    setup.add_argument(
        "--station",
        action="append",
        metavar="代码",
        help="服务站代码，如 XC01；可写多次。已设置过的服务站保留",
    )
    setup.add_argument("--district", metavar="区", help="所属区，如 西城区（记在服务站登记中）")
    setup.add_argument(
        "--password-for",
        metavar="账户",
        help="给这个数据库账户设置密码并允许登录：服务站代码（如 XC01）、district-rw"
        "（区总工会工作账户）或 district（区总工会只读账户）；"
        "密码从 --password-from-file 读取，或在提示时输入（不显示），从不写在命令行上",
    )
    setup.add_argument(
        "--password-from-file",
        type=Path,
        metavar="文件",
        help="密码文件：第一行是密码，文件权限须为 0600（只有本人可读）",
    )


def _add_exchange_commands(commands: Any, db: argparse.ArgumentParser, both: list[Any]) -> None:
    export = commands.add_parser(
        "export",
        parents=both,
        help="把台账导出为 Excel 工作簿（含“汇总”工作表；身份证号、京卡号默认遮挡）",
        description=(
            "按条件把申请导出为 Excel 工作簿：第一个工作表是申请（日期为 Excel 日期，金额为数字，"
            "首行冻结、可筛选），第二个工作表“汇总”按方案、证书类别和等级、状态、服务站统计份数和"
            "金额。身份证号、京卡号默认遮挡；--full-ids 写完整号码（记入审计记录）。"
        ),
    )
    export.add_argument("file", type=Path, metavar="文件.xlsx", help="写入的 Excel 文件")
    export.add_argument("--from", dest="date_from", metavar="日期", help="受理日期不早于（含）")
    export.add_argument("--to", dest="date_to", metavar="日期", help="受理日期不晚于（含）")
    export.add_argument("--scheme", metavar="方案", help="方案编号，如 bj-2026-skills")
    export.add_argument(
        "--status", metavar="状态", help="状态：已受理、已打印、已报送、已发放、退回"
    )
    export.add_argument(
        "--full-ids", action="store_true", help="写完整的身份证号和京卡号（记入审计记录）"
    )
    export.add_argument(
        "--reason", metavar="原因", help="导出完整号码的原因（数据库有账户时必填，记入审计记录）"
    )
    export.add_argument("--skip-bad", action="store_true", help=_SKIP_BAD_HELP)

    exchange = commands.add_parser(
        "exchange",
        help="服务站与区总工会之间交换申请：exchange export / exchange import",
        description="服务站与区总工会之间交换申请：服务站导出交换文件，区总工会导入。",
    )
    actions = exchange.add_subparsers(
        dest="action",
        metavar="操作",
        help="下列之一",
        parser_class=ChineseArgumentParser,
        required=True,
    )
    out = actions.add_parser(
        "export",
        parents=both,
        help="把本服务站的申请导出为交换文件（含清单和校验码），交区总工会导入",
        description=(
            "把本服务站在期间内受理的申请（职工、证书、附件2各项、状态记录、保存时的补助决定）"
            "写成交换文件，另有“清单”工作表写明服务站、期间、份数、校验码和程序版本，"
            "并用本站的签名密钥签名（首次导出时生成密钥）。交换文件含完整身份证号，请妥善保管。"
        ),
    )
    out.add_argument("file", type=Path, metavar="文件.xlsx", help="写入的交换文件")
    out.add_argument("--from", dest="date_from", metavar="日期", help="受理日期不早于（含）")
    out.add_argument("--to", dest="date_to", metavar="日期", help="受理日期不晚于（含）")
    out.add_argument("--skip-bad", action="store_true", help=_SKIP_BAD_HELP)
    into = actions.add_parser(
        "import",
        parents=both,
        help="导入服务站的交换文件：核对签名、清单和校验码，重新核算补助，新增申请，报告重复和冲突",
        description=(
            "逐个导入交换文件，每个文件要么全部导入，要么一份也不导入。先核对签名（服务站的公钥"
            "须已登记：exchange key register），再核对清单和校验码；按申请所用的政策版本重新"
            "核算补助，与服务站保存的决定不同的申请不入库，列入“导入待核”（exchange held）；"
            "已有的同一补助（重复申请）不导入并列出；同一受理编号内容不同（冲突）时整个文件不导入。"
        ),
    )
    kept = actions.add_parser(
        "anchors",
        parents=[db],
        help="列出导入的交换文件带来的各服务站审计链头（区总工会保存，服务站据此核对历史）",
        description=(
            "列出本数据库导入交换文件时记下的各服务站审计链头：服务站、导入时间、链头、文件。"
            "输出可另存为文本文件交给服务站，服务站用 audit verify --against 该文件核对。"
        ),
    )
    kept.add_argument("--station", metavar="代码", help="只列这个服务站的（如 XC01）")
    into.add_argument("files", type=Path, nargs="+", metavar="文件.xlsx", help="交换文件，可写多个")
    into.add_argument(
        "--problems",
        type=Path,
        metavar="文件.xlsx",
        help="把发现的问题（工作表、行、列、说明）另存为 Excel 文件",
    )
    _add_key_commands(actions, both)
    held = actions.add_parser(
        "held",
        parents=both,
        help="导入待核：重新核算的补助与服务站保存的不同的申请（列出、核定）",
        description=(
            "导入时重新核算的补助与服务站保存的决定不同的申请，不按服务站的金额入库，列入"
            "“导入待核”。不加参数时列出待核的申请（两个金额都列出）；--accept 受理编号 "
            "--use station（按服务站的决定）或 recomputed（按重新核算的结果）核定并入库，"
            "记入审计记录。"
        ),
    )
    held.add_argument("--all", action="store_true", help="也列出已核定的")
    held.add_argument("--accept", metavar="受理编号", help="核定这一份待核的申请")
    held.add_argument(
        "--use",
        choices=("station", "recomputed"),
        help="station：按服务站保存的决定；recomputed：按本机重新核算的结果",
    )


def _add_key_commands(actions: Any, both: list[Any]) -> None:
    key = actions.add_parser(
        "key",
        help="交换文件的签名密钥：导出本站公钥、登记服务站公钥、列出、生成新密钥",
        description=(
            "服务站导出的交换文件都用本站的签名密钥签名（密钥文件在数据文件夹中，只有本账户能读）。"
            "区总工会为每个服务站登记一次公钥：服务站 export 导出公钥文件，区总工会 register "
            "登记，双方电话核对屏幕上显示的指纹。未登记或签名不对的文件不能导入。"
        ),
    )
    key_actions = key.add_subparsers(
        dest="key_action",
        metavar="操作",
        help="下列之一",
        parser_class=ChineseArgumentParser,
        required=True,
    )
    show = key_actions.add_parser(
        "show",
        parents=both,
        help="显示本站签名密钥的指纹（首次使用时生成密钥）",
        description="显示本站签名密钥的指纹，供电话核对。本站还没有密钥时先生成一把。",
    )
    show.set_defaults(key_file=None)
    export = key_actions.add_parser(
        "export",
        parents=both,
        help="把本站的公钥写成文件，交区总工会登记",
        description=(
            "把本站的公钥（不是私钥）和指纹写成文本文件，交区总工会登记；"
            "登记时请在电话中把指纹读给对方核对。"
        ),
    )
    export.add_argument("key_file", type=Path, metavar="文件", help="写入的公钥文件")
    register = key_actions.add_parser(
        "register",
        parents=both,
        help="区总工会：登记（或更换）服务站的公钥；显示服务站代码和指纹，确认后登记",
        description=(
            "读服务站导出的公钥文件，显示服务站代码和指纹，询问是否一致（电话核对），"
            "确认后登记；已登记另一把公钥时替换它，旧指纹记入审计记录。"
        ),
    )
    register.add_argument("key_file", type=Path, metavar="文件", help="服务站导出的公钥文件")
    register.add_argument(
        "--yes", action="store_true", help="已电话核对指纹，不再询问（不加时在终端询问）"
    )
    key_actions.add_parser(
        "list",
        parents=both,
        help="列出已登记的服务站公钥和指纹",
        description="列出本机已登记的服务站公钥：服务站代码、名称、指纹、登记时间和登记人。",
    )
    new = key_actions.add_parser(
        "new",
        parents=both,
        help="生成新的签名密钥（密钥文件丢失或损坏时）；区总工会须重新登记",
        description=(
            "本站的签名密钥文件丢失或损坏、又找不回时，生成新的签名密钥（记入审计记录，"
            "旧指纹一并记下）。之后须导出公钥，请区总工会重新登记。"
        ),
    )
    new.add_argument("--yes", action="store_true", help="不再询问")
