"""Chain heads kept outside the database (issue 16, part 2): exchange files, ledger exports,
backups and `audit head` carry the head; the district keeps the heads its imports brought;
`audit verify --against` catches a history rewritten with the program's own hash function,
which the chain alone cannot."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
from sqlalchemy import select, update

from desktop_app.services.store import open_store
from desktop_app.storage import audit
from desktop_app.storage.models import Application, AuditEvent, AuditHead
from tests.exchange.test_cli import cli  # noqa: F401  (fixture)


def _head(cli, home: str) -> str:  # noqa: F811
    code, out, err = cli(home, "audit", "head")
    assert code == 0 and "审计链头：第" in err
    return out.strip()


def _rewrite_history(home: Path, event_id: int) -> None:
    """The attack the chain alone cannot catch: change one event and rehash every event
    after it and the head with the program's own function (nothing in it is secret)."""
    store = open_store(None, home, auto_backup=False)
    try:
        with store.session(write=True) as session:
            events = session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars().all()
            previous = audit.GENESIS
            for event in events:
                if event.id == event_id:
                    details = json.loads(event.details)
                    details["amount"] = 99999
                    event.details = audit.canonical_json(details)
                event.prev_hash = previous
                event.hash = audit.event_hash(event)
                previous = event.hash
            head = session.get(AuditHead, 1)
            head.last_hash = previous
    finally:
        store.dispose()


def test_audit_head_prints_the_chain_head(cli, tmp_path: Path) -> None:  # noqa: F811
    head = _head(cli, "station")
    count, digest = head.split(":")
    store = open_store(None, tmp_path / "station", auto_backup=False)
    try:
        with store.session() as session:
            stored = session.get(AuditHead, 1)
            assert (stored.last_id, stored.last_hash) == (int(count), digest)
    finally:
        store.dispose()


def test_exports_carry_the_head(cli, tmp_path: Path) -> None:  # noqa: F811
    head = _head(cli, "station")
    exchange, ledger = tmp_path / "交换.xlsx", tmp_path / "台账.xlsx"
    assert cli("station", "exchange", "export", str(exchange))[0] == 0
    manifest = {row[0]: row[1] for row in openpyxl.load_workbook(exchange)["清单"].values}
    assert manifest["审计链头"] == head
    head = _head(cli, "station")  # the export's own event came after
    assert cli("station", "export", str(ledger))[0] == 0
    summary = list(openpyxl.load_workbook(ledger)["汇总"].values)
    assert ("审计链头", head) in [tuple(row[:2]) for row in summary]


def test_rewritten_history_passes_the_chain_but_not_the_anchor(cli, tmp_path: Path) -> None:  # noqa: F811
    exchange = tmp_path / "交换.xlsx"
    assert cli("station", "exchange", "export", str(exchange))[0] == 0
    code, out, _err = cli("station", "audit", "verify", "--against", str(exchange))
    assert code == 0 and "与 1 个锚点" in out

    _rewrite_history(tmp_path / "station", 3)

    code, _out, err = cli("station", "audit", "verify")
    assert code == 0  # honest: without a head kept elsewhere, the rewrite is not visible
    code, _out, err = cli("station", "audit", "verify", "--against", str(exchange))
    assert code == 5
    assert "此前的历史被改写过" in err


def test_a_backup_is_an_anchor(cli, tmp_path: Path) -> None:  # noqa: F811
    backup = tmp_path / "备份.sqlite3"
    assert cli("station", "backup", str(backup))[0] == 0
    assert cli("station", "audit", "verify", "--against", str(backup))[0] == 0
    _rewrite_history(tmp_path / "station", 2)
    code, _out, err = cli("station", "audit", "verify", "--against", str(backup))
    assert code == 5 and "改写" in err


def test_events_deleted_after_an_anchor_are_caught(cli, tmp_path: Path) -> None:  # noqa: F811
    note = tmp_path / "日志.txt"
    note.write_text(f"12月3日 审计链头 {_head(cli, 'station')}\n", encoding="utf-8")
    store = open_store(None, tmp_path / "station", auto_backup=False)
    try:
        with store.session(write=True) as session:
            head = session.get(AuditHead, 1)
            last = session.get(AuditEvent, head.last_id)
            before = session.get(AuditEvent, head.last_id - 1)
            session.delete(last)
            head.last_id, head.last_hash = before.id, before.hash
    finally:
        store.dispose()
    code, _out, err = cli("station", "audit", "verify", "--against", str(note))
    assert code == 5 and "此后的事件已被删除" in err


def test_a_file_without_a_head_is_refused(cli, tmp_path: Path) -> None:  # noqa: F811
    note = tmp_path / "空.txt"
    note.write_text("没有链头", encoding="utf-8")
    code, _out, err = cli("station", "audit", "verify", "--against", str(note))
    assert code == 2 and "没有审计链头" in err


def test_the_district_keeps_the_heads_and_the_station_proves_against_them(
    cli,  # noqa: F811
    tmp_path: Path,
) -> None:
    exchange = tmp_path / "交换.xlsx"
    head = _head(cli, "station")
    assert cli("station", "exchange", "export", str(exchange))[0] == 0
    assert cli("district", "exchange", "import", str(exchange))[0] == 0
    code, out, err = cli("district", "exchange", "anchors", "--station", "XC01")
    assert code == 0 and "共 1 个服务站 XC01 的审计链头" in err
    assert out.startswith("XC01\t") and head in out and "交换.xlsx" in out
    kept = tmp_path / "区总工会保存的链头.txt"
    kept.write_text(out, encoding="utf-8")
    assert cli("station", "audit", "verify", "--against", str(kept))[0] == 0
    _rewrite_history(tmp_path / "station", 2)
    assert cli("station", "audit", "verify", "--against", str(kept))[0] == 5


def test_rows_the_district_imported_are_sealed(cli, tmp_path: Path) -> None:  # noqa: F811
    """The bulk insert seals what it writes: the district's verify passes after an import and
    names an imported application changed afterwards with SQL."""
    exchange = tmp_path / "交换.xlsx"
    assert cli("station", "exchange", "export", str(exchange))[0] == 0
    assert cli("district", "exchange", "import", str(exchange))[0] == 0
    code, out, _err = cli("district", "audit", "verify")
    assert code == 0 and "6 行申请和会员记录与程序写入时一致" in out
    store = open_store(None, tmp_path / "district", auto_backup=False)
    try:
        with store.session(write=True) as session:
            session.execute(update(Application).where(Application.id == 2).values(amount=99999))
            receipt = session.get(Application, 2).receipt
    finally:
        store.dispose()
    code, _out, err = cli("district", "audit", "verify")
    assert code == 5 and receipt in err and "在程序之外被改动" in err


def test_the_backup_command_says_the_head_it_holds(cli, tmp_path: Path) -> None:  # noqa: F811
    head = _head(cli, "station")
    code, _out, err = cli("station", "backup", str(tmp_path / "b.sqlite3"))
    assert code == 0 and f"备份中的审计链头：{head}" in err
