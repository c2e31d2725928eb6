"""The counts and amounts the 统计 overview is made of; services/statistics.py makes the
figures of them.

A period (登记日期 from … to …, one station or all) is read from the running sums the
database keeps (models.DayTally, models.MonthTally; migration 0015): per day, station, scheme
and status — the months, stations, schemes and statuses are sums of these — and, for the top
occupations, per month, station and occupation, with the days at the period's ends that do
not make a whole month read from the applications themselves.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from desktop_app.storage.models import Application, DayTally, MonthTally, Term


def _texts(session: Session, ids: set[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    numbers = sorted(ids)
    for start in range(0, len(numbers), 500):
        rows = session.execute(
            select(Term.id, Term.text).where(Term.id.in_(numbers[start : start + 500]))
        )
        found.update((int(i), str(t)) for i, t in rows)
    return found


def _between(
    column: Any, low: date | None, high: date | None, station_column: Any, station: str | None
) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if low is not None:
        found.append(column >= low)
    if high is not None:
        found.append(column <= high)
    if station is not None:
        found.append(station_column == station)
    return found


# The breakdowns a period's sums are read by (months are summed from days by the caller).
SUMS_BY = ("day", "station", "scheme", "status")


def period_sums(
    session: Session,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    station_code: str | None = None,
) -> dict[str, list[tuple[Any, int, int]]]:
    """(key, count, amount) of the period by day (a date), station, scheme (its id as text)
    and status: four grouped reads of the day sums, each a few hundred rows at most, so
    that a year costs what its 3,000 day sums cost to add up in the database."""
    keys = {
        "day": DayTally.day,
        "station": DayTally.station_code,
        "scheme": DayTally.scheme_id,
        "status": DayTally.status,
    }
    where = _between(DayTally.day, date_from, date_to, DayTally.station_code, station_code)
    found: dict[str, list[tuple[Any, int, int]]] = {}
    for by in SUMS_BY:
        key = keys[by]
        statement = (
            select(key, func.sum(DayTally.count), func.sum(DayTally.amount))
            .where(*where)
            .group_by(key)
            .having(func.sum(DayTally.count) != 0)
        )
        found[by] = [(k, int(n), int(total)) for k, n, total in session.execute(statement)]
    schemes = _texts(session, {int(k) for k, _, _ in found["scheme"]})
    found["scheme"] = [(schemes.get(int(k), str(k)), n, total) for k, n, total in found["scheme"]]
    return found


def _month_after(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


Span = tuple[date | None, date | None]  # first and last day (or month), None for open


def whole_months(date_from: date | None, date_to: date | None) -> tuple[Span | None, list[Span]]:
    """The period as its whole months (the first days of the first and the last; None for
    open), or None when it holds none, and the days left at its ends."""
    first = None if date_from is None else (
        date_from if date_from.day == 1 else _month_after(date_from)
    )  # fmt: skip
    last = None
    if date_to is not None:
        last = date_to.replace(day=1)
        if _month_after(date_to) - timedelta(days=1) != date_to:  # not the month's last day
            last = (last - timedelta(days=1)).replace(day=1)
    if first is not None and last is not None and first > last:
        return None, [(date_from, date_to)]
    ends: list[Span] = []
    if date_from is not None and first is not None and date_from < first:
        ends.append((date_from, first - timedelta(days=1)))
    if date_to is not None and last is not None and date_to >= _month_after(last):
        ends.append((_month_after(last), date_to))
    return (first, last), ends


def occupations(
    session: Session,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    station_code: str | None = None,
    limit: int = 10,
) -> list[tuple[str, int, int]]:
    """(occupation or competition, count, amount) of the most frequent, most first."""
    months, ends = whole_months(date_from, date_to)
    counts: Counter[int] = Counter()
    amounts: Counter[int] = Counter()
    if months is not None:
        first, last = months
        statement = (
            select(MonthTally.subject_id, func.sum(MonthTally.count), func.sum(MonthTally.amount))
            .where(*_between(MonthTally.month, first, last, MonthTally.station_code, station_code))
            .group_by(MonthTally.subject_id)
        )
        for key, n, total in session.execute(statement):
            counts[int(key)] += int(n)
            amounts[int(key)] += int(total)
    subject = func.coalesce(Application.occupation_id, Application.competition_id, 0)
    for low, high in ends:
        statement = (
            select(subject, func.count(), func.coalesce(func.sum(Application.amount), 0))
            .where(
                *_between(Application.applied_on, low, high, Application.station_code, station_code)
            )
            .group_by(subject)
        )
        for key, n, total in session.execute(statement):
            counts[int(key)] += int(n)
            amounts[int(key)] += int(total)
    top = sorted((key for key, n in counts.items() if n), key=lambda k: (-counts[k], k))[:limit]
    names = _texts(session, {key for key in top if key})
    return [
        (names.get(key, "（未填）") if key else "（未填）", counts[key], amounts[key])
        for key in top
    ]
