"""Store errors a clerk can meet, each with a Chinese message that says what to do.

Environment faults (disk full, locked, corrupt, read-only, server unreachable) are
told apart from bugs by the driver's error code, after qutebrowser's `misc/sql.py`.
`translate()` turns a driver exception into one of these, or returns None for a bug.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy.exc import IntegrityError

from desktop_app.errors import EXIT_DUPLICATE, EXIT_INPUT, EXIT_STORE, ClerkError


class StoreError(ClerkError):
    """Base of every store error; `str()` is the clerk-facing Chinese message."""

    exit_code = EXIT_STORE

    def __init__(self, message: str) -> None:
        super().__init__(message)


class DiskFullError(StoreError):
    pass


class DatabaseLockedError(StoreError):
    pass


class CorruptDatabaseError(StoreError):
    pass


class ReadOnlyError(StoreError):
    pass


class CannotOpenError(StoreError):
    pass


class NewerSchemaError(StoreError):
    pass


class ServerUnavailableError(StoreError):
    pass


class DuplicateClaimError(StoreError):
    """The same claim is already saved. `first` describes the earlier application."""

    exit_code = EXIT_DUPLICATE

    def __init__(self, message: str, first: dict[str, Any]) -> None:
        super().__init__(message)
        self.first = first


class NotFoundError(StoreError):
    exit_code = EXIT_INPUT  # a receipt that names nothing: the request is refused


class StatusChangeError(StoreError):
    exit_code = EXIT_INPUT


class BackupError(StoreError):
    pass


class PermissionDeniedError(StoreError):
    """The district's server refused: the counter's database role may not do this (row-level
    security, no grant). Nothing was changed."""


# A write a unique or check constraint refused: another counter saved the same claim at the
# same moment, or a step made the claim live again. The services decide what it means.
ConflictError = IntegrityError


def _where(location: str | None) -> str:
    return f"（{location}）" if location else ""


def corrupt_database(location: str | None) -> CorruptDatabaseError:
    return CorruptDatabaseError(
        f"数据库文件已损坏或不是本程序的数据库{_where(location)}。请不要继续使用它，"
        "用“恢复备份”从最近的备份恢复，并联系维护人员。"
    )


def translate(exc: BaseException, location: str | None = None) -> StoreError | None:
    """Map a DBAPI exception (possibly wrapped by SQLAlchemy) to a StoreError, or None."""
    original = getattr(exc, "orig", None) or exc
    if isinstance(original, sqlite3.Error):
        return _translate_sqlite(original, location)
    module = type(original).__module__
    if module.startswith("psycopg"):
        return _translate_psycopg(original, location)
    return None


def _translate_sqlite(exc: sqlite3.Error, location: str | None) -> StoreError | None:
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc).lower()
    where = _where(location)
    if name.startswith("SQLITE_FULL") or "database or disk is full" in text:
        return DiskFullError(
            f"磁盘空间已满，本次内容没有保存{where}。请清理磁盘或把数据文件夹移到有空间的磁盘后重试。"
        )
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "database is locked" in text:
        return DatabaseLockedError(
            f"数据库正被另一个程序或另一台柜台占用，等候超时，本次内容没有保存{where}。"
            "请稍候再试；若一直如此，请关闭其他打开同一数据库的程序。"
        )
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or "malformed" in text:
        return corrupt_database(location)
    if name.startswith("SQLITE_READONLY") or "readonly database" in text:
        return ReadOnlyError(
            f"数据库文件或所在文件夹只读，无法保存{where}。请检查文件夹权限，或换一个可写的数据文件夹。"
        )
    if name.startswith(("SQLITE_CANTOPEN", "SQLITE_PERM")) or "unable to open" in text:
        return CannotOpenError(f"无法打开数据库文件{where}。请检查数据文件夹是否存在、是否可写。")
    if name.startswith("SQLITE_IOERR") or "disk i/o error" in text:
        return DiskFullError(
            f"读写磁盘出错，本次内容没有保存{where}。请检查磁盘空间和磁盘是否正常后重试。"
        )
    return None


# libpq's (English) text for a login the server refused.
_LOGIN_REFUSED = (
    "password authentication failed",
    "no pg_hba.conf entry",
    "no password supplied",
    'role "',
)


def _operational(exc: BaseException) -> bool:
    """psycopg's OperationalError or a subclass (ConnectionTimeout), without importing it."""
    return any(cls.__name__ == "OperationalError" for cls in type(exc).__mro__)


def _translate_psycopg(exc: BaseException, location: str | None) -> StoreError | None:
    sqlstate = getattr(exc, "sqlstate", None) or ""
    where = _where(location)
    if sqlstate == "53100":
        return DiskFullError(
            f"数据库服务器磁盘已满，本次内容没有保存{where}。请联系区总工会的管理员。"
        )
    if sqlstate in ("55P03", "40P01", "40001"):
        return DatabaseLockedError(
            f"数据库正忙（其他柜台同时在写），本次内容没有保存{where}。请稍候再试。"
        )
    if sqlstate == "42501":
        return PermissionDeniedError(
            f"数据库服务器拒绝了这项操作，什么都没有改动{where}：本柜台的数据库账户无权读写"
            "这些记录（每个服务站的账户只能处理本站的申请；审计记录只能添加，不能修改或删除）。"
            "请核对“设置”中的服务站代码与数据库账户是否对应；需要时请区总工会的管理员处理。"
        )
    if sqlstate == "25006":
        return ReadOnlyError(f"数据库服务器处于只读状态，无法保存{where}。请联系管理员。")
    if sqlstate.startswith("XX"):
        return CorruptDatabaseError(f"数据库服务器报告数据损坏{where}。请联系管理员。")
    if not sqlstate and _operational(exc):
        # A refused connection has no SQLSTATE in libpq; only the server's text says why.
        text = str(exc)
        if any(sign in text for sign in _LOGIN_REFUSED):
            sqlstate = "28000"
        elif "database" in text and "does not exist" in text:
            return CannotOpenError(
                f"数据库服务器上没有这个数据库{where}。请检查数据库地址中的数据库名称。"
            )
    if sqlstate.startswith("08") or (not sqlstate and _operational(exc)):
        return ServerUnavailableError(
            f"无法连接数据库服务器{where}。请检查网络和服务器地址，或联系区总工会的管理员。"
        )
    if sqlstate.startswith("28"):
        return CannotOpenError(
            f"数据库服务器拒绝登录{where}：用户名或密码不对，或本机未获准连接。"
            "请核对数据库地址中的用户名和密码，或联系区总工会的管理员。"
        )
    return None
