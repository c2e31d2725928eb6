"""`union-counter --help` of every command, and every usage error, read as Chinese to a clerk.

As real processes at a set terminal width (COLUMNS): no English word of argparse, every argument
with a help text, the help column lined up by display width (a CJK character takes two columns),
no line wider than the terminal, no ASCII word cut in two at a line end. Usage errors exit 2
with the usage and one Chinese line. The wrapping itself and the translated messages of each
Python version's argparse are tested directly.
"""

from __future__ import annotations

import argparse
import itertools
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_app.cli.chinese_argparse import (
    ChineseArgumentParser,
    display_width,
    iter_parsers,
    translate_error,
    wrap,
)
from desktop_app.cli.parser import build_parser
from tests.conftest import ROOT

COMMANDS = [path for path, _parser in iter_parsers(build_parser())]
WIDTHS = (80, 40)

# What argparse itself writes in English (help, usage and error messages).
ENGLISH = re.compile(
    r"usage|positional|optional|options|arguments?\b|show this help|show program|"
    r"version number|subcommands|required|invalid|choose from|choices|unrecognized|expected|"
    r"ambiguous|could match|not allowed|ignored|error|default:",
    re.IGNORECASE,
)
HEADINGS = ("位置参数：", "选项：")


def run(*args: str, home: Path, columns: int = 80) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "UNION_COUNTER_HOME": str(home),
           "COLUMNS": str(columns), "UNION_COUNTER_CLERK": "王柜员"}  # fmt: skip
    for name in ("UNION_COUNTER_DEBUG", "UNION_COUNTER_DB", "LINES"):
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "desktop_app", *args], capture_output=True, text=True,
        encoding="utf-8", cwd=ROOT, env=env, timeout=60, check=False,
    )  # fmt: skip


def name(path: tuple[str, ...]) -> str:
    return " ".join(("union-counter", *path))


@pytest.fixture(scope="module")
def helps(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[int, tuple[str, ...]], str]:
    """`--help` of every command at each width, each from its own process."""
    home = tmp_path_factory.mktemp("home")
    shown = {}
    for columns in WIDTHS:
        for path in COMMANDS:
            result = run(*path, "--help", home=home, columns=columns)
            assert result.returncode == 0, result.stderr
            assert result.stderr == ""
            shown[columns, path] = result.stdout
    assert not list(home.iterdir()), "--help touched the data folder"
    return shown


@pytest.fixture(scope="module")
def unwrapped() -> dict[tuple[str, ...], str]:
    """Each command's help on a terminal wide enough that nothing wraps: the source text."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COLUMNS", "100000")
        return {path: parser.format_help() for path, parser in iter_parsers(build_parser())}


def test_the_commands_are_all_there():
    names = {" ".join(path) for path in COMMANDS}
    expected = {"", "quote", "catalogue", "catalogue search", "catalogue show", "catalogue import",
                "catalogue new", "apply", "ledger", "ledger show", "status", "settings", "backup",
                "restore", "audit", "audit verify", "audit head", "audit text", "audit correct",
                "print", "export", "exchange", "exchange export", "exchange import",
                "exchange anchors", "exchange key", "exchange key show", "exchange key export",
                "exchange key register", "exchange key list", "exchange key new",
                "exchange held", "accounts", "accounts create-admin", "accounts add",
                "accounts reset-password", "accounts disable", "accounts enable", "accounts list",
                "accounts password", "server", "server setup", "batch", "batch create",
                "batch show", "batch list", "batch withdraw", "batch print",
                "batch export", "results", "results import", "stats"}  # fmt: skip
    assert names == expected


def test_build_parser_is_still_importable_from_main():
    from desktop_app.cli.main import build_parser as from_main

    assert from_main is build_parser


@pytest.mark.parametrize("path", COMMANDS, ids=name)
def test_every_argument_and_subcommand_has_chinese_help(path):
    parser = dict(iter_parsers(build_parser()))[path]
    assert isinstance(parser, ChineseArgumentParser)
    assert parser.description, f"{name(path)} has no description"
    for action in parser._actions:
        label = "/".join(action.option_strings) or action.dest
        assert action.help, f"{name(path)}: {label} has no help"
        assert re.search(r"[\u4e00-\u9fff]", action.help), f"{name(path)}: {label}"
        if action.nargs != 0 and action.choices is None:
            # no default metavar made of the option's English name (SCHEME, FROM_SCHEME, file)
            assert action.metavar, f"{name(path)}: {label} has no metavar"
        if isinstance(action, argparse._SubParsersAction):
            listed = {sub.dest: sub.help for sub in action._get_subactions()}
            assert set(listed) == set(action.choices), f"{name(path)}: a subcommand is unlisted"
            assert all(listed.values()), f"{name(path)}: a subcommand has no help"


@pytest.mark.parametrize("path", COMMANDS, ids=name)
def test_help_has_no_english_from_argparse(helps, path):
    for columns in WIDTHS:
        text = helps[columns, path]
        # (a name wider than a narrow terminal breaks between its words)
        assert " ".join(text.split()).startswith(f"用法：{name(path)}")
        assert not ENGLISH.search(text), ENGLISH.search(text)
        headings = [line for line in text.splitlines() if line in HEADINGS]
        assert "选项：" in headings and len(headings) == len(set(headings)), headings


def help_column(text: str) -> int:
    """Where the help texts start: that of -h/--help, which every command has."""
    line = next(line for line in text.splitlines() if line.startswith("  -h, --help"))
    return display_width(line) - display_width("显示本帮助并退出")


def section_lines(text: str) -> list[list[str]]:
    """The lines of each section (位置参数, 选项), without their heading."""
    sections: list[list[str]] = []
    current: list[str] | None = None
    for line in text.splitlines():
        if line in HEADINGS:
            current = []
            sections.append(current)
        elif not line.strip():
            current = None
        elif current is not None:
            current.append(line)
    return sections


@pytest.mark.parametrize("columns", WIDTHS)
@pytest.mark.parametrize("path", COMMANDS, ids=name)
def test_help_columns_line_up(helps, path, columns):
    text = helps[columns, path]
    column = help_column(text)
    for lines in section_lines(text):
        for index, line in enumerate(lines):
            indent = len(line) - len(line.lstrip(" "))
            if indent >= column:  # help text continued, or started below a long name
                assert indent == column, f"{line!r} is not at column {column}"
                continue
            found = re.fullmatch(r"(.*?\S)( {2,})(\S.*)", line.strip())
            if found:
                invocation, gap, _help = found.groups()
                start = indent + display_width(invocation) + len(gap)
                assert start == column, f"the help of {invocation} starts at {start}, not {column}"
            else:  # a name too long for the column: its help on the next line
                following = lines[index + 1] if index + 1 < len(lines) else ""
                assert len(following) - len(following.lstrip(" ")) == column, f"{line} has no help"


@pytest.mark.parametrize("columns", WIDTHS)
@pytest.mark.parametrize("path", COMMANDS, ids=name)
def test_help_fits_the_terminal(helps, path, columns):
    for line in helps[columns, path].splitlines():
        # argparse leaves two columns free; a CJK character takes two columns
        assert display_width(line) <= columns - 2, f"{display_width(line)} columns: {line!r}"


@pytest.mark.parametrize("columns", WIDTHS)
@pytest.mark.parametrize("path", COMMANDS, ids=name)
def test_help_wraps_between_words_only(helps, unwrapped, path, columns):
    text, source = helps[columns, path], unwrapped[path]
    # nothing lost or doubled: the same text as on a terminal too wide to wrap
    assert re.sub(r"\s", "", text) == re.sub(r"\s", "", source)
    source = " ".join(source.split())
    lines = text.splitlines()
    for line, following in itertools.pairwise(lines):
        end = re.search(r"[\x21-\x7e]+$", line)
        start = re.match(r" *([\x21-\x7e]+)", following)
        if end and start:  # an ASCII word at both sides of the break: a space was there
            joined = f"{end[0]} {start[1]}"
            assert joined in source, f"{end[0]!r} / {start[1]!r} is one word cut in two"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("errors")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["frobnicate"], "子命令：无效的选择“frobnicate”（可选：quote、catalogue、"),
        (["print", "XC01-20261121-0001", "--form", "annex9", "-o", "x.pdf"],
         "--form：无效的选择“annex9”（可选：annex2、receipt）"),
        (["settings", "--bogus", "1"], "无法识别的参数：--bogus 1"),
        (["print", "XC01-20261121-0001"], "缺少必需的参数：-o/--output"),
        (["status"], "缺少必需的参数：受理编号、新状态"),
        (["ledger", "--limit", "x"], "--limit：“x”不是整数"),
        (["catalogue", "search", "wrj", "--limit", "x"], "--limit：“x”不是整数"),
        (["print", "XC01-20261121-0001", "-o"], "-o/--output：后面要跟一个值"),
        (["ledger", "--s", "x"], "选项 --s 不明确，可能是：--scheme、--status"),
        (["audit"], "缺少必需的参数：操作"),
        (["exchange", "send"], "操作：无效的选择“send”（可选：export、import、anchors、key、held）"),
    ],
    ids=" ".join,
)  # fmt: skip
def test_usage_error_exits_2_in_chinese(home, args, expected):
    result = run(*args, home=home)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0].startswith("用法：union-counter")
    assert all(line.startswith(" ") for line in lines[1:-1]), "more than the usage and one line"
    assert "参数错误：" in lines[-1] and expected in lines[-1], lines[-1]
    assert not ENGLISH.search(result.stderr), result.stderr
    assert "Traceback" not in result.stderr


# --- the parts, in this process ------------------------------------------------------------------

MIXED = (
    "读取一份申请（JSON：quote 的输入，另加 member.name、id_number、phone、work_unit、position 和 "
    "certificate.number、approved_on、issuer、management_number），用 --station-code XC01 设置服务站，"
    "数据库见环境变量 UNION_COUNTER_DB；证书类别 certificate.kind 为 skill_level 时须写等级。"
)
IDENTIFIERS = re.findall(r"[A-Za-z0-9_.\-]+", MIXED)


@pytest.mark.parametrize("width", [21, 24, 30, 41, 56, 78])  # 21: the widest piece
def test_wrap_breaks_between_cjk_characters_and_at_spaces_only(width):
    lines = wrap(MIXED, width)
    assert all(display_width(line) <= width for line in lines)
    assert "".join(lines).replace(" ", "") == MIXED.replace(" ", "")
    words = [word for line in lines for word in re.findall(r"[A-Za-z0-9_.\-]+", line)]
    assert words == IDENTIFIERS  # each identifier whole, on one line
    for line, following in itertools.pairwise(lines):
        assert not line.endswith(" ") and not following.startswith(" ")
        assert following[0] not in "，。、；：）", following  # no closing mark starts a line
        assert line[-1] not in "（", line  # no opening mark ends one
    if width >= 41:  # lines are filled, not broken early (the longest piece is 21 columns)
        assert all(display_width(line) > width - 21 for line in lines[:-1])


def test_wrap_counts_display_columns():
    assert display_width("受理编号") == 8
    assert display_width("--clerk 姓名") == 12
    assert display_width("ＡＢ") == 4  # full-width letters
    assert display_width("e\u0301") == 1  # a combining accent takes no column
    assert wrap("受理编号受理编号", 8) == ["受理编号", "受理编号"]
    assert wrap("受理编号受理编号", 7) == ["受理编", "号受理", "编号"]


def test_wrap_keeps_words_whole_unless_one_is_wider_than_a_line():
    assert wrap("the certificate.kind field", 17) == ["the", "certificate.kind", "field"]
    # an address is kept whole too, though it holds CJK characters
    assert wrap("申请 postgresql://用户@服务器/库名 或文件", 30) == [
        "申请",
        "postgresql://用户@服务器/库名",
        "或文件",
    ]
    # a word and its mark wider than a line: the word stays whole, the mark goes below
    assert wrap("见certificate.number、", 18) == ["见", "certificate.number", "、"]
    assert wrap("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]  # only when it cannot fit
    assert wrap("", 10) == []
    assert wrap("  多个   空格  ", 10) == ["多个 空格"]


@pytest.mark.parametrize(
    ("message", "chinese"),
    [
        # Python 3.11
        ("argument --form: invalid choice: 'x' (choose from 'annex2', 'receipt')",
         "--form：无效的选择“x”（可选：annex2、receipt）"),
        # Python 3.12.8+, 3.13
        ("argument --form: invalid choice: 'x' (choose from annex2, receipt)",
         "--form：无效的选择“x”（可选：annex2、receipt）"),
        # Python 3.14+ with suggest_on_error
        ("argument 子命令: invalid choice: 'qoute', maybe you meant 'quote'? (choose from quote, apply)",
         "子命令：无效的选择“qoute”，是否想用“quote”？（可选：quote、apply）"),
        ("argument --limit: invalid int value: 'x'", "--limit：“x”不是整数"),
        ("argument --when: invalid _date value: '1.1'", "--when：“1.1”不是有效的值"),
        ("the following arguments are required: 受理编号, -o/--output",
         "缺少必需的参数：受理编号、-o/--output"),
        ("unrecognized arguments: --x y", "无法识别的参数：--x y"),
        ("ambiguous option: --s could match --scheme, --status",
         "选项 --s 不明确，可能是：--scheme、--status"),
        ("argument --a: not allowed with argument --b", "--a：不能与 --b 同时使用"),
        ("argument --json: ignored explicit argument 'x'", "--json：不接受值“x”"),
        ("one of the arguments --a --b is required", "以下参数须给出其中一个：--a、--b"),
        ("argument -o/--output: expected one argument", "-o/--output：后面要跟一个值"),
        ("argument --x: expected at most one argument", "--x：后面最多跟一个值"),
        ("argument 文件: expected at least one argument", "文件：后面至少要跟一个值"),
        ("argument --pair: expected 2 arguments", "--pair：后面要跟 2 个值"),
        ("argument 子命令: unknown parser 'x' (choices: quote, apply)",
         "子命令：没有“x”这一项（可选：quote、apply）"),
        ("argument --in: can't open 'a.txt': [Errno 2] No such file",
         "--in：无法打开“a.txt”：[Errno 2] No such file"),
        ("argument --limit: “x”不是整数", "--limit：“x”不是整数"),  # our own message
        ("something argparse may say one day", "something argparse may say one day"),
    ],
)  # fmt: skip
def test_argparse_messages_of_each_python_version_in_chinese(message, chinese):
    assert translate_error(message) == chinese


def test_a_plain_parent_still_merges_into_the_chinese_groups(capsys):
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--db", metavar="URL", help="数据库")
    parser = ChineseArgumentParser(prog="试", parents=[parent], description="说明")
    parser.add_argument("文件", help="输入")
    text = parser.format_help()
    assert [line for line in text.splitlines() if line.endswith("：")] == ["位置参数：", "选项："]
    options = text.split("选项：")[1]
    assert options.index("-h, --help") < options.index("--db URL")  # -h first, as argparse has it
    with pytest.raises(SystemExit) as caught:
        parser.parse_args(["--bogus"])
    assert caught.value.code == 2
    assert capsys.readouterr().err.splitlines() == [
        "用法：试 [-h] [--db URL] 文件",
        "试：参数错误：缺少必需的参数：文件",
    ]
