"""Each distinct decision document is stored once (`decision` table, migration 0004) and
reads back exactly as it was computed, through the counter's save, the bulk insert and a
real race of counters saving the same decision at once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from desktop_app.services import applications, ledger_view
from desktop_app.services.applications import intake_from_mapping
from desktop_app.services.quote import quote_application
from desktop_app.storage import repository
from desktop_app.storage.bulk import NewApplication, NewMember, insert_applications
from desktop_app.storage.models import Application, Decision, decision_digest
from tests.storage import worker
from tests.storage.conftest import CLERK, NOW, apply_input, make_id
from tests.storage.test_race import race


def _computed(data: dict) -> tuple[list[dict], str]:
    decision = quote_application(intake_from_mapping(data).facts)
    return [f.to_dict() for f in decision.findings], decision.policy_sha256


def _decisions(store) -> list[Decision]:
    with store.session() as session:
        return list(session.scalars(select(Decision).order_by(Decision.id)))


def _decision_ids(store) -> dict[str, int]:
    with store.session() as session:
        rows = session.execute(select(Application.receipt, Application.decision_id))
        return {r.receipt: r.decision_id for r in rows}


def test_identical_decisions_share_one_row(store):
    first = applications.save_application(store, apply_input(1), clerk=CLERK, now=NOW)
    second = applications.save_application(store, apply_input(2), clerk=CLERK, now=NOW)
    stored = _decisions(store)
    assert len(stored) == 1
    ids = _decision_ids(store)
    assert ids[first.receipt] == ids[second.receipt] == stored[0].id

    findings, sha = _computed(apply_input(1))
    assert stored[0].findings == findings  # same dicts, same order, same text
    assert stored[0].policy_sha256 == sha
    assert stored[0].digest == decision_digest(sha, findings)
    for receipt in (first.receipt, second.receipt):
        detail = ledger_view.application_detail(store, receipt)
        assert detail.decision["findings"] == findings
        assert detail.decision["policy_sha256"] == sha
        assert detail.decision["eligible"] is True and detail.decision["amount"] > 0


def test_different_findings_get_their_own_rows(store):
    eligible = apply_input(1)
    other_level = apply_input(2, **{"certificate.level": 2})
    no_key_group = apply_input(3, **{"member.key_group": False})  # not eligible
    receipts = [
        applications.save_application(store, data, clerk=CLERK, now=NOW).receipt
        for data in (eligible, other_level, no_key_group)
    ]
    stored = _decisions(store)
    assert len(stored) == 3
    assert len({d.digest for d in stored}) == 3
    ids = _decision_ids(store)
    for receipt, data in zip(receipts, (eligible, other_level, no_key_group), strict=True):
        findings, sha = _computed(data)
        detail = ledger_view.application_detail(store, receipt)
        assert detail.decision["findings"] == findings
        assert detail.decision["policy_sha256"] == sha
        assert next(d for d in stored if d.id == ids[receipt]).findings == findings
    assert any(not f["passed"] for f in _computed(no_key_group)[0])


def test_decision_id_is_get_or_create(store):
    findings = [{"rule": "a", "passed": True, "message": "甲", "source": "文件"}]
    reordered = [{"passed": True, "rule": "a", "message": "甲", "source": "文件"}]
    with store.session(write=True) as session:
        one = repository.decision_id(session, "1" * 64, findings)
        assert repository.decision_id(session, "1" * 64, list(findings)) == one
        # Another policy, or the keys in another order, is another document.
        assert repository.decision_id(session, "2" * 64, findings) != one
        assert repository.decision_id(session, "1" * 64, reordered) != one
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Decision)) == 3
        assert session.get(Decision, one).findings == findings


def _bulk_item(serial: int, findings: list[dict], sha: str) -> NewApplication:
    return NewApplication(
        member=NewMember(make_id(serial), "李娜"),
        values={
            "scheme": "bj-2026-skills",
            "kind": "skill_level",
            "occupation": "无人机驾驶员",
            "claim_item": "无人机驾驶员",
            "claim_level": "3",
            "level": 3,
            "applied_on": NOW.date(),
            "station_code": "XC01",
            "station_name": "西城区某街道工会服务站",
            "clerk": CLERK,
            "status": "accepted",
            "eligible": True,
            "amount": 1500,
            "findings": findings,
            "policy_sha256": sha,
            "created_at": NOW,
            "updated_at": NOW,
        },
    )


def test_bulk_insert_stores_each_document_once(store):
    saved = applications.save_application(store, apply_input(1), clerk=CLERK, now=NOW)
    findings, sha = _computed(apply_input(1))
    other = [*findings[:-1], {**findings[-1], "message": findings[-1]["message"] + "（另）"}]
    items = [
        _bulk_item(10, findings, sha),  # the document the counter stored
        _bulk_item(11, [dict(f) for f in findings], sha),  # equal, another object
        _bulk_item(12, other, sha),  # new
        _bulk_item(13, other, sha),
    ]
    with store.session(write=True) as session:
        result = insert_applications(session, items)
    assert result.inserted == 4
    stored = _decisions(store)
    assert len(stored) == 2
    ids = _decision_ids(store)
    known = ids[saved.receipt]
    assert [ids[r] for r in result.receipts if r] == [known, known, *[stored[1].id] * 2]
    for receipt, expected in zip(result.receipts, (findings, findings, other, other), strict=True):
        assert receipt is not None
        assert ledger_view.application_detail(store, receipt).decision["findings"] == expected


@pytest.mark.slow
def test_racing_counters_store_one_decision(backend, db_url, home, store):
    """Four counters save four people's identical claims at the same moment into a store
    that has no decision yet: each saves, and all four share the one decision row."""
    results = race(home, db_url, [(person, 3) for person in range(4)])
    assert [r.verdict for r in results] == ["OK"] * 4, results
    stored = _decisions(store)
    assert len(stored) == 1
    ids = _decision_ids(store)
    assert sorted(ids) == sorted(r.receipt for r in results)
    assert set(ids.values()) == {stored[0].id}
    assert stored[0].findings == _computed(worker.once_input(0))[0]
