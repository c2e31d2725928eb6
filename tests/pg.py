"""The test PostgreSQL server: each test that needs it gets a database of its own, copied from
a template made once per run (per xdist worker), and dropped afterwards.

`UNION_COUNTER_TEST_PG` names the server (`make test` starts a throw-away one with
.ci/with-postgres.sh). Without one the PostgreSQL tests are skipped with the reason, unless
UNION_COUNTER_REQUIRE_PG is set (CI), which turns the skip into a failure. The fixtures are
registered for the whole suite in tests/conftest.py.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from sqlalchemy import Connection, create_engine, make_url, text
from sqlalchemy.pool import NullPool

from desktop_app.services.store import open_store


def pg_server_url() -> str:
    url = os.environ.get("UNION_COUNTER_TEST_PG")
    if not url:
        reason = (
            "没有 PostgreSQL 服务器：设置 UNION_COUNTER_TEST_PG，或以 root 运行 make test "
            "让 .ci/with-postgres.sh 启动一个临时服务器"
        )
        if os.environ.get("UNION_COUNTER_REQUIRE_PG"):
            pytest.fail(reason + "（UNION_COUNTER_REQUIRE_PG 已设置，CI 不允许跳过）")
        pytest.skip(reason)
    return url


# The program's tables live in a schema of their own on the test databases, named in the URL
# (options=-csearch_path=…) as a district may set it up: the backup and the checks must keep
# to that schema.
SCHEMA = "counter"


def _database_url(server: str, database: str) -> str:
    url = make_url(server).set(database=database)
    url = url.update_query_dict({"options": f"-csearch_path={SCHEMA},public"})
    return url.render_as_string(hide_password=False)


@dataclass(frozen=True)
class PgTemplates:
    """Two databases per run (per xdist worker) that each test's database is copied from:
    `empty` holds only the schema, `migrated` the schema at the newest revision."""

    server: str
    empty: str
    migrated: str

    def create(self, template: str) -> str:
        """A new database copied from `template` (CREATE DATABASE … TEMPLATE: milliseconds,
        where running the migrations takes a tenth of a second); its name."""
        name = f"t_{uuid.uuid4().hex[:12]}"
        with _admin(self.server) as connection:
            connection.execute(text(f"CREATE DATABASE {name} TEMPLATE {template}"))
        return name

    def drop(self, name: str) -> None:
        with _admin(self.server) as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@contextmanager
def _admin(server: str) -> Iterator[Connection]:
    engine = create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def pg_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PgTemplates]:
    server = pg_server_url()
    tag = uuid.uuid4().hex[:8]
    templates = PgTemplates(server, f"uc_empty_{tag}", f"uc_migrated_{tag}")
    try:
        for name in (templates.empty, templates.migrated):
            with _admin(server) as connection:
                connection.execute(text(f"CREATE DATABASE {name}"))
            engine = create_engine(_database_url(server, name), poolclass=NullPool)
            with engine.begin() as connection:
                connection.execute(text(f"CREATE SCHEMA {SCHEMA}"))
            engine.dispose()
        home = tmp_path_factory.mktemp("pg-template")
        open_store(_database_url(server, templates.migrated), home, auto_backup=False).dispose()
        yield templates
    finally:
        for name in (templates.empty, templates.migrated):
            templates.drop(name)


@pytest.fixture
def pg_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A URL to a database of this test's own on the test server, dropped afterwards. For a
    test that asks for `store` it is a copy of the migrated template (the store's tables,
    empty); otherwise it holds only the program's empty schema."""
    templates: PgTemplates = request.getfixturevalue("pg_templates")
    migrated = "store" in request.fixturenames
    name = templates.create(templates.migrated if migrated else templates.empty)
    try:
        yield _database_url(templates.server, name)
    finally:
        templates.drop(name)
