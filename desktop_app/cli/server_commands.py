"""`union-counter server setup`: the district's shared PostgreSQL server, per-station roles."""

from __future__ import annotations

import argparse
import os
import stat
import sys
from pathlib import Path

from desktop_app.cli.common import check_url, clerk_of
from desktop_app.domain.facts import InputError
from desktop_app.errors import EXIT_OK


def _password_from_file(path: Path) -> str:
    """The first line of a file only its owner can read (0600), without its line end."""
    try:
        mode = path.stat().st_mode
        if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise InputError(
                "--password-from-file",
                f"密码文件 {path} 其他用户也能读写（权限 {stat.S_IMODE(mode):04o}），"
                f"请先运行 chmod 600 {path}",
            )
        with path.open(encoding="utf-8") as handle:
            line = handle.readline()
    except OSError as exc:
        raise InputError("--password-from-file", f"无法读取 {path}（{exc.strerror}）") from None
    return line.rstrip("\r\n")


def _password(args: argparse.Namespace) -> str | None:
    if args.password_for is None:
        if args.password_from_file is not None:
            raise InputError("--password-from-file", "请用 --password-for 写明给哪个账户设密码")
        return None
    if args.password_from_file is not None:
        return _password_from_file(args.password_from_file)
    if not sys.stdin.isatty():
        raise InputError(
            "--password-for", "请用 --password-from-file 给出密码文件，或在终端中运行以输入密码"
        )
    import getpass

    password = getpass.getpass(f"{args.password_for} 的数据库密码（不显示）：")
    if getpass.getpass("再输入一次：") != password:
        raise InputError("--password-for", "两次输入的密码不一致，没有设置")
    return password


def cmd_server_setup(args: argparse.Namespace) -> int:
    from desktop_app.services.server_setup import setup_server

    db_url = getattr(args, "db", None)
    check_url(db_url)
    password = _password(args)
    result = setup_server(
        db_url,
        args.station or [],
        actor=clerk_of(args),
        district=args.district or "",
        password_for=args.password_for,
        password=password,
    )
    for line in result.lines():
        print(line)
    return EXIT_OK
