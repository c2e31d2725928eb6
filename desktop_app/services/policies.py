"""Loading the schemes once per process, for the GUI and the command line alike."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from desktop_app.domain.policy import Policy, PolicyError, PolicySet, load_directory
from desktop_app.paths import policies_dir


class SchemeUnavailableError(Exception):
    """A scheme that was asked for but could not be loaded. Message in Chinese."""


@cache
def _load(folder: Path) -> PolicySet:
    return load_directory(folder)


def policy_set(folder: Path | None = None) -> PolicySet:
    """All schemes in `folder` (default: the program's policies folder), loaded once."""
    return _load((folder or policies_dir()).resolve())


def get_policy(scheme_id: str, policies: PolicySet) -> Policy:
    policy = policies.get(scheme_id)
    if policy is not None:
        return policy
    for error in policies.errors:
        if scheme_id in error.file:
            raise SchemeUnavailableError(str(error))
    raise SchemeUnavailableError(f"找不到补助方案“{scheme_id}”")


def refused_files(policies: PolicySet) -> list[PolicyError]:
    return list(policies.errors)
