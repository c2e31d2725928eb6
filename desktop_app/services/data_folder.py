"""Can the program work in its data folder? Checked for real before anything is written there.

The window keeps its database, backups, log, drafts and settings (`counter.ini`) in the data
folder. A folder on a read-only share, without write permission or under a file of the same
name cannot hold them: `check_data_folder` tries what the program will do (create the folder
and `logs/`, create and remove a file, open the log and `counter.ini` for appending — nothing
is changed) and returns what went wrong in Chinese, or None. Permission bits are not trusted
(an administrator, or root, passes `os.access` on a read-only mount).
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from desktop_app.services.logs import log_file

SETTINGS_FILE = "counter.ini"
HOME_VARIABLE = "UNION_COUNTER_HOME"

_REASONS = {
    errno.EACCES: "没有写入这个文件夹的权限",
    errno.EPERM: "没有写入这个文件夹的权限",
    errno.EROFS: "这个文件夹所在的磁盘是只读的",
    errno.ENOSPC: "磁盘已满",
    getattr(errno, "EDQUOT", -1): "磁盘配额已用完",
    errno.ENOTDIR: "路径中有一段是文件而不是文件夹",
    errno.EEXIST: "已有同名的文件，不是文件夹",
    errno.ENOENT: "路径不存在（例如移动硬盘或网络盘没有连接）",
    errno.ENAMETOOLONG: "路径太长",
}


@dataclass(frozen=True)
class FolderProblem:
    folder: Path
    what: str  # what could not be done, e.g. "无法创建文件夹"
    reason: str  # why, in Chinese

    @property
    def message(self) -> str:
        return f"{self.what}：{self.reason}。"


def reason_of(exc: OSError) -> str:
    """An operating-system error in a clerk's words (the system's own text is English)."""
    known = _REASONS.get(exc.errno or 0)
    if known:
        return known
    if getattr(exc, "winerror", None) == 5:  # Windows: ERROR_ACCESS_DENIED
        return _REASONS[errno.EACCES]
    return f"系统报告：{exc.strerror or exc}"


def check_data_folder(folder: Path) -> FolderProblem | None:
    """None when the program can create and write its files in `folder`; else what failed."""
    steps: tuple[tuple[str, Callable[[], None]], ...] = (
        ("无法创建文件夹", lambda: folder.mkdir(parents=True, exist_ok=True)),
        ("无法在文件夹中写入文件", lambda: _try_a_file(folder)),
        ("无法创建日志文件夹 logs", lambda: log_file(folder).parent.mkdir(exist_ok=True)),
        ("无法写入日志文件", lambda: _append(log_file(folder))),
        ("无法写入窗口设置文件 counter.ini", lambda: _append_if_there(folder / SETTINGS_FILE)),
    )
    for what, step in steps:
        try:
            step()
        except OSError as exc:
            return FolderProblem(folder, what, reason_of(exc))
    return None


def _try_a_file(folder: Path) -> None:
    handle, name = tempfile.mkstemp(prefix=".write-test-", dir=folder)
    try:
        os.write(handle, b"ok")
        os.fsync(handle)
    finally:
        os.close(handle)
        Path(name).unlink()


def _append(path: Path) -> None:
    with path.open("ab"):
        pass


def _append_if_there(path: Path) -> None:
    if path.exists():
        _append(path)
