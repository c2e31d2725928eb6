"""The account rows (migration 0009): read and written for services/accounts.py, nothing more.

On SQLite, and on a district's server for the owner, the rows are read and written as ORM
objects. A counter's login on the server (a station's role, the district's working login)
has no grant on the table: it reaches the accounts it may touch only through the SECURITY
DEFINER functions of `server_setup` (storage/server_accounts.py). The rows it reads are then
detached copies without their password's hash (`hash_withheld`: the server checks it,
`try_hash` and `answer`), and what the service changes on one is written by `save`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError, DBAPIError
from sqlalchemy.orm import Session

from desktop_app.storage import server_roles
from desktop_app.storage.errors import PermissionDeniedError
from desktop_app.storage.models import Account

# What a station's role may not do with accounts (the functions refuse with 42501).
_STATION_REFUSAL = (
    "本柜台用服务站的数据库账户连接区里的服务器：在这里只能建立、重置、停用本站的账户"
    "（受理员、站长/审核员），登录时只会记录输错密码的次数。管理员和区级账户（包括修改它们"
    "的密码）请在区总工会的电脑上用区总工会工作账户（uc_district_rw）或所有者账户管理。"
    "什么都没有改动。"
)


def _by_function(session: Session) -> bool:
    return server_roles.accounts_by_function(session.connection())


def _refused(exc: DBAPIError) -> bool:
    return getattr(exc.orig, "sqlstate", None) == "42501"


def count(session: Session) -> int:
    """How many accounts there are (through the functions: 1 for "some", 0 for none)."""
    if _by_function(session):
        return int(bool(session.execute(text("SELECT uc_accounts_exist()")).scalar_one()))
    return int(session.scalar(select(func.count()).select_from(Account)) or 0)


def any_account(store_engine_session: Session) -> bool | None:
    """Are there accounts? None when the database cannot say (damaged, another program's, or
    an older schema opened read-only, without the table)."""
    try:
        return count(store_engine_session) > 0
    except DatabaseError as exc:
        if getattr(exc.orig, "sqlstate", None) == "42501":  # not allowed to read: never "none"
            raise
        return None


def _detached(row: Any) -> Account:
    values = dict(row._mapping)
    values.setdefault("password_hash", "")
    return Account(**values)


def _one(
    session: Session, username: str | None, account_id: int | None, lock: bool
) -> Account | None:
    try:
        row = session.execute(
            text("SELECT * FROM uc_account_row(:u, :i, :l)"),
            {"u": username, "i": account_id, "l": lock},
        ).first()
    except DBAPIError as exc:
        if _refused(exc):
            raise PermissionDeniedError(_STATION_REFUSAL) from exc
        raise
    return None if row is None else _detached(row)


def by_username(session: Session, username: str, *, for_update: bool = False) -> Account | None:
    if _by_function(session):
        return _one(session, username, None, for_update)
    statement = select(Account).where(Account.username == username)
    if for_update:
        statement = statement.with_for_update()
    return session.scalars(statement).first()


def by_id(session: Session, account_id: int) -> Account | None:
    if _by_function(session):
        return _one(session, None, account_id, False)
    return session.get(Account, account_id)


def all_accounts(session: Session) -> list[Account]:
    """Every account by user name (through the functions: those this login may manage, with
    no password hash)."""
    if _by_function(session):
        rows = session.execute(text("SELECT * FROM uc_account_list()"))
        return [_detached(row) for row in rows]
    return list(session.scalars(select(Account).order_by(Account.username)))


def add(session: Session, account: Account) -> Account:
    if not _by_function(session):
        session.add(account)
        session.flush()
        return account
    try:
        made = session.execute(
            text("SELECT uc_account_add(:u, :n, :r, :s, :h, :m, :at, :by)"),
            {
                "u": account.username,
                "n": account.name,
                "r": account.role,
                "s": account.station_code,
                "h": account.password_hash,
                "m": bool(account.must_change_password),
                "at": account.created_at,
                "by": account.created_by,
            },
        ).scalar_one()
    except DBAPIError as exc:
        if _refused(exc):
            raise PermissionDeniedError(_STATION_REFUSAL) from exc
        raise
    account.id = int(made)
    account.disabled = False
    account.failed_sign_ins = 0
    account.changed_at = account.created_at
    return account


def save(session: Session, account: Account) -> None:
    """Write what the service changed on `account` (a password, the flags, the wrong-password
    count and lock). The ORM writes its own objects at the flush; a detached copy read
    through the functions is written by `uc_account_save`."""
    if not _by_function(session):
        session.flush()
        return
    try:
        session.execute(
            text("SELECT uc_account_save(:i, :h, :m, :d, :f, :l, :c)"),
            {
                "i": account.id,
                "h": account.password_hash,
                "m": bool(account.must_change_password),
                "d": bool(account.disabled),
                "f": int(account.failed_sign_ins or 0),
                "l": account.locked_until,
                "c": account.changed_at,
            },
        )
    except DBAPIError as exc:
        if _refused(exc):
            raise PermissionDeniedError(_STATION_REFUSAL) from exc
        raise


def hash_withheld(account: Account) -> bool:
    """Was the account read through the server's functions, its hash cut after its salt
    (storage/server_accounts.py)? Its password is then checked on the server (`try_hash`)."""
    return account.password_hash.endswith("$")


def try_hash(session: Session, account_id: int, hashed: str) -> int:
    """Hand the server the argon2id string derived from a typed password; the attempt's
    number, whose outcome `answer` tells once this transaction has committed."""
    try:
        return int(
            session.execute(
                text("SELECT uc_account_try(:i, :h)"), {"i": account_id, "h": hashed}
            ).scalar_one()
        )
    except DBAPIError as exc:
        if _refused(exc):
            raise PermissionDeniedError(_STATION_REFUSAL) from exc
        raise


def answer(session: Session, attempt: int) -> str:
    """'ok', 'wrong' or 'held' (the server's own count of wrong passwords holds the account);
    'wrong' for an attempt the server does not know (never committed, or too old)."""
    found = session.execute(text("SELECT uc_account_answer(:a)"), {"a": attempt}).scalar_one()
    return str(found) if found in ("ok", "wrong", "held") else "wrong"
