"""Status histories through the bulk path and the counter: the acceptance is the application
row itself, every other step is stored, numbered, and read back exactly as given."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from desktop_app.services import applications, ledger_view
from desktop_app.services import status as status_service
from desktop_app.storage.bulk import NewApplication, NewMember, insert_applications
from desktop_app.storage.models import Application, StatusChange
from tests.storage.conftest import CLERK, NOW, apply_input, make_id

CREATED = datetime(2026, 3, 2, 9, 15, 7)


def _values(k: int, status: str) -> dict[str, object]:
    return {
        "scheme": "bj-2026-skills",
        "kind": "skill_level",
        "occupation": "无人机驾驶员",
        "claim_item": f"4-02-04-{k:02d}",
        "claim_level": "4",
        "level": 4,
        "applied_on": CREATED.date(),
        "station_code": "XC01",
        "station_name": "西城区某街道工会服务站",
        "clerk": CLERK,
        "status": status,
        "eligible": True,
        "amount": 1800,
        "findings": [],
        "policy_sha256": "0" * 64,
        "created_at": CREATED,
        "updated_at": CREATED,
    }


def _step(before, after, actor, days, reason=None):
    return {
        "from_status": before,
        "to_status": after,
        "actor": actor,
        "at": CREATED + timedelta(days=days),
        "reason": reason,
    }


def _as_tuples(steps):
    return [(s["from_status"], s["to_status"], s["reason"], s["actor"], s["at"]) for s in steps]


def test_bulk_histories_read_back_exactly_and_store_only_what_the_row_does_not_say(store):
    usual = [
        _step(None, "accepted", CLERK, 0),
        _step("accepted", "printed", CLERK, 1),
        _step("printed", "submitted", "区总工会 刘", 3),
        _step("submitted", "paid", "区总工会 刘", 9),
    ]
    # Accepted by someone else than the clerk on the row: this acceptance must be kept.
    unusual = [
        _step(None, "accepted", "代班 张", 0),
        _step("accepted", "returned", "代班 张", 2, reason="证书复印件不清楚"),
    ]
    items = [
        NewApplication(NewMember(make_id(1), "王芳"), _values(1, "accepted")),
        NewApplication(NewMember(make_id(2), "李娜"), _values(2, "paid"), usual),
        NewApplication(NewMember(make_id(3), "赵六"), _values(3, "returned"), unusual),
    ]
    with store.session(write=True) as session:
        result = insert_applications(session, items)
    with store.session() as session:
        apps = {a.receipt: a for a in session.execute(select(Application)).unique().scalars().all()}
        steps = {
            r: [(s.from_status, s.to_status, s.reason, s.actor, s.at) for s in a.steps]
            for r, a in apps.items()
        }
        stored = session.execute(
            select(StatusChange.application_id, StatusChange.step).order_by(
                StatusChange.application_id, StatusChange.step
            )
        ).all()
        lives = {r: a.live for r, a in apps.items()}
    first, second, third = result.receipts
    assert steps[first] == [(None, "accepted", None, CLERK, CREATED)]
    assert steps[second] == _as_tuples(usual)
    assert steps[third] == _as_tuples(unusual)
    # Stored: the three changes of the second, both steps of the third, numbered from 1.
    ids = {r: a.id for r, a in apps.items()}
    assert stored == [
        (ids[second], 1),
        (ids[second], 2),
        (ids[second], 3),
        (ids[third], 1),
        (ids[third], 2),
    ]
    assert lives == {first: 1, second: 1, third: None}


def test_status_changes_at_the_counter_are_numbered_after_the_acceptance(store):
    receipt = applications.save_application(store, apply_input(1), clerk=CLERK, now=NOW).receipt
    later = NOW + timedelta(hours=1)
    status_service.change_status(store, receipt, "printed", actor="李柜员", now=later)
    status_service.change_status(
        store,
        receipt,
        "returned",
        actor="李柜员",
        reason="材料不全",
        now=later + timedelta(hours=1),
    )
    detail = ledger_view.application_detail(store, receipt)
    assert [(h["from"], h["to"], h["actor"], h["reason"]) for h in detail.history] == [
        (None, "accepted", CLERK, None),
        ("accepted", "printed", "李柜员", None),
        ("printed", "returned", "李柜员", "材料不全"),
    ]
    with store.session() as session:
        numbers = session.execute(select(StatusChange.step).order_by(StatusChange.step)).all()
        app = session.execute(select(Application)).unique().scalar_one()
        assert app.live is None and app.status == "returned"
        assert session.execute(select(func.count()).select_from(StatusChange)).scalar_one() == 2
    assert [n[0] for n in numbers] == [1, 2]
    # The returned claim is free again: the same claim can be saved anew.
    again = applications.save_application(store, apply_input(1), clerk=CLERK, now=NOW)
    assert again.receipt != receipt


def test_an_application_a_service_returns_keeps_its_texts_after_the_session(store):
    receipt = applications.save_application(store, apply_input(1), clerk=CLERK, now=NOW).receipt
    app = status_service.change_status(store, receipt, "printed", actor="李柜员", now=NOW)
    # The session is closed: every text was loaded with the row (models.load_terms).
    assert [s.actor for s in app.steps] == [CLERK, "李柜员"]
    assert app.station_name == "西城区某街道工会服务站"
    assert app.scheme and app.claim_item and app.clerk == CLERK
    assert app.member.name
