"""`union-counter accounts …`: the first administrator, the administrator's work on accounts,
and a person's own password."""

from __future__ import annotations

import argparse
import sys

from desktop_app.cli.common import open_store_for, print_json, read_password
from desktop_app.errors import EXIT_INPUT, EXIT_OK


def _new_password(args: argparse.Namespace, whose: str) -> str | None:
    """The new password from --new-password-file, or typed twice; None when the two differ."""
    file = getattr(args, "new_password_file", None)
    if file:
        return read_password(file, prompt="")
    first = read_password(None, prompt=f"{whose}的新密码（不显示）：")
    if read_password(None, prompt="再输入一次：") != first:
        print("两次输入的密码不一致，没有保存。", file=sys.stderr)
        return None
    return first


def cmd_accounts(args: argparse.Namespace) -> int:
    from desktop_app.services import accounts

    action = args.action
    if action == "create-admin":
        password = _new_password(args, "管理员")
        if password is None:
            return EXIT_INPUT
        with open_store_for(args) as store:
            signed = accounts.create_first_admin(
                store, username=args.username, name=args.name, password=password
            )
        print(f"已建立管理员账户 {signed.username}（{signed.name}）。")
        print("从现在起每个命令都要用 --user 登录。")
        return EXIT_OK
    if action in ("add", "reset-password"):
        password = _new_password(args, args.username)
        if password is None:
            return EXIT_INPUT
        with open_store_for(args) as store:
            if action == "add":
                info = accounts.add_account(
                    store,
                    username=args.username,
                    name=args.name,
                    role=args.role,
                    station_code=args.station,
                    password=password,
                )
                print(f"已建立账户 {info.username}（{info.name}，{info.role_label}）。")
                print("首次登录时须改密码。")
            else:
                info = accounts.reset_password(store, args.username, password)
                print(f"已重置 {info.username} 的密码并解除锁定；下次登录时须改密码。")
        return EXIT_OK
    if action in ("disable", "enable"):
        with open_store_for(args) as store:
            info = accounts.set_disabled(store, args.username, action == "disable")
        print(f"账户 {info.username} 已{'停用' if info.disabled else '启用'}。")
        return EXIT_OK
    if action == "list":
        with open_store_for(args) as store:
            listed = accounts.list_accounts(store)
        print_json(
            [
                {
                    "username": a.username,
                    "name": a.name,
                    "role": a.role,
                    "role_label": a.role_label,
                    "station": a.station_code,
                    "disabled": a.disabled,
                    "locked_until": a.locked_until.isoformat(sep=" ") if a.locked_until else None,
                    "must_change_password": a.must_change_password,
                }
                for a in listed
            ]
        )
        return EXIT_OK
    if action == "password":
        with open_store_for(args) as store:
            if store.account is None:
                print("这个数据库还没有账户。", file=sys.stderr)
                return EXIT_INPUT
            old = read_password(getattr(args, "password_file", None), prompt="原密码（不显示）：")
            new = _new_password(args, "您")
            if new is None:
                return EXIT_INPUT
            accounts.change_own_password(store, old, new)
        print("密码已修改。")
        return EXIT_OK
    print(
        "请写明操作：create-admin、add、reset-password、disable、enable、list、password",
        file=sys.stderr,
    )
    return EXIT_INPUT
