"""Status changes: 已受理 → 已打印 → 已报送 → 已发放, or 退回 with a reason; who and when."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from desktop_app.domain.facts import InputError
from desktop_app.domain.ledger_filter import LedgerFilter
from desktop_app.services import applications, audit_trail, ledger_view
from desktop_app.services import status as status_service
from desktop_app.storage.errors import DuplicateClaimError, NotFoundError, StatusChangeError
from tests.storage.conftest import CLERK, NOW, apply_input


@pytest.fixture
def receipt(store) -> str:
    return applications.save_application(store, apply_input(), clerk=CLERK, now=NOW).receipt


def test_the_whole_way_to_paid_is_recorded(store, receipt):
    steps = [("已打印", "李"), ("submitted", "王"), ("已发放", "区总工会张")]
    for n, (status, actor) in enumerate(steps, start=1):
        status_service.change_status(
            store, receipt, status, actor=actor, now=datetime(2026, 11, 21 + n, 10, 0)
        )
    detail = ledger_view.application_detail(store, receipt)
    assert [h["to_label"] for h in detail.history] == ["已受理", "已打印", "已报送", "已发放"]
    assert [h["actor"] for h in detail.history] == [CLERK, "李", "王", "区总工会张"]
    assert detail.history[-1]["at"] == "2026-11-24 10:00:00"
    assert detail.row.status == "paid"


def test_return_needs_a_reason_and_keeps_it(store, receipt):
    with pytest.raises(InputError) as caught:
        status_service.change_status(store, receipt, "退回", actor=CLERK, reason="  ")
    assert "原因" in caught.value.message
    status_service.change_status(store, receipt, "returned", actor=CLERK, reason="证书已过期")
    detail = ledger_view.application_detail(store, receipt)
    assert detail.history[-1]["reason"] == "证书已过期"
    assert ledger_view.ledger(store, LedgerFilter(status="returned"))[0].receipt == receipt


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ([], "已发放"),  # paid needs 已报送 first
        (["已打印"], "已受理"),  # no going back
        (["已打印", "已报送", "已发放"], "退回"),  # paid is final
        (["退回"], "已打印"),  # returned is final
    ],
)
def test_moves_off_the_path_are_refused(store, receipt, path, target):
    for status in path:
        status_service.change_status(store, receipt, status, actor=CLERK, reason="原因")
    with pytest.raises(StatusChangeError) as caught:
        status_service.change_status(store, receipt, target, actor=CLERK, reason="原因")
    assert receipt in str(caught.value) and "不能改为" in str(caught.value)
    history = ledger_view.application_detail(store, receipt).history
    assert len(history) == len(path) + 1  # nothing recorded by the refused move


def test_unknown_status_and_receipt(store, receipt):
    with pytest.raises(InputError) as caught:
        status_service.change_status(store, receipt, "已审核", actor=CLERK)
    assert "已受理" in caught.value.message  # lists the choices
    with pytest.raises(NotFoundError):
        status_service.change_status(store, "XC01-20990101-0001", "已打印", actor=CLERK)


def test_ledger_masks_numbers_and_filters(store):
    for n in range(1, 4):
        applications.save_application(
            store, apply_input(n, **{"member.name": f"测试{n}"}), clerk=CLERK, now=NOW
        )
    applications.save_application(
        store,
        apply_input(
            9,
            scheme="bj-2016-union-boost",
            applied_on="2016-10-10",
            **{
                "certificate.kind": "qualification",
                "certificate.occupation": "油务员",
                "certificate.level": 1,
                "certificate.issued_on": "2016-06-01",
            },
        ),
        clerk=CLERK,
        now=NOW,
    )
    rows = ledger_view.ledger(store, LedgerFilter())
    assert len(rows) == 4
    assert rows[0].id > rows[-1].id  # newest first
    for row in rows:
        assert "********" in row.id_number and len(row.id_number) == 18
        assert row.card_number == "***************4569"
    assert [r.name for r in ledger_view.ledger(store, LedgerFilter(query="测试2"))] == ["测试2"]
    assert len(ledger_view.ledger(store, LedgerFilter(scheme="bj-2016-union-boost"))) == 1
    from datetime import date

    early = LedgerFilter(date_to=date(2016, 12, 31))
    assert [r.scheme for r in ledger_view.ledger(store, early)] == ["bj-2016-union-boost"]
    assert ledger_view.ledger_count(store, LedgerFilter(date_from=date(2026, 1, 1))) == 3
    page = ledger_view.ledger(store, LedgerFilter(), limit=2, offset=2)
    assert [r.id for r in page] == [r.id for r in rows[2:]]


# --- undoing a change made by mistake -------------------------------------------------------


def _later(minutes: int) -> datetime:
    return datetime(2026, 11, 21, 10, minutes)


def test_a_change_is_undone_by_its_maker_as_a_recorded_step_back(store, receipt):
    from desktop_app.services.presenter import event_text

    status_service.change_status(store, receipt, "已打印", actor=CLERK, now=_later(0))
    status_service.change_status(store, receipt, "已报送", actor=CLERK, now=_later(1))
    offer = status_service.undoable_change(store, receipt, actor=CLERK, since=_later(0))
    assert offer is not None and offer.step == 2 and offer.text == "已打印 → 已报送"
    undone = status_service.undo_status_change(
        store, receipt, actor=CLERK, step=2, since=_later(0), now=_later(2)
    )
    assert undone.status == "printed"
    detail = ledger_view.application_detail(store, receipt)
    assert [h["to_label"] for h in detail.history] == ["已受理", "已打印", "已报送", "已打印"]
    assert detail.history[-1]["actor"] == CLERK
    assert "撤销第2步" in detail.history[-1]["reason"]
    event = detail.events[-1]
    assert event["action"] == "undo" and json.loads(event["details"])["undo_of"] == 2
    assert event_text(event).startswith("已报送 → 已打印")
    assert audit_trail.verify_audit(store).ok
    # The step back is itself the last change: undoing it again is a new decision, not a loop.
    assert status_service.undoable_change(store, receipt, actor=CLERK, since=_later(0)) is not None


@pytest.mark.parametrize(
    ("actor", "since", "message"),
    [
        ("李柜员", None, "只有做出更改的经办人才能撤销"),
        (CLERK, datetime(2026, 11, 21, 11, 0), "本次打开程序以来"),
    ],
)
def test_only_the_maker_and_only_in_the_session(store, receipt, actor, since, message):
    status_service.change_status(store, receipt, "已打印", actor=CLERK, now=_later(0))
    assert status_service.undoable_change(store, receipt, actor=actor, since=since) is None
    with pytest.raises(StatusChangeError) as caught:
        status_service.undo_status_change(store, receipt, actor=actor, step=1, since=since)
    assert message in caught.value.message
    assert ledger_view.application_detail(store, receipt).row.status == "printed"


def test_paid_is_never_undone_and_a_stale_step_is_refused(store, receipt):
    for n, target in enumerate(("已打印", "已报送", "已发放")):
        status_service.change_status(store, receipt, target, actor=CLERK, now=_later(n))
    assert status_service.undoable_change(store, receipt, actor=CLERK) is None
    with pytest.raises(StatusChangeError) as caught:
        status_service.undo_status_change(store, receipt, actor=CLERK, step=3)
    assert "不能撤销" in caught.value.message
    with pytest.raises(StatusChangeError) as caught:
        status_service.undo_status_change(store, receipt, actor=CLERK, step=2)
    assert "之后又有更改" in caught.value.message
    assert ledger_view.application_detail(store, receipt).row.status == "paid"


def test_nothing_to_undo_on_a_new_application(store, receipt):
    assert status_service.undoable_change(store, receipt, actor=CLERK) is None
    with pytest.raises(StatusChangeError) as caught:
        status_service.undo_status_change(store, receipt, actor=CLERK, step=1)
    assert "没有可撤销" in caught.value.message


def test_undoing_a_return_after_the_claim_was_taken_again_is_refused(store, receipt):
    status_service.change_status(store, receipt, "退回", actor=CLERK, reason="录错", now=_later(0))
    again = applications.save_application(store, apply_input(), clerk=CLERK, now=_later(1))
    with pytest.raises(StatusChangeError) as caught:
        status_service.undo_status_change(store, receipt, actor=CLERK, step=1)
    assert "重新受理" in caught.value.message
    assert ledger_view.application_detail(store, receipt).row.status == "returned"
    assert ledger_view.application_detail(store, again.receipt).row.status == "accepted"
    assert audit_trail.verify_audit(store).ok


def test_undoing_a_return_gives_the_claim_back(store, receipt):
    status_service.change_status(store, receipt, "退回", actor=CLERK, reason="点错", now=_later(0))
    status_service.undo_status_change(store, receipt, actor=CLERK, step=1, now=_later(1))
    assert ledger_view.application_detail(store, receipt).row.status == "accepted"
    with pytest.raises(DuplicateClaimError):
        applications.save_application(store, apply_input(), clerk=CLERK, now=_later(2))
