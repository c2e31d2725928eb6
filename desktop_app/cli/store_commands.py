"""Commands on the database itself: `settings` (the station), `backup`, `restore`."""

from __future__ import annotations

import argparse
import sys

from desktop_app.cli.common import (
    check_url,
    clerk_of,
    open_store_for,
    sign_in_for,
)
from desktop_app.errors import (
    EXIT_INPUT,
    EXIT_OK,
)


def cmd_settings(args: argparse.Namespace) -> int:
    from desktop_app.services.machine_settings import STATION, database_url, describe, load
    from desktop_app.services.station_settings import save_station, station, station_file

    if args.db_password:
        return _save_db_password(database_url(getattr(args, "db", None)) or "")
    changes = {
        "code": args.station_code,
        "name": args.station_name,
        "district": args.district,
    }
    with open_store_for(args) as store:
        if any(value is not None for value in changes.values()):
            save_station(store, actor=clerk_of(args), **changes)
            print("设置已保存。")
        current = station(store)
        print(f"服务站代码：{current.code if current else '（未设置）'}")
        print(f"服务站名称：{(current.name if current else '') or '（未设置）'}")
        print(f"所属区：{(current.district if current else '') or '（未设置）'}")
        print(f"数据库：{store.location}")
        print(f"数据文件夹：{store.folder.root}")
        if load().fixed(STATION):
            print(f"服务站设置：由管理员在本机设置文件 {load().path} 中设定")
        else:
            print(f"服务站设置文件（本柜台自己的）：{station_file(store)}")
        if not store.is_sqlite:
            from desktop_app.services.pgpass import where_kept

            print(f"数据库密码：保存在{where_kept()}")
        for label, text in describe():
            print(f"{label}：{text}")
    if current is None:
        print(
            "受理申请前须设置服务站代码：union-counter settings --station-code XC01 "
            "--station-name 名称 --district 区",
            file=sys.stderr,
        )
    return EXIT_OK


def _save_db_password(address: str) -> int:
    """`settings --db-password`: the password typed at a prompt (twice) or read from standard
    input, kept in this user's password file for the database the program opens."""
    import getpass

    from desktop_app.services.settings_view import save_database_password

    if sys.stdin.isatty():
        password = getpass.getpass("数据库密码（不显示）：")
        if getpass.getpass("再输入一次：") != password:
            print("两次输入的密码不一致，没有保存。", file=sys.stderr)
            return EXIT_INPUT
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    path = save_database_password(address, password)
    print(f"密码已保存到 {path}（只有本用户可读）。")
    return EXIT_OK


def cmd_backup(args: argparse.Namespace) -> int:
    from desktop_app.services.audit_trail import chain_head
    from desktop_app.services.backups import make_backup

    clerk = clerk_of(args)
    with open_store_for(args) as store:
        head = chain_head(store)  # the backup's own head: its event comes after
        path = make_backup(store, args.path, actor=clerk)
    print(f"备份已写入：{path}")
    print(
        f"备份中的审计链头：{head.text}（存放在别处的备份日后可用 audit verify --against 核对）",
        file=sys.stderr,
    )
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    from desktop_app.services.backups import restore_database

    clerk = clerk_of(args)
    check_url(getattr(args, "db", None))
    result, store = restore_database(
        args.path,
        actor=clerk,
        db_url=getattr(args, "db", None),
        broken_audit_reason=args.broken_audit_reason,
        signing_in=lambda opened: sign_in_for(args, opened),
    )
    store.dispose()
    first, *rest = result.lines()
    print(first)
    for line in rest:
        print(f"  {line}")
    return EXIT_OK
