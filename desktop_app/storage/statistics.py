"""The counts and amounts the 统计 overview is made of, read in two grouped queries: by day,
station, scheme and status (the months, stations, schemes and statuses are sums of these), and
by occupation. services/statistics.py makes the overview of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from desktop_app.storage.models import Application, Term


@dataclass(frozen=True)
class Tally:
    day: date
    station_code: str
    scheme: str
    status: str
    count: int
    amount: int  # yuan: the decided amounts of the eligible ones (an ineligible one is 0)


def _conditions(
    date_from: date | None, date_to: date | None, station_code: str | None
) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if date_from is not None:
        found.append(Application.applied_on >= date_from)
    if date_to is not None:
        found.append(Application.applied_on <= date_to)
    if station_code is not None:
        found.append(Application.station_code == station_code)
    return found


def _texts(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(Term.id, Term.text).where(Term.id.in_(list(ids))))
    return {int(i): str(t) for i, t in rows}


def tallies(
    session: Session,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    station_code: str | None = None,
) -> list[Tally]:
    """Count and amount per (登记日期, station, scheme, status) within the period."""
    statement = (
        select(
            Application.applied_on,
            Application.station_code,
            Application.scheme_id,
            Application.status,
            func.count(),
            func.coalesce(func.sum(Application.amount), 0),
        )
        .where(*_conditions(date_from, date_to, station_code))
        .group_by(
            Application.applied_on,
            Application.station_code,
            Application.scheme_id,
            Application.status,
        )
    )
    rows = session.execute(statement).all()
    schemes = _texts(session, {int(r[2]) for r in rows})
    return [
        Tally(day, str(station), schemes.get(int(scheme), str(scheme)), status, int(n), int(total))
        for day, station, scheme, status, n, total in rows
    ]


def occupations(
    session: Session,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    station_code: str | None = None,
    limit: int = 10,
) -> list[tuple[str, int, int]]:
    """(occupation or competition, count, amount) of the most frequent, most first."""
    key = func.coalesce(Application.occupation_id, Application.competition_id)
    statement = (
        select(key, func.count(), func.coalesce(func.sum(Application.amount), 0))
        .where(*_conditions(date_from, date_to, station_code))
        .group_by(key)
        .order_by(func.count().desc(), key)
        .limit(limit)
    )
    rows = session.execute(statement).all()
    names = _texts(session, {int(r[0]) for r in rows if r[0] is not None})
    return [
        (names.get(int(key), "（未填）") if key is not None else "（未填）", int(n), int(total))
        for key, n, total in rows
    ]
