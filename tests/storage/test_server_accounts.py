"""Passwords on a district's server (storage/server_accounts.py): no counter login ever
receives a password's hash, the server compares, and the server counts wrong passwords
itself — a counter that rolls its transaction back, resets the account's count or claims
another time still meets it. Each attack performed with hand-written SQL as a station's
login, on the real server (tests/pg.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from desktop_app.services import accounts
from desktop_app.services.store import open_store
from desktop_app.storage import server_roles
from tests.storage import test_server_roles as roles_tests
from tests.storage.conftest import NOW
from tests.storage.test_server_roles import District, _accounts_made, _count

# The district's server of the roles' tests, and the dropping of its roles afterwards.
district = roles_tests.district
_drop_station_roles = roles_tests._drop_station_roles

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

ROW = "SELECT password_hash FROM uc_account_row(:u, NULL, false)"


def _stored(district: District, username: str) -> tuple[int, str]:
    with district.sql("postgres") as owner:
        row = owner.execute(
            text("SELECT id, password_hash FROM account WHERE username = :u"), {"u": username}
        ).one()
        return int(row[0]), str(row[1])


def _save_as_read(sql, admin_id: int, admin_hash: str) -> None:
    """The administrator's row written back through `uc_account_save` as a sign-in would, its
    hash as the function gave it (cut after the salt) and its wrong-password count 0."""
    changed = sql.execute(
        text("SELECT changed_at FROM uc_account_row('admin', NULL, false)")
    ).scalar_one()
    sql.execute(
        text("SELECT uc_account_save(:i, :h, false, false, 0, NULL, :c)"),
        {"i": admin_id, "h": admin_hash[: admin_hash.rindex("$") + 1], "c": changed},
    )
    sql.commit()


def test_the_hash_is_derived_from_its_salt_alone():
    full = accounts.hash_password("Admin-pass-1")
    setting = full[: full.rindex("$") + 1]
    assert accounts.derived_hash(setting, "Admin-pass-1") == full
    assert accounts.derived_hash(setting, "Admin-pass-2") != full
    for bad in ("", "$argon2i$v=19$m=65536,t=2,p=1$c2FsdHNhbHRzYWx0c2E$", full):
        with pytest.raises(ValueError):
            accounts.derived_hash(bad, "x")


def test_a_station_login_gets_the_salt_of_a_hash_never_the_hash(district: District) -> None:
    station = district.station_store(district.a)  # (its settings saved before any account)
    _accounts_made(district)
    admin_id, admin_hash = _stored(district, "admin")
    _clerk_id, clerk_hash = _stored(district, "clerk-a")
    with district.sql(server_roles.station_role(district.a)) as sql:
        for username, full in (("admin", admin_hash), ("clerk-a", clerk_hash)):
            given = sql.execute(text(ROW), {"u": username}).scalar_one()
            assert given == full[: full.rindex("$") + 1]  # settings and salt, no more
            assert full[full.rindex("$") + 1 :] not in given
        sql.rollback()
        # Saving the row back as read keeps the hash (the cut string means "unchanged").
        _save_as_read(sql, admin_id, admin_hash)
    assert _stored(district, "admin")[1] == admin_hash
    # The program signs in at the station's counter all the same.
    try:
        assert accounts.sign_in(station, "admin", "Admin-pass-1", now=NOW).username == "admin"
    finally:
        station.dispose()


def test_a_password_tried_and_rolled_back_tells_nothing(district: District) -> None:
    _accounts_made(district)
    admin_id, admin_hash = _stored(district, "admin")
    with district.sql(server_roles.station_role(district.a)) as sql:
        attempt = sql.execute(
            text("SELECT uc_account_try(:i, :h)"), {"i": admin_id, "h": admin_hash}
        ).scalar_one()
        sql.rollback()  # no trace left, and no answer either
        answer = "SELECT uc_account_answer(:a)"
        assert sql.execute(text(answer), {"a": attempt}).scalar_one() is None
        sql.rollback()
        # Committed, the outcome is told once to this login and then forgotten.
        attempt = sql.execute(
            text("SELECT uc_account_try(:i, :h)"), {"i": admin_id, "h": admin_hash}
        ).scalar_one()
        sql.commit()
        assert sql.execute(text(answer), {"a": attempt}).scalar_one() == "ok"
        sql.commit()
        assert sql.execute(text(answer), {"a": attempt}).scalar_one() is None
        sql.rollback()
    # Another login cannot read the outcome of B's attempts.
    with district.sql(server_roles.station_role(district.b)) as other:
        attempt = other.execute(
            text("SELECT uc_account_try(:i, 'x')"), {"i": admin_id}
        ).scalar_one()
        other.commit()
    with district.sql(server_roles.station_role(district.a)) as sql:
        assert sql.execute(text(answer), {"a": attempt}).scalar_one() is None
        sql.rollback()


def test_the_server_holds_an_account_after_five_wrong_passwords_whatever_the_counter_says(
    district: District,
) -> None:
    station = district.station_store(district.a)
    _accounts_made(district)
    admin_id, admin_hash = _stored(district, "admin")
    try_ = "SELECT uc_account_try(:i, :h)"
    with district.sql(server_roles.station_role(district.a)) as sql:
        for n in range(accounts.MAX_FAILURES):
            attempt = sql.execute(text(try_), {"i": admin_id, "h": f"guess {n}"}).scalar_one()
            sql.commit()
            found = sql.execute(text("SELECT uc_account_answer(:a)"), {"a": attempt})
            assert found.scalar_one() == "wrong"
            sql.commit()
        # The account row's own count put back to 0 (as a good sign-in records it): the
        # server's count stands, and the right password is not even compared.
        _save_as_read(sql, admin_id, admin_hash)
        attempt = sql.execute(text(try_), {"i": admin_id, "h": admin_hash}).scalar_one()
        sql.commit()
        assert (
            sql.execute(text("SELECT uc_account_answer(:a)"), {"a": attempt}).scalar_one() == "held"
        )
        sql.commit()
    # Through the program: refused with the server's reason, the right password or not.
    with pytest.raises(accounts.SignInError, match="服务器暂停"):
        accounts.sign_in(station, "admin", "Admin-pass-1", now=NOW)
    # The administrator's reset (here as the owner, on the district's PC) starts afresh.
    # (The owner's login reads the table itself: there the program checks the password, as
    # on one PC; whoever has the owner's password has every row anyway.)
    owner = open_store(district.owner_url, district.tmp / "owner", now=NOW)
    try:
        accounts.sign_in(owner, "admin", "Admin-pass-1", now=NOW)
        accounts.add_account(
            owner, username="admin-b", name="二管", role="admin", station_code=None,
            password="Admin-pass-5", now=NOW,
        )  # fmt: skip
        accounts.sign_out(owner, now=NOW)
        accounts.sign_in(owner, "admin-b", "Admin-pass-5", now=NOW)
        accounts.reset_password(owner, "admin", "Admin-pass-6", now=NOW)
    finally:
        owner.dispose()
    with district.sql("postgres") as sql:
        left = "SELECT count(*) FROM uc_account_attempt WHERE account_id = :i"
        assert _count(sql, left, i=admin_id) == 0
    try:
        assert accounts.sign_in(station, "admin", "Admin-pass-6", now=NOW).username == "admin"
    finally:
        station.dispose()
