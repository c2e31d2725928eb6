"""The registered station signing keys (`models.StationKey`): read one, list all, put one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop_app.storage.models import StationKey


def registered_key(session: Session, station_code: str) -> StationKey | None:
    """The key registered for this station code, or None."""
    return session.get(StationKey, station_code)


def registered_keys(session: Session) -> Sequence[StationKey]:
    """Every registered key, by station code."""
    return session.execute(select(StationKey).order_by(StationKey.station_code)).scalars().all()


def put_key(
    session: Session,
    *,
    station_code: str,
    station_name: str,
    district: str,
    public_key: str,
    fingerprint: str,
    at: datetime,
    actor: str,
) -> StationKey | None:
    """Register (or replace) the station's key; returns a detached copy of the key it
    replaces, or None when the station had none."""
    row = session.get(StationKey, station_code)
    before = None
    if row is None:
        row = StationKey(station_code=station_code)
        session.add(row)
    else:
        before = StationKey(
            station_code=row.station_code,
            station_name=row.station_name,
            district=row.district,
            public_key=row.public_key,
            fingerprint=row.fingerprint,
            registered_at=row.registered_at,
            registered_by=row.registered_by,
        )
    row.station_name = station_name
    row.district = district
    row.public_key = public_key
    row.fingerprint = fingerprint
    row.registered_at = at
    row.registered_by = actor
    session.flush()
    return before
