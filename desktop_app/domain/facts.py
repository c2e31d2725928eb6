"""The facts of one application, and reading them from JSON-shaped data.

`Application` is what the engine decides on. `application_from_mapping` reads the
`quote` input format (README, issue #2) and raises `InputError` — naming the field —
for input that is malformed rather than merely incomplete. A fact that is simply
missing stays `None`; the engine then says which fact is missing.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from desktop_app.domain.policy import GRADE_LABELS, KINDS, STAGE_LABELS
from desktop_app.domain.text_policy import normal_text, text_problem
from desktop_app.errors import ClerkError

_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


class InputError(ClerkError, ValueError):
    """Malformed input. `field` is the dotted path of the offending field."""

    field: str

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field=field)

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


@dataclass(frozen=True)
class MemberFacts:
    card_number: str | None = None
    union_affiliated: bool | None = None
    full_time_union_social_worker: bool | None = None
    key_group: bool | None = None


@dataclass(frozen=True)
class CertificateFacts:
    kind: str
    occupation: str | None = None
    level: int | None = None
    grade: str | None = None
    issued_on: date | None = None
    competition: str | None = None
    stage: str | None = None
    rank: int | None = None
    entrants: int | None = None
    final_held: bool | None = None


@dataclass(frozen=True)
class Application:
    scheme: str
    certificate: CertificateFacts
    applied_on: date | None = None
    member: MemberFacts = field(default_factory=MemberFacts)


def stage_contradiction(stage: str | None, final_held: bool | None) -> InputError | None:
    """A final in a competition said to have had no final: the facts contradict each other
    (issue 14). Refused wherever facts come in, naming both fields."""
    if stage == "final" and final_held is False:
        return InputError(
            "certificate.final_held",
            "“赛段”为决赛，而“该竞赛是否设有决赛”为否：两项相互矛盾，请核对后更正其中一项",
        )
    return None


def parse_iso_date(value: Any, path: str) -> date | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InputError(path, "应为日期文字，格式 YYYY-MM-DD")
    text = value.strip()
    if text == "":
        return None
    match = _DATE_RE.match(text)
    if not match:
        raise InputError(path, f"“{value}”不是 YYYY-MM-DD 格式的日期")
    year, month, day = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise InputError(path, f"日期不存在：{year}年{month}月{day}日") from None


def _bool(value: Any, path: str) -> bool | None:
    if value is None:
        return None
    if not isinstance(value, bool):
        raise InputError(path, "应为 true 或 false")
    return value


def checked_text(text: str, path: str) -> str:
    """`text` under the one text policy (domain/text_policy.py): refused with the field
    named, or returned in NFC."""
    problem = text_problem(text)
    if problem is not None:
        raise InputError(path, problem.message)
    return normal_text(text)


def _text(value: Any, path: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InputError(path, "应为文字")
    text = checked_text(value, path).strip()
    return text or None


def _int(value: Any, path: str, *, low: int, high: int, meaning: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(path, f"应为整数（{meaning}）")
    if not low <= value <= high:
        raise InputError(path, f"{value} 超出范围 {low}–{high}（{meaning}）")
    return value


def _object(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InputError(path, "应为 JSON 对象")
    return value


def application_from_mapping(data: Any, known_schemes: Collection[str]) -> Application:
    """Read one application in the `quote` input format; raise InputError if malformed."""
    obj = _object(data, "(输入)")
    scheme = obj.get("scheme")
    if not isinstance(scheme, str) or scheme not in known_schemes:
        known = "、".join(sorted(known_schemes)) or "（无可用方案）"
        shown = "缺失" if scheme is None else f"“{scheme}”"
        raise InputError("scheme", f"补助方案{shown}无法识别，可选：{known}")
    applied_on = parse_iso_date(obj.get("applied_on"), "applied_on")

    member_raw = obj.get("member")
    member = MemberFacts()
    if member_raw is not None:
        m = _object(member_raw, "member")
        member = MemberFacts(
            card_number=_text(m.get("card_number"), "member.card_number"),
            union_affiliated=_bool(m.get("union_affiliated"), "member.union_affiliated"),
            full_time_union_social_worker=_bool(
                m.get("full_time_union_social_worker"), "member.full_time_union_social_worker"
            ),
            key_group=_bool(m.get("key_group"), "member.key_group"),
        )

    if "certificate" not in obj or obj["certificate"] is None:
        raise InputError("certificate", "缺少证书信息")
    c = _object(obj["certificate"], "certificate")
    kind = c.get("kind")
    if not isinstance(kind, str) or kind not in KINDS:
        shown = "缺失" if kind is None else f"“{kind}”"
        raise InputError("certificate.kind", f"证书类别{shown}无法识别，可选：{'、'.join(KINDS)}")

    uses_level = kind in ("skill_level", "qualification")
    level = (
        _int(
            c.get("level"), "certificate.level", low=1, high=5, meaning="1 = 高级技师 … 5 = 初级工"
        )
        if uses_level
        else None
    )
    grade = None
    if kind == "social_worker" and c.get("grade") is not None:
        grade = c.get("grade")
        if not isinstance(grade, str) or grade not in GRADE_LABELS:
            raise InputError("certificate.grade", f"水平级别应为 {'、'.join(GRADE_LABELS)}")
    stage = rank = entrants = final_held = competition = None
    if kind == "competition":
        stage = c.get("stage")
        if stage is not None and (not isinstance(stage, str) or stage not in STAGE_LABELS):
            raise InputError("certificate.stage", "赛段应为 final（决赛）或 semifinal（复赛）")
        rank = _int(c.get("rank"), "certificate.rank", low=1, high=1_000_000, meaning="名次")
        entrants = _int(
            c.get("entrants"), "certificate.entrants", low=0, high=100_000_000, meaning="初赛人数"
        )
        final_held = _bool(c.get("final_held"), "certificate.final_held")
        contradiction = stage_contradiction(stage, final_held)
        if contradiction is not None:
            raise contradiction
        competition = _text(c.get("competition"), "certificate.competition")
    return Application(
        scheme=scheme,
        applied_on=applied_on,
        member=member,
        certificate=CertificateFacts(
            kind=kind,
            occupation=_text(c.get("occupation"), "certificate.occupation"),
            level=level,
            grade=grade,
            issued_on=parse_iso_date(c.get("issued_on"), "certificate.issued_on"),
            competition=competition,
            stage=stage,
            rank=rank,
            entrants=entrants,
            final_held=final_held,
        ),
    )
