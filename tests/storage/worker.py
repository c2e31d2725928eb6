"""A counter program in a process of its own, for the race and crash tests.

Run from the checkout's top folder: `python -m tests.storage.worker ...` (`start()`
does that for a test). It opens the store the way the program does
(`--db URL`, else the SQLite file in `--home DIR`) and then:

- `loop START COUNT`: saves the applications for serial numbers START, START+1, ...
  (see `loop_input`), printing `SAVED <serial> <receipt>` and flushing stdout only
  after `save_application` has returned, that is after the commit. `DONE` at the end.
- `once PERSON [--level L] --go FILE`: prints `READY`, waits for FILE to exist (the
  barrier every racer polls), saves that person's claim and prints `OK <receipt>`
  (exit 0) or `DUP <first receipt> <message>` on DuplicateClaimError (exit 4).

Any other error prints `ERR <class> <message>` and exits 3.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from desktop_app.services import applications
from desktop_app.services.store import open_store
from desktop_app.storage.errors import DuplicateClaimError, StoreError
from tests.storage.conftest import CLERK, NOW, apply_input, make_id

ROOT = Path(__file__).resolve().parents[2]
EXIT_DUPLICATE = 4
EXIT_ERROR = 3


def person_id(person: int) -> str:
    """A distinct valid resident ID number for every person 0–49,999."""
    return make_id(person % 1000, born=f"{1970 + person // 1000}0101")


def once_input(person: int, level: int = 3) -> dict[str, Any]:
    """The race's claim: `person`'s level-`level` certificate."""
    return apply_input(
        **{"member.id_number": person_id(person), "certificate.level": level},
    )


def loop_input(serial: int) -> dict[str, Any]:
    """Serial 2k is person k's level-3 claim (a new member); 2k+1 the same person's level-2
    claim with a new phone number (an existing member, changed and audited). Every serial
    is a distinct claim."""
    person, odd = divmod(serial, 2)
    return apply_input(
        **{
            "member.id_number": person_id(person),
            "member.phone": f"139{serial:08d}",
            "certificate.level": 2 if odd else 3,
        }
    )


def start(args: list[str], *, home: Path, db: str | None) -> subprocess.Popen[str]:
    """Start a worker process (the tests' side): text pipes, no inherited UNION_COUNTER_DB."""
    command = [sys.executable, "-m", "tests.storage.worker", "--home", str(home)]
    if db:
        command += ["--db", db]
    env = {k: v for k, v in os.environ.items() if k != "UNION_COUNTER_DB"}
    return subprocess.Popen(
        [*command, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )


def one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default=None, help="database URL (default: SQLite in --home)")
    parser.add_argument("--home", type=Path, required=True, help="data folder")
    sub = parser.add_subparsers(dest="mode", required=True)
    loop = sub.add_parser("loop")
    loop.add_argument("start", type=int)
    loop.add_argument("count", type=int)
    once = sub.add_parser("once")
    once.add_argument("person", type=int)
    once.add_argument("--level", type=int, default=3)
    once.add_argument("--go", type=Path, required=True, help="start saving once this file exists")
    args = parser.parse_args(argv)

    try:
        store = open_store(args.db, args.home, now=NOW)
    except StoreError as exc:
        say(f"ERR {type(exc).__name__} {one_line(exc)}")
        return EXIT_ERROR
    try:
        if args.mode == "loop":
            for serial in range(args.start, args.start + args.count):
                saved = applications.save_application(
                    store, loop_input(serial), clerk=CLERK, now=NOW
                )
                say(f"SAVED {serial} {saved.receipt}")
            say("DONE")
            return 0
        data = once_input(args.person, args.level)
        say("READY")
        go: Path = args.go
        while not go.exists():
            time.sleep(0.0005)
        try:
            saved = applications.save_application(store, data, clerk=CLERK, now=NOW)
        except DuplicateClaimError as exc:
            say(f"DUP {exc.first['receipt']} {one_line(exc)}")
            return EXIT_DUPLICATE
        say(f"OK {saved.receipt}")
        return 0
    except Exception as exc:
        traceback.print_exc()
        say(f"ERR {type(exc).__name__} {one_line(exc)}")
        return EXIT_ERROR
    finally:
        store.dispose()


if __name__ == "__main__":
    sys.exit(main())
