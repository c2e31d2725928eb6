"""Properties: the engine and the quote input reader never fail on any JSON-shaped input."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop_app.domain.engine import decide
from desktop_app.domain.facts import Application, CertificateFacts, InputError, MemberFacts
from desktop_app.domain.policy import KINDS, PolicySet
from desktop_app.services.quote import quote_mapping

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=25,
)

KEYS = ["scheme", "applied_on", "member", "certificate", "kind", "occupation", "level", "grade",
        "issued_on", "stage", "rank", "entrants", "final_held", "card_number", "union_affiliated",
        "full_time_union_social_worker", "key_group", "competition"]  # fmt: skip
near_values = st.one_of(
    json_values,
    st.sampled_from(
        [
            "bj-2026-skills",
            "bj-2016-union-boost",
            *KINDS,
            "final",
            "semifinal",
            "senior",
            "assistant",
            "2016-06-01",
            "2017-12-31",
            "电工",
            "保育员",
            "6217000010001234569",
            "4-02-04-06",
        ]
    ),
    st.integers(min_value=-2, max_value=400),
)
near_objects = st.recursive(
    near_values,
    lambda children: st.dictionaries(st.sampled_from(KEYS), children, max_size=8),
    max_leaves=30,
)

INPUT_PATH = re.compile(r"\b(member|certificate|competition)\.[a-z_]+|\bapplied_on\b")
AMOUNTS = {0, 800, 1000, 1200, 1500, 1800, 2000, 2400}
# As many examples as the profile says (tests/conftest.py: 60 while editing, 400 in CI).
SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check_decision_or_input_error(policies: PolicySet, data: object) -> None:
    try:
        decision = quote_mapping(data, policies)
    except InputError as exc:
        assert exc.field and exc.message
        return
    assert decision.amount in AMOUNTS
    assert decision.eligible == (decision.amount > 0)
    assert decision.eligible == all(f.passed for f in decision.findings)
    assert decision.findings
    for finding in decision.findings:
        assert finding.message and finding.source and finding.rule
        # What the clerk reads names facts in Chinese, never an input path.
        assert not INPUT_PATH.search(finding.message), finding.message
        assert finding.passed or finding.missing or decision.refused


@SETTINGS
@given(data=json_values)
def test_any_json_value_gives_a_decision_or_an_input_error(policies, data):
    check_decision_or_input_error(policies, data)


@SETTINGS
@given(data=near_objects)
def test_near_valid_applications_give_a_decision_or_an_input_error(policies, data):
    check_decision_or_input_error(policies, data)


@SETTINGS
@given(
    scheme=st.sampled_from(["bj-2026-skills", "bj-2016-union-boost"]),
    kind=st.sampled_from(list(KINDS)),
    occupation=st.none() | st.sampled_from(["电工", "保育员", "社会工作者", "家电清洗", "", "x"]),
    level=st.none() | st.integers(-10, 10),
    grade=st.none() | st.sampled_from(["assistant", "intermediate", "senior", "bogus"]),
    stage=st.none() | st.sampled_from(["final", "semifinal", "quarterfinal"]),
    rank=st.none() | st.integers(-5, 50),
    entrants=st.none() | st.integers(-5, 1000),
    final_held=st.none() | st.booleans(),
    dates=st.tuples(st.none() | st.dates(), st.none() | st.dates()),
    card=st.none() | st.text(max_size=25),
    flags=st.tuples(*(st.none() | st.booleans() for _ in range(3))),
)
def test_engine_never_raises_even_on_facts_the_reader_would_refuse(
    policies, scheme, kind, occupation, level, grade, stage, rank, entrants, final_held, dates,
    card, flags,
):  # fmt: skip
    application = Application(
        scheme=scheme,
        applied_on=dates[0],
        member=MemberFacts(card, *flags),
        certificate=CertificateFacts(
            kind, occupation, level, grade, dates[1], None, stage, rank, entrants, final_held
        ),
    )
    decision = decide(policies.get(scheme), application)
    assert decision.amount in AMOUNTS
    assert decision.eligible == (decision.amount > 0)
    assert decision.eligible == all(f.passed for f in decision.findings)
