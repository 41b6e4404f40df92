#!/usr/bin/env bash
# Starts Debian's PostgreSQL cluster (idempotent), makes sure the test role and database exist, and prints
# one Npgsql connection string on stdout (diagnostics go to stderr). Exits non-zero when PostgreSQL cannot
# be started, so callers (the ControlPlane PostgreSQL tests) fail loudly instead of skipping.
# Env: PG_TEST_USER / PG_TEST_PASSWORD / PG_TEST_DB override the defaults below.
set -euo pipefail
user="${PG_TEST_USER:-mediacore_test}"
pass="${PG_TEST_PASSWORD:-mediacore_test}"
db="${PG_TEST_DB:-mediacore_test}"

log() { echo "start-postgres: $*" >&2; }

if ! command -v pg_lsclusters >/dev/null 2>&1; then
  log "postgresql-common is not installed (apt-get install postgresql)"; exit 2
fi

# Pick the newest installed major version's cluster; create one if the package left none.
ver=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1)
[ -n "$ver" ] || { log "no PostgreSQL server binaries under /usr/lib/postgresql"; exit 2; }
line=$(pg_lsclusters -h | awk -v v="$ver" '$1==v {print; exit}')
if [ -z "$line" ]; then
  log "creating cluster $ver/main"
  pg_createcluster "$ver" main >&2
  line=$(pg_lsclusters -h | awk -v v="$ver" '$1==v {print; exit}')
fi
cluster=$(echo "$line" | awk '{print $2}')
port=$(echo "$line" | awk '{print $3}')
status=$(echo "$line" | awk '{print $4}')

if [ "$status" != "online" ]; then
  log "starting cluster $ver/$cluster on port $port"
  # pg_ctlcluster refuses to run as root for some actions only; start works as root and drops to postgres.
  pg_ctlcluster "$ver" "$cluster" start >&2 || true
fi

# Wait (bounded) until the server accepts connections.
for _ in $(seq 1 60); do
  if runuser -u postgres -- psql -p "$port" -Atqc "select 1" >/dev/null 2>&1; then ready=1; break; fi
  sleep 0.5
done
if [ "${ready:-0}" != 1 ]; then
  log "PostgreSQL $ver/$cluster did not accept connections on port $port; see /var/log/postgresql/postgresql-$ver-$cluster.log"
  exit 3
fi

psql_su() { runuser -u postgres -- psql -p "$port" -v ON_ERROR_STOP=1 -Atq "$@"; }
if [ "$(psql_su -c "select 1 from pg_roles where rolname='$user'")" != 1 ]; then
  psql_su -c "create role \"$user\" login createdb password '$pass'" >&2
fi
if [ "$(psql_su -c "select 1 from pg_database where datname='$db'")" != 1 ]; then
  psql_su -c "create database \"$db\" owner \"$user\"" >&2
fi

echo "Host=127.0.0.1;Port=$port;Username=$user;Password=$pass;Database=$db"
