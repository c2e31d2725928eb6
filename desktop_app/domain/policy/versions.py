"""A folder of schemes: the shipped files, the versions catalogue import wrote, and the files
the program once shipped and replaced; which version is in effect on a day, and which one a
stored decision's fingerprint names."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from desktop_app.domain.policy.loader import load_policy
from desktop_app.domain.policy.model import Policy, PolicyError
from desktop_app.domain.policy.vocabulary import LEVEL_LABELS


@dataclass
class PolicySet:
    """All schemes found in a folder, and the files that were refused.

    `policies` holds, per scheme, the version in effect on the day the set was loaded (the
    only version when no catalogue was ever imported). `versions` holds every version of each
    scheme, oldest first: the shipped file, then each imported catalogue by effective date.
    """

    policies: dict[str, Policy]
    errors: list[PolicyError]
    versions: dict[str, tuple[Policy, ...]] = field(default_factory=dict)
    # Files the program shipped before and replaced (`superseded/`): never in effect, kept so
    # the fingerprint of a decision computed with one still finds it.
    superseded: tuple[Policy, ...] = ()

    def get(self, scheme_id: str) -> Policy | None:
        return self.policies.get(scheme_id)

    def level_label(self, scheme_id: str, level: int) -> str:
        """A level's name in the scheme's own words (the national name if it is unknown)."""
        policy = self.policies.get(scheme_id)
        if policy is not None:
            return policy.level_label(level)
        return LEVEL_LABELS.get(level, f"{level}级")

    def __iter__(self) -> Any:
        return iter(self.policies.values())

    def history(self, scheme_id: str) -> tuple[Policy, ...]:
        """Every version of a scheme, oldest first."""
        found = self.versions.get(scheme_id)
        if found:
            return found
        current = self.policies.get(scheme_id)
        return (current,) if current is not None else ()

    def in_effect(self, scheme_id: str, on: date | None) -> Policy | None:
        """The version in effect on `on`: the newest whose effective date is on or before it.

        A scheme that only starts later (a new scheme) gives its first version; `on` None
        gives the current version."""
        if on is None:
            return self.policies.get(scheme_id)
        return _in_effect(self.history(scheme_id), on)

    def by_sha256(self, sha256: str) -> Policy | None:
        """The version whose file has this SHA-256 (what every decision records)."""
        for versions in self.versions.values():
            for policy in versions:
                if policy.sha256 == sha256:
                    return policy
        for policy in self.policies.values():
            if policy.sha256 == sha256:
                return policy
        for policy in self.superseded:
            if policy.sha256 == sha256:
                return policy
        return None


def _in_effect(versions: Sequence[Policy], on: date) -> Policy | None:
    if not versions:
        return None
    chosen = versions[0]
    for policy in versions:
        if policy.effective is None or policy.effective <= on:
            chosen = policy
    return chosen


def _order(versions: list[Policy]) -> tuple[Policy, ...]:
    """Oldest first: by effective date (the shipped file first), then along `based_on`
    (a version made from another with the same effective date replaces it)."""
    by_sha = {p.sha256: p for p in versions}

    def depth(policy: Policy) -> int:
        seen = {policy.sha256}
        count = 0
        while policy.based_on in by_sha and policy.based_on not in seen:
            policy = by_sha[policy.based_on]
            seen.add(policy.sha256)
            count += 1
        return count

    return tuple(sorted(versions, key=lambda p: (p.effective or date.min, depth(p), p.sha256)))


def load_directory(
    folder: Path, *, versions: Path | None = None, today: date | None = None
) -> PolicySet:
    """The shipped files of `folder`; with `versions`, also every imported version kept in
    `versions/<scheme>/*.toml`. Each scheme's current version is the one in effect `today`."""
    policies: dict[str, Policy] = {}
    errors: list[PolicyError] = []
    try:
        files = sorted(folder.glob("*.toml"))
    except OSError as exc:
        errors.append(PolicyError(str(folder), "", f"无法读取目录（{exc}）"))
        files = []
    for file in files:
        try:
            policy = load_policy(file)
        except PolicyError as exc:
            errors.append(exc)
            continue
        if policy.id in policies:
            other = policies[policy.id].path.name
            errors.append(PolicyError(file.name, "id", f"方案编号“{policy.id}”与 {other} 重复"))
            continue
        policies[policy.id] = policy
    superseded = _load_superseded(folder / SUPERSEDED, errors)
    if versions is None:
        return PolicySet(policies, errors, {pid: (p,) for pid, p in policies.items()}, superseded)
    found: dict[str, list[Policy]] = {pid: [p] for pid, p in policies.items()}
    for scheme_id, policy_or_error in _load_versions(versions):
        if isinstance(policy_or_error, PolicyError):
            errors.append(policy_or_error)
            continue
        mine = found.setdefault(scheme_id, [])
        if all(p.sha256 != policy_or_error.sha256 for p in mine):
            mine.append(policy_or_error)
    ordered = {pid: _order(items) for pid, items in found.items()}
    on = today or date.today()
    current: dict[str, Policy] = {}
    for pid, items in ordered.items():
        chosen = _in_effect(items, on)
        if chosen is not None:
            current[pid] = chosen
    return PolicySet(current, errors, ordered, superseded)


SUPERSEDED = "superseded"


def _load_superseded(folder: Path, errors: list[PolicyError]) -> tuple[Policy, ...]:
    """The replaced shipped files, `superseded/<scheme>-<sha8>.toml`; a file whose content
    does not match its name's fingerprint is refused."""
    try:
        files = sorted(folder.glob("*.toml"))
    except OSError:
        return ()
    found: list[Policy] = []
    for file in files:
        label = f"{SUPERSEDED}/{file.name}"
        try:
            policy = load_policy(file)
        except PolicyError as exc:
            errors.append(PolicyError(label, exc.entry, exc.problem))
            continue
        if file.stem != f"{policy.id}-{policy.sha256[:8]}":
            errors.append(
                PolicyError(label, "", f"文件名应为 {policy.id}-{policy.sha256[:8]}.toml")
            )
            continue
        found.append(policy)
    return tuple(found)


def _load_versions(folder: Path) -> Iterable[tuple[str, Policy | PolicyError]]:
    try:
        files = sorted(folder.glob("*/*.toml"))
    except OSError as exc:
        yield "", PolicyError(str(folder), "", f"无法读取目录（{exc}）")
        return
    for file in files:
        scheme_id = file.parent.name
        label = f"{scheme_id}/{file.name}"
        try:
            policy = load_policy(file)
        except PolicyError as exc:
            yield scheme_id, PolicyError(label, exc.entry, exc.problem)
            continue
        if policy.id != scheme_id:
            yield (
                scheme_id,
                PolicyError(label, "id", f"方案编号“{policy.id}”与所在文件夹“{scheme_id}”不符"),
            )
            continue
        yield scheme_id, policy
