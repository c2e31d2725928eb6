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
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop_app.domain.validators import mask_card_number, mask_phone, mask_resident_id
from desktop_app.storage import seals, server_roles, statistics
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
    """Add one event in the caller's transaction (it commits with the change it records).

    The applications and members the transaction changed are sealed first
    (`storage/seals.py`), and the event records the new sum's fingerprint under
    `row_seal`; a database from before row seals has every row sealed once, in an event of
    its own ("seal"), before this one. The actor is the account signed in on the store the
    session came from when there is one (`Store.account`): never a name typed by hand."""
    account = session.info.get("account")
    if account is not None:
        actor = account.label
    session.flush()  # the changes this event records are noted (seals._note_changed_rows)
    head = _sealed_head(session, at=at, actor=actor, station_code=station_code)
    masked = mask_personal(details)
    settled = seals.settle(session)
    if settled is not None and (settled.resealed or settled.delta or settled.outside):
        total = ((seals.sum_from_text(head.rows_sum) or 0) + settled.delta) % seals.MODULUS
        head.rows_sum = seals.sum_to_text(total)
        record: dict[str, Any] = {"sum": seals.fingerprint(total), "resealed": settled.resealed}
        if settled.outside:
            record["outside"] = list(settled.outside)
        masked[seals.DETAILS_KEY] = record
    return _chain(
        session,
        head,
        at=at.replace(microsecond=0, tzinfo=None),
        actor=actor,
        station_code=station_code,
        action=action,
        entity=entity,
        entity_ref=entity_ref,
        details=masked,
    )


def _sealed_head(session: Session, *, at: datetime, actor: str, station_code: str) -> AuditHead:
    """The head, locked; on a database whose rows were never sealed, every row sealed first
    in an event of its own ("seal")."""
    head = session.execute(
        select(AuditHead).where(AuditHead.id == 1).with_for_update()
    ).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=1, last_id=0, last_hash=GENESIS)
        session.add(head)
    if head.rows_sum is None:
        total, rows = seals.baseline(session)
        head.rows_sum = seals.sum_to_text(total)
        if rows:
            _chain(
                session,
                head,
                at=at.replace(microsecond=0, tzinfo=None),
                actor=actor,
                station_code=station_code,
                action="seal",
                entity="rows",
                entity_ref="rows",
                details={seals.DETAILS_KEY: {"sum": seals.fingerprint(total), "baseline": rows}},
            )
    return head


def seal_anew(session: Session, *, at: datetime, actor: str, station_code: str) -> None:
    """Seal every row again, in an event of its own ("seal"): after an administrator restored
    a backup whose own record was broken, its rows are taken as they are from here on."""
    head = session.execute(
        select(AuditHead).where(AuditHead.id == 1).with_for_update()
    ).scalar_one()
    head.rows_sum = None
    _sealed_head(session, at=at, actor=actor, station_code=station_code)


def seal_once(session: Session, *, at: datetime, actor: str, station_code: str) -> None:
    """Seal every row of a database from before row seals (after its upgrade); nothing when
    they are sealed already."""
    _sealed_head(session, at=at, actor=actor, station_code=station_code)


def _chain(
    session: Session,
    head: AuditHead,
    *,
    at: datetime,
    actor: str,
    station_code: str,
    action: str,
    entity: str,
    entity_ref: str,
    details: Mapping[str, Any],
) -> AuditEvent:
    """The next event after `head` (details already masked), and the head moved to it."""
    event = AuditEvent(
        id=head.last_id + 1,
        at=at,
        actor=actor,
        station_code=station_code,
        action=action,
        entity=entity,
        entity_ref=entity_ref,
        details=canonical_json(details),
        prev_hash=head.last_hash,
    )
    event.hash = event_hash(event)
    session.add(event)
    head.last_id = event.id
    head.last_hash = event.hash
    session.flush()
    return event


@dataclass(frozen=True)
class Anchor:
    """The chain's head at one moment — how many events, and the last one's hash — kept
    outside the database (an exchange file, a ledger export, a backup, the paper daily log),
    so that a later rewrite of the history before it shows (`check_anchor`)."""

    events: int
    hash: str

    @property
    def text(self) -> str:
        return f"{self.events}:{self.hash}"

    @property
    def shown(self) -> str:
        return f"第 {self.events} 条事件 · {self.hash[:16]}"


ANCHOR_PATTERN = re.compile(r"\b(\d{1,12}):([0-9a-f]{64})\b")


def anchors_in(text: str) -> list[Anchor]:
    """Every "events:hash" written in `text`."""
    return [Anchor(int(n), h) for n, h in ANCHOR_PATTERN.findall(text.lower())]


def head_anchor(session: Session) -> Anchor:
    head = session.get(AuditHead, 1)
    return Anchor(head.last_id, head.last_hash) if head else Anchor(0, GENESIS)


def check_anchor(session: Session, anchor: Anchor) -> str | None:
    """None when the chain holds event `anchor.events` with that hash; else what differs.
    (Run after `verify`: an anchored event whose hash matches proves every event before it
    is as it was when the anchor was taken.)"""
    if anchor.events == 0:
        return None
    found = session.get(AuditEvent, anchor.events)
    if found is None:
        head = head_anchor(session)
        return (
            f"锚点 {anchor.shown}：本数据库只有 {head.events} 条事件，"
            "此后的事件已被删除或整条记录被换过"
        )
    if found.hash != anchor.hash:
        return (
            f"锚点 {anchor.shown}：本数据库的第 {anchor.events} 条事件与之不同，此前的历史被改写过"
        )
    return None


@dataclass(frozen=True)
class Verification:
    ok: bool
    events: int
    message: str
    first_bad: int | None = None
    rows: int = 0  # applications and members whose seals were checked
    changed: tuple[str, ...] = ()  # rows changed outside the program (receipts, 会员#id)
    note: str = ""  # said with every result: the chain is checked from an override on


def events_about(session: Session, refs: Sequence[str]) -> list[AuditEvent]:
    """The audit events about any of `refs` (a receipt, ``member:<id>``), oldest first."""
    return list(
        session.execute(
            select(AuditEvent).where(AuditEvent.entity_ref.in_(list(refs))).order_by(AuditEvent.id)
        ).scalars()
    )


def events_of(session: Session, *, entity: str, action: str) -> list[AuditEvent]:
    """The events of one kind (e.g. every exchange import), oldest first."""
    statement = (
        select(AuditEvent)
        .where(AuditEvent.entity == entity, AuditEvent.action == action)
        .order_by(AuditEvent.id)
    )
    return list(session.execute(statement).scalars())


def _override(session: Session) -> tuple[AuditEvent, str] | None:
    """The newest restore of a backup whose audit record was broken, which an administrator
    allowed (services/backups.restore_backup), and the note `verify` gives about it."""
    statement = (
        select(AuditEvent)
        .where(
            AuditEvent.action == "restore",
            AuditEvent.details.like('%"override_reason":%'),
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    found = session.execute(statement).scalar_one_or_none()
    if found is None:
        return None
    details = json.loads(found.details)
    note = (
        f"注意：第{found.id}号事件（{found.at:%Y-%m-%d %H:%M}，{found.actor}）"
        f"恢复了审计记录不完整的备份（{details.get('audit_broken', '')}），"
        f"原因：{details.get('override_reason', '')}；"
        f"审计记录从该事件起校验，此前的不再作证。"
    )
    return found, note


def verify(session: Session, *, batch: int = 5000) -> Verification:
    """Walk the chain from the first event (or from an administrator's override restore, see
    `_override`); report the first edited, inserted or deleted one."""
    override = _override(session)
    note = override[1] if override else ""
    previous_hash = override[0].prev_hash if override else GENESIS
    previous_id = override[0].id - 1 if override else 0
    count = 0
    last_seen = previous_id
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
    return Verification(True, count, f"审计记录完整：共 {count} 条事件，校验链无误。", note=note)


def recorded_sum(session: Session) -> str | None:
    """The row sum's fingerprint as the newest event that records one says it."""
    pattern = f'%"{seals.DETAILS_KEY}":%'
    statement = (
        select(AuditEvent.details)
        .where(AuditEvent.details.like(pattern))
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    text = session.execute(statement).scalar_one_or_none()
    if text is None:
        return None
    recorded = json.loads(text).get(seals.DETAILS_KEY, {})
    return recorded.get("sum") if isinstance(recorded, dict) else None


def flagged_outside(session: Session) -> list[str]:
    """The rows events recorded as found changed outside the program before a change."""
    pattern = '%"outside":%'
    statement = select(AuditEvent.details).where(AuditEvent.details.like(pattern))
    found: list[str] = []
    for text in session.execute(statement).scalars():
        recorded = json.loads(text).get(seals.DETAILS_KEY, {})
        if isinstance(recorded, dict):
            found.extend(str(label) for label in recorded.get("outside", []))
    return list(dict.fromkeys(found))


def _listed(names: Sequence[str], most: int = 10) -> str:
    shown = "、".join(names[:most])
    return shown + (f" 等 {len(names)} 行" if len(names) > most else "")


def verify_all(session: Session) -> Verification:
    """The chain (`verify`), then every application and member against its seal and the sum
    against the newest event's record of it (`storage/seals.py`), and 统计's running sums
    against a recount of the applications (`storage/statistics.py`)."""
    chain = verify(session)
    if not chain.ok:
        return chain
    head = session.get(AuditHead, 1)
    if head is None or head.rows_sum is None:
        check = seals.verify_rows(session)
        if check.rows == 0:
            return chain
        return Verification(
            False,
            chain.events,
            f"{check.rows} 行申请和会员记录没有程序的校验值：不是本程序写入的，"
            "或数据库升级后还没有保存过任何内容。",
            rows=check.rows,
            changed=tuple(check.unsealed[:1000]),
        )
    check = seals.verify_rows(session)
    if not server_roles.sees_every_row(session.connection()):
        return _verify_own_rows(chain, check)
    problems = _row_problems(check)
    # No event recorded a sum: no row was ever written (the sum of nothing).
    recorded = recorded_sum(session) or seals.fingerprint(0)
    stored_sum = seals.sum_from_text(head.rows_sum) or 0
    if not problems and check.fingerprint != recorded:
        problems.append(
            "申请和会员表的总校验值与审计记录不符：有记录在程序之外被删除，或连同校验值一起被改写。"
        )
        flagged = flagged_outside(session)
        if flagged:
            problems.append(f"程序修改记录时发现它们此前在程序之外被改动过：{_listed(flagged)}")
    elif not problems and seals.fingerprint(stored_sum) != recorded:
        problems.append("审计头部记录的总校验值被改动。")
    # 统计's running sums are derived from the rows: they must be a recount of them.
    problems.extend(statistics.sums_differences(session))
    if problems:
        return Verification(
            False,
            chain.events,
            chain.note + "；".join(problems),
            rows=check.rows,
            changed=tuple((check.changed + check.unsealed)[:1000]),
            note=chain.note,
        )
    return Verification(
        True,
        chain.events,
        f"{chain.note}审计记录完整：共 {chain.events} 条事件，校验链无误；"
        f"{check.rows} 行申请和会员记录与程序写入时一致，统计合计与申请记录相符。",
        rows=check.rows,
        note=chain.note,
    )


def _row_problems(check: seals.RowCheck) -> list[str]:
    """What the rows' own check found: rows changed, or planted, outside the program."""
    problems: list[str] = []
    if check.changed:
        problems.append(
            f"{len(check.changed)} 行的内容与程序最后写入时不符（在程序之外被改动）："
            f"{_listed(check.changed)}"
        )
    if check.unsealed:
        problems.append(
            f"{len(check.unsealed)} 行不是程序写入的（在程序之外插入）：{_listed(check.unsealed)}"
        )
    return problems


def _verify_own_rows(chain: Verification, check: seals.RowCheck) -> Verification:
    """A station's role on the district's server: the whole chain, and each of the station's
    own rows against its seal. The rows' sum (which catches a deleted row) covers every
    station's rows, which this role cannot read: the district's reader checks it."""
    note = (
        chain.note + "本柜台的数据库账户只能看到本站的申请和会员，已逐行核对；"
        "全区记录的总校验值（查出被删除的记录）请区总工会用区账户核对。"
    )
    problems = _row_problems(check)
    if problems:
        return Verification(
            False,
            chain.events,
            "；".join(problems) + "。" + note,
            rows=check.rows,
            changed=tuple((check.changed + check.unsealed)[:1000]),
            note=note,
        )
    return Verification(
        True,
        chain.events,
        f"审计记录完整：共 {chain.events} 条事件，校验链无误；"
        f"{check.rows} 行本站的申请和会员记录与程序写入时一致。{note}",
        rows=check.rows,
        note=note,
    )
