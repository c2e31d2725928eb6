"""Fixtures for the printing tests: a store on SQLite with the station set, applications saved
through the service, and reading a PDF back with positions (pypdf)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from desktop_app.services import applications, station_settings
from desktop_app.services.store import open_store
from desktop_app.storage.database import Store
from tests.storage.conftest import make_id

NOW = datetime(2026, 11, 21, 9, 30, 0)
CLERK = "王柜员"
LONG_UNIT = "北京市西城区某某街道某某社区某某物业管理有限责任公司第三十分公司工会委员会办公室"
assert len(LONG_UNIT) == 40


def social_worker(serial: int = 1, **member: Any) -> dict[str, Any]:
    """The `apply` input of an eligible Annex 2 application (2016 scheme, social worker)."""
    data: dict[str, Any] = {
        "scheme": "bj-2016-union-boost",
        "applied_on": "2017-03-15",
        "late_entry_reason": "纸质登记表已按时受理，补录",
        "member": {
            "name": "李明",
            "id_number": make_id(serial),
            "phone": "13800138000",
            "work_unit": "北京市西城区某街道总工会",
            "position": "专职工会社会工作者",
            "card_number": "6217000010001234569",
            "union_affiliated": True,
            "full_time_union_social_worker": True,
        },
        "certificate": {
            "kind": "social_worker",
            "grade": "intermediate",
            "number": "2016110000123",
            "issued_on": "2016-06-15",
            "approved_on": "2016-06-01",
            "issuer": "北京市人力资源和社会保障局",
            "management_number": "GL2016-0001",
        },
    }
    result = copy.deepcopy(data)
    result["member"].update(member)
    return result


def qualification(serial: int = 2) -> dict[str, Any]:
    """A 2016 qualification application: it has no Annex 2."""
    return {
        "scheme": "bj-2016-union-boost",
        "applied_on": "2017-03-15",
        "late_entry_reason": "纸质登记表已按时受理，补录",
        "member": {
            "name": "王五",
            "id_number": make_id(serial),
            "card_number": "6217000010001234569",
            "union_affiliated": True,
        },
        "certificate": {
            "kind": "qualification",
            "occupation": "电力调度员",
            "level": 1,
            "issued_on": "2016-09-20",
        },
    }


@pytest.fixture
def store(tmp_path: Path, fresh_sqlite: Callable[[Path], Path]) -> Iterator[Store]:
    fresh_sqlite(tmp_path / "home")
    opened = open_store(None, tmp_path / "home", now=NOW)
    station_settings.save_station(
        opened, actor=CLERK, code="XC01", name="西城区某街道工会服务站", district="西城区", now=NOW
    )
    try:
        yield opened
    finally:
        opened.dispose()


def save(store: Store, data: dict[str, Any]) -> str:
    return applications.save_application(store, data, clerk=CLERK, now=NOW).receipt


@dataclass(frozen=True)
class Fragment:
    text: str
    x: float
    y: float
    size: float


def fragments(pdf: bytes | Path, page: int = 0) -> list[Fragment]:
    """The text of one page as shown, each piece with its origin (PDF points) and size."""
    import io

    reader = PdfReader(io.BytesIO(pdf) if isinstance(pdf, bytes) else pdf)
    found: list[Fragment] = []

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        if not text.strip():
            return
        # the text matrix times the current transformation matrix: where the text starts
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        found.append(Fragment(text.strip("\n"), x, y, size * tm[0] * cm[0] or size))

    reader.pages[page].extract_text(visitor_text=visit)
    return found
