"""Is the data folder usable? Checked for real (as root too), said in Chinese."""

from __future__ import annotations

import os
from pathlib import Path

from desktop_app.services.data_folder import check_data_folder


def test_a_writable_folder_passes_and_is_left_as_it_was(tmp_path: Path) -> None:
    folder = tmp_path / "新的数据文件夹"
    assert check_data_folder(folder) is None
    # Created, with logs/ as the program will use them; the probe file is gone.
    assert sorted(p.name for p in folder.iterdir()) == ["logs"]
    (folder / "counter.ini").write_text("[General]\nclerk=王柜员\n", encoding="utf-8")
    assert check_data_folder(folder) is None
    assert (folder / "counter.ini").read_text(encoding="utf-8") == "[General]\nclerk=王柜员\n"


def test_a_folder_under_a_file_cannot_be_created(tmp_path: Path) -> None:
    blocker = tmp_path / "union-counter"
    blocker.write_text("not a folder", encoding="utf-8")
    problem = check_data_folder(blocker / "home")
    assert problem is not None
    assert problem.folder == blocker / "home"
    assert problem.message == "无法创建文件夹：路径中有一段是文件而不是文件夹。"
    problem = check_data_folder(blocker)  # the file itself
    assert problem is not None and problem.message == "无法创建文件夹：已有同名的文件，不是文件夹。"


def test_a_log_folder_that_is_a_file_is_said(tmp_path: Path) -> None:
    (tmp_path / "logs").write_text("", encoding="utf-8")
    problem = check_data_folder(tmp_path)
    assert problem is not None and problem.what == "无法创建日志文件夹 logs"


def test_permission_bits_are_not_trusted(tmp_path: Path) -> None:
    # The check writes for real; where the user may still write (root), a folder without
    # write permission passes, and one it cannot write fails.
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        problem = check_data_folder(folder)
        can_write = os.access(folder, os.W_OK) or os.geteuid() == 0
        assert (problem is None) == can_write
        if problem is not None:
            assert problem.reason == "没有写入这个文件夹的权限"
    finally:
        folder.chmod(0o700)
