"""`make bench`: measure the issue #2 and #3 targets and say whether each holds.

- one decision in process            ≤ 1 ms
- `union-counter quote`, whole process ≤ 300 ms
- search over a 5,000-entry catalogue ≤ 2 ms per query at p95
- the store with 1,000,000 applications (bench/store_bench.py): bulk insert ≥ 20,000/s,
  look-ups ≤ 2 ms, a ledger page under any filter ≤ 50 ms, the SQLite file ≤ 400 MB; on
  PostgreSQL too when UNION_COUNTER_TEST_PG names a server
- the counter window (bench/gui_bench.py): start-up ≤ 1.0 s and ≤ 3× a bare PySide6 window,
  memory at idle ≤ 200 MB; keystroke to results ≤ 16 ms (bench/gui_typing_bench.py); the ledger
  on a big database: bench/gui_ledger_bench.py PATH (run by hand on the store benchmark's file)
- printing (bench/print_bench.py): one form ≤ 50 ms warm, ≤ 400 ms in a fresh process, 100 forms
  into one PDF ≤ 3 s
- the command line (bench/cli_bench.py): `union-counter ledger` on an existing database ≤ 2.5×
  `python -c "import sqlalchemy"`, median of paired runs
- at the counter (bench/gui_counter_bench.py): Ctrl+S to the receipt number on screen ≤ 150 ms,
  Ctrl+P to the preview's first page ≤ 800 ms, the first preview of the program included

`--store-rows N` measures the store at N applications (a smoke run: 20000); `--no-store`
leaves it out. The SQLite database is built once and cached in the temporary folder.

Every run first times this machine's yardsticks (bench/yardstick.py: a Python loop, a raw
SQLite read of 100 rows, a bare PySide6 window) and every figure is also printed as a
multiple of one of them, so that runs on two machines can be compared.
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import gui_bench, search_bench, store_bench, yardstick  # noqa: E402
from desktop_app.domain.engine import decide  # noqa: E402
from desktop_app.domain.facts import application_from_mapping  # noqa: E402
from desktop_app.services.policies import policy_set  # noqa: E402

CARD = "6217000010001234569"
SAMPLES = [
    {"scheme": "bj-2026-skills", "applied_on": "2026-11-21",
     "certificate": {"kind": "skill_level", "occupation": "无人机驾驶员", "level": 3}},
    {"scheme": "bj-2026-skills", "applied_on": "2026-11-21",
     "certificate": {"kind": "skill_level", "occupation": "4-02-04-06", "level": 3}},
    {"scheme": "bj-2026-skills", "applied_on": "2026-11-21",
     "certificate": {"kind": "special_ability", "occupation": "家庭餐制作"}},
    {"scheme": "bj-2016-union-boost", "applied_on": "2017-03-01",
     "member": {"card_number": CARD, "union_affiliated": True},
     "certificate": {"kind": "qualification", "occupation": "电网调度自动化维护员", "level": 1,
                     "issued_on": "2016-06-01"}},
    {"scheme": "bj-2016-union-boost", "applied_on": "2017-03-01",
     "member": {"card_number": CARD, "union_affiliated": True},
     "certificate": {"kind": "competition", "occupation": "汽车装调工", "stage": "semifinal",
                     "rank": 3, "entrants": 200, "final_held": False, "issued_on": "2016-06-01"}},
    {"scheme": "bj-2016-union-boost", "applied_on": "2017-03-01",
     "member": {"card_number": CARD, "union_affiliated": True,
                "full_time_union_social_worker": True},
     "certificate": {"kind": "social_worker", "grade": "senior", "issued_on": "2016-06-01"}},
]  # fmt: skip


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def bench_decision(rounds: int = 3000) -> dict[str, float]:
    policies = policy_set()
    apps = [
        (policies.get(s["scheme"]), application_from_mapping(s, policies.policies)) for s in SAMPLES
    ]
    times: list[float] = []
    for i in range(rounds):
        policy, app = apps[i % len(apps)]
        start = time.perf_counter()
        decide(policy, app)
        times.append((time.perf_counter() - start) * 1000)
    return {"mean_ms": statistics.fmean(times), "p95_ms": percentile(times, 0.95)}


def bench_quote_process(runs: int = 15) -> dict[str, float]:
    script = Path(sys.executable).parent / "union-counter"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "desktop_app"]
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as fh:
        json.dump(SAMPLES[3], fh, ensure_ascii=False)
        path = fh.name
    times: list[float] = []
    for _ in range(runs + 2):
        start = time.perf_counter()
        subprocess.run([*command, "quote", path], check=True, capture_output=True)
        times.append((time.perf_counter() - start) * 1000)
    times = times[2:]  # the first runs warm the OS file cache
    Path(path).unlink()
    return {"median_ms": statistics.median(times), "max_ms": max(times)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="measure the performance targets")
    parser.add_argument("--store-rows", type=int, default=1_000_000)
    parser.add_argument("--no-store", action="store_true")
    parser.add_argument("--no-gui", action="store_true", help="leave out the window's figures")
    args = parser.parse_args(argv)
    # The installed program runs from compiled bytecode (the bundle's archive; a source tree
    # caches it in __pycache__): a shell that forbids writing it (PYTHONDONTWRITEBYTECODE, as
    # some containers set) would have every process below measure compiling the program.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    sys.dont_write_bytecode = False
    shared = Path(tempfile.mkstemp(prefix="union-counter-yardstick-", suffix=".json")[1])
    os.environ[yardstick.ENV] = str(shared)  # the scripts started below read them there
    try:
        return _run(args)
    finally:
        shared.unlink(missing_ok=True)


def _run(args: argparse.Namespace) -> int:
    stick = yardstick.current()
    for kind in ("python", "sqlite") if args.no_gui else ("python", "sqlite", "window"):
        stick.measure(kind)
    print(stick.describe())
    decision = bench_decision()
    process = bench_quote_process()
    search = search_bench.run()
    rows = [
        ("one decision in process (p95)", decision["p95_ms"], 1.0,
         f"mean {decision['mean_ms']:.3f} ms"),
        ("`union-counter quote` process (median)", process["median_ms"], 300.0,
         f"max {process['max_ms']:.0f} ms"),
        ("search, 5,000 entries (p95 per query)", search["p95_ms"], 2.0,
         f"p50 {search['p50_ms']:.3f} ms, max {search['max_ms']:.3f} ms, "
         f"index build {search['build_ms']:.0f} ms"),
    ]  # fmt: skip
    failed = False
    print(f"{'measure':42} {'value':>10} {'target':>9}  result")
    for name, value, target, detail in rows:
        ok = value <= target
        failed |= not ok
        print(
            f"{name:42} {value:>7.3f} ms {target:>6.0f} ms  {'ok' if ok else 'MISSED'}  "
            f"({detail}; {stick.times(value, 'python')})"
        )
    failed |= subprocess.run([sys.executable, str(ROOT / "bench" / "cli_bench.py")]).returncode != 0
    if not args.no_gui:
        failed |= not gui_bench.run()
        # Each in its own process (its own QApplication / a fresh font registry).
        for script in ("gui_typing_bench.py", "print_bench.py", "gui_counter_bench.py"):
            done = subprocess.run([sys.executable, str(ROOT / "bench" / script)], check=False)
            failed |= done.returncode != 0
    if not args.no_store:
        failed |= not store_bench.run(args.store_rows)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
