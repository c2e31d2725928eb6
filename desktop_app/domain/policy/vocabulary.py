"""The fixed vocabulary the engine knows and a policy file chooses from: certificate kinds,
methods, conditions, and the national names of levels, grades and stages."""

from __future__ import annotations

from collections.abc import Mapping

LEVEL_LABELS: Mapping[int, str] = {
    1: "一级（高级技师）",
    2: "二级（技师）",
    3: "三级（高级工）",
    4: "四级（中级工）",
    5: "五级（初级工）",
}
GRADE_LABELS: Mapping[str, str] = {
    "assistant": "助理社会工作师（初级）",
    "intermediate": "社会工作师（中级）",
    "senior": "高级社会工作师（高级）",
}
STAGE_LABELS: Mapping[str, str] = {"final": "决赛", "semifinal": "复赛"}
KINDS: Mapping[str, str] = {
    "skill_level": "职业技能等级证书",
    "special_ability": "专项职业能力证书",
    "qualification": "国家职业资格证书",
    "competition": "竞赛名次",
    "social_worker": "社会工作者职业水平证书",
}
METHODS = ("tier_level", "tier", "level", "grade", "competition")
# The rules of a method that each cite their own sentence (`[kinds.X.sources]`).
METHOD_SOURCES: Mapping[str, tuple[str, ...]] = {
    "competition": (
        "rank",  # who is funded: the rank sentence
        "highest_round",  # a semi-final counts only where it was the highest round
        "final_entrants",  # the entrant size a final needs
        "semifinal_entrants",  # the entrant size a semi-final needs
        "uncertified",  # what a 不取证职业（工种） is
        "organiser",  # who runs and checks the competition claims
    ),
}
CONDITION_RULES = (
    "member_card",
    "union_affiliated",
    "issued_within",
    "registered_by",
    "full_time_union_social_worker",
    "key_group_confirmed",
)
