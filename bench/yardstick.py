"""This machine's yardsticks: three fixed tasks timed before a benchmark's figures, so that
every figure can also be read as a multiple of what the same machine does in a known task
(issue 20, part 1). A figure that doubles on a slower PC while its multiple stays is the PC;
a multiple that grows is a regression, whatever the machine.

- **python**: a fixed pure-Python loop (dict updates, integer-to-text): the interpreter's
  speed, which the engine, the search, the bulk insert and the Python side of every view share.
- **sqlite**: a raw `sqlite3` read of 100 rows by an indexed range (the primary key), from the
  benchmark's own database file when it has one, else from a small file made for it: SQLite
  and the page cache, which every store figure sits on. A ledger page divided by it is the
  page's cost in raw reads of the same number of rows.
- **window**: a bare PySide6 window, process start to ready for typing (bench/gui_bench.py's
  bare window): the interpreter's and Qt's start-up on this machine's platform.

`make bench` (bench/run_bench.py) measures them once and hands them to the scripts it starts
through the file named in UNION_COUNTER_YARDSTICK; a script run alone measures what it needs
(once per process). Each is the median of several runs.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ENV = "UNION_COUNTER_YARDSTICK"
LABELS = {"python": "Python loop", "sqlite": "SQLite 100-row read", "window": "bare window"}


def python_loop_ms(runs: int = 7) -> float:
    """Median time of a fixed pure-Python loop (about 20 ms on a 2-core office-class PC)."""

    def loop() -> int:
        counts: dict[int, int] = {}
        total = 0
        for i in range(100_000):
            key = i % 997
            counts[key] = counts.get(key, 0) + i
            total += len(str(i))
        return total + len(counts)

    loop()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        loop()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _scratch_database(folder: Path) -> Path:
    path = folder / "yardstick.sqlite3"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE application (id INTEGER PRIMARY KEY, receipt TEXT, n INT)")
    connection.executemany(
        "INSERT INTO application (id, receipt, n) VALUES (?, ?, ?)",
        ((i, f"XC01-20261121-{i:06d}", i * 7) for i in range(1, 100_001)),
    )
    connection.commit()
    connection.close()
    return path


def sqlite_read_ms(path: Path | None = None, reads: int = 300) -> float:
    """Median time of reading 100 consecutive rows of `application` by its primary key with
    the plain sqlite3 module (the file opened read-only; every column of the rows)."""
    with tempfile.TemporaryDirectory() as tmp:
        if path is None or not Path(path).exists():
            path = _scratch_database(Path(tmp))
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            top = int(connection.execute("SELECT max(id) FROM application").fetchone()[0] or 0)
            if top < 100:
                raise ValueError(f"{path}: fewer than 100 applications")
            chance = random.Random(20261204)
            statement = "SELECT * FROM application WHERE id BETWEEN ? AND ?"
            for _ in range(20):  # the pages in the cache, as for the measured figures
                low = chance.randrange(1, top - 99)
                connection.execute(statement, (low, low + 99)).fetchall()
            times = []
            for _ in range(reads):
                low = chance.randrange(1, top - 99)
                start = time.perf_counter()
                rows = connection.execute(statement, (low, low + 99)).fetchall()
                times.append((time.perf_counter() - start) * 1000)
                assert len(rows) == 100
        finally:
            connection.close()
    return statistics.median(times)


def bare_window_ms(runs: int = 5) -> float:
    """Median time from starting a process to a bare PySide6 window ready for typing."""
    from bench import gui_bench

    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    command = [sys.executable, "-c", gui_bench.BARE_WINDOW]
    gui_bench._time_to_ready(command, env)  # warm the file cache
    return statistics.median(gui_bench._time_to_ready(command, env) * 1000 for _ in range(runs))


@dataclass
class Yardstick:
    """The yardsticks measured so far (ms), and where a run shares them."""

    python: float | None = None
    sqlite: float | None = None
    window: float | None = None
    sqlite_file: str = ""
    _shared: Path | None = field(default=None, repr=False)

    def measure(self, kind: str, sqlite_path: Path | None = None) -> float:
        if kind not in LABELS:
            raise KeyError(kind)
        value: float | None = getattr(self, kind)
        if value is None:
            if kind == "python":
                value = python_loop_ms()
            elif kind == "sqlite":
                value = sqlite_read_ms(sqlite_path)
                self.sqlite_file = str(sqlite_path or "a 100,000-row scratch file")
            else:
                value = bare_window_ms()
            setattr(self, kind, value)
            self._save()
        return value

    def times(self, value_ms: float, kind: str) -> str:
        """`value_ms` as a multiple of the yardstick `kind`, e.g. "×3.2 Python loop" (two
        significant digits below 1: "×0.0034 Python loop")."""
        multiple = value_ms / self.measure(kind)
        shown = f"{multiple:,.1f}" if multiple >= 1 else f"{multiple:.2g}"
        return f"×{shown} {LABELS[kind]}"

    def describe(self) -> str:
        parts = [
            f"{LABELS[kind]} {value:.3f} ms" if value < 1 else f"{LABELS[kind]} {value:.1f} ms"
            for kind in LABELS
            if (value := getattr(self, kind)) is not None
        ]
        return "yardsticks: " + ("; ".join(parts) or "none measured")

    def _save(self) -> None:
        if self._shared is not None:
            values = {k: v for k, v in asdict(self).items() if not k.startswith("_")}
            self._shared.write_text(json.dumps(values), encoding="utf-8")


_CURRENT: list[Yardstick] = []


def current() -> Yardstick:
    """This process's yardsticks: those of the run that started it (UNION_COUNTER_YARDSTICK),
    else measured here as they are asked for."""
    if not _CURRENT:
        shared = os.environ.get(ENV)
        found = Yardstick()
        if shared:
            path = Path(shared)
            found._shared = path
            if path.exists() and path.stat().st_size:
                for key, value in json.loads(path.read_text(encoding="utf-8")).items():
                    setattr(found, key, value)
        _CURRENT.append(found)
    return _CURRENT[0]
