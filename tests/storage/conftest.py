"""Fixtures for the store's tests: each test gets its own data folder and a fresh database,
on SQLite and on PostgreSQL (`backend` parameter).

PostgreSQL: each test gets a database of its own on the test server (`pg_url`, tests/pg.py).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from desktop_app.domain.validators import resident_id_check_char
from desktop_app.services import station_settings
from desktop_app.services.store import open_store
from desktop_app.storage.database import Store

NOW = datetime(2026, 11, 21, 9, 30, 0)
CLERK = "王柜员"


def make_id(serial: int, region: str = "110105", born: str = "19800101") -> str:
    """A valid 18-character resident ID number; `serial` makes it unique (0–999)."""
    first17 = f"{region}{born}{serial % 1000:03d}"
    return first17 + resident_id_check_char(first17)


def apply_input(serial: int = 1, **changes: Any) -> dict[str, Any]:
    """The `apply` input of a typical eligible 2026 application."""
    data: dict[str, Any] = {
        "scheme": "bj-2026-skills",
        "applied_on": "2026-11-21",
        # Ignored when it is entered on that day; tests that save later are late entries.
        "late_entry_reason": "纸质登记表已按时受理，补录",
        "member": {
            "name": "张伟",
            "id_number": make_id(serial),
            "phone": "13800138000",
            "work_unit": "北京市西城区某物业公司",
            "position": "维修工",
            "card_number": "6217000010001234569",
        },
        "certificate": {
            "kind": "skill_level",
            "occupation": "无人机驾驶员",
            "level": 3,
            "number": "S000011010500001",
            "issued_on": "2026-06-01",
            "issuer": "北京市某职业技能等级认定机构",
        },
    }
    result = copy.deepcopy(data)
    for path, value in changes.items():
        node = result
        *parents, last = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return result


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def db_url(backend: str, home: Path, request: pytest.FixtureRequest) -> str | None:
    """None means the default: the SQLite file in the data folder."""
    if backend == "sqlite":
        return None
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def store(db_url: str | None, home: Path, fresh_sqlite: Callable[[Path], Path]) -> Iterator[Store]:
    """A fresh database at the newest schema (a copy of the run's template) with the station
    XC01 set."""
    if db_url is None:
        fresh_sqlite(home)
    opened = open_store(db_url, home, now=NOW)
    station_settings.save_station(
        opened, actor=CLERK, code="XC01", name="西城区某街道工会服务站", district="西城区", now=NOW
    )
    try:
        yield opened
    finally:
        opened.dispose()


@pytest.fixture
def db_args(db_url: str | None, home: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The command line on the test's database, from its data folder."""
    monkeypatch.setenv("UNION_COUNTER_HOME", str(home))
    monkeypatch.setenv("UNION_COUNTER_CLERK", "李站长")
    return ["--db", db_url] if db_url else []
