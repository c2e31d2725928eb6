"""A district's shared PostgreSQL server: database roles per station, grants and row-level
security (issue 18, part 3). All of it is deployment, not schema: `union-counter server setup`
creates it, idempotently, as the database owner; the program's migrations never touch it.

The roles (PostgreSQL roles belong to the whole server, not one database: one district per
server):

- `uc_counter`: a group (NOLOGIN) holding what a counter may do; `uc_station_<code>`: one login
  per station, a member of it, NOLOGIN until a password is set.
- `uc_reader`: a group that reads everything (the accounts aside) and writes nothing;
  `uc_district`: its login, for auditors.
- `uc_district_rw`: the district's working login — every station's rows, status changes,
  station keys, the exchange import, its accounts signing in — without deleting anything.

Which station a role is lies in the table `uc_station_role` (role name → station code), which
only the owner writes. The policies compare rows with `uc_station()`, the station of
`current_user` in that table — never a session setting a counter could change (`SET ROLE`
reaches only `uc_counter`, which is no station). The two SECURITY DEFINER functions run as the
owner, where `current_user` is the owner; they take the station of `session_user`, the login,
which only a superuser can change.

Members are shared (one row per resident ID number, the latest contact details): a member is
visible to a station linked to it in `uc_member_station`. A new member is linked to the station
that inserts it (a trigger, before the insert, which also checks that its id is the one the
session just drew from the sequence; the program inserts members without RETURNING, which the
link would not yet pass); an existing one when the station looks it up by the full resident ID
number (`uc_member_link`, returns the id only, leaves the link as a trace, which the station
cannot delete); and every application links its member to its station (a trigger, for rows the
owner imports). A station may only file applications for members linked to it, so knowing a
member's row number is not enough. A claim held elsewhere is named by `uc_claim_holder`
(receipt, date, station, status: what the clerk must tell the member) and nothing more.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

COUNTER_GROUP = "uc_counter"
READER_GROUP = "uc_reader"
DISTRICT_ROLE = "uc_district"
# The district's working login: signs its accounts in, changes any station's statuses,
# imports the stations' exchange files (`uc_district` stays read-only, for auditors).
DISTRICT_WRITER = "uc_district_rw"
STATION_TABLE = "uc_station_role"
LINK_TABLE = "uc_member_station"
STATION_PREFIX = "uc_station_"
_CODE = re.compile(r"^[A-Z0-9]{2,8}$")

# What a counter may do with each of the program's tables (checked against the program's
# reads and writes: saving, the ledger, status changes, printing records, corrections, its
# own signing key, exchange export; imports and upgrades are the owner's).
COUNTER_GRANTS: dict[str, str] = {
    "application": "SELECT, INSERT, UPDATE",
    "member": "SELECT, INSERT, UPDATE",
    "status_change": "SELECT, INSERT, UPDATE",
    "term": "SELECT, INSERT",
    "decision": "SELECT, INSERT",
    "receipt_counter": "SELECT, INSERT, UPDATE",
    "setting": "SELECT",
    "station_key": "SELECT, INSERT, UPDATE",
    "held_import": "SELECT, INSERT, UPDATE",
    "submission_batch": "SELECT, INSERT, UPDATE",
    "batch_item": "SELECT, INSERT, UPDATE",
    # 统计's running sums: read only; written by the applications' trigger as the owner
    # (db/versions/0015_tallies.py), so a counter cannot make them say what its rows do not.
    "tally_day": "SELECT",
    "tally_month": "SELECT",
    "audit_event": "SELECT, INSERT",
    "audit_head": "SELECT, UPDATE (last_id, last_hash, rows_sum)",
    "alembic_version": "SELECT",
    # No grant on `account` at all: signing in and the administrator's work go through the
    # SECURITY DEFINER functions of `_account_functions` (no reading of others' hashes).
    STATION_TABLE: "SELECT",
    LINK_TABLE: "SELECT",
}
# Row ids come from the sequences: a counter inserts every column but `id`. A member's id
# is drawn by the program just before its insert (no INSERT … RETURNING, see the member
# policies): the insert trigger refuses any id but the one the session has just drawn.
NO_ID_INSERT = ("application",)

# Each table under row-level security: {command: (USING, WITH CHECK)} for counters.
# `(SELECT uc_station())`: a sub-select, computed once per statement (an InitPlan), which an
# index on station_code can then be searched with; the function itself cannot be inlined
# and, called per row, costs more than the row.
_STATION = "(SELECT {s}.uc_station())"
_OURS = "station_code = " + _STATION
_VIA_APPLICATION = (
    "EXISTS (SELECT 1 FROM {s}.application a WHERE a.id = status_change.application_id "
    "AND a.station_code = " + _STATION + ")"
)
# A member is the station's when linked to it: one look-up of the link's primary key per row.
# (`OFFSET 0` keeps PostgreSQL from turning the test into a hash of all the station's links,
# which it chose for any walk that stops early: 80 ms a query at a million applications.)
_LINKED = (
    "EXISTS (SELECT 1 FROM {s}.uc_member_station l WHERE l.member_id = {column} "
    "AND l.station_code = " + _STATION + " OFFSET 0)"
)
_VIA_BATCH = (
    "EXISTS (SELECT 1 FROM {s}.submission_batch b WHERE b.id = batch_item.batch_id "
    "AND b.station_code = " + _STATION + ")"
)
# An item names one of the station's own applications (not another station's, by its id).
_ITEM_OURS = (
    "EXISTS (SELECT 1 FROM {s}.application a WHERE a.id = batch_item.application_id "
    "AND a.station_code = " + _STATION + ")"
)
# (The policy's own table named: a bare `member_id` would be the link's own column.)
_MEMBER_OURS = _LINKED.replace("{column}", "member.id")
_APPLICANT_OURS = _LINKED.replace("{column}", "application.member_id")
COUNTER_POLICIES: dict[str, dict[str, tuple[str | None, str | None]]] = {
    "application": {
        "SELECT": (_OURS, None),
        "INSERT": (None, _OURS + " AND " + _APPLICANT_OURS),
        "UPDATE": (_OURS, _OURS + " AND " + _APPLICANT_OURS),
    },
    "status_change": {
        "SELECT": (_VIA_APPLICATION, None),
        "INSERT": (None, _VIA_APPLICATION),
        "UPDATE": (_VIA_APPLICATION, _VIA_APPLICATION),
    },
    # INSERT: any new member (the trigger links it to the inserting station); the program
    # inserts members without RETURNING, which would have to pass the SELECT policy before
    # the trigger's link is visible to the statement.
    "member": {
        "SELECT": (_MEMBER_OURS, None),
        "INSERT": (None, "true"),
        "UPDATE": (_MEMBER_OURS, _MEMBER_OURS),
    },
    LINK_TABLE: {"SELECT": (_OURS, None)},
    "receipt_counter": {
        "SELECT": ("starts_with(prefix, " + _STATION + " || '-')", None),
        "INSERT": (None, "starts_with(prefix, " + _STATION + " || '-')"),
        "UPDATE": (
            "starts_with(prefix, " + _STATION + " || '-')",
            "starts_with(prefix, " + _STATION + " || '-')",
        ),
    },
    "held_import": {
        "SELECT": (_OURS, None),
        "INSERT": (None, _OURS),
        "UPDATE": (_OURS, _OURS),
    },
    "station_key": {
        "SELECT": ("true", None),
        "INSERT": (None, _OURS),
        "UPDATE": (_OURS, _OURS),
    },
    # A station's submission batches, and their items through the batch.
    "submission_batch": {
        "SELECT": (_OURS, None),
        "INSERT": (None, _OURS),
        "UPDATE": (_OURS, _OURS),
    },
    "batch_item": {
        "SELECT": (_VIA_BATCH, None),
        "INSERT": (None, _VIA_BATCH + " AND " + _ITEM_OURS),
        "UPDATE": (_VIA_BATCH, _VIA_BATCH + " AND " + _ITEM_OURS),
    },
    "tally_day": {"SELECT": (_OURS, None)},
    "tally_month": {"SELECT": (_OURS, None)},
    # Insert-only, and every event in the counter's own name; all events readable, since
    # `audit verify` walks the whole chain (their personal numbers are masked already).
    "audit_event": {"SELECT": ("true", None), "INSERT": (None, _OURS)},
}


def station_role(code: str) -> str:
    """The login role of a station: XC01 → uc_station_xc01."""
    if not _CODE.match(code):
        raise ValueError(code)
    return STATION_PREFIX + code.lower()


def _ident(connection: Connection, name: str) -> str:
    return str(connection.dialect.identifier_preparer.quote_identifier(name))


def literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def program_schema(connection: Connection) -> str | None:
    """The schema holding the program's tables as the connection's search path finds them."""
    return connection.execute(
        text(
            "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.oid = to_regclass('alembic_version')"
        )
    ).scalar_one_or_none()


def table_owner(connection: Connection, schema: str) -> str:
    return str(
        connection.execute(
            text(
                "SELECT pg_get_userbyid(c.relowner) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = :s AND c.relname = 'application'"
            ),
            {"s": schema},
        ).scalar_one()
    )


def may_set_up(connection: Connection, owner: str) -> bool:
    """Whether the connected role may create roles and run the setup: the owner with
    CREATEROLE, or a superuser."""
    row = connection.execute(
        text(
            "SELECT rolsuper, rolcreaterole, pg_has_role(current_user, :o, 'USAGE') "
            "FROM pg_roles WHERE rolname = current_user"
        ),
        {"o": owner},
    ).one()
    return bool(row[0] or (row[1] and row[2]))


# --- roles (server-wide, each in its own short transaction: see ensure_role) -------------


def role_exists(connection: Connection, name: str) -> bool:
    found = connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name})
    return found.first() is not None


def ensure_role(connection: Connection, name: str, *, member_of: str | None = None) -> bool:
    """Create role `name` (NOLOGIN) unless it exists, and make it a member of `member_of`;
    True when it was created. Two setups at once (one per database) may race: the loser
    sees the role as existing."""
    created = False
    if not role_exists(connection, name):
        try:
            with connection.begin_nested():
                connection.execute(text(f"CREATE ROLE {_ident(connection, name)} NOLOGIN"))
            created = True
        except Exception as exc:  # another setup created it meanwhile
            if getattr(getattr(exc, "orig", None), "sqlstate", None) not in ("42710", "23505"):
                raise
    if member_of is not None:
        is_member = connection.execute(
            text(
                "SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid "
                "JOIN pg_roles u ON u.oid = m.member WHERE r.rolname = :g AND u.rolname = :n"
            ),
            {"g": member_of, "n": name},
        ).first()
        if is_member is None:
            connection.execute(
                text(f"GRANT {_ident(connection, member_of)} TO {_ident(connection, name)}")
            )
    return created


def set_password(connection: Connection, role: str, password: str) -> None:
    """Give `role` a password and the right to log in. The password is turned into a
    SCRAM-SHA-256 verifier on this side (libpq), so the server's statement log never holds it."""
    driver: Any = connection.connection.driver_connection
    verifier = driver.pgconn.encrypt_password(
        password.encode("utf-8"), role.encode("utf-8"), b"scram-sha-256"
    ).decode("ascii")
    # Straight to the driver: no placeholders are read in the verifier's characters.
    driver.execute(f"ALTER ROLE {_ident(connection, role)} LOGIN PASSWORD {literal(verifier)}")


def can_log_in(connection: Connection, role: str) -> bool:
    found = connection.execute(
        text("SELECT rolcanlogin FROM pg_roles WHERE rolname = :n"), {"n": role}
    ).scalar_one_or_none()
    return bool(found)


# --- the database's objects ------------------------------------------------------------


@dataclass(frozen=True)
class Station:
    code: str
    role: str
    district: str


def _helper_objects(connection: Connection, s: str) -> None:
    """The mapping and link tables and the functions the policies use."""
    run = connection.exec_driver_sql
    run(
        f"CREATE TABLE IF NOT EXISTS {s}.{STATION_TABLE} ("
        "role_name name PRIMARY KEY, station_code varchar(16) NOT NULL UNIQUE, "
        "district text NOT NULL DEFAULT '')"
    )
    run(
        f"CREATE TABLE IF NOT EXISTS {s}.{LINK_TABLE} ("
        "member_id integer NOT NULL, station_code varchar(16) NOT NULL, "
        "linked_at timestamp(0) NOT NULL DEFAULT localtimestamp(0), "
        "PRIMARY KEY (member_id, station_code))"
    )
    # Inlined into each policy as a sub-select: computed once per statement.
    run(
        f"CREATE OR REPLACE FUNCTION {s}.uc_station() RETURNS varchar LANGUAGE sql STABLE "
        f"AS $$ SELECT (SELECT station_code FROM {s}.{STATION_TABLE} "
        "WHERE role_name = current_user) $$"
    )
    login_station = (
        f"SELECT station_code INTO code FROM {s}.{STATION_TABLE} WHERE role_name = session_user"
    )
    definer = "SECURITY DEFINER SET search_path = pg_catalog, pg_temp"
    # A station's new member: its id must be the one this session has just drawn from the
    # sequence (a counter may not choose row numbers), and it is linked to the station.
    run(
        f"CREATE OR REPLACE FUNCTION {s}.uc_link_new_member() RETURNS trigger "
        f"LANGUAGE plpgsql {definer} AS $$ DECLARE code varchar; drawn bigint; "
        f"BEGIN {login_station}; IF code IS NOT NULL THEN BEGIN "
        f"drawn := currval(pg_get_serial_sequence('{s}.member', 'id')); "
        "EXCEPTION WHEN object_not_in_prerequisite_state THEN drawn := NULL; END; "
        "IF drawn IS NULL OR NEW.id IS DISTINCT FROM drawn THEN "
        "RAISE EXCEPTION 'member id not drawn from the sequence' USING ERRCODE = '42501'; "
        f"END IF; INSERT INTO {s}.{LINK_TABLE} (member_id, station_code) "
        "VALUES (NEW.id, code) ON CONFLICT DO NOTHING; END IF; RETURN NEW; END $$"
    )
    run(
        f"CREATE OR REPLACE FUNCTION {s}.uc_link_applied() RETURNS trigger "
        f"LANGUAGE plpgsql {definer} AS $$ BEGIN "
        f"INSERT INTO {s}.{LINK_TABLE} (member_id, station_code) "
        "SELECT DISTINCT member_id, station_code FROM new_rows ON CONFLICT DO NOTHING; "
        "RETURN NULL; END $$"
    )
    run(
        f"CREATE OR REPLACE FUNCTION {s}.uc_member_link(p_id_number text) RETURNS integer "
        f"LANGUAGE plpgsql {definer} AS $$ DECLARE code varchar; found integer; BEGIN "
        f"{login_station}; IF code IS NULL THEN RETURN NULL; END IF; "
        f"SELECT id INTO found FROM {s}.member WHERE id_number = p_id_number; "
        f"IF found IS NOT NULL THEN INSERT INTO {s}.{LINK_TABLE} (member_id, station_code) "
        "VALUES (found, code) ON CONFLICT DO NOTHING; END IF; RETURN found; END $$"
    )
    run(
        f"CREATE OR REPLACE FUNCTION {s}.uc_claim_holder(p_id_number text, p_scheme text, "
        "p_kind smallint, p_item text, p_level text) RETURNS TABLE (receipt varchar, "
        "applied_on date, station_code varchar, station_name text, status smallint) "
        f"LANGUAGE sql STABLE {definer} AS $$ SELECT a.receipt, a.applied_on, a.station_code, "
        f"t.text::text, a.status FROM {s}.application a JOIN {s}.member m ON m.id = a.member_id "
        f"JOIN {s}.term t ON t.id = a.station_name_id WHERE m.id_number = p_id_number "
        f"AND a.scheme_id = (SELECT id FROM {s}.term WHERE text = p_scheme) AND a.kind = p_kind "
        f"AND a.claim_item_id = (SELECT id FROM {s}.term WHERE text = p_item) "
        "AND a.claim_level = p_level AND a.live = 1 "
        f"AND EXISTS (SELECT 1 FROM {s}.{STATION_TABLE} WHERE role_name = session_user) $$"
    )
    _search_functions(connection, s, login_station, definer)
    for name in (
        "uc_member_link(text)",
        "uc_claim_holder(text, text, smallint, text, text)",
        "uc_text_ids(text, text, text, boolean, integer)",
    ):
        run(f"REVOKE ALL ON FUNCTION {s}.{name} FROM PUBLIC")
        run(f"GRANT EXECUTE ON FUNCTION {s}.{name} TO {COUNTER_GROUP}")
    run(f"REVOKE ALL ON FUNCTION {s}.uc_link_new_member() FROM PUBLIC")
    run(f"REVOKE ALL ON FUNCTION {s}.uc_link_applied() FROM PUBLIC")
    run(f"DROP TRIGGER IF EXISTS uc_link_new_member ON {s}.member")
    run(
        f"CREATE TRIGGER uc_link_new_member BEFORE INSERT ON {s}.member "
        f"FOR EACH ROW EXECUTE FUNCTION {s}.uc_link_new_member()"
    )
    run(f"DROP TRIGGER IF EXISTS uc_link_applied ON {s}.application")
    run(
        f"CREATE TRIGGER uc_link_applied AFTER INSERT ON {s}.application "
        f"REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
        f"EXECUTE FUNCTION {s}.uc_link_applied()"
    )
    # Applications saved before the setup link their members.
    run(
        f"INSERT INTO {s}.{LINK_TABLE} (member_id, station_code) "
        f"SELECT DISTINCT member_id, station_code FROM {s}.application ON CONFLICT DO NOTHING"
    )


def _search_functions(connection: Connection, s: str, login_station: str, definer: str) -> None:
    """The ledger's text search for a station's role. LIKE, ILIKE, pg_trgm's and the text
    search's `@@` are not LEAKPROOF, so under row-level security PostgreSQL tests them only
    after the policy, row by row, and never through their GIN indexes (db/versions/0003):
    a rare name would read every row of the station. `uc_text_ids` runs as the owner and
    does what the policy would: only the login's station's rows (the station of
    `session_user`, as the other functions), found through the search index and checked with
    the same plain test the ledger applies. It gives at most `p_cap` ids, in no order: the
    ledger asks for one more than it will collect, and walks the station's rows newest first
    when there are more (storage/ledger_query.py). Nothing else: the arguments are values,
    never SQL, and `p_kind` chooses between two fixed queries."""
    run = connection.exec_driver_sql
    simple = "'simple'::regconfig"
    # Planned for each call's own text (a custom plan): a plan cached for any text would
    # walk the station's rows, the right plan only for a text most rows hold.
    run(
        f"CREATE OR REPLACE FUNCTION {s}.uc_text_ids(p_kind text, p_text text, "
        "p_pattern text, p_fold boolean, p_cap integer) RETURNS SETOF integer "
        f"LANGUAGE plpgsql STABLE {definer} SET plan_cache_mode = force_custom_plan "
        "AS $$ DECLARE code varchar; BEGIN "
        f"{login_station}; IF code IS NULL OR p_cap IS NULL OR p_cap < 1 THEN RETURN; END IF; "
        "IF p_kind = 'name' THEN RETURN QUERY SELECT a.id FROM "
        f"{s}.application a WHERE to_tsvector({simple}, a.name_chars) "
        f"@@ phraseto_tsquery({simple}, p_text) AND a.station_code = code "
        "AND CASE WHEN p_fold THEN a.name_chars ILIKE p_pattern "
        "ELSE a.name_chars LIKE p_pattern END LIMIT p_cap; "
        "ELSIF p_kind = 'receipt' THEN RETURN QUERY SELECT a.id FROM "
        f"{s}.application a WHERE a.receipt LIKE p_pattern AND a.station_code = code "
        "LIMIT p_cap; END IF; END $$"
    )


def _columns(connection: Connection, schema: str, table: str) -> list[str]:
    """The table's columns a row can be given (the generated ones, migration 0012's, are the
    server's to compute)."""
    return list(
        connection.execute(
            text(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = :s AND table_name = :t AND is_generated = 'NEVER' "
                "ORDER BY ordinal_position"
            ),
            {"s": schema, "t": table},
        ).scalars()
    )


def _grants(connection: Connection, s: str, schema: str) -> None:
    run = connection.exec_driver_sql
    tables = list(COUNTER_GRANTS)
    everything = ", ".join(f"{s}.{t}" for t in tables)
    logins = f"{COUNTER_GROUP}, {READER_GROUP}, {DISTRICT_WRITER}"
    # From scratch each time (idempotent): whatever was granted by hand is taken back, the
    # account table's earlier grants (reading and writing every row) among them.
    run(f"REVOKE ALL ON {everything}, {s}.account FROM PUBLIC, {logins}")
    run(
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {s} FROM PUBLIC, {COUNTER_GROUP}, {DISTRICT_WRITER}"
    )
    run(f"REVOKE CREATE ON SCHEMA {s} FROM PUBLIC")
    run(f"GRANT USAGE ON SCHEMA {s} TO {logins}")
    for table, privileges in COUNTER_GRANTS.items():
        # The district's import inserts rows with the ids it drew (storage/bulk.py).
        run(f"GRANT {privileges} ON {s}.{table} TO {DISTRICT_WRITER}")
        if table in NO_ID_INSERT:
            columns = ", ".join(
                _ident(connection, c) for c in _columns(connection, schema, table) if c != "id"
            )
            privileges = privileges.replace("INSERT", f"INSERT ({columns})")
        run(f"GRANT {privileges} ON {s}.{table} TO {COUNTER_GROUP}")
    run(f"GRANT SELECT ON {everything} TO {READER_GROUP}")
    run(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {s} TO {COUNTER_GROUP}, {DISTRICT_WRITER}")
    # One district per server: only its roles (and the owner) connect to this database.
    database = _ident(
        connection, str(connection.exec_driver_sql("SELECT current_database()").scalar_one())
    )
    run(f"REVOKE CONNECT, TEMPORARY ON DATABASE {database} FROM PUBLIC")
    run(f"GRANT CONNECT ON DATABASE {database} TO {logins}")


def _policies(connection: Connection, s: str, owner: str) -> None:
    run = connection.exec_driver_sql
    existing = connection.execute(
        text("SELECT tablename, policyname FROM pg_policies WHERE schemaname = :s"),
        {"s": s.strip('"')},
    ).all()
    for table, policy in existing:
        if policy.startswith("uc_"):
            run(f"DROP POLICY {_ident(connection, policy)} ON {s}.{table}")
    for table, commands in COUNTER_POLICIES.items():
        run(f"ALTER TABLE {s}.{table} ENABLE ROW LEVEL SECURITY")
        run(f"ALTER TABLE {s}.{table} FORCE ROW LEVEL SECURITY")
        run(
            f"CREATE POLICY uc_owner ON {s}.{table} FOR ALL TO {_ident(connection, owner)} "
            "USING (true) WITH CHECK (true)"
        )
        run(f"CREATE POLICY uc_reader ON {s}.{table} FOR SELECT TO {READER_GROUP} USING (true)")
        # The district's working login: every station's rows (what it may do: its grants).
        run(
            f"CREATE POLICY uc_district_rw ON {s}.{table} FOR ALL TO {DISTRICT_WRITER} "
            "USING (true) WITH CHECK (true)"
        )
        for command, (using, check) in commands.items():
            clauses = ""
            if using is not None:
                clauses += f" USING ({using.format(s=s)})"
            if check is not None:
                clauses += f" WITH CHECK ({check.format(s=s)})"
            run(
                f"CREATE POLICY uc_counter_{command.lower()} ON {s}.{table} FOR {command} "
                f"TO {COUNTER_GROUP}{clauses}"
            )
    # The earlier setups' per-row test of a member (no policy uses it any more).
    run(f"DROP FUNCTION IF EXISTS {s}.uc_member_is_ours(integer)")


def apply_setup(
    connection: Connection,
    schema: str,
    stations: Sequence[Station],
    station_scoped: Sequence[str] = (),
    lockout: tuple[int, int] = (5, 15),
) -> None:
    """Everything in the database (one transaction): helper tables and functions, the
    stations' mapping, grants, row-level security. The roles must exist already.
    `station_scoped`: the codes of the program's roles limited to one station (resources/
    access/roles.toml), the only ones a station's role may give the accounts it makes;
    `lockout`: wrong passwords in a row, and the minutes they lock an account for (the
    services' rule, which the server then also enforces: storage/server_accounts.py)."""
    s = _ident(connection, schema)
    owner = table_owner(connection, schema)
    # Setups of several databases on one server at once: one at a time in this database.
    connection.exec_driver_sql("SELECT pg_advisory_xact_lock(1804180418)")
    _helper_objects(connection, s)
    from desktop_app.storage import server_accounts

    server_accounts.install(connection, s, station_scoped, lockout)
    for station in stations:
        connection.execute(
            text(
                f"INSERT INTO {s}.{STATION_TABLE} (role_name, station_code, district) "
                "VALUES (:r, :c, :d) ON CONFLICT (role_name) DO UPDATE SET "
                "district = CASE WHEN EXCLUDED.district = '' THEN "
                f"{s}.{STATION_TABLE}.district ELSE EXCLUDED.district END"
            ),
            {"r": station.role, "c": station.code, "d": station.district},
        )
    _grants(connection, s, schema)
    _policies(connection, s, owner)


def stations_set_up(connection: Connection, schema: str) -> list[tuple[str, str, str]]:
    """(station code, role, district) of every station set up in this database."""
    if (
        connection.execute(
            text("SELECT to_regclass(:t)"), {"t": f"{schema}.{STATION_TABLE}"}
        ).scalar_one_or_none()
        is None
    ):
        return []
    rows = connection.execute(
        text(
            f"SELECT station_code, role_name, district FROM {_ident(connection, schema)}."
            f"{STATION_TABLE} ORDER BY station_code"
        )
    ).all()
    return [(str(a), str(b), str(c)) for a, b, c in rows]


# --- what the program asks while it works ----------------------------------------------

_STATION_KEY = "union_counter_station_role"


def login_station(connection: Connection) -> str | None:
    """The station whose database role this connection is (None: SQLite, the owner, the
    district's reader, or a server without the setup). Read once per pooled connection."""
    if connection.dialect.name != "postgresql":
        return None
    info = connection.connection.info
    if _STATION_KEY not in info:
        found = None
        table = connection.exec_driver_sql(
            f"SELECT to_regclass('{STATION_TABLE}')::text"
        ).scalar_one_or_none()
        if table is not None:  # (a name the parser must find: asked only once it exists)
            found = connection.exec_driver_sql(
                f"SELECT station_code FROM {table} WHERE role_name = current_user"
            ).scalar_one_or_none()
        info[_STATION_KEY] = found
    value = info[_STATION_KEY]
    return None if value is None else str(value)


_BY_FUNCTION_KEY = "union_counter_accounts_by_function"


def accounts_by_function(connection: Connection) -> bool:
    """Whether this login reaches the accounts only through the setup's functions (a counter's
    or the district's login on a server after `server setup`: no grant on the table). Read
    once per pooled connection."""
    if connection.dialect.name != "postgresql":
        return False
    info = connection.connection.info
    if _BY_FUNCTION_KEY not in info:
        info[_BY_FUNCTION_KEY] = bool(
            connection.exec_driver_sql(
                "SELECT to_regclass('account') IS NOT NULL "
                "AND NOT has_table_privilege(to_regclass('account'), 'SELECT') "
                "AND to_regprocedure('uc_accounts_exist()') IS NOT NULL"
            ).scalar_one()
        )
    return bool(info[_BY_FUNCTION_KEY])


def sees_every_row(connection: Connection) -> bool:
    """False for a station's role, which sees only its own applications and members."""
    return login_station(connection) is None


def may_change_schema(connection: Connection) -> bool:
    """Whether this login may create or upgrade the program's tables (only the owner may)."""
    if connection.dialect.name != "postgresql":
        return True
    return bool(
        connection.exec_driver_sql(
            "SELECT CASE WHEN to_regclass('alembic_version') IS NULL "
            "THEN has_schema_privilege(current_schema(), 'CREATE') "
            "ELSE pg_has_role((SELECT relowner FROM pg_class "
            "WHERE oid = to_regclass('alembic_version')), 'USAGE') END"
        ).scalar_one()
    )


def link_member(session: Session, id_number: str) -> None:
    """A station's role: make the member with this resident ID number, if any, visible to
    the station (`uc_member_link`). Nothing for other logins."""
    connection = session.connection()
    if login_station(connection) is None:
        return
    connection.execute(text("SELECT uc_member_link(:n)"), {"n": id_number})


@dataclass(frozen=True)
class Holder:
    """The application holding a claim at another station, as much as the clerk is told."""

    receipt: str
    applied_on: Any
    station_code: str
    station_name: str
    status_number: int


def claim_holder(
    session: Session, id_number: str, scheme: str, kind_number: int, item: str, level: str
) -> Holder | None:
    """A station's role: the live application of this claim at any station (None for other
    logins, who see every application themselves)."""
    connection = session.connection()
    if login_station(connection) is None:
        return None
    row = connection.execute(
        text("SELECT * FROM uc_claim_holder(:n, :s, CAST(:k AS smallint), :i, :l)"),
        {"n": id_number, "s": scheme, "k": kind_number, "i": item, "l": level},
    ).first()
    if row is None:
        return None
    return Holder(str(row[0]), row[1], str(row[2]), str(row[3]), int(row[4]))


def station_text_ids(
    session: Session, kind: str, text_: str, pattern: str, fold: bool, cap: int
) -> list[int]:
    """A station's role: the ids of at most `cap` of its applications whose name (`kind`
    "name": the fragment `text_` as a phrase, then `pattern` with LIKE, or ILIKE when `fold`)
    or receipt ("receipt": `pattern` with LIKE) match, through the search indexes
    (`uc_text_ids`)."""
    rows = session.execute(
        text("SELECT uc_text_ids(:k, :t, :p, :f, :c)"),
        {"k": kind, "t": text_, "p": pattern, "f": fold, "c": cap},
    )
    return [int(row[0]) for row in rows]


def station_roles_of(codes: Iterable[str]) -> list[str]:
    return [station_role(code) for code in codes]
