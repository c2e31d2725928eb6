"""Loading the schemes once per process, for the GUI and the command line alike.

The shipped files (`resources/policies/`, or `UNION_COUNTER_POLICIES`) and every version
written by catalogue import (`<data folder>/policies/<scheme>/<effective>-<sha8>.toml`) make
one `PolicySet`. The set is loaded again only when the versions folder's files change (or the
day changes), so an import is seen by the next call without restarting.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path

from desktop_app.domain.policy import Policy, PolicyError, PolicySet, load_directory
from desktop_app.errors import EXIT_POLICY, ClerkError
from desktop_app.paths import policies_dir


class SchemeUnavailableError(ClerkError):
    """A scheme that was asked for but could not be loaded. Message in Chinese."""

    exit_code = EXIT_POLICY


def versions_dir() -> Path:
    """Where imported catalogue versions and new schemes are kept (never deleted)."""
    from desktop_app.services.machine_settings import data_folder

    return data_folder() / "policies"


def _listing(folder: Path) -> tuple[tuple[str, int, int], ...]:
    try:
        return tuple(
            sorted(
                (str(p.relative_to(folder)), p.stat().st_mtime_ns, p.stat().st_size)
                for p in folder.glob("*/*.toml")
            )
        )
    except OSError:
        return ()


@lru_cache(maxsize=8)
def _load(
    folder: Path, versions: Path, listing: tuple[tuple[str, int, int], ...], today: date
) -> PolicySet:
    del listing  # part of the cache key only
    return load_directory(folder, versions=versions, today=today)


def policy_set(folder: Path | None = None, *, today: date | None = None) -> PolicySet:
    """All schemes in `folder` (default: the program's policies folder) with their imported
    versions; loaded once, again after an import."""
    versions = versions_dir()
    return _load(
        (folder or policies_dir()).resolve(), versions, _listing(versions), today or date.today()
    )


def reload() -> None:
    """Forget the loaded schemes (after an import in this process)."""
    _load.cache_clear()


def get_policy(scheme_id: str, policies: PolicySet, on: date | None = None) -> Policy:
    """The scheme's version in effect on `on` (None: the current version)."""
    policy = policies.in_effect(scheme_id, on)
    if policy is not None:
        return policy
    for error in policies.errors:
        if scheme_id in error.file:
            raise SchemeUnavailableError(str(error))
    raise SchemeUnavailableError(f"找不到补助方案“{scheme_id}”")


def policy_by_sha256(sha256: str, policies: PolicySet | None = None) -> Policy | None:
    """The version a stored decision was computed with, if this computer keeps it."""
    return (policies or policy_set()).by_sha256(sha256)


def refused_files(policies: PolicySet) -> list[PolicyError]:
    """The policy files that could not be used, with why (shown at start and in 设置)."""
    return list(policies.errors)
