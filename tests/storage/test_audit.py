"""The audit trail: what is recorded, no personal numbers in clear, and tampering is caught."""

from __future__ import annotations

import itertools
import json
from datetime import datetime

import pytest
from sqlalchemy import text

from desktop_app.services import applications, audit_trail
from desktop_app.services import status as status_service
from desktop_app.storage.audit import GENESIS, event_hash
from desktop_app.storage.errors import DuplicateClaimError
from desktop_app.storage.models import AuditEvent
from tests.storage.conftest import CLERK, NOW, apply_input, make_id


def _events(store) -> list[AuditEvent]:
    with store.session() as session:
        return list(session.query(AuditEvent).order_by(AuditEvent.id))


def _fill(store) -> str:
    first = applications.save_application(store, apply_input(1), clerk=CLERK, now=NOW)
    applications.save_application(
        store,
        apply_input(1, **{"member.phone": "13900139000", "certificate.level": 2}),
        clerk=CLERK,
        now=NOW,
    )
    applications.save_application(store, apply_input(2), clerk="李柜员", now=NOW)
    status_service.change_status(store, first.receipt, "已打印", actor=CLERK, now=NOW)
    return first.receipt


def test_every_create_change_and_status_change_is_recorded(store):
    receipt = _fill(store)
    events = _events(store)
    summary = [(e.action, e.entity) for e in events]
    assert summary == [
        ("change", "settings"),  # station set by the fixture
        ("create", "member"),
        ("create", "application"),
        ("change", "member"),  # new phone number
        ("create", "application"),
        ("create", "member"),
        ("create", "application"),
        ("status", "application"),
    ]
    status = events[-1]
    assert status.entity_ref == receipt and status.actor == CLERK
    details = json.loads(status.details)
    assert set(details.pop("row_seal")) == {"sum", "resealed"}  # the application resealed
    assert details == {"before": "accepted", "after": "printed", "reason": None}
    change = events[3]
    details = json.loads(change.details)
    assert details.pop("row_seal")["resealed"] == 1  # the member's new phone, resealed
    assert set(details) == {"before", "after"}
    assert details["before"]["phone"] == "138****8000"
    assert details["after"]["phone"] == "139****9000"
    assert [e.actor for e in events[5:7]] == ["李柜员", "李柜员"]
    assert all(e.station_code == "XC01" for e in events[1:])
    assert all(e.at == NOW for e in events)


def test_no_personal_numbers_in_clear(store):
    _fill(store)
    secrets = [make_id(1), make_id(2), "13800138000", "13900139000", "6217000010001234569"]
    for event in _events(store):
        blob = event.details + event.entity_ref
        for secret in secrets:
            assert secret not in blob, (event.id, secret)
    created = json.loads(_events(store)[1].details)
    assert created["after"]["id_number"] == make_id(1)[:6] + "********" + make_id(1)[-4:]


def test_chain_links_each_event_to_the_one_before(store):
    _fill(store)
    events = _events(store)
    assert events[0].prev_hash == GENESIS
    for before, after in itertools.pairwise(events):
        assert after.prev_hash == before.hash
        assert after.id == before.id + 1
    assert all(event_hash(e) == e.hash for e in events)
    result = audit_trail.verify_audit(store)
    assert result.ok and result.events == len(events)
    assert "完整" in result.message


def test_edited_event_is_reported(store):
    _fill(store)
    with store.connection(write=True) as connection:
        connection.execute(
            text("UPDATE audit_event SET details = :d WHERE id = 5"),
            {"d": json.dumps({"amount": 99999})},
        )
    result = audit_trail.verify_audit(store)
    assert not result.ok and result.first_bad == 5
    assert "第5号事件" in result.message and "改动" in result.message


def test_edited_actor_or_time_is_reported(store):
    _fill(store)
    with store.connection(write=True) as connection:
        connection.execute(
            text("UPDATE audit_event SET at = :t WHERE id = 3"), {"t": datetime(2026, 1, 1)}
        )
    result = audit_trail.verify_audit(store)
    assert not result.ok and result.first_bad == 3


def test_deleted_event_in_the_middle_is_reported(store):
    _fill(store)
    with store.connection(write=True) as connection:
        connection.execute(text("DELETE FROM audit_event WHERE id = 4"))
    result = audit_trail.verify_audit(store)
    assert not result.ok and result.first_bad == 4
    assert "第4号事件缺失" in result.message


def test_deleted_last_events_are_reported(store):
    _fill(store)
    last = _events(store)[-1].id
    with store.connection(write=True) as connection:
        connection.execute(text("DELETE FROM audit_event WHERE id >= :n"), {"n": last - 1})
    result = audit_trail.verify_audit(store)
    assert not result.ok and result.first_bad == last - 1
    assert "缺失" in result.message


def test_inserted_event_is_reported(store):
    _fill(store)
    events = _events(store)
    last = events[-1]
    forged = AuditEvent(
        id=last.id + 1,
        at=NOW,
        actor="某人",
        station_code="XC01",
        action="status",
        entity="application",
        entity_ref="XC01-20261121-0001",
        details=json.dumps({"before": "printed", "after": "paid"}),
        prev_hash=last.hash,
    )
    forged.hash = event_hash(forged)  # a well-formed event, but not written by the program
    with store.session(write=True) as session:
        session.add(forged)
    result = audit_trail.verify_audit(store)
    assert not result.ok and result.first_bad == last.id + 1
    assert "插入" in result.message


def test_replaced_event_with_its_own_hash_breaks_the_link(store):
    _fill(store)
    events = _events(store)
    victim = events[4]
    with store.session(write=True) as session:
        row = session.get(AuditEvent, victim.id)
        row.details = json.dumps({"amount": 1})
        row.prev_hash = "f" * 64
        row.hash = event_hash(row)  # internally consistent, but no longer chained
    result = audit_trail.verify_audit(store)
    assert not result.ok and result.first_bad == victim.id
    assert "接不上" in result.message


def test_refused_duplicate_writes_no_event(store):
    _fill(store)
    count = len(_events(store))
    with pytest.raises(DuplicateClaimError):
        applications.save_application(store, apply_input(2), clerk=CLERK, now=NOW)
    assert len(_events(store)) == count
    assert audit_trail.verify_audit(store).ok


def test_print_and_export_events_are_chained_and_masked(store):
    receipt = _fill(store)
    audit_trail.record_event(
        store,
        actor=CLERK,
        action="print",
        entity="application",
        entity_ref=receipt,
        details={"form": "annex2", "id_number": make_id(1)},
        now=NOW,
    )
    audit_trail.record_event(
        store,
        actor=CLERK,
        action="export",
        entity="ledger",
        entity_ref="ledger",
        details={"rows": 3, "full_ids": True},
        now=NOW,
    )
    events = _events(store)
    assert [e.action for e in events[-2:]] == ["print", "export"]
    assert make_id(1) not in events[-2].details
    assert json.loads(events[-1].details) == {"rows": 3, "full_ids": True}
    assert audit_trail.verify_audit(store).ok
