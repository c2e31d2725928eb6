"""The 受理 form as plain data: which fields a certificate kind uses, inline checks, and the
`apply` mapping built from what the clerk typed.

Qt-free, so the rules behind the form are tested without a screen. The form's state is a flat
dict keyed by the dotted paths of the `apply` input (``member.id_number``,
``certificate.issued_on`` …) plus the chosen catalogue row (``scheme``, ``certificate.kind``,
``entry.name``, ``entry.code``). Text fields hold the raw text typed; choices hold their value
(an int level, a grade or stage code, a bool or None for "not answered").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from desktop_app.domain import registration
from desktop_app.domain.facts import stage_contradiction
from desktop_app.domain.policy import GRADE_LABELS, LEVEL_LABELS, STAGE_LABELS, Policy
from desktop_app.domain.text import cn_date
from desktop_app.domain.text_policy import text_problem
from desktop_app.domain.validators import (
    check_card_number,
    check_phone,
    check_resident_id,
    parse_date,
)

Form = Mapping[str, Any]

MEMBER_FIELDS = (
    "member.name",
    "member.id_number",
    "member.card_number",
    "member.phone",
    "member.work_unit",
    "member.position",
)
CONFIRMATIONS = (
    "member.union_affiliated",
    "member.full_time_union_social_worker",
    "member.key_group",
)
DATE_FIELDS = ("certificate.issued_on", "certificate.approved_on")
# The registration date (登记日期, default: today) and, for a late entry, its reason (补录原因).
REGISTRATION_FIELDS = ("applied_on", "late_entry_reason")
INT_FIELDS = ("certificate.rank", "certificate.entrants")
CHOICE_KEYS = (
    "scheme",
    "certificate.kind",
    "entry.name",
    "entry.code",
    "entry.label",
)

# The certificate fields each kind uses, in the paper form's order.
KIND_FIELDS: Mapping[str, tuple[str, ...]] = {
    "skill_level": (
        "certificate.level",
        "certificate.number",
        "certificate.issued_on",
        "certificate.issuer",
    ),
    "qualification": (
        "certificate.level",
        "certificate.number",
        "certificate.issued_on",
        "certificate.issuer",
    ),
    "special_ability": ("certificate.number", "certificate.issued_on", "certificate.issuer"),
    "social_worker": (
        "certificate.grade",
        "certificate.number",
        "certificate.approved_on",
        "certificate.issuer",
        "certificate.issued_on",
        "certificate.management_number",
    ),
    "competition": (
        "certificate.occupation",
        "certificate.stage",
        "certificate.rank",
        "certificate.entrants",
        "certificate.final_held",
        "certificate.issued_on",
    ),
}
CERTIFICATE_FIELDS = tuple(
    dict.fromkeys(field for fields in KIND_FIELDS.values() for field in fields)
)

# Labels that differ with the kind (the paper form's words).
_LABELS: Mapping[str, str] = {
    "member.name": "姓名",
    "member.id_number": "身份证号",
    "member.card_number": "京卡·互助服务卡卡号",
    "member.phone": "联系电话",
    "member.work_unit": "工作单位",
    "member.position": "职务",
    "certificate.level": "等级",
    "certificate.grade": "水平级别",
    "certificate.number": "证书编号",
    "certificate.issued_on": "首次发证日期",
    "certificate.approved_on": "批准日期",
    "certificate.issuer": "发证机构",
    "certificate.management_number": "管理号",
    "certificate.occupation": "竞赛职业（工种）",
    "certificate.stage": "赛段",
    "certificate.rank": "名次",
    "certificate.entrants": "初赛参赛人数",
    "certificate.final_held": "该竞赛设有决赛",
    "member.union_affiliated": "所在单位工会隶属于市总工会",
    "member.full_time_union_social_worker": "北京市专职工会社会工作者",
    "member.key_group": "属于重点群体",
    "applied_on": "登记日期",
    "late_entry_reason": "补录原因",
    "scheme": "补助方案",
    "certificate.kind": "证书类别",
    "certificate.competition": "竞赛",
}
_KIND_LABELS: Mapping[tuple[str, str], str] = {
    ("social_worker", "certificate.number"): "编号",
    ("social_worker", "certificate.issuer"): "签发单位",
    ("social_worker", "certificate.issued_on"): "签发日期",
    ("competition", "certificate.issued_on"): "成绩日期",
}

# Which confirmation a scheme's condition asks the clerk for.
_CONDITION_QUESTIONS = {
    "union_affiliated": "member.union_affiliated",
    "full_time_union_social_worker": "member.full_time_union_social_worker",
    "key_group_confirmed": "member.key_group",
}


def label(field: str, kind: str | None = None) -> str:
    """The form's Chinese label of an input path (``certificate.level`` → 等级)."""
    return _KIND_LABELS.get((kind or "", field), _LABELS.get(field, field))


def has_label(field: str) -> bool:
    """Whether `field` (an input path such as `member.phone`) has a label on the form."""
    return field in _LABELS


def fields_for(kind: str | None) -> tuple[str, ...]:
    """The certificate fields shown for a kind (none until a catalogue row is chosen)."""
    return KIND_FIELDS.get(kind or "", ())


def confirmations_for(policy: Policy | None, kind: str | None) -> tuple[str, ...]:
    """The yes/no questions the chosen scheme's conditions need, in the form's order."""
    if policy is None or kind is None:
        return ()
    asked = {
        _CONDITION_QUESTIONS[c.rule]
        for c in policy.conditions
        if c.rule in _CONDITION_QUESTIONS and c.applies(kind)
    }
    return tuple(field for field in CONFIRMATIONS if field in asked)


def card_required(policy: Policy | None, kind: str | None) -> bool:
    """Whether the scheme asks for the 京卡·互助服务卡 number for a certificate of `kind`."""
    if policy is None or kind is None:
        return False
    return any(c.rule == "member_card" and c.applies(kind) for c in policy.conditions)


def level_choices(
    policy: Policy, kind: str, tier: str | None, levels: tuple[int, ...]
) -> list[tuple[int, str]]:
    """The levels a catalogue row can be claimed at (1 = 高级技师 … 5 = 初级工), highest first."""
    rule = policy.kinds.get(kind)
    if rule is None:
        return []
    if rule.method == "tier_level":
        found = {r.level for r in policy.rates_for(kind) if r.tier == tier and r.level}
    elif rule.method == "level":
        found = set(levels)
    else:
        return []
    return [(lv, policy.level_label(lv)) for lv in sorted(found) if lv in LEVEL_LABELS]


# Single keys that choose a value without opening the list: a level by its number (1 = 高级技师
# … 5 = 初级工), a grade as 1 初级 / 2 中级 / 3 高级, a stage as 1 决赛 / 2 复赛.
LEVEL_KEYS: Mapping[str, int] = {str(n): n for n in range(1, 6)}
GRADE_KEYS: Mapping[str, str] = {"1": "assistant", "2": "intermediate", "3": "senior"}
STAGE_KEYS: Mapping[str, str] = {"1": "final", "2": "semifinal"}


def grade_choices(grades: tuple[str, ...]) -> list[tuple[str, str]]:
    """(code, label) of the social-worker grades a scheme pays, in the order of the
    vocabulary."""
    return [(g, GRADE_LABELS[g]) for g in GRADE_LABELS if g in grades]


def stage_choices() -> list[tuple[str, str]]:
    """(code, label) of the competition stages (决赛, 复赛)."""
    return list(STAGE_LABELS.items())


# --- checking what is typed ---------------------------------------------------------------


@dataclass(frozen=True)
class Note:
    """A message shown under a field: an error blocks saving, a warning does not."""

    text: str
    blocking: bool = True


def _norm(text: Any) -> str:
    return unicodedata.normalize("NFKC", str(text or "")).strip()


def _compact(text: str) -> str:
    return re.sub(r"[\s\-]+", "", text)


def scheme_opens(scheme: Any) -> date | None:
    """The first day the scheme takes registrations (domain.registration.scheme_opens)."""
    from desktop_app.services.policies import policy_set

    if not isinstance(scheme, str) or not scheme:
        return None
    return registration.scheme_opens(policy_set().history(scheme))


def registered_on(form: Form, today: date) -> date | None:
    """The registration date on the form: today when left as it is, None while it is not a
    date yet."""
    text = _norm(form.get("applied_on"))
    if not text:
        return today
    return parse_date(text).value


def is_late_entry(form: Form, today: date) -> bool:
    """Whether the form registers a day before `today` (补录, which needs a reason)."""
    when = registered_on(form, today)
    return when is not None and registration.is_late(when, today)


def _registration_notes(
    form: Form, *, today: date, typing: str | None, opens: date | None
) -> dict[str, Note]:
    text = _norm(form.get("applied_on"))
    if text and typing == "applied_on" and len(text) < 8:
        return {}
    if text:
        parsed = parse_date(text, earliest=date(1950, 1, 1))
        if parsed.errors:
            return {"applied_on": Note("".join(parsed.errors))}
    when = registered_on(form, today)
    if when is None:
        return {}
    problem = registration.date_problem(when, entered_on=today, opens=opens)
    if problem is not None:
        return {problem.field: Note(problem.message)}
    if registration.is_late(when, today):
        return {
            "applied_on": Note(
                f"补录：登记日期早于今天（{cn_date(today)}），将记明补录人和补录原因。",
                blocking=False,
            )
        }
    return {}


def check_field(
    field: str, value: Any, *, typing: bool = False, today: date | None = None
) -> Note | None:
    """The inline note for one field, or None. ``typing``: the clerk is still typing in it,
    so only say what is already certainly wrong (a bad character, a wrong check character)."""
    if isinstance(value, str):
        hidden = text_problem(value)  # the one text policy: said at once, as typed or pasted
        if hidden is not None:
            return Note(hidden.message)
    text = _norm(value) if isinstance(value, str) else ""
    if field == "member.id_number":
        if not text:
            return None
        compact = _compact(text).upper()
        if typing and len(compact) < 18 and re.fullmatch(r"[0-9X]*", compact):
            return None
        id_check = check_resident_id(text, today=today)
        if id_check.errors:
            return Note("".join(id_check.errors))
        if id_check.warnings:
            return Note("".join(id_check.warnings), blocking=False)
        return None
    if field == "member.card_number":
        if not text:
            return None
        compact = _compact(text)
        if typing and len(compact) < 16 and compact.isdigit():
            return None
        check = check_card_number(text)
        if check.errors:
            return Note("".join(check.errors))
        if check.warnings:
            return Note("".join(check.warnings), blocking=False)
        return None
    if field == "member.phone":
        if not text:
            return None
        check = check_phone(text)
        if check.errors:
            if typing and len(_compact(text)) < 11 and re.fullmatch(r"[0-9()+\-\s转]*", text):
                return None
            return Note("".join(check.errors))
        return None
    if field in DATE_FIELDS:
        if not text:
            return None
        if typing and len(text) < 8:
            return None
        parsed = parse_date(text, earliest=date(1950, 1, 1), latest=today or date.today())
        if parsed.errors:
            return Note("".join(parsed.errors))
        return None
    if field in INT_FIELDS:
        if not text:
            return None
        if not text.isdigit():
            return Note("请填写数字。")
        if field == "certificate.rank" and int(text) < 1:
            return Note("名次从1开始。")
        return None
    return None


def field_notes(
    form: Form,
    *,
    today: date | None = None,
    typing: str | None = None,
    opens: date | None = None,
) -> dict[str, Note]:
    """Notes for every field in use that has one (``typing`` names the field being typed in;
    ``opens``: the first day the scheme takes registrations)."""
    notes: dict[str, Note] = {}
    for field in (*MEMBER_FIELDS, *fields_for(form.get("certificate.kind"))):
        note = check_field(field, form.get(field), typing=field == typing, today=today)
        if note is not None:
            notes[field] = note
    notes.update(_registration_notes(form, today=today or date.today(), typing=typing, opens=opens))
    if "certificate.final_held" in fields_for(form.get("certificate.kind")):
        contradiction = stage_contradiction(
            form.get("certificate.stage"), form.get("certificate.final_held")
        )
        if contradiction is not None:
            notes["certificate.final_held"] = Note(contradiction.message)
    return notes


def save_problems(
    form: Form,
    *,
    asked: tuple[str, ...] = (),
    card_needed: bool = False,
    today: date | None = None,
    opens: date | None = None,
) -> dict[str, str]:
    """What stops saving, field by field, in the form's order (empty: ready to save)."""
    problems: dict[str, str] = {}
    if not form.get("scheme") or not form.get("certificate.kind"):
        problems["catalogue"] = "请先在上方查找并选择职业（工种）、项目或竞赛。"
    kind = form.get("certificate.kind")
    today = today or date.today()
    notes = field_notes(form, today=today, opens=opens)
    for field in REGISTRATION_FIELDS:
        if field in notes and notes[field].blocking:
            problems[field] = notes[field].text
    when = registered_on(form, today)
    if when is not None and "applied_on" not in problems:
        problem = registration.registration_problem(
            when, entered_on=today, reason=_norm(form.get("late_entry_reason")), opens=opens
        )
        if problem is not None:
            problems[problem.field] = problem.message
    for field in MEMBER_FIELDS:
        if field in notes and notes[field].blocking:
            problems[field] = notes[field].text
    if not _norm(form.get("member.name")):
        problems["member.name"] = "请填写申请人姓名。"
    if not _norm(form.get("member.id_number")):
        problems["member.id_number"] = "请填写身份证号码。"
    if card_needed and not _norm(form.get("member.card_number")):
        problems["member.card_number"] = "本方案要求持有京卡·互助服务卡，请填写卡号。"
    for field in fields_for(kind):
        if field in notes and notes[field].blocking:
            problems[field] = notes[field].text
    if "certificate.level" in fields_for(kind) and form.get("certificate.level") is None:
        problems["certificate.level"] = "请选择证书等级。"
    if "certificate.grade" in fields_for(kind) and form.get("certificate.grade") is None:
        problems["certificate.grade"] = "请选择水平级别。"
    for field in asked:
        if form.get(field) is None:
            problems[field] = f"请确认“{label(field)}”：选“是”或“否”。"
    order = ["catalogue", *MEMBER_FIELDS, *CERTIFICATE_FIELDS, *CONFIRMATIONS, *REGISTRATION_FIELDS]
    return {key: problems[key] for key in order if key in problems}


def _filled(value: Any) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    return value is not None


def pending_fields(
    form: Form,
    decision_missing: tuple[str, ...] = (),
    *,
    asked: tuple[str, ...] = (),
    card_needed: bool = False,
    today: date | None = None,
) -> list[str]:
    """The fields still to fill in, in the form's order: what saving needs (name, ID number,
    the card where the scheme needs it, the level or grade, the questions asked) and every fact
    the decision lacks (`Decision.missing`). A value typed but wrong is not pending: its field
    says what is wrong."""
    kind = form.get("certificate.kind")
    needed = set(decision_missing)
    needed.update(f for f in ("member.name", "member.id_number") if not _norm(form.get(f)))
    if card_needed and not _norm(form.get("member.card_number")):
        needed.add("member.card_number")
    for field in ("certificate.level", "certificate.grade"):
        if field in fields_for(kind) and form.get(field) is None:
            needed.add(field)
    needed.update(f for f in asked if form.get(f) is None)
    late = today is not None and is_late_entry(form, today)
    if late and not _norm(form.get("late_entry_reason")):
        needed.add("late_entry_reason")
    order = [*MEMBER_FIELDS, *fields_for(kind), *CONFIRMATIONS, *REGISTRATION_FIELDS]
    ordered = [f for f in order if f in needed]
    return ordered + sorted(needed - set(ordered))


def is_blank(form: Form) -> bool:
    """True when nothing worth keeping was typed or chosen."""
    return not any(_filled(v) for k, v in form.items() if not k.startswith("_"))


def has_details(form: Form) -> bool:
    """True when member data, certificate details or an answer would be lost by clearing the
    form; the catalogue row chosen alone is not (it is found again in a moment)."""
    return any(
        _filled(value)
        for key, value in form.items()
        if not key.startswith("_") and key not in CHOICE_KEYS
    )


# --- the apply mapping ----------------------------------------------------------------------


def _opt_text(value: Any) -> str | None:
    text = " ".join(str(value or "").split())
    return text or None


def _date_text(value: Any) -> str | None:
    text = _norm(value)
    if not text:
        return None
    parsed = parse_date(text)
    return parsed.value.isoformat() if parsed.value else None


def _int_value(value: Any) -> int | None:
    text = _norm(value)
    return int(text) if text.isdigit() else None


def build_mapping(form: Form, *, today: date) -> dict[str, Any]:
    """The `apply` input (README) for what is on the form, entered `today`: the registration
    date is the form's (today when left as it is), with the 补录 reason when it is earlier.

    Only fields the chosen kind uses are written; a value that does not parse (a date being
    typed, a half ID number) is left out, so the live decision treats it as missing — saving is
    refused before that by `save_problems`. Personal numbers are normalized (full-width digits,
    spaces) the way the checks read them.
    """
    kind = form.get("certificate.kind")
    used = set(fields_for(kind))
    member: dict[str, Any] = {}
    name = _opt_text(form.get("member.name"))
    if name:
        member["name"] = name
    id_text = _norm(form.get("member.id_number"))
    if id_text:
        id_check = check_resident_id(id_text, today=today)
        member["id_number"] = id_check.value or _compact(id_text).upper()
    card_text = _norm(form.get("member.card_number"))
    if card_text:
        card = check_card_number(card_text)
        if card.value:
            member["card_number"] = card.value
    phone_text = _norm(form.get("member.phone"))
    if phone_text:
        phone = check_phone(phone_text)
        if phone.value:
            member["phone"] = phone.value
    for key in ("work_unit", "position"):
        text = _opt_text(form.get(f"member.{key}"))
        if text:
            member[key] = text
    for field in CONFIRMATIONS:
        value = form.get(field)
        if isinstance(value, bool):
            member[field.removeprefix("member.")] = value

    certificate: dict[str, Any] = {}
    if kind:
        certificate["kind"] = kind
    entry = _opt_text(form.get("entry.name"))
    if kind == "competition":
        if entry:
            certificate["competition"] = entry
        occupation = _opt_text(form.get("certificate.occupation"))
        if occupation:
            certificate["occupation"] = occupation
    elif entry:
        certificate["occupation"] = entry
    for field in sorted(used):
        key = field.removeprefix("certificate.")
        if key == "occupation":
            continue
        value = form.get(field)
        if field in DATE_FIELDS:
            value = _date_text(value)
        elif field in INT_FIELDS:
            value = _int_value(value)
        elif field == "certificate.level":
            value = value if isinstance(value, int) and not isinstance(value, bool) else None
        elif field == "certificate.final_held":
            value = value if isinstance(value, bool) else None
        elif field in ("certificate.grade", "certificate.stage"):
            value = value if isinstance(value, str) and value else None
        else:
            value = _opt_text(value)
        if value is not None:
            certificate[key] = value

    mapping: dict[str, Any] = {}
    if form.get("scheme"):
        mapping["scheme"] = form["scheme"]
    registered = registered_on(form, today) or today
    mapping["applied_on"] = registered.isoformat()
    reason = _opt_text(form.get("late_entry_reason"))
    if reason and registration.is_late(registered, today):
        mapping["late_entry_reason"] = reason
    mapping["member"] = member
    mapping["certificate"] = certificate
    return mapping
