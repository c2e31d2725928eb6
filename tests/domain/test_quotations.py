"""Every quotation stands verbatim in its document (POLICY.md, “Quoting the documents”).

What stands between “ and ” in a source is the document's own text, character for character;
only the extraction's line and page breaks (all whitespace) and the choice of full- or
half-width brackets may differ, and pieces joined by “……” must each be the document's and
come in its order. Checked over the policy files as written (every `quote` and `column` of
every file in resources/policies/) and over the sources of the decisions the engine builds
at run time, for every path, level, grade, stage and failing rule. Inside a quotation the
document's own “” are written ‘’ (Chinese nesting), so a rendered quotation turns them back.
"""

from __future__ import annotations

import itertools
import os
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop_app.domain.engine import Decision, decide
from desktop_app.domain.facts import application_from_mapping
from desktop_app.domain.policy import GRADE_LABELS, Policy, PolicySet
from tests.conftest import ROOT, SEEDS

POLICIES = ROOT / "resources" / "policies"
_REQUIRED = os.environ.get("UNION_COUNTER_REQUIRE_SEEDS") == "1"

pytestmark = pytest.mark.skipif(
    not SEEDS.exists() and not _REQUIRED, reason="../shared/seeds is not beside the checkout"
)

_BRACKETS = str.maketrans({"(": "（", ")": "）"})
_QUOTATION = re.compile(r"“([^“”]*)”")


def normalise(text: str) -> str:
    """The comparison form: no whitespace at all, brackets full-width."""
    return "".join(text.split()).translate(_BRACKETS)


def document_text(file: str) -> str:
    path = SEEDS / file
    assert path.exists(), f"出处文件 {file} 不在 {SEEDS}"
    return normalise(path.read_text(encoding="utf-8"))


def first_difference(piece: str, document: str) -> str:
    """Where `piece` stops being the document's: the longest prefix that is, then the next
    character, with the document's text at the best match."""
    text = normalise(piece)
    good = 0
    while good < len(text) and text[: good + 1] in document:
        good += 1
    at = document.find(text[:good]) if good else -1
    expected = document[at + good : at + good + 8] if at >= 0 else ""
    return (
        f"第{good + 1}个字“{text[good]}”起不是原文（前文“{text[:good][-12:]}”，"
        f"原文此处为“{expected}”）"
    )


def check_pieces(pieces: list[str], document: str) -> str | None:
    """None when every piece is the document's, in the document's order; else the problem."""
    position = 0
    for piece in pieces:
        text = normalise(piece)
        if not text:
            return "引文为空"
        found = document.find(text, position)
        if found < 0:
            if text in document:
                return f"片段“{piece}”在原文中的位置早于前一片段（应按原文顺序）"
            return f"片段“{piece}”：{first_difference(piece, document)}"
        position = found + len(text)
    return None


def quotes_in(data: Any, path: str = "") -> Iterator[tuple[str, list[str]]]:
    """(TOML path, pieces) of every `quote` and every `column` name in a policy file."""
    if isinstance(data, dict):
        for key, value in data.items():
            here = f"{path}.{key}" if path else key
            if key == "quote":
                yield here, [value] if isinstance(value, str) else list(value)
            elif key == "column":
                yield here, [value]
            else:
                yield from quotes_in(value, here)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from quotes_in(value, f"{path}[{index}]")


def rendered_quotations(source: str) -> list[list[str]]:
    """The quotations of a rendered source, each as its pieces, nesting marks undone."""
    return [
        match.replace("‘", "“").replace("’", "”").split("……")
        for match in _QUOTATION.findall(source)
    ]


# ------------------------------------------------------------------ the test itself


def test_the_check_finds_a_paraphrase_and_names_the_first_wrong_character():
    document = normalise("三、助推标准\n获得国家职业资格一级（高级技师）证书，每人资助2000\n 元；")
    assert check_pieces(["获得国家职业资格一级(高级技师)证书，每人资助2000元"], document) is None
    problem = check_pieces(["获得国家职业资格一级（高级技师）证书，每人补助2000元"], document)
    assert problem is not None and "第22个字“补”" in problem and "原文此处为“资助" in problem
    assert check_pieces(["每人资助2000元", "获得国家职业资格一级"], document) is not None
    assert check_pieces(["获得国家职业资格", "每人资助2000元"], document) is None
    # Our arithmetic inside the marks is caught; outside them it is not a quotation.
    assert rendered_quotations("甲：“A档在B档补助基础上上浮20%（1500元×1.2）”") == [
        ["A档在B档补助基础上上浮20%（1500元×1.2）"]
    ]
    assert rendered_quotations("甲：“A档……B档”（1500元×1.2）") == [["A档", "B档"]]
    assert rendered_quotations("“2016年北京市‘职工技协杯’职业技能竞赛”") == [
        ["2016年北京市“职工技协杯”职业技能竞赛"]
    ]


def policy_files() -> list[Path]:
    return sorted(POLICIES.glob("*.toml"))


@pytest.mark.parametrize("path", policy_files(), ids=lambda p: p.name)
def test_every_quotation_in_the_policy_files_is_the_documents_own_text(path: Path):
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    document = document_text(data["document"]["file"])
    found = list(quotes_in(data))
    assert len(found) >= 10, f"{path.name}：引文太少，检查是否读错了文件"
    problems = [
        f"{path.name} {where}：{problem}"
        for where, pieces in found
        if (problem := check_pieces(pieces, document)) is not None
    ]
    assert not problems, "\n".join(problems)


def test_a_quotation_may_not_nest_our_ellipsis(tmp_path: Path):
    """Pieces are a list; a “……” written inside one text would hide where ours begins."""
    from desktop_app.domain.policy import PolicyError, load_policy

    text = (POLICIES / "bj-2016-union-boost.toml").read_text(encoding="utf-8")
    text = text.replace(
        'quote = "需是持有京卡·互助服务卡的工会会员"', 'quote = "需是持有京卡……的工会会员"'
    )
    path = tmp_path / "bj-2016-union-boost.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError, match="省略号"):
        load_policy(path)


# ------------------------------------------------------------ decisions at run time


def _cases_2026(policy: Policy) -> Iterator[dict[str, Any]]:
    base = {"scheme": policy.id, "applied_on": "2026-11-21"}
    for key_group in (None, True, False):
        member = {} if key_group is None else {"key_group": key_group}
        for entry in policy.kinds["skill_level"].catalogue.entries:
            for level in (1, 2, 3, 4, 5, None):
                cert = {"kind": "skill_level", "occupation": entry.name, "level": level}
                yield {**base, "member": member, "certificate": cert}
        for entry in policy.kinds["special_ability"].catalogue.entries:
            cert = {"kind": "special_ability", "occupation": entry.name}
            yield {**base, "member": member, "certificate": cert}
    for kind in ("skill_level", "special_ability", "qualification"):
        for occupation in ("不在目录的职业", None):
            yield {**base, "certificate": {"kind": kind, "occupation": occupation}}
    yield {**base, "applied_on": "2026-01-01", "certificate": {
        "kind": "skill_level", "occupation": "电工", "level": 4, "issued_on": "2026-05-01"}}  # fmt: skip


def _member_2016(**changes: Any) -> dict[str, Any]:
    member = {
        "card_number": "6217 0000 0000 0000 1",
        "union_affiliated": True,
        "full_time_union_social_worker": True,
    }
    member.update(changes)
    return member


def _cases_2016(policy: Policy) -> Iterator[dict[str, Any]]:
    base = {"scheme": policy.id, "applied_on": "2016-12-20"}
    members = [
        _member_2016(),
        _member_2016(card_number=None, union_affiliated=None, full_time_union_social_worker=None),
        _member_2016(
            card_number="123", union_affiliated=False, full_time_union_social_worker=False
        ),
    ]
    dates = ("2016-06-01", "2015-12-31", None)
    applied = ("2016-12-20", "2018-01-01", None)
    for entry in policy.kinds["qualification"].catalogue.entries:
        for level in (1, 2, 3, 4, None):
            cert = {"kind": "qualification", "occupation": entry.name, "level": level}
            yield {**base, "member": members[0], "certificate": {**cert, "issued_on": dates[0]}}
    for member, issued, on in itertools.product(members, dates, applied):
        cert = {"kind": "qualification", "occupation": "电力调度员", "level": 1}
        yield {**base, "applied_on": on, "member": member,
               "certificate": {**cert, "issued_on": issued}}  # fmt: skip
    for grade in (*GRADE_LABELS, None):
        for member in members:
            cert = {"kind": "social_worker", "grade": grade, "issued_on": "2016-06-01"}
            yield {**base, "member": member, "certificate": cert}
    yield {**base, "certificate": {"kind": "social_worker", "occupation": "社会工作者",
                                   "grade": "senior"}}  # fmt: skip
    competitions = [e.name for e in policy.kinds["competition"].catalogue.entries]
    for name, occupation, stage, rank, entrants, held in itertools.product(
        [*competitions, "职工技协杯", "别的竞赛", None],
        ["茶艺师", "保育员", None],
        ["final", "semifinal", None],
        [1, 2, 5, 6, 10, 11, None],
        [99, 100, 334, 335, None],
        [True, False, None],
    ):
        if stage == "final" and held is False:
            continue  # a contradiction, refused when read (test_engine_2016)
        cert = {"kind": "competition", "competition": name, "occupation": occupation,
                "stage": stage, "rank": rank, "entrants": entrants, "final_held": held,
                "issued_on": "2016-10-01"}  # fmt: skip
        yield {**base, "member": members[0], "certificate": cert}
    for kind in ("skill_level", "special_ability"):
        yield {**base, "certificate": {"kind": kind, "occupation": "电工", "level": 3}}


def decisions(policies: PolicySet) -> Iterator[tuple[dict[str, Any], Decision]]:
    for policy in policies:
        cases = _cases_2016(policy) if policy.id == "bj-2016-union-boost" else _cases_2026(policy)
        for data in cases:
            yield data, decide(policy, application_from_mapping(data, policies.policies))


def test_every_quotation_the_engine_writes_is_the_documents_own_text(policies: PolicySet):
    seen_rules: set[str] = set()
    seen_sources: set[tuple[str, str]] = set()
    count = 0
    for _data, decision in decisions(policies):
        count += 1
        document = policies.get(decision.scheme)
        assert document is not None
        for finding in decision.findings:
            seen_rules.add(finding.rule)
            seen_sources.add((decision.scheme, finding.source))
    assert count > 2000
    problems = []
    texts = {p.id: document_text(p.document.file) for p in policies}
    for scheme, source in sorted(seen_sources):
        for pieces in rendered_quotations(source):
            problem = check_pieces(pieces, texts[scheme])
            if problem is not None:
                problems.append(f"{scheme}：{source}\n    {problem}")
    assert not problems, "\n".join(problems)
    # Every rule the engine knows was reached, so no path went unchecked.
    assert seen_rules >= {
        "scheme.kind", "catalogue.entry", "certificate.level", "certificate.grade",
        "competition.name", "competition.occupation", "competition.stage", "competition.rank",
        "competition.entrants", "competition.final_held", "member.card",
        "member.union_affiliated", "member.full_time_union_social_worker", "member.key_group",
        "certificate.issued_on", "application.deadline", "certificate.date_order", "amount",
    }  # fmt: skip


def test_the_stored_sources_of_every_path_carry_a_quotation_or_a_place(policies: PolicySet):
    """A finding's source is never empty, and every amount is cited with the document's words."""
    for _data, decision in itertools.islice(decisions(policies), 0, None, 7):
        for finding in decision.findings:
            assert finding.source.strip(), finding
            if finding.rule == "amount":
                assert rendered_quotations(finding.source), finding
