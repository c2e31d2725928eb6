"""Fixtures for the Excel tests: the store's fixtures (each test on SQLite and PostgreSQL),
a second SQLite store to export from (whose signing key the district `store` has registered),
and helpers that count what a database holds."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from desktop_app.exchange import batch as fmt
from desktop_app.services import applications, station_settings
from desktop_app.services import status as status_service
from desktop_app.services.exchange import export_batch, key_registry, signing_key
from desktop_app.services.store import open_store
from desktop_app.storage.database import Store
from desktop_app.storage.models import Application, AuditEvent, Member, StatusChange
from tests.storage.conftest import (  # noqa: F401  (fixtures)
    CLERK,
    NOW,
    apply_input,
    backend,
    db_url,
    home,
    make_id,
)


def counts(db: Store) -> dict[str, int]:
    """Rows per table: what "the database is unchanged" is checked with."""
    with db.session() as session:
        return {
            model.__tablename__: int(
                session.execute(select(func.count()).select_from(model)).scalar_one()
            )
            for model in (Application, Member, StatusChange, AuditEvent)
        }


def save(db: Store, serial: int, **changes: Any) -> str:
    return applications.save_application(
        db, apply_input(serial, **changes), clerk=CLERK, now=NOW
    ).receipt


@pytest.fixture
def station(tmp_path: Path, fresh_sqlite: Callable[[Path], Path]) -> Iterator[Store]:
    """A station's own SQLite database (XC01), fresh: fill_station adds applications."""
    fresh_sqlite(tmp_path / "station")
    opened = open_store(None, tmp_path / "station", now=NOW)
    station_settings.save_station(
        opened, actor=CLERK, code="XC01", name="西城区某街道工会服务站", district="西城区", now=NOW
    )
    try:
        yield opened
    finally:
        opened.dispose()


def signer_of(station_store: Store) -> fmt.Signer:
    """The station's signing key (made on first use, as its first export would)."""
    return signing_key.station_signer(station_store, actor=CLERK, now=NOW)


def station_key(folder: Path) -> fmt.Signer:
    """The signing key of the `station` fixture whose test folder is `folder` (the station
    re-signs a file it rewrote, as a station with another program would)."""
    signer = signing_key.read_signer(folder / "station")
    assert signer is not None, "the station has made no key yet"
    return signer


def register(station_store: Store, district: Store) -> key_registry.StationPublicKey:
    """Register the station's public key at the district, as the clerks do after comparing
    its fingerprint by phone (from the exported key file)."""
    info = signing_key.own_key(station_store, actor=CLERK, now=NOW)
    key = key_registry.StationPublicKey(
        info.station_code, info.station_name, info.district, info.public_key, info.fingerprint
    )
    key_registry.register_key(district, key, actor="区经办人", now=NOW)
    return key


@pytest.fixture
def store(
    db_url: str | None,  # noqa: F811 - the fixture of tests/storage
    home: Path,  # noqa: F811
    fresh_sqlite: Callable[[Path], Path],
    station: Store,
) -> Iterator[Store]:
    """The district's database (SQLite and PostgreSQL), as tests/storage's `store` (station
    code XC01 set), with the station's signing key registered, as it is before the district
    imports that station's files."""
    if db_url is None:
        fresh_sqlite(home)
    opened = open_store(db_url, home, now=NOW)
    station_settings.save_station(
        opened, actor=CLERK, code="XC01", name="西城区某街道工会服务站", district="西城区", now=NOW
    )
    register(station, opened)
    try:
        yield opened
    finally:
        opened.dispose()


def fill_station(db: Store) -> list[str]:
    """Applications of several kinds, one returned and one paid: receipts in order."""
    receipts = [save(db, n) for n in range(1, 4)]
    receipts.append(
        save(
            db,
            4,
            **{
                "certificate.kind": "special_ability",
                "certificate.occupation": "母婴照护",
                "certificate.level": None,
            },
        )
    )
    receipts.append(
        save(
            db,
            5,
            scheme="bj-2016-union-boost",
            applied_on="2017-03-01",
            **{
                "member.union_affiliated": True,
                "certificate.kind": "qualification",
                "certificate.occupation": "油务员",
                "certificate.level": 1,
                "certificate.issued_on": "2016-06-01",
            },
        )
    )
    receipts.append(save(db, 6, **{"certificate.occupation": "不在目录的工种"}))
    status_service.change_status(
        db, receipts[0], "退回", actor=CLERK, reason="证书复印件不清", now=NOW
    )
    for step in ("已报送", "已发放"):
        status_service.change_status(
            db, receipts[1], step, actor=CLERK, now=datetime(2026, 11, 22, 10, 0)
        )
    return receipts


@pytest.fixture
def exported(station: Store, tmp_path: Path) -> Path:
    """The `station` fixture's applications (`fill_station`) exported as an exchange file."""
    fill_station(station)
    path = tmp_path / "batch.xlsx"
    export_batch(station, path, actor=CLERK, now=NOW)
    return path
