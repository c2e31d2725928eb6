"""Start-up as the clerk starts it: `union-counter` with no subcommand, in a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _start(home: Path, *args: str) -> str:
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        UNION_COUNTER_HOME=str(home),
        UNION_COUNTER_EXIT_WHEN_READY="1",
        PYTHONPATH=str(ROOT),
    )
    env.pop("UNION_COUNTER_DB", None)
    done = subprocess.run(
        [sys.executable, "-m", "desktop_app", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout


def test_window_opens_first_with_the_search_focused_and_no_heavy_modules(tmp_path: Path) -> None:
    out = _start(tmp_path)
    line = next(line for line in out.splitlines() if line.startswith("ready "))
    fields = dict(part.split("=", 1) for part in line.split()[2:])
    assert fields["title"] == "职工技能补助柜台"
    assert fields["focus"] == "catalogue_search"
    loaded = set(filter(None, fields["loaded"].split(",")))
    # reportlab, openpyxl, pypinyin and SQLAlchemy (the thread that opens the database loads
    # it) are never imported before the window is up.
    assert not loaded & {"reportlab", "openpyxl", "pypinyin", "sqlalchemy"}, loaded
    # The data folder was prepared and the log file started.
    assert (tmp_path / "logs" / "union-counter.log").exists()


def test_the_window_keeps_its_files_private_whatever_the_umask(tmp_path: Path) -> None:
    home = tmp_path / "home"
    previous = os.umask(0o022)  # a desktop's usual umask: files 0644, folders 0755
    try:
        _start(home)
    finally:
        os.umask(previous)
    assert home.stat().st_mode & 0o777 == 0o700
    for path in (home / "logs", home / "logs" / "union-counter.log"):
        assert path.stat().st_mode & 0o077 == 0, oct(path.stat().st_mode)
