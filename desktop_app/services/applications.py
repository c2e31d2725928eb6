"""Use cases on applications: save (受理), the ledger (台账), one application, status changes.

The GUI and the command line both call these. Each use case is one database
transaction: the application, its member, its first status, its receipt number and
its audit events are saved together or not at all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from desktop_app.domain import registration
from desktop_app.domain import status as statuses
from desktop_app.domain.claims import ClaimKey, claim_key
from desktop_app.domain.engine import Decision
from desktop_app.domain.facts import Application as Facts
from desktop_app.domain.facts import InputError, application_from_mapping, parse_iso_date
from desktop_app.domain.policy import PolicySet
from desktop_app.domain.text import cn_date
from desktop_app.domain.validators import (
    check_phone,
    check_resident_id,
    mask_card_number,
    mask_phone,
    mask_resident_id,
)
from desktop_app.errors import EXIT_INPUT
from desktop_app.services.policies import policy_set
from desktop_app.services.quote import quote_application
from desktop_app.storage import audit, repository
from desktop_app.storage.database import Store
from desktop_app.storage.errors import (
    ConflictError,
    DuplicateClaimError,
    NotFoundError,
    StoreError,
)
from desktop_app.storage.models import Application, Member

# --- station settings ------------------------------------------------------------------

_STATION_CODE = re.compile(r"^[A-Z0-9]{2,8}$")
SETTING_LABELS = {"station_code": "服务站代码", "station_name": "服务站名称", "district": "所属区"}


class StationNotSetError(StoreError):
    exit_code = EXIT_INPUT  # refused until the station is set: nothing is wrong with the store


@dataclass(frozen=True)
class Station:
    code: str
    name: str
    district: str


def station(store: Store) -> Station | None:
    with store.session() as session:
        values = repository.get_settings(session)
    if not values.get("station_code"):
        return None
    return Station(
        values["station_code"], values.get("station_name", ""), values.get("district", "")
    )


def station_problems(
    *, code: str | None = None, name: str | None = None, district: str | None = None
) -> dict[str, str]:
    """What is wrong with each station setting given (field → Chinese message); empty when
    all can be saved. The one home of these rules: 设置, 首次设置 and the command line."""
    problems: dict[str, str] = {}
    if code is not None and not _STATION_CODE.match(code.strip().upper()):
        problems["station_code"] = "服务站代码应为 2–8 位大写字母或数字，如 XC01"
    if name is not None and not name.strip():
        problems["station_name"] = "服务站名称不能为空"
    return problems


def station_values(
    *, code: str | None = None, name: str | None = None, district: str | None = None
) -> dict[str, str]:
    """The settings as saved (code upper-case, texts trimmed); InputError on the first
    problem `station_problems` finds."""
    for field_name, message in station_problems(code=code, name=name, district=district).items():
        raise InputError(field_name, message)
    values: dict[str, str] = {}
    if code is not None:
        values["station_code"] = code.strip().upper()
    if name is not None:
        values["station_name"] = name.strip()
    if district is not None:
        values["district"] = district.strip()
    return values


def save_station(
    store: Store,
    *,
    actor: str,
    code: str | None = None,
    name: str | None = None,
    district: str | None = None,
    now: datetime | None = None,
) -> Station:
    """Set the station's code, name and district (each optional); audited."""
    values = station_values(code=code, name=name, district=district)
    with store.session(write=True) as session:
        changed = repository.put_settings(session, values)
        current = repository.get_settings(session)
        if changed:
            audit.append(
                session,
                at=now or datetime.now(),
                actor=actor,
                station_code=current.get("station_code", ""),
                action="change",
                entity="settings",
                entity_ref="settings",
                details={
                    "before": {k: b for k, (b, _a) in changed.items()},
                    "after": {k: a for k, (_b, a) in changed.items()},
                },
            )
    result = station(store)
    if result is None:
        raise StationNotSetError("尚未设置服务站代码。")
    return result


# --- reading an application to save ----------------------------------------------------------


@dataclass(frozen=True)
class Intake:
    """Everything typed at the counter for one application, checked."""

    facts: Facts
    name: str
    id_number: str
    phone: str | None = None
    work_unit: str | None = None
    position: str | None = None
    certificate_number: str | None = None
    approved_on: date | None = None
    issuer: str | None = None
    management_number: str | None = None
    # Why the registration date (facts.applied_on) is earlier than the day of entry (补录).
    late_entry_reason: str | None = None
    warnings: tuple[str, ...] = ()


def _text(obj: Mapping[str, Any], key: str, path: str, limit: int) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InputError(path, "应为文字")
    text = " ".join(value.split())
    if len(text) > limit:
        raise InputError(path, f"太长（{len(text)} 个字，最多 {limit} 个）")
    return text or None


def intake_from_mapping(
    data: Any, policies: PolicySet | None = None, *, today: date | None = None
) -> Intake:
    """Read the `apply` input: the `quote` input plus the member's and certificate's details."""
    policies = policies or policy_set()
    known = set(policies.policies) | {e.file.removesuffix(".toml") for e in policies.errors}
    facts = application_from_mapping(data, known)
    assert isinstance(data, Mapping)
    member = data.get("member") or {}
    cert = data.get("certificate") or {}
    warnings: list[str] = []

    name = _text(member, "name", "member.name", 64)
    if not name:
        raise InputError("member.name", "请填写申请人姓名")
    raw_id = member.get("id_number")
    if not isinstance(raw_id, str) or not raw_id.strip():
        raise InputError("member.id_number", "请填写身份证号码")
    id_check = check_resident_id(raw_id, today=today)
    if not id_check.ok or id_check.value is None:
        raise InputError("member.id_number", "".join(id_check.errors))
    warnings.extend(id_check.warnings)
    phone = _text(member, "phone", "member.phone", 32)
    if phone is not None:
        phone_check = check_phone(phone)
        if not phone_check.ok:
            raise InputError("member.phone", "".join(phone_check.errors))
        phone = phone_check.value
        warnings.extend(phone_check.warnings)
    entered_on = today or date.today()
    if facts.applied_on is None:
        facts = Facts(
            scheme=facts.scheme,
            certificate=facts.certificate,
            applied_on=entered_on,
            member=facts.member,
        )
    assert facts.applied_on is not None
    reason = _text(data, "late_entry_reason", "late_entry_reason", registration.REASON_LIMIT)
    problem = registration.registration_problem(
        facts.applied_on,
        entered_on=entered_on,
        reason=reason,
        opens=registration.scheme_opens(policies.history(facts.scheme)),
    )
    if problem is not None:
        raise InputError(problem.field, problem.message)
    if not registration.is_late(facts.applied_on, entered_on):
        reason = None  # registered today: nothing to explain
    return Intake(
        facts=facts,
        name=name,
        id_number=id_check.value,
        phone=phone,
        work_unit=_text(member, "work_unit", "member.work_unit", 200),
        position=_text(member, "position", "member.position", 64),
        certificate_number=_text(cert, "number", "certificate.number", 64),
        approved_on=parse_iso_date(cert.get("approved_on"), "certificate.approved_on"),
        issuer=_text(cert, "issuer", "certificate.issuer", 200),
        management_number=_text(cert, "management_number", "certificate.management_number", 64),
        late_entry_reason=reason,
        warnings=tuple(warnings),
    )


# --- saving -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Saved:
    receipt: str
    decision: Decision
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {"receipt": self.receipt, "decision": self.decision.to_dict()}
        if self.warnings:
            result["warnings"] = list(self.warnings)
        return result


def duplicate_message(first: Application) -> str:
    return (
        f"同一补助已经受理过，不能重复申请：受理编号 {first.receipt}，"
        f"{cn_date(first.applied_on)}由{first.station_name or first.station_code}"
        f"（{first.station_code}）受理，目前状态“{first.status_label}”。"
        "同一人在同一方案、同一证书类别、同一职业（工种）或项目、同一等级只能补助一次。"
        "如那份申请录错了，请先把它退回，再重新受理。"
    )


def _duplicate(first: Application) -> DuplicateClaimError:
    return DuplicateClaimError(
        duplicate_message(first),
        {
            "receipt": first.receipt,
            "applied_on": first.applied_on.isoformat(),
            "station_code": first.station_code,
            "station_name": first.station_name,
            "status": first.status,
        },
    )


_MEMBER_FIELDS = ("name", "card_number", "phone", "work_unit", "position")


def _member_values(intake: Intake) -> dict[str, str | None]:
    return {
        "name": intake.name,
        "card_number": intake.facts.member.card_number,
        "phone": intake.phone,
        "work_unit": intake.work_unit,
        "position": intake.position,
    }


def save_application(
    store: Store,
    data: Any,
    *,
    clerk: str,
    now: datetime | None = None,
    policies: PolicySet | None = None,
) -> Saved:
    """Check, decide and save one application; DuplicateClaimError if the claim is taken."""
    moment = (now or datetime.now()).replace(microsecond=0)
    intake = intake_from_mapping(data, policies, today=moment.date())
    decision = quote_application(intake.facts, policies)
    key = claim_key(intake.facts, decision)
    for attempt in range(3):
        try:
            receipt = _save_once(store, intake, decision, key, clerk=clerk, now=moment)
        except ConflictError:
            # Another counter saved at the same moment. If it took this claim, name it;
            # otherwise (the same new member, a different claim) try again.
            first = _find_live_claim(store, intake.id_number, key)
            if first is not None:
                raise _duplicate(first) from None
            if attempt == 2:
                raise
            continue
        return Saved(receipt, decision, intake.warnings)
    raise AssertionError("unreachable")  # pragma: no cover


def _find_live_claim(store: Store, id_number: str, key: ClaimKey) -> Application | None:
    with store.session() as session:
        member = repository.member_by_id_number(session, id_number)
        if member is None:
            return None
        return repository.live_claim(session, member.id, key.scheme, key.kind, key.item, key.level)


def _save_once(
    store: Store,
    intake: Intake,
    decision: Decision,
    key: ClaimKey,
    *,
    clerk: str,
    now: datetime,
) -> str:
    facts = intake.facts
    cert = facts.certificate
    with store.session(write=True) as session:
        settings = repository.get_settings(session)
        station_code = settings.get("station_code", "")
        if not station_code:
            raise StationNotSetError(
                "尚未设置服务站代码，无法生成受理编号。请先在“设置”中填写服务站名称和代码"
                "（命令行：union-counter settings --station-code XC01 --station-name 名称）。"
            )
        station_name = settings.get("station_name", "")
        values = _member_values(intake)
        member = repository.member_by_id_number(session, intake.id_number)
        if member is None:
            member = Member(id_number=intake.id_number, created_at=now, updated_at=now, **values)
            session.add(member)
            session.flush()
            audit.append(
                session,
                at=now,
                actor=clerk,
                station_code=station_code,
                action="create",
                entity="member",
                entity_ref=f"member:{member.id}",
                details={"after": {"id_number": intake.id_number, **values}},
            )
        else:
            first = repository.live_claim(
                session, member.id, key.scheme, key.kind, key.item, key.level
            )
            if first is not None:
                raise _duplicate(first)
            before = {f: getattr(member, f) for f in _MEMBER_FIELDS}
            changed = {f: v for f, v in values.items() if v is not None and before[f] != v}
            if changed:
                for name, value in changed.items():
                    setattr(member, name, value)
                member.updated_at = now
                audit.append(
                    session,
                    at=now,
                    actor=clerk,
                    station_code=station_code,
                    action="change",
                    entity="member",
                    entity_ref=f"member:{member.id}",
                    details={
                        "before": {f: before[f] for f in changed},
                        "after": changed,
                    },
                )
        receipt = repository.next_receipt(session, station_code, now.date())
        assert facts.applied_on is not None
        application = Application(
            receipt=receipt,
            member_id=member.id,
            scheme=facts.scheme,
            kind=cert.kind,
            occupation=cert.occupation,
            claim_item=key.item,
            claim_level=key.level,
            level=cert.level,
            grade=cert.grade,
            certificate_number=intake.certificate_number,
            issued_on=cert.issued_on,
            approved_on=intake.approved_on,
            issuer=intake.issuer,
            management_number=intake.management_number,
            competition=cert.competition,
            stage=cert.stage,
            rank=cert.rank,
            entrants=cert.entrants,
            final_held=cert.final_held,
            union_affiliated=facts.member.union_affiliated,
            full_time_union_social_worker=facts.member.full_time_union_social_worker,
            key_group=facts.member.key_group,
            applied_on=facts.applied_on,
            late_entry_reason=intake.late_entry_reason,
            station_code=station_code,
            station_name=station_name,
            clerk=clerk,
            status=statuses.ACCEPTED,
            eligible=decision.eligible,
            amount=decision.amount,
            decision_id=repository.decision_id(
                session, decision.policy_sha256, [f.to_dict() for f in decision.findings]
            ),
            name_chars=name_chars(intake.name),
            created_at=now,
            updated_at=now,
        )
        # Its acceptance (by `clerk`, at `now`) is the row itself: no status_change row
        # (models.Application.steps).
        session.add(application)
        session.flush()
        audit.append(
            session,
            at=now,
            actor=clerk,
            station_code=station_code,
            action="create",
            entity="application",
            entity_ref=receipt,
            details={
                "member": f"member:{member.id}",
                "scheme": facts.scheme,
                "kind": cert.kind,
                "claim": [key.item, key.level],
                "card_number": facts.member.card_number,
                "eligible": decision.eligible,
                "amount": decision.amount,
                "policy_sha256": decision.policy_sha256,
                "applied_on": facts.applied_on.isoformat(),
                **(
                    {"late_entry_reason": intake.late_entry_reason}
                    if intake.late_entry_reason
                    else {}
                ),
            },
        )
    return receipt


def name_chars(name: str) -> str:
    """The name's characters separated by spaces: what the name search indexes."""
    return " ".join(ch for ch in name if not ch.isspace())


# --- the ledger and one application -------------------------------------------------------------


@dataclass(frozen=True)
class LedgerRow:
    id: int
    receipt: str
    applied_on: date
    name: str
    id_number: str
    card_number: str
    scheme: str
    kind: str
    occupation: str
    level: str
    eligible: bool
    amount: int
    status: str
    status_label: str
    station_code: str
    clerk: str
    # The day it was typed in; later than `applied_on` only for a late entry (补录).
    entered_on: date | None = None
    late_entry_reason: str | None = None

    @property
    def late_entry(self) -> bool:
        return self.entered_on is not None and registration.is_late(
            self.applied_on, self.entered_on
        )

    def to_dict(self) -> dict[str, Any]:
        result = dict(self.__dict__)
        result["applied_on"] = self.applied_on.isoformat()
        result["entered_on"] = self.entered_on.isoformat() if self.entered_on else None
        return result


def _level_text(app: Application, policies: PolicySet) -> str:
    """The level (in the scheme's own words), grade or rank of an application, as shown."""
    from desktop_app.domain.policy import GRADE_LABELS

    if app.level is not None:
        return policies.level_label(app.scheme, app.level)
    if app.grade:
        return GRADE_LABELS.get(app.grade, app.grade)
    if app.kind == "competition" and app.rank is not None:
        stage = {"final": "决赛", "semifinal": "复赛"}.get(app.stage or "", app.stage or "")
        return f"{stage}第{app.rank}名"
    return ""


def ledger_row(
    app: Application, *, full_numbers: bool = False, policies: PolicySet | None = None
) -> LedgerRow:
    member = app.member
    card = app.card_number or ""
    return LedgerRow(
        id=app.id,
        receipt=app.receipt,
        applied_on=app.applied_on,
        name=member.name,
        id_number=member.id_number if full_numbers else mask_resident_id(member.id_number),
        card_number=card if full_numbers or not card else mask_card_number(card),
        scheme=app.scheme,
        kind=app.kind,
        occupation=app.occupation or "",
        level=_level_text(app, policies or policy_set()),
        eligible=app.eligible,
        amount=app.amount,
        status=app.status,
        status_label=app.status_label,
        station_code=app.station_code,
        clerk=app.clerk,
        entered_on=app.created_at.date(),
        late_entry_reason=app.late_entry_reason,
    )


def ledger(
    store: Store,
    filter_: repository.LedgerFilter,
    *,
    limit: int = 100,
    offset: int = 0,
) -> list[LedgerRow]:
    with store.session() as session:
        rows = repository.ledger_page(session, filter_, limit=limit, offset=offset)
        policies = policy_set()
        return [ledger_row(app, policies=policies) for app in rows]


def ledger_count(
    store: Store, filter_: repository.LedgerFilter, *, limit: int | None = None
) -> int:
    """The filter's exact count, or with `limit` min(count, limit), found quickly."""
    with store.session() as session:
        return repository.ledger_count(session, filter_, limit=limit)


@dataclass(frozen=True)
class Detail:
    """One application as the ledger's detail view and `ledger show` present it."""

    row: LedgerRow
    member: dict[str, Any]
    certificate: dict[str, Any]
    decision: dict[str, Any]
    history: list[dict[str, Any]]
    events: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "application": self.row.to_dict(),
            "member": self.member,
            "certificate": self.certificate,
            "decision": self.decision,
            "history": self.history,
            "events": self.events,
        }


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def application_detail(store: Store, receipt: str, *, full_numbers: bool = False) -> Detail:
    with store.session() as session:
        app = repository.application_by_receipt(session, receipt.strip().upper())
        if app is None:
            raise NotFoundError(f"找不到受理编号为 {receipt} 的申请。")
        member = app.member
        events = audit.events_about(session, [app.receipt, f"member:{member.id}"])
        event_list = [
            {
                "id": e.id,
                "at": e.at.isoformat(sep=" "),
                "actor": e.actor,
                "action": e.action,
                "entity": e.entity,
                "details": e.details,
            }
            for e in events
        ]
        row = ledger_row(app, full_numbers=full_numbers)
        return Detail(
            row=row,
            member={
                "name": member.name,
                "id_number": row.id_number,
                "card_number": row.card_number,
                "phone": (member.phone if full_numbers else mask_phone(member.phone))
                if member.phone
                else None,
                "work_unit": member.work_unit,
                "position": member.position,
            },
            certificate={
                "kind": app.kind,
                "occupation": app.occupation,
                "level": app.level,
                "grade": app.grade,
                "number": app.certificate_number,
                "issued_on": _iso(app.issued_on),
                "approved_on": _iso(app.approved_on),
                "issuer": app.issuer,
                "management_number": app.management_number,
                "competition": app.competition,
                "stage": app.stage,
                "rank": app.rank,
                "entrants": app.entrants,
                "final_held": app.final_held,
            },
            decision={
                "eligible": app.eligible,
                "amount": app.amount,
                "scheme": app.scheme,
                "findings": app.findings,
                "policy_sha256": app.policy_sha256,
            },
            history=[
                {
                    "from": h.from_status,
                    "to": h.to_status,
                    "to_label": statuses.label(h.to_status),
                    "reason": h.reason,
                    "actor": h.actor,
                    "at": h.at.isoformat(sep=" "),
                }
                for h in app.steps
            ],
            events=event_list,
        )


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
    with store.session(write=True) as session:
        settings = repository.get_settings(session)
        audit.append(
            session,
            at=now or datetime.now(),
            actor=actor,
            station_code=settings.get("station_code", ""),
            action=action,
            entity=entity,
            entity_ref=entity_ref,
            details=details,
        )


def verify_audit(store: Store) -> audit.Verification:
    with store.session() as session:
        return audit.verify(session)


__all__: Sequence[str] = (
    "Detail",
    "DuplicateClaimError",  # what save_application raises for a claim already saved
    "Intake",
    "LedgerRow",
    "Saved",
    "Station",
    "StationNotSetError",
    "application_detail",
    "intake_from_mapping",
    "ledger",
    "ledger_count",
    "record_event",
    "save_application",
    "save_station",
    "station",
    "verify_audit",
)
