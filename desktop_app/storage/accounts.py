"""The account rows (migration 0009): read and written for services/accounts.py, nothing more."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session

from desktop_app.storage.models import Account


def count(session: Session) -> int:
    """How many accounts there are."""
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


def by_username(session: Session, username: str, *, for_update: bool = False) -> Account | None:
    statement = select(Account).where(Account.username == username)
    if for_update:
        statement = statement.with_for_update()
    return session.scalars(statement).first()


def by_id(session: Session, account_id: int) -> Account | None:
    return session.get(Account, account_id)


def all_accounts(session: Session) -> list[Account]:
    return list(session.scalars(select(Account).order_by(Account.username)))


def add(session: Session, account: Account) -> Account:
    session.add(account)
    session.flush()
    return account
