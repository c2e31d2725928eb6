"""Rows under the audit chain (storage/seals.py): each attack of issue 16, part 2, performed
with plain SQL as the sqlite3 tool or psql would, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

from sqlalchemy import text

from desktop_app.services import applications, audit_trail
from desktop_app.services import status as status_service
from desktop_app.storage import seals
from desktop_app.storage.migrations import downgrade, ensure_schema
from desktop_app.storage.models import AuditEvent, AuditHead
from tests.storage.conftest import CLERK, NOW, apply_input


def _fill(store) -> list[str]:
    receipts = [
        applications.save_application(store, apply_input(n), clerk=CLERK, now=NOW).receipt
        for n in (1, 2, 3)
    ]
    status_service.change_status(store, receipts[0], "已打印", actor=CLERK, now=NOW)
    return receipts


def _sql(store, statement: str, **values) -> None:
    with store.connection(write=True) as connection:
        connection.execute(text(statement), values)


def _verify(store):
    return audit_trail.verify_audit(store)


def test_rows_written_by_the_program_verify(store):
    _fill(store)
    result = _verify(store)
    assert result.ok, result.message
    assert result.rows == 6  # three members, three applications
    assert "6 行申请和会员记录与程序写入时一致" in result.message


def test_amount_changed_with_sql_is_named(store):
    receipts = _fill(store)
    _sql(store, "UPDATE application SET amount = 99999 WHERE receipt = :r", r=receipts[1])
    result = _verify(store)
    assert not result.ok
    assert result.changed == (receipts[1],)
    assert receipts[1] in result.message and "在程序之外被改动" in result.message


def test_status_changed_with_sql_is_named(store):
    receipts = _fill(store)
    _sql(store, "UPDATE application SET status = 3 WHERE receipt = :r", r=receipts[2])
    result = _verify(store)
    assert not result.ok and result.changed == (receipts[2],)


def test_member_changed_with_sql_is_named(store):
    _fill(store)
    _sql(store, "UPDATE member SET name = '王五' WHERE id = (SELECT min(id) FROM member)")
    result = _verify(store)
    assert not result.ok and len(result.changed) == 1
    assert result.changed[0].startswith("会员#")


def test_history_step_deleted_with_sql_is_named(store):
    receipts = _fill(store)
    _sql(store, "DELETE FROM status_change")
    result = _verify(store)
    assert not result.ok and result.changed == (receipts[0],)


def test_term_text_edited_names_every_row_that_uses_it(store):
    _fill(store)
    _sql(store, "UPDATE term SET text = '某人' WHERE text = :c", c=CLERK)
    result = _verify(store)
    assert not result.ok
    assert len(result.changed) == 3  # the clerk of all three applications


def test_amount_changed_with_its_seal_recomputed_is_caught_by_the_sum(store):
    """The attacker uses the program's own seal function: each row matches its seal, but
    the sum of the table no longer matches what the chain recorded."""
    receipts = _fill(store)
    _sql(store, "UPDATE application SET amount = 99999 WHERE receipt = :r", r=receipts[1])
    with store.session(write=True) as session:
        connection = session.connection()
        reader = seals._Reader(connection, "application", seals._Terms(connection))
        for row_id, stored, now in list(seals._all(reader)):
            if stored != now:
                connection.execute(
                    text("UPDATE application SET seal = :s WHERE id = :i"), {"s": now, "i": row_id}
                )
    result = _verify(store)
    assert not result.ok and result.changed == ()
    assert "总校验值与审计记录不符" in result.message


def test_deleted_application_is_caught_by_the_sum(store):
    receipts = _fill(store)
    _sql(store, "DELETE FROM status_change")
    _sql(store, "DELETE FROM application WHERE receipt = :r", r=receipts[0])
    result = _verify(store)
    assert not result.ok and "总校验值与审计记录不符" in result.message


def test_planted_member_is_named_as_not_written_by_the_program(store):
    _fill(store)
    _sql(
        store,
        "INSERT INTO member (id, id_number, name, created_at, updated_at) "
        "VALUES (900, '11010519491231002X', '假人', :t, :t)",
        t=1_700_000_000 if store.is_sqlite else NOW,
    )
    result = _verify(store)
    assert not result.ok and result.changed == ("会员#900",)
    assert "不是程序写入的" in result.message


def test_head_sum_rewritten_is_reported(store):
    _fill(store)
    _sql(store, "UPDATE audit_head SET rows_sum = :s", s=seals.sum_to_text(12345))
    result = _verify(store)
    assert not result.ok and "审计头部" in result.message


def test_the_program_changing_a_tampered_row_does_not_make_it_look_sealed(store):
    """Laundering: change the amount with SQL, then let the clerk change the status. The
    new seal matches the row, but the sum keeps the difference, and the event names it."""
    receipts = _fill(store)
    _sql(store, "UPDATE application SET amount = 99999 WHERE receipt = :r", r=receipts[1])
    status_service.change_status(store, receipts[1], "已打印", actor=CLERK, now=NOW)
    result = _verify(store)
    assert not result.ok
    assert "总校验值与审计记录不符" in result.message
    assert receipts[1] in result.message  # named by the event that found it
    with store.session() as session:
        last = session.query(AuditEvent).order_by(AuditEvent.id.desc()).first()
        assert json.loads(last.details)["row_seal"]["outside"] == [receipts[1]]


def test_later_work_keeps_verifying(store):
    receipts = _fill(store)
    status_service.change_status(store, receipts[1], "已打印", actor=CLERK, now=NOW)
    applications.save_application(
        store,
        apply_input(1, **{"member.phone": "13900139000", "certificate.level": 2}),
        clerk=CLERK,
        now=NOW,
    )
    assert _verify(store).ok


def test_an_upgraded_database_has_its_rows_sealed_once(store):
    """A database from before row seals (schema 0006): the upgrade seals every row in one
    event ("seal"), and from then on changes are caught."""
    receipts = _fill(store)
    downgrade(store, "0006")
    ensure_schema(store, lambda _state: None)
    with store.session() as session:
        seal_events = session.query(AuditEvent).filter(AuditEvent.action == "seal").all()
        assert len(seal_events) == 1
        assert json.loads(seal_events[0].details)["row_seal"]["baseline"] == 6
        assert session.get(AuditHead, 1).rows_sum is not None
    assert _verify(store).ok
    _sql(store, "UPDATE application SET amount = 1 WHERE receipt = :r", r=receipts[2])
    assert _verify(store).changed == (receipts[2],)


def test_the_detail_view_says_when_a_row_was_found_changed(store):
    """The event that found a row changed outside the program says so where the clerk reads
    the application's history; the seal's own bookkeeping is not shown."""
    from desktop_app.services.ledger_view import application_detail
    from desktop_app.services.presenter import event_text

    receipts = _fill(store)
    _sql(store, "UPDATE application SET amount = 99999 WHERE receipt = :r", r=receipts[1])
    status_service.change_status(store, receipts[1], "已打印", actor=CLERK, now=NOW)
    texts = [event_text(e) for e in application_detail(store, receipts[1]).events]
    assert texts[-1] == f"已受理 → 已打印；发现此前在程序之外被改动过：{receipts[1]}"
    assert not any("row_seal" in text or "sum" in text for text in texts)


def test_a_bulk_insert_seals_its_rows_as_written_and_they_verify(store):
    """The bulk insert seals rows from the values it hands the driver (SQLite and, since the
    PostgreSQL COPY reads back the same values, PostgreSQL too): nothing is read back and
    updated. Whatever the values hold — texts with tabs, newlines and backslashes, optional
    fields left empty, booleans, dates, a history — the seal stored with each row is the one
    `audit verify` recomputes from what the database gives back."""
    from datetime import date, datetime, timedelta

    from sqlalchemy import select

    from desktop_app.storage.bulk import NewApplication, NewMember, insert_applications
    from desktop_app.storage.models import Application, Member
    from tests.storage.conftest import make_id

    created = datetime(2026, 3, 2, 9, 15, 7)

    def values(k: int, **extra: object) -> dict[str, object]:
        return {
            "scheme": "bj-2026-skills", "kind": "skill_level", "occupation": "无人机驾驶员",
            "claim_item": f"4-02-04-{k:02d}", "claim_level": "4", "level": 4,
            "applied_on": created.date(), "station_code": "XC01",
            "station_name": "西城区某街道工会服务站", "clerk": CLERK, "status": "accepted",
            "eligible": True, "amount": 1800, "findings": [], "policy_sha256": "0" * 64,
            "created_at": created, "updated_at": created, **extra,
        }  # fmt: skip

    odd_text = "补录\t原因：\n纸质表 \\ 已盖章"
    items = [
        NewApplication(NewMember(make_id(1), "王芳"), values(1)),
        NewApplication(
            NewMember(make_id(2), "O'Neil 李", "6217000010001234569", "13800138000",
                      "某某公司\t二部", "技师\\班组长"),
            values(2, issued_on=date(2025, 12, 31), certificate_number="S 0001\n",
                   late_entry_reason=odd_text, union_affiliated=False, key_group=True),
            [
                {"from_status": None, "to_status": "accepted", "actor": "代班 张",
                 "at": created, "reason": None},
                {"from_status": "accepted", "to_status": "returned", "actor": "代班 张",
                 "at": created + timedelta(days=2), "reason": odd_text},
            ],
        ),
        # The same terms and decision as the first (their texts are written once per batch).
        NewApplication(NewMember(make_id(3), "张三"), values(1)),
        NewApplication(
            NewMember(make_id(4), "李四", position="班组长"),
            values(5, kind="competition", competition="某某职业技能大赛", rank=2,
                   policy_sha256="1" * 64, findings=[{"rule": "x", "amount": 1800}]),
        ),
    ]  # fmt: skip
    with store.session(write=True) as session:
        insert_applications(session, items, actor=CLERK, station_code="XC01", now=NOW)
        # Sealed in the insert itself: no row waits to be read back with the audit event.
        assert not seals.unsealed(session).application
        assert not seals.unsealed(session).member
    with store.session() as session:
        stored = session.execute(select(Application.seal)).scalars().all()
        stored += session.execute(select(Member.seal)).scalars().all()
    assert len(stored) == 8 and None not in stored
    assert len(set(stored)) == 8
    result = _verify(store)
    assert result.ok, result.message
    assert result.rows == 8
    # And a change with SQL afterwards is still named.
    _sql(
        store, "UPDATE application SET late_entry_reason = 'x' WHERE late_entry_reason IS NOT NULL"
    )
    assert len(_verify(store).changed) == 1


def test_the_seal_text_is_json_dumps_exactly():
    """The seal's text is built with a C encoder made once (storage/seals.py): every value a
    row can hold comes out as `json.dumps` writes it, so no stored seal changes."""
    from datetime import date, datetime

    samples = [
        ["application", (1, "XC01-20261121-0007", None, True, False, 0, -(2**63), 2**70, 1.5)],
        ["member", ("王𠮷䶮", 'O\'Neil \\ "x"', "\t\n\r\x00\x1f\u2028\ufeff", "")],
        [[], {}, [[None]], date(2026, 11, 21), datetime(2026, 11, 21, 9, 30, 5)],
        [float("inf"), float("nan"), -0.0, 1e-300, "ℤ" * 50, ["深", ["层", ["嵌套"]]]],
    ]
    for content in samples:
        expected = json.dumps(content, ensure_ascii=False, separators=(",", ":"), default=str)
        assert seals._SEAL_TEXT(content) == expected


def _bulk_one(store, member, claim_item: str) -> None:
    from desktop_app.storage.bulk import NewApplication, insert_applications

    values = {
        "scheme": "bj-2026-skills", "kind": "skill_level", "occupation": "无人机驾驶员",
        "claim_item": claim_item, "claim_level": "4", "level": 4,
        "applied_on": NOW.date(), "station_code": "XC01",
        "station_name": "西城区某街道工会服务站", "clerk": CLERK, "status": "accepted",
        "eligible": True, "amount": 1800, "findings": [], "policy_sha256": "0" * 64,
        "created_at": NOW, "updated_at": NOW,
    }  # fmt: skip
    with store.session(write=True) as session:
        insert_applications(
            session, [NewApplication(member, values)], actor=CLERK, station_code="XC01", now=NOW
        )


def test_a_bulk_insert_leaves_a_tampered_member_it_finds_unchanged_named(store):
    """A member's name changed with SQL; then an import brings that member again, with the
    details the row now holds. The import leaves the row as it is — and leaves its seal too,
    so `audit verify` still names it (it used to read such rows back and seal them anew)."""
    from desktop_app.storage.bulk import NewMember
    from tests.storage.conftest import make_id

    _bulk_one(store, NewMember(make_id(7), "王芳"), "4-02-04-01")
    _sql(store, "UPDATE member SET name = '王芳芳'")
    _bulk_one(store, NewMember(make_id(7), "王芳芳"), "4-02-04-02")
    result = _verify(store)
    assert not result.ok
    assert len(result.changed) == 1 and result.changed[0].startswith("会员#")


def test_a_bulk_insert_updating_a_tampered_member_names_it_in_its_event(store):
    """The same tampering, then an import with other details: the member is updated (and
    sealed anew), but the import's event names the row found changed and the sum keeps the
    difference."""
    from desktop_app.storage.bulk import NewMember
    from tests.storage.conftest import make_id

    _bulk_one(store, NewMember(make_id(7), "王芳"), "4-02-04-01")
    _sql(store, "UPDATE member SET name = '王芳芳'")
    _bulk_one(store, NewMember(make_id(7), "王芳", phone="13800138000"), "4-02-04-02")
    with store.session() as session:
        last = session.query(AuditEvent).order_by(AuditEvent.id.desc()).first()
        outside = json.loads(last.details)["row_seal"]["outside"]
    assert len(outside) == 1 and outside[0].startswith("会员#")
    result = _verify(store)
    assert not result.ok and "总校验值与审计记录不符" in result.message


def test_the_program_is_left_collecting_as_before_a_bulk_insert():
    """The bulk insert pauses Python's cycle collector while it makes a batch: afterwards it
    is on again if it was on (also when the insert fails), and stays off if it was off."""
    import gc

    import pytest

    from desktop_app.storage.fast_insert import collector_paused

    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        assert not gc.isenabled()
        raise RuntimeError("批量写入失败")
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
