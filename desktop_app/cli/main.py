"""`union-counter` command line: a thin layer over the services.

With a subcommand it does headless work; with none it will open the counter window
(once the window exists; until then it prints this help).

Exit codes: 0 done (for `quote`, whether eligible or not); 2 bad input or usage;
3 a scheme's policy file is unusable; 1 an unexpected internal error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from desktop_app import __version__

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_INPUT = 2
EXIT_POLICY = 3


class _Parser(argparse.ArgumentParser):
    """argparse with its usage errors in Chinese-friendly form, on stderr, exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_INPUT, f"{self.prog}: 参数错误：{message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="union-counter",
        description="职工技能补助柜台 — 查询目录、计算补助、受理申请。不带子命令时打开柜台窗口。",
    )
    parser.add_argument("--version", action="version", version=f"union-counter {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="子命令", parser_class=_Parser)

    quote = commands.add_parser(
        "quote",
        help="计算一份申请的补助（JSON 输入，JSON 输出）",
        description="从文件或标准输入读取一份申请（JSON），在标准输出打印补助决定（JSON）。",
    )
    quote.add_argument("file", nargs="?", default="-", help="申请 JSON 文件；省略或 - 表示标准输入")

    catalogue = commands.add_parser("catalogue", help="补助目录：搜索、查看")
    sub = catalogue.add_subparsers(dest="catalogue_command", metavar="操作", parser_class=_Parser)
    search = sub.add_parser("search", help="按名称、代码或拼音搜索所有方案的目录")
    search.add_argument("query", help="名称、代码（如 4-02-04）或拼音（如 wrj）")
    search.add_argument("--limit", type=int, default=20, help="最多显示几条（默认 20）")
    show = sub.add_parser("show", help="列出一个方案的目录和补助标准及出处")
    show.add_argument("scheme", help="方案编号，如 bj-2026-skills")
    return parser


def _setup_streams() -> None:
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(encoding="utf-8", errors="replace")


def _read_input(name: str, stdin: TextIO) -> str:
    if name == "-":
        return stdin.read()
    path = Path(name)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise _InputFileError(f"找不到文件：{name}") from None
    except OSError as exc:
        raise _InputFileError(f"无法读取文件 {name}：{exc.strerror or exc}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _InputFileError(f"文件 {name} 不是 UTF-8 编码的文本") from None


class _InputFileError(Exception):
    pass


def _warn_refused() -> None:
    from desktop_app.services.policies import policy_set

    for error in policy_set().errors:
        print(f"警告：{error}", file=sys.stderr)


def cmd_quote(args: argparse.Namespace) -> int:
    from desktop_app.domain.facts import InputError
    from desktop_app.services.policies import SchemeUnavailableError
    from desktop_app.services.quote import quote_text

    try:
        text = _read_input(args.file, sys.stdin)
        decision = quote_text(text)
    except _InputFileError as exc:
        print(f"输入有误：{exc}", file=sys.stderr)
        return EXIT_INPUT
    except InputError as exc:
        print(f"输入有误：{exc.field}：{exc.message}", file=sys.stderr)
        return EXIT_INPUT
    except SchemeUnavailableError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_POLICY
    json.dump(decision.to_dict(), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return EXIT_OK


def cmd_catalogue_search(args: argparse.Namespace) -> int:
    from desktop_app.services.catalogue import default_search

    _warn_refused()
    rows = default_search().search(args.query, limit=max(1, args.limit))
    if not rows:
        print(f"没有找到与“{args.query}”匹配的职业（工种）或项目", file=sys.stderr)
        return EXIT_OK
    for row in rows:
        entry = row.entry
        tier = f"{entry.tier}档" if entry.tier else "—"
        print("\t".join([entry.name, entry.code or "—", row.policy.id, tier, row.amounts_text]))
    return EXIT_OK


def cmd_catalogue_show(args: argparse.Namespace) -> int:
    from desktop_app.services.catalogue import amounts_for
    from desktop_app.services.policies import SchemeUnavailableError, get_policy, policy_set

    try:
        policy = get_policy(args.scheme, policy_set())
    except SchemeUnavailableError as exc:
        known = "、".join(sorted(policy_set().policies))
        print(f"{exc}（可用方案：{known}）", file=sys.stderr)
        return EXIT_POLICY if policy_set().errors else EXIT_INPUT
    print(f"{policy.name}（{policy.id}）")
    print(f"依据：{policy.document.title}")
    print(f"政策文件 SHA-256：{policy.sha256}")
    if policy.conditions:
        print("\n条件：")
        for condition in policy.conditions:
            scope = f"（仅{','.join(condition.applies_to)}）" if condition.applies_to else ""
            print(f"  - {condition.rule}{scope}：{condition.source.cite()}")
    for rule in policy.kinds.values():
        print(f"\n{rule.label}（{rule.kind}）— {rule.catalogue.title}")
        print("  补助标准：")
        for rate in policy.rates_for(rule.kind):
            print(f"    {rate.amount}元 ← {rate.source.cite()}")
        print("  目录：")
        for entry in rule.catalogue.entries:
            parts = [f"序号{entry.row}", entry.name]
            if entry.code:
                parts.append(entry.code)
            if entry.tier:
                parts.append(f"{entry.tier}档")
            if entry.group:
                parts.append(entry.group.body)
            amounts = "；".join(f"{a.condition} {a.amount}元" for a in amounts_for(policy, entry))
            print(f"    {'  '.join(parts)}  [{amounts}]")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    _setup_streams()
    parser = build_parser()
    args = parser.parse_args(argv)
    handlers = {
        "quote": cmd_quote,
        ("catalogue", "search"): cmd_catalogue_search,
        ("catalogue", "show"): cmd_catalogue_show,
    }
    if args.command is None:
        parser.print_help()
        return EXIT_OK
    key = args.command if args.command != "catalogue" else ("catalogue", args.catalogue_command)
    handler = handlers.get(key)
    if handler is None:
        parser.parse_args([args.command, "--help"])
        return EXIT_INPUT
    try:
        return handler(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # last resort: a short message, never a traceback
        if os.environ.get("UNION_COUNTER_DEBUG"):
            raise
        print(
            f"程序内部错误（{type(exc).__name__}）：{exc}。请把这条信息告诉维护人员。",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
