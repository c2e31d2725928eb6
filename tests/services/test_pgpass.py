"""The PostgreSQL password in the user's libpq password file, never in a settings file: the
file's lines as libpq reads them, its mode, and a real server that asks for the password."""

from __future__ import annotations

import io
import os
import stat
import sys
import uuid

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool

from desktop_app.cli.main import main
from desktop_app.domain.facts import InputError
from desktop_app.errors import EXIT_OK
from desktop_app.services import pgpass
from desktop_app.services.settings_view import address_to_save, save_database_password
from desktop_app.services.store import open_store
from tests.pg import pg_server_url

URL = "postgresql://xc01@db.example:5433/union"


@pytest.fixture
def passfile(tmp_path, monkeypatch):
    path = tmp_path / "user" / ".pgpass"
    monkeypatch.setenv("PGPASSFILE", str(path))
    monkeypatch.setenv("UNION_COUNTER_MACHINE_CONFIG", "")
    return path


def test_the_password_goes_into_a_private_file_as_libpq_reads_it(passfile):
    path = pgpass.save_password(URL, "pa:ss\\word")
    assert path == passfile
    assert passfile.read_text(encoding="utf-8") == "db.example:5433:union:xc01:pa\\:ss\\\\word\n"
    if os.name == "posix":
        assert stat.S_IMODE(passfile.stat().st_mode) == 0o600
    assert pgpass.has_password(URL)
    assert not pgpass.has_password("postgresql://xc02@db.example:5433/union")


def test_a_new_password_replaces_the_same_logins_line_and_keeps_the_others(passfile):
    passfile.parent.mkdir(parents=True)
    passfile.write_text(
        "# IT 的说明\nother.host:5432:*:someone:keep-me\ndb.example:5433:union:xc01:old\n",
        encoding="utf-8",
    )
    pgpass.save_password(URL, "new")
    lines = passfile.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "db.example:5433:union:xc01:new"  # first: libpq takes the first match
    assert "# IT 的说明" in lines
    assert "other.host:5432:*:someone:keep-me" in lines
    assert not any(line.endswith(":old") for line in lines)


def test_a_wildcard_line_counts_as_a_kept_password(passfile):
    passfile.parent.mkdir(parents=True)
    passfile.write_text("*:*:*:xc01:secret\n", encoding="utf-8")
    assert pgpass.has_password(URL)
    assert not pgpass.has_password("postgresql://xc09@db.example/union")


@pytest.mark.parametrize(
    ("url", "password"),
    [
        ("postgresql://xc01:s3cret@db/union", "s3cret"),
        ("postgresql+psycopg://xc01:p%40ss@db:5432/union", "p@ss"),
        ("postgresql://xc01@db/union", None),
        ("/home/clerk/union.sqlite3", None),
        ("sqlite:////tmp/x.db", None),
    ],
)
def test_which_addresses_carry_a_password(url, password):
    assert pgpass.written_in(url) == (password is not None)
    assert pgpass.password_of(url) == password
    if password:
        assert password not in pgpass.without_password(url)
        assert "xc01@db" in pgpass.without_password(url)


def test_an_address_typed_with_its_password_is_saved_without_it(passfile):
    saved = address_to_save("postgresql://xc01:s3cret@db.example:5433/union")
    assert "s3cret" not in saved.url
    assert saved.url == "postgresql://xc01@db.example:5433/union"
    assert saved.password_file == passfile
    assert "db.example:5433:union:xc01:s3cret" in passfile.read_text(encoding="utf-8")


def test_what_cannot_be_kept_is_refused(passfile):
    with pytest.raises(InputError, match="不需要密码"):
        save_database_password("", "x")
    with pytest.raises(InputError, match="写明用户名"):
        save_database_password("postgresql://db.example/union", "x")
    with pytest.raises(InputError, match="不能为空"):
        save_database_password(URL, "")
    with pytest.raises(InputError, match="换行"):
        save_database_password(URL, "two\nlines")
    assert not passfile.exists()


def test_a_password_file_that_cannot_be_written_leaves_nothing_half_done(tmp_path, monkeypatch):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("PGPASSFILE", str(blocked / ".pgpass"))
    with pytest.raises(InputError, match="无法写入密码文件"):
        save_database_password(URL, "secret")
    assert blocked.read_text(encoding="utf-8") == "not a folder"


def test_the_cli_keeps_the_password_read_from_standard_input(
    passfile, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("UNION_COUNTER_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(sys, "stdin", io.StringIO("s3cret\n"))
    assert main(["--db", URL, "settings", "--db-password"]) == EXIT_OK
    out = capsys.readouterr().out
    assert str(passfile) in out
    assert "s3cret" not in out
    assert passfile.read_text(encoding="utf-8") == "db.example:5433:union:xc01:s3cret\n"


# --- a real server that asks for the password ------------------------------------------------

ROLE = "uc_password_test"  # .ci/postgres.sh: this role alone must give a password


@pytest.fixture
def password_role():
    server = pg_server_url()
    password = uuid.uuid4().hex
    admin = create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    database = f"t_pw_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f"DROP ROLE IF EXISTS {ROLE}"))
        connection.execute(text(f"CREATE ROLE {ROLE} LOGIN PASSWORD '{password}'"))
        connection.execute(text(f"CREATE DATABASE {database} OWNER {ROLE}"))
    url = make_url(server).set(username=ROLE, password=None, database=database)
    try:
        yield url.render_as_string(hide_password=False), password
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"))
            connection.execute(text(f"DROP ROLE IF EXISTS {ROLE}"))
        admin.dispose()


def test_the_program_logs_in_with_the_password_from_the_file_alone(
    password_role, passfile, tmp_path
):
    url, password = password_role
    home = tmp_path / "home"
    with pytest.raises(Exception) as refused:  # no password anywhere: the server says no
        open_store(url, home, auto_backup=False).dispose()
    assert "password" in str(refused.value).lower() or "密码" in str(refused.value), (
        "the test server admitted the role without a password: it was started by an older "
        ".ci/postgres.sh; stop it (.ci/postgres.sh stop) and run the tests again"
    )
    save_database_password(url, password)
    store = open_store(url, home, auto_backup=False)
    try:
        assert store.location == url  # no password in what the program shows
        assert password not in store.location
    finally:
        store.dispose()
