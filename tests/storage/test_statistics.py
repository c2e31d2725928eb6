"""统计 (services/statistics.py) on SQLite and PostgreSQL against a plain reading of a random
ledger: every breakdown adds up to the period's total, each line is what counting the rows one
by one gives, a station's account sees its own station only, and `union-counter stats` prints
the same."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from desktop_app.cli.main import main
from desktop_app.domain import status as statuses
from desktop_app.errors import EXIT_OK
from desktop_app.services import accounts
from desktop_app.services.ledger_view import scheme_names
from desktop_app.services.statistics import BY, overview
from desktop_app.storage.models import Application
from tests.storage.test_ledger_search import _random_ledger


@pytest.fixture
def rows(store: Any) -> list[dict[str, Any]]:
    _random_ledger(store, count=240, seed=5)
    with store.session() as session:
        return [
            {
                "day": a.applied_on,
                "station": a.station_code,
                "scheme": a.scheme,
                "status": a.status,
                "occupation": a.occupation or a.competition or "（未填）",
                "amount": a.amount,
            }
            for a in session.scalars(select(Application))
        ]


def _plain(rows: list[dict[str, Any]], key: Any) -> dict[str, tuple[int, int]]:
    counts: Counter[str] = Counter()
    amounts: Counter[str] = Counter()
    for row in rows:
        counts[key(row)] += 1
        amounts[key(row)] += row["amount"]
    return {k: (counts[k], amounts[k]) for k in counts}


def _lines(found: Any, group: str) -> dict[str, tuple[int, int]]:
    return {line.key: (line.count, line.amount) for line in found.by[group]}


@pytest.mark.parametrize(
    ("date_from", "date_to"),
    [
        (None, None),
        (date(2025, 3, 1), date(2025, 12, 31)),  # whole months only
        (date(2026, 1, 1), None),
        (date(2025, 3, 17), date(2025, 12, 5)),  # whole months and the days at both ends
        (date(2025, 3, 17), date(2025, 3, 29)),  # days of one month only
        (date(2025, 4, 20), date(2025, 5, 10)),  # days of two months, no whole month
        (None, date(2025, 6, 15)),
        (date(2025, 2, 28), date(2025, 3, 31)),
    ],
)
def test_every_breakdown_is_a_plain_count_of_the_period(store, rows, date_from, date_to):
    inside = [r for r in rows if (date_from is None or r["day"] >= date_from)
              and (date_to is None or r["day"] <= date_to)]  # fmt: skip
    assert inside
    found = overview(store, date_from=date_from, date_to=date_to, occupations=100)
    names = scheme_names()
    assert (found.count, found.amount) == (len(inside), sum(r["amount"] for r in inside))
    assert _lines(found, "month") == _plain(inside, lambda r: f"{r['day']:%Y-%m}")
    assert _lines(found, "station") == _plain(inside, lambda r: r["station"])
    assert _lines(found, "scheme") == _plain(inside, lambda r: names.get(r["scheme"], r["scheme"]))
    assert _lines(found, "status") == _plain(inside, lambda r: statuses.label(r["status"]))
    assert _lines(found, "occupation") == _plain(inside, lambda r: r["occupation"])
    for group in BY:
        assert sum(line.count for line in found.by[group]) == len(inside)
    months = [line.key for line in found.by["month"]]
    assert months == sorted(months)
    order = list(statuses.LABELS.values())
    assert [order.index(line.key) for line in found.by["status"]] == sorted(
        order.index(line.key) for line in found.by["status"]
    )


def test_the_top_occupations_are_the_most_frequent(store, rows):
    found = overview(store, occupations=3)
    plain = _plain(rows, lambda r: r["occupation"])
    counts = sorted((n for n, _ in plain.values()), reverse=True)
    assert [line.count for line in found.by["occupation"]] == counts[:3]


def test_a_station_account_counts_its_own_station_only(store, rows):
    accounts.create_first_admin(store, username="admin", name="张管理", password="Admin-pass-1")
    accounts.add_account(store, username="wang", name="王柜员", role="clerk", station_code="XC01",
                         password="Clerk-pass-1")  # fmt: skip
    store.account = None
    accounts.sign_in(store, "wang", "Clerk-pass-1")
    found = overview(store, station_code="CY02")  # asked for another: its own all the same
    own = [r for r in rows if r["station"] == "XC01"]
    assert found.station_code == "XC01" and found.count == len(own)
    assert _lines(found, "station") == {"XC01": (len(own), sum(r["amount"] for r in own))}


def test_the_command_line_prints_the_same(store, rows, capsys, db_args):
    assert main(["stats", "--from", "2025-06-01", "--by", "station", "--json", *db_args]) == 0
    printed = json.loads(capsys.readouterr().out)
    found = overview(store, date_from=date(2025, 6, 1))
    assert printed["count"] == found.count and printed["amount"] == found.amount
    assert {d["key"]: d["count"] for d in printed["by"]["station"]} == {
        line.key: line.count for line in found.by["station"]
    }
    assert main(["stats", *db_args]) == EXIT_OK
    text = capsys.readouterr().out
    assert f"共 {len(rows):,} 份" in text and "月份\t份数\t金额（元）" in text


def test_an_empty_period_is_all_zeros(store, rows):
    found = overview(store, date_from=date(2030, 1, 1))
    assert (found.count, found.amount) == (0, 0)
    assert all(found.by[group] == () for group in BY)


def test_the_command_line_writes_the_report_as_pdf_and_png(store, rows, capsys, db_args, tmp_path):
    import io

    from PIL import Image
    from pypdf import PdfReader

    pdf, png = tmp_path / "统计.pdf", tmp_path / "统计.png"
    assert main(["stats", "-o", str(pdf), "--png", str(png), *db_args]) == EXIT_OK
    text = PdfReader(io.BytesIO(pdf.read_bytes())).pages[0].extract_text()
    assert f"共 {len(rows):,} 份申请" in text and "各服务站申请份数" in text
    assert Image.open(png).format == "PNG"
    assert "统计报告已写入" in capsys.readouterr().err


def test_the_ledger_exports_summary_has_the_overviews_figures(store, rows, tmp_path):
    import openpyxl

    from desktop_app.domain.ledger_filter import LedgerFilter
    from desktop_app.services.ledger_export import export_ledger
    from tests.storage.conftest import CLERK

    start, end = date(2025, 3, 17), date(2025, 12, 5)
    path = tmp_path / "台账.xlsx"
    export_ledger(store, path, LedgerFilter(date_from=start, date_to=end), actor=CLERK)
    sheet = list(openpyxl.load_workbook(path, read_only=True)["汇总"].iter_rows(values_only=True))
    found = overview(store, date_from=start, date_to=end)

    def part(heading: str) -> list[tuple[Any, ...]]:
        return [(row[1], row[2], row[4]) for row in sheet[1:] if row[0] == heading]

    def lines(group: str) -> list[tuple[Any, ...]]:
        return [(line.key, line.count, line.amount) for line in found.by[group]]

    assert part("月份") == lines("month") and len(lines("month")) == 10
    assert part("状态") == lines("status")
    assert part("服务站") == lines("station")
    # The schemes by their full names in the sheet, short ones in the overview: same figures.
    assert [row[1:] for row in part("补助方案")] == [line[1:] for line in lines("scheme")]
    (total,) = [row for row in sheet if row[0] == "合计"]
    assert (total[2], total[4]) == (found.count, found.amount) and found.count > 50
