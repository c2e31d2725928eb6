"""Use case: the station's own signing key (签名密钥) — made, kept, exported, replaced.

The private key is a small text file in the data folder (`KEY_FILE`), 0600 and written
atomically, never in the database nor in an exchange file. It is made when the station first
needs it (its first export, or `exchange key export`), and the station then registers its own
public key in its own database, so it trusts the files it wrote itself (`key_registry`).

A key file that is missing after a key was made, or that cannot be read, is not silently
replaced: the district trusts that key, so the clerk is told and makes a new one on purpose
(`new_key`, audited with the old fingerprint), which the district must register again.
"""

from __future__ import annotations

import base64
import binascii
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_app.errors import EXIT_STORE, ClerkError
from desktop_app.exchange import batch as fmt
from desktop_app.exchange.batch.signing import KEY_BYTES
from desktop_app.private_files import file_mode
from desktop_app.services import audit_trail
from desktop_app.services.permissions import require
from desktop_app.services.station_settings import Station, StationNotSetError, station
from desktop_app.storage import station_keys
from desktop_app.storage.database import Store
from desktop_app.storage.models import StationKey

if TYPE_CHECKING:
    from sqlalchemy.orm import Session  # the caller's transaction, passed through

KEY_FILE = "station-signing-key"
_HEADER = "union-counter station signing key/1"
_SEED = "ed25519-seed:"
PUBLIC_HEADER = "union-counter station public key/1"
PUBLIC_LABELS = {
    "station_code": "服务站代码",
    "station_name": "服务站名称",
    "district": "所属区",
    "public_key": "公钥（Ed25519）",
    "fingerprint": "指纹",
}
_NEW_KEY_HINT = (
    "如果找不到原来的密钥文件，可以用“union-counter exchange key new”"
    "（或窗口“台账 → 交换文件 → 本站签名密钥”）生成新的签名密钥；"
    "之后区总工会需要重新登记本站的公钥。"
)


class StationKeyError(ClerkError):
    """The station's key file is missing after a key was made, or cannot be read."""

    exit_code = EXIT_STORE


@dataclass(frozen=True)
class KeyInfo:
    """A station's public key as shown to the clerk."""

    station_code: str
    station_name: str
    district: str
    fingerprint: str
    public_key: bytes


def key_path(folder: Path) -> Path:
    """Where the data folder keeps the station's private key."""
    return Path(folder) / KEY_FILE


def read_signer(folder: Path) -> fmt.Signer | None:
    """The station's key from the data folder; None when there is no key file.
    StationKeyError when the file is there but cannot be read or is damaged."""
    path = key_path(folder)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or "不是文本文件"
        raise StationKeyError(
            f"无法读取本站的签名密钥文件 {path}（{reason}），无法给交换文件签名。{_NEW_KEY_HINT}"
        ) from None
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    seed_text = next((line[len(_SEED) :] for line in lines if line.startswith(_SEED)), None)
    seed = None
    if lines and lines[0] == _HEADER and seed_text is not None:
        try:
            seed = base64.b64decode(seed_text.strip(), validate=True)
        except (binascii.Error, ValueError):
            seed = None
    if seed is None or len(seed) != KEY_BYTES:
        raise StationKeyError(
            f"本站的签名密钥文件 {path} 已损坏（内容不是本程序写的密钥），"
            f"无法给交换文件签名。{_NEW_KEY_HINT}"
        )
    return fmt.Signer(seed)


def _write_key(folder: Path, signer: fmt.Signer) -> None:
    """Write the key file atomically, 0600 from its first byte (a temporary file beside it,
    flushed to disk, then renamed over the old one)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    text = (
        f"{_HEADER}\n"
        "# 本服务站的签名私钥：只留在本机数据文件夹中，请勿复制、发送或打印。\n"
        f"{_SEED} {base64.b64encode(signer.seed).decode()}\n"
    )
    handle, name = tempfile.mkstemp(prefix=f".{KEY_FILE}.", suffix=".part", dir=folder)
    temporary = Path(name)
    try:
        temporary.chmod(file_mode())  # 0600; 0660 in the PC's shared folder (its clerks)
        os.write(handle, text.encode("utf-8"))
        os.fsync(handle)
        os.close(handle)
        handle = -1
        temporary.replace(key_path(folder))
    except BaseException:
        if handle >= 0:
            os.close(handle)
        temporary.unlink(missing_ok=True)
        raise


def _here(store: Store) -> Station:
    here = station(store)
    if here is None:
        raise StationNotSetError(
            "尚未设置服务站代码，无法生成或使用签名密钥。请先在“设置”中填写服务站名称和代码。"
        )
    return here


def put_key_audited(
    session: Session,
    *,
    station_code: str,
    station_name: str,
    district: str,
    public_key: bytes,
    fingerprint: str,
    at: datetime,
    actor: str,
    here: str,
    first_action: str,
    details: Mapping[str, Any],
) -> StationKey | None:
    """Store a station's public key (replacing its earlier one) with its audit event in the
    caller's transaction: `first_action` for a first key, "replace" with the old fingerprint
    otherwise; the key it replaced, if any. The one home for the district's registration
    and the station's own key."""
    before = station_keys.put_key(
        session,
        station_code=station_code,
        station_name=station_name,
        district=district,
        public_key=base64.b64encode(public_key).decode(),
        fingerprint=fingerprint,
        at=at,
        actor=actor,
    )
    audit_trail.record_in(
        session,
        at=at,
        actor=actor,
        station_code=here,
        action="replace" if before is not None else first_action,
        entity="station_key",
        entity_ref=station_code,
        details={
            "station": station_code,
            **details,
            "fingerprint": fingerprint,
            "old_fingerprint": before.fingerprint if before is not None else None,
        },
    )
    return before


def _register_own(
    store: Store, here: Station, signer: fmt.Signer, *, actor: str, at: datetime, why: str
) -> None:
    """Register the station's own public key in its own database (audited)."""
    with store.session(write=True) as session:
        put_key_audited(
            session,
            station_code=here.code,
            station_name=here.name,
            district=here.district,
            public_key=signer.public_key,
            fingerprint=signer.fingerprint,
            at=at,
            actor=actor,
            here=here.code,
            first_action="create",
            details={"why": why},
        )


def station_signer(store: Store, *, actor: str, now: datetime | None = None) -> fmt.Signer:
    """The key the station signs its exchange files with, made on first use (and its public
    key registered as the station's own). StationKeyError when a key was made before but its
    file is gone or damaged."""
    here = _here(store)
    moment = (now or datetime.now()).replace(microsecond=0)
    folder = store.folder.root
    signer = read_signer(folder)
    with store.session() as session:
        own = station_keys.registered_key(session, here.code)
    if signer is None:
        if own is not None:
            raise StationKeyError(
                f"本站的签名密钥文件 {key_path(folder)} 不见了（本站登记的密钥指纹是 "
                f"{own.fingerprint}），无法给交换文件签名。请先找回原来的文件（例如从备份中"
                f"复制回数据文件夹）。{_NEW_KEY_HINT}"
            )
        signer = fmt.Signer.generate()
        _write_key(folder, signer)
        _register_own(store, here, signer, actor=actor, at=moment, why="首次使用，生成签名密钥")
    elif own is None:
        _register_own(store, here, signer, actor=actor, at=moment, why="登记本站已有的签名密钥")
    return signer


def new_key(store: Store, *, actor: str, now: datetime | None = None) -> KeyInfo:
    """Make a new signing key, replacing the file (missing, damaged or not) and the station's
    own registration; audited with the old fingerprint. The district must register it again."""
    require(store, "exchange.keys")
    here = _here(store)
    moment = (now or datetime.now()).replace(microsecond=0)
    signer = fmt.Signer.generate()
    _write_key(store.folder.root, signer)
    _register_own(store, here, signer, actor=actor, at=moment, why="生成新的签名密钥")
    return _info(here, signer)


def _info(here: Station, signer: fmt.Signer) -> KeyInfo:
    return KeyInfo(here.code, here.name, here.district, signer.fingerprint, signer.public_key)


def own_key(store: Store, *, actor: str, now: datetime | None = None) -> KeyInfo:
    """The station's public key and fingerprint (made on first use, as for an export)."""
    require(store, "exchange.export", now=now)
    signer = station_signer(store, actor=actor, now=now)
    return _info(_here(store), signer)


def public_key_text(info: KeyInfo) -> str:
    """The exported public key file's text (UTF-8): the station, the key and its fingerprint."""
    values = {
        "station_code": info.station_code,
        "station_name": info.station_name,
        "district": info.district,
        "public_key": base64.b64encode(info.public_key).decode(),
        "fingerprint": info.fingerprint,
    }
    lines = [PUBLIC_HEADER, *(f"{PUBLIC_LABELS[key]}: {value}" for key, value in values.items())]
    lines.append("# 区总工会登记本站公钥时，请电话核对上面的指纹。")
    return "\n".join(lines) + "\n"


def export_public_key(
    store: Store, path: Path, *, actor: str, now: datetime | None = None
) -> KeyInfo:
    """Write the station's public key file for the district to register."""
    info = own_key(store, actor=actor, now=now)
    path = Path(path)
    if not path.parent.is_dir():
        raise ClerkError(f"文件夹不存在：{path.parent}。请先建好文件夹，或换一个位置。")
    path.write_text(public_key_text(info), encoding="utf-8")
    return info
