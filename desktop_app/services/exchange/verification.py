"""Whether an exchange file comes from the station it names: its manifest's signature checked
against the key registered for that station (`key_registry`), before any row is stored.

Refused, each with its own Chinese message: a file without a signature, a station whose key is
not registered here, a file signed with another key than the registered one, and a signature
that does not verify (the manifest or, through its checksum, the rows changed since signing).
A station has its own key registered in its own database, so it trusts the files it wrote.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

from desktop_app.exchange import batch as fmt
from desktop_app.exchange.errors import ExchangeError
from desktop_app.storage import station_keys

if TYPE_CHECKING:
    from sqlalchemy.orm import Session  # the import's transaction, passed through

_SHEET = fmt.MANIFEST_SHEET
_HOW_TO_REGISTER = (
    "请服务站导出公钥文件（union-counter exchange key export 文件名），区总工会登记"
    "（union-counter exchange key register 文件名，或窗口“台账 → 交换文件 → 登记服务站公钥”），"
    "并与服务站电话核对指纹后再导入。"
)


def _refused(message: str, column: str) -> ExchangeError:
    """The file refused whole; the message says why (no row of its own to list)."""
    del column  # the manifest row at fault is named in the message
    return ExchangeError(message)


def check_signature(session: Session, manifest: fmt.Manifest, name: str) -> None:
    """ExchangeError unless the manifest is signed by the key registered for its station."""
    code = manifest.station_code
    if not manifest.signature or not manifest.key_fingerprint:
        raise _refused(
            f"文件 {name} 没有签名，无法确认它来自服务站 {code} 且导出后没有被改动，"
            "没有导入任何内容。请服务站用本程序的新版本重新导出（交换文件导出时自动签名）。",
            "签名（Ed25519）",
        )
    row = station_keys.registered_key(session, code)
    if row is None:
        raise _refused(
            f"服务站 {code} 的签名公钥尚未在本机登记，无法确认文件 {name} 确实来自该站，"
            f"没有导入任何内容。{_HOW_TO_REGISTER}",
            "服务站代码",
        )
    if not fmt.same_fingerprint(manifest.key_fingerprint, row.fingerprint):
        raise _refused(
            f"文件 {name} 的签名密钥（指纹 {manifest.key_fingerprint}）不是服务站 {code} "
            f"在本机登记的密钥（指纹 {row.fingerprint}），没有导入任何内容。文件可能是伪造的，"
            "也可能服务站换了密钥：请电话与服务站核对；服务站确实换了密钥时，重新登记它的公钥。",
            "签名密钥指纹",
        )
    if not fmt.verifies(manifest, base64.b64decode(row.public_key)):
        raise _refused(
            f"文件 {name} 的签名不对：导出后清单或申请内容被改动过（或文件是伪造的），"
            "没有导入任何内容。请服务站重新导出，并核对文件的来源。",
            "签名（Ed25519）",
        )
