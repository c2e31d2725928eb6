"""统计 (issue 19): counts and amounts of the applications of a period — by month, station,
scheme, status and the most frequent occupations — for the district's and the station's
overview. The window's section and `union-counter stats` read them here; a station's account
sees its own station only. The ledger export's 汇总 sheet is made by `Summary` here, grouped and
ordered as the overview (issue 19, part 3: the two never disagree).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from desktop_app.domain import status as statuses
from desktop_app.services.permissions import require, station_scope
from desktop_app.storage import statistics as tallies_of
from desktop_app.storage.database import Store

if TYPE_CHECKING:
    from desktop_app.exchange.ledger_book import LedgerLine

BY = ("month", "station", "scheme", "status", "occupation")
BY_LABELS = {"month": "月份", "station": "服务站", "scheme": "方案", "status": "状态",
             "occupation": "职业（工种）或项目"}  # fmt: skip


@dataclass(frozen=True)
class Line:
    key: str  # 2026-11, XC01, the scheme's short name, 已报送, 无人机驾驶员
    count: int
    amount: int  # yuan


@dataclass(frozen=True)
class Overview:
    date_from: date | None
    date_to: date | None
    station_code: str | None  # the one station it covers, or None: every station's
    count: int
    amount: int
    by: dict[str, tuple[Line, ...]]  # BY → lines


# How each breakdown is ordered: months and stations by key, schemes by count (most first),
# statuses in the order an application goes through them, certificate kinds by key.
_ORDER = {"month": "key", "station": "key", "scheme": "count", "status": "status",
          "kind_level": "key"}  # fmt: skip


def _ordered(sums: dict[str, list[int]], group: str) -> list[str]:
    """The keys of `sums` (key → [count, …]) in the order of `group`'s breakdown."""
    order = _ORDER.get(group, "count")
    if order == "key":
        return sorted(sums)
    if order == "status":
        rank = {word: i for i, word in enumerate(statuses.LABELS.values())}
        return sorted(sums, key=lambda key: (rank.get(key, len(rank)), key))
    return sorted(sums, key=lambda key: (-sums[key][0], key))


def _lines(pairs: Iterable[tuple[str, int, int]], *, group: str) -> tuple[Line, ...]:
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for key, n, amount in pairs:
        sums[key][0] += n
        sums[key][1] += amount
    return tuple(Line(key, *sums[key]) for key in _ordered(sums, group))


def overview(
    store: Store,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    station_code: str | None = None,
    occupations: int = 10,
) -> Overview:
    """The period's figures (登记日期 from `date_from` to `date_to`, both included)."""
    from desktop_app.services.ledger_view import scheme_names

    require(store, "ledger.view")
    own = station_scope(store)
    station = own or ((station_code or "").strip().upper() or None)
    names = scheme_names()
    with store.session() as session:
        sums = tallies_of.period_sums(
            session, date_from=date_from, date_to=date_to, station_code=station
        )
        top = tallies_of.occupations(
            session, date_from=date_from, date_to=date_to, station_code=station, limit=occupations
        )
    by = {
        "month": _lines(((f"{day:%Y-%m}", n, amount) for day, n, amount in sums["day"]),
                        group="month"),
        "station": _lines(sums["station"], group="station"),
        "scheme": _lines(((names.get(key, key), n, amount) for key, n, amount in sums["scheme"]),
                         group="scheme"),
        "status": _lines(((statuses.label(key), n, amount) for key, n, amount in sums["status"]),
                         group="status"),
        "occupation": tuple(Line(name, n, amount) for name, n, amount in top),
    }  # fmt: skip
    return Overview(
        date_from=date_from,
        date_to=date_to,
        station_code=station,
        count=sum(n for _, n, _ in sums["station"]),
        amount=sum(amount for _, _, amount in sums["station"]),
        by=by,
    )


# The ledger export's 汇总 sheet: its breakdowns, in the sheet's order, with their headings.
SUMMARY_GROUPS = (
    ("scheme", "补助方案"), ("kind_level", "证书类别和等级"), ("month", "月份"),
    ("status", "状态"), ("station", "服务站"),
)  # fmt: skip


class Summary:
    """The figures of the ledger export's 汇总 sheet, made of the lines the export writes (so
    the sheet always adds up to the 台账 sheet beside it), grouped and ordered as the 统计
    overview groups and orders the same applications: for a period, the 汇总's months,
    statuses, stations and schemes are the overview's lines (the schemes by their full
    names). Each breakdown also counts the eligible ones."""

    def __init__(self) -> None:
        self.count = self.eligible = self.amount = 0
        self._sums: dict[str, dict[str, list[int]]] = {
            group: defaultdict(lambda: [0, 0, 0]) for group, _ in SUMMARY_GROUPS
        }

    def add(self, line: LedgerLine) -> None:
        eligible = int(line.eligible)
        self.count += 1
        self.eligible += eligible
        self.amount += line.amount
        keys = {
            "scheme": line.scheme,
            "kind_level": f"{line.kind} {line.level}".strip(),
            "month": f"{line.applied_on:%Y-%m}",
            "status": line.status,
            "station": line.station,
        }
        for group, key in keys.items():
            sums = self._sums[group][key]
            sums[0] += 1
            sums[1] += eligible
            sums[2] += line.amount

    def rows(self) -> list[tuple[str, str, int, int, int]]:
        """(heading, key, count, eligible, amount) of every breakdown, in the sheet's order."""
        found: list[tuple[str, str, int, int, int]] = []
        for group, heading in SUMMARY_GROUPS:
            sums = self._sums[group]
            for key in _ordered(sums, group):
                n, eligible, amount = sums[key]
                found.append((heading, key, n, eligible, amount))
        return found


def scope_text(found: Overview) -> str:
    """登记日期 … 至 …，全部服务站 (or one station): what the figures cover."""
    start, end = found.date_from, found.date_to
    if start and end:
        period = f"登记日期 {start} 至 {end}"
    elif start or end:
        period = f"登记日期 {start} 及以后" if start else f"登记日期 {end} 及以前"
    else:
        period = "全部登记日期"
    where = f"服务站 {found.station_code}" if found.station_code else "全部服务站"
    return f"{period}，{where}"


def report_pdf(found: Overview, *, today: date | None = None) -> bytes:
    """The overview as the one-page PDF report with its charts (printing/stats_report.py)."""
    from desktop_app.printing.stats_report import StatsReport, render_report

    def figures(group: str) -> list[tuple[str, int, int]]:
        return [(line.key, line.count, line.amount) for line in found.by[group]]

    day = today or date.today()
    return render_report(
        StatsReport(
            scope=scope_text(found),
            count=found.count,
            amount=found.amount,
            by_station=figures("station"),
            by_month=figures("month"),
            by_occupation=figures("occupation"),
            by_scheme=figures("scheme"),
            by_status=figures("status"),
            made=f"{day.year}年{day.month}月{day.day}日",
        )
    )
