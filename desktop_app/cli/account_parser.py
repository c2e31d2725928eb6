"""`union-counter accounts …`: the parser of the account commands (cmd_accounts runs them)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from desktop_app.cli.chinese_argparse import ChineseArgumentParser


def add_accounts_parser(commands: Any, both: list[argparse.ArgumentParser]) -> None:
    """The `accounts` subcommand and its actions, on the main parser's `commands`."""
    accounts = commands.add_parser(
        "accounts",
        parents=both,
        help="账户：建立第一个管理员、新建账户、重置密码、停用、列出，修改自己的密码",
        description=(
            "数据库建立账户后，每个命令都要用 --user 登录，只能做角色允许的事。"
            "账户从不删除（审计记录中有他们的名字），只能停用。密码从提示输入（不显示），"
            "或从 --new-password-file 文件读（权限 0600），从不写在命令行中。"
        ),
    )
    account_actions = accounts.add_subparsers(
        dest="action", metavar="操作", help="下列之一", parser_class=ChineseArgumentParser
    )
    new_password = "新密码从这个文件读（第一行，权限 0600）；不写时从提示输入两次"

    def account_action(name: str, text: str, description: str) -> argparse.ArgumentParser:
        action: argparse.ArgumentParser = account_actions.add_parser(
            name, parents=both, help=text, description=description
        )
        return action

    admin = account_action(
        "create-admin",
        "建立数据库的第一个账户（管理员）；已有账户时拒绝",
        "数据库还没有账户时，建立第一个管理员并登录。之后每个命令都要用 --user 登录。",
    )
    admin.add_argument("username", metavar="用户名", help="如 admin 或 zhangsan（小写字母、数字）")
    admin.add_argument("--name", metavar="姓名", required=True, help="管理员本人的姓名")
    admin.add_argument("--new-password-file", metavar="文件", type=Path, help=new_password)
    add = account_action(
        "add",
        "新建账户（管理员）",
        "管理员为柜员建立账户：角色决定能做什么，受理员和站长/审核员只看本站的申请。"
        "新账户首次登录时须改密码。",
    )
    add.add_argument("username", metavar="用户名", help="新账户的用户名（小写字母、数字）")
    add.add_argument("--name", metavar="姓名", required=True, help="账户主人的姓名")
    add.add_argument(
        "--role",
        required=True,
        metavar="角色",
        help="clerk（受理员）、reviewer（站长/审核员）、district_reviewer（区审核员）、admin（管理员）",
    )
    add.add_argument("--station", metavar="代码", help="受理员和站长/审核员所属的服务站代码")
    add.add_argument("--new-password-file", metavar="文件", type=Path, help=new_password)
    reset = account_action(
        "reset-password",
        "重置账户的密码并解除锁定（管理员）",
        "为忘记密码或被锁定的账户设临时密码；账户主人下次登录时须改成自己的密码。",
    )
    reset.add_argument("username", metavar="用户名", help="要重置密码的账户")
    reset.add_argument("--new-password-file", metavar="文件", type=Path, help=new_password)
    for name, text, description in (
        (
            "disable",
            "停用账户（管理员）",
            "停用后这个账户不能再登录；账户不删除，审计记录中仍有它。",
        ),
        ("enable", "重新启用账户（管理员）", "重新启用停用的账户。"),
    ):
        toggled = account_action(name, text, description)
        toggled.add_argument("username", metavar="用户名", help="要停用或启用的账户")
    account_action("list", "列出所有账户（管理员）", "以 JSON 列出所有账户（不含密码）。")
    own = account_action(
        "password",
        "修改自己的密码",
        "原密码从 --password-file 或提示读，新密码从 --new-password-file 或提示读。",
    )
    own.add_argument("--new-password-file", metavar="文件", type=Path, help=new_password)
