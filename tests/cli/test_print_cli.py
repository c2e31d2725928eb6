"""`union-counter print`: one form or a batch into one PDF, the Annex 2 refusal, reprints,
missing-character warnings and exit codes. In this process through `main([...])`, and once as
a real process."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from desktop_app.cli.main import main
from tests.printing.conftest import qualification, social_worker

SCRIPT = Path(sys.executable).parent / "union-counter"


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

    def receipt(self, data: dict) -> str:
        code, out, err = self("apply", stdin=json.dumps(data, ensure_ascii=False))
        assert code == 0, err
        return json.loads(out)["receipt"]


@pytest.fixture
def cli(home, capsys, monkeypatch) -> Cli:
    run = Cli(capsys, monkeypatch)
    code, _out, err = run(
        "settings", "--station-code", "XC01", "--station-name", "西城区某街道工会服务站",
        "--district", "西城区",
    )  # fmt: skip
    assert code == 0, err
    return run


def test_print_annex2(cli: Cli, tmp_path: Path) -> None:
    receipt = cli.receipt(social_worker(1))
    out = tmp_path / "a.pdf"
    code, stdout, err = cli("print", receipt, "--form", "annex2", "-o", str(out))
    assert code == 0, err
    assert stdout.strip() == f"{receipt}\t申请表（附件2）\t原件"  # the form by its name, not its id
    text = PdfReader(out).pages[0].extract_text()
    assert "北京市专职工会社会工作者职业发展助推计划" in text and "李明" in text
    code, stdout, _err = cli("ledger", "show", receipt, "--json")
    shown = json.loads(stdout)
    assert shown["application"]["status_label"] == "已打印"
    assert any(e["action"] == "print" and e["details"]["form"] == "annex2" for e in shown["events"])


def test_reprint_is_marked(cli: Cli, tmp_path: Path) -> None:
    receipt = cli.receipt(social_worker(1))
    assert cli("print", receipt, "-o", str(tmp_path / "1.pdf"))[0] == 0
    code, stdout, _err = cli("print", receipt, "-o", str(tmp_path / "2.pdf"))
    assert code == 0 and stdout.strip() == f"{receipt}\t申请表（附件2）\t补打（第2次）"
    assert "补打（第2次）" in PdfReader(tmp_path / "2.pdf").pages[0].extract_text()


def test_annex2_refused_for_another_kind_exit_2(cli: Cli, tmp_path: Path) -> None:
    receipt = cli.receipt(qualification(2))
    out = tmp_path / "no.pdf"
    code, _stdout, err = cli("print", receipt, "--form", "annex2", "-o", str(out))
    assert code == 2
    assert "不能打印北京市专职工会社会工作者职业发展助推计划申请表" in err
    assert "--form receipt" in err
    assert not out.exists()
    code, stdout, _err = cli("ledger", "show", receipt, "--json")
    assert json.loads(stdout)["application"]["status_label"] == "已受理"


def test_batch_into_one_pdf(cli: Cli, tmp_path: Path) -> None:
    receipts = [cli.receipt(social_worker(1)), cli.receipt(qualification(2))]
    out = tmp_path / "batch.pdf"
    code, stdout, err = cli("print", "--batch", *receipts, "-o", str(out))
    assert code == 0, err
    assert [line.split("\t")[:2] for line in stdout.splitlines()] == [
        [receipts[0], "申请表（附件2）"],
        [receipts[1], "受理回执"],
    ]
    reader = PdfReader(out)
    assert len(reader.pages) == 2
    assert receipts[1] in reader.pages[1].extract_text()


def test_several_receipts_need_batch(cli: Cli, tmp_path: Path) -> None:
    receipts = [cli.receipt(social_worker(1)), cli.receipt(social_worker(3))]
    code, _stdout, err = cli("print", *receipts, "-o", str(tmp_path / "x.pdf"))
    assert code == 2 and "--batch" in err


def test_unknown_receipt_exit_2(cli: Cli, tmp_path: Path) -> None:
    code, _stdout, err = cli("print", "XC01-20261121-9999", "-o", str(tmp_path / "x.pdf"))
    assert code == 2 and "找不到受理编号" in err
    assert not (tmp_path / "x.pdf").exists()


@pytest.mark.parametrize(
    "args",
    [("XC01-20261121-0001",), ("XC01-20261121-0001", "--form", "other", "-o", "x.pdf")],
)
def test_output_is_required_and_form_is_checked(cli: Cli, args: tuple[str, ...]) -> None:
    with pytest.raises(SystemExit) as caught:
        cli("print", *args)
    assert caught.value.code == 2


def test_missing_character_warns_and_prints(cli: Cli, tmp_path: Path) -> None:
    receipt = cli.receipt(social_worker(1, name="张\U00030000"))
    out = tmp_path / "m.pdf"
    code, _stdout, err = cli("print", receipt, "-o", str(out))
    assert code == 0
    assert "警告" in err and "\U00030000" in err and "U+30000" in err
    assert out.is_file()


def test_unwritable_folder_exit_2_nothing_recorded(cli: Cli, tmp_path: Path) -> None:
    receipt = cli.receipt(social_worker(1))
    code, _stdout, err = cli("print", receipt, "-o", str(tmp_path / "nope" / "x.pdf"))
    assert code == 2 and "不存在" in err
    code, stdout, _err = cli("ledger", "show", receipt, "--json")
    assert not [e for e in json.loads(stdout)["events"] if e["action"] == "print"]


@pytest.mark.slow
def test_print_as_a_real_process(home: Path, tmp_path: Path) -> None:
    env = dict(os.environ)

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(SCRIPT), *args], input=stdin, capture_output=True, text=True, env=env, timeout=60
        )

    assert run("settings", "--station-code", "XC01").returncode == 0
    applied = run("apply", stdin=json.dumps(social_worker(1), ensure_ascii=False))
    receipt = json.loads(applied.stdout)["receipt"]
    out = tmp_path / "p.pdf"
    done = run("print", receipt, "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"%PDF")
    other = json.loads(run("apply", stdin=json.dumps(qualification(2), ensure_ascii=False)).stdout)
    refused = run("print", other["receipt"], "--form", "annex2", "-o", str(tmp_path / "q.pdf"))
    assert refused.returncode == 2 and "附件2" in refused.stderr
    assert not (tmp_path / "q.pdf").exists()
