#!/usr/bin/env bash
# The entrypoint of the temporal-postgres image (temporal-cluster/postgres/Dockerfile), run as `postgres`.
#
# An empty $PGDATA is initialized once: initdb (scram-sha-256 over TCP, peer on the socket for `postgres`),
# the role `temporal` with the password in TEMPORAL_DB_PASSWORD (read from the environment inside psql, never
# on a command line), and the databases `temporal` and `temporal_visibility` owned by it; the role may do
# nothing else (no CREATEDB, no superuser). Then, and at every later start, PostgreSQL runs in the
# foreground as this process (SIGINT, the image's stop signal, is its fast shutdown).
#
# The password is set at initialization only. To change it later: ALTER ROLE temporal PASSWORD '...' in
# `docker compose exec postgresql psql -U postgres`, then the new TEMPORAL_DB_PASSWORD and `up -d`.
set -Eeuo pipefail

PGDATA=${PGDATA:-/var/lib/postgresql/data}
DB_USER=temporal
DATABASES=(temporal temporal_visibility)
MARKER=$PGDATA/.temporal-initialized # written last: its absence next to a PG_VERSION is a broken init

log() { printf 'temporal-postgres: %s\n' "$*" >&2; }
die() {
  printf 'temporal-postgres: ERROR: %s\n' "$*" >&2
  exit 1
}

[[ $(id -un) == postgres ]] || die "run as the user postgres (the image's USER), not $(id -un)"
[[ -n ${TEMPORAL_DB_PASSWORD:-} ]] ||
  die "TEMPORAL_DB_PASSWORD is not set: the password of the database user $DB_USER (docker-compose.temporal.yml)"
((${#TEMPORAL_DB_PASSWORD} >= 16)) || die "TEMPORAL_DB_PASSWORD is shorter than 16 characters"
[[ -d $PGDATA && -w $PGDATA ]] || die "$PGDATA is not a folder the user postgres can write to"

initialize() {
  if [[ -n $(ls -A "$PGDATA") ]]; then
    die "$PGDATA holds files but no finished initialization ($MARKER is missing): an earlier first start" \
      "was cut off, or the volume is another database's. Remove the volume (docker compose down -v) to start over."
  fi
  log "initializing $PGDATA (PostgreSQL $(postgres --version | awk '{print $NF}'))"
  initdb -D "$PGDATA" -U postgres -E UTF8 --no-locale --auth-local=peer --auth-host=scram-sha-256 >/dev/null
  cat >>"$PGDATA/postgresql.conf" <<'EOF'
# temporal-cluster/postgres/entrypoint.sh: reachable on the container's network (not published by the
# compose file), passwords stored and checked as scram-sha-256.
listen_addresses = '*'
max_connections = 150
shared_buffers = 64MB
password_encryption = scram-sha-256
EOF
  local dbs
  dbs=$(
    IFS=,
    echo "${DATABASES[*]}"
  )
  cat >"$PGDATA/pg_hba.conf" <<EOF
# TYPE  DATABASE  USER      ADDRESS     METHOD
local   all       postgres              peer
host    $dbs  $DB_USER  0.0.0.0/0   scram-sha-256
host    $dbs  $DB_USER  ::/0        scram-sha-256
EOF
  # On the socket only while the role and the databases are made: no TCP client sees a half-made server.
  pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w -t 60 start >/dev/null
  # \getenv (psql 15) reads the password inside psql; :'password' quotes it as a literal. The statement
  # that carries it is never logged, not even when it fails (log_min_error_statement = panic).
  psql -X -q -v ON_ERROR_STOP=1 -U postgres -d postgres <<EOF
SET log_min_error_statement = panic;
\getenv password TEMPORAL_DB_PASSWORD
CREATE ROLE $DB_USER LOGIN PASSWORD :'password';
$(for db in "${DATABASES[@]}"; do printf 'CREATE DATABASE %s OWNER %s;\n' "$db" "$DB_USER"; done)
EOF
  pg_ctl -D "$PGDATA" -m fast -w -t 60 stop >/dev/null
  date -u +%Y-%m-%dT%H:%M:%SZ >"$MARKER"
  log "initialized: role $DB_USER, databases ${DATABASES[*]}"
}

[[ -f $MARKER ]] || initialize
exec postgres -D "$PGDATA"
