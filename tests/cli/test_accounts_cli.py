"""Accounts on the command line: `--user`, the password from a 0600 file (never the command
line), the refusals of each role with exit 2 and nothing changed."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from desktop_app.cli.main import main
from tests.storage.conftest import apply_input


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys, fresh_sqlite):
    home = tmp_path / "home"
    monkeypatch.setenv("UNION_COUNTER_HOME", str(home))
    for name in ("UNION_COUNTER_DB", "UNION_COUNTER_USER", "UNION_COUNTER_PASSWORD_FILE"):
        monkeypatch.delenv(name, raising=False)
    fresh_sqlite(home)

    def run(*args: str, stdin: str = "") -> tuple[int, str, str]:
        capsys.readouterr()
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main(list(args))
        out, err = capsys.readouterr()
        assert "Traceback" not in err
        return code, out, err

    return run


def _password_file(tmp_path: Path, name: str, password: str, mode: int = 0o600) -> str:
    path = tmp_path / f"{name}.pw"
    path.write_text(password + "\n", encoding="utf-8")
    path.chmod(mode)
    return str(path)


@pytest.fixture
def counter(cli, tmp_path):
    """XC01's counter with one application, an administrator and a clerk of XC01."""
    code, _out, err = cli("settings", "--station-code", "XC01", "--station-name", "新街口站")
    assert code == 0, err
    code, out, err = cli("apply", stdin=json.dumps(apply_input(1), ensure_ascii=False))
    assert code == 0, err
    receipt = json.loads(out)["receipt"]
    admin = _password_file(tmp_path, "admin", "Admin-pass-1")
    code, out, err = cli("accounts", "create-admin", "admin", "--name", "张管理",
                         "--new-password-file", admin)  # fmt: skip
    assert code == 0, err
    clerk = _password_file(tmp_path, "wang", "Clerk-pass-1")
    code, _out, err = cli("accounts", "add", "wang", "--name", "王柜员", "--role", "clerk",
                          "--station", "XC01", "--new-password-file", clerk,
                          "--user", "admin", "--password-file", admin)  # fmt: skip
    assert code == 0, err
    as_admin = ("--user", "admin", "--password-file", admin)
    return {"receipt": receipt, "admin": as_admin, "clerk_pw": clerk, "cli": cli}


def test_once_accounts_exist_every_command_signs_in(counter, tmp_path):
    cli = counter["cli"]
    code, _out, err = cli("ledger")
    assert code == 2 and "请用 --user 用户名 登录" in err
    wrong = _password_file(tmp_path, "wrong", "not-the-password")
    code, _out, err = cli("--user", "admin", "--password-file", wrong, "ledger")
    assert code == 2 and "用户名或密码不对" in err
    code, out, err = cli(*counter["admin"], "ledger")
    assert code == 0, err
    assert counter["receipt"] in out


def test_a_password_file_others_can_read_is_refused(counter, tmp_path):
    open_file = _password_file(tmp_path, "open", "Admin-pass-1", mode=0o644)
    code, _out, err = counter["cli"]("--user", "admin", "--password-file", open_file, "ledger")
    assert code == 2
    assert "别人也能读" in err and "chmod 600" in err


def test_a_new_account_changes_its_password_before_anything_else(counter, tmp_path):
    cli = counter["cli"]
    as_clerk = ("--user", "wang", "--password-file", counter["clerk_pw"])
    code, _out, err = cli(*as_clerk, "ledger")
    assert code == 2 and "accounts password" in err
    new = _password_file(tmp_path, "wang-new", "Wang-own-77")
    code, _out, err = cli("accounts", "password", *as_clerk, "--new-password-file", new)
    assert code == 0, err
    code, out, err = cli("--user", "wang", "--password-file", new, "ledger")
    assert code == 0, err
    assert counter["receipt"] in out


def test_a_clerks_refusals_exit_2_naming_the_permission_and_change_nothing(counter, tmp_path):
    cli = counter["cli"]
    new = _password_file(tmp_path, "wang-new", "Wang-own-77")
    cli("accounts", "password", "--user", "wang", "--password-file", counter["clerk_pw"],
        "--new-password-file", new)  # fmt: skip
    as_clerk = ("--user", "wang", "--password-file", new)
    receipt = counter["receipt"]
    for args, permission in (
        (("status", receipt, "已报送"), "把申请设为已报送"),
        (("backup",), "备份数据库"),
        (("export", str(tmp_path / "out.xlsx")), "导出台账（身份证号遮挡）"),
        (("export", "--full-ids", str(tmp_path / "full.xlsx")), "导出完整身份证号"),
        (("accounts", "list"), "管理账户（新建、重置密码、停用）"),
        (("settings", "--station-code", "XC09"), "修改服务站和数据库设置"),
        (("audit", "text"), "校验审计记录"),
        (("exchange", "key", "show"), "导出交换文件"),
    ):
        code, _out, err = cli(*as_clerk, *args)
        assert code == 2, (args, err)
        assert f"没有“{permission}”的权限" in err, (args, err)
    assert not (tmp_path / "out.xlsx").exists() and not (tmp_path / "full.xlsx").exists()
    code, out, _err = cli(*counter["admin"], "ledger", "show", receipt)
    assert code == 0 and "已受理" in out
    code, out, _err = cli(*counter["admin"], "audit", "verify")
    assert code == 0, out


def test_restore_signs_in_first_and_only_an_administrator_restores(counter, tmp_path):
    cli = counter["cli"]
    code, out, err = cli(*counter["admin"], "backup")
    assert code == 0, err
    backup = out.strip().split("：", 1)[1]
    new = _password_file(tmp_path, "wang-new", "Wang-own-77")
    cli("accounts", "password", "--user", "wang", "--password-file", counter["clerk_pw"],
        "--new-password-file", new)  # fmt: skip
    code, _out, err = cli("restore", backup)
    assert code == 2 and "请用 --user" in err
    code, _out, err = cli("--user", "wang", "--password-file", new, "restore", backup)
    assert code == 2 and "没有“从备份恢复数据库”的权限" in err
    code, out, err = cli(*counter["admin"], "restore", backup)
    assert code == 0, err
    code, out, _err = cli(*counter["admin"], "ledger")
    assert code == 0 and counter["receipt"] in out
