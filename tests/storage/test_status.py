"""Status changes: 已受理 → 已打印 → 已报送 → 已发放, or 退回 with a reason; who and when."""

from __future__ import annotations

from datetime import datetime

import pytest

from desktop_app.domain.facts import InputError
from desktop_app.services import applications
from desktop_app.storage.errors import NotFoundError, StatusChangeError
from desktop_app.storage.repository import LedgerFilter
from tests.storage.conftest import CLERK, NOW, apply_input


@pytest.fixture
def receipt(store) -> str:
    return applications.save_application(store, apply_input(), clerk=CLERK, now=NOW).receipt


def test_the_whole_way_to_paid_is_recorded(store, receipt):
    steps = [("已打印", "李"), ("submitted", "王"), ("已发放", "区总工会张")]
    for n, (status, actor) in enumerate(steps, start=1):
        applications.change_status(
            store, receipt, status, actor=actor, now=datetime(2026, 11, 21 + n, 10, 0)
        )
    detail = applications.application_detail(store, receipt)
    assert [h["to_label"] for h in detail.history] == ["已受理", "已打印", "已报送", "已发放"]
    assert [h["actor"] for h in detail.history] == [CLERK, "李", "王", "区总工会张"]
    assert detail.history[-1]["at"] == "2026-11-24 10:00:00"
    assert detail.row.status == "paid"


def test_return_needs_a_reason_and_keeps_it(store, receipt):
    with pytest.raises(InputError) as caught:
        applications.change_status(store, receipt, "退回", actor=CLERK, reason="  ")
    assert "原因" in caught.value.message
    applications.change_status(store, receipt, "returned", actor=CLERK, reason="证书已过期")
    detail = applications.application_detail(store, receipt)
    assert detail.history[-1]["reason"] == "证书已过期"
    assert applications.ledger(store, LedgerFilter(status="returned"))[0].receipt == receipt


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
        applications.change_status(store, receipt, status, actor=CLERK, reason="原因")
    with pytest.raises(StatusChangeError) as caught:
        applications.change_status(store, receipt, target, actor=CLERK, reason="原因")
    assert receipt in str(caught.value) and "不能改为" in str(caught.value)
    history = applications.application_detail(store, receipt).history
    assert len(history) == len(path) + 1  # nothing recorded by the refused move


def test_unknown_status_and_receipt(store, receipt):
    with pytest.raises(InputError) as caught:
        applications.change_status(store, receipt, "已审核", actor=CLERK)
    assert "已受理" in caught.value.message  # lists the choices
    with pytest.raises(NotFoundError):
        applications.change_status(store, "XC01-20990101-0001", "已打印", actor=CLERK)


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
    rows = applications.ledger(store, LedgerFilter())
    assert len(rows) == 4
    assert rows[0].id > rows[-1].id  # newest first
    for row in rows:
        assert "********" in row.id_number and len(row.id_number) == 18
        assert row.card_number == "***************4569"
    assert [r.name for r in applications.ledger(store, LedgerFilter(query="测试2"))] == ["测试2"]
    assert len(applications.ledger(store, LedgerFilter(scheme="bj-2016-union-boost"))) == 1
    from datetime import date

    early = LedgerFilter(date_to=date(2016, 12, 31))
    assert [r.scheme for r in applications.ledger(store, early)] == ["bj-2016-union-boost"]
    assert applications.ledger_count(store, LedgerFilter(date_from=date(2026, 1, 1))) == 3
    page = applications.ledger(store, LedgerFilter(), limit=2, offset=2)
    assert [r.id for r in page] == [r.id for r in rows[2:]]
