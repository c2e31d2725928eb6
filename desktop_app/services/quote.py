"""Use case: compute the subsidy decision for one application."""

from __future__ import annotations

import json
from typing import Any

from desktop_app.domain.engine import Decision, decide
from desktop_app.domain.facts import Application, InputError, application_from_mapping
from desktop_app.domain.policy import PolicySet
from desktop_app.services.policies import get_policy, policy_set


def quote_application(application: Application, policies: PolicySet | None = None) -> Decision:
    """The subsidy decision for `application` under the policy version in force on its
    registration date (the one engine call of the program)."""
    policies = policies or policy_set()
    return decide(get_policy(application.scheme, policies, application.applied_on), application)


def quote_mapping(data: Any, policies: PolicySet | None = None) -> Decision:
    """Decide an application given in the `quote` JSON shape (already parsed)."""
    policies = policies or policy_set()
    known = set(policies.policies) | {error.file.removesuffix(".toml") for error in policies.errors}
    return quote_application(application_from_mapping(data, known), policies)


def quote_text(text: str, policies: PolicySet | None = None) -> Decision:
    """Decide an application given as JSON text; InputError for anything malformed."""
    return quote_mapping(parse_json(text), policies)


def parse_json(text: str) -> Any:
    """JSON input (`quote`, `apply`) as Python values; InputError saying where it is not JSON."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            "(输入)", f"不是合法的 JSON（第{exc.lineno}行第{exc.colno}列：{exc.msg}）"
        ) from None
    except RecursionError:
        raise InputError("(输入)", "JSON 嵌套过深") from None
