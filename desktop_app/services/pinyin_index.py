"""Regenerate `resources/pinyin.json`, the stored pinyin of every catalogue name.

Run after changing a catalogue: `make pinyin` (or `python -m desktop_app.services.pinyin_index`).
The program reads the stored readings at start and never imports pypinyin for them;
a test checks the file is complete and current.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

from desktop_app.domain.pinyin import write_index
from desktop_app.domain.policy import PolicySet, load_directory
from desktop_app.paths import pinyin_index_file, policies_dir


def catalogue_names(policies: PolicySet) -> list[str]:
    """Every distinct catalogue name of the loaded schemes, sorted."""
    return sorted({entry.name for policy in policies for entry in policy.entries()})


def regenerate(folder: Path | None = None, target: Path | None = None) -> Iterable[str]:
    """Write the pinyin index of the catalogue names of the policy files in `folder` to
    `target` (`make pinyin`); the names written. Stops with the policy errors if a file is
    refused."""
    policies = load_directory(folder or policies_dir())
    if policies.errors:
        raise SystemExit("\n".join(str(error) for error in policies.errors))
    names = catalogue_names(policies)
    write_index(target or pinyin_index_file(), names)
    return names


def main() -> int:
    """`python -m desktop_app.services.pinyin_index`: regenerate resources/pinyin.json."""
    names = list(regenerate())
    print(f"已写入 {pinyin_index_file()}：{len(names)} 个名称", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
