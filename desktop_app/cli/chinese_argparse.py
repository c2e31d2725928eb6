"""argparse in Chinese: help, usage and every usage error, laid out by display width.

argparse writes its own words in English ("usage:", "options", "invalid choice", …) and measures
text with len(), so Chinese option names and help misalign and wrap inside words. Here:

- `ChineseArgumentParser` titles its groups 位置参数 / 选项, adds its own -h/--help, merges
  `parents=` into those groups, and turns argparse's error messages into Chinese in `error()`
  (patterns for the wording of Python 3.11 to 3.14; a message no pattern knows is kept as it is);
  a usage error prints the usage and one line on stderr and exits 2.
- `ChineseHelpFormatter` writes 用法：, measures display width (a wide or full-width character
  takes two columns) to pad the help column and to wrap, and wraps with `wrap()`: between CJK
  characters or at spaces, never inside an ASCII word such as certificate.kind or --station-code,
  and without starting a line with closing punctuation (，。）…) or ending one with （“.

The command line itself (every subcommand and argument) is built with these in `cli/parser.py`.
"""

from __future__ import annotations

import argparse
import ast
import itertools
import re
import sys
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, NoReturn

from desktop_app.errors import EXIT_INPUT

EXIT_USAGE = EXIT_INPUT  # bad input or usage exit alike (desktop_app/errors.py)

USAGE_PREFIX = "用法："
HELP_HELP = "显示本帮助并退出"
VERSION_HELP = "显示程序版本、构建日期、数据库结构版本和政策文件的指纹并退出"

# argparse's group titles (and the one of Python < 3.10) as the clerk reads them.
GROUP_TITLES = {
    "positional arguments": "位置参数",
    "options": "选项",
    "optional arguments": "选项",
    "subcommands": "子命令",
}


# --- display width and wrapping ---------------------------------------------------------------

_ANSI = re.compile(r"\x1b\[[0-9;]*m")

# A line does not start with these (closing punctuation) …
_NO_START = frozenset("，。、；：！？）」』】〕〉》”’…‥·・%)]},.;:!?")
# … nor end with these (opening punctuation).
_NO_END = frozenset("（「『【〔〈《“‘([{")


def char_width(char: str) -> int:
    """Columns a character takes on a terminal: 2 for wide and full-width, 0 for combining."""
    if unicodedata.combining(char) or unicodedata.category(char) in ("Cf", "Mn", "Me"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def display_width(text: str) -> int:
    """Columns `text` takes on a terminal (colour codes take none)."""
    return sum(char_width(char) for char in _ANSI.sub("", text))


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


def _segments(word: str) -> list[str]:
    """A word (no spaces) cut where a line may break: wide characters alone, ASCII runs whole."""
    segments: list[str] = []
    narrow = False
    for char in word:
        width = char_width(char)
        if segments and width == 0:
            segments[-1] += char  # a combining mark stays with its character
        elif width == 2:
            segments.append(char)
            narrow = False
        elif narrow:
            segments[-1] += char
        else:
            segments.append(char)
            narrow = True
    return segments


def _atoms(text: str) -> Iterator[tuple[list[str], bool]]:
    """Pieces no line breaks inside unless it must, each with: does a space come before it?

    A piece is one wide character or one ASCII word, with the punctuation that may not be
    separated from it; a word with "://" (an address) is one piece.
    """
    for index, word in enumerate(word for word in text.split(" ") if word):
        segments = _segments(word)
        address = "://" in word
        atom = [segments[0]]
        spaced = index > 0
        for previous, segment in itertools.pairwise(segments):
            if address or segment[0] in _NO_START or previous[-1] in _NO_END:
                atom.append(segment)  # a break here only if the piece is wider than a line
            else:
                yield atom, spaced
                atom, spaced = [segment], False
        yield atom, spaced


def _split_long(atom: list[str], width: int) -> Iterator[str]:
    """A piece wider than a line: at its soft breaks, then (last resort) by characters."""
    for segment in atom:
        if display_width(segment) <= width:
            yield segment
            continue
        chunk, used = "", 0
        for char in segment:
            if chunk and used + char_width(char) > width:
                yield chunk
                chunk, used = "", 0
            chunk += char
            used += char_width(char)
        if chunk:
            yield chunk


def wrap(text: str, width: int) -> list[str]:
    """Lines of at most `width` display columns, broken between CJK characters or at spaces.

    Runs of spaces count as one. An ASCII word (an identifier, an option, a number, a path) is
    never broken unless it alone is wider than a line.
    """
    width = max(width, 2)
    lines: list[str] = []
    line, used = "", 0
    for atom, spaced in _atoms(text):
        joined = "".join(atom)
        if display_width(joined) <= width:
            pieces = [(joined, spaced)]
        else:
            pieces = [(p, spaced and i == 0) for i, p in enumerate(_split_long(atom, width))]
        for piece, space in pieces:
            piece_width = display_width(piece)
            gap = 1 if space and line else 0
            if line and used + gap + piece_width > width:
                lines.append(line)
                line, used = piece, piece_width
            else:
                line += " " * gap + piece
                used += gap + piece_width
    if line:
        lines.append(line)
    return lines


# --- the help formatter --------------------------------------------------------------------------


def _usage_parts(text: str) -> list[str]:
    """A usage line's parts: "[--db URL]", "-o 文件.pdf", "子命令 ..." (not cut inside brackets)."""
    parts: list[str] = []
    depth, current = 0, ""
    for char in text.strip():
        if char in "[({":
            depth += 1
        elif char in "])}":
            depth -= 1
        if char == " " and depth <= 0:
            if current:
                parts.append(current)
            current = ""
        else:
            current += char
    if current:
        parts.append(current)
    merged: list[str] = []
    for part in parts:
        option_alone = bool(merged) and merged[-1].startswith("-") and " " not in merged[-1]
        if merged and (part == "..." or (option_alone and not part.startswith(("-", "[", "(")))):
            merged[-1] += " " + part  # an option and its value, a subcommand and its "..."
        else:
            merged.append(part)
    return merged


class ChineseHelpFormatter(argparse.HelpFormatter):
    """argparse's help formatter with 用法：, Chinese headings and display-width layout.

    The width is the terminal's (shutil, the COLUMNS variable) less two, as argparse has it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._headings: list[str] = []
        super().__init__(*args, **kwargs)

    def _set_color(self, color: bool) -> None:
        """Python 3.14+: no colour codes (the columns are counted without them)."""
        parent: Callable[[bool], None] | None = getattr(super(), "_set_color", None)
        if parent is not None:
            parent(False)

    def start_section(self, heading: str | None) -> None:
        if heading:
            self._headings.append(heading)
        super().start_section(heading)

    def format_help(self) -> str:
        text = super().format_help()
        if not self._headings:
            return text
        headings = "|".join(re.escape(heading) for heading in dict.fromkeys(self._headings))
        return re.sub(rf"(?m)^( *)({headings}):$", r"\1\2：", text)  # "选项:" → "选项："

    def add_usage(
        self,
        usage: str | None,
        actions: Iterable[argparse.Action],
        groups: Iterable[Any],
        prefix: str | None = None,
    ) -> None:
        super().add_usage(usage, actions, groups, USAGE_PREFIX if prefix is None else prefix)

    def _one_line_usage(
        self, usage: str | None, actions: list[argparse.Action], groups: list[Any]
    ) -> str:
        width = self._width
        self._width = 1 << 30  # argparse never wraps it; it is wrapped here by display width
        try:
            return super()._format_usage(usage, actions, groups, "").strip("\n")
        finally:
            self._width = width

    def _format_usage(
        self,
        usage: str | None,
        actions: Iterable[argparse.Action],
        groups: Iterable[Any],
        prefix: str | None,
    ) -> str:
        prefix = USAGE_PREFIX if prefix is None else prefix
        actions, groups = list(actions), list(groups)
        flat = self._one_line_usage(usage, actions, groups)
        text_width = self._width - self._current_indent
        prog = self._prog
        if (
            usage is not None
            or display_width(prefix) + display_width(flat) <= text_width
            or not flat.startswith(prog + " ")
        ):
            return f"{prefix}{flat}\n\n"
        parts = _usage_parts(flat[len(prog) :])
        # Positionals start a line of their own, as argparse has it.
        positionals = [action for action in actions if not action.option_strings]
        tail = self._one_line_usage(None, positionals, []) if positionals and not groups else ""
        ending = _usage_parts(tail[len(prog) :]) if tail.startswith(prog + " ") else []
        split = len(parts) - len(ending) if ending and parts[-len(ending) :] == ending else None
        optionals, positional_parts = (parts, []) if split is None else (parts[:split], ending)

        def fill(parts: list[str], start: int, indent: int) -> list[str]:
            """Parts on lines; the first line begins at column `start`, the others at `indent`."""
            lines: list[str] = []
            line: list[str] = []
            used = start
            for part in parts:
                part_width = display_width(part)
                if line and used + 1 + part_width > text_width:
                    lines.append(" ".join(line))
                    line, used = [], indent
                used += (1 if line else 0) + part_width
                line.append(part)
            if line:
                lines.append(" ".join(line))
            return lines

        prefix_width, prog_width = display_width(prefix), display_width(prog)
        widest = max(display_width(part) for part in parts)
        follow = prefix_width + prog_width + 1  # the parts after the name, as argparse has it
        if prefix_width + prog_width <= 0.75 * text_width and follow + widest <= text_width:
            indent = follow
            if optionals:
                lines = fill([prog, *optionals], prefix_width, indent)
                lines += fill(positional_parts, indent, indent)
            else:
                lines = fill([prog, *positional_parts], prefix_width, indent)
        else:  # the name on a line of its own; a part wider than a line is wrapped too
            indent = prefix_width

            def narrow(parts: list[str]) -> list[str]:
                room = text_width - indent
                return [piece for part in parts for piece in wrap(part, room)]

            # A name wider than the line (union-counter exchange key register at 40 columns)
            # breaks between its words.
            lines = fill(prog.split(), prefix_width, indent)
            lines += fill(narrow(optionals), indent, indent)
            lines += fill(narrow(positional_parts), indent, indent)
        text = ("\n" + " " * indent).join(lines)
        return f"{prefix}{text}\n\n"

    def add_argument(self, action: argparse.Action) -> None:
        if action.help is argparse.SUPPRESS:
            return
        invocation = self._format_action_invocation
        lengths = [display_width(invocation(action)) + self._current_indent]
        for subaction in self._iter_indented_subactions(action):
            lengths.append(display_width(invocation(subaction)) + self._current_indent)
        self._action_max_length = max(self._action_max_length, *lengths)
        self._add_item(self._format_action, [action])

    def _format_action(self, action: argparse.Action) -> str:
        help_position = min(self._action_max_length + 2, self._max_help_position)
        help_width = max(self._width - help_position, 11)
        action_width = help_position - self._current_indent - 2
        header = self._format_action_invocation(action)
        indent = " " * self._current_indent
        first = 0
        if not action.help:
            parts = [f"{indent}{header}\n"]
        elif display_width(header) <= action_width:
            parts = [f"{indent}{_pad(header, action_width)}  "]
        else:
            parts = [f"{indent}{header}\n"]
            first = help_position
        help_lines = []
        if action.help and action.help.strip():
            help_text = self._expand_help(action)
            help_lines = self._split_lines(help_text, help_width) if help_text else []
        if help_lines:
            parts.append(" " * first + help_lines[0] + "\n")
            parts += [" " * help_position + line + "\n" for line in help_lines[1:]]
        elif not parts[0].endswith("\n"):
            parts.append("\n")
        for subaction in self._iter_indented_subactions(action):
            parts.append(self._format_action(subaction))
        return self._join_parts(parts)

    def _split_lines(self, text: str, width: int) -> list[str]:
        return wrap(self._whitespace_matcher.sub(" ", text).strip(), width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        text = self._whitespace_matcher.sub(" ", text).strip()
        lines = wrap(text, max(width - display_width(indent), 11))
        return "\n".join(indent + line for line in lines)


# --- error messages ------------------------------------------------------------------------------


def _value(text: str) -> str:
    """A value argparse quoted with repr() ('x' or "x"), as typed."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            return text[1:-1]
        return str(value)
    return text


def _list(text: str, separator: str = ", ") -> str:
    return "、".join(_value(item) for item in text.split(separator) if item.strip())


_TYPE_NAMES = {"int": "整数", "float": "数字"}


def _choice(m: re.Match[str]) -> str:
    closest = f"，是否想用“{_value(m['closest'])}”？" if m["closest"] else ""
    return f"无效的选择“{_value(m['value'])}”{closest}（可选：{_list(m['choices'])}）"


_MESSAGE_PATTERNS: list[tuple[str, Callable[[re.Match[str]], str]]] = [
    (
        # 3.11: choose from 'a', 'b'; 3.12+: choose from a, b; 3.14+: maybe you meant 'x'?
        r"invalid choice: (?P<value>.*?)(?:, maybe you meant (?P<closest>.*?)\?)?"
        r" \(choose from (?P<choices>.*)\)",
        _choice,
    ),
    (
        r"unknown parser (?P<value>.*) \(choices: (?P<choices>.*)\)",
        lambda m: f"没有“{_value(m['value'])}”这一项（可选：{_list(m['choices'])}）",
    ),
    (
        r"invalid (?P<type>\S+) value: (?P<value>.*)",
        lambda m: f"“{_value(m['value'])}”不是{_TYPE_NAMES.get(m['type'], '有效的值')}",
    ),
    (r"expected one argument", lambda m: "后面要跟一个值"),
    (r"expected at most one argument", lambda m: "后面最多跟一个值"),
    (r"expected at least one argument", lambda m: "后面至少要跟一个值"),
    (r"expected (?P<n>\d+) arguments?", lambda m: f"后面要跟 {m['n']} 个值"),
    (r"unrecognized arguments: (?P<args>.*)", lambda m: f"无法识别的参数：{m['args']}"),
    (
        r"the following arguments are required: (?P<names>.*)",
        lambda m: f"缺少必需的参数：{_list(m['names'])}",
    ),
    (
        r"one of the arguments (?P<names>.*) is required",
        lambda m: f"以下参数须给出其中一个：{_list(m['names'], ' ')}",
    ),
    (
        r"ambiguous option: (?P<option>\S+) could match (?P<matches>.*)",
        lambda m: f"选项 {m['option']} 不明确，可能是：{_list(m['matches'])}",
    ),
    (
        r"not allowed with argument (?P<other>.*)",
        lambda m: f"不能与 {m['other']} 同时使用",
    ),
    (
        r"ignored explicit argument (?P<value>.*)",
        lambda m: f"不接受值“{_value(m['value'])}”",
    ),
    (
        r"can't open '(?P<file>.*)': (?P<error>.*)",
        lambda m: f"无法打开“{m['file']}”：{m['error']}",
    ),
    (r"unexpected option string: (?P<option>.*)", lambda m: f"无法识别的选项：{m[1]}"),
]
_MESSAGES = [(re.compile(pattern, re.S), chinese) for pattern, chinese in _MESSAGE_PATTERNS]

_ARGUMENT = re.compile(r"argument (?P<name>.+?): (?P<message>.*)", re.S)


def translate_error(message: str) -> str:
    """argparse's usage error in Chinese; a message no pattern knows stays as it is."""
    argument = _ARGUMENT.fullmatch(message)
    if argument is not None:
        return f"{argument['name']}：{translate_error(argument['message'])}"
    for pattern, chinese in _MESSAGES:
        match = pattern.fullmatch(message)
        if match is not None:
            return chinese(match)
    return message


class ChineseArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser whose help and usage errors are Chinese (see the module's notes).

    Subparsers are of this class too (add_subparsers gives them the parser's class); the
    arguments of `parents=` go into 位置参数 / 选项, after -h.
    """

    def __init__(
        self,
        prog: str | None = None,
        *,
        parents: Sequence[argparse.ArgumentParser] = (),
        formatter_class: type[argparse.HelpFormatter] = ChineseHelpFormatter,
        add_help: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(prog, formatter_class=formatter_class, add_help=False, **kwargs)
        self.add_help = add_help
        if add_help:  # first among the options, as argparse has it
            self.add_argument(
                "-h", "--help", action="help", default=argparse.SUPPRESS, help=HELP_HELP
            )
        for parent in parents:  # what ArgumentParser does with parents=, after -h
            self._add_container_actions(parent)
            self._defaults.update(parent._defaults)

    def add_argument_group(
        self, title: str | None = None, description: str | None = None, **kwargs: Any
    ) -> Any:
        """Groups titled in Chinese; argparse's own titles all name that one group.

        So a parent built by a plain ArgumentParser ("options") merges into 选项 too.
        """
        if title in GROUP_TITLES:
            title = GROUP_TITLES[title]
            for group in self._action_groups:
                if group.title == title and description is None:
                    return group
        return super().add_argument_group(title, description, **kwargs)

    def error(self, message: str) -> NoReturn:
        """Usage, then one Chinese line on stderr; exit 2."""
        self.print_usage(sys.stderr)
        text = translate_error(message).replace("\r", " ").replace("\n", " ")
        self.exit(EXIT_USAGE, f"{self.prog}：参数错误：{text}\n")


def iter_parsers(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """The parser and each of its subcommands' parsers, nested ones too, with their names."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from iter_parsers(sub, (*path, name))
