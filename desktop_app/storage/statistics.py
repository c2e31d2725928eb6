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

from sqlalchemy import ColumnElement, func, literal_column, or_, select
from sqlalchemy.orm import Session

from desktop_app.storage.models import Application, DayTally, MonthTally, term_texts
from desktop_app.storage.types import Day


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
    schemes = term_texts(session, {int(k) for k, _, _ in found["scheme"]})
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
    names = term_texts(session, {key for key in top if key})
    return [
        (names.get(key, "（未填）") if key else "（未填）", counts[key], amounts[key])
        for key in top
    ]


def _month_of_applied_on(dialect: str) -> Any:
    """The first day of the application's month of 登记日期, as the sums' trigger keys it."""
    if dialect == "sqlite":
        expression = (
            "application.applied_on - CAST(strftime('%d', application.applied_on * 86400, "
            "'unixepoch') AS INTEGER) + 1"
        )
    else:
        expression = "date_trunc('month', application.applied_on)::date"
    return literal_column(expression, type_=Day())


def _differing(kept: dict[tuple[Any, ...], tuple[int, int]], counted: Any) -> list[Any]:
    found = {tuple(row[:-2]): (int(row[-2]), int(row[-1])) for row in counted}
    return sorted(
        (key for key in kept.keys() | found.keys() if kept.get(key) != found.get(key)),
        key=str,
    )


def sums_differences(session: Session) -> list[str]:
    """Where 统计's running sums differ from a recount of the applications (the sums changed,
    or the applications changed with the triggers off, outside the program), in Chinese; empty
    when they agree. Two grouped reads of every application: seconds at a million."""
    dialect = session.get_bind().dialect.name
    day_keys = (Application.applied_on, Application.station_code, Application.scheme_id,
                Application.status)  # fmt: skip
    days = session.execute(
        select(*day_keys, func.count(), func.coalesce(func.sum(Application.amount), 0)).group_by(
            *day_keys
        )
    ).all()
    kept_days = {
        (row.day, row.station_code, row.scheme_id, row.status): (row.count, row.amount)
        for row in session.scalars(
            select(DayTally).where(or_(DayTally.count != 0, DayTally.amount != 0))
        )
    }
    month = _month_of_applied_on(dialect)
    subject = func.coalesce(Application.occupation_id, Application.competition_id, 0)
    months = session.execute(
        select(month, Application.station_code, subject, func.count(),
               func.coalesce(func.sum(Application.amount), 0))
        .group_by(month, Application.station_code, subject)
    ).all()  # fmt: skip
    kept_months = {
        (row.month, row.station_code, row.subject_id): (row.count, row.amount)
        for row in session.scalars(
            select(MonthTally).where(or_(MonthTally.count != 0, MonthTally.amount != 0))
        )
    }
    problems: list[str] = []
    for what, wrong in (
        ("按日", [f"{d} {s}" for d, s, *_ in _differing(kept_days, days)]),
        ("按月", [f"{m:%Y-%m} {s}" for m, s, *_ in _differing(kept_months, months)]),
    ):
        if wrong:
            shown = "、".join(dict.fromkeys(wrong[:5]))
            more = f" 等 {len(wrong)} 处" if len(wrong) > 5 else ""
            problems.append(f"统计的{what}合计与申请记录不符（{shown}{more}）：在程序之外被改动。")
    return problems
