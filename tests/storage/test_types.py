"""The compact column types (storage/types.py) and interned texts (models.interned): what is
stored, what comes back, and the refusals."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, text

from desktop_app.services import applications
from desktop_app.services import status as status_service
from desktop_app.storage.models import Application, Member, Term, term_for
from desktop_app.storage.types import (
    Code,
    day_to_int,
    int_to_day,
    int_to_moment,
    moment_to_int,
)
from tests.storage.conftest import CLERK, NOW, apply_input

# --- plain conversions ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "moment",
    [
        datetime(1970, 1, 1),
        datetime(2026, 11, 21, 9, 30, 5),
        datetime(2038, 1, 19, 3, 14, 8),  # past 32-bit seconds
        datetime(1949, 10, 1, 15, 0, 0),  # before 1970
        datetime(9999, 12, 31, 23, 59, 59),
    ],
)
def test_moment_round_trip(moment):
    assert int_to_moment(moment_to_int(moment)) == moment


def test_moment_is_the_wall_clock_in_seconds():
    # 1970-01-02 00:00:01 wall clock → 86,401: the number SQLite's datetime(x, 'unixepoch')
    # turns back into the same text.
    assert moment_to_int(datetime(1970, 1, 2, 0, 0, 1)) == 86_401
    assert moment_to_int(datetime(2026, 11, 21, 9, 30, 5, 999_999)) == moment_to_int(
        datetime(2026, 11, 21, 9, 30, 5)
    )  # to the second


def test_moment_refuses_a_time_with_a_zone():
    with pytest.raises(ValueError, match="北京时间"):
        moment_to_int(datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=8))))


@pytest.mark.parametrize("day", [date(1970, 1, 1), date(2026, 11, 21), date(1, 1, 1), date.max])
def test_day_round_trip(day):
    assert int_to_day(day_to_int(day)) == day


def test_day_refuses_a_datetime():
    with pytest.raises(ValueError, match="应为日期"):
        day_to_int(datetime(2026, 11, 21, 8))


def test_code_numbers_are_positions_and_unknown_words_are_refused():
    status = Code("status")
    assert [status.number(w) for w in ("accepted", "printed", "submitted", "paid", "returned")] == [
        1,
        2,
        3,
        4,
        5,
    ]
    assert status.word(5) == "returned"
    with pytest.raises(ValueError, match="不是可存储的status"):
        status.number("lost")
    with pytest.raises(ValueError, match="更新的版本"):
        status.word(9)


# --- in a real database (SQLite and PostgreSQL) ----------------------------------------------


def test_stored_forms_on_sqlite(backend, store):
    """SQLite keeps the small numbers; the values read back unchanged through the ORM."""
    receipt = applications.save_application(store, apply_input(1), clerk=CLERK, now=NOW).receipt
    with store.session() as session:
        app = session.execute(
            select(Application).where(Application.receipt == receipt)
        ).scalar_one()
        assert app.created_at == NOW.replace(microsecond=0)
        assert isinstance(app.applied_on, date) and app.status == "accepted"
        raw = session.execute(
            text("SELECT created_at, applied_on, status, kind, scheme_id FROM application")
        ).one()
    if backend == "sqlite":
        assert raw[0] == moment_to_int(NOW) and isinstance(raw[1], int)
        assert raw[2] == 1 and raw[3] == 1 and isinstance(raw[4], int)
        with store.connection() as connection:
            shown = connection.execute(
                text("SELECT datetime(created_at, 'unixepoch') FROM application")
            ).scalar_one()
        assert shown == NOW.strftime("%Y-%m-%d %H:%M:%S")


def test_interned_texts_are_stored_once_and_read_compare_and_select_as_text(store):
    for serial in (1, 2, 3):
        applications.save_application(store, apply_input(serial), clerk=CLERK, now=NOW)
    with store.session() as session:
        apps = session.execute(select(Application).order_by(Application.id)).scalars().all()
        assert {a.clerk for a in apps} == {CLERK}
        assert len({a.clerk_id for a in apps}) == 1  # one term for the three
        clerks = session.execute(select(func.count()).where(Term.text == CLERK)).scalar_one()
        assert clerks == 1
        scheme = apps[0].scheme
        # Compared as text (the number looked up), selected as text.
        found = session.execute(
            select(Application.receipt).where(Application.scheme == scheme)
        ).all()
        assert len(found) == 3
        assert not session.execute(
            select(Application.id).where(Application.scheme == "无此方案")
        ).all()
        names = session.execute(select(Application.id, Application.scheme)).all()
        assert {row.scheme for row in names} == {scheme}
        assert session.execute(
            select(Application.id).where(Application.issuer.is_(None))
        ).all() or all(a.issuer for a in apps)


def test_setting_an_interned_text_on_a_stored_row(store):
    receipt = applications.save_application(store, apply_input(1), clerk=CLERK, now=NOW).receipt
    with store.session(write=True) as session:
        app = session.execute(
            select(Application).where(Application.receipt == receipt)
        ).scalar_one()
        member = app.member
        member.work_unit = "北京某新单位有限公司"
        member.position = None
        assert member.work_unit == "北京某新单位有限公司"
    with store.session() as session:
        member = session.execute(select(Member)).scalar_one()
        assert member.work_unit == "北京某新单位有限公司" and member.position is None
        assert member.work_unit_id is not None


def test_term_for_returns_the_same_row_for_the_same_text(store):
    with store.session(write=True) as session:
        first = term_for(session, "北京市人力资源和社会保障局")
        again = term_for(session, "北京市人力资源和社会保障局")
        other = term_for(session, "北京市职业技能鉴定指导中心")
        assert first.id == again.id != other.id


def test_every_term_number_names_a_stored_text_and_a_broken_one_is_found(store):
    from desktop_app.storage import repository

    receipt = applications.save_application(store, apply_input(1), clerk=CLERK, now=NOW).receipt
    status_service.change_status(store, receipt, "printed", actor="李柜员", now=NOW)
    with store.session() as session:
        assert repository.dangling_terms(session) == []
    with store.connection(write=True) as connection:
        connection.execute(text("UPDATE status_change SET actor_id = 999999"))
    with store.session() as session:
        assert repository.dangling_terms(session) == ["status_change.actor_id"]
