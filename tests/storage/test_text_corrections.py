"""Issue 16, part 4, the second half, on SQLite and PostgreSQL: a record holding a NUL, a bidi
override or a zero-width space (stored as a program before the text policy did, or planted
with SQL behind the program's back) is listed by the check, refused as the target of a bad
correction, corrected through an audited edit (and then clean, the chain whole); an export
without consent names it and writes nothing, with consent writes every other row (read back
with openpyxl), and the exchange file then imports at the district."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select, text

from desktop_app.domain.facts import InputError
from desktop_app.domain.ledger_filter import LedgerFilter
from desktop_app.exchange.batch.writing import HELD_BACK_LABEL
from desktop_app.exchange.ledger_book import LEDGER_SHEET, SUMMARY_SHEET
from desktop_app.services import applications, audit_trail, ledger_view, station_settings
from desktop_app.services.corrections import correct_text, correctable_fields
from desktop_app.services.exchange import export_batch, import_batch
from desktop_app.services.ledger_export import export_ledger
from desktop_app.services.store import open_store
from desktop_app.services.text_check import hidden_characters
from desktop_app.services.text_screen import BadRecordsError
from desktop_app.storage.errors import NotFoundError
from desktop_app.storage.models import AuditEvent
from tests.exchange.conftest import register
from tests.planting import store_as_older_program
from tests.storage.conftest import CLERK, NOW, apply_input

LATER = datetime(2026, 11, 22, 10, 0, 0)


def _save(store: Any, serial: int, **changes: Any) -> str:
    data = apply_input(serial, **{"member.name": f"张伟{serial}", **changes})
    return applications.save_application(store, data, clerk=CLERK, now=NOW).receipt


@pytest.fixture
def three(store: Any) -> list[str]:
    """Three applications; the second is a late entry (补录, with its reason)."""
    return [
        _save(store, 1),
        _save(store, 2, applied_on="2026-11-10"),
        _save(store, 3),
    ]


def _plant(store: Any, receipt: str, column: str, value: str) -> None:
    """Write `value` behind the program's back, as the sqlite3 or psql tool would (once rows
    are under the chain, `audit verify` names such a row: the tests that want the chain
    whole store their texts with `store_as_older_program`)."""
    with store.session(write=True) as session:
        if column in ("name",):
            session.execute(
                text(
                    "UPDATE member SET name = :v WHERE id = "
                    "(SELECT member_id FROM application WHERE receipt = :r)"
                ),
                {"v": value, "r": receipt},
            )
        elif column in ("work_unit", "issuer"):  # interned: a term of its own
            session.execute(text("INSERT INTO term (text) VALUES (:v)"), {"v": value})
            number = session.execute(text("SELECT id FROM term WHERE text = :v"), {"v": value})
            table = "member" if column == "work_unit" else "application"
            where = (
                "id = (SELECT member_id FROM application WHERE receipt = :r)"
                if table == "member"
                else "receipt = :r"
            )
            session.execute(
                text(f"UPDATE {table} SET {column}_id = :n WHERE {where}"),
                {"n": number.scalar_one(), "r": receipt},
            )
        else:
            session.execute(
                text(f"UPDATE application SET {column} = :v WHERE receipt = :r"),
                {"v": value, "r": receipt},
            )


def _characters(backend: str) -> tuple[str, ...]:
    # PostgreSQL cannot store NUL in a text at all: planted there it could not be.
    return ("\u202e", "\u200b", "\x1b") if backend == "postgresql" else ("\x00", "\u202e", "\u200b")


def _events(store: Any, action: str) -> list[dict[str, Any]]:
    with store.session() as session:
        events = session.execute(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        ).scalars()
        return [{"ref": e.entity_ref, **json.loads(e.details)} for e in events]


def _stored(store: Any, receipt: str) -> Any:
    return ledger_view.application_detail(store, receipt, full_numbers=True)


# --- the audited correction ------------------------------------------------------------------


def test_planted_texts_are_listed_corrected_with_a_reason_and_then_clean(
    store: Any, three: list[str], backend: str
) -> None:
    nul, bidi, zwsp = _characters(backend)
    first, second, third = three
    store_as_older_program(store, first, "name", f"张{bidi}伟")
    store_as_older_program(store, second, "work_unit", f"北京{zwsp}某公司")
    store_as_older_program(store, second, "late_entry_reason", f"补{nul}录")
    store_as_older_program(store, third, "certificate_number", f"S{nul}001")
    assert audit_trail.verify_audit(store).ok
    found = {(h.receipt, h.column, h.problem.code) for h in hidden_characters(store).found}
    code = {c: f"U+{ord(c):04X}" for c in (nul, bidi, zwsp)}
    assert found == {
        (first, "姓名", code[bidi]),
        (second, "工作单位", code[zwsp]),
        (second, "补录原因", code[nul]),
        (third, "证书编号", code[nul]),
    }
    assert [c.field.label for c in correctable_fields(store, second)] == ["工作单位", "补录原因"]
    before = _stored(store, first)
    events = len(_events(store, "correct"))

    # Refused, nothing changed: a new value that breaks the policy, no reason, a field that
    # is not a text's, a clean field, an unknown receipt.
    refusals: list[tuple[str, str, str, str]] = [
        (first, "姓名", f"张{zwsp}伟", "按身份证原件更正"),
        (first, "member.name", "张伟", "  "),
        (first, "姓名", "", "按身份证原件更正"),
        (first, "补助金额（元）", "99999", "按原件"),
        (first, "status", "paid", "按原件"),
        (first, "身份证号", "110105198001010000", "按原件"),
        (first, "工作单位", "别的公司", "按原件"),  # clean: nothing to correct
        (third, "签发单位", "别的机构", "按原件"),
    ]
    for receipt, field, value, reason in refusals:
        with pytest.raises(InputError):
            correct_text(store, receipt, field, value, reason=reason, actor=CLERK, now=LATER)
    with pytest.raises(NotFoundError):
        correct_text(store, "XC01-20991231-0001", "姓名", "张伟", reason="按原件", actor=CLERK)
    assert len(_events(store, "correct")) == events
    assert _stored(store, first).row.name == f"张{bidi}伟"

    # Corrected, each with its audit event.
    done = [
        correct_text(store, first, "姓名", "张 新伟", reason="按身份证原件更正", actor="李柜员"),
        correct_text(store, second, "工作单位", "北京某公司", reason="按单位证明", actor=CLERK),
        correct_text(
            store, second, "late_entry_reason", "纸质登记表补录", reason="原文", actor=CLERK
        ),
        correct_text(store, third, "certificate.number", "", reason="编号另行核对", actor=CLERK),
    ]
    assert done[0].message.startswith(f"已更正 {first} 的姓名") and "U+" in done[0].message
    assert hidden_characters(store).found == []
    assert audit_trail.verify_audit(store).ok
    after = _stored(store, first)
    assert after.row.name == "张 新伟"
    assert (after.row.amount, after.row.status, after.row.eligible) == (
        before.row.amount,
        before.row.status,
        before.row.eligible,
    )
    assert after.decision == before.decision
    assert _stored(store, third).certificate.get("number") in (None, "")
    # The ledger finds the corrected name (its search key followed).
    assert [r.receipt for r in ledger_view.ledger(store, LedgerFilter(query="张新伟"))] == [first]

    corrections = _events(store, "correct")[events:]
    assert [e["receipt"] for e in corrections] == [first, second, second, third]
    assert corrections[0]["before"] == {"name": f"张⟨{code[bidi]}⟩伟"}
    assert corrections[0]["after"] == {"name": "张 新伟"} and corrections[0]["reason"]
    assert corrections[0]["ref"].startswith("member:")
    assert corrections[3]["ref"] == third and corrections[3]["after"] == {
        "certificate_number": None
    }
    raw = json.dumps(corrections, ensure_ascii=False)
    assert not any(c in raw for c in (nul, bidi, zwsp))
    # The application's detail lists the correction among its events.
    listed = [e for e in _stored(store, first).events if e["action"] == "correct"]
    assert len(listed) == 1 and bidi not in listed[0]["details"]


def test_a_value_changed_since_the_clerk_saw_it_is_not_corrected(
    store: Any, three: list[str]
) -> None:
    first = three[0]
    _plant(store, first, "name", "张\u202e伟")
    [shown_to_clerk] = correctable_fields(store, first)
    _plant(store, first, "name", "张\u200b伟")  # someone else meanwhile
    with pytest.raises(InputError, match="刚刚被更改过"):
        correct_text(
            store, first, "姓名", "张伟", reason="按原件", actor=CLERK, seen=shown_to_clerk.value
        )
    assert _stored(store, first).row.name == "张\u200b伟"


def test_a_late_entry_reason_is_corrected_only_on_a_late_entry(
    store: Any, three: list[str]
) -> None:
    first = three[0]  # registered on the day it was entered: no reason at all
    _plant(store, first, "late_entry_reason", "补\u202e录")
    with pytest.raises(InputError, match="不是补录"):
        correct_text(store, first, "补录原因", "补录", reason="按原件", actor=CLERK)


# --- exports that one bad record cannot block --------------------------------------------------


def _ledger_rows(path: Path) -> tuple[list[Any], list[Any]]:
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        rows = [r[0] for r in list(book[LEDGER_SHEET].iter_rows(values_only=True))[1:]]
        summary = list(book[SUMMARY_SHEET].iter_rows(values_only=True))
        return rows, summary
    finally:
        book.close()


@pytest.mark.parametrize("full_ids", [False, True])
def test_the_ledger_export_names_the_bad_record_and_with_consent_writes_the_rest(
    store: Any, three: list[str], backend: str, tmp_path: Path, full_ids: bool
) -> None:
    nul, _bidi, _zwsp = _characters(backend)
    first, second, third = three
    store_as_older_program(store, second, "name", f"李{nul}娜")
    path = tmp_path / "台账.xlsx"
    exports = len(_events(store, "export"))

    with pytest.raises(BadRecordsError) as refused:
        export_ledger(store, path, actor=CLERK, full_ids=full_ids)
    assert refused.value.receipts == (second,)
    assert f"{second}　姓名：第 2 个字符是" in refused.value.message
    assert f"U+{ord(nul):04X}" in refused.value.message and nul not in refused.value.message
    assert not path.exists() and not list(tmp_path.glob("*.xlsx*"))  # no file, no .part
    # Consent to other receipts is no consent to this one.
    with pytest.raises(BadRecordsError):
        export_ledger(store, path, actor=CLERK, full_ids=full_ids, skip_bad={first, third})
    assert not path.exists() and len(_events(store, "export")) == exports

    result = export_ledger(store, path, actor=CLERK, full_ids=full_ids, skip_bad={second})
    assert result.rows == 2 and result.skipped == (second,)
    rows, summary = _ledger_rows(path)
    assert sorted(rows) == sorted([first, third])
    assert [r[2] for r in summary if r[0] == "未导出"] == [1]
    assert next(r for r in summary if r[0] == "合计")[2] == 2
    [event] = _events(store, "export")[exports:]
    assert event["skipped"] == 1 and event["skipped_receipts"] == [second]
    assert event["rows"] == 2 and event["full_ids"] is full_ids
    assert audit_trail.verify_audit(store).ok

    # Corrected: the next export holds every row, and 汇总 has no such line.
    correct_text(store, second, "姓名", "李娜", reason="按身份证原件更正", actor=CLERK)
    result = export_ledger(store, path, actor=CLERK, full_ids=full_ids)
    rows, summary = _ledger_rows(path)
    assert result.skipped == () and sorted(rows) == sorted(three)
    assert all(r[0] != "未导出" for r in summary)


def test_the_exchange_export_with_consent_imports_at_the_district(
    store: Any, three: list[str], backend: str, tmp_path: Path, fresh_sqlite: Any
) -> None:
    _nul, bidi, zwsp = _characters(backend)
    first, second, third = three
    _plant(store, first, "issuer", f"北京{bidi}exe.机构")
    _plant(store, third, "work_unit", f"{zwsp}某公司")
    path = tmp_path / "交换.xlsx"

    with pytest.raises(BadRecordsError) as refused:
        export_batch(store, path, actor=CLERK)
    assert set(refused.value.receipts) == {first, third}
    assert "签发单位" in refused.value.message and "工作单位" in refused.value.message
    assert not path.exists()

    result = export_batch(store, path, actor=CLERK, skip_bad=True)
    assert result.manifest is not None and result.manifest.count == 1
    assert result.skipped == (first, third)
    book = openpyxl.load_workbook(path, read_only=True)
    manifest = {row[0]: row[1] for row in book["清单"].iter_rows(values_only=True)}
    book.close()
    assert manifest[HELD_BACK_LABEL] == 2 and manifest["申请份数"] == 1
    [event] = _events(store, "export")[-1:]
    assert event["skipped_receipts"] == [first, third] and event["count"] == 1

    district_home = tmp_path / "district"
    fresh_sqlite(district_home)
    district = open_store(None, district_home, now=NOW)
    try:
        station_settings.save_station(
            district, actor="区柜员", code="XCQ1", name="西城区总工会", district="西城区"
        )
        register(store, district)  # the station's key, compared by phone
        report = import_batch(district, path, actor="区柜员")
        assert report.refused is None, report.refused
        assert report.inserted == [second]
        assert hidden_characters(district).found == []
    finally:
        district.dispose()
