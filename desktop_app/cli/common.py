"""What the command line's commands share: reading input, who acts (--clerk), opening the
database (--db), printing JSON, dates and file names given as options."""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from desktop_app.services.logs import setup_logging

if TYPE_CHECKING:
    from desktop_app.domain.ledger_filter import LedgerFilter
    from desktop_app.services.store import Store


def setup_streams() -> None:
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(encoding="utf-8", errors="replace")


def read_input(name: str, stdin: TextIO) -> str:
    if name == "-":
        return stdin.read()
    path = Path(name)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputFileError(f"找不到文件：{name}") from None
    except OSError as exc:
        raise InputFileError(f"无法读取文件 {name}：{exc.strerror or exc}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputFileError(f"文件 {name} 不是 UTF-8 编码的文本") from None


class InputFileError(Exception):
    pass


def warn_refused() -> None:
    from desktop_app.services.policies import policy_set

    for error in policy_set().errors:
        print(f"警告：{error}", file=sys.stderr)


def clerk_of(args: argparse.Namespace) -> str:
    """Who acts: --clerk, else UNION_COUNTER_CLERK, else the login name."""
    from desktop_app.domain.facts import InputError
    from desktop_app.domain.validators import check_clerk_name

    name = getattr(args, "clerk", None) or os.environ.get("UNION_COUNTER_CLERK")
    if not name:
        try:
            name = getpass.getuser()
        except Exception:  # no login name (some services and containers)
            name = ""
    if not " ".join((name or "").split()):
        raise InputError("--clerk", "请用 --clerk 写明经办人姓名")
    checked = check_clerk_name(name or "")
    if checked.value is None:
        raise InputError("--clerk", "".join(checked.errors))
    return checked.value


def check_url(db_url: str | None) -> None:
    """A malformed `--db` URL is bad input, not a fault of the database."""
    from desktop_app.services.settings_view import check_url_syntax

    check_url_syntax(db_url, "--db")


LOG_STATE: dict[str, Path] = {}


@contextmanager
def open_store_for(args: argparse.Namespace, *, reading: bool = False) -> Iterator[Store]:
    """Open the database as the program always does (upgrade, daily backup). A command that
    only reads (`reading`) still works in a data folder that cannot be written: the SQLite
    database is then opened read-only, with a warning, and no log file is written."""
    from desktop_app.services.store import open_store, open_store_or_read

    db_url = getattr(args, "db", None)
    check_url(db_url)
    store = open_store_or_read(db_url) if reading else open_store(db_url)
    logged = False
    if not store.read_only:
        try:
            LOG_STATE["file"] = setup_logging(store.folder.root)
            logged = True
        except OSError as exc:
            if not reading:
                store.dispose()
                raise
            store.warnings.append(f"无法写入日志文件（{exc.strerror or exc}），本次不记日志。")
    if not logged:  # a folder that cannot be written keeps no log
        LOG_STATE.pop("file", None)
        logging.getLogger("desktop_app").addHandler(logging.NullHandler())
    for warning in store.warnings:
        print(f"警告：{warning}", file=sys.stderr)
        if logged:
            logging.getLogger("desktop_app.cli").warning(warning)
    try:
        sign_in_for(args, store)
        yield store
    finally:
        store.dispose()


USER_VARIABLE = "UNION_COUNTER_USER"
PASSWORD_FILE_VARIABLE = "UNION_COUNTER_PASSWORD_FILE"


def sign_in_for(args: argparse.Namespace, store: Store) -> None:
    """Once the database has accounts, every command signs in: `--user` (or
    UNION_COUNTER_USER) and the password from `--password-file` (or
    UNION_COUNTER_PASSWORD_FILE), else typed at a prompt. Refused: SignInError (exit 2)."""
    from desktop_app.services.accounts import SignInError, must_change_password, sign_in
    from desktop_app.services.permissions import accounts_enabled

    if not accounts_enabled(store):
        return
    user = getattr(args, "user", None) or os.environ.get(USER_VARIABLE)
    if not user:
        raise SignInError(
            "这个数据库已建立账户：请用 --user 用户名 登录"
            "（密码从提示输入，或用 --password-file）。"
        )
    password = read_password(
        getattr(args, "password_file", None) or os.environ.get(PASSWORD_FILE_VARIABLE),
        prompt=f"{user} 的密码（不显示）：",
    )
    sign_in(store, user, password)
    changing_own = getattr(args, "command", None) == "accounts" and args.action == "password"
    if not changing_own and must_change_password(store):
        raise SignInError(
            "管理员为您设了新密码：请先运行 union-counter accounts password 修改密码，再做别的事。"
        )


def read_password(file: str | Path | None, *, prompt: str) -> str:
    """A password from a file only its owner can read (first line), or typed at a prompt; never
    from the command line. InputError (Chinese) when neither can be had."""
    import getpass

    from desktop_app.domain.facts import InputError

    if file:
        path = Path(file).expanduser()
        try:
            info = path.stat()
            if os.name == "posix" and info.st_mode & 0o077:
                raise InputError(
                    "--password-file",
                    f"密码文件 {path} 别人也能读（权限 {info.st_mode & 0o777:o}）："
                    f"请先 chmod 600 {path}。",
                )
            lines = path.read_text(encoding="utf-8-sig").splitlines()
        except OSError as exc:
            raise InputError(
                "--password-file", f"无法读取密码文件 {path}（{exc.strerror}）。"
            ) from None
        if not lines or not lines[0]:
            raise InputError("--password-file", f"密码文件 {path} 是空的。")
        return lines[0]
    if not sys.stdin.isatty():
        raise InputError(
            "--password-file",
            "需要密码：请在终端中运行以便输入，或用 --password-file 指定密码文件。",
        )
    return getpass.getpass(prompt)


def print_json(value: Any) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def load_json(text: str) -> Any:
    """The input as JSON (the services' one reading of it)."""
    from desktop_app.services.quote import parse_json

    return parse_json(text)


def ledger_filter_of(args: argparse.Namespace) -> LedgerFilter:
    """The ledger filter of --from, --to, --scheme, --status (and `query` where the command
    has one)."""
    from desktop_app.domain.ledger_filter import LedgerFilter
    from desktop_app.services.status import parse_status

    date_from, date_to = date_range(args)
    return LedgerFilter(
        date_from=date_from,
        date_to=date_to,
        scheme=(args.scheme or "").strip() or None,
        status=parse_status(args.status) if args.status else None,
        query=(getattr(args, "query", None) or "").strip() or None,
    )


def option_date(text: str | None, option: str) -> date | None:
    from desktop_app.domain.facts import InputError
    from desktop_app.domain.validators import parse_date

    if text is None:
        return None
    checked = parse_date(text)
    if not checked.ok:
        raise InputError(option, "".join(checked.errors))
    return checked.value


def date_range(args: argparse.Namespace) -> tuple[date | None, date | None]:
    from desktop_app.domain.facts import InputError

    date_from = option_date(args.date_from, "--from")
    date_to = option_date(args.date_to, "--to")
    if date_from and date_to and date_from > date_to:
        raise InputError("--from", "开始日期晚于结束日期")
    return date_from, date_to


def check_xlsx_name(path: Path, option: str) -> None:
    from desktop_app.domain.facts import InputError

    if path.suffix.lower() != ".xlsx":
        raise InputError(option, f"文件名“{path.name}”应以 .xlsx 结尾")
