"""Use case: correct a stored text that holds a character the text policy refuses (更正).

An application saved before the text policy (domain/text_policy.py), or written into the
database by other means, may hold control, bidi or zero-width characters; `audit text` lists
them and every export leaves them out. This is the one way to put such a text right: one field
of one application, a new value checked as every door checks it (the text policy, NFC, white
space, the field's length and whether it may be empty: `applications.field_text`), and a
reason the clerk gives. The change and its audit event (before and after shown as ⟨U+XXXX⟩,
so the event holds no raw control character) are written in one transaction through the ORM
objects, the event last.

Only a text a record does not depend on can be corrected — the member's name, work unit and
position, and the certificate number, issuer, management number and late-entry reason — and only
while it holds a refused character: the amount, the status, the claim's identity (ID number,
scheme, kind, occupation, level) and the decision are never changed here, and a clean field is
not rewritten (its record may already be at the district).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from desktop_app.domain import registration
from desktop_app.domain.facts import InputError, checked_text
from desktop_app.domain.text import name_chars
from desktop_app.domain.text_policy import shown, text_problem
from desktop_app.exchange import batch as fmt
from desktop_app.services import audit_trail
from desktop_app.services.applications import TEXT_LIMITS, field_text
from desktop_app.services.permissions import require
from desktop_app.services.station_settings import event_station_code
from desktop_app.services.store import Store
from desktop_app.storage import repository
from desktop_app.storage.errors import NotFoundError
from desktop_app.storage.models import Application, load_terms


@dataclass(frozen=True)
class Field:
    """A text field that may be corrected: where it is stored and how it is named."""

    key: str  # the exchange file's key (member's or application's attribute)
    path: str  # the `apply` input's path
    on_member: bool
    required: bool = False

    @property
    def label(self) -> str:
        """The field in the words `audit text`, the ledger and the exchange file use."""
        return fmt.COLUMNS[fmt.INDEX[self.key]].header


FIELDS: tuple[Field, ...] = (
    Field("name", "member.name", on_member=True, required=True),
    Field("work_unit", "member.work_unit", on_member=True),
    Field("position", "member.position", on_member=True),
    Field("certificate_number", "certificate.number", on_member=False),
    Field("issuer", "certificate.issuer", on_member=False),
    Field("management_number", "certificate.management_number", on_member=False),
    Field("late_entry_reason", "late_entry_reason", on_member=False, required=True),
)
assert all(f.path in TEXT_LIMITS for f in FIELDS)
REASON_LIMIT = 200


def _reason(text: str | None) -> str:
    """The clerk's reason for a correction: required, under the text policy, at most
    `REASON_LIMIT` characters."""
    why = " ".join(checked_text(text or "", "reason").split())
    if not why:
        raise InputError("reason", "请写明更正的原因（如：按身份证原件更正）")
    if len(why) > REASON_LIMIT:
        raise InputError("reason", f"太长（{len(why)} 个字，最多 {REASON_LIMIT} 个）")
    return why


def field_named(name: str) -> Field:
    """The correctable field called `name`: its label as `audit text` prints it (姓名), its
    key (work_unit) or its `apply` path (member.work_unit). InputError for anything else."""
    wanted = name.strip()
    for candidate in FIELDS:
        if wanted in (candidate.label, candidate.key, candidate.path):
            return candidate
    allowed = "、".join(f.label for f in FIELDS)
    raise InputError(
        "field",
        f"“{shown(wanted)}”不能更正：只能更正这些文字内容：{allowed}。"
        "金额、状态、身份证号、补助项目和补助决定不能更改。",
    )


@dataclass(frozen=True)
class Correctable:
    """A field of one application that holds a refused character, with its value as stored."""

    receipt: str
    field: Field
    value: str  # raw: show it with shown()
    problem: str  # the text policy's message for it


def _value(application: Application, field: Field) -> str | None:
    owner = application.member if field.on_member else application
    value = getattr(owner, field.key)
    return None if value is None else str(value)


def correctable_fields(store: Store, receipt: str) -> list[Correctable]:
    """The fields of `receipt` that hold a character the text policy refuses (the window
    offers 更正 for these). NotFoundError for an unknown receipt."""
    require(store, "audit.correct")
    with store.session() as session:
        application = repository.application_by_receipt(session, receipt.strip().upper())
        if application is None:
            raise NotFoundError(f"找不到受理编号为 {shown(receipt)} 的申请。")
        found = []
        for field in FIELDS:
            value = _value(application, field)
            problem = text_problem(value) if value is not None else None
            if value is not None and problem is not None:
                found.append(Correctable(application.receipt, field, value, problem.message))
    return found


@dataclass(frozen=True)
class Corrected:
    receipt: str
    field: Field
    before: str  # shown(): ⟨U+XXXX⟩ for each refused character
    after: str | None

    @property
    def message(self) -> str:
        after = "（空）" if self.after is None else f"“{self.after}”"
        return (
            f"已更正 {self.receipt} 的{self.field.label}：由“{self.before}”改为{after}"
            "（已记入审计记录）。"
        )


def correct_text(
    store: Store,
    receipt: str,
    field_name: str,
    value: str,
    *,
    reason: str,
    actor: str,
    seen: str | None = None,
    now: datetime | None = None,
) -> Corrected:
    """Correct one text field of `receipt` to `value`, for `reason`, in one transaction with
    its audit event. `seen`: the stored value the clerk was shown; if it has changed since,
    nothing is changed. InputError (nothing changed) for a field that cannot be corrected, a
    field that holds no refused character, a value or reason the policy refuses, or no
    reason; NotFoundError for an unknown receipt."""
    require(store, "audit.correct")
    field = field_named(field_name)
    new = field_text(value, field.path)
    if new is None and field.required:
        raise InputError(field.path, f"{field.label}不能为空")
    why = _reason(reason)
    moment = (now or datetime.now()).replace(microsecond=0)
    here = event_station_code(store)
    with store.session(write=True) as session:
        application = repository.application_by_receipt(
            session, receipt.strip().upper(), for_update=True
        )
        if application is None:
            raise NotFoundError(f"找不到受理编号为 {shown(receipt)} 的申请。")
        old = _value(application, field)
        if seen is not None and old != seen:
            raise InputError(
                field.path, f"{field.label}刚刚被更改过，请重新打开这份申请，核对后再更正。"
            )
        if old is None or text_problem(old) is None:
            raise InputError(
                field.path,
                f"{application.receipt} 的{field.label}没有不可见的字符，不需要更正"
                "（这里只更正 union-counter audit text 列出的内容）。",
            )
        if field.key == "late_entry_reason" and not registration.is_late(
            application.applied_on, application.created_at.date()
        ):
            raise InputError(field.path, "这份申请不是补录的，没有补录原因可更正。")
        owner = application.member if field.on_member else application
        setattr(owner, field.key, new)
        owner.updated_at = moment
        if field.key == "name":
            assert new is not None
            for other in application.member.applications:  # the name search key follows
                other.name_chars = name_chars(new)
        session.flush()
        before = shown(old)
        member_ref = f"member:{application.member.id}"
        audit_trail.record_in(
            session,
            at=moment,
            actor=actor,
            station_code=here,
            action="correct",
            entity="member" if field.on_member else "application",
            entity_ref=member_ref if field.on_member else application.receipt,
            details={
                "receipt": application.receipt,
                "before": {field.key: before},
                "after": {field.key: new},
                "reason": why,
            },
        )
        load_terms(session, [application])
        result = Corrected(application.receipt, field, before, new)
    return result
