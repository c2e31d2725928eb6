"""Use case: set a district's shared PostgreSQL server up for per-station access (`union-counter
server setup`, issue 18 part 3), run by the district's administrator as the database owner.

Opening the database first creates or upgrades the program's tables as always (after a
`pg_dump` into the administrator's backups folder); then the roles, the grants and the
row-level security policies are made (storage/server_roles.py). Running it again changes
nothing; running it with another `--station` adds that station. A password, when given, is
set for one role per run and lets that role log in.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from desktop_app.errors import ClerkError
from desktop_app.services import audit_trail, permissions
from desktop_app.services.accounts import LOCK_MINUTES, MAX_FAILURES
from desktop_app.services.store import open_store
from desktop_app.storage import audit, server_roles
from desktop_app.storage.database import Store
from desktop_app.storage.errors import StoreError

DISTRICT = "district"  # `--password-for district`: the district's read-only login
DISTRICT_WRITER = "district-rw"  # `--password-for district-rw`: the district's working login


class SetupError(ClerkError):
    """A setup that cannot run as asked (not PostgreSQL, not the owner, a bad code)."""


@dataclass(frozen=True)
class StationRole:
    code: str
    role: str
    created: bool
    can_log_in: bool


@dataclass(frozen=True)
class SetupResult:
    schema: str
    owner: str
    stations: tuple[StationRole, ...]
    district_role: str
    district_can_log_in: bool
    district_writer: str = server_roles.DISTRICT_WRITER
    district_writer_can_log_in: bool = False
    password_set_for: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def lines(self) -> list[str]:
        lines = [
            f"已在数据库的 {self.schema} 模式中设置按服务站划分的权限"
            f"（数据表所有者：{self.owner}）。"
        ]
        for station in self.stations:
            state = "可以登录" if station.can_log_in else "尚未设密码，不能登录"
            made = "新建" if station.created else "已有"
            lines.append(f"服务站 {station.code}：数据库账户 {station.role}（{made}，{state}）")
        district_state = "可以登录" if self.district_can_log_in else "尚未设密码，不能登录"
        writer_state = "可以登录" if self.district_writer_can_log_in else "尚未设密码，不能登录"
        lines.append(
            f"区总工会工作账户：{self.district_writer}（登录、报送/退回、导入交换文件；"
            f"{writer_state}）"
        )
        lines.append(f"区总工会只读账户：{self.district_role}（供审计查询；{district_state}）")
        if self.password_set_for:
            lines.append(f"已为 {self.password_set_for} 设置密码。")
        lines.extend(self.notes)
        return lines


def _check_codes(codes: Sequence[str]) -> list[str]:
    checked: list[str] = []
    for code in codes:
        value = code.strip().upper()
        try:
            server_roles.station_role(value)
        except ValueError:
            raise SetupError(
                f"服务站代码“{code}”不对：应为 2–8 位大写字母或数字，如 XC01。", field="--station"
            ) from None
        if value not in checked:
            checked.append(value)
    return checked


def _retrying(action: str, attempt: object) -> None:
    """Roles belong to the whole server: another database's setup at the same moment may
    touch the same group role ("tuple concurrently updated"). Try a few times."""
    for tries in range(5):
        try:
            attempt()  # type: ignore[operator]
            return
        except StoreError:
            raise
        except Exception as exc:
            # (SQLAlchemy's errors carry the driver's as `orig`; set_password's is the driver's.)
            state = getattr(getattr(exc, "orig", exc), "sqlstate", None)
            if state not in ("XX000", "40001", "42710", "23505") or tries == 4:
                raise
            time.sleep(0.1 * (tries + 1))
    raise AssertionError(action)  # pragma: no cover


def setup_server(
    db_url: str | None,
    stations: Sequence[str],
    *,
    actor: str,
    district: str = "",
    password_for: str | None = None,
    password: str | None = None,
    home: Path | None = None,
    now: datetime | None = None,
) -> SetupResult:
    """Create (idempotently) the station roles, the district's reader, the grants and the
    row-level security on the database `db_url`."""
    codes = _check_codes(stations)
    target_role: str | None = None
    if password_for is not None:
        if password_for.lower() == DISTRICT:
            target_role = server_roles.DISTRICT_ROLE
        elif password_for.lower() == DISTRICT_WRITER:
            target_role = server_roles.DISTRICT_WRITER
        else:
            (code,) = _check_codes([password_for])
            if code not in codes:
                codes.append(code)
            target_role = server_roles.station_role(code)
        if not password:
            raise SetupError("密码不能为空。", field="--password-from-file")
    store = open_store(db_url, home, auto_backup=False)
    try:
        return _setup(store, codes, actor, district, target_role, password, now)
    finally:
        store.dispose()


def _setup(
    store: Store,
    codes: list[str],
    actor: str,
    district: str,
    target_role: str | None,
    password: str | None,
    now: datetime | None,
) -> SetupResult:
    if store.backend != "postgresql":
        raise SetupError(
            "server setup 只用于全区共用的 PostgreSQL 服务器：请用 --db 给出服务器地址，"
            "如 postgresql://counter@服务器/union_counter。"
        )
    with store.bare_connection() as connection:
        schema = server_roles.program_schema(connection)
        assert schema is not None  # open_store made the tables
        owner = server_roles.table_owner(connection, schema)
        allowed = server_roles.may_set_up(connection, owner)
        connection.rollback()
    if not allowed:
        raise SetupError(
            f"server setup 须由数据库所有者（{owner}，且有 CREATEROLE 权限）或超级用户运行。"
            "请换用所有者账户，例如 sudo -u postgres union-counter server setup …"
        )
    created: dict[str, bool] = {}

    def make_roles() -> None:
        with store.bare_connection() as connection:
            for group in (server_roles.COUNTER_GROUP, server_roles.READER_GROUP):
                with connection.begin():
                    server_roles.ensure_role(connection, group)
            with connection.begin():
                server_roles.ensure_role(
                    connection, server_roles.DISTRICT_ROLE, member_of=server_roles.READER_GROUP
                )
            with connection.begin():
                server_roles.ensure_role(connection, server_roles.DISTRICT_WRITER)
            for code in codes:
                role = server_roles.station_role(code)
                with connection.begin():
                    made = server_roles.ensure_role(
                        connection, role, member_of=server_roles.COUNTER_GROUP
                    )
                created[code] = created.get(code, False) or made

    _retrying("roles", make_roles)
    moment = (now or datetime.now()).replace(microsecond=0)
    # The audit head and the rows' sum exist before any counter writes (a station's role sees
    # only its own rows and could not seal every row).
    with store.session(write=True) as session:
        audit.seal_once(session, at=moment, actor=actor, station_code="")

    def apply() -> None:
        with store.bare_connection() as connection, connection.begin():
            known = {code for code, _role, _d in server_roles.stations_set_up(connection, schema)}
            rows = [
                server_roles.Station(code, server_roles.station_role(code), district)
                for code in sorted(known | set(codes))
            ]
            server_roles.apply_setup(
                connection, schema, rows, station_scoped, (MAX_FAILURES, LOCK_MINUTES)
            )
            if target_role is not None and password is not None:
                server_roles.set_password(connection, target_role, password)

    table = permissions.roles()
    station_scoped = sorted(code for code, role in table.roles.items() if role.scope == "station")
    _retrying("setup", apply)
    with store.bare_connection() as connection:
        every = server_roles.stations_set_up(connection, schema)
        roles = tuple(
            StationRole(
                code, role, created.get(code, False), server_roles.can_log_in(connection, role)
            )
            for code, role, _district in every
        )
        district_login = server_roles.can_log_in(connection, server_roles.DISTRICT_ROLE)
        writer_login = server_roles.can_log_in(connection, server_roles.DISTRICT_WRITER)
        connection.rollback()
    with store.session(write=True) as session:
        audit_trail.record_in(
            session,
            at=moment,
            actor=actor,
            station_code="",
            action="setup",
            entity="server",
            entity_ref="server",
            details={
                "stations": [r.code for r in roles],
                "district": district,
                "password_set_for": target_role,
            },
        )
    notes = (
        "各柜台在“设置”中把数据库地址改为本站的账户（如 postgresql://"
        f"{roles[0].role if roles else 'uc_station_xc01'}@服务器/库名），"
        "并用“设置 → 数据库密码”保存密码。",
        "以后每次升级程序后，请用所有者账户再运行一次 server setup（先升级数据表，再更新权限）。",
    )
    return SetupResult(
        schema=schema,
        owner=owner,
        stations=roles,
        district_role=server_roles.DISTRICT_ROLE,
        district_can_log_in=district_login,
        district_writer_can_log_in=writer_login,
        password_set_for=target_role,
        notes=notes,
    )
