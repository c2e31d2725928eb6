"""A data folder the program cannot write in: a Chinese dialog at start-up, never a traceback.

A read-only folder is made for real: a read-only bind mount when the tests run as root (as in
CI, where permission bits do not stop root), else a folder without write permission; the test
is skipped with the reason where neither is possible. A folder under a regular file fails for
root too.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from desktop_app.ui import app, home_dialog

ROOT = Path(__file__).resolve().parents[2]


def _sh(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, check=False)


@contextmanager
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "read-only"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o500)
        try:
            yield folder
        finally:
            folder.chmod(0o700)
        return
    source = tmp_path / "source"
    source.mkdir()
    mounted = _sh("mount", "--bind", str(source), str(folder))
    if mounted.returncode != 0:
        pytest.skip(f"不能挂载只读文件夹（需要 root 权限）：{mounted.stderr.strip()}")
    try:
        remounted = _sh("mount", "-o", "remount,bind,ro", str(folder))
        assert remounted.returncode == 0, remounted.stderr
        yield folder
    finally:
        if _sh("umount", str(folder)).returncode != 0:
            _sh("umount", "-l", str(folder))


class Asked:
    """Stands in for the dialog: keeps its texts, answers with `choices` (None = 退出)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *choices: Path | None) -> None:
        self.texts: list[str] = []
        self.choices = list(choices)
        monkeypatch.setattr(home_dialog, "ask_for_folder", self._ask)

    def _ask(self, _problem: Any, text: str) -> Path | None:
        self.texts.append(text)
        return self.choices.pop(0)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.delenv(app.READY_PROBE, raising=False)
    monkeypatch.delenv("UNION_COUNTER_DB", raising=False)
    return monkeypatch


def _our_log_handlers() -> list[logging.Handler]:
    return [h for h in logging.getLogger("desktop_app").handlers if hasattr(h, "baseFilename")]


def _check_refused(
    asked: Asked, folder: Path, code: int, capsys: pytest.CaptureFixture[str]
) -> None:
    assert code == app.EXIT_NO_DATA_FOLDER
    ((text,),) = [asked.texts]
    assert str(folder) in text and "程序不能在数据文件夹中保存数据" in text
    assert "选择其他文件夹" in text
    assert "UNION_COUNTER_HOME" in text and "系统属性 → 高级 → 环境变量" in text
    err = capsys.readouterr().err
    assert "Traceback" not in err and "数据文件夹不能写入" in err
    assert not [h for h in _our_log_handlers() if str(folder) in h.baseFilename]


def test_a_read_only_data_folder_is_said_and_the_program_quits(
    qapp: Any, tmp_path: Path, clean_env: pytest.MonkeyPatch, capsys: Any
) -> None:
    with read_only_folder(tmp_path) as folder:
        clean_env.setenv("UNION_COUNTER_HOME", str(folder))
        asked = Asked(clean_env, None)
        code = app.run()
        _check_refused(asked, folder, code, capsys)
        assert "只读" in asked.texts[0] or "没有写入这个文件夹的权限" in asked.texts[0]
        assert list(folder.iterdir()) == []


def test_a_data_folder_under_a_file_is_said_and_the_program_quits(
    qapp: Any, tmp_path: Path, clean_env: pytest.MonkeyPatch, capsys: Any
) -> None:
    blocker = tmp_path / "D盘"
    blocker.write_text("", encoding="utf-8")
    folder = blocker / "union-counter"
    clean_env.setenv("UNION_COUNTER_HOME", str(folder))
    asked = Asked(clean_env, None)
    code = app.run()
    _check_refused(asked, folder, code, capsys)
    assert "无法创建文件夹：路径中有一段是文件而不是文件夹。" in asked.texts[0]


def test_another_folder_chosen_is_used_for_this_run(
    qapp: Any, tmp_path: Path, clean_env: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    also_bad = blocker / "still-under-the-file"
    good = tmp_path / "另一个文件夹"
    good.mkdir()
    clean_env.setenv("UNION_COUNTER_HOME", str(blocker / "home"))
    asked = Asked(clean_env, also_bad, good)  # a second bad choice is said again
    assert app.usable_home(blocker / "home") == good
    assert len(asked.texts) == 2 and str(also_bad) in asked.texts[1]
    assert os.environ["UNION_COUNTER_HOME"] == str(good)  # the rest of this run agrees
    from desktop_app.paths import data_home

    assert data_home() == good


def test_the_program_started_on_an_unusable_folder_exits_without_a_traceback(
    tmp_path: Path,
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        UNION_COUNTER_HOME=str(blocker / "home"),
        UNION_COUNTER_EXIT_WHEN_READY="1",  # no dialog to answer: the message, then exit
        PYTHONPATH=str(ROOT),
    )
    env.pop("UNION_COUNTER_DB", None)
    done = subprocess.run(
        [sys.executable, "-m", "desktop_app"],
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )
    assert done.returncode == app.EXIT_NO_DATA_FOLDER, done.stdout + done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert f"数据文件夹不能写入：{blocker / 'home'}" in done.stderr
    assert "无法创建文件夹：路径中有一段是文件而不是文件夹。" in done.stderr
    assert not done.stdout.startswith("ready")
