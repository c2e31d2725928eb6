#!/usr/bin/env bash
# A throw-away PostgreSQL server on 127.0.0.1 for the store's tests.
#
#   .ci/postgres.sh start   installs Debian's postgresql if missing (needs root), starts a
#                           server in a temporary folder, prints its SQLAlchemy URL
#                           (or, when one is already running there, prints its URL and
#                           leaves it alone)
#   .ci/postgres.sh running exit 0 when that server is up
#   .ci/postgres.sh stop    stops it
#
# Trust authentication (but for the one role of the password-file tests), loopback only,
# fsync off: for tests, never for real data.
# `.ci/with-postgres.sh` wraps a command with start/stop (used by `make test`).
set -euo pipefail

PGPORT="${UNION_COUNTER_PG_PORT:-54329}"
PGDATA_DIR="${UNION_COUNTER_PG_DATA:-/tmp/union-counter-pg}"

pg_bin() {
    local bin
    for bin in /usr/lib/postgresql/*/bin; do
        [ -x "$bin/pg_ctl" ] && { echo "$bin"; return 0; }
    done
    return 1
}

if [ "${1:-start}" = "running" ]; then
    BIN=$(pg_bin) && [ -d "$PGDATA_DIR" ] && "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PGPORT"
    exit $?
fi

if [ "${1:-start}" = "stop" ]; then
    if BIN=$(pg_bin) && [ -d "$PGDATA_DIR" ]; then
        su postgres -c "$BIN/pg_ctl -D '$PGDATA_DIR' -m fast stop" >/dev/null 2>&1 || true
    fi
    exit 0
fi

if ! BIN=$(pg_bin); then
    if [ "$(id -u)" != 0 ]; then
        echo "postgres.sh: PostgreSQL is not installed and we are not root; cannot install it" >&2
        exit 1
    fi
    echo "Installing PostgreSQL from Debian's packages…" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        postgresql postgresql-contrib >/dev/null
    BIN=$(pg_bin)
fi

if [ "$(id -u)" = 0 ]; then
    RUN=(su postgres -c)
else
    RUN=(bash -c)
fi

url="postgresql+psycopg://postgres@127.0.0.1:$PGPORT/postgres"
# A server of ours already running there (another test run's): use it, never wipe it.
if [ -d "$PGDATA_DIR" ] && "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PGPORT" 2>/dev/null; then
    echo "PostgreSQL already running on 127.0.0.1:$PGPORT (reused)" >&2
    echo "$url"
    exit 0
fi

if [ -d "$PGDATA_DIR" ]; then
    "${RUN[@]}" "$BIN/pg_ctl -D '$PGDATA_DIR' -m immediate stop" >/dev/null 2>&1 || true
    rm -rf "$PGDATA_DIR"
fi
mkdir -p "$PGDATA_DIR"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$PGDATA_DIR"
"${RUN[@]}" "$BIN/initdb -D '$PGDATA_DIR' -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8" >/dev/null
# One role must give its password (the password-file tests, tests/services/test_pgpass.py):
# its line comes before initdb's trust lines, which admit everyone else without one.
{ echo "host all uc_password_test 127.0.0.1/32 scram-sha-256"; cat "$PGDATA_DIR/pg_hba.conf"; } \
    > "$PGDATA_DIR/pg_hba.conf.new"
mv "$PGDATA_DIR/pg_hba.conf.new" "$PGDATA_DIR/pg_hba.conf"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$PGDATA_DIR/pg_hba.conf"
"${RUN[@]}" "$BIN/pg_ctl -D '$PGDATA_DIR' -l '$PGDATA_DIR/server.log' -w \
    -o \"-c listen_addresses=127.0.0.1 -p $PGPORT -k /tmp -c fsync=off -c max_connections=200\" start" >/dev/null
"$BIN/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres -qc "CREATE EXTENSION IF NOT EXISTS pg_trgm" >/dev/null

echo "PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PGPORT" >&2
echo "$url"
