"""Signed exchange files (issue 16, part 3): each attack performed for real — an invented
member or a changed amount with the checksum redone, a file re-signed with another key, the
signature stripped, an unregistered station, a changed manifest field — is refused with
nothing stored; the station's key file is private, and a damaged or lost one gives a clear
message and a deliberate, audited way to a new key."""

from __future__ import annotations

import dataclasses
import json
import stat
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select

from desktop_app import private_files
from desktop_app.exchange import batch as fmt
from desktop_app.services import station_settings
from desktop_app.services.exchange import (
    export_batch,
    held_rows,
    import_batch,
    key_registry,
    signing_key,
)
from desktop_app.services.store import open_store
from desktop_app.storage.database import Store
from desktop_app.storage.models import AuditEvent
from tests.exchange.conftest import CLERK, NOW, counts, make_id, register


def refused(store: Store, path: Path) -> str:
    before = counts(store)
    report = import_batch(store, path, actor="区经办人", now=NOW)
    assert report.refused is not None, "the file should have been refused"
    assert report.inserted == [] and report.held == []
    assert counts(store) == before, "a refused file must change nothing"
    return report.refused


def forged(source: Path, target: Path, change: Any, *, signer: fmt.Signer | None = None) -> Path:
    """What an attacker with the file (but not the station's key) does: change the rows and
    write the file again with the checksum and count redone; the manifest keeps the station's
    signature and fingerprint (or is signed with `signer`, another key)."""
    book = fmt.read_batch(source)
    rows = change([list(row) for row in book.rows])
    fmt.write_batch(target, rows, manifest=book.manifest, total=len(rows), signer=signer)
    return target


def events(db: Store, entity: str) -> list[AuditEvent]:
    with db.session() as session:
        return list(
            session.execute(select(AuditEvent).where(AuditEvent.entity == entity)).scalars()
        )


def test_an_honest_file_verifies_and_imports(store: Store, exported: Path) -> None:
    report = import_batch(store, exported, actor="区经办人", now=NOW)
    assert report.ok and len(report.inserted) == 6
    assert report.manifest is not None and report.manifest.signature
    assert report.manifest.key_fingerprint == key_registry.registered(store, "XC01").fingerprint


def test_an_invented_member_with_the_checksum_redone_is_refused(
    store: Store, exported: Path, tmp_path: Path
) -> None:
    def invent(rows: list[list[Any]]) -> list[list[Any]]:
        extra = list(rows[0])
        extra[fmt.INDEX["receipt"]] = "XC01-20261121-0999"
        extra[fmt.INDEX["name"]] = "虚构"
        extra[fmt.INDEX["id_number"]] = make_id(999)
        return [*rows, extra]

    path = forged(exported, tmp_path / "forged.xlsx", invent)
    assert fmt.read_batch(path).manifest.count == 7  # the checksum and count are right
    assert "签名不对" in refused(store, path)


def test_an_amount_changed_to_99999_with_the_checksum_redone_is_refused(
    store: Store, exported: Path, tmp_path: Path
) -> None:
    original = fmt.read_batch(exported)
    first = original.rows[0][fmt.INDEX["amount"]]
    assert first not in (None, 99999)

    def more(rows: list[list[Any]]) -> list[list[Any]]:
        rows[0][fmt.INDEX["amount"]] = 99999
        return rows

    path = forged(exported, tmp_path / "forged.xlsx", more)
    changed = fmt.read_batch(path)  # reads as a sound file: count and checksum agree
    assert changed.rows[0][fmt.INDEX["amount"]] == 99999
    assert changed.manifest.checksum != original.manifest.checksum
    assert "签名不对" in refused(store, path)


def test_a_file_re_signed_with_another_key_is_refused(
    store: Store, exported: Path, tmp_path: Path
) -> None:
    other = fmt.Signer.generate()
    path = forged(exported, tmp_path / "forged.xlsx", lambda rows: rows, signer=other)
    assert fmt.verifies(fmt.read_batch(path).manifest, other.public_key)  # a good signature…
    message = refused(store, path)  # …by a key the district never registered
    assert "不是服务站 XC01 在本机登记的密钥" in message and other.fingerprint in message


def test_a_stripped_signature_is_refused(store: Store, exported: Path, tmp_path: Path) -> None:
    def strip(book: Any) -> None:
        sheet = book["清单"]
        for row in sheet.iter_rows():
            if row[0].value in dict(fmt.SIGNATURE_ROWS):
                row[1].value = None

    book = openpyxl.load_workbook(exported)
    strip(book)
    book.save(tmp_path / "stripped.xlsx")
    assert "没有签名" in refused(store, tmp_path / "stripped.xlsx")
    # And a file written without any signature rows (an older program, another tool).
    unsigned = fmt.read_batch(exported)
    manifest = dataclasses.replace(unsigned.manifest, signature="", key_fingerprint="")
    fmt.write_batch(tmp_path / "old.xlsx", unsigned.rows, manifest=manifest, total=6)
    assert "没有签名" in refused(store, tmp_path / "old.xlsx")


def test_a_station_not_registered_is_refused(
    station: Store, exported: Path, tmp_path: Path, fresh_sqlite: Any
) -> None:
    fresh_sqlite(tmp_path / "district")
    district = open_store(None, tmp_path / "district", now=NOW)
    try:
        station_settings.save_station(district, actor=CLERK, code="DQ01", name="区总", now=NOW)
        message = refused(district, exported)
        assert "服务站 XC01 的签名公钥尚未在本机登记" in message
        assert "exchange key register" in message
        # Registered, the same file imports.
        register(station, district)
        assert import_batch(district, exported, actor=CLERK, now=NOW).ok
    finally:
        district.dispose()


@pytest.mark.parametrize(
    ("label", "value"),
    [
        ("申请份数", 5),
        ("截止日期", "2030-12-31"),
        ("服务站名称", "别的服务站"),
        ("导出人", "别人"),
        ("校验码（SHA-256）", "0" * 64),
    ],
)
def test_a_changed_manifest_field_is_refused(
    store: Store, exported: Path, tmp_path: Path, label: str, value: Any
) -> None:
    book = openpyxl.load_workbook(exported)
    for row in book["清单"].iter_rows():
        if row[0].value == label:
            row[1].value = value
    book.save(tmp_path / "changed.xlsx")
    assert "签名不对" in refused(store, tmp_path / "changed.xlsx")


def test_a_changed_station_code_names_a_station_whose_key_this_is_not(
    station: Store, store: Store, exported: Path, tmp_path: Path
) -> None:
    """The file renamed to another registered station: that station's key is another one."""
    other = fmt.Signer.generate()
    key_registry.register_key(
        store,
        key_registry.StationPublicKey(
            "HD02", "海淀某站", "海淀区", other.public_key, other.fingerprint
        ),
        actor=CLERK,
        now=NOW,
    )
    book = openpyxl.load_workbook(exported)
    for row in book["清单"].iter_rows():
        if row[0].value == "服务站代码":
            row[1].value = "HD02"
    book.save(tmp_path / "renamed.xlsx")
    assert "不是服务站 HD02 在本机登记的密钥" in refused(store, tmp_path / "renamed.xlsx")


def test_the_signature_covers_every_manifest_field() -> None:
    """Every field but the signature is in the signed text (iterated from the dataclass, so a
    field added later is covered too): changing any one breaks the signature."""
    signer = fmt.Signer.generate()
    manifest = signer.sign(
        fmt.Manifest(
            station_code="XC01",
            station_name="西城",
            district="西城区",
            date_from=None,
            date_to=None,
            count=3,
            checksum="a" * 64,
            program_version="0.1.0",
            exported_at=NOW,
            exported_by=CLERK,
        )
    )
    assert fmt.verifies(manifest, signer.public_key)
    changes = {
        "station_code": "XC02",
        "station_name": "东城",
        "district": "东城区",
        "date_from": NOW.date(),
        "date_to": NOW.date(),
        "count": 4,
        "checksum": "b" * 64,
        "program_version": "9.9",
        "exported_at": NOW.replace(second=1),
        "exported_by": "别人",
        "format": "union-counter-exchange/2",
        "key_fingerprint": fmt.Signer.generate().fingerprint,
        "audit_head": "9:" + "c" * 64,
    }
    names = {f.name for f in dataclasses.fields(fmt.Manifest)} - {"signature"}
    assert set(changes) == names, "a new manifest field: add it here"
    for name, value in changes.items():
        assert not fmt.verifies(dataclasses.replace(manifest, **{name: value}), signer.public_key)


def test_the_station_imports_its_own_file(station: Store, exported: Path) -> None:
    """The station trusts its own key (registered in its own database when it was made)."""
    report = import_batch(station, exported, actor=CLERK, now=NOW)
    assert report.ok and len(report.already) == 6


def test_the_key_file_is_private_and_nowhere_else(station: Store, exported: Path) -> None:
    path = signing_key.key_path(station.folder.root)
    assert path.name in private_files.OWN_FILES
    if private_files.applies():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    signer = signing_key.read_signer(station.folder.root)
    assert signer is not None
    seed = signer.seed.hex()
    import base64

    seed_b64 = base64.b64encode(signer.seed).decode()
    database = station.folder.database.read_bytes()
    assert signer.seed not in database and seed_b64.encode() not in database
    import zipfile

    with zipfile.ZipFile(exported) as archive:
        text = b"".join(archive.read(name) for name in archive.namelist())
    assert seed_b64.encode() not in text and seed.encode() not in text
    assert base64.b64encode(signer.public_key).decode() not in text.decode()  # only the fingerprint


def test_a_damaged_key_file_is_a_clear_message_and_a_new_key_is_an_audited_act(
    station: Store, store: Store, exported: Path, tmp_path: Path
) -> None:
    folder = station.folder.root
    old = signing_key.read_signer(folder)
    assert old is not None
    signing_key.key_path(folder).write_text("被改坏的内容\n", encoding="utf-8")
    with pytest.raises(signing_key.StationKeyError) as caught:
        export_batch(station, tmp_path / "again.xlsx", actor=CLERK, now=NOW)
    assert "已损坏" in caught.value.message and "exchange key new" in caught.value.message
    assert not (tmp_path / "again.xlsx").exists()

    info = signing_key.new_key(station, actor=CLERK, now=NOW)
    assert info.fingerprint != old.fingerprint
    replaced = [e for e in events(station, "station_key") if e.action == "replace"]
    assert len(replaced) == 1
    details = json.loads(replaced[0].details)
    assert details["old_fingerprint"] == old.fingerprint
    assert details["fingerprint"] == info.fingerprint

    # The district still holds the old key: the new file is refused until registered again.
    export_batch(station, tmp_path / "new.xlsx", actor=CLERK, now=NOW)
    assert "不是服务站 XC01 在本机登记的密钥" in refused(store, tmp_path / "new.xlsx")
    key_file = tmp_path / "XC01-公钥.txt"
    signing_key.export_public_key(station, key_file, actor=CLERK, now=NOW)
    read = key_registry.read_key_file(key_file)
    assert read.fingerprint == info.fingerprint
    done = key_registry.register_key(store, read, actor="区经办人", now=NOW)
    assert done.replaced is not None and done.replaced.fingerprint == old.fingerprint
    swap = [e for e in events(store, "station_key") if e.action == "replace"]
    assert json.loads(swap[-1].details)["old_fingerprint"] == old.fingerprint
    assert import_batch(store, tmp_path / "new.xlsx", actor="区经办人", now=NOW).ok
    # The old file, signed by the replaced key, is now refused.
    assert "不是服务站 XC01 在本机登记的密钥" in refused(store, exported)


def test_a_lost_key_file_is_not_silently_replaced(station: Store, exported: Path) -> None:
    folder = station.folder.root
    fingerprint = signing_key.read_signer(folder).fingerprint  # type: ignore[union-attr]
    signing_key.key_path(folder).unlink()
    with pytest.raises(signing_key.StationKeyError) as caught:
        export_batch(station, folder / "x.xlsx", actor=CLERK, now=NOW)
    assert "不见了" in caught.value.message and fingerprint in caught.value.message
    assert not signing_key.key_path(folder).exists()


def test_a_key_file_that_is_not_one_is_refused_at_registration(
    station: Store, store: Store, tmp_path: Path
) -> None:
    not_a_key = tmp_path / "notes.txt"
    not_a_key.write_text("hello\n", encoding="utf-8")
    with pytest.raises(key_registry.KeyFileError, match="不是服务站导出的公钥文件"):
        key_registry.read_key_file(not_a_key)
    key_file = tmp_path / "key.txt"
    signing_key.export_public_key(station, key_file, actor=CLERK, now=NOW)
    other = fmt.Signer.generate()
    text = key_file.read_text(encoding="utf-8")
    written = signing_key.read_signer(station.folder.root)
    assert written is not None
    swapped = text.replace(
        __import__("base64").b64encode(written.public_key).decode(),
        __import__("base64").b64encode(other.public_key).decode(),
    )
    key_file.write_text(swapped, encoding="utf-8")
    with pytest.raises(key_registry.KeyFileError, match="指纹与其中的公钥不符"):
        key_registry.read_key_file(key_file)


def test_accepting_a_held_row_is_audited_with_both_amounts(
    station: Store, store: Store, exported: Path, tmp_path: Path
) -> None:
    from tests.exchange.conftest import station_key

    changed = tmp_path / "changed.xlsx"
    raised: list[str] = []

    def more(rows: list[list[Any]]) -> list[list[Any]]:
        for row in rows:
            if row[fmt.INDEX["amount"]] in (1000, 2400):
                row[fmt.INDEX["amount"]] += 500
                raised.append(row[fmt.INDEX["receipt"]])
        return rows

    forged(exported, changed, more, signer=station_key(tmp_path))  # the station signed it
    report = import_batch(store, changed, actor="区经办人", now=NOW)
    assert report.ok and len(report.held) == len(raised) >= 2
    first, second = held_rows.held_rows(store)[:2]

    accepted = held_rows.accept_held(store, first.receipt, "recomputed", actor="区经办人", now=NOW)
    assert accepted.resolution == "recomputed"
    from desktop_app.services import ledger_view

    detail = ledger_view.application_detail(store, first.receipt).to_dict()
    assert detail["application"]["amount"] == first.recomputed_amount
    held_rows.accept_held(store, second.receipt, "station", actor="区经办人", now=NOW)
    detail = ledger_view.application_detail(store, second.receipt).to_dict()
    assert detail["application"]["amount"] == second.station_amount
    accepts = events(store, "held_import")
    assert [json.loads(e.details)["choice"] for e in accepts] == ["recomputed", "station"]
    assert json.loads(accepts[0].details)["station_amount"] == first.station_amount
    assert json.loads(accepts[0].details)["recomputed_amount"] == first.recomputed_amount
    with pytest.raises(held_rows.HeldError, match="核定过了"):
        held_rows.accept_held(store, first.receipt, "station", actor="区经办人", now=NOW)
    assert [h.receipt for h in held_rows.held_rows(store)] == raised[2:]
    # The file again: the decided rows are not held or imported a second time.
    again = import_batch(store, changed, actor="区经办人", now=NOW)
    assert again.ok and again.inserted == [] and sorted(again.already_held) == sorted(raised)
    # The rows accepted from the hold are sealed like every other: the district's record holds.
    from desktop_app.services.audit_trail import verify_audit

    assert verify_audit(store).ok, verify_audit(store).message
