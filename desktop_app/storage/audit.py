"""The audit trail: append-only events, each carrying the hash of the one before it.

An event's hash is SHA-256 over its number, time, actor, station, action, record and
details (canonical JSON) and the previous event's hash. The single `audit_head` row
holds the newest number and hash, so deleting the last events is caught too; its row
lock (SELECT … FOR UPDATE) orders writers on PostgreSQL, and SQLite's write lock
(BEGIN IMMEDIATE) does the same there.

This detects changes made behind the program's back (an edited, inserted or deleted
row); someone able to rewrite the whole chain and the head at once is outside what a
hash chain without a secret can catch.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop_app.domain.validators import mask_card_number, mask_phone, mask_resident_id
from desktop_app.storage.models import AuditEvent, AuditHead

GENESIS = "0" * 64

# Personal numbers are masked before they reach an event.
_MASKS = {
    "id_number": mask_resident_id,
    "card_number": mask_card_number,
    "phone": mask_phone,
}


def mask_personal(values: Mapping[str, Any]) -> dict[str, Any]:
    """Copy `values`, masking resident ID, card and phone numbers (also inside nested dicts)."""
    masked: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, Mapping):
            masked[key] = mask_personal(value)
        elif key in _MASKS and isinstance(value, str) and value:
            masked[key] = _MASKS[key](value)
        else:
            masked[key] = value
    return masked


def canonical_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def _digest(
    *,
    number: int,
    at: datetime,
    actor: str,
    station_code: str,
    action: str,
    entity: str,
    entity_ref: str,
    details: str,
    prev_hash: str,
) -> str:
    payload = canonical_json(
        [
            number,
            at.isoformat(timespec="seconds"),
            actor,
            station_code,
            action,
            entity,
            entity_ref,
            details,
            prev_hash,
        ]
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def event_hash(event: AuditEvent) -> str:
    return _digest(
        number=event.id,
        at=event.at,
        actor=event.actor,
        station_code=event.station_code,
        action=event.action,
        entity=event.entity,
        entity_ref=event.entity_ref,
        details=event.details,
        prev_hash=event.prev_hash,
    )


def append(
    session: Session,
    *,
    at: datetime,
    actor: str,
    station_code: str,
    action: str,
    entity: str,
    entity_ref: str,
    details: Mapping[str, Any],
) -> AuditEvent:
    """Add one event in the caller's transaction (it commits with the change it records)."""
    head = session.execute(
        select(AuditHead).where(AuditHead.id == 1).with_for_update()
    ).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=1, last_id=0, last_hash=GENESIS)
        session.add(head)
    at = at.replace(microsecond=0, tzinfo=None)
    text = canonical_json(mask_personal(details))
    event = AuditEvent(
        id=head.last_id + 1,
        at=at,
        actor=actor,
        station_code=station_code,
        action=action,
        entity=entity,
        entity_ref=entity_ref,
        details=text,
        prev_hash=head.last_hash,
    )
    event.hash = event_hash(event)
    session.add(event)
    head.last_id = event.id
    head.last_hash = event.hash
    session.flush()
    return event


@dataclass(frozen=True)
class Verification:
    ok: bool
    events: int
    message: str
    first_bad: int | None = None


def events_about(session: Session, refs: Sequence[str]) -> list[AuditEvent]:
    """The audit events about any of `refs` (a receipt, ``member:<id>``), oldest first."""
    return list(
        session.execute(
            select(AuditEvent).where(AuditEvent.entity_ref.in_(list(refs))).order_by(AuditEvent.id)
        ).scalars()
    )


def verify(session: Session, *, batch: int = 5000) -> Verification:
    """Walk the chain from the first event; report the first edited, inserted or deleted one."""
    previous_hash = GENESIS
    previous_id = 0
    count = 0
    last_seen = 0
    while True:
        rows = (
            session.execute(
                select(AuditEvent)
                .where(AuditEvent.id > last_seen)
                .order_by(AuditEvent.id)
                .limit(batch)
            )
            .scalars()
            .all()
        )
        if not rows:
            break
        for event in rows:
            if event.id != previous_id + 1:
                if event.id <= previous_id:  # pragma: no cover - ids are a primary key
                    return Verification(False, count, f"第{event.id}号事件编号重复", event.id)
                missing = (
                    f"第{previous_id + 1}号事件"
                    if event.id == previous_id + 2
                    else f"第{previous_id + 1}–{event.id - 1}号事件"
                )
                return Verification(
                    False, count, f"{missing}缺失（被删除），审计记录不完整", previous_id + 1
                )
            if event_hash(event) != event.hash:
                return Verification(
                    False, count, f"第{event.id}号事件的内容被改动（与其校验值不符）", event.id
                )
            if event.prev_hash != previous_hash:
                return Verification(
                    False,
                    count,
                    f"第{event.id}号事件与前一事件接不上：其前被插入、替换或删除了事件",
                    event.id,
                )
            previous_hash = event.hash
            previous_id = event.id
            count += 1
        last_seen = rows[-1].id
        session.expunge_all()
    head = session.get(AuditHead, 1)
    head_id = head.last_id if head else 0
    head_hash = head.last_hash if head else GENESIS
    if head_id != previous_id or head_hash != previous_hash:
        if head_id > previous_id:
            return Verification(
                False,
                count,
                f"最后的第{previous_id + 1}–{head_id}号事件缺失（被删除）",
                previous_id + 1,
            )
        return Verification(
            False,
            count,
            f"第{head_id + 1}号起的事件未经程序写入（被插入）",
            head_id + 1,
        )
    return Verification(True, count, f"审计记录完整：共 {count} 条事件，校验链无误。")
