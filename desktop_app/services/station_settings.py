"""Use case: the station's own settings (服务站代码, 名称, 所属区), read and saved.

The code is the first part of every receipt number (受理编号), so an application cannot be
saved until it is set (`StationNotSetError`). The rules live here once, for 设置, 首次设置
and `union-counter settings`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from desktop_app.domain.facts import InputError
from desktop_app.errors import EXIT_INPUT
from desktop_app.services import audit_trail
from desktop_app.storage import repository
from desktop_app.storage.database import Store
from desktop_app.storage.errors import StoreError

_STATION_CODE = re.compile(r"^[A-Z0-9]{2,8}$")
SETTING_LABELS = {"station_code": "服务站代码", "station_name": "服务站名称", "district": "所属区"}


class StationNotSetError(StoreError):
    exit_code = EXIT_INPUT  # refused until the station is set: nothing is wrong with the store


@dataclass(frozen=True)
class Station:
    """The station's settings as saved."""

    code: str
    name: str
    district: str


def station(store: Store) -> Station | None:
    """The station's settings; None until its code is set."""
    with store.session() as session:
        values = repository.get_settings(session)
    if not values.get("station_code"):
        return None
    return Station(
        values["station_code"], values.get("station_name", ""), values.get("district", "")
    )


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


def save_station(
    store: Store,
    *,
    actor: str,
    code: str | None = None,
    name: str | None = None,
    district: str | None = None,
    now: datetime | None = None,
) -> Station:
    """Set the station's code, name and district (each optional); audited."""
    values = station_values(code=code, name=name, district=district)
    with store.session(write=True) as session:
        changed = repository.put_settings(session, values)
        if changed:
            audit_trail.record_in(
                session,
                at=now,
                actor=actor,
                action="change",
                entity="settings",
                entity_ref="settings",
                details={
                    "before": {k: b for k, (b, _a) in changed.items()},
                    "after": {k: a for k, (_b, a) in changed.items()},
                },
            )
    result = station(store)
    if result is None:
        raise StationNotSetError("尚未设置服务站代码。")
    return result
