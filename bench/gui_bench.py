"""Benchmark of the counter window (issue #4, "Performance").

Run ``python bench/gui_bench.py``; `make bench` runs it through bench/run_bench.py.

- start-up: process start to the window shown with the search box focused and ready for
  typing, for `union-counter` and for a bare PySide6 window started the same way (same
  interpreter, same Qt platform), median of several runs; targets ≤ 1.0 s and ≤ 3× bare;
- memory at idle: resident set size of the window once the database is open and the
  catalogue search is built, with nothing happening (≤ 200 MB).

Both run offscreen (QT_QPA_PLATFORM=offscreen) unless DISPLAY is set and --platform says
otherwise. The keystroke and ledger figures come from bench/gui_typing_bench.py and
bench/gui_ledger_bench.py.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import yardstick  # noqa: E402

BARE_WINDOW = """
import sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLineEdit, QMainWindow
app = QApplication(sys.argv[:1])
window = QMainWindow()
window.setWindowTitle("bare")
edit = QLineEdit()
window.setCentralWidget(edit)
window.show()
edit.setFocus()
def ready(attempt=0):
    # The same test as the program's: the window active with the text box focused.
    if QApplication.focusWidget() is None and attempt < 400:
        QTimer.singleShot(5, lambda: ready(attempt + 1))
        return
    print("ready", flush=True)
    app.quit()
QTimer.singleShot(0, ready)
sys.exit(app.exec())
"""

IDLE_PROBE = """
import os, sys, time
from pathlib import Path
from PySide6.QtCore import QTimer
from desktop_app.ui.app import build_window, make_application, prepare_home, start_loading
from desktop_app.ui.context import AppContext
app = make_application()
ctx = AppContext(prepare_home(Path(os.environ["UNION_COUNTER_HOME"])))
window = build_window(ctx)
window.show()
state = {"store": False, "catalogue": False, "printing": False}
ctx.store_opened.connect(lambda _s: state.__setitem__("store", True))
ctx.catalogue_ready.connect(lambda: state.__setitem__("catalogue", True))
ctx.printing_ready.connect(lambda: state.__setitem__("printing", True))
start_loading(ctx)  # as the program does once the window is up (printing warmed up too)
def rss_mb():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")
def check():
    if all(state.values()):
        QTimer.singleShot(1500, lambda: (print(f"rss {rss_mb():.1f}", flush=True), app.quit()))
    else:
        QTimer.singleShot(50, check)
QTimer.singleShot(0, check)
app.exec()
ctx.close()
"""


def _env(home: Path, platform: str) -> dict[str, str]:
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = platform
    env["UNION_COUNTER_HOME"] = str(home)
    env["PYTHONPATH"] = str(ROOT)
    env.pop("UNION_COUNTER_DB", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: from bytecode (bench/run_bench.py)
    return env


def _time_to_ready(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("ready"):
            elapsed = time.perf_counter() - start
            break
    else:
        raise RuntimeError(f"{command} never became ready")
    process.wait(timeout=30)
    return elapsed


def startup(runs: int = 7, platform: str = "offscreen") -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        env = _env(home, platform)
        app_env = dict(env, UNION_COUNTER_EXIT_WHEN_READY="1")
        script = Path(sys.executable).parent / "union-counter"
        app_cmd = [str(script)] if script.exists() else [sys.executable, "-m", "desktop_app"]
        bare_cmd = [sys.executable, "-c", BARE_WINDOW]
        # One warm-up run of each (file cache, the data folder's first files).
        _time_to_ready(app_cmd, app_env)
        _time_to_ready(bare_cmd, env)
        app_times: list[float] = []
        bare_times: list[float] = []
        for _ in range(runs):  # interleaved so both see the same machine load
            app_times.append(_time_to_ready(app_cmd, app_env))
            bare_times.append(_time_to_ready(bare_cmd, env))
    app = statistics.median(app_times)
    bare = statistics.median(bare_times)
    return {"app_s": app, "bare_s": bare, "ratio": app / bare, "app_max_s": max(app_times)}


def idle_memory(platform: str = "offscreen") -> float:
    with tempfile.TemporaryDirectory() as tmp:
        env = _env(Path(tmp), platform)
        out = subprocess.run(
            [sys.executable, "-c", IDLE_PROBE],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        ).stdout
    for line in out.splitlines():
        if line.startswith("rss "):
            return float(line.split()[1])
    raise RuntimeError(f"no memory figure in {out!r}")


def run(platform: str = "offscreen") -> bool:
    figures = startup(platform=platform)
    rss = idle_memory(platform)
    rows = [
        ("start-up to ready (median)", figures["app_s"] * 1000, 1000.0, "ms",
         f"max {figures['app_max_s'] * 1000:.0f} ms"),
        ("start-up ÷ bare PySide6 window", figures["ratio"], 3.0, "×",
         f"bare window {figures['bare_s'] * 1000:.0f} ms"),
        ("memory at idle (RSS)", rss, 200.0, "MB", "database open, catalogue built"),
    ]  # fmt: skip
    ok = True
    stick = yardstick.current()
    # The bare window measured here is the window yardstick (the same task, this run's load).
    stick.window = stick.window or figures["bare_s"] * 1000
    multiples = [stick.times(figures["app_s"] * 1000, "window"), "", ""]
    for (name, value, target, unit, detail), multiple in zip(rows, multiples, strict=True):
        good = value <= target
        ok &= good
        print(
            f"{name:42} {value:>7.2f} {unit:2} {target:>6.1f} {unit:2}  "
            f"{'ok' if good else 'MISSED'}  ({detail}{'; ' + multiple if multiple else ''})"
        )
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--platform", default="offscreen", help="Qt platform (offscreen, xcb)")
    args = parser.parse_args(argv)
    return 0 if run(args.platform) else 1


if __name__ == "__main__":
    sys.exit(main())
