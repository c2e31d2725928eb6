"""统计's running sums (db/versions/0015_tallies.py) on SQLite and PostgreSQL: after a bulk
insert, a counter's save, status changes, corrections of the keyed columns, deletions and an
upgrade of a filled database, the sums are exactly a recount of the applications; a bulk insert
puts its dropped trigger back; a rolled-back write leaves the sums as they were."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from sqlalchemy import delete, inspect, select, text

from desktop_app.services.applications import save_application
from desktop_app.services.status import change_status
from desktop_app.storage import migrations
from desktop_app.storage.models import Application, BatchItem, DayTally, MonthTally, StatusChange
from tests.storage.conftest import CLERK, NOW, apply_input
from tests.storage.test_ledger_search import _random_ledger

Sums = dict[tuple[Any, ...], tuple[int, int]]


def _recount(store: Any) -> tuple[Sums, Sums]:
    """The two tables' sums counted from the applications one by one."""
    days: Counter[tuple[Any, ...]] = Counter()
    months: Counter[tuple[Any, ...]] = Counter()
    day_amounts: Counter[tuple[Any, ...]] = Counter()
    month_amounts: Counter[tuple[Any, ...]] = Counter()
    with store.session() as session:
        for a in session.scalars(select(Application)):
            day = (a.applied_on, a.station_code, a.scheme_id, a.status)
            month = (a.applied_on.replace(day=1), a.station_code,
                     a.occupation_id or a.competition_id or 0)  # fmt: skip
            days[day] += 1
            day_amounts[day] += a.amount
            months[month] += 1
            month_amounts[month] += a.amount
    return (
        {k: (n, day_amounts[k]) for k, n in days.items()},
        {k: (n, month_amounts[k]) for k, n in months.items()},
    )


def _kept(store: Any) -> tuple[Sums, Sums]:
    """The two tables as the database keeps them (rows come back to 0 left out)."""
    with store.session() as session:
        days = {
            (t.day, t.station_code, t.scheme_id, t.status): (t.count, t.amount)
            for t in session.scalars(select(DayTally))
            if t.count or t.amount
        }
        months = {
            (t.month, t.station_code, t.subject_id): (t.count, t.amount)
            for t in session.scalars(select(MonthTally))
            if t.count or t.amount
        }
    return days, months


def _assert_in_step(store: Any) -> None:
    days, months = _recount(store)
    assert days, "no applications to sum"
    assert _kept(store) == (days, months)


def test_a_bulk_insert_adds_its_batches_sums_and_puts_its_trigger_back(store):
    _random_ledger(store, count=300, seed=11)
    _assert_in_step(store)
    if store.is_sqlite:
        with store.connection() as connection:
            triggers = connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'application_%'"
            ).scalars()
            assert {"application_tally_insert", "application_search_insert"} <= set(triggers)


def test_saves_status_changes_corrections_and_deletions_move_the_sums(store):
    _random_ledger(store, count=120, seed=12)
    receipts = [save_application(store, apply_input(n), clerk=CLERK, now=NOW).receipt
                for n in range(1, 4)]  # fmt: skip
    change_status(store, receipts[0], "已打印", actor=CLERK, now=NOW)
    change_status(store, receipts[1], "已打印", actor=CLERK, now=NOW)
    _assert_in_step(store)
    with store.session(write=True) as session:
        rows = session.scalars(select(Application).order_by(Application.id).limit(12)).all()
        rows[0].status = "paid"
        rows[1].amount = rows[1].amount + 500
        rows[2].applied_on = rows[2].applied_on.replace(day=28)
        rows[3].station_code = "ZZ9"
        rows[4].occupation_id, rows[4].competition_id = None, None
        rows[5].status, rows[5].amount = "returned", 0
        rows[6].name_chars = rows[6].name_chars + " 甲"  # a column the sums ignore
        doomed = [rows[7].id, rows[8].id]
    with store.session(write=True) as session:
        session.execute(delete(StatusChange).where(StatusChange.application_id.in_(doomed)))
        session.execute(delete(BatchItem).where(BatchItem.application_id.in_(doomed)))
        session.execute(delete(Application).where(Application.id.in_(doomed)))
    _assert_in_step(store)


def test_a_rolled_back_write_leaves_the_sums_as_they_were(store):
    _random_ledger(store, count=60, seed=13)
    before = _kept(store)
    with pytest.raises(RuntimeError), store.session(write=True) as session:
        session.execute(text("UPDATE application SET amount = amount + 1"))
        raise RuntimeError("interrupted")
    assert _kept(store) == before


def test_an_upgrade_fills_the_sums_of_the_applications_already_there(store):
    _random_ledger(store, count=150, seed=14)
    expected = _recount(store)
    migrations.downgrade(store, "0014")
    with store.connection() as connection:
        tables = connection.exec_driver_sql(
            "SELECT count(*) FROM application"  # the applications stay, the sums go
        ).scalar_one()
        assert "tally_day" not in inspect(connection).get_table_names()
    assert tables == 150
    migrations.upgrade(store)
    assert _kept(store) == expected


@pytest.mark.parametrize(
    "tamper",
    [
        "UPDATE tally_day SET amount = amount + 1000",
        "UPDATE tally_month SET count = count - 1 WHERE subject_id <> 0",
        "DELETE FROM tally_day",
        "INSERT INTO tally_month (month, station_code, subject_id, count, amount) "
        "SELECT month, 'ZZ9', subject_id, 5, 5000 FROM tally_month",
    ],
)
def test_audit_verify_finds_sums_changed_by_hand(store, tamper):
    from desktop_app.services.audit_trail import verify_audit

    for n in range(1, 4):
        save_application(store, apply_input(n), clerk=CLERK, now=NOW)
    assert verify_audit(store).ok, verify_audit(store).message
    with store.connection(write=True) as connection:
        assert connection.exec_driver_sql(tamper).rowcount > 0
    result = verify_audit(store)
    assert not result.ok
    assert "统计的" in result.message and "合计与申请记录不符" in result.message
