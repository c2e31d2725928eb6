"""Use case: save an application (受理) — read what was entered, decide, number, store.

The GUI and the command line both call these. Each use case is one database
transaction: the application, its member, its first status, its receipt number and
its audit events are saved together or not at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from desktop_app.domain import registration
from desktop_app.domain import status as statuses
from desktop_app.domain.claims import ClaimKey, claim_key
from desktop_app.domain.engine import Decision
from desktop_app.domain.facts import Application as Facts
from desktop_app.domain.facts import (
    InputError,
    application_from_mapping,
    checked_text,
    parse_iso_date,
)
from desktop_app.domain.policy import PolicySet
from desktop_app.domain.text import cn_date, name_chars
from desktop_app.domain.validators import (
    check_phone,
    check_resident_id,
)
from desktop_app.services import audit_trail
from desktop_app.services.permissions import acting, require, require_station
from desktop_app.services.policies import policy_set
from desktop_app.services.quote import quote_application
from desktop_app.services.station_settings import StationNotSetError, station
from desktop_app.storage import repository
from desktop_app.storage.database import Store
from desktop_app.storage.errors import (
    ConflictError,
    DuplicateClaimError,
)
from desktop_app.storage.models import Application, Member

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


# The longest text each free-text field takes (characters, after white space is collapsed).
TEXT_LIMITS = {
    "member.name": 64,
    "member.phone": 32,
    "member.work_unit": 200,
    "member.position": 64,
    "certificate.number": 64,
    "certificate.issuer": 200,
    "certificate.management_number": 64,
    "late_entry_reason": registration.REASON_LIMIT,
}


def field_text(value: Any, path: str) -> str | None:
    """A typed text as the field `path` stores it: under the one text policy (refused with the
    field named), white space collapsed, within `TEXT_LIMITS`; None when empty. Saving and
    correcting (services/corrections.py) both read a field's text through this."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InputError(path, "应为文字")
    text = " ".join(checked_text(value, path).split())
    limit = TEXT_LIMITS[path]
    if len(text) > limit:
        raise InputError(path, f"太长（{len(text)} 个字，最多 {limit} 个）")
    return text or None


def _text(obj: Mapping[str, Any], key: str, path: str) -> str | None:
    return field_text(obj.get(key), path)


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

    name = _text(member, "name", "member.name")
    if not name:
        raise InputError("member.name", "请填写申请人姓名")
    raw_id = member.get("id_number")
    if not isinstance(raw_id, str) or not raw_id.strip():
        raise InputError("member.id_number", "请填写身份证号码")
    id_check = check_resident_id(raw_id, today=today)
    if not id_check.ok or id_check.value is None:
        raise InputError("member.id_number", "".join(id_check.errors))
    warnings.extend(id_check.warnings)
    phone = _text(member, "phone", "member.phone")
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
    reason = _text(data, "late_entry_reason", "late_entry_reason")
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
        work_unit=_text(member, "work_unit", "member.work_unit"),
        position=_text(member, "position", "member.position"),
        certificate_number=_text(cert, "number", "certificate.number"),
        approved_on=parse_iso_date(cert.get("approved_on"), "certificate.approved_on"),
        issuer=_text(cert, "issuer", "certificate.issuer"),
        management_number=_text(cert, "management_number", "certificate.management_number"),
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
    """Why a claim is refused as already taken, naming the first application (receipt, date,
    station, status) and what to do when that one was entered wrongly."""
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
    require(store, "application.save", now=now)
    clerk = acting(store, clerk)
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
        return repository.claim_holder(
            session, id_number, key.scheme, key.kind, key.item, key.level
        )


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
    here = station(store)
    if here is None:
        raise StationNotSetError(
            "尚未设置服务站代码，无法生成受理编号。请先在“设置”中填写服务站名称和代码"
            "（命令行：union-counter settings --station-code XC01 --station-name 名称）。"
        )
    station_code, station_name = here.code, here.name
    require_station(store, station_code, now=now)  # a station's account at its own counter
    with store.session(write=True) as session:
        values = _member_values(intake)
        member = repository.member_by_id_number(session, intake.id_number)
        if member is None:
            member = Member(id_number=intake.id_number, created_at=now, updated_at=now, **values)
            session.add(member)
            session.flush()
            audit_trail.record_in(
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
                audit_trail.record_in(
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
        audit_trail.record_in(
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


__all__: Sequence[str] = (
    "DuplicateClaimError",  # what save_application raises for a claim already saved
    "Intake",
    "Saved",
    "intake_from_mapping",
    "save_application",
)
