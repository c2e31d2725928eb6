"""Saving applications: receipts, members, the stored decision, never paid twice."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from desktop_app.domain.facts import InputError
from desktop_app.domain.ledger_filter import LedgerFilter
from desktop_app.services import applications, ledger_view, station_settings
from desktop_app.services import status as status_service
from desktop_app.services.quote import quote_mapping
from desktop_app.storage.errors import DuplicateClaimError
from tests.storage.conftest import CLERK, NOW, apply_input, make_id


def test_save_gives_receipt_and_stores_the_decision_exactly(store):
    data = apply_input()
    saved = applications.save_application(store, data, clerk=CLERK, now=NOW)
    assert saved.receipt == "XC01-20261121-0001"
    expected = quote_mapping(data).to_dict()
    assert saved.decision.to_dict() == expected
    detail = ledger_view.application_detail(store, saved.receipt, full_numbers=True)
    assert detail.decision == expected
    assert detail.member["id_number"] == make_id(1)
    assert detail.certificate["number"] == "S000011010500001"
    assert detail.row.status_label == "已受理"
    assert [h["to"] for h in detail.history] == ["accepted"]
    assert detail.history[0]["actor"] == CLERK


def test_receipts_count_up_per_station_and_day(store):
    receipts = [
        applications.save_application(store, apply_input(n), clerk=CLERK, now=NOW).receipt
        for n in range(1, 4)
    ]
    assert receipts == [f"XC01-20261121-000{n}" for n in (1, 2, 3)]
    tomorrow = NOW + timedelta(days=1)
    nxt = applications.save_application(store, apply_input(9), clerk=CLERK, now=tomorrow)
    assert nxt.receipt == "XC01-20261122-0001"


def test_same_claim_is_refused_naming_the_first(store):
    first = applications.save_application(store, apply_input(), clerk=CLERK, now=NOW)
    with pytest.raises(DuplicateClaimError) as caught:
        applications.save_application(
            store, apply_input(**{"member.phone": "13900139000"}), clerk=CLERK, now=NOW
        )
    message = str(caught.value)
    assert first.receipt in message
    assert "2026年11月21日" in message
    assert "西城区某街道工会服务站" in message and "XC01" in message
    assert caught.value.first["receipt"] == first.receipt
    # Nothing of the refused attempt was saved: no new application, member details unchanged.
    assert ledger_view.ledger_count(store, LedgerFilter()) == 1
    detail = ledger_view.application_detail(store, first.receipt, full_numbers=True)
    assert detail.member["phone"] == "13800138000"


def test_other_level_or_occupation_or_person_is_a_different_claim(store):
    applications.save_application(store, apply_input(), clerk=CLERK, now=NOW)
    applications.save_application(
        store, apply_input(**{"certificate.level": 2}), clerk=CLERK, now=NOW
    )
    applications.save_application(
        store, apply_input(**{"certificate.occupation": "电工"}), clerk=CLERK, now=NOW
    )
    applications.save_application(store, apply_input(2), clerk=CLERK, now=NOW)
    assert ledger_view.ledger_count(store, LedgerFilter()) == 4


def test_occupation_by_code_or_by_name_is_the_same_claim(store):
    applications.save_application(store, apply_input(), clerk=CLERK, now=NOW)
    entry_code = quote_mapping(apply_input()).entry.code
    with pytest.raises(DuplicateClaimError):
        applications.save_application(
            store, apply_input(**{"certificate.occupation": entry_code}), clerk=CLERK, now=NOW
        )


def test_returned_application_frees_the_claim(store):
    first = applications.save_application(store, apply_input(), clerk=CLERK, now=NOW)
    status_service.change_status(store, first.receipt, "退回", actor=CLERK, reason="证书编号录错")
    second = applications.save_application(store, apply_input(), clerk=CLERK, now=NOW)
    assert second.receipt != first.receipt
    with pytest.raises(DuplicateClaimError) as caught:
        applications.save_application(store, apply_input(), clerk=CLERK, now=NOW)
    assert second.receipt in str(caught.value)


def test_ineligible_application_is_saved_as_such(store):
    data = apply_input(**{"certificate.occupation": "不存在的工种"})
    saved = applications.save_application(store, data, clerk=CLERK, now=NOW)
    assert saved.decision.eligible is False and saved.decision.amount == 0
    row = ledger_view.ledger(store, LedgerFilter(query=saved.receipt))[0]
    assert row.eligible is False and row.amount == 0


def test_bad_id_number_is_refused_with_the_validators_message(store):
    data = apply_input(**{"member.id_number": "110105198001010017"})
    with pytest.raises(InputError) as caught:
        applications.save_application(store, data, clerk=CLERK, now=NOW)
    assert caught.value.field == "member.id_number"
    assert "校验" in caught.value.message
    assert ledger_view.ledger_count(store, LedgerFilter()) == 0


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("member.name", "", "member.name"),
        ("member.id_number", None, "member.id_number"),
        ("member.phone", "12345", "member.phone"),
        ("certificate.approved_on", "2026-13-01", "certificate.approved_on"),
        ("certificate.kind", "diploma", "certificate.kind"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(store, path, value, field):
    with pytest.raises(InputError) as caught:
        applications.save_application(store, apply_input(**{path: value}), clerk=CLERK, now=NOW)
    assert caught.value.field == field
    assert ledger_view.ledger_count(store, LedgerFilter()) == 0


def test_member_details_are_updated_and_the_change_audited(store):
    applications.save_application(store, apply_input(), clerk=CLERK, now=NOW)
    later = apply_input(**{"member.phone": "13900139000", "certificate.level": 2})
    saved = applications.save_application(store, later, clerk=CLERK, now=NOW)
    detail = ledger_view.application_detail(store, saved.receipt, full_numbers=True)
    assert detail.member["phone"] == "13900139000"
    changes = [e for e in detail.events if e["entity"] == "member" and e["action"] == "change"]
    assert len(changes) == 1
    assert "13900139000" not in changes[0]["details"]
    assert "139****9000" in changes[0]["details"]


def test_applied_on_defaults_to_today(store):
    data = apply_input()
    del data["applied_on"]
    saved = applications.save_application(store, data, clerk=CLERK, now=NOW)
    row = ledger_view.ledger(store, LedgerFilter(query=saved.receipt))[0]
    assert row.applied_on == date(2026, 11, 21)


def test_station_must_be_set_before_saving(db_url, home):
    from desktop_app.services.store import open_store

    bare = open_store(db_url, home, now=NOW)
    try:
        with pytest.raises(station_settings.StationNotSetError) as caught:
            applications.save_application(bare, apply_input(), clerk=CLERK, now=NOW)
        assert "服务站代码" in str(caught.value)
    finally:
        bare.dispose()


def test_station_code_is_checked(store):
    with pytest.raises(InputError):
        station_settings.save_station(store, actor=CLERK, code="西城01")
    station = station_settings.save_station(store, actor=CLERK, code="dc02")
    assert station.code == "DC02"
    saved = applications.save_application(
        store, apply_input(), clerk=CLERK, now=datetime(2026, 11, 22, 8, 0)
    )
    assert saved.receipt == "DC02-20261122-0001"
