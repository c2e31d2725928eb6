"""`union-counter export` and `union-counter exchange export|import`: output, exit codes,
Chinese messages, the problems workbook."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import openpyxl
import pytest

from desktop_app.cli.main import main
from tests.storage.conftest import apply_input


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    monkeypatch.setenv("UNION_COUNTER_CLERK", "王柜员")
    monkeypatch.delenv("UNION_COUNTER_DB", raising=False)
    monkeypatch.delenv("UNION_COUNTER_DEBUG", raising=False)

    def run(home: str, *args: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setenv("UNION_COUNTER_HOME", str(tmp_path / home))
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        assert "Traceback" not in err
        return code, out, err

    run("station", "settings", "--station-code", "XC01", "--station-name", "西城服务站")
    run("district", "settings", "--station-code", "DQ01", "--station-name", "西城区总工会")
    key_file = tmp_path / "XC01-公钥.txt"
    assert run("station", "exchange", "key", "export", str(key_file))[0] == 0
    assert run("district", "exchange", "key", "register", str(key_file), "--yes")[0] == 0
    for serial in (1, 2, 3):
        code, _out, err = run(
            "station", "apply", stdin=json.dumps(apply_input(serial), ensure_ascii=False)
        )
        assert code == 0, err
    return run


def test_export_command(cli, tmp_path: Path) -> None:
    target = tmp_path / "台账.xlsx"
    code, out, _err = cli("station", "export", str(target), "--from", "2026-01-01")
    assert code == 0
    assert "已导出 3 份申请" in out and "已遮挡" in out
    assert openpyxl.load_workbook(target).sheetnames == ["台账", "汇总"]
    code, out, _err = cli("station", "export", str(target), "--full-ids")
    assert code == 0 and "审计" in out


def test_export_refuses_a_bad_name_and_a_missing_folder(cli, tmp_path: Path) -> None:
    code, _out, err = cli("station", "export", str(tmp_path / "台账.csv"))
    assert code == 2 and ".xlsx" in err
    code, _out, err = cli("station", "export", str(tmp_path / "no" / "台账.xlsx"))
    assert code == 2 and "文件夹不存在" in err


def test_exchange_export_then_import(cli, tmp_path: Path) -> None:
    batch = tmp_path / "XC01.xlsx"
    code, out, _err = cli("station", "exchange", "export", str(batch))
    assert code == 0 and "3 份申请" in out and "校验码" in out
    code, out, err = cli("district", "exchange", "import", str(batch))
    assert code == 0, err
    assert "新增 3 份" in out
    code, out, _err = cli("district", "ledger", "--json")
    assert len(json.loads(out)) == 3


def test_a_refused_file_gives_exit_2_and_the_problems_workbook(cli, tmp_path: Path) -> None:
    batch = tmp_path / "XC01.xlsx"
    cli("station", "exchange", "export", str(batch))
    book = openpyxl.load_workbook(batch)
    book["申请"].cell(2, 2).value = "2026年11月21日"
    broken = tmp_path / "broken.xlsx"
    book.save(broken)
    problems = tmp_path / "问题.xlsx"
    code, out, err = cli(
        "district", "exchange", "import", str(broken), str(batch), "--problems", str(problems)
    )
    assert code == 2
    assert "broken.xlsx：未导入" in err and "第2行" in err and "不是日期" in err
    assert "XC01.xlsx：服务站 XC01 新增 3 份" in out  # the good file is still imported
    rows = list(openpyxl.load_workbook(problems).active.iter_rows(values_only=True))
    assert rows[1][:2] == ("申请", 2)


def test_import_of_a_text_file_is_a_clear_refusal(cli, tmp_path: Path) -> None:
    path = tmp_path / "notes.xlsx"
    path.write_text("hello", encoding="utf-8")
    code, _out, err = cli("district", "exchange", "import", str(path))
    assert code == 2 and "不是 Excel 工作簿" in err


def test_registering_a_key_shows_the_fingerprint_and_asks(cli, tmp_path: Path) -> None:
    key_file = tmp_path / "key.txt"
    code, out, _err = cli("station", "exchange", "key", "export", str(key_file))
    fingerprint = out.split("指纹：")[1].split()[0:5]
    code, out, _err = cli("station", "exchange", "key", "show")
    assert code == 0 and " ".join(fingerprint) in out
    cli("other", "settings", "--station-code", "DQ02", "--station-name", "东城区总工会")
    code, out, err = cli("other", "exchange", "key", "register", str(key_file), stdin="n\n")
    assert code == 2 and "XC01" in out and " ".join(fingerprint) in out and "未登记" in err
    code, out, _err = cli("other", "exchange", "key", "list")
    assert "尚未登记" in out
    batch = tmp_path / "XC01.xlsx"
    cli("station", "exchange", "export", str(batch))
    code, _out, err = cli("other", "exchange", "import", str(batch))
    assert code == 2 and "尚未在本机登记" in err
    code, out, _err = cli("other", "exchange", "key", "register", str(key_file), stdin="y\n")
    assert code == 0 and "已登记服务站 XC01 的公钥" in out
    code, out, _err = cli("other", "exchange", "key", "list")
    assert "XC01" in out and " ".join(fingerprint) in out
    code, out, err = cli("other", "exchange", "import", str(batch))
    assert code == 0, err


def test_a_damaged_key_file_then_a_new_key(cli, tmp_path: Path) -> None:
    batch = tmp_path / "XC01.xlsx"
    assert cli("station", "exchange", "export", str(batch))[0] == 0
    (tmp_path / "station" / "station-signing-key").write_bytes(b"\xff\xfe garbage")
    code, _out, err = cli("station", "exchange", "export", str(batch))
    assert code == 6 and "签名密钥文件" in err and "exchange key new" in err
    code, _out, err = cli("station", "exchange", "key", "new", stdin="\n")
    assert code == 2 and "未生成" in err
    code, out, _err = cli("station", "exchange", "key", "new", "--yes")
    assert code == 0 and "新签名密钥" in out
    assert cli("station", "exchange", "export", str(batch))[0] == 0
    code, _out, err = cli("district", "exchange", "import", str(batch))
    assert code == 2 and "不是服务站 XC01 在本机登记的密钥" in err
    key_file = tmp_path / "new-key.txt"
    cli("station", "exchange", "key", "export", str(key_file))
    code, out, _err = cli("district", "exchange", "key", "register", str(key_file), "--yes")
    assert code == 0 and "已更换" in out and "原指纹" in out
    assert cli("district", "exchange", "import", str(batch))[0] == 0


def test_held_rows_are_listed_and_accepted(cli, tmp_path: Path) -> None:
    from desktop_app.exchange import batch as fmt
    from desktop_app.services.exchange import signing_key

    batch = tmp_path / "XC01.xlsx"
    cli("station", "exchange", "export", str(batch))
    read = fmt.read_batch(batch)
    rows = [list(row) for row in read.rows]
    rows[0][fmt.INDEX["amount"]] += 1000
    station = rows[0][fmt.INDEX["amount"]]
    signer = signing_key.read_signer(tmp_path / "station")
    changed = tmp_path / "changed.xlsx"
    fmt.write_batch(changed, rows, manifest=read.manifest, total=3, signer=signer)
    code, out, err = cli("district", "exchange", "import", str(changed))
    assert code == 0 and "新增 2 份" in out and "导入待核 1 份" in out
    assert f"{station} 元" in err
    code, out, _err = cli("district", "exchange", "held")
    receipt = rows[0][0]
    assert receipt in out and f"服务站的决定：符合，{station} 元" in out
    assert f"重新核算：符合，{station - 1000} 元" in out
    code, out, _err = cli("district", "ledger", "--json")
    assert receipt not in out
    code, _out, err = cli("district", "exchange", "held", "--accept", receipt)
    assert code == 2 and "--use" in err
    code, out, _err = cli(
        "district", "exchange", "held", "--accept", receipt, "--use", "recomputed"
    )
    assert code == 0 and f"补助 {station - 1000} 元" in out
    code, out, _err = cli("district", "ledger", "show", receipt, "--json")
    assert code == 0 and json.loads(out)["application"]["amount"] == station - 1000
    code, out, _err = cli("district", "exchange", "held")
    assert "没有导入待核" in out
    code, out, _err = cli("district", "exchange", "held", "--all")
    assert receipt in out and "按重新核算的结果核定" in out
