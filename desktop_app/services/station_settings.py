"""Use case: the counter's station (服务站代码, 名称, 所属区), read and saved.

The station belongs to the counter, not to the database: counters of a district share one
PostgreSQL server, and each keeps its own code, so each numbers its own receipts. The code
is the first part of every receipt number (受理编号), so an application cannot be saved until
it is set (`StationNotSetError`).

One home for the rule: `counter_station(folder)` says which station a data folder's counter is
— the machine-wide file's when IT fixed it there (`machine_station`, `machine_settings`), else
the data folder's own `station.ini` (`station_file`), else the machine-wide default.
`station(store)` asks it for the data folder the store was opened with; every reader (save,
audit events, exchange, printing, 设置, 首次设置, `union-counter settings`, the self-test) goes
through these two. The station is never written to the database's shared `setting` table; an
older version's values there are taken over once into the counter's file
(`adopt_database_station`, at open, audited).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from desktop_app.domain.facts import InputError
from desktop_app.errors import EXIT_INPUT
from desktop_app.services import audit_trail, machine_settings
from desktop_app.services.data_folder import reason_of
from desktop_app.services.permissions import require
from desktop_app.services.station_file import (
    StationFileError,
    damaged,
    read_station_file,
    remove_station_file,
    station_path,
    write_station_file,
)
from desktop_app.storage import repository
from desktop_app.storage.database import Store
from desktop_app.storage.errors import StoreError

_STATION_CODE = re.compile(r"^[A-Z0-9]{2,8}$")
SETTING_LABELS = {"station_code": "服务站代码", "station_name": "服务站名称", "district": "所属区"}
ADOPTING_ACTOR = "本程序（升级）"  # who took an older version's station over into the file


class StationNotSetError(StoreError):
    exit_code = EXIT_INPUT  # refused until the station is set: nothing is wrong with the store


@dataclass(frozen=True)
class Station:
    """The counter's station as saved."""

    code: str
    name: str
    district: str


# --- which station this counter is -------------------------------------------------------------


def machine_station() -> Station | None:
    """The station IT set for this PC in the machine-wide file (`machine_settings`), None when
    it sets none. MachineSettingsError (Chinese) when the file cannot be used or its code is
    not a code."""
    settings = machine_settings.load()
    if not settings.sets(machine_settings.STATION):
        return None
    values = settings.station
    code = values["code"].upper()
    if not _STATION_CODE.match(code):
        raise machine_settings.MachineSettingsError(
            f"本机设置文件 {settings.path} 中的服务站代码“{values['code']}”不是 2–8 位大写字母"
            "或数字。请管理员改正该文件。"
        )
    return Station(code, values.get("name", ""), values.get("district", ""))


def counter_station(folder: Path) -> Station | None:
    """Which station the counter of data folder `folder` is: the machine-wide file's when IT
    fixed it; else the folder's `station.ini`, else the machine-wide file's default; None until
    a code is set. StationFileError (Chinese) when the folder's file is there but unreadable
    or damaged; MachineSettingsError when the machine-wide file is."""
    machine = machine_station()
    if machine is not None and machine_settings.load().fixed(machine_settings.STATION):
        return machine
    return _folder_station(folder) or machine


def station(store: Store) -> Station | None:
    """The station of the counter that opened `store` (its data folder's), None until set."""
    return counter_station(store.folder.root)


def station_file(store: Store) -> Path:
    """The file that keeps the station of the counter that opened `store`."""
    return station_path(store.folder.root)


def event_station_code(store: Store) -> str:
    """The station an audit event names: the counter's code, '' while it is not set or its
    file cannot be read (an event of a backup must not fail on a damaged station file)."""
    try:
        here = station(store)
    except (StationFileError, machine_settings.MachineSettingsError):
        return ""
    return here.code if here else ""


def _folder_station(folder: Path) -> Station | None:
    values = read_station_file(folder)
    if values is None or not values.get("station_code"):
        return None
    code = values["station_code"]
    if not _STATION_CODE.match(code):
        raise damaged(station_path(folder), f"服务站代码“{code}”不是 2–8 位大写字母或数字")
    return Station(code, values.get("station_name", ""), values.get("district", ""))


# --- the rules of what may be saved ------------------------------------------------------------


def station_problems(
    *, code: str | None = None, name: str | None = None, district: str | None = None
) -> dict[str, str]:
    """What is wrong with each station setting given (field → Chinese message); empty when
    all can be saved. The one home of these rules: 设置, 首次设置 and the command line."""
    problems: dict[str, str] = {}
    if code is not None and not _STATION_CODE.match(code.strip().upper()):
        problems["station_code"] = "服务站代码应为 2–8 位大写字母或数字，如 XC01"
    if name is not None and not name.strip():
        problems["station_name"] = "服务站名称不能为空"
    return problems


def station_values(
    *, code: str | None = None, name: str | None = None, district: str | None = None
) -> dict[str, str]:
    """The settings as saved (code upper-case, texts trimmed); InputError on the first
    problem `station_problems` finds."""
    for field_name, message in station_problems(code=code, name=name, district=district).items():
        raise InputError(field_name, message)
    values: dict[str, str] = {}
    if code is not None:
        values["station_code"] = code.strip().upper()
    if name is not None:
        values["station_name"] = name.strip()
    if district is not None:
        values["district"] = district.strip()
    return values


# --- saving ------------------------------------------------------------------------------------


def save_station(
    store: Store,
    *,
    actor: str,
    code: str | None = None,
    name: str | None = None,
    district: str | None = None,
    now: datetime | None = None,
) -> Station:
    """Set the counter's station code, name and district (each optional) in its data folder's
    file; audited in the database. A damaged file is replaced when code and name are both
    given (as 设置 and 首次设置 do); a partial change of a damaged file is refused."""
    require(store, "settings.change", now=now)
    values = station_values(code=code, name=name, district=district)
    machine_settings.refuse_if_fixed(machine_settings.STATION)
    folder = store.folder.root
    try:
        _folder_station(folder)  # a file with a code that is not a code is damaged too
        before = read_station_file(folder)
    except StationFileError:
        if "station_code" not in values or "station_name" not in values:
            raise
        before = None  # damaged: what it held is unknown; replaced whole
    after = {**(before or {}), **values}
    changed = {
        k: ((before or {}).get(k), v) for k, v in values.items() if (before or {}).get(k) != v
    }
    if changed:
        _write_audited(
            store,
            before,
            after,
            actor=actor,
            now=now,
            details={
                "before": {k: b for k, (b, _a) in changed.items()},
                "after": {k: a for k, (_b, a) in changed.items()},
            },
        )
    result = station(store)
    if result is None:
        raise StationNotSetError("尚未设置服务站代码。")
    return result


def _write_audited(
    store: Store,
    before: dict[str, str] | None,
    after: dict[str, str],
    *,
    actor: str,
    now: datetime | None,
    details: dict[str, object],
) -> None:
    """The file gets `after` and the database the audit event, together: the file is replaced
    only once the event is written in the open transaction, and put back as it was should the
    commit then fail."""
    folder = store.folder.root
    written = False
    try:
        with store.session(write=True) as session:
            audit_trail.record_in(
                session,
                at=now,
                actor=actor,
                station_code=after.get("station_code", ""),
                action="change",
                entity="settings",
                entity_ref="settings",
                details=details,
            )
            session.flush()
            try:
                write_station_file(folder, after)
            except OSError as exc:
                raise StationFileError(
                    f"无法保存本柜台的服务站设置文件 {station_path(folder)}"
                    f"（{reason_of(exc)}）。服务站设置没有改变。"
                ) from None
            written = True
    except BaseException:
        if written:
            _put_back(folder, before)
        raise


def _put_back(folder: Path, before: dict[str, str] | None) -> None:
    try:
        if before is None:
            remove_station_file(folder)
        else:
            write_station_file(folder, before)
    except OSError:
        pass  # the save's own error is the one to report


# --- taking over an older version's station ----------------------------------------------------


def adopt_database_station(store: Store, *, now: datetime | None = None) -> Station | None:
    """Once, for a data folder an older version used: it kept the station in the database's
    `setting` table. When the counter has no station of its own (no file, no machine-wide
    station) and that table holds a usable code, the values are written to the counter's file
    (audited as a settings change); afterwards the file alone counts. On a shared PostgreSQL
    server the table holds whichever counter saved last, so the clerk is asked to check it
    (`store.warnings`). The station adopted, or None when nothing was done."""
    folder = store.folder.root
    if store.read_only or machine_station() is not None or station_path(folder).exists():
        return None
    with store.session() as session:
        stored = repository.get_settings(session)
    code = stored.get("station_code", "")
    if not code or not _STATION_CODE.match(code):
        return None  # nothing usable there: first-run setup asks for the station
    values: dict[str, str] = {k: stored[k] for k in SETTING_LABELS if k in stored}
    if station_path(folder).exists():  # another copy of the program took it over just now
        return None
    _write_audited(
        store,
        None,
        values,
        actor=ADOPTING_ACTOR,
        now=now,
        details={"before": {}, "after": values, "adopted_from": "database setting table"},
    )
    adopted = station(store)
    if adopted is not None and not store.is_sqlite:
        store.warnings.append(
            f"本柜台的服务站设置（{adopted.name}，代码 {adopted.code}）"
            f"取自共用数据库中旧版本保存的值，现已存入本机的 {station_path(folder).name}。"
            "各柜台应各有自己的服务站代码：请在“设置”中核对，不对时改正后保存。"
        )
    return adopted
