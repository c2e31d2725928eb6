"""Commands on the database itself: `settings` (the station), `backup`, `restore`."""

from __future__ import annotations

import argparse
import sys

from desktop_app.cli.common import (
    check_url,
    clerk_of,
    open_store_for,
)
from desktop_app.errors import (
    EXIT_OK,
)


def cmd_settings(args: argparse.Namespace) -> int:
    from desktop_app.services.station_settings import save_station, station

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
    if current is None:
        print(
            "受理申请前须设置服务站代码：union-counter settings --station-code XC01 "
            "--station-name 名称 --district 区",
            file=sys.stderr,
        )
    return EXIT_OK


def cmd_backup(args: argparse.Namespace) -> int:
    from desktop_app.services.backups import make_backup

    clerk = clerk_of(args)
    with open_store_for(args) as store:
        path = make_backup(store, args.path, actor=clerk)
    print(f"备份已写入：{path}")
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    from desktop_app.services.backups import open_for_restore, restore_backup

    clerk = clerk_of(args)
    check_url(getattr(args, "db", None))
    store = open_for_restore(getattr(args, "db", None))
    try:
        result = restore_backup(store, args.path, actor=clerk)
    finally:
        store.dispose()
    print(f"已从备份恢复：{result.source}")
    print(f"  备份中有申请 {result.applications} 份，职工 {result.members} 人。")
    if result.upgraded:
        print(f"  备份的数据库版本 {result.revision} 已升级到 {result.schema}。")
    if result.kept is not None:
        damaged = "（原数据库已损坏，按原样保留）" if result.damaged else ""
        print(f"  被替换的数据库保留在：{result.kept}{damaged}")
    for prefix, last in sorted(result.receipt_floors.items()):
        print(f"  受理编号 {prefix}-…接着从 {last + 1:04d} 编起，不会重复使用恢复前已发出的编号。")
    return EXIT_OK
