"""`union-counter quote` end to end, as separate processes: good input, bad input, bad files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_app.paths import policies_dir
from tests.conftest import ROOT, base_2016, base_2026

SCRIPT = Path(sys.executable).parent / "union-counter"


def run(*args: str, stdin: str = "", env: dict[str, str] | None = None, module: bool = True):
    command = [sys.executable, "-m", "desktop_app", *args] if module else [str(SCRIPT), *args]
    full_env = {**os.environ, "PYTHONIOENCODING": "utf-8", **(env or {})}
    full_env.pop("UNION_COUNTER_DEBUG", None)
    return subprocess.run(
        command, input=stdin, capture_output=True, text=True, encoding="utf-8",
        cwd=ROOT, env=full_env, timeout=60, check=False,
    )  # fmt: skip


def test_quote_from_stdin_eligible():
    result = run("quote", stdin=json.dumps(base_2026()))
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert set(out) == {"eligible", "amount", "scheme", "findings", "policy_sha256"}
    assert (out["eligible"], out["amount"], out["scheme"]) == (True, 2400, "bj-2026-skills")
    assert all(
        set(f) - {"caution"} == {"rule", "passed", "message", "source"} for f in out["findings"]
    )
    # No 重点群体 confirmation on the command line: paid, and recorded as not confirmed.
    (caution,) = [f for f in out["findings"] if f.get("caution")]
    assert caution["rule"] == "member.key_group" and caution["passed"] is True
    assert len(out["policy_sha256"]) == 64
    assert result.stderr == ""


def test_quote_from_file_not_eligible_still_exits_zero(tmp_path):
    data = base_2016()
    data["applied_on"] = "2018-01-01"
    path = tmp_path / "application.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = run("quote", str(path))
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert (out["eligible"], out["amount"]) == (False, 0)
    assert any(not f["passed"] and "截止" in f["message"] for f in out["findings"])


def test_quote_through_the_installed_entry_point():
    assert SCRIPT.exists(), "install the program first (make test does): pip install -e ."
    result = run(
        "quote", "-", stdin=json.dumps(base_2016("social_worker", grade="senior")), module=False
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["amount"] == 2000


def test_file_with_byte_order_mark(tmp_path):
    path = tmp_path / "bom.json"
    path.write_bytes("\ufeff".encode() + json.dumps(base_2026()).encode())
    assert json.loads(run("quote", str(path)).stdout)["amount"] == 2400


def mutated(change) -> str:
    data = base_2026()
    change(data)
    return json.dumps(data, ensure_ascii=False)


@pytest.mark.parametrize(
    ("stdin", "field"),
    [
        ("{not json", "JSON"),
        ("", "JSON"),
        ("[1, 2]", "JSON 对象"),
        ('"text"', "JSON 对象"),
        (mutated(lambda d: d.update(scheme="bj-1999")), "scheme"),
        (mutated(lambda d: d.pop("scheme")), "scheme"),
        (mutated(lambda d: d["certificate"].update(kind="diploma")), "certificate.kind"),
        (mutated(lambda d: d["certificate"].update(level=6)), "certificate.level"),
        (mutated(lambda d: d["certificate"].update(level=0)), "certificate.level"),
        (mutated(lambda d: d["certificate"].update(level="三级")), "certificate.level"),
        (mutated(lambda d: d["certificate"].update(level=True)), "certificate.level"),
        (mutated(lambda d: d.update(applied_on="2016-02-30")), "applied_on"),
        (mutated(lambda d: d.update(applied_on="2016/02/03")), "applied_on"),
        (mutated(lambda d: d["certificate"].update(issued_on="2017-02-29")), "certificate.issued_on"),
        (mutated(lambda d: d.pop("certificate")), "certificate"),
        (mutated(lambda d: d.update(certificate=[])), "certificate"),
        (mutated(lambda d: d.update(member="张三")), "member"),
        (mutated(lambda d: d.update(member={"union_affiliated": "yes"})), "member.union_affiliated"),
        (mutated(lambda d: d.update(member={"card_number": 6217000010001234569})), "member.card_number"),
    ],
)  # fmt: skip
def test_bad_input_exits_2_with_one_clear_line(stdin, field):
    result = run("quote", stdin=stdin)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert field in lines[0]
    assert "Traceback" not in result.stderr


def test_impossible_date_is_named():
    result = run("quote", stdin=mutated(lambda d: d.update(applied_on="2016-02-30")))
    assert "2016年2月30日" in result.stderr


def test_missing_input_file():
    result = run("quote", "/nonexistent/application.json")
    assert result.returncode == 2
    assert "找不到文件" in result.stderr and "Traceback" not in result.stderr


def test_fields_a_kind_does_not_use_are_ignored():
    data = base_2026("special_ability", occupation="家庭清洁", level=99, grade="nonsense", rank=-5)
    result = run("quote", stdin=json.dumps(data, ensure_ascii=False))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["amount"] == 800


def test_broken_policy_file_is_reported_not_a_traceback(tmp_path):
    shutil.copy(policies_dir() / "bj-2016-union-boost.toml", tmp_path)
    text = (policies_dir() / "bj-2026-skills.toml").read_text(encoding="utf-8")
    (tmp_path / "bj-2026-skills.toml").write_text(
        text.replace('tier = "A" }', 'tier = "C" }', 1), encoding="utf-8"
    )
    env = {"UNION_COUNTER_POLICIES": str(tmp_path)}
    broken = run("quote", stdin=json.dumps(base_2026()), env=env)
    assert broken.returncode == 3
    assert "bj-2026-skills.toml" in broken.stderr and "无人机驾驶员" in broken.stderr
    assert "Traceback" not in broken.stderr
    fine = run("quote", stdin=json.dumps(base_2016()), env=env)
    assert fine.returncode == 0 and json.loads(fine.stdout)["amount"] == 2000


def test_help_lists_the_commands_and_says_no_subcommand_opens_the_window():
    # Without a subcommand the window opens (tests/gui/test_app_start.py).
    result = run("--help")
    assert result.returncode == 0
    assert "quote" in result.stdout and "catalogue" in result.stdout
    assert "不带子命令时打开柜台窗口" in result.stdout


def test_unknown_subcommand_is_a_usage_error():
    result = run("frobnicate")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_catalogue_search_best_first():
    result = run("catalogue", "search", "wrj")
    assert result.returncode == 0, result.stderr
    first = result.stdout.splitlines()[0].split("\t")
    assert first[:4] == ["无人机驾驶员", "4-02-04-06", "bj-2026-skills", "A档"]
    assert "2400" in first[4]


def test_catalogue_search_code_prefix_without_dashes():
    lines = run("catalogue", "search", "40204").stdout.splitlines()
    codes = [line.split("\t")[1] for line in lines]
    assert codes and all(code.startswith("4-02-04") for code in codes)


def test_catalogue_search_no_match():
    result = run("catalogue", "search", "zzzzqqq")
    assert result.returncode == 0 and result.stdout == ""
    assert "没有找到" in result.stderr


def test_catalogue_show_lists_entries_rates_and_sources():
    result = run("catalogue", "show", "bj-2016-union-boost")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for expected in ("油务员", "北京电力行业职业技能鉴定中心", "三、助推标准", "2000元", "社会工作者",
                     "职工技协杯", "SHA-256"):  # fmt: skip
        assert expected in out, expected


def test_catalogue_show_unknown_scheme():
    result = run("catalogue", "show", "bj-1999")
    assert result.returncode == 2
    assert "bj-2026-skills" in result.stderr
