"""The benchmarks' yardsticks (bench/yardstick.py): each measures its task, a run shares them
with the scripts it starts through one file, and a figure reads as a multiple of one."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from bench import yardstick


def test_the_sqlite_read_reads_a_hundred_rows_of_the_file_it_is_given(tmp_path: Path) -> None:
    path = tmp_path / "given.sqlite3"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE application (id INTEGER PRIMARY KEY, receipt TEXT)")
    connection.executemany(
        "INSERT INTO application VALUES (?, ?)", ((i, f"r{i}") for i in range(1, 1001))
    )
    connection.commit()
    connection.close()
    assert 0 < yardstick.sqlite_read_ms(path, reads=20) < 50
    assert 0 < yardstick.sqlite_read_ms(None, reads=20) < 50  # its own scratch file
    small = tmp_path / "small.sqlite3"
    connection = sqlite3.connect(small)
    connection.execute("CREATE TABLE application (id INTEGER PRIMARY KEY)")
    connection.commit()
    connection.close()
    with pytest.raises(ValueError, match="fewer than 100"):
        yardstick.sqlite_read_ms(small, reads=5)


def test_a_run_shares_its_yardsticks_through_one_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = tmp_path / "stick.json"
    shared.write_text("", encoding="utf-8")
    monkeypatch.setenv(yardstick.ENV, str(shared))
    monkeypatch.setattr(yardstick, "_CURRENT", [])
    first = yardstick.current()
    loop = first.measure("python")
    assert loop > 0
    assert json.loads(shared.read_text(encoding="utf-8"))["python"] == loop
    # A script the run starts (a new process: nothing cached) reads it, measures nothing.
    monkeypatch.setattr(yardstick, "_CURRENT", [])
    monkeypatch.setattr(yardstick, "python_loop_ms", lambda: pytest.fail("measured again"))
    again = yardstick.current()
    assert again.measure("python") == loop
    assert again.times(loop * 3, "python") == "×3.0 Python loop"
    assert again.times(loop * 0.0034, "python") == "×0.0034 Python loop"
    assert again.describe().startswith("yardsticks: Python loop")
    with pytest.raises(KeyError):
        again.measure("disk")
