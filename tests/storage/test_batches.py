"""报送批次 through the service, on SQLite and PostgreSQL (services/submissions.py): a batch of a
station's printed applications moves them to 已报送 in one transaction, all or nothing; it is
numbered per station and year; an application stands in one batch at most; a batch is withdrawn
only as a whole and only while no result came back; every step is audited; the permissions of
the roles hold; and the command line does the same."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from desktop_app.cli.main import main
from desktop_app.domain.facts import InputError
from desktop_app.errors import EXIT_INPUT, EXIT_OK
from desktop_app.services import accounts, applications, audit_trail, station_settings, status
from desktop_app.services import submissions as batches
from desktop_app.services.ledger_view import application_detail
from desktop_app.services.permissions import PermissionDeniedError
from desktop_app.storage.errors import NotFoundError, StatusChangeError
from desktop_app.storage.models import AuditEvent, BatchItem, SubmissionBatch
from tests.storage.conftest import apply_input

NOW = datetime(2026, 11, 21, 10, 0, 0)
LATER = NOW + timedelta(days=3)
ADMIN_PW = "Admin-pass-1"
PW = "Clerk-pass-1"


def _save(store: Any, serial: int, *, station: str = "XC01", day: str = "2026-11-21", **kw: Any):
    current = station_settings.station(store)
    if current is None or current.code != station:
        station_settings.save_station(store, actor="设置", code=station, name=f"{station}站")
    data = apply_input(
        serial, applied_on=day, **{"certificate.number": f"S0000110105{serial:05d}"}, **kw
    )
    return applications.save_application(store, data, clerk="王柜员", now=NOW).receipt


def _printed(store: Any, receipt: str) -> str:
    status.change_status(store, receipt, "已打印", actor="王柜员", now=NOW)
    return receipt


def _status(store: Any, receipt: str) -> str:
    return application_detail(store, receipt).row.status_label


def _events(store: Any, action: str) -> list[AuditEvent]:
    with store.session() as session:
        rows = session.query(AuditEvent).filter(AuditEvent.action == action).all()
        session.expunge_all()
        return rows


@pytest.fixture
def station(store: Any) -> dict[str, str]:
    """XC01: three printed applications (登记日期 18, 19, 21 November), one only accepted;
    XC02: one printed."""
    made = {
        "a": _printed(store, _save(store, 1, day="2026-11-18")),
        "b": _printed(store, _save(store, 2, day="2026-11-19")),
        "c": _printed(store, _save(store, 3)),
        "accepted": _save(store, 4),
    }
    made["other"] = _printed(store, _save(store, 5, station="XC02"))
    station_settings.save_station(store, actor="设置", code="XC01", name="XC01站")
    return made


def test_a_batch_takes_the_printed_applications_of_a_station_and_period(store, station):
    chosen = batches.batchable(store, station_code="XC01", date_to=datetime(2026, 11, 19).date())
    assert chosen == [station["a"], station["b"]]  # oldest 登记日期 first; not the accepted one
    assert batches.batchable(store, station_code="XC01") == [station[k] for k in "abc"]
    view = batches.create_batch(store, chosen, actor="李站长", station_code="XC01", now=LATER)
    assert view.number == "XC01-BS-2026-0001" and view.standing
    assert [r.receipt for r in view.rows] == chosen
    assert [r.position for r in view.rows] == [1, 2]
    assert all(r.status == "已报送" and "*" in r.id_number for r in view.rows)
    assert view.total == 2 * view.rows[0].amount and view.rows[0].amount > 0
    assert view.totals_by_scheme() == [("bj-2026-skills", 2, view.total)]
    for receipt in chosen:
        detail = application_detail(store, receipt)
        assert detail.row.status_label == "已报送"
        assert detail.history[-1]["reason"] == "报送批次 XC01-BS-2026-0001"
    # Taken: the next batch of the station takes what is left, with the next number.
    assert batches.batchable(store, station_code="XC01") == [station["c"]]
    second = batches.create_batch(store, [station["c"]], actor="李站长", station_code="XC01")
    assert second.number == "XC01-BS-2026-0002"
    (event, _) = _events(store, "batch")
    assert event.entity_ref == "XC01-BS-2026-0001"
    assert f'"receipts":["{chosen[0]}","{chosen[1]}"]' in event.details
    assert audit_trail.verify_audit(store).ok
    listed = batches.batches(store)
    assert [(b.number, b.applications, b.withdrawn) for b in listed] == [
        ("XC01-BS-2026-0002", 1, False),
        ("XC01-BS-2026-0001", 2, False),
    ]


def test_one_application_that_cannot_join_stops_the_whole_batch(store, station):
    wanted = [station["a"], station["accepted"], station["other"], "XC01-20260101-0099"]
    with pytest.raises(InputError) as refused:
        batches.create_batch(store, wanted, actor="李站长", station_code="XC01")
    message = str(refused.value)
    assert "没有做任何改动" in message
    assert f"申请 {station['accepted']} 目前是“已受理”" in message
    assert f"申请 {station['other']} 是服务站 XC02 的" in message
    assert "找不到受理编号为 XC01-20260101-0099 的申请" in message
    assert _status(store, station["a"]) == "已打印"  # nothing moved
    with store.session() as session:
        assert session.query(SubmissionBatch).count() == 0
    # The refused batch used no number.
    assert batches.create_batch(store, [station["a"]], actor="李站长").number.endswith("-0001")
    with pytest.raises(InputError, match="已在报送批次 XC01-BS-2026-0001 里"):
        batches.create_batch(store, [station["a"]], actor="李站长")
    with pytest.raises(InputError, match="没有申请"):
        batches.create_batch(store, [], actor="李站长")


def test_a_batch_is_withdrawn_whole_and_only_before_a_result(store, station):
    first = batches.create_batch(store, [station["a"], station["b"]], actor="李站长")
    with pytest.raises(InputError, match="原因"):
        batches.withdraw_batch(store, first.number, reason=" ", actor="李站长")
    back = batches.withdraw_batch(store, first.number, reason="漏盖公章", actor="李站长", now=LATER)
    assert not back.standing and back.withdraw_reason == "漏盖公章"
    assert back.withdrawn_by == "李站长" and back.withdrawn_at == LATER
    for receipt in (station["a"], station["b"]):
        detail = application_detail(store, receipt)
        assert detail.row.status_label == "已打印"
        assert detail.history[-1]["reason"] == f"撤回报送批次 {first.number}：漏盖公章"
        assert detail.batches[0]["number"] == first.number and not detail.batches[0]["standing"]
    with pytest.raises(StatusChangeError, match="已于 2026-11-24 10:00 由 李站长 撤回"):
        batches.withdraw_batch(store, first.number, reason="再撤", actor="李站长")
    # The withdrawn batch keeps its list; its applications may join a new one.
    assert [r.receipt for r in batches.batch_view(store, first.number).rows] == [
        station["a"],
        station["b"],
    ]
    again = batches.create_batch(store, [station["a"], station["b"]], actor="李站长")
    assert again.number == "XC01-BS-2026-0002"
    # A result came back for one: the batch cannot be withdrawn, nothing changes.
    status.change_status(store, station["b"], "已发放", actor="管理员")
    with pytest.raises(StatusChangeError) as refused:
        batches.withdraw_batch(store, again.number, reason="撤", actor="李站长")
    assert f"申请 {station['b']} 已是“已发放”" in str(refused.value)
    assert _status(store, station["a"]) == "已报送"
    assert batches.batch_view(store, again.number).standing
    assert len(_events(store, "batch.withdraw")) == 1
    assert audit_trail.verify_audit(store).ok


def test_one_standing_batch_per_application_is_kept_by_the_database(store, station):
    """The unique (application_id, live) index, whatever a program does: a second standing
    item of the same application is refused; withdrawn items never collide."""
    from sqlalchemy.exc import IntegrityError

    view = batches.create_batch(store, [station["a"]], actor="李站长")
    with store.session() as session:
        batch_id = session.query(SubmissionBatch.id).filter_by(number=view.number).scalar()
        item = session.query(BatchItem).filter_by(batch_id=batch_id).one()
        application_id = item.application_id
    with pytest.raises(IntegrityError), store.session(write=True) as session:
        other = SubmissionBatch(
            number="XC01-BS-2026-9999", station_code="XC01", created_at=NOW, created_by="x"
        )
        session.add(other)
        session.flush()
        session.add(
            BatchItem(batch_id=other.id, application_id=application_id, position=1, amount=1,
                      live=1)
        )  # fmt: skip
        session.flush()
    batches.withdraw_batch(store, view.number, reason="重编", actor="李站长")
    renewed = batches.create_batch(store, [station["a"]], actor="李站长")
    batches.withdraw_batch(store, renewed.number, reason="再重编", actor="李站长")
    with store.session() as session:
        assert session.query(BatchItem).filter_by(application_id=application_id).count() == 2


def test_the_roles_hold_for_batches(store, station):
    accounts.create_first_admin(store, username="admin", name="张管理", password=ADMIN_PW, now=NOW)
    for username, name, role, code in (
        ("wang", "王柜员", "clerk", "xc01"),
        ("li", "李站长", "reviewer", "xc01"),
        ("zhao", "赵站长", "reviewer", "xc02"),
    ):
        accounts.add_account(store, username=username, name=name, role=role, station_code=code,
                             password=PW, now=NOW)  # fmt: skip

    def signed(username: str, password: str = PW) -> None:
        store.account = None
        accounts.sign_in(store, username, password, now=NOW)

    signed("wang")  # a station clerk may not submit
    with pytest.raises(PermissionDeniedError, match="把申请设为已报送"):
        batches.create_batch(store, [station["a"]], actor="x")
    assert _status(store, station["a"]) == "已打印"
    signed("li")
    with pytest.raises(PermissionDeniedError, match="不能处理服务站 XC02"):
        batches.create_batch(store, [station["other"]], actor="x", station_code="XC02")
    view = batches.create_batch(store, [station["a"]], actor="x")  # its own station by default
    assert view.station_code == "XC01" and view.created_by == "李站长（li）"
    signed("zhao")  # another station's reviewer sees nothing of it
    with pytest.raises(NotFoundError):
        batches.batch_view(store, view.number)
    with pytest.raises(NotFoundError):
        batches.withdraw_batch(store, view.number, reason="不是我的", actor="x")
    assert batches.batches(store) == []
    signed("admin", ADMIN_PW)  # the district sees every station's
    assert [b.number for b in batches.batches(store)] == [view.number]
    denied = [e for e in _events(store, "denied") if e.entity_ref == "status.submit"]
    assert len(denied) == 1


def test_the_command_line_creates_shows_lists_and_withdraws(store, station, capsys, db_args):
    assert main(["batch", "create", "--station", "XC01", "--dry-run", *db_args]) == EXIT_OK
    out = capsys.readouterr()
    assert out.out.split() == [station[k] for k in "abc"] and "没有建立批次" in out.err
    assert _status(store, station["a"]) == "已打印"
    code = main(["batch", "create", "--station", "XC01", "--to", "2026-11-19", *db_args])
    assert code == EXIT_OK
    assert "已建立报送批次 XC01-BS-2026-0001：2 份申请改为“已报送”" in capsys.readouterr().out
    assert main(["batch", "show", "xc01-bs-2026-0001", *db_args]) == EXIT_OK
    shown = capsys.readouterr().out
    assert station["a"] in shown and station["b"] in shown and station["c"] not in shown
    assert "合计：2 份" in shown and "元整" in shown and "********" in shown
    assert main(["batch", "list", *db_args]) == EXIT_OK
    assert "XC01-BS-2026-0001" in capsys.readouterr().out
    # No reason: refused by the parser, nothing changed.
    with pytest.raises(SystemExit) as stopped:
        main(["batch", "withdraw", "XC01-BS-2026-0001", *db_args])
    assert stopped.value.code == EXIT_INPUT
    capsys.readouterr()
    code = main(["batch", "withdraw", "XC01-BS-2026-0001", "--reason", "漏盖公章", *db_args])
    assert code == EXIT_OK
    assert "已整批撤回" in capsys.readouterr().out
    assert _status(store, station["a"]) == "已打印"
    assert main(["batch", "create", station["accepted"], "--station", "XC01", *db_args]) == 2
    assert "目前是“已受理”" in capsys.readouterr().err


def test_the_transmittal_list_prints_and_exports_as_the_batch_holds_it(
    store, station, capsys, db_args, tmp_path
):
    import io

    from openpyxl import load_workbook
    from pypdf import PdfReader

    view = batches.create_batch(store, [station["a"], station["b"]], actor="李站长")
    pdf, xlsx = tmp_path / "清单.pdf", tmp_path / "清单.xlsx"
    assert main(["batch", "print", view.number, "-o", str(pdf), *db_args]) == EXIT_OK
    assert "1 页" in capsys.readouterr().out
    text = PdfReader(io.BytesIO(pdf.read_bytes())).pages[0].extract_text()
    assert station["a"] in text and station["b"] in text and station["c"] not in text
    amount = view.rows[0].amount
    assert f"合计：2 份，{2 * amount:,} 元" in text and "第 1 页 共 1 页" in text
    assert "2026年" in text and "********" in text  # the scheme by its name; IDs masked
    (event,) = _events(store, "batch.print")
    assert event.entity_ref == view.number
    assert main(["batch", "export", view.number, "-o", str(xlsx), *db_args]) == EXIT_OK
    sheet = load_workbook(xlsx, read_only=True)["报送清单"]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][:3] == ["报送清单", "批次号", view.number]
    assert rows[1][:2] == ["序号", "受理编号"]
    assert rows[1][8:] == ["审核结果", "核定金额（元）", "发放日期", "原因"]
    assert [r[1] for r in rows[2:4]] == [station["a"], station["b"]]
    assert rows[2][7] == amount and isinstance(rows[2][7], int)
    assert rows[-1][4:6] == ["合计", "2 份"] and rows[-1][7] == 2 * amount
    assert rows[-1][6].endswith("元整")
    # Not written over a folder that is not there; nothing left behind on failure.
    missing = tmp_path / "nowhere" / "x.pdf"
    assert main(["batch", "print", view.number, "-o", str(missing), *db_args]) != EXIT_OK
    assert not missing.parent.exists()
