"""The PostgreSQL password, kept where libpq itself looks for it: the user's password file.

A password never sits in plain text in a settings file (`counter.ini`, the machine-wide file).
The database address is saved without it, and the password goes into the libpq password file
of the OS user (`~/.pgpass` on Linux, `%APPDATA%\\postgresql\\pgpass.conf` on Windows, or the
file `PGPASSFILE` names), one line `server:port:database:user:password`. libpq (inside
psycopg) reads that file when it connects, so the program never handles the password again.

On Linux the file is the user's own, 0600 — libpq ignores a password file that the group or
others can read; on Windows it sits in the user's profile (%APPDATA%), which only that user
(and the administrators) can open. Either way another clerk of the PC cannot read it: on a
PC shared by several clerks, each OS user enters the password once (IT may do it for them).
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from desktop_app.domain.facts import InputError

if TYPE_CHECKING:
    from desktop_app.storage.database import Login

PASSWORD_FIELD = "database/password"


def password_file() -> Path:
    """The file libpq reads the password from, for this OS user."""
    named = os.environ.get("PGPASSFILE")
    if named:
        return Path(named).expanduser()
    if sys.platform == "win32":
        base = os.environ.get("APPDATA") or str(Path.home() / "AppData" / "Roaming")
        return Path(base) / "postgresql" / "pgpass.conf"
    return Path.home() / ".pgpass"


def where_kept() -> str:
    """Where 设置 says the password is kept, in a clerk's words."""
    path = password_file()
    who = "仅本用户可读" if sys.platform == "win32" else "权限 0600，仅本用户可读"
    return f"PostgreSQL 的密码文件 {path}（libpq 的 pgpass，{who}）"


def written_in(url: str) -> bool:
    """Is a password written in the address (`scheme://user:password@server/...`)? Read with
    the standard library, so the window's start and the quick commands load no database
    driver to ask."""
    from urllib.parse import urlsplit

    if "://" not in url:
        return False
    try:
        return bool(urlsplit(url).password)
    except ValueError:
        head = url.split("://", 1)[1].split("/", 1)[0]
        return "@" in head and ":" in head.rsplit("@", 1)[0]


def _login(url: str) -> Login | None:
    from desktop_app.storage.database import login_of

    try:
        return login_of(url)
    except ValueError:
        return None


def password_of(url: str) -> str | None:
    """The password written in a database address, if any."""
    login = _login(url)
    return login.password if login else None


def without_password(url: str) -> str:
    """The address without its password (unchanged when it has none)."""
    login = _login(url)
    return login.without_password if login and login.password else url


def _escape(field: str) -> str:
    return field.replace("\\", "\\\\").replace(":", "\\:")


def _fields(line: str) -> list[str]:
    """A password-file line's five fields, unescaped (libpq's reading)."""
    fields: list[str] = []
    current: list[str] = []
    escaped = False
    for char in line:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == ":" and len(fields) < 4:
            fields.append("".join(current))
            current = []
        else:
            current.append(char)
    fields.append("".join(current))
    return fields


def _key(login: Login) -> list[str]:
    return [login.host, str(login.port), login.database, login.user]


def _matches(fields: list[str], key: list[str]) -> bool:
    return len(fields) == 5 and all(f in ("*", k) for f, k in zip(fields[:4], key, strict=True))


def has_password(url: str) -> bool:
    """Does this user's password file hold a password for the address's login?"""
    login = _login(url)
    if login is None:
        return False
    try:
        lines = password_file().read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return False
    key = _key(login)
    return any(
        _matches(_fields(line), key) for line in lines if line.strip() and not line.startswith("#")
    )


def save_password(url: str, password: str) -> Path:
    """Keep `password` for the address's login in this user's password file (replacing the
    line for the same login, keeping every other line); the file written whole, 0600.
    InputError (Chinese) for an address that is not PostgreSQL or a password that cannot be
    kept; OSError as the system raises it (the old file is then unchanged)."""
    login = _login(url)
    if login is None or not login.user:
        raise InputError(
            PASSWORD_FIELD,
            "只有写明用户名的 PostgreSQL 数据库地址才需要密码，如 postgresql://用户名@服务器/库名。",
        )
    if not password or any(char in password for char in "\r\n\0"):
        raise InputError(PASSWORD_FIELD, "密码不能为空，也不能含换行符。")
    path = password_file()
    try:
        old = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        old = []
    key = _key(login)
    kept = [line for line in old if _fields(line)[:4] != key or line.startswith("#")]
    line = ":".join(_escape(part) for part in [*key, password])
    _write_private(path, "\n".join([line, *kept]) + "\n")
    return path


def move_password_out(url: str) -> tuple[str, Path | None]:
    """An address as it may be saved: without its password, which goes into the password
    file first. (the address, the file the password went to or None when there was none)."""
    if not written_in(url):
        return url, None
    password = password_of(url)
    if not password:
        return url, None
    return without_password(url), save_password(url, password)


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".pgpass-", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            if os.name == "posix":
                os.fchmod(out.fileno(), 0o600)
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        Path(temporary).replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(temporary).unlink()
        raise
