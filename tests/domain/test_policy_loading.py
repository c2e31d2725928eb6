"""Policy files are checked when loaded; a new year's plan is just a new file."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from desktop_app.domain.engine import decide
from desktop_app.domain.facts import application_from_mapping
from desktop_app.domain.policy import PolicyError, load_directory, load_policy
from desktop_app.paths import policies_dir
from tests.conftest import base_2016

SHIPPED_2016 = policies_dir() / "bj-2016-union-boost.toml"
SHIPPED_2026 = policies_dir() / "bj-2026-skills.toml"


def edited(tmp_path: Path, source: Path, old: str, new: str, count: int = 1) -> Path:
    text = source.read_text(encoding="utf-8")
    assert old in text, old
    target = tmp_path / source.name
    target.write_text(text.replace(old, new, count), encoding="utf-8")
    return target


@pytest.mark.parametrize(
    ("old", "new", "entry", "problem"),
    [
        ('name = "无人机驾驶员", code = "4-02-04-06", tier = "A"',
         'name = "无人机驾驶员", code = "4-02-04-06", tier = "C"',
         "无人机驾驶员", "补助档次 C 没有对应的补助标准"),
        ('tier = "A" }', 'tier = "a" }', "无人机驾驶员", "应为一个大写字母"),
        ('code = "4-02-04-06"', 'code = "4-02-04-02"', "无人机驾驶员", "重复"),
        ('code = "4-02-04-06"', 'code = "40204-06"', "无人机驾驶员", "格式应为"),
        ("amount = 1000\n", "amount = -1000\n", "rates 第1项", "超出范围"),
        ("amount = 1000\n", 'amount = "1000"\n', "rates 第1项", "应为整数"),
        ('rule = "key_group_confirmed"', 'rule = "lucky_draw"', "conditions[lucky_draw]", "无法识别"),
        ('method = "tier_level"', 'method = "guess"', "kinds.skill_level", "无法识别"),
        ('catalogue = "skill_level"', 'catalogue = "nowhere"', "kinds.skill_level", "未定义"),
        ("format = 1", "format = 2", "format", "只识别 1"),
        ('title = "职业技能等级证书目录"\n', 'titel = "职业技能等级证书目录"\n', "catalogues", "titel"),
        ('{ row = 10, name = "无人机驾驶员"', '{ name = "无人机驾驶员"', "无人机驾驶员", "row"),
    ],
)  # fmt: skip
def test_broken_2026_file_is_refused_naming_file_entry_and_problem(
    tmp_path, old, new, entry, problem
):
    path = edited(tmp_path, SHIPPED_2026, old, new)
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    message = str(caught.value)
    assert "bj-2026-skills.toml" in message
    assert entry in message
    assert problem in message


@pytest.mark.parametrize(
    ("old", "new", "entry", "problem"),
    [
        ("from = 2016-01-01", "from = 2017-01-01", "issued_within", "起始日期晚于截止日期"),
        ("last_day = 2017-12-31", 'last_day = "2017-12-31"', "registered_by", "应为日期"),
        ('levels = [3]', 'levels = [6]', "jianding", "1–5"),
        ('group = "power", name = "油务员"', 'group = "wind", name = "油务员"', "油务员", "wind"),
        ('grades = ["intermediate", "senior"]', 'grades = ["expert"]', "社会工作者", "grades"),
        ('rank_from = 2\n', 'rank_from = 1\n', "rates 第5项", "重叠"),
        ('source = { part = "三、助推标准", quote = "获得国家职业资格一级（高级技师）证书，每人资助2000元" }',
         "", "rates 第1项", "source"),
        ('applies_to = ["social_worker"]', 'applies_to = ["astronaut"]', "full_time", "astronaut"),
    ],
)  # fmt: skip
def test_broken_2016_file_is_refused(tmp_path, old, new, entry, problem):
    path = edited(tmp_path, SHIPPED_2016, old, new)
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    message = str(caught.value)
    assert "bj-2016-union-boost.toml" in message and entry in message and problem in message


def test_syntax_error_names_the_line(tmp_path):
    path = edited(tmp_path, SHIPPED_2026, 'short_name = "', "short_name = ")
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert "bj-2026-skills.toml" in str(caught.value)
    assert re.search(r"line \d+", str(caught.value))


def test_not_utf8_and_unreadable(tmp_path):
    bad = tmp_path / "gbk.toml"
    bad.write_bytes("name = '补助'".encode("gbk"))
    with pytest.raises(PolicyError, match="UTF-8"):
        load_policy(bad)
    with pytest.raises(PolicyError, match="无法读取"):
        load_policy(tmp_path / "missing.toml")


def test_a_broken_file_does_not_take_the_others_down(tmp_path):
    shutil.copy(SHIPPED_2016, tmp_path)
    (tmp_path / "bj-2026-skills.toml").write_text("format = 1\nid = [", encoding="utf-8")
    loaded = load_directory(tmp_path)
    assert list(loaded.policies) == ["bj-2016-union-boost"]
    assert len(loaded.errors) == 1 and loaded.errors[0].file == "bj-2026-skills.toml"


def test_same_scheme_id_in_two_files(tmp_path):
    shutil.copy(SHIPPED_2016, tmp_path / "a.toml")
    shutil.copy(SHIPPED_2016, tmp_path / "b.toml")
    loaded = load_directory(tmp_path)
    assert len(loaded.policies) == 1
    assert "重复" in str(loaded.errors[0]) and "a.toml" in str(loaded.errors[0])


def test_fingerprint_changes_with_any_edit(tmp_path):
    original = load_policy(SHIPPED_2026)
    touched = load_policy(edited(tmp_path, SHIPPED_2026, "# Every value", "#  Every value"))
    assert original.sha256 != touched.sha256
    assert len(original.sha256) == 64


def test_new_years_plan_is_a_new_file_without_code_change(tmp_path):
    """A 2017 plan: own id, window, deadline and an added occupation — data only."""
    text = SHIPPED_2016.read_text(encoding="utf-8")
    text = (
        text.replace('id = "bj-2016-union-boost"', 'id = "bj-2017-union-boost"')
        .replace("from = 2016-01-01", "from = 2017-01-01")
        .replace("to = 2016-12-31", "to = 2017-12-31")
        .replace("last_day = 2017-12-31", "last_day = 2018-12-31")
        .replace(
            '{ row = "6", group = "power", name = "油务员" },',
            '{ row = "6", group = "power", name = "油务员" },\n'
            '  { row = "6", group = "power", name = "储能电站运维员" },',
        )
    )
    shutil.copy(SHIPPED_2016, tmp_path)
    (tmp_path / "bj-2017-union-boost.toml").write_text(text, encoding="utf-8")
    loaded = load_directory(tmp_path)
    assert loaded.errors == []
    assert set(loaded.policies) == {"bj-2016-union-boost", "bj-2017-union-boost"}

    data = base_2016(occupation="储能电站运维员", level=1, issued_on="2017-05-01")
    data.update(scheme="bj-2017-union-boost", applied_on="2018-06-30")
    app = application_from_mapping(data, loaded.policies)
    decision = decide(loaded.policies["bj-2017-union-boost"], app)
    assert (decision.eligible, decision.amount) == (True, 2000)

    data["scheme"] = "bj-2016-union-boost"
    old = decide(
        loaded.policies["bj-2016-union-boost"], application_from_mapping(data, loaded.policies)
    )
    assert not old.eligible


def test_a_plan_that_funds_fewer_levels_says_so(tmp_path):
    """A file may leave a level unfunded; the engine names the missing rate, pays nothing."""
    text = SHIPPED_2026.read_text(encoding="utf-8")
    block = re.search(
        r'\[\[rates\]\]\nkind = "skill_level"\ntier = "A"\nlevel = 1\n.*?\n\n', text, re.S
    )
    assert block
    path = tmp_path / "bj-2026-skills.toml"
    path.write_text(text.replace(block.group(0), ""), encoding="utf-8")
    policy = load_policy(path)
    data = {"scheme": policy.id, "certificate": {"kind": "skill_level", "occupation": "电工"}}
    data["certificate"]["level"] = 1
    assert decide(policy, application_from_mapping(data, [policy.id])).amount == 2000  # tier B
    data["certificate"]["occupation"] = "无人机驾驶员"
    decision = decide(policy, application_from_mapping(data, [policy.id]))
    assert (decision.eligible, decision.amount) == (False, 0)
    failed = [f for f in decision.findings if not f.passed]
    assert [f.rule for f in failed] == ["certificate.level"]
    assert "A档 高级技师（一级）没有补助标准" in failed[0].message


def test_a_replaced_shipped_file_still_explains_its_decisions(tmp_path):
    """resources/policies/superseded/ keeps the files the program shipped before: a stored
    fingerprint finds its file, but a replaced file is never the version in effect."""
    shipped = load_directory(SHIPPED_2016.parent)
    assert shipped.errors == []
    old = {p.id: p for p in shipped.superseded}
    assert set(old) == {"bj-2016-union-boost", "bj-2026-skills"}
    for scheme, policy in old.items():
        assert shipped.by_sha256(policy.sha256) is policy
        assert shipped.get(scheme).sha256 != policy.sha256
        assert policy not in shipped.history(scheme)
        assert shipped.in_effect(scheme, date(2016, 6, 1)) is shipped.get(scheme)
    # The fingerprint the README's example printed before the quotations were made verbatim.
    assert old["bj-2016-union-boost"].sha256.startswith("ec19c280")
    # A file whose name does not match its content is refused, naming it.
    folder = tmp_path / "policies"
    shutil.copytree(SHIPPED_2016.parent, folder)
    moved = folder / "superseded" / old["bj-2026-skills"].path.name
    moved.rename(moved.with_name("bj-2026-skills-00000000.toml"))
    loaded = load_directory(folder)
    assert [e.file for e in loaded.errors] == ["superseded/bj-2026-skills-00000000.toml"]
    assert "文件名应为 bj-2026-skills-2599e8ab.toml" in str(loaded.errors[0])
    assert loaded.by_sha256(old["bj-2026-skills"].sha256) is None


def test_every_file_the_program_ever_shipped_is_kept(tmp_path):
    """Each version of a shipped policy file in the project's history is in superseded/, so
    no stored fingerprint is ever left without its file (needs the git history)."""
    import hashlib
    import subprocess

    root = SHIPPED_2016.parents[2]
    if not (root / ".git").exists() or shutil.which("git") is None:
        pytest.skip("no git history beside the tests")
    shipped = load_directory(SHIPPED_2016.parent)
    kept = {p.sha256 for p in shipped.superseded} | {p.sha256 for p in shipped}
    for path in sorted(SHIPPED_2016.parent.glob("*.toml")):
        relative = path.relative_to(root).as_posix()
        commits = subprocess.run(
            ["git", "-C", str(root), "log", "--format=%H", "--", relative],
            capture_output=True, text=True, check=True,
        ).stdout.split()  # fmt: skip
        for commit in commits:
            blob = subprocess.run(
                ["git", "-C", str(root), "show", f"{commit}:{relative}"],
                capture_output=True, check=True,
            ).stdout  # fmt: skip
            sha = hashlib.sha256(blob).hexdigest()
            assert sha in kept, (
                f"{relative} 在 {commit[:8]} 的版本（{sha[:8]}）没有留在 superseded/"
            )
