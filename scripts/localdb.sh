#!/usr/bin/env bash
# Project-local PostgreSQL 15 cluster for development and tests.
#
#   scripts/localdb.sh start   create the cluster if missing, start it if not running,
#                              create database "caseflow" if missing (idempotent)
#   scripts/localdb.sh stop    stop the cluster (if running)
#   scripts/localdb.sh restart fast restart (cuts open connections)
#   scripts/localdb.sh status  exit 0 when running
#   scripts/localdb.sh url     print the DATABASE_URL (no side effects)
#   scripts/localdb.sh dir     print the cluster folder (no side effects)
#   scripts/localdb.sh psql    open psql on the caseflow database
#
# The cluster lives in <repo>/.local/pg ({data,run,log}) and listens only on a unix
# socket in .local/pg/run, port 54329, trust auth, superuser "postgres".
# PostgreSQL refuses to run as root: as root, the server tools run as the "postgres"
# system user (runuser) on a folder it owns. If that user cannot reach the repo folder
# (or the socket path would be too long), the cluster goes to /tmp/caseflow-pg-<hash>.
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
# LOCALDB_BASE / LOCALDB_PORT: another cluster beside the usual one (the fault
# drill, bench/drill_faults.py, restarts its own and never this one).
PGPORT_LOCAL=${LOCALDB_PORT:-54329}
DBNAME=caseflow
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)

is_root() { [ "$(id -u)" = 0 ]; }

# Run a server tool: as the postgres user when we are root, directly otherwise.
as_pg() {
    if is_root; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

# Where the cluster lives. Deterministic and side-effect free (used by `url`).
pg_base() {
    if [ -n "${LOCALDB_BASE:-}" ]; then echo "$LOCALDB_BASE"; return; fi
    local local_base="$ROOT/.local/pg" fallback
    fallback="/tmp/caseflow-pg-$(printf '%s' "$ROOT" | sha1sum | cut -c1-12)"
    # unix socket paths are limited to 107 bytes
    if [ $(( ${#local_base} + ${#PGPORT_LOCAL} + 14 )) -gt 100 ]; then
        echo "$fallback"; return
    fi
    if is_root && id postgres >/dev/null 2>&1; then
        if ! (cd / && runuser -u postgres -- test -x "$ROOT") ||
           { [ -d "$ROOT/.local" ] && ! (cd / && runuser -u postgres -- test -x "$ROOT/.local"); }; then
            echo "$fallback"; return
        fi
    fi
    echo "$local_base"
}

BASE=$(pg_base)
DATA="$BASE/data"
RUN="$BASE/run"
LOG="$BASE/log/postgres.log"

urlencode_path() { printf '%s' "$1" | sed -e 's/%/%25/g' -e 's|/|%2F|g' -e 's/ /%20/g'; }

cmd_url() {
    # host as a percent-encoded socket directory: dj-database-url turns it into
    # HOST=/abs/run, PORT=54329, and libpq/psycopg accept the same URI as-is.
    echo "postgres://postgres@$(urlencode_path "$RUN"):$PGPORT_LOCAL/$DBNAME"
}

is_running() { [ -f "$DATA/PG_VERSION" ] && as_pg "$PGBIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }

ensure_server_installed() {
    [ -x "$PGBIN/postgres" ] && return
    if is_root; then
        echo "localdb: installing PostgreSQL 15 (apt-get)" >&2
        DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql-15 >&2
    else
        echo "localdb: $PGBIN/postgres not found; install PostgreSQL 15 (apt-get install postgresql-15)" >&2
        exit 1
    fi
}

init_cluster() {
    ensure_server_installed
    if [ -n "${LOCALDB_BASE:-}" ]; then
        :
    elif [ "$BASE" = "$ROOT/.local/pg" ]; then
        mkdir -p "$ROOT/.local"
        chmod 755 "$ROOT/.local"
    else
        echo "localdb: the postgres user cannot use $ROOT/.local (or its path is too long);" \
             "using $BASE instead" >&2
    fi
    mkdir -p "$BASE" "$RUN" "$BASE/log"
    chmod 700 "$BASE"
    if is_root; then
        chown -R postgres:postgres "$BASE"
    fi
    [ -f "$DATA/PG_VERSION" ] && return

    local locale=C.UTF-8
    if ! locale -a 2>/dev/null | grep -qix 'c\.utf-\?8'; then locale=C; fi
    echo "localdb: initdb $DATA (locale $locale)" >&2
    as_pg "$PGBIN/initdb" -D "$DATA" --auth=trust -U postgres --encoding=UTF8 \
        --locale="$locale" >"$BASE/log/initdb.log" 2>&1 ||
        { cat "$BASE/log/initdb.log" >&2; exit 1; }
    as_pg tee -a "$DATA/postgresql.conf" >/dev/null <<CONF

# --- caseflow local cluster (scripts/localdb.sh) ---
listen_addresses = ''
port = $PGPORT_LOCAL
unix_socket_directories = '$RUN'
max_connections = 100
shared_buffers = 256MB
fsync = on
CONF
}

cmd_start() {
    if is_running; then
        ensure_db
        return
    fi
    init_cluster
    # the socket dir may sit under /tmp and vanish; recreate it
    if [ ! -d "$RUN" ]; then mkdir -p "$RUN"; is_root && chown postgres:postgres "$RUN"; fi
    echo "localdb: starting PostgreSQL on $RUN (port $PGPORT_LOCAL), log $LOG" >&2
    as_pg "$PGBIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start >/dev/null ||
        { tail -n 30 "$LOG" >&2; exit 1; }
    ensure_db
}

ensure_db() {
    local exists
    exists=$(as_pg "$PGBIN/psql" -h "$RUN" -p "$PGPORT_LOCAL" -U postgres -d postgres -XtAq \
        -c "SELECT 1 FROM pg_database WHERE datname = '$DBNAME'")
    if [ "$exists" != 1 ]; then
        as_pg "$PGBIN/createdb" -h "$RUN" -p "$PGPORT_LOCAL" -U postgres "$DBNAME"
        echo "localdb: created database $DBNAME" >&2
    fi
}

cmd_stop() {
    if is_running; then
        as_pg "$PGBIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
        echo "localdb: stopped" >&2
    fi
}

# A fast restart (the drill's outage): open connections are cut, the server is back
# when this returns.
cmd_restart() {
    as_pg "$PGBIN/pg_ctl" -D "$DATA" -l "$LOG" -m fast -w -t 60 restart >/dev/null
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    restart) cmd_restart ;;
    status) is_running ;;
    url) cmd_url ;;
    dir) echo "$BASE" ;;
    psql) shift; exec "$PGBIN/psql" -h "$RUN" -p "$PGPORT_LOCAL" -U postgres -d "$DBNAME" "$@" ;;
    *) echo "usage: $0 {start|stop|restart|status|url|dir|psql}" >&2; exit 2 ;;
esac
