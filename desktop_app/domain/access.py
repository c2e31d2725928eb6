"""Who may do what: the roles and their permissions, and the signed-in account as a value.

The table is data (`resources/access/roles.toml`): each role has a Chinese label, a scope
(`station`: its own station's applications only; `district`: every station's in the database)
and the permissions it holds; each permission has the label a refused clerk reads. The services
check a permission (`services/permissions.py`); the window only hides what a role lacks.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SCOPES = ("station", "district")


class RolesFileError(Exception):
    """The roles file cannot be used (a program fault: it ships with the program)."""


@dataclass(frozen=True)
class Role:
    code: str
    label: str
    scope: str
    permissions: frozenset[str]


@dataclass(frozen=True)
class RoleTable:
    roles: dict[str, Role]
    labels: dict[str, str]  # permission → Chinese label

    def role(self, code: str) -> Role:
        try:
            return self.roles[code]
        except KeyError:
            raise KeyError(f"unknown role {code!r}") from None

    def label(self, permission: str) -> str:
        return self.labels.get(permission, permission)


def parse_roles(text: str) -> RoleTable:
    """The table a roles file holds; RolesFileError when it does not hold one."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RolesFileError(f"roles file: {exc}") from None
    labels = data.get("permissions")
    if not isinstance(labels, dict) or not labels:
        raise RolesFileError("roles file: no [permissions] table")
    roles: dict[str, Role] = {}
    for code, entry in (data.get("roles") or {}).items():
        granted = entry.get("permissions", [])
        unknown = sorted(set(granted) - set(labels))
        if unknown:
            raise RolesFileError(f"role {code}: unknown permissions {unknown}")
        if entry.get("scope") not in SCOPES:
            raise RolesFileError(f"role {code}: scope must be one of {SCOPES}")
        roles[code] = Role(code, str(entry["label"]), entry["scope"], frozenset(granted))
    if "admin" not in roles:
        raise RolesFileError("roles file: no admin role")
    return RoleTable(roles, {str(k): str(v) for k, v in labels.items()})


@cache
def load_roles(path: Path) -> RoleTable:
    return parse_roles(path.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class SignedIn:
    """The account a window or a command acts as, once its password was checked."""

    account_id: int
    username: str
    name: str  # the person's name, as the audit trail shows it
    role: Role
    station_code: str | None  # the station of a station-scoped role

    @property
    def label(self) -> str:
        """How every audit event names this person: 姓名（用户名）, at most 64 characters."""
        return f"{self.name}（{self.username}）"[:64]

    def may(self, permission: str) -> bool:
        return permission in self.role.permissions

    @property
    def station_only(self) -> str | None:
        """The one station whose applications this account sees, None for every station's."""
        return self.station_code if self.role.scope == "station" else None
