"""Accounts on a district's server, reached only through functions (part of `server setup`,
storage/server_roles.py installs them).

A counter's login — a station's role, or the district's working login `uc_district_rw` — has
no grant on `account`. Each function runs as the owner, asks who logged in (`session_user`)
and acts only on the accounts that login may touch:

- a station's role: the accounts of its own station, and for signing in also those of no
  station (the administrator, the district's reviewers), who may sign in at any counter;
- `uc_district_rw`: every account.

**No password hash leaves the server.** `uc_account_row` gives one account with its
password's argon2id string cut to its settings and salt (`$argon2id$v=19$m=…,t=…,p=1$<salt>$`):
enough for the program to derive, from the password typed, the string the account would
hold, not enough to try passwords away from the server. `uc_account_try` compares that
string with the stored one on the server, and `uc_account_answer` tells the outcome. A
station's PC holds its login's password (the libpq password file), so whoever uses that PC
could otherwise have fetched the administrator's hash and guessed at it offline, at their
own speed.

**The server counts wrong passwords itself.** Every password tried is kept in
`uc_account_attempt` (no login but the owner can read or change it) with the server's own
clock, and its outcome is told only once that row is committed, so a counter cannot try and
roll the trace back: after `lockout` wrong passwords within its minutes the server refuses
to compare at all until they have passed. The program still counts and locks on the account
row as on one PC (services/accounts.py: the messages, the administrator's reset); a counter
that skipped that, reset the row's count, or claimed another time still meets the server's
count. A new password written on the account (any reset) clears the server's count.

`uc_account_list` lists accounts without any hash. `uc_account_add` and `uc_account_save`
write: a station's role only its own station's accounts of a station's role
(`station_scoped`), and for an account of no station only what a sign-in records (the
wrong-password count, one more or back to 0, and the lock).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

ATTEMPT_TABLE = "uc_account_attempt"

# The stored string cut after its salt: everything but what follows the last '$'.
_SETTING = "regexp_replace({}, '[^$]*$', '')"


def install(
    connection: Connection, s: str, station_scoped: Sequence[str], lockout: tuple[int, int]
) -> None:
    """Create or replace the account functions in schema `s` (quoted)."""
    from desktop_app.storage.server_roles import (
        COUNTER_GROUP,
        DISTRICT_WRITER,
        READER_GROUP,
        STATION_TABLE,
        literal,
    )

    run = connection.exec_driver_sql
    failures, minutes = (int(value) for value in lockout)
    roles = "ARRAY[" + ", ".join(literal(code) for code in station_scoped) + "]::text[]"
    who = (
        f"SELECT r.station_code INTO code FROM {s}.{STATION_TABLE} r "
        "WHERE r.role_name = session_user; "
        f"whole := code IS NULL AND session_user = {literal(DISTRICT_WRITER)}; "
        "IF code IS NULL AND NOT whole THEN RAISE EXCEPTION 'accounts: not a counter login' "
        "USING ERRCODE = '42501'; END IF;"
    )
    visible = "(whole OR a.station_code IS NULL OR a.station_code = code)"
    definer = "SECURITY DEFINER SET search_path = pg_catalog, pg_temp"
    run(
        f"CREATE OR REPLACE FUNCTION {s}.uc_accounts_exist() RETURNS boolean LANGUAGE sql "
        f"STABLE {definer} AS $$ SELECT EXISTS (SELECT 1 FROM {s}.account) $$"
    )
    columns = (
        "a.id, a.username, a.name, a.role, a.station_code, "
        f"{_SETTING.format('a.password_hash')}::varchar, a.must_change_password, a.disabled, "
        "a.failed_sign_ins, a.locked_until, a.created_at, a.created_by, a.changed_at"
    )
    run(f"DROP FUNCTION IF EXISTS {s}.uc_account_row(text, integer, boolean)")
    run(
        f"CREATE FUNCTION {s}.uc_account_row(p_username text, p_id integer, p_lock boolean) "
        "RETURNS TABLE (id integer, username varchar, name varchar, role varchar, "
        "station_code varchar, password_hash varchar, must_change_password boolean, "
        "disabled boolean, failed_sign_ins integer, locked_until timestamp, "
        "created_at timestamp, created_by varchar, changed_at timestamp) "
        f"LANGUAGE plpgsql {definer} AS $$ "
        f"DECLARE code varchar; whole boolean; BEGIN {who} "
        f"IF p_lock THEN RETURN QUERY SELECT {columns} FROM {s}.account a "
        f"WHERE (a.username = p_username OR a.id = p_id) AND {visible} FOR UPDATE; "
        f"ELSE RETURN QUERY SELECT {columns} FROM {s}.account a "
        f"WHERE (a.username = p_username OR a.id = p_id) AND {visible}; END IF; END $$"
    )
    # A password tried: `uc_account_try` compares on the server and keeps the outcome ('ok',
    # 'wrong', or 'held': too many wrong ones lately by the server's clock, not compared at
    # all) without telling it; `uc_account_answer` tells it once that row is committed. A
    # counter that rolled its transaction back to leave no trace has nothing to ask about.
    run(
        f"CREATE TABLE IF NOT EXISTS {s}.{ATTEMPT_TABLE} (id bigserial PRIMARY KEY, "
        "account_id integer NOT NULL, login name NOT NULL DEFAULT session_user, "
        "result text NOT NULL, at timestamptz NOT NULL DEFAULT now())"
    )
    run(
        f"CREATE INDEX IF NOT EXISTS {ATTEMPT_TABLE}_account ON {s}.{ATTEMPT_TABLE} "
        "(account_id, at)"
    )
    run(f"REVOKE ALL ON {s}.{ATTEMPT_TABLE} FROM PUBLIC")
    window = f"now() - interval '{minutes} minutes'"
    # A new password (the administrator's reset, wherever it is written) starts the server's
    # count afresh.
    run(
        f"CREATE OR REPLACE FUNCTION {s}.uc_account_new_password() RETURNS trigger "
        f"LANGUAGE plpgsql {definer} AS $$ BEGIN "
        f"DELETE FROM {s}.{ATTEMPT_TABLE} x WHERE x.account_id = NEW.id; RETURN NULL; END $$"
    )
    run(f"REVOKE ALL ON FUNCTION {s}.uc_account_new_password() FROM PUBLIC")
    run(f"DROP TRIGGER IF EXISTS uc_account_new_password ON {s}.account")
    run(
        f"CREATE TRIGGER uc_account_new_password AFTER UPDATE OF password_hash ON {s}.account "
        "FOR EACH ROW WHEN (OLD.password_hash IS DISTINCT FROM NEW.password_hash) "
        f"EXECUTE FUNCTION {s}.uc_account_new_password()"
    )
    run(f"DROP FUNCTION IF EXISTS {s}.uc_account_try(integer, text)")
    run(
        f"CREATE FUNCTION {s}.uc_account_try(p_id integer, p_hash text) RETURNS bigint "
        f"LANGUAGE plpgsql {definer} AS $$ DECLARE code varchar; whole boolean; "
        f"a {s}.account; recent integer; outcome text; made bigint; BEGIN {who} "
        f"SELECT * INTO a FROM {s}.account WHERE id = p_id FOR UPDATE; "
        f"IF NOT FOUND OR NOT {visible} THEN RAISE EXCEPTION 'accounts: no such account' "
        "USING ERRCODE = '42501'; END IF; "
        f"SELECT count(*) INTO recent FROM {s}.{ATTEMPT_TABLE} t WHERE t.account_id = p_id "
        f"AND t.result = 'wrong' AND t.at > {window}; "
        f"outcome := CASE WHEN recent >= {failures} THEN 'held' "
        "WHEN p_hash IS NOT NULL AND p_hash = a.password_hash THEN 'ok' ELSE 'wrong' END; "
        f"INSERT INTO {s}.{ATTEMPT_TABLE} (account_id, result) VALUES (p_id, outcome) "
        "RETURNING id INTO made; RETURN made; END $$"
    )
    run(f"DROP FUNCTION IF EXISTS {s}.uc_account_answer(bigint)")
    run(
        f"CREATE FUNCTION {s}.uc_account_answer(p_attempt bigint) RETURNS text "
        f"LANGUAGE plpgsql {definer} AS $$ DECLARE code varchar; whole boolean; "
        f"t {s}.{ATTEMPT_TABLE}; BEGIN {who} "
        f"SELECT * INTO t FROM {s}.{ATTEMPT_TABLE} x WHERE x.id = p_attempt "
        "AND x.login = session_user AND x.at > now() - interval '5 minutes' FOR UPDATE; "
        "IF NOT FOUND THEN RETURN NULL; END IF; "
        f"DELETE FROM {s}.{ATTEMPT_TABLE} x WHERE x.account_id = t.account_id "
        f"AND (x.at < {window} OR (t.result = 'ok' AND x.result = 'wrong')); "
        f"DELETE FROM {s}.{ATTEMPT_TABLE} x WHERE x.id = p_attempt AND x.result <> 'wrong'; "
        "RETURN t.result; END $$"
    )
    run(f"DROP FUNCTION IF EXISTS {s}.uc_account_list()")
    run(
        f"CREATE FUNCTION {s}.uc_account_list() RETURNS TABLE (id integer, "
        "username varchar, name varchar, role varchar, station_code varchar, "
        "must_change_password boolean, disabled boolean, failed_sign_ins integer, "
        "locked_until timestamp, created_at timestamp, created_by varchar, "
        f"changed_at timestamp) LANGUAGE plpgsql {definer} AS $$ "
        f"DECLARE code varchar; whole boolean; BEGIN {who} "
        f"RETURN QUERY SELECT a.id, a.username, a.name, a.role, a.station_code, "
        "a.must_change_password, a.disabled, a.failed_sign_ins, a.locked_until, "
        f"a.created_at, a.created_by, a.changed_at FROM {s}.account a WHERE {visible} "
        "ORDER BY a.username; END $$"
    )
    run(
        f"CREATE OR REPLACE FUNCTION {s}.uc_account_add(p_username text, p_name text, "
        "p_role text, p_station_code text, p_hash text, p_must_change boolean, "
        "p_at timestamp, p_by text) RETURNS integer LANGUAGE plpgsql "
        f"{definer} AS $$ DECLARE code varchar; whole boolean; made integer; BEGIN {who} "
        f"IF NOT whole AND (p_station_code IS DISTINCT FROM code OR NOT p_role = ANY({roles})) "
        "THEN RAISE EXCEPTION 'accounts: only this station''s accounts' "
        f"USING ERRCODE = '42501'; END IF; INSERT INTO {s}.account (username, name, role, "
        "station_code, password_hash, must_change_password, disabled, failed_sign_ins, "
        "locked_until, created_at, created_by, changed_at) VALUES (p_username, p_name, "
        "p_role, p_station_code, p_hash, p_must_change, false, 0, NULL, p_at, p_by, p_at) "
        "RETURNING id INTO made; RETURN made; END $$"
    )
    # The hash given back as it was read (cut after its salt) means "unchanged".
    run(
        f"CREATE OR REPLACE FUNCTION {s}.uc_account_save(p_id integer, p_hash text, "
        "p_must_change boolean, p_disabled boolean, p_failed integer, "
        "p_locked_until timestamp, p_changed_at timestamp) RETURNS void LANGUAGE plpgsql "
        f"{definer} AS $$ DECLARE code varchar; whole boolean; a {s}.account; "
        f"new_hash text; BEGIN {who} "
        f"SELECT * INTO a FROM {s}.account WHERE id = p_id FOR UPDATE; "
        f"IF NOT FOUND OR NOT {visible} THEN RAISE EXCEPTION 'accounts: no such account' "
        "USING ERRCODE = '42501'; END IF; "
        f"new_hash := CASE WHEN p_hash = {_SETTING.format('a.password_hash')} "
        "THEN a.password_hash ELSE p_hash END; "
        "IF NOT whole THEN "
        "IF a.station_code IS DISTINCT FROM code AND (new_hash IS DISTINCT FROM a.password_hash "
        "OR p_must_change IS DISTINCT FROM a.must_change_password "
        "OR p_disabled IS DISTINCT FROM a.disabled OR p_changed_at IS DISTINCT FROM a.changed_at)"
        " THEN RAISE EXCEPTION 'accounts: only this station''s accounts' "
        "USING ERRCODE = '42501'; END IF; "
        "IF p_failed IS NULL OR (p_failed <> 0 AND p_failed <> a.failed_sign_ins + 1) THEN "
        "RAISE EXCEPTION 'accounts: wrong passwords are counted one by one' "
        "USING ERRCODE = '42501'; END IF; END IF; "
        f"UPDATE {s}.account SET password_hash = new_hash, "
        "must_change_password = p_must_change, "
        "disabled = p_disabled, failed_sign_ins = p_failed, locked_until = p_locked_until, "
        "changed_at = p_changed_at WHERE id = p_id; END $$"
    )
    signatures = (
        "uc_accounts_exist()",
        "uc_account_row(text, integer, boolean)",
        "uc_account_try(integer, text)",
        "uc_account_answer(bigint)",
        "uc_account_list()",
        "uc_account_add(text, text, text, text, text, boolean, timestamp, text)",
        "uc_account_save(integer, text, boolean, boolean, integer, timestamp, timestamp)",
    )
    for name in signatures:
        run(f"REVOKE ALL ON FUNCTION {s}.{name} FROM PUBLIC")
        run(f"GRANT EXECUTE ON FUNCTION {s}.{name} TO {COUNTER_GROUP}, {DISTRICT_WRITER}")
    # Whether there are accounts at all: the read-only login asks it too.
    run(f"GRANT EXECUTE ON FUNCTION {s}.uc_accounts_exist() TO {READER_GROUP}")
