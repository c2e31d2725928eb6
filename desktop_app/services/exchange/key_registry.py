"""Use case: the district's registry of station signing keys (登记服务站公钥).

The district registers each station's public key once, from the key file the station exported
(`signing_key.export_public_key`), after the clerks compared its fingerprint by phone: the
station reads it off its screen, the district's screen shows the one computed here from the
file. Registering again with another key replaces it (audited, the old fingerprint kept).
`trusted_key` is what the import checks a file's signature against.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from desktop_app.errors import ClerkError
from desktop_app.exchange import batch as fmt
from desktop_app.services.exchange.signing_key import (
    PUBLIC_HEADER,
    PUBLIC_LABELS,
    put_key_audited,
)
from desktop_app.services.permissions import require
from desktop_app.services.station_settings import event_station_code, station_problems
from desktop_app.storage import station_keys
from desktop_app.storage.database import Store
from desktop_app.storage.models import StationKey


class KeyFileError(ClerkError):
    """A public key file that cannot be registered (exit code for bad input)."""


@dataclass(frozen=True)
class StationPublicKey:
    """A station's public key, read from its key file or from the registry."""

    station_code: str
    station_name: str
    district: str
    public_key: bytes
    fingerprint: str
    registered_at: datetime | None = None
    registered_by: str = ""


def read_key_file(path: Path) -> StationPublicKey:
    """The station and public key in an exported key file; KeyFileError if it is not one.
    The fingerprint is computed from the key here (a fingerprint line that disagrees means the
    file was edited)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise KeyFileError(f"找不到公钥文件：{path}。") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or "不是文本文件"
        raise KeyFileError(f"无法读取公钥文件 {path.name}（{reason}）。") from None
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines or lines[0] != PUBLIC_HEADER:
        raise KeyFileError(
            f"文件 {path.name} 不是服务站导出的公钥文件。请服务站用"
            "“union-counter exchange key export 文件名”（或窗口“台账 → 交换文件 → "
            "本站签名密钥”）导出后再登记。"
        )
    labels = {label: key for key, label in PUBLIC_LABELS.items()}
    values: dict[str, str] = {}
    for line in lines[1:]:
        label, sep, value = line.partition(":")
        if sep and label.strip() in labels:
            values[labels[label.strip()]] = value.strip()
    code = values.get("station_code", "").upper()
    if not code or station_problems(code=code):
        raise KeyFileError(f"公钥文件 {path.name} 中的服务站代码“{code}”不对，文件被改动过。")
    key = fmt.public_key_of(values.get("public_key", ""))
    if key is None:
        raise KeyFileError(f"公钥文件 {path.name} 中的公钥已损坏，请服务站重新导出。")
    fingerprint = fmt.fingerprint(key)
    written = values.get("fingerprint", "")
    if written and not fmt.same_fingerprint(written, fingerprint):
        raise KeyFileError(
            f"公钥文件 {path.name} 中写的指纹与其中的公钥不符，文件被改动过。请服务站重新导出。"
        )
    return StationPublicKey(
        code, values.get("station_name", ""), values.get("district", ""), key, fingerprint
    )


def _from_row(row: StationKey) -> StationPublicKey:
    return StationPublicKey(
        row.station_code,
        row.station_name,
        row.district,
        base64.b64decode(row.public_key),
        row.fingerprint,
        row.registered_at,
        row.registered_by,
    )


def registered(store: Store, station_code: str) -> StationPublicKey | None:
    """The key registered for this station, or None."""
    with store.session() as session:
        row = station_keys.registered_key(session, station_code)
        return _from_row(row) if row is not None else None


def registered_keys(store: Store) -> list[StationPublicKey]:
    """Every registered station key, by station code."""
    with store.session() as session:
        return [_from_row(row) for row in station_keys.registered_keys(session)]


@dataclass(frozen=True)
class Registration:
    """What registering a key did: the key, and the one it replaced (if any)."""

    key: StationPublicKey
    replaced: StationPublicKey | None
    unchanged: bool = False


def register_key(
    store: Store, key: StationPublicKey, *, actor: str, now: datetime | None = None
) -> Registration:
    """Register (or replace) the station's key, after the clerk compared its fingerprint;
    audited (a replacement with the old fingerprint). The same key again changes nothing."""
    require(store, "exchange.keys")
    moment = (now or datetime.now()).replace(microsecond=0)
    here = event_station_code(store)
    with store.session(write=True) as session:
        old = station_keys.registered_key(session, key.station_code)
        if old is not None and old.public_key == base64.b64encode(key.public_key).decode():
            return Registration(_from_row(old), None, unchanged=True)
        before = put_key_audited(
            session,
            station_code=key.station_code,
            station_name=key.station_name,
            district=key.district,
            public_key=key.public_key,
            fingerprint=key.fingerprint,
            at=moment,
            actor=actor,
            here=here,
            first_action="register",
            details={"station_name": key.station_name},
        )
        replaced = _from_row(before) if before is not None else None
    return Registration(
        StationPublicKey(
            key.station_code,
            key.station_name,
            key.district,
            key.public_key,
            key.fingerprint,
            moment,
            actor,
        ),
        replaced,
    )
