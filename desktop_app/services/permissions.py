"""Use case: may the signed-in account do this? The one check every service makes.

`require(store, permission)` is called at the entry of each service that reads or changes the
members' data. Once the database has an account (its first administrator), every act needs an
account signed in on the store (`Store.account`, `services/accounts.sign_in`) whose role holds
the permission (the roles are data: `resources/access/roles.toml`); a refusal is itself an
audit event and changes nothing (`PermissionDeniedError`, exit 2, naming the permission).

A database that has no account yet — before the first administrator is made, which the window
asks for at its first start — is still open to every act, as before accounts existed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from desktop_app.domain.access import RoleTable, SignedIn, load_roles
from desktop_app.errors import EXIT_INPUT, ClerkError
from desktop_app.paths import roles_file

if TYPE_CHECKING:
    from desktop_app.storage.database import Store

# The database layer is loaded when a check first asks it (not when the window imports the
# services that check: the window is up before SQLAlchemy is loaded).


class PermissionDeniedError(ClerkError):
    """The signed-in account's role lacks the permission (or nobody is signed in)."""

    exit_code = EXIT_INPUT

    def __init__(self, message: str, *, permission: str) -> None:
        super().__init__(message)
        self.permission = permission


def roles() -> RoleTable:
    """The roles and their permissions as the program ships them."""
    return load_roles(roles_file())


# How long "this account is still enabled" is trusted on a handle before the database is asked
# again: a look-up or a ledger page then costs no extra query (an account disabled at another
# counter stops within this time; disabled at this one, at once).
RECHECK_SECONDS = 5.0


def _recent(store: Store, key: str) -> bool:
    import time

    checked = store.__dict__.get(key)
    return checked is not None and time.monotonic() - checked < RECHECK_SECONDS


def _noted(store: Store, key: str) -> None:
    import time

    store.__dict__[key] = time.monotonic()


def accounts_enabled(store: Store) -> bool:
    """Does this database have accounts (so nothing is done without signing in)? Accounts are
    never deleted: once true, true for good (remembered on the handle). A database that cannot
    say (damaged, or without the table: another program's, an older schema read-only) has
    none: its restore from a backup must stay possible."""
    if getattr(store, "_accounts_enabled", False):
        return True
    # "No accounts" is asked every time (a first administrator made at another counter counts
    # at once); the question costs one count of a table that is empty.
    from desktop_app.storage import accounts as account_rows

    try:
        with store.session() as session:
            enabled = bool(account_rows.any_account(session))
    except ClerkError:  # a database that cannot be read (damaged): its restore must go on
        return False
    if enabled:
        store._accounts_enabled = True  # type: ignore[attr-defined]
    return enabled


def allowed(store: Store, permission: str) -> bool:
    """Would `require` pass (the window asks it to hide or disable what it would refuse)?"""
    if not accounts_enabled(store):
        return True
    account = store.account
    return account is not None and account.may(permission)


def missing_reason(store: Store, permission: str) -> str:
    """Why `permission` is refused on this store ('' when it is not): the window's tooltip."""
    if allowed(store, permission):
        return ""
    return _refusal(store.account, permission)


def _refusal(account: SignedIn | None, permission: str) -> str:
    label = roles().label(permission)
    if account is None:
        return f"请先登录：“{label}”需要登录后才能做。"
    return f"您的账户（{account.name}，{account.role.label}）没有“{label}”的权限。"


def require(store: Store, permission: str, *, now: datetime | None = None) -> None:
    """Raise PermissionDeniedError (recorded in the audit trail) unless the account signed in
    on `store` may do `permission`; an account disabled since it signed in may do nothing."""
    if not accounts_enabled(store):
        return
    account = store.account
    if account is not None and account.may(permission) and _still_active(store, account):
        return
    message = _refusal(account, permission)
    if account is not None and not account.may(permission):
        message += "没有做任何改动。如需要，请联系管理员。"
    elif account is not None:
        message = f"账户 {account.username} 已被停用，不能再操作。请联系管理员。"
    _record_denial(store, account, permission, now)
    raise PermissionDeniedError(message, permission=permission)


def _still_active(store: Store, account: SignedIn) -> bool:
    from desktop_app.storage import accounts as account_rows

    key = f"_active_{account.account_id}_at"
    if _recent(store, key):
        return True
    with store.session() as session:
        row = account_rows.by_id(session, account.account_id)
        active = row is not None and not row.disabled
    if active:
        _noted(store, key)
    return active


def _record_denial(
    store: Store, account: SignedIn | None, permission: str, now: datetime | None
) -> None:
    from desktop_app.services.audit_trail import record_event

    record_event(
        store,
        actor=account.label if account else "（未登录）",
        action="denied",
        entity="permission",
        entity_ref=permission,
        details={"permission": permission, "role": account.role.code if account else None},
        now=now,
    )


def acting(store: Store, actor: str) -> str:
    """Who a service records as acting: the signed-in account (姓名（用户名）), else `actor`
    (a database without accounts: the name the clerk entered)."""
    return store.account.label if store.account is not None else actor


def station_scope(store: Store) -> str | None:
    """The one station whose applications the signed-in account may see (None: every
    station's — a district role, or a database without accounts)."""
    if not accounts_enabled(store) or store.account is None:
        return None
    return store.account.station_only


def require_station(store: Store, station_code: str, *, now: datetime | None = None) -> None:
    """PermissionDeniedError (recorded) when a station-scoped account acts on another
    station's application, or saves at a counter of another station."""
    own = station_scope(store)
    if own is None or own == station_code:
        return
    account = store.account
    _record_denial(store, account, "station", now)
    raise PermissionDeniedError(
        f"您的账户属于服务站 {own}，不能处理服务站 {station_code or '（未设置）'} 的申请。"
        "没有做任何改动。",
        permission="station",
    )


def carry_over(account: SignedIn | None) -> Callable[[Store], None]:
    """For a second handle on the same database (the window's restore opens its own): the
    person signed in on the first acts on it too."""

    def sign(store: Store) -> None:
        store.account = account

    return sign


def forget(store: Store) -> None:
    """The database under the handle was replaced (a restore): nobody is signed in on it, and
    whether it has accounts is asked again."""
    store.account = None
    for key in [k for k in store.__dict__ if k.startswith(("_accounts_enabled", "_active_"))]:
        store.__dict__.pop(key)


def accounts_exist_now(store: Store, *, changed: int | None = None) -> None:
    """This handle just made or signed in an account (so the database has accounts), and, with
    `changed`, changed that account's state: ask about it afresh at the next act."""
    store._accounts_enabled = True  # type: ignore[attr-defined]
    if changed is not None:
        store.__dict__.pop(f"_active_{changed}_at", None)
