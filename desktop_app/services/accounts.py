"""Use case: the people who sign in — the first administrator, accounts made, passwords reset,
accounts disabled — and signing in itself.

Passwords are kept only as argon2id strings (libsodium's `crypto_pwhash_str` through PyNaCl,
which the program already carries for the exchange files' signatures: salted, 64 MiB and two
passes per check, about 60 ms). Five wrong passwords in a row lock the account for 15
minutes; the administrator's reset opens it again. Accounts are never deleted, only disabled:
the audit trail names them. Every sign-in, failed sign-in, lock and account change is an
audit event (`audit_trail`), so `audit verify` covers them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from desktop_app.domain.access import SignedIn
from desktop_app.domain.facts import InputError
from desktop_app.domain.validators import check_clerk_name
from desktop_app.errors import EXIT_INPUT, ClerkError
from desktop_app.services import audit_trail
from desktop_app.services.permissions import accounts_exist_now, require, roles
from desktop_app.services.station_settings import event_station_code
from desktop_app.storage import accounts as account_rows
from desktop_app.storage.database import Store
from desktop_app.storage.models import Account

if TYPE_CHECKING:
    from sqlalchemy.orm import Session  # the caller's transaction, passed through

MAX_FAILURES = 5
LOCK_MINUTES = 15
MIN_PASSWORD = 8
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
_STATION = re.compile(r"^[A-Z0-9]{2,8}$")


class SignInError(ClerkError):
    """The user name, the password or the account's state refuses the sign-in."""

    exit_code = EXIT_INPUT


@dataclass(frozen=True)
class AccountInfo:
    """An account as the administrator's list shows it (never the password's hash)."""

    username: str
    name: str
    role: str  # the code
    role_label: str
    station_code: str | None
    disabled: bool
    locked_until: datetime | None
    must_change_password: bool


# --- passwords ---------------------------------------------------------------------------------


def hash_password(password: str) -> str:
    """The argon2id string kept for `password` (a new random salt each time)."""
    import nacl.pwhash.argon2id as argon2id

    hashed = argon2id.str(
        password.encode("utf-8"),
        opslimit=argon2id.OPSLIMIT_INTERACTIVE,
        memlimit=argon2id.MEMLIMIT_INTERACTIVE,
    )
    return hashed.decode("ascii")


def _password_matches(hashed: str, password: str) -> bool:
    import nacl.exceptions
    import nacl.pwhash.argon2id as argon2id

    try:
        return bool(argon2id.verify(hashed.encode("ascii"), password.encode("utf-8")))
    except (nacl.exceptions.InvalidkeyError, nacl.exceptions.CryptoError, ValueError):
        return False


def derived_hash(setting: str, password: str) -> str:
    """The argon2id string an account holds if `password` is its password, from that string's
    settings and salt alone (`$argon2id$v=19$m=…,t=…,p=1$<salt>$`, as a district's server
    gives them: storage/server_accounts.py). ValueError for anything else."""
    import base64

    import nacl.bindings as sodium

    parts = setting.split("$")
    if len(parts) != 6 or parts[:3] != ["", "argon2id", "v=19"] or parts[5]:
        raise ValueError("not an argon2id setting")
    params = dict(item.partition("=")[::2] for item in parts[3].split(","))
    memory, ops, lanes = int(params["m"]), int(params["t"]), int(params["p"])
    if lanes != 1 or not (0 < memory <= 1 << 22 and 0 < ops <= 64):
        raise ValueError("unexpected argon2id cost")
    salt = base64.b64decode(parts[4] + "=" * (-len(parts[4]) % 4))
    key = sodium.crypto_pwhash_alg(
        32, password.encode("utf-8"), salt, ops, memory * 1024, sodium.crypto_pwhash_ALG_ARGON2ID13
    )
    return setting + base64.b64encode(key).decode("ascii").rstrip("=")


def _outcome(session: Session, row: Account, password: str, attempt: int | None) -> str:
    """'ok', 'wrong' or 'held' (the server's own count holds the account): checked here
    against the stored hash, or by the server when it withholds the hash (`_server_try`)."""
    if account_rows.hash_withheld(row):
        return "wrong" if attempt is None else account_rows.answer(session, attempt)
    return "ok" if _password_matches(row.password_hash, password) else "wrong"


def _server_try(store: Store, username: str, password: str, at: datetime) -> int | None:
    """On a district's server that withholds hashes: the password handed to the server in a
    transaction of its own, committed before its outcome is asked (the attempt's number);
    None where the password is checked here, or not at all (no such, disabled or locked
    account)."""
    with store.session(write=True) as session:
        row = account_rows.by_username(session, username)
        if row is None or not account_rows.hash_withheld(row) or row.disabled:
            return None
        if row.locked_until is not None and row.locked_until > at:
            return None
        try:
            hashed = derived_hash(row.password_hash, password)
        except ValueError:
            hashed = ""
        return account_rows.try_hash(session, row.id, hashed)


_DUMMY: list[str] = []


def _spend_as_a_check(password: str) -> None:
    """An unknown user name costs what a wrong password costs (no telling them apart by time)."""
    if not _DUMMY:
        _DUMMY.append(hash_password("no account has this password"))
    _password_matches(_DUMMY[0], password)


def password_problem(password: str, username: str = "") -> str | None:
    """What is wrong with a new password (Chinese), None when it may be used."""
    if len(password) < MIN_PASSWORD:
        return f"密码至少 {MIN_PASSWORD} 个字符。"
    if any(char in password for char in "\r\n\0"):
        return "密码不能含换行符。"
    if len(set(password)) < 3:
        return "密码不能只由一两个字符重复组成。"
    if username and password.lower() == username.lower():
        return "密码不能和用户名相同。"
    return None


# --- what an account may be -----------------------------------------------------------------


def _checked(username: str, name: str, role: str, station_code: str | None) -> dict[str, object]:
    username = username.strip().lower()
    if not _USERNAME.match(username):
        raise InputError(
            "username", "用户名应为 2–32 位小写字母、数字或 . _ -，以字母或数字开头，如 wangli"
        )
    checked_name = check_clerk_name(name)
    if checked_name.value is None or len(checked_name.value) > 32:
        raise InputError("name", "".join(checked_name.errors) or "姓名最多 32 个字符")
    table = roles()
    if role not in table.roles:
        known = "、".join(f"{code}（{r.label}）" for code, r in table.roles.items())
        raise InputError("role", f"没有“{role}”这个角色；可以是：{known}")
    code = (station_code or "").strip().upper() or None
    if table.role(role).scope == "station" and (code is None or not _STATION.match(code)):
        raise InputError("station", f"{table.role(role).label}须写明服务站代码，如 XC01")
    return {"username": username, "name": checked_name.value, "role": role, "station_code": code}


def _info(row: Account) -> AccountInfo:
    table = roles()
    label = table.roles[row.role].label if row.role in table.roles else row.role
    return AccountInfo(
        row.username,
        row.name,
        row.role,
        label,
        row.station_code,
        row.disabled,
        row.locked_until,
        row.must_change_password,
    )


def _record(
    session: Session,
    store: Store,
    *,
    actor: str,
    action: str,
    ref: str,
    details: dict[str, object],
    at: datetime,
) -> None:
    """One account event; the actor is the account signed in on the store when there is one
    (`storage/audit.append`), else `actor` (a sign-in attempt names the user name typed)."""
    audit_trail.record_in(
        session,
        at=at,
        actor=actor,
        station_code=event_station_code(store),
        action=action,
        entity="account",
        entity_ref=ref,
        details=details,
    )


# --- the first administrator, and the administrator's work ------------------------------------


def first_admin_problems(username: str, name: str, password: str, again: str) -> dict[str, str]:
    """What is wrong with the first administrator as typed (field → Chinese), before anything
    is saved (the setup dialog checks every field first)."""
    problems: dict[str, str] = {}
    try:
        values = _checked(username, name, "admin", None)
    except InputError as exc:
        problems[exc.field or "username"] = exc.message
        values = {"username": username}
    problem = password_problem(password, str(values["username"]))
    if problem:
        problems["password"] = problem
    elif password != again:
        problems["password_again"] = "两次输入的密码不一致。"
    return problems


def create_first_admin(
    store: Store, *, username: str, name: str, password: str, now: datetime | None = None
) -> SignedIn:
    """The database's first account, an administrator (the window's setup after the upgrade,
    or `union-counter accounts create-admin`); refused once any account exists. Signs it in."""
    values = _checked(username, name, "admin", None)
    problem = password_problem(password, str(values["username"]))
    if problem:
        raise InputError("password", problem)
    at = now or datetime.now()
    hashed = hash_password(password)
    with store.session(write=True) as session:
        if account_rows.count(session) > 0:
            raise InputError("username", "已经有账户了：新账户请由管理员登录后建立。")
        row = account_rows.add(session, _new_row(values, hashed, at, "（首次设置）"))
        _record(session, store, actor=str(values["username"]), action="create",
                ref=row.username, details={"role": "admin", "first": True}, at=at)  # fmt: skip
    return sign_in(store, str(values["username"]), password, now=at)


def _new_row(values: dict[str, object], hashed: str, at: datetime, by: str) -> Account:
    return Account(
        username=values["username"],
        name=values["name"],
        role=values["role"],
        station_code=values["station_code"],
        password_hash=hashed,
        must_change_password=False,
        disabled=False,
        failed_sign_ins=0,
        locked_until=None,
        created_at=at,
        created_by=by[:64],
        changed_at=at,
    )


def add_account(
    store: Store,
    *,
    username: str,
    name: str,
    role: str,
    station_code: str | None,
    password: str,
    now: datetime | None = None,
) -> AccountInfo:
    """A new account made by the administrator (its first password, to be changed by its
    owner at the first sign-in)."""
    require(store, "accounts.manage", now=now)
    values = _checked(username, name, role, station_code)
    problem = password_problem(password, str(values["username"]))
    if problem:
        raise InputError("password", problem)
    at = now or datetime.now()
    hashed = hash_password(password)
    by = store.account.label if store.account else ""
    with store.session(write=True) as session:
        if account_rows.by_username(session, str(values["username"])) is not None:
            raise InputError("username", f"用户名 {values['username']} 已被使用（账户从不删除）。")
        row = _new_row(values, hashed, at, by)
        row.must_change_password = True
        account_rows.add(session, row)
        _record(session, store, actor=by, action="create", ref=row.username,
                details={"role": row.role, "station": row.station_code}, at=at)  # fmt: skip
        return _info(row)


def reset_password(
    store: Store, username: str, password: str, *, now: datetime | None = None
) -> AccountInfo:
    """The administrator sets a new password (the owner changes it at the next sign-in); it
    also lifts a lock."""
    require(store, "accounts.manage", now=now)
    problem = password_problem(password, username)
    if problem:
        raise InputError("password", problem)
    at = now or datetime.now()
    hashed = hash_password(password)
    with store.session(write=True) as session:
        row = _existing(session, username)
        row.password_hash = hashed
        row.must_change_password = True
        row.failed_sign_ins = 0
        row.locked_until = None
        row.changed_at = at
        account_rows.save(session, row)
        _record(session, store, actor="", action="reset_password", ref=row.username,
                details={}, at=at)  # fmt: skip
        return _info(row)


def set_disabled(
    store: Store, username: str, disabled: bool, *, now: datetime | None = None
) -> AccountInfo:
    """Disable (or enable again) an account; never one's own (so an administrator always
    remains: only an administrator disables, and never itself)."""
    require(store, "accounts.manage", now=now)
    at = now or datetime.now()
    with store.session(write=True) as session:
        row = _existing(session, username)
        if disabled and store.account is not None and row.id == store.account.account_id:
            raise InputError("username", "不能停用自己正在使用的账户。")
        if row.disabled != disabled:
            row.disabled = disabled
            row.changed_at = at
            account_rows.save(session, row)
            accounts_exist_now(store, changed=row.id)
            _record(session, store, actor="", action="disable" if disabled else "enable",
                    ref=row.username, details={}, at=at)  # fmt: skip
        return _info(row)


def list_accounts(store: Store) -> list[AccountInfo]:
    """Every account, by user name (the administrator's list)."""
    require(store, "accounts.manage")
    with store.session() as session:
        return [_info(row) for row in account_rows.all_accounts(session)]


def _existing(session: Session, username: str) -> Account:
    row = account_rows.by_username(session, username.strip().lower(), for_update=True)
    if row is None:
        raise InputError("username", f"没有用户名为 {username} 的账户。")
    return row


# --- signing in --------------------------------------------------------------------------------


def sign_in(store: Store, username: str, password: str, *, now: datetime | None = None) -> SignedIn:
    """Check the password and sign the account in on `store` (its acts are then this person's);
    SignInError (Chinese) when refused — every attempt is recorded, five wrong passwords in a
    row lock the account for 15 minutes."""
    at = now or datetime.now()
    wanted = username.strip().lower()
    attempt = _server_try(store, wanted, password, at)
    with store.session(write=True) as session:
        session.info["account"] = None  # whoever was signed in before is not this attempt
        row = account_rows.by_username(session, wanted, for_update=True)
        refusal, signed = _decide(
            row, wanted, password, at,
            lambda: _outcome(session, row, password, attempt) if row else "wrong",
        )  # fmt: skip
        if row is not None:
            account_rows.save(session, row)
        actor = f"（登录失败）{wanted}"[:64] if signed is None else signed.label
        details: dict[str, object] = {"result": "ok" if signed else refusal[0]}
        _record(session, store, actor=actor, action="sign_in" if signed else "sign_in_failed",
                ref=wanted[:64], details=details, at=at)  # fmt: skip
    if signed is None:
        raise SignInError(refusal[1])
    accounts_exist_now(store, changed=signed.account_id)
    store.account = signed
    return signed


def _decide(
    row: Account | None, wanted: str, password: str, at: datetime, outcome: Callable[[], str]
) -> tuple[tuple[str, str], SignedIn | None]:
    """(why refused: code and Chinese message) and the account when the sign-in is good."""
    wrong = ("wrong", "用户名或密码不对。")
    if row is None:
        _spend_as_a_check(password)
        return wrong, None
    if row.disabled:
        return ("disabled", f"账户 {row.username} 已停用。请联系管理员。"), None
    if row.locked_until is not None and row.locked_until > at:
        until = f"{row.locked_until:%H:%M}"
        return (
            "locked",
            f"连续输错密码 {MAX_FAILURES} 次，账户已锁定到 {until}。"
            "请到时再试，或请管理员重置密码。",
        ), None
    found = outcome()
    if found == "held":
        return (
            "held",
            f"这个账户近 {LOCK_MINUTES} 分钟内输错密码太多次，区里的服务器暂停它登录。"
            "请稍后再试，或请管理员重置密码。",
        ), None
    if found != "ok":
        row.failed_sign_ins += 1
        if row.failed_sign_ins >= MAX_FAILURES:
            row.locked_until = at + timedelta(minutes=LOCK_MINUTES)
            row.failed_sign_ins = 0
            return (
                "locked_now",
                f"连续输错密码 {MAX_FAILURES} 次，账户锁定 {LOCK_MINUTES} 分钟"
                f"（到 {row.locked_until:%H:%M}）。",
            ), None
        left = MAX_FAILURES - row.failed_sign_ins
        return (
            "wrong",
            f"用户名或密码不对。再错 {left} 次账户将被锁定 {LOCK_MINUTES} 分钟。",
        ), None
    row.failed_sign_ins = 0
    row.locked_until = None
    role = roles().roles.get(row.role)
    if role is None:
        return ("role", f"账户 {row.username} 的角色“{row.role}”本程序不认识。请联系管理员。"), None
    return ("ok", ""), SignedIn(row.id, row.username, row.name, role, row.station_code)


def must_change_password(store: Store) -> bool:
    """Must the signed-in account choose a new password first (made or reset by the admin)?"""
    if store.account is None:
        return False
    with store.session() as session:
        row = account_rows.by_id(session, store.account.account_id)
        return bool(row and row.must_change_password)


def change_own_password(
    store: Store, old_password: str, new_password: str, *, now: datetime | None = None
) -> None:
    """The signed-in person sets a new password (the old one checked again)."""
    account = store.account
    if account is None:
        raise SignInError("请先登录。")
    problem = password_problem(new_password, account.username)
    if problem:
        raise InputError("password", problem)
    if new_password == old_password:
        raise InputError("password", "新密码不能和原密码相同。")
    at = now or datetime.now()
    hashed = hash_password(new_password)
    attempt = _server_try(store, account.username, old_password, at)
    with store.session(write=True) as session:
        row = _existing(session, account.username)
        found = _outcome(session, row, old_password, attempt)
        if found == "held":
            raise InputError("old_password", "输错原密码太多次，请稍后再试。密码没有改。")
        if found != "ok":
            raise InputError("old_password", "原密码不对，密码没有改。")
        row.password_hash = hashed
        row.must_change_password = False
        row.changed_at = at
        account_rows.save(session, row)
        _record(session, store, actor="", action="change_password", ref=row.username,
                details={}, at=at)  # fmt: skip


def sign_out(store: Store, *, now: datetime | None = None, reason: str = "sign_out") -> None:
    """The account leaves the store (the window's lock, its close); recorded."""
    account = store.account
    if account is None:
        return
    with store.session(write=True) as session:
        _record(session, store, actor="", action=reason, ref=account.username, details={},
                at=now or datetime.now())  # fmt: skip
    store.account = None
