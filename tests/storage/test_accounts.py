"""Accounts, sign-in and the roles' permissions, through the services (issue 18, parts 1, 2, 4,
5): on SQLite and on the real PostgreSQL server."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from desktop_app.domain.facts import InputError
from desktop_app.domain.ledger_filter import LedgerFilter
from desktop_app.errors import EXIT_INPUT
from desktop_app.services import accounts, applications, ledger_view, station_settings, status
from desktop_app.services.accounts import SignInError
from desktop_app.services.audit_trail import verify_audit
from desktop_app.services.backups import make_backup
from desktop_app.services.ledger_view import NotFoundError
from desktop_app.services.permissions import PermissionDeniedError, accounts_enabled, allowed
from desktop_app.storage.models import Account, AuditEvent
from tests.storage.conftest import apply_input

NOW = datetime(2026, 11, 21, 10, 0, 0)
ADMIN_PW = "Admin-pass-1"
PW = "Clerk-pass-1"


def _events(store: Any, action: str | None = None) -> list[AuditEvent]:
    with store.session() as session:
        query = session.query(AuditEvent).order_by(AuditEvent.id)
        rows = list(query.filter(AuditEvent.action == action) if action else query)
        session.expunge_all()
        return rows


def _save(store: Any, serial: int, *, station: str = "XC01") -> str:
    """An application saved at the counter of `station` (the open database, before accounts)."""
    current = station_settings.station(store)
    if current is None or current.code != station:
        station_settings.save_station(store, actor="设置", code=station, name=f"{station}站")
    data = apply_input(serial, **{"certificate.number": f"S0000110105{serial:05d}"})
    return applications.save_application(store, data, clerk="王柜员", now=NOW).receipt


@pytest.fixture
def district(store: Any) -> dict[str, Any]:
    """A database with applications of XC01 and XC02 (saved before accounts existed), then
    the first administrator, a clerk and a reviewer of XC01; the counter is XC01's."""
    xc02 = _save(store, 2, station="XC02")
    xc01 = _save(store, 1, station="XC01")
    assert not accounts_enabled(store)
    accounts.create_first_admin(store, username="admin", name="张管理", password=ADMIN_PW, now=NOW)
    for username, name, role in (("wang", "王柜员", "clerk"), ("li", "李站长", "reviewer")):
        accounts.add_account(
            store, username=username, name=name, role=role, station_code="xc01",
            password=PW, now=NOW,
        )  # fmt: skip
    store.account = None
    return {"xc01": xc01, "xc02": xc02}


def _as(store: Any, username: str, password: str = PW) -> Any:
    store.account = None
    return accounts.sign_in(store, username, password, now=NOW)


# --- accounts ----------------------------------------------------------------------------------


def test_the_password_is_kept_only_as_a_slow_salted_hash(store):
    accounts.create_first_admin(store, username="Admin", name="张管理", password=ADMIN_PW, now=NOW)
    with store.session() as session:
        (row,) = session.query(Account).all()
        assert row.username == "admin"
        assert row.password_hash.startswith("$argon2id$v=19$m=65536,t=2,")
        assert ADMIN_PW not in row.password_hash
    other = accounts.hash_password(ADMIN_PW)
    assert other != row.password_hash  # salted: the same password, another string


def test_the_first_administrator_only_once_and_never_with_a_weak_password(store):
    for password, said in (("short", "至少 8 个"), ("aaaaaaaaaa", "重复"), ("admin123X", None)):
        if said:
            with pytest.raises(InputError, match=said):
                accounts.create_first_admin(store, username="admin", name="张", password=password)
    signed = accounts.create_first_admin(store, username="admin", name="张", password=ADMIN_PW)
    assert signed.role.code == "admin" and store.account == signed
    with pytest.raises(InputError, match="已经有账户了"):
        accounts.create_first_admin(store, username="other", name="李", password=ADMIN_PW)


def test_five_wrong_passwords_lock_the_account_until_the_time_or_a_reset(store, district):
    for attempt in range(1, 5):
        with pytest.raises(SignInError, match=f"再错 {5 - attempt} 次"):
            accounts.sign_in(store, "wang", "wrong-password", now=NOW)
    with pytest.raises(SignInError, match="锁定 15 分钟"):
        accounts.sign_in(store, "wang", "wrong-password", now=NOW)
    with pytest.raises(SignInError, match="已锁定到 10:15"):  # the right password, still locked
        accounts.sign_in(store, "wang", PW, now=NOW + timedelta(minutes=14))
    assert accounts.sign_in(store, "wang", PW, now=NOW + timedelta(minutes=16)).username == "wang"
    # Locked again, then the administrator's reset opens it at once.
    for _ in range(5):
        with pytest.raises(SignInError):
            accounts.sign_in(store, "wang", "wrong-password", now=NOW)
    _as(store, "admin", ADMIN_PW)
    accounts.reset_password(store, "wang", "Reset-pass-2", now=NOW)
    assert _as(store, "wang", "Reset-pass-2").username == "wang"
    assert accounts.must_change_password(store)
    accounts.change_own_password(store, "Reset-pass-2", "Own-pass-33", now=NOW)
    assert not accounts.must_change_password(store)
    actions = [e.action for e in _events(store) if e.entity == "account"]
    assert actions.count("sign_in_failed") == 11  # ten wrong, one while locked
    assert "reset_password" in actions and "change_password" in actions


def test_an_unknown_user_name_and_a_wrong_password_read_the_same(store, district):
    with pytest.raises(SignInError) as unknown:
        accounts.sign_in(store, "nobody", PW, now=NOW)
    assert unknown.value.message == "用户名或密码不对。"
    assert unknown.value.exit_code == EXIT_INPUT


def test_accounts_are_disabled_never_deleted_and_a_disabled_one_stops_at_once(store, district):
    clerk = _as(store, "wang")
    assert clerk.may("application.save")
    _as(store, "admin", ADMIN_PW)
    with pytest.raises(InputError, match="不能停用自己"):
        accounts.set_disabled(store, "admin", True)
    accounts.set_disabled(store, "wang", True)
    with pytest.raises(SignInError, match="已停用"):
        accounts.sign_in(store, "wang", PW)
    store.account = clerk  # a window where wang signed in before being disabled
    with pytest.raises(PermissionDeniedError, match="已被停用"):
        ledger_view.ledger(store, LedgerFilter())
    assert [a.username for a in _admin_list(store)] == ["admin", "li", "wang"]


def _admin_list(store: Any) -> list[Any]:
    _as(store, "admin", ADMIN_PW)
    return accounts.list_accounts(store)


def test_an_administrator_always_remains(store, district):
    _as(store, "admin", ADMIN_PW)
    accounts.add_account(
        store, username="admin2", name="赵管理", role="admin", station_code=None, password=PW
    )
    assert accounts.set_disabled(store, "admin2", True).disabled
    with pytest.raises(InputError, match="不能停用自己"):  # only an administrator disables
        accounts.set_disabled(store, "admin", True)
    assert not accounts.set_disabled(store, "admin2", False).disabled


# --- roles through the services ----------------------------------------------------------------


def test_a_clerk_works_at_the_counter_but_may_not_submit_back_up_or_change_settings(
    store, district
):
    _as(store, "wang")
    receipt = _save_signed(store, 3)
    assert ledger_view.application_detail(store, receipt).row.clerk == "王柜员（wang）"
    before = len(_events(store, "denied"))
    for act, permission in (
        (lambda: status.change_status(store, receipt, "已报送", actor="x"), "已报送"),
        (lambda: make_backup(store, None, actor="x"), "备份数据库"),
        (
            lambda: station_settings.save_station(store, actor="x", code="XC09", name="别处"),
            "修改服务站和数据库设置",
        ),
    ):
        with pytest.raises(PermissionDeniedError, match=permission) as refused:
            act()
        assert refused.value.exit_code == EXIT_INPUT
        assert "受理员" in refused.value.message
    assert ledger_view.application_detail(store, receipt).row.status_label == "已受理"
    assert station_settings.station(store).code == "XC01"
    assert not list((store.folder.backups).glob("manual-*"))
    denied = _events(store, "denied")[before:]
    assert [e.actor for e in denied] == ["王柜员（wang）"] * 3


def _save_signed(store: Any, serial: int) -> str:
    data = apply_input(serial, **{"certificate.number": f"S0000110105{serial:05d}"})
    return applications.save_application(store, data, clerk="随便写的名字", now=NOW).receipt


def test_a_reviewer_submits_and_returns_but_does_not_pay(store, district):
    _as(store, "li")
    receipt = district["xc01"]
    assert status.change_status(store, receipt, "已报送", actor="li").status == "submitted"
    with pytest.raises(PermissionDeniedError, match="把申请设为已发放"):
        status.change_status(store, receipt, "已发放", actor="li")
    _as(store, "admin", ADMIN_PW)
    assert status.change_status(store, receipt, "已发放", actor="admin").status == "paid"
    (change,) = [e for e in _events(store, "status") if e.entity_ref == receipt][-1:]
    assert change.actor == "张管理（admin）"


def test_a_station_account_sees_and_changes_its_own_station_only(store, district):
    _as(store, "wang")
    listed = [row.receipt for row in ledger_view.ledger(store, LedgerFilter())]
    assert listed == [district["xc01"]]
    assert ledger_view.ledger_count(store, LedgerFilter()) == 1
    with pytest.raises(NotFoundError):
        ledger_view.application_detail(store, district["xc02"])
    # A scanned receipt is checked the same way: another station's is not there.
    assert ledger_view.receipt_on_record(store, district["xc01"].lower())
    assert not ledger_view.receipt_on_record(store, district["xc02"])
    _as(store, "li")
    with pytest.raises(PermissionDeniedError, match="不能处理服务站 XC02"):
        status.change_status(store, district["xc02"], "已报送", actor="li")
    _as(store, "admin", ADMIN_PW)  # the administrator's scope is the district
    assert ledger_view.ledger_count(store, LedgerFilter()) == 2
    assert ledger_view.application_detail(store, district["xc02"]).row.status_label == "已受理"
    assert ledger_view.receipt_on_record(store, district["xc02"])


def test_a_station_account_cannot_save_at_another_stations_counter(store, district):
    _as(store, "admin", ADMIN_PW)
    station_settings.save_station(store, actor="admin", code="XC02", name="XC02站")
    _as(store, "wang")
    with pytest.raises(PermissionDeniedError, match="属于服务站 XC01"):
        _save_signed(store, 7)
    _as(store, "admin", ADMIN_PW)
    assert ledger_view.ledger_count(store, LedgerFilter()) == 2


def test_once_accounts_exist_nothing_is_done_without_signing_in(store, district):
    assert allowed(store, "ledger.view") is False
    with pytest.raises(PermissionDeniedError, match="请先登录"):
        ledger_view.ledger(store, LedgerFilter())
    with pytest.raises(PermissionDeniedError):
        _save_signed(store, 8)


def test_a_database_without_accounts_works_as_before(store):
    assert not accounts_enabled(store)
    receipt = _save(store, 5)
    assert status.change_status(store, receipt, "已报送", actor="王柜员").status == "submitted"
    assert ledger_view.ledger_count(store, LedgerFilter()) == 1


def test_every_account_event_is_in_the_chain_and_the_chain_verifies(store, district):
    _as(store, "wang")
    with pytest.raises(SignInError):
        accounts.sign_in(store, "li", "not-li", now=NOW)
    _as(store, "admin", ADMIN_PW)
    accounts.set_disabled(store, "li", True)
    actions = {e.action for e in _events(store) if e.entity in ("account", "permission")}
    assert {"create", "sign_in", "sign_in_failed", "disable"} <= actions
    failed = _events(store, "sign_in_failed")[-1]
    assert failed.actor == "（登录失败）li"  # never the one signed in before
    result = verify_audit(store)
    assert result.ok, result


def test_a_station_reviewers_export_holds_its_own_station_only(store, district, tmp_path):
    from openpyxl import load_workbook

    from desktop_app.services.ledger_export import export_ledger

    _as(store, "li")
    out = tmp_path / "台账.xlsx"
    export_ledger(store, out, actor="li")
    book = load_workbook(out, read_only=True)
    sheet = book.worksheets[0]
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert district["xc01"] in cells
    assert district["xc02"] not in cells
    with pytest.raises(PermissionDeniedError, match="导出完整身份证号"):
        export_ledger(store, tmp_path / "全号.xlsx", actor="li", full_ids=True)
    assert not (tmp_path / "全号.xlsx").exists()


def test_a_full_id_export_needs_a_reason_and_records_it(store, district, tmp_path):
    import json

    from desktop_app.services.ledger_export import export_ledger

    _as(store, "admin", ADMIN_PW)
    with pytest.raises(InputError, match="须写明原因"):
        export_ledger(store, tmp_path / "a.xlsx", actor="admin", full_ids=True)
    assert not (tmp_path / "a.xlsx").exists()
    export_ledger(
        store, tmp_path / "b.xlsx", actor="admin", full_ids=True, reason="区总工会核对发放"
    )
    (event,) = [e for e in _events(store, "export") if e.entity_ref == "b.xlsx"]
    details = json.loads(event.details)
    assert details["full_ids"] is True and details["reason"] == "区总工会核对发放"
    assert event.actor == "张管理（admin）"


def test_an_account_disabled_at_another_counter_stops_within_the_recheck_time(
    store, district, db_url, home, monkeypatch
):
    from desktop_app.services import permissions
    from desktop_app.services.store import open_store

    _as(store, "wang")
    ledger_view.ledger(store, LedgerFilter())  # works, and is remembered for a few seconds
    other = open_store(db_url, home, auto_backup=False)  # the administrator's counter
    try:
        accounts.sign_in(other, "admin", ADMIN_PW, now=NOW)
        accounts.set_disabled(other, "wang", True)
    finally:
        other.dispose()
    ledger_view.ledger(store, LedgerFilter())  # within the recheck time: still going
    monkeypatch.setattr(permissions, "RECHECK_SECONDS", 0.0)  # the time is up
    with pytest.raises(PermissionDeniedError, match="已被停用"):
        ledger_view.ledger(store, LedgerFilter())
