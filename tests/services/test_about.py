"""关于 / `--version` (issue 17, part 5): the version, the build, the schema and the policy
files' fingerprints."""

from __future__ import annotations

from pathlib import Path

from desktop_app import __version__
from desktop_app.services.about import BUILD_INFO, about, build_text
from desktop_app.services.policies import policy_set
from desktop_app.storage.migrations import head_revision
from tests.processes import union_counter


def test_a_bundle_says_when_and_from_which_commit_it_was_built(tmp_path: Path) -> None:
    (tmp_path / BUILD_INFO).write_text('{"built": "2026-12-03 15:15", "commit": "46fb4fa"}')
    assert build_text(tmp_path) == "2026-12-03 15:15（提交 46fb4fa）"


def test_the_source_says_it_is_not_a_bundle_and_a_damaged_file_does_not_break_it(
    tmp_path: Path,
) -> None:
    assert build_text(tmp_path) == "从源代码运行（未打包）"
    (tmp_path / BUILD_INFO).write_text("{不是 JSON")
    assert build_text(tmp_path) == "从源代码运行（未打包）"


def test_about_names_every_policy_file_by_its_sha256() -> None:
    shown = about()
    assert shown.version == __version__ and shown.schema == head_revision()
    assert {p.sha256 for p in shown.policies} == {p.sha256 for p in policy_set()}
    assert all(p.effective == "随程序发布" for p in shown.policies)


def test_version_on_the_command_line(tmp_path: Path) -> None:
    done = union_counter(tmp_path / "home", "--version")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"职工技能补助柜台（union-counter）{__version__}"
    assert lines[1] == "构建：从源代码运行（未打包）"
    assert lines[2] == f"数据库结构版本：{head_revision()}"
    for policy in policy_set():
        assert f"：{policy.sha256}" in done.stdout
    assert not (tmp_path / "home").exists()  # asking the version writes nothing
