"""The audit trail (审计记录) as the services write and check it.

Every use case that changes or hands out data records one event: in the same transaction as
the change (`record_in`, so the event commits with what it records, or neither does), or in
a transaction of its own for what changes nothing in the database (`record_event`: a print,
an export, a backup). Every event names the station of the counter that wrote it: the
caller passes the code it read (`station_settings.station`, the counter's own file — several
counters share one PostgreSQL server, so the database cannot say which one acts); a session
alone cannot know it. Personal numbers are masked and the events are chained by hashes in
`storage/audit.py`; `verify_audit` checks the chain.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from desktop_app.services.permissions import require
from desktop_app.storage import audit
from desktop_app.storage.database import Store

if TYPE_CHECKING:
    from sqlalchemy.orm import Session  # the caller's transaction, passed through


def record_in(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_ref: str,
    details: Mapping[str, Any],
    station_code: str,
    at: datetime | None = None,
) -> None:
    """One audit event in the caller's transaction. `station_code`: the acting counter's
    station, as the caller read it ('' while it is not set); `at`: now unless given."""
    audit.append(
        session,
        at=at or datetime.now(),
        actor=actor,
        station_code=station_code,
        action=action,
        entity=entity,
        entity_ref=entity_ref,
        details=details,
    )


def seal_anew(session: Session, *, actor: str, at: datetime, station_code: str) -> None:
    """Every row sealed again in the caller's transaction, in an event of its own (after an
    administrator's override restore: `services/backups.restore_backup`); `station_code`: the
    acting counter's."""
    audit.seal_anew(session, at=at, actor=actor, station_code=station_code)


def record_event(
    store: Store,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_ref: str,
    details: Mapping[str, Any],
    now: datetime | None = None,
) -> None:
    """Write one audit event of its own (a print, an export, a backup); numbers masked."""
    from desktop_app.services.station_settings import event_station_code  # it records events

    station_code = event_station_code(store)
    with store.session(write=True) as session:
        record_in(
            session,
            at=now,
            station_code=station_code,
            actor=actor,
            action=action,
            entity=entity,
            entity_ref=entity_ref,
            details=details,
        )


def verify_audit(store: Store) -> audit.Verification:
    """Whether the chain of audit events is whole — no event changed, removed or inserted
    since it was written (`Verification` says where it breaks) — and every application and
    member is as the program last wrote it (`storage/seals.py`)."""
    require(store, "audit.verify")
    return check_chain(store)


def check_chain(store: Store) -> audit.Verification:
    """`verify_audit` without asking who: the program's own checks of a file nobody signed in
    on yet (a backup before it is restored, a database being upgraded)."""
    with store.session() as session:
        return audit.verify_all(session)


def chain_head(store: Store) -> audit.Anchor:
    """The chain's head now ("events:hash"): what exports, backups and the daily log carry."""
    with store.session() as session:
        return audit.head_anchor(session)


def verify_against(store: Store, anchors: Sequence[audit.Anchor]) -> audit.Verification:
    """`verify_audit`, then each anchor kept outside the database: the chain must hold the
    anchored event with the anchored hash, so the history before it was not rewritten."""
    require(store, "audit.verify")
    with store.session() as session:
        result = audit.verify_all(session)
        if result.first_bad is not None:
            return result  # the chain itself is broken: where is what matters
        problems = [p for a in anchors if (p := audit.check_anchor(session, a)) is not None]
    if problems:
        found = [*([] if result.ok else [result.message]), *problems]
        return replace(result, ok=False, message="；".join(found))
    if not result.ok:
        return result
    shown = "、".join(a.shown for a in anchors[:5]) + (" 等" if len(anchors) > 5 else "")
    return replace(result, message=f"{result.message}与 {len(anchors)} 个锚点（{shown}）相符。")
