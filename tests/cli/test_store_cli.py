"""`union-counter` commands on the database: apply, ledger, status, settings, backup, restore,
audit verify — their output, their exit codes and their Chinese messages.

Most run in this process through `main([...])`; a few run as real processes."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from desktop_app.cli.main import main
from desktop_app.domain.validators import check_resident_id
from tests.conftest import ROOT
from tests.storage.conftest import apply_input, make_id

SCRIPT = Path(sys.executable).parent / "union-counter"


def numbered_today(receipt: str, station: str, number: int) -> bool:
    """The receipt is `station`'s `number`-th of the day it was entered: today, or yesterday
    when the command ran just before midnight (never a day fixed when the tests were loaded)."""
    days = {f"{date.today() - timedelta(days=back):%Y%m%d}" for back in (0, 1)}
    return receipt in {f"{station}-{day}-{number:04d}" for day in days}


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "home"
    monkeypatch.setenv("UNION_COUNTER_HOME", str(folder))
    monkeypatch.setenv("UNION_COUNTER_CLERK", "王柜员")
    monkeypatch.delenv("UNION_COUNTER_DB", raising=False)
    monkeypatch.delenv("UNION_COUNTER_DEBUG", raising=False)
    return folder


class Cli:
    def __init__(self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
        self.capsys = capsys
        self.monkeypatch = monkeypatch

    def __call__(self, *args: str, stdin: str = "") -> tuple[int, str, str]:
        self.capsys.readouterr()
        self.monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main(list(args))
        captured = self.capsys.readouterr()
        assert "Traceback" not in captured.err
        return code, captured.out, captured.err

    def apply(self, data: dict, *extra: str) -> tuple[int, str, str]:
        return self("apply", *extra, stdin=json.dumps(data, ensure_ascii=False))

    def receipt(self, data: dict, *extra: str) -> str:
        code, out, err = self.apply(data, *extra)
        assert code == 0, err
        return json.loads(out)["receipt"]


@pytest.fixture
def cli(home, capsys, monkeypatch) -> Cli:
    return Cli(capsys, monkeypatch)


@pytest.fixture
def station(cli, home, fresh_sqlite) -> Cli:
    fresh_sqlite(home)
    code, _out, err = cli(
        "settings", "--station-code", "XC01", "--station-name", "西城区某街道工会服务站",
        "--district", "西城区",
    )  # fmt: skip
    assert code == 0, err
    return cli


def _database(home: Path) -> Path:
    return home / "union-counter.sqlite3"


# --- settings ------------------------------------------------------------------------------


def test_settings_must_be_made_before_the_first_application(cli, home):
    code, out, err = cli("settings")
    assert code == 0
    assert "服务站代码：（未设置）" in out and "--station-code" in err
    code, out, err = cli.apply(apply_input(1))
    assert code == 2 and out == ""
    assert "尚未设置服务站代码" in err

    code, out, err = cli("settings", "--station-code", "xc01", "--station-name", "某服务站")
    assert code == 0, err
    assert "服务站代码：XC01" in out and "服务站名称：某服务站" in out
    assert str(_database(home)) in out
    code, out, _err = cli("settings", "--district", "西城区", "--clerk", "李组长")
    assert "所属区：西城区" in out and "服务站代码：XC01" in out
    code, _out, err = cli("settings", "--station-code", "西城1")
    assert code == 2 and "station_code" in err and "XC01" in err


# --- apply ---------------------------------------------------------------------------------


def test_apply_prints_the_receipt_and_the_decision(station, tmp_path):
    path = tmp_path / "申请.json"
    path.write_text(json.dumps(apply_input(1), ensure_ascii=False), encoding="utf-8")
    code, out, err = station("apply", str(path))
    assert code == 0, err
    result = json.loads(out)
    assert numbered_today(result["receipt"], "XC01", 1)
    assert result["decision"]["eligible"] is True and result["decision"]["amount"] == 2400
    assert all(f["source"] for f in result["decision"]["findings"])
    assert "warnings" not in result
    assert '  "receipt"' in out and "无人机驾驶员" in out  # indented, Chinese as is


def test_a_late_entry_needs_its_reason_and_is_shown_as_such(station):
    late = apply_input(1, applied_on="2026-01-05")
    del late["late_entry_reason"]
    code, out, err = station.apply(late)
    assert code == 2 and out == ""
    assert err.startswith("输入有误：late_entry_reason：") and "补录原因" in err
    future = apply_input(1, applied_on="2099-01-01")
    code, out, err = station.apply(future)
    assert code == 2 and "登记日期不能晚于今天" in err
    early = apply_input(1, applied_on="2025-12-31")
    code, out, err = station.apply(early)
    assert code == 2 and "2026年1月1日" in err  # the 2026 scheme's first day

    late["late_entry_reason"] = "纸质登记表1月5日已受理"
    receipt = station.receipt(late)
    assert numbered_today(receipt, "XC01", 1)  # numbered by the day it was entered
    code, out, err = station("ledger", "show", receipt)
    assert code == 0, err
    assert "登记日期：2026年1月5日（补录）" in out
    assert "由王柜员录入；补录原因：纸质登记表1月5日已受理" in out
    code, out, err = station("ledger", "--json")
    (row,) = json.loads(out)
    assert (
        row["applied_on"] == "2026-01-05" and row["late_entry_reason"] == "纸质登记表1月5日已受理"
    )


def test_ineligible_application_is_saved_too(station):
    data = apply_input(1, **{"certificate.occupation": "不存在的工种"})
    code, out, err = station.apply(data)
    assert code == 0, err
    result = json.loads(out)
    assert result["decision"]["eligible"] is False and result["decision"]["amount"] == 0
    code, out, _err = station("ledger", "--json")
    assert [(r["receipt"], r["eligible"]) for r in json.loads(out)] == [(result["receipt"], False)]


def test_duplicate_is_refused_with_exit_4_naming_the_first(station):
    first = station.receipt(apply_input(1))
    code, out, err = station.apply(apply_input(1, **{"member.phone": "13900139000"}))
    assert code == 4 and out == ""
    assert first in err and "不能重复申请" in err and "西城区某街道工会服务站" in err
    code, out, _err = station("ledger", "--json")
    assert len(json.loads(out)) == 1


def test_bad_id_number_is_refused_with_the_validators_message(station):
    bad = make_id(1)[:-1] + ("0" if make_id(1)[-1] != "0" else "1")
    code, out, err = station.apply(apply_input(1, **{"member.id_number": bad}))
    assert code == 2 and out == ""
    expected = "".join(check_resident_id(bad).errors)
    assert err.strip() == f"输入有误：member.id_number：{expected}"
    assert json.loads(station("ledger", "--json")[1]) == []


@pytest.mark.parametrize(
    ("stdin", "field"),
    [
        ("{not json", "(输入)"),
        (json.dumps(apply_input(1, **{"member.name": ""}), ensure_ascii=False), "member.name"),
        (json.dumps(apply_input(1, scheme="bj-1999")), "scheme"),
    ],
)
def test_bad_apply_input_exits_2(station, stdin, field):
    code, out, err = station("apply", stdin=stdin)
    assert code == 2 and out == ""
    assert err.startswith(f"输入有误：{field}：")


def test_clerk_is_recorded(station, monkeypatch):
    receipt = station.receipt(apply_input(1), "--clerk", "李娜")
    monkeypatch.delenv("UNION_COUNTER_CLERK")
    import getpass

    monkeypatch.setattr(getpass, "getuser", lambda: "counter3")
    other = station.receipt(apply_input(2))
    code, out, err = station("--clerk", "赵敏", "apply", stdin=json.dumps(apply_input(3)))
    assert code == 0, err
    third = json.loads(out)["receipt"]
    rows = {r["receipt"]: r["clerk"] for r in json.loads(station("ledger", "--json")[1])}
    assert rows == {receipt: "李娜", other: "counter3", third: "赵敏"}
    # Too long a name is refused with the window's own words, not cut (one rule for both).
    code, out, err = station("--clerk", "王" * 65, "apply", stdin=json.dumps(apply_input(4)))
    assert code == 2 and out == ""
    assert err.strip() == "输入有误：--clerk：经办人姓名太长（65 个字，最多 64 个）"


# --- ledger --------------------------------------------------------------------------------


@pytest.fixture
def filled(station) -> dict[str, str]:
    """Three applications: 张伟 (printed), 李娜 (2016 scheme), 王芳 (returned)."""
    receipts = {
        "张伟": station.receipt(apply_input(1)),
        "李娜": station.receipt(
            apply_input(
                2,
                scheme="bj-2016-union-boost",
                applied_on="2017-03-01",
                **{
                    "member.name": "李娜",
                    "member.union_affiliated": True,
                    "member.full_time_union_social_worker": True,
                    "certificate.kind": "qualification",
                    "certificate.occupation": "油务员",
                    "certificate.level": 1,
                    "certificate.issued_on": "2016-06-01",
                },
            )
        ),
        "王芳": station.receipt(apply_input(3, **{"member.name": "王芳"})),
    }
    assert station("status", receipts["张伟"], "已打印")[0] == 0
    assert station("status", receipts["王芳"], "退回", "--reason", "证书复印件不清楚")[0] == 0
    return receipts


def test_ledger_text_is_tab_separated_with_masked_numbers(station, filled):
    code, out, err = station("ledger")
    assert code == 0, err
    lines = out.splitlines()
    header = lines[0].split("\t")
    assert header[:5] == ["受理编号", "受理日期", "姓名", "身份证号", "京卡号"]
    rows = [line.split("\t") for line in lines[1:]]
    assert [r[0] for r in rows] == [filled["王芳"], filled["李娜"], filled["张伟"]]  # newest first
    assert all(len(r) == len(header) for r in rows)
    zhang = rows[2]
    full_id = make_id(1)
    assert zhang[2] == "张伟" and zhang[3] == f"110105********{full_id[-4:]}"
    assert zhang[4] == "***************4569"
    assert zhang[header.index("状态")] == "已打印" and zhang[header.index("补助（元）")] == "2400"
    for serial in (1, 2, 3):
        assert make_id(serial) not in out
    assert "6217000010001234569" not in out and "13800138000" not in out
    assert "共 3 份" in err


def test_ledger_json_is_a_list_of_masked_rows(station, filled):
    code, out, _err = station("ledger", "--json")
    assert code == 0
    rows = json.loads(out)
    assert [r["name"] for r in rows] == ["王芳", "李娜", "张伟"]
    assert rows[2]["id_number"] == "110105********" + make_id(1)[-4:]
    assert rows[2]["card_number"].endswith("4569") and rows[2]["card_number"].startswith("*")
    assert rows[0]["status"] == "returned" and rows[0]["status_label"] == "退回"
    assert make_id(1) not in out


@pytest.mark.parametrize(
    ("options", "names"),
    [
        (["--status", "已打印"], ["张伟"]),
        (["--status", "returned"], ["王芳"]),
        (["--scheme", "bj-2016-union-boost"], ["李娜"]),
        (["--query", "张"], ["张伟"]),
        (["--query", "伟"], ["张伟"]),
        (["--query", make_id(2)[:17]], ["李娜"]),
        (["--query", make_id(2)[:10]], ["王芳", "李娜", "张伟"]),
        (["--from", "2017-01-01", "--to", "2017-12-31"], ["李娜"]),
        (["--from", "2026-11-21"], ["王芳", "张伟"]),
        (["--to", "2016-12-31"], []),
        (["--limit", "1"], ["王芳"]),
        (["--limit", "2", "--offset", "1"], ["李娜", "张伟"]),
    ],
)
def test_ledger_filters(station, filled, options, names):
    code, out, err = station("ledger", *options, "--json")
    assert code == 0, err
    assert [r["name"] for r in json.loads(out)] == names


def test_ledger_query_by_receipt_fragment(station, filled):
    code, out, _err = station("ledger", "--query", filled["李娜"][-6:])
    assert code == 0
    assert [line.split("\t")[2] for line in out.splitlines()[1:]] == ["李娜"]


@pytest.mark.parametrize(
    ("options", "field"),
    [
        (["--from", "2026-02-30"], "--from"),
        (["--to", "明天"], "--to"),
        (["--from", "2026-12-01", "--to", "2026-11-01"], "--from"),
        (["--status", "已审核"], "status"),
    ],
)
def test_ledger_bad_filter_exits_2(station, options, field):
    code, out, err = station("ledger", *options)
    assert code == 2 and out == ""
    assert err.startswith(f"输入有误：{field}：")


def test_ledger_bad_limit_is_a_usage_error(station):
    with pytest.raises(SystemExit) as caught:
        main(["ledger", "--limit", "0"])
    assert caught.value.code == 2


def test_ledger_show_text(station, filled):
    code, out, err = station("ledger", "show", filled["王芳"].lower())
    assert code == 0, err
    assert f"受理编号：{filled['王芳']}" in out
    assert "姓名：王芳" in out and f"110105********{make_id(3)[-4:]}" in out
    assert "电话：138****8000" in out and make_id(3) not in out
    assert "无人机驾驶员" in out and "证书编号：S000011010500001" in out
    assert "符合条件，补助 2400 元" in out
    assert "✓" in out and "出处：《补助标准目录（2026年版）》" in out
    assert "已受理" in out and "退回（原因：证书复印件不清楚）" in out
    assert "审计事件" in out and "新建申请" in out and "create application" not in out
    assert "已受理 → 退回，原因：证书复印件不清楚" in out  # the status event in words, no JSON
    assert '{"' not in out


def test_ledger_show_json(station, filled):
    code, out, _err = station("ledger", "show", filled["张伟"], "--json")
    assert code == 0
    detail = json.loads(out)
    assert set(detail) == {"application", "member", "certificate", "decision", "history", "events",
                           "batches"}  # fmt: skip
    assert detail["batches"] == []  # in no 报送批次 yet
    assert detail["member"]["id_number"] == "110105********" + make_id(1)[-4:]
    assert detail["decision"]["amount"] == 2400
    assert all(
        {"rule", "passed", "message", "source"} <= set(f) for f in detail["decision"]["findings"]
    )
    assert [h["to_label"] for h in detail["history"]] == ["已受理", "已打印"]
    actions = [(e["action"], e["entity"]) for e in detail["events"]]
    assert ("create", "application") in actions and ("status", "application") in actions
    status_event = next(e for e in detail["events"] if e["action"] == "status")
    assert status_event["details"].pop("row_seal")["resealed"] == 1
    assert status_event["details"] == {"before": "accepted", "after": "printed", "reason": None}
    assert make_id(1) not in out


def test_ledger_show_unknown_receipt(station):
    code, out, err = station("ledger", "show", "XC01-20990101-0001")
    assert code == 2 and out == ""
    assert "找不到受理编号为 XC01-20990101-0001 的申请" in err


# --- status ------------------------------------------------------------------------------------


def test_status_flow(station):
    receipt = station.receipt(apply_input(1))
    code, out, _err = station("status", receipt, "已打印")
    assert (code, out.strip()) == (0, f"{receipt} 的状态已改为：已打印")
    code, out, err = station("status", receipt, "已受理")
    assert code == 2 and "不能改为“已受理”" in err and out == ""
    code, out, err = station("status", receipt, "退回")
    assert code == 2 and err.strip() == "输入有误：reason：退回必须写明原因"
    code, out, _err = station("status", receipt, "submitted", "--clerk", "李组长")
    assert "已报送" in out
    code, out, _err = station("status", receipt, "退回", "--reason", "重复发放核查")
    assert code == 0 and "退回" in out
    code, out, err = station("status", receipt, "已发放")
    assert code == 2 and "已是最终状态" in err
    history = json.loads(station("ledger", "show", receipt, "--json")[1])["history"]
    assert [(h["to_label"], h["actor"]) for h in history] == [
        ("已受理", "王柜员"),
        ("已打印", "王柜员"),
        ("已报送", "李组长"),
        ("退回", "王柜员"),
    ]
    assert history[-1]["reason"] == "重复发放核查"
    # A returned claim is free again.
    assert station.receipt(apply_input(1)) != receipt


def test_status_of_an_unknown_receipt_and_an_unknown_status(station):
    code, _out, err = station("status", "XC01-20990101-0001", "已打印")
    assert code == 2 and "找不到受理编号" in err
    receipt = station.receipt(apply_input(1))
    code, _out, err = station("status", receipt, "已审核")
    assert code == 2 and "已受理" in err and "已发放" in err  # the choices are listed


# --- backup and restore ----------------------------------------------------------------------


def test_backup_then_restore_round_trip(station, home, tmp_path):
    a = station.receipt(apply_input(1))
    code, out, err = station("backup", str(tmp_path))
    assert code == 0, err
    backup = Path(out.strip().removeprefix("备份已写入："))
    assert backup.parent == tmp_path and backup.name.startswith("manual-")
    b = station.receipt(apply_input(2))

    code, out, err = station("restore", str(backup))
    assert code == 0, err
    assert f"已从备份恢复：{backup}" in out and "申请 1 份" in out
    kept = next(line for line in out.splitlines() if "被替换的数据库保留在：" in line)
    kept_path = Path(kept.split("：", 1)[1])
    assert kept_path.parent == home / "backups" and kept_path.name.startswith("before-restore-")
    assert "不会重复使用" in out

    receipts = [r["receipt"] for r in json.loads(station("ledger", "--json")[1])]
    assert receipts == [a]  # B gone, A present
    again = station.receipt(apply_input(2))
    assert again != b and numbered_today(again, "XC01", 3)
    with sqlite3.connect(kept_path) as previous:  # B is in the kept file
        assert previous.execute("SELECT receipt FROM application ORDER BY id").fetchall() == [
            (a,),
            (b,),
        ]
    assert station("audit", "verify")[0] == 0


def test_backup_without_a_path_goes_to_the_data_folder(station, home):
    code, out, _err = station("backup")
    assert code == 0
    path = Path(out.strip().removeprefix("备份已写入："))
    assert path.parent == home / "backups" and path.exists()


def test_backup_to_a_missing_folder(station, tmp_path):
    code, out, err = station("backup", str(tmp_path / "没有" / "x.sqlite3"))
    assert code == 2 and out == ""
    assert "文件夹不存在" in err


@pytest.mark.parametrize("damage", ["garbage", "truncated", "text", "empty"])
def test_restore_of_a_bad_file_is_refused_and_nothing_changes(station, home, tmp_path, damage):
    for n in range(1, 30):
        station.receipt(apply_input(n))
    code, out, _err = station("backup", str(tmp_path))
    good = Path(out.strip().removeprefix("备份已写入："))
    station.receipt(apply_input(40))
    bad = tmp_path / "bad.sqlite3"
    if damage == "garbage":
        bad.write_bytes(os.urandom(64 * 1024))
    elif damage == "truncated":
        bad.write_bytes(good.read_bytes()[: good.stat().st_size // 3])
    elif damage == "text":
        bad.write_text("这不是数据库\n", encoding="utf-8")
    else:
        bad.write_bytes(b"")
    before = station("ledger", "--json")[1]
    backups_before = sorted(p.name for p in (home / "backups").iterdir())

    code, out, err = station("restore", str(bad))

    assert code == 2 and out == ""
    assert "bad.sqlite3" in err and ("已损坏" in err or "不是本程序的备份文件" in err)
    assert station("ledger", "--json")[1] == before
    assert sorted(p.name for p in (home / "backups").iterdir()) == backups_before
    with sqlite3.connect(_database(home)) as live:
        assert live.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_restore_of_a_missing_file(station, tmp_path):
    code, _out, err = station("restore", str(tmp_path / "nothing.sqlite3"))
    assert code == 2 and "找不到备份文件" in err


def test_restore_when_the_database_itself_is_damaged(station, home, tmp_path):
    a = station.receipt(apply_input(1))
    good = Path(station("backup", str(tmp_path))[1].strip().removeprefix("备份已写入："))
    b = station.receipt(apply_input(2))
    live = _database(home)
    data = bytearray(live.read_bytes())
    data[:16] = b"\x00" * 16
    live.write_bytes(bytes(data))
    code, _out, err = station("ledger")
    assert code == 6 and "已损坏" in err and "恢复备份" in err

    code, out, err = station("restore", str(good))
    assert code == 0, err
    assert "原数据库已损坏，按原样保留" in out
    assert [r["receipt"] for r in json.loads(station("ledger", "--json")[1])] == [a]
    assert station.receipt(apply_input(2)) not in (a, b)


# --- audit ---------------------------------------------------------------------------------------


def test_audit_verify_catches_an_edited_and_a_deleted_event(station, home):
    receipt = station.receipt(apply_input(1))
    station("status", receipt, "已打印")
    code, out, _err = station("audit", "verify")
    assert code == 0 and "审计记录完整" in out

    with sqlite3.connect(_database(home)) as raw:
        (number,) = raw.execute(
            "SELECT id FROM audit_event WHERE action='create' AND entity='application'"
        ).fetchone()
        raw.execute("UPDATE audit_event SET actor = '别人' WHERE id = ?", (number,))
    code, out, err = station("audit", "verify")
    assert code == 5 and out == ""
    assert f"第{number}号事件的内容被改动" in err

    with sqlite3.connect(_database(home)) as raw:
        raw.execute("UPDATE audit_event SET actor = '王柜员' WHERE id = ?", (number,))
    assert station("audit", "verify")[0] == 0  # put back as it was: whole again
    with sqlite3.connect(_database(home)) as raw:
        raw.execute("DELETE FROM audit_event WHERE id = ?", (number,))
    code, _out, err = station("audit", "verify")
    assert code == 5 and f"第{number}号事件缺失" in err


def test_audit_without_an_action_is_a_usage_error(cli):
    with pytest.raises(SystemExit) as caught:
        main(["audit"])
    assert caught.value.code == 2
    assert "参数错误" in cli.capsys.readouterr().err


# --- where the database is --------------------------------------------------------------------------


def test_db_option_selects_a_sqlite_file(cli, home, tmp_path):
    other = tmp_path / "柜台二" / "counter.sqlite3"
    other.parent.mkdir()
    code, _out, err = cli("settings", "--station-code", "XC02", "--db", str(other))
    assert code == 0, err
    receipt = cli.receipt(apply_input(1), "--db", str(other))
    assert receipt.startswith("XC02-")
    assert other.exists() and not _database(home).exists()
    code, out, _err = cli("--db", str(other), "ledger", "--query", "张")  # before the subcommand
    assert receipt in out
    code, out, _err = cli("ledger", "show", receipt, "--db", f"sqlite:///{other}")
    assert code == 0 and receipt in out
    code, _out, err = cli("ledger")  # the data folder's own database: empty, no station
    assert code == 0 and "没有符合条件的申请" in err


def test_db_from_the_environment(cli, home, tmp_path, monkeypatch):
    other = tmp_path / "env.sqlite3"
    monkeypatch.setenv("UNION_COUNTER_DB", str(other))
    assert cli("settings", "--station-code", "XC03")[0] == 0
    assert cli.receipt(apply_input(1)).startswith("XC03-")
    assert other.exists() and not _database(home).exists()


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        ("missing_folder", "文件夹不存在"),
        ("newer", "较新版本"),
        ("not_a_database", "已损坏或不是本程序的数据库"),
        ("foreign", "不是本程序的数据库"),
    ],
)
def test_store_faults_exit_6_with_a_message(cli, tmp_path, make, expected):
    path = tmp_path / "db.sqlite3"
    if make == "missing_folder":
        path = tmp_path / "没有" / "db.sqlite3"
    elif make == "newer":
        assert cli("settings", "--db", str(path))[0] == 0
        with sqlite3.connect(path) as raw:
            raw.execute("UPDATE alembic_version SET version_num = '9999'")
    elif make == "not_a_database":
        path.write_bytes(b"garbage" * 1000)
    else:
        with sqlite3.connect(path) as raw:
            raw.execute("CREATE TABLE other (x)")
    for command in (["ledger"], ["apply"], ["audit", "verify"], ["backup"]):
        code, out, err = cli(*command, "--db", str(path), stdin=json.dumps(apply_input(1)))
        assert code == 6, (command, err)
        assert expected in err and out == ""


def test_unreachable_server_exits_6(cli):
    url = "postgresql://nobody@127.0.0.1:9/none?connect_timeout=2"
    code, _out, err = cli("ledger", "--db", url)
    assert code == 6 and "无法连接数据库服务器" in err


def test_malformed_db_url_exits_2(cli):
    code, _out, err = cli("ledger", "--db", "postgresql://user@host:notaport/db")
    assert code == 2 and "--db" in err


# --- PostgreSQL -----------------------------------------------------------------------------------


def test_apply_and_ledger_on_postgresql(cli, pg_url, home):
    assert cli("settings", "--db", pg_url, "--station-code", "DC01")[0] == 0
    receipt = cli.receipt(apply_input(1), "--db", pg_url)
    assert numbered_today(receipt, "DC01", 1)
    code, _out, err = cli.apply(apply_input(1), "--db", pg_url)
    assert code == 4 and receipt in err
    code, out, _err = cli("ledger", "--db", pg_url, "--query", "张")
    assert receipt in out and "110105********" in out and make_id(1) not in out
    assert cli("status", receipt, "已打印", "--db", pg_url)[0] == 0
    code, out, _err = cli("ledger", "show", receipt, "--db", pg_url, "--json")
    assert [h["to_label"] for h in json.loads(out)["history"]] == ["已受理", "已打印"]
    assert cli("audit", "verify", "--db", pg_url)[0] == 0
    code, _out, err = cli("restore", str(home), "--db", pg_url)
    assert code == 2 and "pg_restore" in err  # a shared server is restored by its administrator
    assert not _database(home).exists()


# --- as real processes ------------------------------------------------------------------------------


def run(*args: str, home: Path, stdin: str = "", module: bool = True):
    command = [sys.executable, "-m", "desktop_app", *args] if module else [str(SCRIPT), *args]
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "UNION_COUNTER_HOME": str(home),
           "UNION_COUNTER_CLERK": "进程柜员"}  # fmt: skip
    for name in ("UNION_COUNTER_DEBUG", "UNION_COUNTER_DB"):
        env.pop(name, None)
    return subprocess.run(
        command, input=stdin, capture_output=True, text=True, encoding="utf-8",
        cwd=ROOT, env=env, timeout=120, check=False,
    )  # fmt: skip


@pytest.mark.slow
def test_as_real_processes(tmp_path):
    home = tmp_path / "家"
    assert run("settings", "--station-code", "XC01", home=home).returncode == 0
    applied = run("apply", "-", home=home, stdin=json.dumps(apply_input(1), ensure_ascii=False))
    assert applied.returncode == 0, applied.stderr
    receipt = json.loads(applied.stdout)["receipt"]
    again = run("apply", home=home, stdin=json.dumps(apply_input(1)), module=False)
    assert again.returncode == 4 and receipt in again.stderr and "Traceback" not in again.stderr
    ledger = run("ledger", "--query", "张伟", home=home, module=False)
    assert ledger.returncode == 0 and receipt in ledger.stdout and "进程柜员" in ledger.stdout
    assert make_id(1) not in ledger.stdout
    backup = run("backup", home=home)
    assert backup.returncode == 0, backup.stderr
    path = Path(backup.stdout.strip().removeprefix("备份已写入："))
    assert path.parent == home / "backups"
    restored = run("restore", str(path), home=home)
    assert restored.returncode == 0 and "已从备份恢复" in restored.stdout
    verify = run("audit", "verify", home=home)
    assert verify.returncode == 0 and "审计记录完整" in verify.stdout
    (home / "union-counter.sqlite3").write_bytes(b"broken" * 100)
    broken = run("ledger", home=home)
    assert broken.returncode == 6 and "已损坏" in broken.stderr
    assert "Traceback" not in broken.stderr


def test_help_lists_the_new_commands():
    result = subprocess.run(
        [sys.executable, "-m", "desktop_app", "--help"], capture_output=True, text=True,
        encoding="utf-8", env={**os.environ, "PYTHONIOENCODING": "utf-8"}, check=False,
    )  # fmt: skip
    for command in ("apply", "ledger", "status", "settings", "backup", "restore", "audit"):
        assert command in result.stdout
