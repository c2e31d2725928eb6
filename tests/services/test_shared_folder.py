"""A counter PC used by two clerks with their own OS logins: IT sets one data folder for the PC
(the machine-wide file) and opens it to a group; both clerks work on the one database, each's
files readable and writable by the other, no permission errors. Real OS users (root only)."""

from __future__ import annotations

import grp
import json
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.storage.conftest import apply_input

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.name != "posix" or os.geteuid() != 0 or not shutil.which("runuser"),
        reason="makes two OS users: root with useradd and runuser only (CI runs as root)",
    ),
]


def _reachable_by_all(path: Path) -> bool:
    """Can any local user run `path` (every folder on the way searchable by others)?"""
    path = path.resolve()
    return all(p.stat().st_mode & 0o001 for p in path.parents) and bool(path.stat().st_mode & 0o001)


def _program() -> list[str]:
    """How the clerks start the program: the built bundle (CI: UNION_COUNTER_BUNDLE, as the
    installed package runs it), else this checkout's interpreter when other users can run it."""
    bundle = os.environ.get("UNION_COUNTER_BUNDLE")
    if bundle:
        return [str(Path(bundle) / "union-counter")]
    if _reachable_by_all(Path(sys.executable)):
        return [sys.executable, "-m", "desktop_app"]
    if os.environ.get("UNION_COUNTER_REQUIRE_PG"):  # CI: never skipped
        pytest.fail("no program the test users can run: set UNION_COUNTER_BUNDLE")
    pytest.skip(f"other users cannot run {sys.executable}; set UNION_COUNTER_BUNDLE to a bundle")


@dataclass(frozen=True)
class Clerk:
    login: str
    name: str
    home: Path


@dataclass(frozen=True)
class Pc:
    config: Path
    shared: Path
    group: str
    clerks: tuple[Clerk, Clerk]
    program: tuple[str, ...]

    def run(self, clerk: Clerk, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        """`union-counter ARGS` as that OS user, in a desktop session's umask (022)."""
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(clerk.home),
            "LANG": "C.UTF-8",
            "PYTHONIOENCODING": "utf-8",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONPATH": str(ROOT),
            "UNION_COUNTER_MACHINE_CONFIG": str(self.config),
            "UNION_COUNTER_CLERK": clerk.name,
        }
        command = ["runuser", "-u", clerk.login, "--", "env", "-i"]
        command += [f"{k}={v}" for k, v in env.items()]
        command += ["sh", "-c", 'umask 022; exec "$@"', "sh", *self.program, *args]
        done = subprocess.run(
            command, input=stdin, capture_output=True, text=True, encoding="utf-8",
            timeout=180, check=False, cwd="/",
        )  # fmt: skip
        for word in ("Permission denied", "权限", "Traceback", "只读"):
            assert word not in done.stderr, f"{clerk.login} {args}: {done.stderr}"
        return done


def _sh(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True)


@pytest.fixture
def pc() -> Iterator[Pc]:
    program = tuple(_program())
    tag = f"{os.getpid() % 100000}"
    group = f"ucshare{tag}"
    logins = (f"ucclerka{tag}", f"ucclerkb{tag}")
    base = Path(tempfile.mkdtemp(prefix="uc-two-users-", dir="/tmp"))
    base.chmod(0o755)  # the clerks reach their homes and the shared folder through it
    made_users: list[str] = []
    try:
        _sh("groupadd", group)
        clerks = []
        for login, name in zip(logins, ("王柜员", "李柜员"), strict=True):
            home = base / login
            _sh("useradd", "--home-dir", str(home), "--create-home", "--shell", "/bin/sh",
                "--groups", group, login)  # fmt: skip
            made_users.append(login)
            clerks.append(Clerk(login, name, home))
        # What README tells IT to do: a folder of the group, setgid, closed to others.
        shared = base / "union-counter-data"
        shared.mkdir()
        os.chown(shared, 0, grp.getgrnam(group).gr_gid)
        shared.chmod(0o2770)
        config = base / "etc-counter.ini"
        config.write_text(f"[data]\nfolder = {shared}\n", encoding="utf-8")
        config.chmod(0o644)
        yield Pc(config, shared, group, (clerks[0], clerks[1]), program)
    finally:
        for login in made_users:
            subprocess.run(["userdel", "--remove", login], capture_output=True, check=False)
        subprocess.run(["groupdel", group], capture_output=True, check=False)
        shutil.rmtree(base, ignore_errors=True)


def test_two_clerks_with_their_own_logins_share_one_database_without_permission_errors(
    pc: Pc,
) -> None:
    a, b = pc.clerks
    done = pc.run(
        a, "settings", "--station-code", "XC01", "--station-name", "西城区新街口街道职工服务站",
        "--district", "西城区",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    first = pc.run(a, "apply", stdin=json.dumps(apply_input(1), ensure_ascii=False))
    assert first.returncode == 0, first.stderr
    second = pc.run(b, "apply", stdin=json.dumps(apply_input(2), ensure_ascii=False))
    assert second.returncode == 0, second.stderr
    receipts = [json.loads(r.stdout)["receipt"] for r in (first, second)]
    assert all(r.startswith("XC01-") for r in receipts)  # B read the station A set

    for clerk in (a, b):
        listed = pc.run(clerk, "ledger", "--json")
        assert listed.returncode == 0, listed.stderr
        rows = json.loads(listed.stdout)
        assert sorted(row["receipt"] for row in rows) == sorted(receipts)
        assert {row["clerk"] for row in rows} == {"王柜员", "李柜员"}

    for clerk in (a, b):  # each's backup, each's signed export (the key A made, B uses)
        assert pc.run(clerk, "backup").returncode == 0
        out = clerk.home / "export.xlsx"
        exported = pc.run(clerk, "exchange", "export", str(out))
        assert exported.returncode == 0, exported.stderr
    shown = pc.run(a, "ledger", "show", receipts[1])
    assert shown.returncode == 0 and "李柜员" in shown.stdout
    verified = pc.run(b, "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr

    # Every file the program made there is the group's, open to it, closed to others; each
    # clerk's own window settings stayed in that clerk's home.
    gid = grp.getgrnam(pc.group).gr_gid
    owners = set()
    for path in pc.shared.rglob("*"):
        info = path.lstat()
        owners.add(pwd.getpwuid(info.st_uid).pw_name)
        assert info.st_gid == gid, path
        mode = stat.S_IMODE(info.st_mode)
        assert mode & 0o060 == 0o060, f"{path} {mode:o}"
        assert mode & 0o007 == 0, f"{path} {mode:o}"
    assert owners == {a.login, b.login}
    assert (pc.shared / "station.ini").is_file()
    assert not (pc.shared / "counter.ini").exists()
