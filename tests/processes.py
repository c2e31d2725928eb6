"""`union-counter` in a real process, as a clerk or a script starts it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def union_counter(
    home: Path, *args: str, stdin: str = "", clerk: str = "进程柜员", umask: int | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `python -m desktop_app ARGS` with the data folder `home` (no database address from
    the environment); `umask` is the one the process starts with (e.g. a desktop's 022)."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "UNION_COUNTER_HOME": str(home),
           "UNION_COUNTER_CLERK": clerk}  # fmt: skip
    for name in ("UNION_COUNTER_DB", "UNION_COUNTER_DEBUG"):
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "desktop_app", *args], input=stdin, capture_output=True,
        text=True, encoding="utf-8", cwd=ROOT, env=env, timeout=120, check=False,
        preexec_fn=None if umask is None else (lambda: os.umask(umask)),
    )  # fmt: skip
