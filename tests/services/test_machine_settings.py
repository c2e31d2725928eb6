"""The PC's machine-wide settings (/etc/union-counter/counter.ini, %PROGRAMDATA%): what IT fixes,
what a user may change, and a file IT got wrong — through the services and the command line."""

from __future__ import annotations

import io
import json
import os
import re
import stat
import sys
from pathlib import Path

import pytest

from desktop_app.cli.main import main
from desktop_app.errors import EXIT_INPUT, EXIT_OK, EXIT_STORE
from desktop_app.services import machine_settings
from desktop_app.services.machine_settings import (
    MachineSettingsError,
    SettingLockedError,
    data_folder,
    database_url,
    user_folder,
)
from desktop_app.services.station_file import read_station_file, write_station_file
from desktop_app.services.station_settings import counter_station, save_station, station
from desktop_app.services.store import open_store
from tests.storage.conftest import apply_input

STATION = "[station]\ncode = XC01\nname = 西城区新街口街道职工服务站\ndistrict = 西城区\n"


@pytest.fixture
def machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """`machine(text)` writes the machine-wide file and points the program at it."""
    path = tmp_path / "etc" / "counter.ini"
    path.parent.mkdir()
    monkeypatch.setenv(machine_settings.CONFIG_VARIABLE, str(path))
    monkeypatch.delenv("UNION_COUNTER_DB", raising=False)
    monkeypatch.setenv("UNION_COUNTER_CLERK", "王柜员")

    def write(text: str) -> Path:
        path.write_text(text, encoding="utf-8")
        os.utime(path, ns=(path.stat().st_mtime_ns + 1_000_000,) * 2)  # seen as changed
        return path

    return write


def run_cli(capsys, monkeypatch, *args: str, stdin: str = "") -> tuple[int, str, str]:
    capsys.readouterr()
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(list(args))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out, captured.err


# --- no file: each user as before ------------------------------------------------------------


def test_without_a_machine_file_the_user_decides_as_before(tmp_path, machine, monkeypatch):
    monkeypatch.setenv("UNION_COUNTER_HOME", str(tmp_path / "mine"))
    assert not machine_settings.load().found
    assert data_folder() == tmp_path / "mine"
    assert user_folder() == tmp_path / "mine"
    assert database_url("postgresql://a@b/c", "sqlite:////x.db") == "postgresql://a@b/c"
    assert database_url(None, "/x.sqlite3") == "/x.sqlite3"
    assert database_url(None, None) is None
    assert counter_station(tmp_path / "mine") is None


def test_the_variable_set_empty_means_no_machine_file(monkeypatch):
    monkeypatch.setenv(machine_settings.CONFIG_VARIABLE, "")
    assert machine_settings.config_path() is None
    assert machine_settings.describe() == [("本机设置文件", "不使用")]


def test_the_default_places_of_the_file(monkeypatch):
    monkeypatch.delenv(machine_settings.CONFIG_VARIABLE, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    assert machine_settings.config_path() == Path("/etc/union-counter/counter.ini")
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("PROGRAMDATA", r"D:\ProgramData")
    assert (
        machine_settings.config_path() == Path(r"D:\ProgramData") / "union-counter" / "counter.ini"
    )


# --- the station -----------------------------------------------------------------------------


def test_a_fixed_station_wins_over_the_folders_file_and_cannot_be_changed(
    tmp_path, machine, monkeypatch, fresh_sqlite
):
    home = tmp_path / "home"
    monkeypatch.setenv("UNION_COUNTER_HOME", str(home))
    fresh_sqlite(home)
    write_station_file(home, {"station_code": "ZZ99", "station_name": "旧站"})
    machine(STATION)
    store = open_store()
    try:
        assert station(store).code == "XC01"
        assert station(store).name == "西城区新街口街道职工服务站"
        with store.session() as session:
            from desktop_app.storage.models import AuditEvent

            events_before = session.query(AuditEvent).count()
        with pytest.raises(SettingLockedError, match=r"由管理员在 .* 中设定"):
            save_station(store, actor="王柜员", code="XC02", name="别的站")
        with store.session() as session:
            assert session.query(AuditEvent).count() == events_before  # nothing recorded
        assert read_station_file(home)["station_code"] == "ZZ99"  # nothing written
    finally:
        store.dispose()


def test_an_applications_receipt_carries_the_fixed_station(
    tmp_path, machine, monkeypatch, capsys, fresh_sqlite
):
    home = tmp_path / "home"
    monkeypatch.setenv("UNION_COUNTER_HOME", str(home))
    fresh_sqlite(home)
    machine(STATION)
    code, out, err = run_cli(
        capsys, monkeypatch, "apply", stdin=json.dumps(apply_input(1), ensure_ascii=False)
    )
    assert code == EXIT_OK, err
    assert json.loads(out)["receipt"].startswith("XC01-")


def test_a_station_the_user_may_change_is_only_a_default(tmp_path, machine, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    machine(STATION + "[user]\nmay_change = station\n")
    assert counter_station(home).code == "XC01"  # no file of the folder's: IT's default
    write_station_file(home, {"station_code": "XC07", "station_name": "本站"})
    assert counter_station(home).code == "XC07"


def test_the_cli_refuses_to_change_a_fixed_station_with_exit_2(
    tmp_path, machine, monkeypatch, capsys, fresh_sqlite
):
    home = tmp_path / "home"
    monkeypatch.setenv("UNION_COUNTER_HOME", str(home))
    fresh_sqlite(home)
    path = machine(STATION)
    code, out, err = run_cli(capsys, monkeypatch, "settings", "--station-code", "XC02")
    assert code == EXIT_INPUT
    assert f"本机的服务站由管理员在 {path} 中设定" in err
    code, out, _err = run_cli(capsys, monkeypatch, "settings")
    assert code == EXIT_OK
    assert "服务站代码：XC01" in out
    assert f"本机设置文件：{path}（由管理员设定）" in out
    assert "管理员设定的服务站：固定，用户不能修改" in out


# --- the data folder -------------------------------------------------------------------------


def test_a_fixed_data_folder_is_used_and_the_variable_cannot_move_it(
    tmp_path, machine, monkeypatch
):
    shared = tmp_path / "shared"
    machine(f"[data]\nfolder = {shared}\n")
    monkeypatch.delenv("UNION_COUNTER_HOME", raising=False)
    assert data_folder() == shared
    assert machine_settings.shares_folder()
    assert user_folder() != shared  # the window's own settings stay the user's
    monkeypatch.setenv("UNION_COUNTER_HOME", str(shared))
    assert data_folder() == shared  # the same folder named twice is no conflict
    monkeypatch.setenv("UNION_COUNTER_HOME", str(tmp_path / "elsewhere"))
    with pytest.raises(SettingLockedError, match="UNION_COUNTER_HOME 不能改用"):
        data_folder()
    with pytest.raises(SettingLockedError):
        open_store()
    assert not (tmp_path / "elsewhere").exists()


def test_a_data_folder_the_user_may_change(tmp_path, machine, monkeypatch):
    shared = tmp_path / "shared"
    machine(f"[data]\nfolder = {shared}\n[user]\nmay_change = data_folder\n")
    monkeypatch.setenv("UNION_COUNTER_HOME", str(tmp_path / "mine"))
    assert data_folder() == tmp_path / "mine"
    assert not machine_settings.shares_folder()
    monkeypatch.delenv("UNION_COUNTER_HOME")
    assert data_folder() == shared


def test_the_shared_folder_gets_group_modes_and_a_private_one_does_not(
    tmp_path, machine, monkeypatch, capsys
):
    if os.name != "posix":
        pytest.skip("mode bits are POSIX")
    shared = tmp_path / "shared"
    machine(STATION + f"[data]\nfolder = {shared}\n")
    monkeypatch.delenv("UNION_COUNTER_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "user-home"))
    old = os.umask(0o022)
    try:
        code, _out, err = run_cli(
            capsys, monkeypatch, "apply", stdin=json.dumps(apply_input(1), ensure_ascii=False)
        )
        assert code == EXIT_OK, err
        code, _out, err = run_cli(capsys, monkeypatch, "backup")
        assert code == EXIT_OK, err
        modes = {
            p.relative_to(shared).as_posix(): stat.S_IMODE(p.stat().st_mode)
            for p in shared.rglob("*")
        }
        assert modes["union-counter.sqlite3"] == 0o660
        assert modes["backups"] == 0o770
        assert all(m & 0o060 == 0o060 for name, m in modes.items()), modes  # group rw
        assert all(m & 0o007 == 0 for m in modes.values()), modes  # others nothing
        # The same program without the machine file: the user's own folder stays 0600.
        own = tmp_path / "own"
        monkeypatch.setenv(machine_settings.CONFIG_VARIABLE, "")
        monkeypatch.setenv("UNION_COUNTER_HOME", str(own))
        code, _out, err = run_cli(
            capsys, monkeypatch, "settings", "--station-code", "XC01", "--station-name", "站"
        )
        assert code == EXIT_OK, err
        assert stat.S_IMODE((own / "union-counter.sqlite3").stat().st_mode) == 0o600
        assert stat.S_IMODE((own / "station.ini").stat().st_mode) == 0o600
    finally:
        os.umask(old)


# --- the database address --------------------------------------------------------------------


def test_a_fixed_database_address_wins_and_another_is_refused(tmp_path, machine, monkeypatch):
    fixed = "postgresql://xc01@10.8.0.2/union"
    machine(f"[database]\nurl = {fixed}\n")
    assert database_url(None, "sqlite:////mine.db") == fixed  # the user's saved one: ignored
    assert database_url(fixed, None) == fixed
    with pytest.raises(SettingLockedError, match="不能用 --db 或 UNION_COUNTER_DB"):
        database_url("postgresql://other@host/db", None)
    monkeypatch.setenv("UNION_COUNTER_DB", str(tmp_path / "x.sqlite3"))
    with pytest.raises(SettingLockedError):
        database_url(None, None)


def test_a_database_address_the_user_may_change_is_a_default(machine):
    default = "postgresql://xc01@10.8.0.2/union"
    machine(f"[database]\nurl = {default}\n[user]\nmay_change = database, station\n")
    assert database_url(None, None) == default
    assert database_url(None, "/mine.sqlite3") == "/mine.sqlite3"
    assert database_url("/given.sqlite3", "/mine.sqlite3") == "/given.sqlite3"


def test_the_cli_refuses_another_database_with_exit_2_and_creates_nothing(
    tmp_path, machine, monkeypatch, capsys
):
    machine(f"[database]\nurl = sqlite:///{tmp_path}/fixed.sqlite3\n")
    monkeypatch.setenv("UNION_COUNTER_HOME", str(tmp_path / "home"))
    other = tmp_path / "other.sqlite3"
    code, _out, err = run_cli(capsys, monkeypatch, "--db", str(other), "ledger")
    assert code == EXIT_INPUT
    assert "不能用 --db 或 UNION_COUNTER_DB 改用其他数据库" in err
    assert not other.exists()


# --- a file IT got wrong ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("[stations]\ncode = XC01\n", "不认识的一节 [stations]"),
        ("[station]\ncod = XC01\n", "[station] 中不认识的设置 cod"),
        ("[database]\nurl = postgresql://xc01:s3cret@10.8.0.2/union\n", "数据库地址中写有密码"),
        ("[data]\nfolder = union-data\n", "应当写完整路径"),
        ("[user]\nmay_change = everything\n", "不认识的 everything"),
        ("code = XC01\n", "格式不对"),
    ],
)
def test_a_file_it_got_wrong_is_refused_naming_the_file_and_the_mistake(machine, text, said):
    path = machine(text)
    with pytest.raises(MachineSettingsError) as caught:
        machine_settings.load()
    assert str(path) in caught.value.message
    assert said in caught.value.message
    assert "s3cret" not in caught.value.message


def test_a_station_code_that_is_not_a_code_is_refused(tmp_path, machine):
    machine("[station]\ncode = 西城01\n")
    with pytest.raises(MachineSettingsError, match="不是 2–8 位大写字母或数字"):
        counter_station(tmp_path)


def test_a_file_that_is_not_text_or_not_a_file_is_refused(tmp_path, machine, monkeypatch):
    path = machine("")
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(MachineSettingsError, match="不是 UTF-8"):
        machine_settings.load()
    folder = tmp_path / "a-folder"
    folder.mkdir()
    monkeypatch.setenv(machine_settings.CONFIG_VARIABLE, str(folder))
    with pytest.raises(MachineSettingsError, match="无法读取"):
        machine_settings.load()


def test_the_cli_says_what_is_wrong_with_the_file_and_exits_6(
    tmp_path, machine, monkeypatch, capsys
):
    monkeypatch.setenv("UNION_COUNTER_HOME", str(tmp_path / "home"))
    path = machine("[station]\ncode XC01\n")
    code, _out, err = run_cli(capsys, monkeypatch, "ledger")
    assert code == EXIT_STORE
    assert f"本机设置文件 {path} 不能使用" in err


def test_a_change_to_the_file_is_seen_without_restarting(tmp_path, machine):
    machine(STATION)
    assert counter_station(tmp_path).code == "XC01"
    machine(STATION.replace("XC01", "XC02"))
    assert counter_station(tmp_path).code == "XC02"


def test_comments_and_a_bom_are_fine(machine):
    path = machine("")
    path.write_bytes("\ufeff; 本机设置\n[station]\ncode = XC01 ; 新街口\n# 数据库暂不设\n".encode())
    os.utime(path, ns=(path.stat().st_mtime_ns + 5_000_000,) * 2)
    assert machine_settings.load().station == {"code": "XC01"}


def test_the_template_the_package_installs_sets_nothing_and_its_examples_are_valid(
    machine, tmp_path
):
    from tests.conftest import ROOT

    template = (ROOT / "build_spec" / "machine" / "counter.ini").read_text(encoding="utf-8")
    machine(template)
    settings = machine_settings.load()
    assert settings.found
    assert not any(settings.sets(what) for what in machine_settings.WHAT)
    # Every example line, its semicolon taken away, is a setting the program accepts.
    examples = [
        line.lstrip("; ").rstrip()
        for line in template.splitlines()
        if re.match(r"; [a-z_]+ =", line)
    ]
    assert len(examples) == 7, examples
    uncommented = template
    for example in examples:
        uncommented = uncommented.replace(f"; {example}", example)
    machine(uncommented.replace("may_change =", "may_change = station"))
    settings = machine_settings.load()
    assert settings.station == {
        "code": "XC01",
        "name": "西城区新街口街道职工服务站",
        "district": "西城区",
    }
    assert settings.data_folder == Path("/var/lib/union-counter")
    assert settings.database_url == "postgresql://xc01@10.0.0.5/union_counter"
    assert settings.fixed(machine_settings.DATABASE)
    assert not settings.fixed(machine_settings.STATION)
    assert settings.idle_minutes == 15


def test_it_sets_the_idle_time_of_the_lock_within_reason(machine):
    assert machine_settings.idle_minutes() == 15  # no file: the default
    machine("[security]\nidle_minutes = 5\n")
    assert machine_settings.idle_minutes() == 5
    for wrong in ("0", "241", "十五", "-3"):
        path = machine(f"[security]\nidle_minutes = {wrong}\n")
        with pytest.raises(MachineSettingsError, match="应为 1–240 之间的整数"):
            machine_settings.load()
        assert str(path) in machine_settings.describe()[0][1]
