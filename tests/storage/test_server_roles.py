"""Per-station access on a district's PostgreSQL server, enforced by the server (issue 18,
part 3): `server setup` makes the roles, grants and row-level security; each station's role
then sees and changes only its own applications and members — through the program and with
hand-written SQL — the audit table is insert-only, and the district's role reads everything
and writes nothing. Real server only (tests/pg.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from desktop_app.domain.facts import InputError
from desktop_app.domain.ledger_filter import LedgerFilter
from desktop_app.services import audit_trail, ledger_view, station_settings
from desktop_app.services.applications import save_application
from desktop_app.services.backups import make_backup
from desktop_app.services.exchange.batch_export import export_batch
from desktop_app.services.printing import print_to_file
from desktop_app.services.server_setup import SetupError, setup_server
from desktop_app.services.status import change_status
from desktop_app.services.store import open_store
from desktop_app.storage import server_roles
from desktop_app.storage.database import Store
from desktop_app.storage.errors import (
    BackupError,
    DuplicateClaimError,
    PermissionDeniedError,
)
from tests.storage.conftest import CLERK, NOW, apply_input, make_id

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _as(url: str, role: str) -> str:
    return make_url(url).set(username=role, password=None).render_as_string(hide_password=False)


@dataclass
class District:
    owner_url: str
    a: str  # station codes, unique per test (roles are the whole server's)
    b: str
    tmp: Path

    def url(self, role: str) -> str:
        return _as(self.owner_url, role)

    def station_store(self, code: str) -> Store:
        home = self.tmp / f"home-{code}"
        store = open_store(self.url(server_roles.station_role(code)), home, now=NOW)
        station_settings.save_station(
            store, actor=CLERK, code=code, name=f"{code}服务站", district="西城区", now=NOW
        )
        return store

    def sql(self, role: str) -> Connection:
        engine = create_engine(self.url(role), poolclass=NullPool)
        return engine.connect()


def _setup(district: District, *codes: str, password_for: str | None = None) -> Any:
    return setup_server(
        district.owner_url,
        list(codes),
        actor="区管理员",
        district="西城区",
        password_for=password_for,
        password="测试密码-1" if password_for else None,
        home=district.tmp / "admin",
        now=NOW,
    )


@pytest.fixture
def district(pg_url: str, tmp_path: Path) -> Iterator[District]:
    tag = uuid.uuid4().hex[:5].upper()
    found = District(pg_url, f"A{tag}", f"B{tag}", tmp_path)
    try:
        # One password per run; the test server trusts local logins once a role may log in.
        _setup(found, found.a, found.b, password_for=found.a)
        _setup(found, password_for=found.b)
        _setup(found, password_for="district")
        _setup(found, password_for="district-rw")
        yield found
    finally:
        _drop_roles_later.extend(server_roles.station_roles_of([found.a, found.b]))


# Roles are dropped once the test's database is gone (tests/pg.py drops it after this fixture).
_drop_roles_later: list[str] = []


@pytest.fixture(autouse=True)
def _drop_station_roles(pg_templates: Any) -> Iterator[None]:
    yield
    if not _drop_roles_later:
        return
    engine = create_engine(pg_templates.server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with engine.connect() as connection:
        for role in list(_drop_roles_later):
            try:
                connection.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
                _drop_roles_later.remove(role)
            except DBAPIError:
                pass  # still in a database being dropped: next time
    engine.dispose()


def _save(store: Store, serial: int, **changes: Any) -> str:
    return save_application(store, apply_input(serial, **changes), clerk=CLERK, now=NOW).receipt


def _refused(connection: Connection, sql: str, **params: Any) -> str:
    """The SQLSTATE the server refuses `sql` with (the transaction rolled back)."""
    with pytest.raises(DBAPIError) as caught:
        connection.execute(text(sql), params)
    connection.rollback()
    return str(getattr(caught.value.orig, "sqlstate", ""))


def _count(connection: Connection, sql: str, **params: Any) -> int:
    value = connection.execute(text(sql), params).scalar_one()
    connection.rollback()
    return int(value)


def test_a_station_sees_and_changes_only_its_own_rows(district: District) -> None:
    a, b = district.station_store(district.a), district.station_store(district.b)
    try:
        mine = _save(a, 1)
        theirs = _save(b, 2)
        assert [row.receipt for row in ledger_view.ledger(a, LedgerFilter())] == [mine]
        assert [row.receipt for row in ledger_view.ledger(b, LedgerFilter())] == [theirs]
    finally:
        a.dispose()
        b.dispose()
    with district.sql(server_roles.station_role(district.a)) as sql:
        assert _count(sql, "SELECT count(*) FROM application") == 1
        assert _count(sql, "SELECT count(*) FROM application WHERE receipt = :r", r=theirs) == 0
        assert _count(sql, "SELECT count(*) FROM member") == 1
        assert _count(sql, "SELECT count(*) FROM member WHERE id_number = :n", n=make_id(2)) == 0
        assert _count(sql, "SELECT count(*) FROM receipt_counter") == 1
        # Writing B's rows: nothing to write (they are not there for A) or refused outright.
        changed = sql.execute(
            text("UPDATE application SET amount = 99999 WHERE receipt = :r"), {"r": theirs}
        )
        assert changed.rowcount == 0
        changed = sql.execute(
            text("UPDATE member SET name = '改' WHERE id_number = :n"), {"n": make_id(2)}
        )
        assert changed.rowcount == 0
        changed = sql.execute(
            text("UPDATE receipt_counter SET last = 0 WHERE prefix LIKE :p"),
            {"p": f"{district.b}-%"},
        )
        assert changed.rowcount == 0
        sql.rollback()
        assert _refused(sql, "DELETE FROM application") == "42501"
        assert _refused(sql, "DELETE FROM member") == "42501"
        # Moving its own application to B, or filing one under B's code: refused.
        assert (
            _refused(
                sql,
                "UPDATE application SET station_code = :b WHERE receipt = :r",
                b=district.b,
                r=mine,
            )
            == "42501"
        )
        columns = [
            c
            for c in sql.execute(
                text(
                    "SELECT column_name FROM information_schema.columns "
                    "WHERE table_name = 'application' AND table_schema = current_schema() "
                    "AND column_name <> 'id' AND is_generated = 'NEVER' "
                    "ORDER BY ordinal_position"
                )
            ).scalars()
        ]
        sql.rollback()
        copied = ", ".join(
            {"receipt": "'X-1'", "station_code": ":b", "live": "NULL", "status": "5"}.get(c, c)
            for c in columns
        )
        planted = (
            f"INSERT INTO application ({', '.join(columns)}) "
            f"SELECT {copied} FROM application WHERE receipt = :r"
        )
        assert _refused(sql, planted, b=district.b, r=mine) == "42501"
        # Its own code, but B's member (known only by its row number): refused too.
        b_member = _member_id(district, make_id(2))
        own_code = copied.replace(":b", ":a").replace("member_id", ":m")
        planted = (
            f"INSERT INTO application ({', '.join(columns)}) "
            f"SELECT {own_code} FROM application WHERE receipt = :r"
        )
        assert _refused(sql, planted, a=district.a, r=mine, m=b_member) == "42501"
        assert _count(sql, "SELECT count(*) FROM uc_member_station") == 1
    with district.sql("postgres") as owner:
        assert _count(owner, "SELECT amount FROM application WHERE receipt = :r", r=theirs) > 0
        assert _count(owner, "SELECT count(*) FROM application") == 2


def _member_id(district: District, id_number: str) -> int:
    with district.sql("postgres") as owner:
        return _count(owner, "SELECT id FROM member WHERE id_number = :n", n=id_number)


def test_a_counter_cannot_rewrite_the_audit_trail_or_the_schema(district: District) -> None:
    a = district.station_store(district.a)
    try:
        _save(a, 1)
    finally:
        a.dispose()
    with district.sql(server_roles.station_role(district.a)) as sql:
        assert _count(sql, "SELECT count(*) FROM audit_event") >= 2
        assert _refused(sql, "UPDATE audit_event SET actor = '别人'") == "42501"
        assert _refused(sql, "DELETE FROM audit_event") == "42501"
        assert _refused(sql, "DELETE FROM audit_head") == "42501"
        assert _refused(sql, "TRUNCATE audit_event") == "42501"
        assert _refused(sql, "ALTER TABLE application ADD COLUMN x integer") == "42501"
        assert _refused(sql, "DROP TABLE audit_event") == "42501"
        assert _refused(sql, "ALTER TABLE application DISABLE ROW LEVEL SECURITY") == "42501"
        assert _refused(sql, "DROP POLICY uc_counter_select ON application") == "42501"
        assert _refused(sql, "CREATE TABLE application_copy (id integer)") == "42501"
        assert _refused(sql, "INSERT INTO uc_station_role VALUES (current_user, 'ZZ', '')") == (
            "42501"
        )
        assert _refused(sql, "INSERT INTO uc_member_station VALUES (1, :a)", a=district.a) == (
            "42501"
        )
        # Becoming B: no SET ROLE to B's role, and no setting the policies read.
        assert _refused(sql, f"SET ROLE {server_roles.station_role(district.b)}") == "42501"
        sql.execute(text("SET ROLE uc_counter"))
        assert _count(sql, "SELECT count(*) FROM application") == 0
        sql.execute(text("RESET ROLE"))
        sql.execute(
            text("SELECT set_config('union_counter.station', :b, false)"), {"b": district.b}
        )
        assert (
            _count(sql, "SELECT count(*) FROM application WHERE station_code = :b", b=district.b)
            == 0
        )
        # An event in another station's name: refused.
        assert (
            _refused(
                sql,
                "INSERT INTO audit_event (id, at, actor, station_code, action, entity, "
                "entity_ref, details, prev_hash, hash) VALUES (999999, now(), 'x', :b, 'x', "
                "'x', 'x', '{}', '', '')",
                b=district.b,
            )
            == "42501"
        )


def test_the_district_reads_every_station_and_writes_nothing(district: District) -> None:
    a, b = district.station_store(district.a), district.station_store(district.b)
    try:
        _save(a, 1)
        theirs = _save(b, 2)
    finally:
        a.dispose()
        b.dispose()
    with district.sql(server_roles.DISTRICT_ROLE) as sql:
        assert _count(sql, "SELECT count(*) FROM application") == 2
        assert _count(sql, "SELECT count(*) FROM member") == 2
        assert _refused(sql, "UPDATE application SET amount = 1 WHERE receipt = :r", r=theirs) == (
            "42501"
        )
        assert _refused(sql, "INSERT INTO term (text) VALUES ('区里写的')") == "42501"
        assert _refused(sql, "DELETE FROM audit_event") == "42501"
    reader = open_store(district.url(server_roles.DISTRICT_ROLE), district.tmp / "district")
    try:
        assert len(ledger_view.ledger(reader, LedgerFilter())) == 2
        result = audit_trail.verify_audit(reader)
        assert result.ok, result.message
        assert result.rows == 4  # both stations' applications and members, and their sum
        with pytest.raises(PermissionDeniedError):
            change_status(reader, theirs, "printed", actor="区经办人", now=NOW)
    finally:
        reader.dispose()


def _catalogue(district: District) -> list[Any]:
    with district.sql("postgres") as owner:
        state = [
            sorted(
                map(
                    tuple,
                    owner.execute(
                        text(
                            "SELECT tablename, policyname, cmd, roles::text, qual, with_check "
                            "FROM pg_policies WHERE schemaname = current_schema()"
                        )
                    ).all(),
                )
            ),
            sorted(
                map(
                    tuple,
                    owner.execute(
                        text(
                            "SELECT c.relname, c.relacl::text, c.relrowsecurity, "
                            "c.relforcerowsecurity FROM pg_class c "
                            "WHERE c.relnamespace = current_schema()::regnamespace"
                        )
                    ).all(),
                )
            ),
            sorted(
                map(
                    tuple,
                    owner.execute(
                        text(
                            "SELECT r.rolname, r.rolcanlogin, m.rolname FROM pg_roles r "
                            "LEFT JOIN pg_auth_members am ON am.member = r.oid "
                            "LEFT JOIN pg_roles m ON m.oid = am.roleid "
                            "WHERE r.rolname LIKE 'uc\\_%' AND (r.rolname NOT LIKE 'uc\\_station\\_%' "
                            "OR r.rolname IN (:a, :b))"
                        ),
                        # Only this test's stations: other tests make roles of their own at
                        # the same time (roles belong to the whole server).
                        {
                            "a": server_roles.station_role(district.a),
                            "b": server_roles.station_role(district.b),
                        },
                    ).all(),
                )
            ),
            owner.execute(text("SELECT * FROM uc_station_role ORDER BY 1")).all(),
            owner.execute(
                text("SELECT datacl::text FROM pg_database WHERE datname = current_database()")
            ).all(),
        ]
        owner.rollback()
    return state


def test_setup_twice_changes_nothing_and_a_station_added_later_works(district: District) -> None:
    a = district.station_store(district.a)
    try:
        _save(a, 1)
    finally:
        a.dispose()
    before = _catalogue(district)
    result = _setup(district, district.a, district.b)
    assert _catalogue(district) == before
    assert {s.code for s in result.stations} == {district.a, district.b}
    assert all(s.can_log_in for s in result.stations)
    later = "C" + district.a[1:]
    try:
        _setup(district, later, password_for=later)
        c = district.station_store(later)
        try:
            _save(c, 3)
            assert len(ledger_view.ledger(c, LedgerFilter())) == 1
        finally:
            c.dispose()
    finally:
        _drop_roles_later.append(server_roles.station_role(later))
    with pytest.raises(SetupError):
        _setup(district, "x-1")


def test_a_member_who_applied_elsewhere_is_found_and_the_claim_held_elsewhere_named(
    district: District,
) -> None:
    a, b = district.station_store(district.a), district.station_store(district.b)
    try:
        theirs = _save(b, 7)
        # The same person, another claim at A: saved, on the same member row.
        other_claim = {"certificate.occupation": "保安员", "certificate.level": 4}
        mine = _save(a, 7, **other_claim)
        assert [row.receipt for row in ledger_view.ledger(a, LedgerFilter())] == [mine]
        # The same claim at A: refused, naming B's application (receipt, station, date).
        with pytest.raises(DuplicateClaimError) as caught:
            _save(a, 7)
        assert theirs in caught.value.message
        assert caught.value.first["station_code"] == district.b
        assert caught.value.first["applied_on"] == date(2026, 11, 21).isoformat()
        # A's status changes, prints, exports and its audit check work on its own rows.
        change_status(a, mine, "printed", actor=CLERK, now=NOW)
        out = district.tmp / "form.pdf"
        print_to_file(a, [mine], out, actor=CLERK, now=NOW)
        assert out.stat().st_size > 0
        export = export_batch(a, district.tmp / "a.xlsx", actor=CLERK, now=NOW)
        assert export.manifest is not None and export.manifest.count == 1
        check = audit_trail.verify_audit(a)
        assert check.ok, check.message
        assert "本站" in check.message
        # B never sees A's application; both see the one member row they share.
        assert [row.receipt for row in ledger_view.ledger(b, LedgerFilter())] == [theirs]
    finally:
        a.dispose()
        b.dispose()
    with district.sql("postgres") as owner:
        assert _count(owner, "SELECT count(*) FROM member WHERE id_number = :n", n=make_id(7)) == 1
    with district.sql(server_roles.station_role(district.a)) as sql:
        assert _count(sql, "SELECT count(*) FROM application") == 1


def test_what_only_the_owner_may_do_is_refused_in_chinese(district: District) -> None:
    a = district.station_store(district.a)
    try:
        _save(a, 1)
        with pytest.raises(BackupError) as caught:
            make_backup(a, district.tmp / "a.dump", actor=CLERK)
        assert "管理员" in caught.value.message
    finally:
        a.dispose()
    with district.sql("postgres") as owner:
        owner.execute(text("UPDATE alembic_version SET version_num = '0007'"))
        owner.commit()
    with pytest.raises(PermissionDeniedError) as refused:
        open_store(district.url(server_roles.station_role(district.a)), district.tmp / "again")
    assert "server setup" in refused.value.message
    assert "管理员" in refused.value.message


def test_a_clerk_signs_in_through_a_stations_role_and_works_as_that_account(
    district: District,
) -> None:
    from desktop_app.services import accounts
    from desktop_app.services.permissions import PermissionDeniedError as Refused

    station = district.station_store(district.a)  # the station set while there is no account
    owner = open_store(district.owner_url, district.tmp / "owner", now=NOW)
    try:
        accounts.create_first_admin(owner, username="admin", name="区管理", password="Admin-pass-1")
        accounts.add_account(
            owner, username="wang", name="王柜员", role="clerk", station_code=district.a,
            password="Clerk-pass-1",
        )  # fmt: skip
        accounts.reset_password(owner, "wang", "Clerk-pass-1")
    finally:
        owner.dispose()
    try:
        with pytest.raises(Refused, match="请先登录"):  # accounts seen through the station role
            _save(station, 41)
        accounts.sign_in(station, "wang", "Clerk-pass-1", now=NOW)
        receipt = _save(station, 42)
        assert receipt.startswith(f"{district.a}-")
        with pytest.raises(accounts.SignInError):
            accounts.sign_in(station, "admin", "wrong-password", now=NOW)  # counted, recorded
    finally:
        station.dispose()


@pytest.mark.parametrize("collect", ["collected", "walked"])
def test_a_stations_searches_find_its_own_rows_whether_collected_or_walked(
    district: District, collect: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Row-level security keeps the search indexes from a station's own queries: its name
    and receipt searches go through `uc_text_ids` (few matches) or walk its own rows (many),
    its ID searches collect the members in range or test row by row. Both ways find exactly
    the station's matches, and the function gives nothing of another station's."""
    from desktop_app.storage import ledger_query

    if collect == "walked":  # every text has "too many" matches: the walk is taken
        monkeypatch.setattr(ledger_query, "STATION_COLLECT", 0)
        monkeypatch.setattr(ledger_query, "STATION_MEMBERS", 0)
    a, b = district.station_store(district.a), district.station_store(district.b)
    names = {1: "张伟", 2: "王芳", 3: "张伟华", 4: "李雷"}
    try:
        mine = {serial: _save(a, serial, **{"member.name": name}) for serial, name in names.items()}
        theirs = {
            serial: _save(b, serial + 10, **{"member.name": names[serial]}) for serial in names
        }
        cases = {
            "张伟": [mine[3], mine[1]],
            "伟": [mine[3], mine[1]],
            "王芳": [mine[2]],
            "张龘": [],
            f"{district.a}-2026": sorted(mine.values(), reverse=True),
            mine[2][-4:]: [mine[2]],
            theirs[1]: [],
            f"{district.b}-2026": [],  # B's code: none of A's receipts can hold it
            district.a[2:] + "-2026": sorted(mine.values(), reverse=True),
            make_id(1)[:6]: sorted(mine.values(), reverse=True),
            make_id(4): [mine[4]],
            make_id(11): [],  # B's member, known by the whole number: not A's
        }
        for query, expected in cases.items():
            found = [row.receipt for row in ledger_view.ledger(a, LedgerFilter(query=query))]
            assert found == expected, query
            assert ledger_view.ledger_count(a, LedgerFilter(query=query)) == len(expected)
            assert ledger_view.ledger_count(a, LedgerFilter(query=query), limit=1) == min(
                1, len(expected)
            )
        page = ledger_view.ledger(a, LedgerFilter(query="张伟", status="accepted"), offset=1)
        assert [row.receipt for row in page] == [mine[1]]
        found_b = [row.receipt for row in ledger_view.ledger(b, LedgerFilter(query="张伟"))]
        assert found_b == [theirs[3], theirs[1]]
    finally:
        a.dispose()
        b.dispose()
    with district.sql(server_roles.station_role(district.a)) as sql:
        ids = sql.execute(
            text("SELECT uc_text_ids('name', '张 伟', '%张 伟%', false, 100)")
        ).scalars()
        got = set(ids)
        sql.rollback()
        assert got and got == {
            _application_id(district, mine[1]),
            _application_id(district, mine[3]),
        }
        assert _count(sql, f"SELECT count(*) FROM uc_text_ids('receipt', '', '%{district.b}%', "
                      "false, 100)") == 0  # fmt: skip
        assert _count(sql, "SELECT count(*) FROM uc_text_ids('other', '', '%', false, 100)") == 0
    with district.sql(server_roles.DISTRICT_ROLE) as sql:  # not a station: not its function
        assert _refused(sql, "SELECT uc_text_ids('name', '张 伟', '%张 伟%', false, 100)") == (
            "42501"
        )


def _application_id(district: District, receipt: str) -> int:
    with district.sql("postgres") as owner:
        return _count(owner, "SELECT id FROM application WHERE receipt = :r", r=receipt)


def test_a_station_inserts_members_only_with_ids_drawn_from_the_sequence(
    district: District,
) -> None:
    insert = (
        "INSERT INTO member (id, id_number, name, created_at, updated_at) "
        "VALUES (:i, :n, '赵六', localtimestamp, localtimestamp)"
    )
    with district.sql(server_roles.station_role(district.a)) as sql:
        assert _refused(sql, insert, i=987_654, n=make_id(31)) == "42501"
        drawn = sql.execute(text("SELECT nextval(pg_get_serial_sequence('member', 'id'))"))
        member_id = int(drawn.scalar_one())
        assert _refused(sql, insert, i=member_id + 1, n=make_id(32)) == "42501"
        sql.execute(text("SELECT nextval(pg_get_serial_sequence('member', 'id'))"))
        drawn_id = member_id + 1  # (the test server's sessions draw alone in this database)
        sql.execute(text(insert), {"i": drawn_id, "n": make_id(33)})
        assert _count(sql, "SELECT count(*) FROM member WHERE id = :i", i=drawn_id) == 1


def _accounts_made(district: District) -> None:
    """An administrator, a clerk of each station and a district reviewer, made as the owner."""
    from desktop_app.services import accounts

    owner = open_store(district.owner_url, district.tmp / "owner", now=NOW)
    try:
        accounts.create_first_admin(owner, username="admin", name="区管理", password="Admin-pass-1")
        for username, code in (("clerk-a", district.a), ("clerk-b", district.b)):
            accounts.add_account(
                owner, username=username, name="柜员", role="clerk", station_code=code,
                password="Clerk-pass-1",
            )  # fmt: skip
        accounts.add_account(
            owner, username="qu", name="区审核", role="district_reviewer", station_code=None,
            password="Qu-pass-12",
        )  # fmt: skip
    finally:
        owner.dispose()


def test_a_counter_reads_no_password_hashes_and_manages_only_its_own_stations_accounts(
    district: District,
) -> None:
    from desktop_app.services import accounts

    station = district.station_store(district.a)
    _accounts_made(district)
    with district.sql(server_roles.station_role(district.a)) as sql:
        assert _refused(sql, "SELECT password_hash FROM account") == "42501"
        assert _refused(sql, "SELECT count(*) FROM account") == "42501"
        assert _refused(sql, "UPDATE account SET failed_sign_ins = 0") == "42501"
        # One account at a time: its own station's and those of no station, never B's.
        row = "SELECT count(*) FROM uc_account_row(:u, NULL, false)"
        assert _count(sql, row, u="clerk-a") == 1
        assert _count(sql, row, u="admin") == 1
        assert _count(sql, row, u="clerk-b") == 0
        listed = sql.execute(text("SELECT * FROM uc_account_list()"))
        assert "password_hash" not in list(listed.keys())
        assert {r.username for r in listed} == {"admin", "clerk-a", "qu"}
        sql.rollback()
        admin_id = _count(sql, "SELECT id FROM uc_account_row('admin', NULL, false)")
        b_id = _account_id(district, "clerk-b")
        save = "SELECT uc_account_save(:i, :h, false, false, :f, NULL, localtimestamp(0))"
        assert _refused(sql, save, i=b_id, h="x", f=0) == "42501"  # B's: not there for A
        assert _refused(sql, save, i=admin_id, h="$argon2id$mine", f=0) == "42501"
        hashed = "SELECT password_hash FROM uc_account_row('admin', NULL, false)"
        admin_hash = sql.execute(text(hashed)).scalar_one()
        changed = sql.execute(text("SELECT changed_at FROM uc_account_row('admin', NULL, false)"))
        admin_changed = changed.scalar_one()
        sql.rollback()
        keep = "SELECT uc_account_save(:i, :h, false, false, :f, NULL, :c)"
        # A sign-in's record: one more wrong password, or back to none; nothing else.
        assert _refused(sql, keep, i=admin_id, h=admin_hash, f=4, c=admin_changed) == "42501"
        sql.execute(text(keep), {"i": admin_id, "h": admin_hash, "f": 1, "c": admin_changed})
        sql.rollback()
        made = "SELECT uc_account_add(:u, '某人', :r, :s, 'x', true, localtimestamp(0), 'x')"
        assert _refused(sql, made, u="someone", r="admin", s=district.a) == "42501"
        assert _refused(sql, made, u="someone", r="clerk", s=district.b) == "42501"
    try:
        # The administrator at A's counter: A's accounts only.
        accounts.sign_in(station, "admin", "Admin-pass-1", now=NOW)
        assert {a.username for a in accounts.list_accounts(station)} == {"admin", "clerk-a", "qu"}
        accounts.add_account(
            station, username="clerk-a2", name="新柜员", role="clerk", station_code=district.a,
            password="Clerk-pass-2", now=NOW,
        )  # fmt: skip
        for refused in (
            lambda: accounts.add_account(
                station, username="clerk-b2", name="别站", role="clerk",
                station_code=district.b, password="Clerk-pass-2", now=NOW,
            ),
            lambda: accounts.add_account(
                station, username="admin2", name="管理", role="admin", station_code=None,
                password="Admin-pass-2", now=NOW,
            ),
            lambda: accounts.reset_password(station, "admin", "Admin-pass-9", now=NOW),
            lambda: accounts.reset_password(station, "qu", "Qu-pass-99", now=NOW),
            lambda: accounts.change_own_password(station, "Admin-pass-1", "Admin-pass-7", now=NOW),
        ):  # fmt: skip
            with pytest.raises(PermissionDeniedError) as caught:
                refused()
            assert "本站的账户" in caught.value.message
        with pytest.raises(InputError):  # B's clerk is not there for A's counter at all
            accounts.reset_password(station, "clerk-b", "Clerk-pass-9", now=NOW)
        accounts.reset_password(station, "clerk-a", "Clerk-pass-3", now=NOW)
        accounts.set_disabled(station, "clerk-a2", True, now=NOW)
        accounts.sign_out(station, now=NOW)
        with pytest.raises(accounts.SignInError, match="停用"):
            accounts.sign_in(station, "clerk-a2", "Clerk-pass-2", now=NOW)
        with pytest.raises(accounts.SignInError):  # B's clerk cannot sign in at A's counter
            accounts.sign_in(station, "clerk-b", "Clerk-pass-1", now=NOW)
        signed = accounts.sign_in(station, "clerk-a", "Clerk-pass-3", now=NOW)
        assert signed.username == "clerk-a" and accounts.must_change_password(station)
        accounts.change_own_password(station, "Clerk-pass-3", "Clerk-pass-4", now=NOW)
        assert not accounts.must_change_password(station)
        accounts.sign_out(station, now=NOW)
        for _ in range(accounts.MAX_FAILURES):  # five wrong passwords lock, as anywhere
            with pytest.raises(accounts.SignInError):
                accounts.sign_in(station, "clerk-a", "wrong-pass-1", now=NOW)
        with pytest.raises(accounts.SignInError, match="锁定"):
            accounts.sign_in(station, "clerk-a", "Clerk-pass-4", now=NOW)
    finally:
        station.dispose()


def _account_id(district: District, username: str) -> int:
    with district.sql("postgres") as owner:
        return _count(owner, "SELECT id FROM account WHERE username = :u", u=username)


def test_the_districts_working_login_signs_in_changes_statuses_and_imports_a_station_cannot(
    district: District, tmp_path: Path
) -> None:
    from desktop_app.services import accounts
    from desktop_app.services.exchange import import_batch
    from tests.exchange.conftest import register

    # Station A's own PC files two applications in its SQLite database and exports them.
    paper = open_store(None, tmp_path / "paper", now=NOW)
    try:
        station_settings.save_station(
            paper, actor=CLERK, code=district.a, name="A服务站", district="西城区", now=NOW
        )
        receipts = [_save(paper, serial) for serial in (61, 62)]
        path = tmp_path / "a.xlsx"
        assert export_batch(paper, path, actor=CLERK, now=NOW).manifest is not None
        work = open_store(district.url(server_roles.DISTRICT_WRITER), tmp_path / "qu", now=NOW)
        try:
            station_settings.save_station(
                work, actor=CLERK, code="QU01", name="西城区总工会", district="西城区", now=NOW
            )
            register(paper, work)
        finally:
            work.dispose()
    finally:
        paper.dispose()
    # A station's counter cannot import (it could not see other stations' claims): refused
    # in Chinese before the file is read, nothing written.
    a = district.station_store(district.a)
    try:
        with pytest.raises(PermissionDeniedError, match="不能导入交换文件") as caught:
            import_batch(a, path, actor=CLERK, now=NOW)
        assert "uc_district_rw" in caught.value.message
    finally:
        a.dispose()
    with district.sql("postgres") as owner:
        assert _count(owner, "SELECT count(*) FROM application") == 0
        assert _count(owner, "SELECT count(*) FROM audit_event WHERE action = 'import'") == 0
    _accounts_made(district)
    work = open_store(district.url(server_roles.DISTRICT_WRITER), tmp_path / "qu", now=NOW)
    try:
        with pytest.raises(accounts.SignInError):
            accounts.sign_in(work, "qu", "wrong-pass-1", now=NOW)  # counted, recorded
        accounts.sign_in(work, "qu", "Qu-pass-12", now=NOW)
        report = import_batch(work, path, actor="区审核", now=NOW)
        assert report.ok, report.problems or report.refused
        assert sorted(report.inserted) == sorted(receipts)
        change_status(work, receipts[0], "submitted", actor="区审核", now=NOW)
        change_status(work, receipts[1], "returned", actor="区审核", reason="缺证书", now=NOW)
        accounts.sign_out(work, now=NOW)
        # The administrator at the district: every account, any station's.
        accounts.sign_in(work, "admin", "Admin-pass-1", now=NOW)
        listed = {a.username for a in accounts.list_accounts(work)}
        assert listed == {"admin", "clerk-a", "clerk-b", "qu"}
        accounts.reset_password(work, "clerk-b", "Clerk-pass-8", now=NOW)
        accounts.change_own_password(work, "Admin-pass-1", "Admin-pass-6", now=NOW)
    finally:
        work.dispose()
    with district.sql(server_roles.station_role(district.a)) as sql:
        seen = sql.execute(text("SELECT receipt FROM application ORDER BY 1")).scalars().all()
        sql.rollback()
        assert seen == sorted(receipts)  # the imported rows are A's to see
    with district.sql(server_roles.DISTRICT_WRITER) as sql:
        assert _refused(sql, "SELECT password_hash FROM account") == "42501"
        assert _refused(sql, "DELETE FROM application") == "42501"
        assert _refused(sql, "UPDATE audit_event SET actor = 'x'") == "42501"
    with district.sql(server_roles.DISTRICT_ROLE) as sql:  # the auditors' login: reads only
        assert _refused(sql, "SELECT password_hash FROM account") == "42501"
        assert _count(sql, "SELECT count(*) FROM application") == 2
    reader = open_store(district.url(server_roles.DISTRICT_ROLE), tmp_path / "audit", now=NOW)
    try:
        with pytest.raises((accounts.SignInError, PermissionDeniedError)):
            accounts.sign_in(reader, "qu", "Qu-pass-12", now=NOW)
    finally:
        reader.dispose()


def test_a_station_makes_and_sees_only_its_own_submission_batches(district: District) -> None:
    from desktop_app.services import submissions
    from desktop_app.storage.errors import NotFoundError

    a, b = district.station_store(district.a), district.station_store(district.b)
    try:
        mine, theirs = _save(a, 1), _save(b, 2)
        change_status(a, mine, "已打印", actor=CLERK, now=NOW)
        change_status(b, theirs, "已打印", actor=CLERK, now=NOW)
        ours = submissions.create_batch(a, [mine], actor=CLERK, now=NOW)
        other = submissions.create_batch(b, [theirs], actor=CLERK, now=NOW)
        assert ours.number == f"{district.a}-BS-2026-0001"
        assert [x.number for x in submissions.batches(a)] == [ours.number]
        with pytest.raises(NotFoundError):
            submissions.batch_view(a, other.number)
        with pytest.raises(NotFoundError):
            submissions.withdraw_batch(a, other.number, reason="不是本站的", actor=CLERK)
    finally:
        a.dispose()
        b.dispose()
    theirs_id = _application_id(district, theirs)
    with district.sql(server_roles.station_role(district.a)) as sql:
        assert _count(sql, "SELECT count(*) FROM submission_batch") == 1
        assert _count(sql, "SELECT count(*) FROM batch_item") == 1
        batch_id = _count(sql, "SELECT id FROM submission_batch")
        # B's batch is not there for A to withdraw, even by hand-written SQL.
        changed = sql.execute(
            text("UPDATE submission_batch SET withdrawn_at = now() WHERE number = :n"),
            {"n": other.number},
        )
        assert changed.rowcount == 0
        changed = sql.execute(text("UPDATE batch_item SET live = NULL WHERE application_id = :i"),
                              {"i": theirs_id})  # fmt: skip
        assert changed.rowcount == 0
        sql.rollback()
        # Nor may A file a batch under B's code, or put B's application into its own batch.
        assert (
            _refused(
                sql,
                "INSERT INTO submission_batch (number, station_code, created_at, created_by) "
                "VALUES ('X-BS-2026-0001', :b, now(), 'x')",
                b=district.b,
            )
            == "42501"
        )
        assert (
            _refused(
                sql,
                "INSERT INTO batch_item (batch_id, application_id, position, amount) "
                "VALUES (:batch, :app, 2, 1)",
                batch=batch_id,
                app=theirs_id,
            )
            == "42501"
        )
        assert _refused(sql, "DELETE FROM submission_batch") == "42501"


def test_a_station_reads_only_its_own_sums_and_cannot_write_them(district: District) -> None:
    from desktop_app.services.statistics import overview

    a, b = district.station_store(district.a), district.station_store(district.b)
    try:
        _save(a, 1)
        _save(a, 2, **{"certificate.occupation": "电工"})
        _save(b, 3)
        mine = overview(a)  # no accounts here: the server alone keeps B's rows out
        assert mine.count == 2
        assert [line.key for line in mine.by["station"]] == [district.a]
        assert {line.key for line in mine.by["occupation"]} == {"无人机驾驶员", "电工"}
    finally:
        a.dispose()
        b.dispose()
    with district.sql(server_roles.station_role(district.a)) as sql:
        assert _count(sql, "SELECT coalesce(sum(count), 0) FROM tally_day") == 2
        assert _count(sql, "SELECT coalesce(sum(count), 0) FROM tally_month") == 2
        # The sums are the trigger's to write: not by hand, not for any station.
        for statement in (
            "UPDATE tally_day SET amount = amount + 1000",
            "DELETE FROM tally_month",
            "INSERT INTO tally_day (day, station_code, scheme_id, status, count, amount) "
            f"VALUES ('2026-11-21', '{district.a}', 1, 1, 1, 99999)",
        ):
            assert _refused(sql, statement) == "42501"
    with district.sql("uc_district") as sql:
        assert _count(sql, "SELECT coalesce(sum(count), 0) FROM tally_day") == 3
