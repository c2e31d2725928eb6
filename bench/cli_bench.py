"""`union-counter ledger` on an existing database against `python -c "import sqlalchemy"`.

Issue 15's target: the command's whole process takes at most 2.5× the time of importing
SQLAlchemy, median of paired runs (each pair runs the two one after the other, so a busy
moment of the machine weighs on both). The database is a fresh data folder holding one
application, opened once first (its migration and the day's automatic backup are then done,
as on a counter's PC after the first start of the day).

Run alone: `python bench/cli_bench.py [--runs N]`; `make bench` runs it too.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import yardstick

ROOT = Path(__file__).resolve().parent.parent
TARGET = 2.5
APPLICATION = {
    "scheme": "bj-2026-skills",
    "applied_on": None,  # today
    "member": {"name": "张伟", "id_number": "110101199003070011", "phone": "13800138000"},
    "certificate": {"kind": "skill_level", "occupation": "无人机驾驶员", "level": 3},
}


def _command() -> list[str]:
    script = Path(sys.executable).parent / "union-counter"
    return [str(script)] if script.exists() else [sys.executable, "-m", "desktop_app.cli.main"]


def _timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=env)
    return time.perf_counter() - start


def run(runs: int = 15) -> bool:
    with tempfile.TemporaryDirectory(prefix="union-counter-cli-bench-") as home:
        env = {**os.environ, "UNION_COUNTER_HOME": home, "UNION_COUNTER_CLERK": "测试员"}
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed (bench/run_bench.py)
        env.pop("UNION_COUNTER_DB", None)
        cli = _command()
        station = ["--station-code", "XC01", "--station-name", "西城区某街道工会服务站"]
        subprocess.run([*cli, "settings", *station], check=True, capture_output=True, env=env)
        data = dict(APPLICATION, applied_on=time.strftime("%Y-%m-%d"))
        source = Path(home) / "application.json"
        source.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        subprocess.run([*cli, "apply", str(source)], check=True, capture_output=True, env=env)
        ledger = [*cli, "ledger"]
        baseline = [sys.executable, "-c", "import sqlalchemy"]
        for _ in range(2):  # warm the file cache
            _timed(ledger, env)
            _timed(baseline, env)
        pairs = [(_timed(ledger, env), _timed(baseline, env)) for _ in range(runs)]
    ratios = [a / b for a, b in pairs]
    ledger_s = statistics.median(a for a, _ in pairs)
    stick = yardstick.current()
    ratio = statistics.median(ratios)
    ok = ratio <= TARGET
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"{'`union-counter ledger` / import sqlalchemy':42} {ratio:>8.2f}× {TARGET:>7.1f}×  "
        f"{'ok' if ok else 'MISSED'}  (median of {runs} pairs; ratio {min(ratios):.2f}–"
        f"{max(ratios):.2f}; ledger {ledger_s:.2f} s = {stick.times(ledger_s * 1000, 'window')}, "
        f"import {statistics.median(b for _, b in pairs):.2f} s; load {load:.2f})"
    )
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args(argv)
    return 0 if run(args.runs) else 1


if __name__ == "__main__":
    sys.exit(main())
