"""The one place that knows where the program's data folders are.

`resources/`, `db/` and `forms/` sit at the top of a source checkout. In an
installed wheel they are packaged as `desktop_app/_data/<name>`; in a frozen
(PyInstaller) bundle they sit beside the executable's unpacked files
(`sys._MEIPASS`). Every other module asks this one.
"""

from __future__ import annotations

import os
import sys
from functools import cache
from importlib import resources
from pathlib import Path

_FOLDERS = ("resources", "db", "forms")


@cache
def data_root(name: str) -> Path:
    """Return the directory of one of the program's data folders."""
    if name not in _FOLDERS:
        raise ValueError(f"unknown data folder {name!r}")
    candidates: list[Path] = []
    frozen_base = getattr(sys, "_MEIPASS", None)
    if frozen_base:
        candidates.append(Path(frozen_base) / name)
    packaged = resources.files("desktop_app") / "_data" / name
    if isinstance(packaged, Path):
        candidates.append(packaged)
    candidates.append(Path(__file__).resolve().parent.parent / name)
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    searched = ", ".join(str(c) for c in candidates)
    raise FileNotFoundError(f"程序数据目录“{name}”缺失（已查找：{searched}），请重新安装程序。")


def resources_dir() -> Path:
    return data_root("resources")


def policies_dir() -> Path:
    """The scheme files. `UNION_COUNTER_POLICIES` points elsewhere (trying out a new plan)."""
    override = os.environ.get("UNION_COUNTER_POLICIES")
    if override:
        return Path(override)
    return resources_dir() / "policies"


def roles_file() -> Path:
    """The roles and their permissions (data: resources/access/roles.toml)."""
    return resources_dir() / "access" / "roles.toml"


def pinyin_index_file() -> Path:
    return resources_dir() / "pinyin.json"


def data_home() -> Path:
    """The per-user data folder: database, backups, logs, drafts.

    `UNION_COUNTER_HOME` overrides the platform's per-user data directory
    (e.g. %LOCALAPPDATA%\\union-counter on Windows, ~/.local/share/union-counter on Linux).
    """
    override = os.environ.get("UNION_COUNTER_HOME")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("union-counter", appauthor=False))
