"""Use case: what this copy of the program is (关于, `union-counter --version`): its version,
when and from which commit it was built, the database schema it writes, and the policy files
it decides with, each by its SHA-256 (the fingerprint every stored decision names).

A bundle carries `resources/build-info.json`, written by `build_spec/union_counter.spec` when
it is built; a program run from its source has none and says so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from desktop_app import __version__
from desktop_app.paths import resources_dir
from desktop_app.services.policies import policy_set

BUILD_INFO = "build-info.json"


@dataclass(frozen=True)
class PolicyFile:
    name: str
    effective: str  # 随程序发布, or the day an imported catalogue takes effect
    sha256: str


@dataclass(frozen=True)
class About:
    version: str
    build: str
    schema: str
    policies: tuple[PolicyFile, ...]

    def lines(self) -> list[str]:
        """What 关于 and `--version` show, in Chinese, one fact a line."""
        return [
            f"职工技能补助柜台（union-counter）{self.version}",
            f"构建：{self.build}",
            f"数据库结构版本：{self.schema}",
            "政策文件（SHA-256）：",
            *(f"  {p.name}（{p.effective}）：{p.sha256}" for p in self.policies),
        ]


def build_text(folder: Path | None = None) -> str:
    """When and from which commit the bundle was built, or that this copy runs from source."""
    path = (folder or resources_dir()) / BUILD_INFO
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "从源代码运行（未打包）"
    built = str(info.get("built", "")).strip() or "日期不明"
    commit = str(info.get("commit", "")).strip()
    return f"{built}" + (f"（提交 {commit}）" if commit else "")


def about() -> About:
    """This copy of the program, as 关于 shows it."""
    # Here, not at the top: 设置 imports this module while the window is built, before the
    # database layer (SQLAlchemy, ~110 ms) is wanted.
    from desktop_app.storage.migrations import head_revision

    policies = policy_set()
    files = []
    for current in policies:
        for version in policies.history(current.id):
            effective = version.effective.isoformat() + " 起" if version.effective else "随程序发布"
            files.append(PolicyFile(version.short_name or version.name, effective, version.sha256))
    return About(__version__, build_text(), head_revision(), tuple(files))
