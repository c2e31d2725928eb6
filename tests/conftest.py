"""Shared fixtures: the shipped schemes, and a quick way to decide one application."""

from __future__ import annotations

import copy
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

# No test reads or writes the real per-user data folder (its database, backups, or catalogue
# versions imported at this PC): the whole run gets a fresh one; tests that need their own
# folder set UNION_COUNTER_HOME again (tests/gui/conftest.py, tests/storage/conftest.py).
os.environ["UNION_COUNTER_HOME"] = tempfile.mkdtemp(prefix="union-counter-tests-")
os.environ.pop("UNION_COUNTER_DB", None)
# Nor does any test read this machine's own machine-wide file (/etc/union-counter/counter.ini):
# the tests of that file name one of their own.
os.environ["UNION_COUNTER_MACHINE_CONFIG"] = ""
# Nor the user's own PostgreSQL password file (~/.pgpass): a database password a test saves
# goes to a file of the run's own.
os.environ["PGPASSFILE"] = str(Path(os.environ["UNION_COUNTER_HOME"]) / "test-run.pgpass")

from desktop_app.domain.engine import Decision
from desktop_app.domain.policy import PolicySet, load_directory
from desktop_app.paths import policies_dir
from desktop_app.services.quote import quote_mapping
from desktop_app.services.store import open_store
from desktop_app.storage.database import DataFolder
from tests.pg import pg_templates, pg_url  # noqa: F401  (fixtures for every test folder)

# Property tests: a quick look while editing, the full search in CI (.ci/run sets
# HYPOTHESIS_PROFILE=ci). A test may still set its own deadline or health checks.
hypothesis_settings.register_profile("dev", max_examples=60)
hypothesis_settings.register_profile("ci", max_examples=400)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"

GOOD_CARD = "6217000010001234569"  # 19 digits, passes Luhn


@pytest.fixture(autouse=True)
def _umask_restored() -> Iterator[None]:
    """The command line sets the process's umask (desktop_app/private_files.py); a test that
    runs it in process must not change it for the tests after it."""
    previous = os.umask(0o022)
    os.umask(previous)
    yield
    os.umask(previous)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One empty SQLite database at the newest schema, migrated once per run (per worker
    under pytest-xdist): the tests that need a fresh database get a copy of it
    (`fresh_sqlite`) instead of running every migration again."""
    home = tmp_path_factory.mktemp("sqlite-template")
    store = open_store(None, home, auto_backup=False)
    path = store.sqlite_path
    store.dispose()  # checkpoints the WAL: the one file holds the whole database
    assert path is not None and not path.with_name(path.name + "-wal").exists()
    return path


@pytest.fixture
def fresh_sqlite(sqlite_template: Path) -> Callable[[Path], Path]:
    """`fresh_sqlite(home)` puts a copy of the migrated template where the data folder `home`
    keeps its database, as if the program had created it there; returns its path."""

    def copy_into(home: Path) -> Path:
        target = DataFolder(home).database
        assert not target.exists(), f"{target} already holds a database"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(sqlite_template, target)
        return target

    return copy_into


@pytest.fixture(scope="session")
def policies() -> PolicySet:
    loaded = load_directory(policies_dir())
    assert loaded.errors == []
    return loaded


def base_2016(kind: str = "qualification", **certificate: Any) -> dict[str, Any]:
    cert: dict[str, Any] = {"kind": kind, "issued_on": "2016-06-01"}
    if kind == "qualification":
        cert.update(occupation="油务员", level=1)
    cert.update(certificate)
    return {
        "scheme": "bj-2016-union-boost",
        "applied_on": "2017-03-01",
        "late_entry_reason": "纸质登记表已按时受理，补录",
        "member": {
            "card_number": GOOD_CARD,
            "union_affiliated": True,
            "full_time_union_social_worker": True,
        },
        "certificate": cert,
    }


def base_2026(kind: str = "skill_level", **certificate: Any) -> dict[str, Any]:
    cert: dict[str, Any] = {"kind": kind}
    if kind == "skill_level":
        cert.update(occupation="无人机驾驶员", level=3)
    cert.update(certificate)
    return {
        "scheme": "bj-2026-skills",
        "applied_on": "2026-11-21",
        "late_entry_reason": "纸质登记表已按时受理，补录",
        "certificate": cert,
    }


def with_changes(data: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """Copy `data`, setting dotted paths: with_changes(d, **{"member.card_number": None})."""
    result = copy.deepcopy(data)
    for path, value in changes.items():
        node = result
        *parents, last = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        if value is _DELETE:
            node.pop(last, None)
        else:
            node[last] = value
    return result


_DELETE = object()
DELETE: Any = _DELETE


@pytest.fixture
def decide(policies: PolicySet) -> Callable[[dict[str, Any]], Decision]:
    def run(data: dict[str, Any]) -> Decision:
        return quote_mapping(data, policies)

    return run


def failed_rules(decision: Decision) -> set[str]:
    return {f.rule for f in decision.findings if not f.passed}
