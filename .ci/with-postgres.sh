#!/usr/bin/env bash
# Run a command with UNION_COUNTER_TEST_PG pointing at a throw-away PostgreSQL server.
#
# If UNION_COUNTER_TEST_PG is already set, the command runs against that server. Otherwise a
# server is started with .ci/postgres.sh (installing Debian's packages when root) and stopped
# afterwards — unless it was already running, for another run. If none can be started, the
# PostgreSQL tests are skipped with the reason, unless UNION_COUNTER_REQUIRE_PG=1 (CI), which
# makes that a failure.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

if [ -z "${UNION_COUNTER_TEST_PG:-}" ]; then
    was_running=no
    "$here/postgres.sh" running 2>/dev/null && was_running=yes
    if url=$("$here/postgres.sh" start); then
        export UNION_COUNTER_TEST_PG="$url"
        # Stop only a server this run started (another run may be using one).
        [ "$was_running" = no ] && trap '"$here/postgres.sh" stop' EXIT
    elif [ -n "${UNION_COUNTER_REQUIRE_PG:-}" ]; then
        echo "with-postgres.sh: could not start PostgreSQL, and UNION_COUNTER_REQUIRE_PG is set" >&2
        exit 1
    else
        echo "with-postgres.sh: no PostgreSQL server; its tests will be skipped" >&2
    fi
fi
"$@"
