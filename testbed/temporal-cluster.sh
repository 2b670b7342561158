#!/usr/bin/env bash
# The test bed's real Temporal cluster: a server built from temporal-cluster/server (go.temporal.io/server
# as a library, with the bed's authorizer and claim mapper), PostgreSQL 15 for persistence, and mTLS with
# one client certificate per role (docs/temporal-cluster.md). Beside the dev server testbed.sh runs on
# 7233, never instead of it: its ports are 17233 (frontend gRPC), 17243 (frontend HTTP), 17234-17242
# (the other services) and 15432 (PostgreSQL), all on 127.0.0.1.
#
#   bash testbed/temporal-cluster.sh build      # the server and the sql tool, when their sources changed
#   bash testbed/temporal-cluster.sh pki        # the test CA and the certificates that are missing or expiring
#   bash testbed/temporal-cluster.sh up         # everything above, PostgreSQL, the schema, the server,
#                                               # namespace default and the search attributes; writes
#                                               # $CACHE/testbed-cluster.env
#   bash testbed/temporal-cluster.sh status     # one line per part; exit 1 if any is down
#   bash testbed/temporal-cluster.sh down       # stop the server and PostgreSQL (data and certificates stay)
#   bash testbed/temporal-cluster.sh cert ROLE CN NAME   # one more client certificate, e.g. agent agent@<nodeId>
#
# Faults for tests, each printing what it did and how long it took:
#
#   bash testbed/temporal-cluster.sh server kill     # SIGKILL the server
#   bash testbed/temporal-cluster.sh server stop     # SIGTERM, SIGKILL after 30 s
#   bash testbed/temporal-cluster.sh server start    # start it again, wait until SERVING
#   bash testbed/temporal-cluster.sh pg restart      # pg_ctl -m immediate stop (a crash), then start
#
# VBT_TEMPORAL_EXTRA_IPS (comma-separated) adds IP SANs to the server certificate, for clients that reach
# the host at another address (the three-node bed's nodes, through socat). VBT_TEMPORAL_LOG_ALLOWED=1
# makes the server log the calls it allows too, not only those it denies (a change restarts it at `up`).
#
# Everything lives in $CACHE = ${VAULT_BOOTSTRAP_CACHE:-<repo>/.cache}: binaries in bin/, the rest in
# temporal-cluster/ (pki/, pgdata/, the rendered config), logs in logs/.
set -Eeuo pipefail

TESTBED_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(dirname "$TESTBED_DIR")
CACHE=$(realpath -m "${VAULT_BOOTSTRAP_CACHE:-$REPO_ROOT/.cache}")
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$TESTBED_DIR/lib.sh"
# The cluster's Web UI (ui_build, ui_start, ui_stop, ui_probe, ui_url): it reads with the viewer role.
# shellcheck source-path=SCRIPTDIR source=temporal-ui.sh
source "$TESTBED_DIR/temporal-ui.sh"

SERVER_SRC=$REPO_ROOT/temporal-cluster/server
SERVER_BIN=$CACHE/bin/vbt-temporal-server
SQL_TOOL=$CACHE/bin/vbt-temporal-sql-tool
TC_DIR=$CACHE/temporal-cluster
PKI_DIR=$TC_DIR/pki
LOG_DIR=$CACHE/logs

IP=127.0.0.1
FRONTEND_PORT=17233
FRONTEND_HTTP_PORT=17243
FRONTEND_MEMBERSHIP_PORT=17240
HISTORY_PORT=17234 HISTORY_MEMBERSHIP_PORT=17235
MATCHING_PORT=17236 MATCHING_MEMBERSHIP_PORT=17237
WORKER_PORT=17238 WORKER_MEMBERSHIP_PORT=17239
METRICS_PORT=17242
FRONTEND=$IP:$FRONTEND_PORT
SERVER_NAME=temporal # the name clients verify the frontend's certificate for (a SAN)
NAMESPACE=default
RETENTION=259200s # 3 days; the CLI's "72h" is not accepted by this server's API
SEARCH_ATTRIBUTES=(VaultBootstrapStep=Keyword VaultHealthVerdict=Keyword VaultHealthFindings=KeywordList
  VaultRestoreDrill=Keyword)

SERVER_PID_FILE=$TC_DIR/server.pid
SERVER_LOG=$LOG_DIR/temporal-cluster-server.log
SERVER_CONFIG=$TC_DIR/config.yaml
DYNAMIC_CONFIG=$TC_DIR/dynamicconfig.yaml
SERVER_INPUTS=$TC_DIR/server.inputs # hash of the binary and config the running server started with

PG_BIN=/usr/lib/postgresql/15/bin
PG_PORT=15432
PG_DATA=$TC_DIR/pgdata
PG_SOCKET_DIR=$TC_DIR/pgsock
PG_LOG=$LOG_DIR/temporal-cluster-pg.log
PG_PASSWORD_FILE=$TC_DIR/pg-password
PG_USER=temporal
DATABASES=(temporal temporal_visibility)
SCHEMA_DONE=$TC_DIR/schema.done # the sql tool's hash the schema was last brought up to date with

CLIENT_ROLES=(worker agent operator break-glass viewer admin)
CA_DAYS=3650
CERT_DAYS=825
RENEW_BEFORE=$((30 * 86400)) # a certificate expiring within 30 days is made again

# elapsed STARTED_MS: seconds since STARTED_MS (date +%s%3N), one decimal.
elapsed() {
  local ms=$(($(date +%s%3N) - $1))
  printf '%d.%ds' $((ms / 1000)) $((ms % 1000 / 100))
}

tail_log() { tail -n 15 "$1" 2>/dev/null | sed 's/^/    /' >&2 || true; }

# pid_gone PID: the process has exited; a zombie counts (this machine's init reaps them up to 2 s late).
pid_gone() {
  ! kill -0 "$1" 2>/dev/null || [[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) == Z ]]
}

# ---------------------------------------------------------------------------------------------
# build: the server and the sql tool, from temporal-cluster/server (its go.mod pins the server)

# Every Go file (tests too: simpler than telling them apart), go.mod, go.sum and the Go version.
build_hash() {
  hash_of "$SERVER_SRC/go.mod" "$SERVER_SRC/go.sum" "$SERVER_SRC"/*.go "$(go version)"
}

probe_build() {
  local hash
  hash=$(build_hash)
  [[ -x $SERVER_BIN && -x $SQL_TOOL && $(cat "$SERVER_BIN.inputs" 2>/dev/null) == "$hash" &&
    $(cat "$SQL_TOOL.inputs" 2>/dev/null) == "$hash" ]]
}

# Go's module and build caches are its defaults (GOMODCACHE, GOCACHE, outside the repo): a rebuild after
# a change to authz.go recompiles one package and links. Always at the lowest priority: the machine is
# shared, and a cold build takes over ten minutes on two cores.
ensure_build() {
  command -v go >/dev/null || PATH=$PATH:/usr/local/go/bin
  command -v go >/dev/null || die "build: go not found (Go 1.26 is needed)"
  if probe_build; then
    log "build: $SERVER_BIN and $SQL_TOOL are current"
    return
  fi
  local started hash log_file=$LOG_DIR/temporal-cluster-build.log
  started=$(date +%s%3N)
  hash=$(build_hash)
  mkdir -p "$CACHE/bin" "$LOG_DIR"
  log "build: compiling the server and the sql tool from $SERVER_SRC (log: $log_file; cold: >10 min)"
  if ! (cd "$SERVER_SRC" && export GOTOOLCHAIN=local GOFLAGS=-mod=readonly &&
    nice -n 19 go build -o "$SERVER_BIN.tmp" . &&
    nice -n 19 go build -o "$SQL_TOOL.tmp" go.temporal.io/server/cmd/tools/sql) >"$log_file" 2>&1; then
    tail_log "$log_file"
    die "build: go build failed (log: $log_file)"
  fi
  mv -f "$SERVER_BIN.tmp" "$SERVER_BIN"
  mv -f "$SQL_TOOL.tmp" "$SQL_TOOL"
  printf '%s\n' "$hash" >"$SERVER_BIN.inputs"
  printf '%s\n' "$hash" >"$SQL_TOOL.inputs"
  log "build: done in $(elapsed "$started")"
}

# ---------------------------------------------------------------------------------------------
# pki: a test CA, the server's certificates and one client certificate per role

# subject ROLE CN: the convention the claim mapper reads (temporal-cluster/server/authz.go).
subject() { printf '/O=vault-bootstrap/OU=%s/CN=%s' "$1" "$2"; }

server_sans() {
  local sans="DNS:localhost,DNS:$SERVER_NAME,IP:127.0.0.1" extra
  local -a ips=()
  IFS=, read -r -a ips <<<"${VBT_TEMPORAL_EXTRA_IPS:-}"
  for extra in "${ips[@]}"; do
    extra=${extra//[[:space:]]/}
    [[ -z $extra ]] && continue
    [[ $extra =~ ^[0-9.]+$|^[0-9a-fA-F:]+$ ]] || die "VBT_TEMPORAL_EXTRA_IPS: '$extra' is not an IP address"
    sans+=",IP:$extra"
  done
  printf '%s' "$sans"
}

write_openssl_cnf() {
  cat >"$PKI_DIR/openssl.cnf" <<EOF
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = \${ENV::VBT_SANS}
[internode]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth, clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = DNS:localhost, IP:127.0.0.1
[client]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
# openssl ca (the expired certificate)
[ca_db]
database = \${ENV::VBT_CA_DB}/index.txt
new_certs_dir = \${ENV::VBT_CA_DB}
serial = \${ENV::VBT_CA_DB}/serial
default_md = sha256
policy = any
unique_subject = no
[any]
organizationName = optional
organizationalUnitName = optional
commonName = supplied
EOF
}

KEY_ARGS=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
# openssl.cnf reads these from the environment; every command parses the whole file, so they need values
# even where they are not used (issue and issue_expired set their own).
export VBT_SANS=DNS:localhost VBT_CA_DB=$PKI_DIR

# cert_current NAME [CHECKEND]: NAME.pem is signed by the CA, matches NAME.key, and lives long enough.
cert_current() {
  local pem=$PKI_DIR/$1.pem key=$PKI_DIR/$1.key
  [[ -s $pem && -s $key ]] &&
    openssl verify -CAfile "$PKI_DIR/ca.pem" "$pem" >/dev/null 2>&1 &&
    openssl x509 -checkend "${2:-$RENEW_BEFORE}" -noout -in "$pem" >/dev/null 2>&1 &&
    [[ $(openssl x509 -pubkey -noout -in "$pem") == "$(openssl pkey -pubout -in "$key" 2>/dev/null)" ]]
}

# issue NAME EXTENSIONS SUBJECT [SANS]: a key and a certificate signed by the CA, NAME.{key,pem}.
issue() {
  local name=$1 ext=$2 subj=$3 sans=${4:-}
  local tmp=$PKI_DIR/.$name.tmp
  {
    VBT_SANS=$sans openssl req -config "$PKI_DIR/openssl.cnf" "${KEY_ARGS[@]}" -keyout "$tmp.key" \
      -out "$tmp.csr" -subj "$subj" 2>>"$PKI_DIR/openssl.log" &&
      VBT_SANS=$sans openssl x509 -req -in "$tmp.csr" -CA "$PKI_DIR/ca.pem" -CAkey "$PKI_DIR/ca.key" \
        -days "$CERT_DAYS" -set_serial "0x$(openssl rand -hex 16)" -extfile "$PKI_DIR/openssl.cnf" \
        -extensions "$ext" -out "$tmp.pem" 2>>"$PKI_DIR/openssl.log"
  } || die "pki: issuing $name failed (log: $PKI_DIR/openssl.log)"
  rm -f "$tmp.csr"
  mv -f "$tmp.key" "$PKI_DIR/$name.key"
  mv -f "$tmp.pem" "$PKI_DIR/$name.pem"
  log "pki: issued $name.pem ($subj${sans:+, $sans})"
}

ensure_ca() {
  if [[ -s $PKI_DIR/ca.pem && -s $PKI_DIR/ca.key ]] &&
    openssl x509 -checkend "$RENEW_BEFORE" -noout -in "$PKI_DIR/ca.pem" >/dev/null 2>&1 &&
    [[ $(openssl x509 -pubkey -noout -in "$PKI_DIR/ca.pem") == \
      "$(openssl pkey -pubout -in "$PKI_DIR/ca.key" 2>/dev/null)" ]]; then
    return
  fi
  log "pki: making a new test CA (every certificate is issued again)"
  (umask 077 && openssl req -config "$PKI_DIR/openssl.cnf" -x509 "${KEY_ARGS[@]}" -keyout "$PKI_DIR/ca.key" \
    -out "$PKI_DIR/ca.pem" -days "$CA_DAYS" -extensions ca -subj "/O=vault-bootstrap/CN=vault-bootstrap temporal test CA" \
    2>>"$PKI_DIR/openssl.log") || die "pki: making the CA failed (log: $PKI_DIR/openssl.log)"
}

# The expired one: `openssl ca` is the only openssl 3.0 command that sets a past validity.
issue_expired() {
  local name=$1 subj=$2 db
  db=$(mktemp -d "$PKI_DIR/.ca-db.XXXXXX")
  : >"$db/index.txt"
  openssl rand -hex 16 >"$db/serial"
  {
    openssl req -config "$PKI_DIR/openssl.cnf" "${KEY_ARGS[@]}" -keyout "$db/key" -out "$db/csr" \
      -subj "$subj" 2>>"$PKI_DIR/openssl.log" &&
      VBT_CA_DB=$db openssl ca -batch -config "$PKI_DIR/openssl.cnf" -name ca_db -cert "$PKI_DIR/ca.pem" \
        -keyfile "$PKI_DIR/ca.key" -in "$db/csr" -out "$db/pem" -notext -extfile "$PKI_DIR/openssl.cnf" \
        -extensions client -startdate 20200101000000Z -enddate 20200102000000Z >>"$PKI_DIR/openssl.log" 2>&1
  } || die "pki: issuing $name failed (log: $PKI_DIR/openssl.log)"
  mv -f "$db/key" "$PKI_DIR/$name.key"
  mv -f "$db/pem" "$PKI_DIR/$name.pem"
  rm -rf "$db"
  log "pki: issued $name.pem ($subj, expired 2020-01-02)"
}

# The rogue one: the right subject, from a CA nobody trusts (its key is thrown away).
issue_rogue() {
  local name=$1 subj=$2 dir
  dir=$(mktemp -d "$PKI_DIR/.rogue.XXXXXX")
  {
    openssl req -config "$PKI_DIR/openssl.cnf" -x509 "${KEY_ARGS[@]}" -keyout "$dir/ca.key" -out "$dir/ca.pem" \
      -days "$CA_DAYS" -extensions ca -subj "/O=vault-bootstrap/CN=vault-bootstrap temporal test CA" \
      2>>"$PKI_DIR/openssl.log" &&
      openssl req -config "$PKI_DIR/openssl.cnf" "${KEY_ARGS[@]}" -keyout "$dir/key" -out "$dir/csr" \
        -subj "$subj" 2>>"$PKI_DIR/openssl.log" &&
      openssl x509 -req -in "$dir/csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -days "$CERT_DAYS" \
        -set_serial "0x$(openssl rand -hex 16)" -extfile "$PKI_DIR/openssl.cnf" -extensions client \
        -out "$dir/pem" 2>>"$PKI_DIR/openssl.log"
  } || die "pki: issuing $name failed (log: $PKI_DIR/openssl.log)"
  mv -f "$dir/key" "$PKI_DIR/$name.key"
  mv -f "$dir/pem" "$PKI_DIR/$name.pem"
  rm -rf "$dir"
  log "pki: issued $name.pem ($subj, from a CA the server does not trust)"
}

probe_pki() {
  local role
  [[ -s $PKI_DIR/ca.key ]] && cert_current ca || return 1
  cert_current server && [[ $(cat "$PKI_DIR/server.sans" 2>/dev/null) == "$(server_sans)" ]] || return 1
  cert_current internode || return 1
  for role in "${CLIENT_ROLES[@]}"; do cert_current "$role" || return 1; done
  [[ -s $PKI_DIR/expired-operator.pem && -s $PKI_DIR/rogue-operator.pem ]] &&
    openssl verify -no_check_time -CAfile "$PKI_DIR/ca.pem" "$PKI_DIR/expired-operator.pem" >/dev/null 2>&1
}

ensure_pki() {
  command -v openssl >/dev/null || apt_install openssl
  if probe_pki; then
    log "pki: current in $PKI_DIR"
    return
  fi
  mkdir -p "$PKI_DIR"
  chmod 0755 "$PKI_DIR"
  : >"$PKI_DIR/openssl.log"
  write_openssl_cnf
  ensure_ca
  local sans role
  sans=$(server_sans)
  if ! cert_current server || [[ $(cat "$PKI_DIR/server.sans" 2>/dev/null) != "$sans" ]]; then
    issue server server "$(subject server "$SERVER_NAME")" "$sans"
    printf '%s\n' "$sans" >"$PKI_DIR/server.sans"
  fi
  # The server's own identity: internode TLS, and its system workers' calls to the frontend.
  cert_current internode || issue internode internode "$(subject system temporal-internode)"
  for role in "${CLIENT_ROLES[@]}"; do
    cert_current "$role" || issue "$role" client "$(subject "$role" "$role")"
  done
  openssl verify -no_check_time -CAfile "$PKI_DIR/ca.pem" "$PKI_DIR/expired-operator.pem" >/dev/null 2>&1 ||
    issue_expired expired-operator "$(subject operator operator)"
  [[ -s $PKI_DIR/rogue-operator.pem ]] || issue_rogue rogue-operator "$(subject operator operator)"
  # Test bed only: the CA's and the server's keys are the server's alone (0600); the client keys are
  # world-readable (0644) so that a non-root test and a worker container can read the one they use.
  chmod 0600 "$PKI_DIR/ca.key" "$PKI_DIR/server.key" "$PKI_DIR/internode.key"
  for role in "${CLIENT_ROLES[@]}" expired-operator rogue-operator; do chmod 0644 "$PKI_DIR/$role.key"; done
  chmod 0644 "$PKI_DIR"/*.pem
  probe_pki || die "pki: the certificates in $PKI_DIR are still not right after issuing them"
}

# cert ROLE CN NAME: one more client certificate (NAME.pem, NAME.key), e.g. a node-pinned agent.
cmd_cert() {
  (($# == 3)) || die "usage: temporal-cluster.sh cert ROLE CN NAME (e.g. cert agent agent@<nodeId> agent-n1)"
  [[ $3 =~ ^[A-Za-z0-9@._-]+$ && $3 != ca && $3 != server && $3 != internode ]] || die "cert: bad NAME '$3'"
  ensure_pki
  write_openssl_cnf
  issue "$3" client "$(subject "$1" "$2")"
  chmod 0644 "$PKI_DIR/$3.key" "$PKI_DIR/$3.pem"
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL 15: a private instance owned by the postgres user (initdb refuses root)

as_postgres() { runuser -u postgres -- "$@"; }
pg_ctl_() { as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" "$@"; }
psql_admin() { as_postgres "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCKET_DIR" -p "$PG_PORT" -U postgres "$@"; }

probe_pg() {
  [[ -f $PG_DATA/PG_VERSION ]] && pg_ctl_ status >/dev/null 2>&1 &&
    "$PG_BIN/pg_isready" -q -h "$IP" -p "$PG_PORT" -t 2
}

ensure_pg_cluster() {
  [[ -x $PG_BIN/initdb ]] || apt_install postgresql-15
  id postgres >/dev/null 2>&1 || die "postgres: no 'postgres' user (installed with postgresql-15)"
  mkdir -p "$TC_DIR" "$LOG_DIR"
  chmod 0755 "$TC_DIR"
  install -d -o postgres -g postgres -m 0700 "$PG_SOCKET_DIR"
  [[ -f $PG_LOG ]] || install -o postgres -g postgres -m 0640 /dev/null "$PG_LOG"
  if [[ ! -f $PG_PASSWORD_FILE ]]; then
    (umask 077 && openssl rand -hex 24 >"$PG_PASSWORD_FILE")
  fi
  chmod 0600 "$PG_PASSWORD_FILE"
  [[ -f $PG_DATA/PG_VERSION ]] && return
  log "postgres: initializing $PG_DATA"
  rm -rf "$PG_DATA"
  install -d -o postgres -g postgres -m 0700 "$PG_DATA"
  as_postgres "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -E UTF8 --no-locale --auth-local=peer \
    --auth-host=scram-sha-256 >>"$PG_LOG" 2>&1 || {
    tail_log "$PG_LOG"
    die "postgres: initdb failed (log: $PG_LOG)"
  }
  # Loopback only, its own port and socket folder; password (scram) for the server, peer for postgres.
  as_postgres tee -a "$PG_DATA/postgresql.conf" >/dev/null <<EOF
# vault-bootstrap test bed (testbed/temporal-cluster.sh)
listen_addresses = '$IP'
port = $PG_PORT
unix_socket_directories = '$PG_SOCKET_DIR'
max_connections = 150
shared_buffers = 64MB
password_encryption = scram-sha-256
EOF
  as_postgres tee "$PG_DATA/pg_hba.conf" >/dev/null <<EOF
# TYPE  DATABASE                      USER      ADDRESS        METHOD
local   all                           postgres                 peer
host    temporal,temporal_visibility  $PG_USER  127.0.0.1/32   scram-sha-256
EOF
}

start_pg() {
  local started
  started=$(date +%s%3N)
  # Its own session (setsid --wait): the postmaster outlives this script and its caller's job control.
  if ! setsid --wait runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 start >/dev/null; then
    tail_log "$PG_LOG"
    die "postgres: did not start (log: $PG_LOG)"
  fi
  wait_until 30 "$PG_BIN/pg_isready" -q -h "$IP" -p "$PG_PORT" || die "postgres: not accepting connections on $IP:$PG_PORT"
  log "postgres: started on $IP:$PG_PORT in $(elapsed "$started")"
}

ensure_pg() {
  ensure_pg_cluster
  if probe_pg; then
    log "postgres: running on $IP:$PG_PORT"
  else
    log "postgres: starting (data: $PG_DATA, log: $PG_LOG)"
    start_pg
  fi
  # The role (its password follows the password file) and the two databases, each time: cheap.
  local password db
  password=$(cat "$PG_PASSWORD_FILE")
  psql_admin -d postgres <<EOF >/dev/null
SELECT format('CREATE ROLE %I LOGIN', '$PG_USER') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_USER')\gexec
ALTER ROLE $PG_USER PASSWORD '$password';
EOF
  for db in "${DATABASES[@]}"; do
    psql_admin -d postgres <<EOF >/dev/null
SELECT 'CREATE DATABASE $db OWNER $PG_USER' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$db')\gexec
EOF
  done
}

stop_pg() {
  if [[ -f $PG_DATA/PG_VERSION ]] && pg_ctl_ status >/dev/null 2>&1; then
    log "postgres: stopping"
    pg_ctl_ -m fast -w -t 60 stop >/dev/null
  else
    log "postgres: not running"
  fi
}

# ---------------------------------------------------------------------------------------------
# Schema: the sql tool's embedded postgresql/v12 schemas, brought up to date idempotently

sql_tool() {
  SQL_HOST=$IP SQL_PORT=$PG_PORT SQL_USER=$PG_USER SQL_PASSWORD=$(cat "$PG_PASSWORD_FILE") SQL_DATABASE=$1 \
    "$SQL_TOOL" --plugin postgres12 "${@:2}"
}

schema_hash() { hash_of "$SQL_TOOL.inputs" "${DATABASES[@]}"; }

probe_schema() {
  [[ $(cat "$SCHEMA_DONE" 2>/dev/null) == "$(schema_hash)" ]] && probe_pg &&
    [[ -n $(psql_admin -d temporal -tA -c "SELECT curr_version FROM schema_version WHERE version_partition = 0" 2>/dev/null) ]]
}

ensure_schema() {
  if probe_schema; then
    log "schema: up to date"
    return
  fi
  local started log_file=$LOG_DIR/temporal-cluster-schema.log db name
  started=$(date +%s%3N)
  : >"$log_file"
  for db in "${DATABASES[@]}"; do
    name=temporal
    [[ $db == temporal_visibility ]] && name=visibility
    # setup-schema -v 0.0 creates only the versioning tables; it is run only where they are missing.
    if [[ -z $(psql_admin -d "$db" -tA -c "SELECT to_regclass('public.schema_version')" 2>/dev/null) ]]; then
      sql_tool "$db" setup-schema -v 0.0 >>"$log_file" 2>&1 || {
        tail_log "$log_file"
        die "schema: setup-schema on $db failed (log: $log_file)"
      }
    fi
    sql_tool "$db" update-schema --schema-name "postgresql/v12/$name" >>"$log_file" 2>&1 || {
      tail_log "$log_file"
      die "schema: update-schema postgresql/v12/$name on $db failed (log: $log_file)"
    }
  done
  schema_hash >"$SCHEMA_DONE"
  log "schema: $(psql_admin -d temporal -tA -c "SELECT curr_version FROM schema_version WHERE version_partition = 0")" \
    "(temporal), $(psql_admin -d temporal_visibility -tA -c "SELECT curr_version FROM schema_version WHERE version_partition = 0")" \
    "(visibility), in $(elapsed "$started")"
}

# ---------------------------------------------------------------------------------------------
# The server

render_config() {
  local password
  password=$(cat "$PG_PASSWORD_FILE")
  (
    umask 077
    cat >"$SERVER_CONFIG.tmp" <<EOF
# Rendered by testbed/temporal-cluster.sh; the PostgreSQL password makes it 0600.
log:
  stdout: true
  level: info
persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: 4
  datastores:
    default:
      sql:
        pluginName: postgres12
        databaseName: temporal
        connectAddr: "$IP:$PG_PORT"
        connectProtocol: tcp
        user: $PG_USER
        password: "$password"
        maxConns: 10
        maxIdleConns: 10
        maxConnLifetime: 1h
    visibility:
      sql:
        pluginName: postgres12
        databaseName: temporal_visibility
        connectAddr: "$IP:$PG_PORT"
        connectProtocol: tcp
        user: $PG_USER
        password: "$password"
        maxConns: 4
        maxIdleConns: 4
        maxConnLifetime: 1h
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: "$IP"
  metrics:
    prometheus:
      framework: tally
      timerType: histogram
      listenAddress: "$IP:$METRICS_PORT"
  tls:
    # history, matching and worker: mutual TLS with the internode certificate (OU=system) both ways.
    internode:
      server:
        certFile: $PKI_DIR/internode.pem
        keyFile: $PKI_DIR/internode.key
        requireClientAuth: true
        clientCaFiles: [$PKI_DIR/ca.pem]
      client:
        serverName: localhost
        rootCaFiles: [$PKI_DIR/ca.pem]
    # The frontend: every client presents a certificate of the test CA; its subject is its role.
    frontend:
      server:
        certFile: $PKI_DIR/server.pem
        keyFile: $PKI_DIR/server.key
        requireClientAuth: true
        clientCaFiles: [$PKI_DIR/ca.pem]
      client:
        serverName: $SERVER_NAME
        rootCaFiles: [$PKI_DIR/ca.pem]
    # The worker service's own clients of the frontend (scheduler, batcher...): role system.
    systemWorker:
      certFile: $PKI_DIR/internode.pem
      keyFile: $PKI_DIR/internode.key
      client:
        serverName: $SERVER_NAME
        rootCaFiles: [$PKI_DIR/ca.pem]
    # Re-read the files now and then, so that certificates issued again by 'pki' are used.
    refreshInterval: 10m
services:
  frontend:
    rpc:
      grpcPort: $FRONTEND_PORT
      membershipPort: $FRONTEND_MEMBERSHIP_PORT
      bindOnIP: "$IP"
      httpPort: $FRONTEND_HTTP_PORT
  history:
    rpc:
      grpcPort: $HISTORY_PORT
      membershipPort: $HISTORY_MEMBERSHIP_PORT
      bindOnIP: "$IP"
  matching:
    rpc:
      grpcPort: $MATCHING_PORT
      membershipPort: $MATCHING_MEMBERSHIP_PORT
      bindOnIP: "$IP"
  worker:
    rpc:
      grpcPort: $WORKER_PORT
      membershipPort: $WORKER_MEMBERSHIP_PORT
      bindOnIP: "$IP"
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: "$FRONTEND"
      httpAddress: "$IP:$FRONTEND_HTTP_PORT"
dcRedirectionPolicy:
  policy: noop
publicClient:
  hostPort: "$FRONTEND"
dynamicConfigClient:
  filepath: $DYNAMIC_CONFIG
  pollInterval: 10s
EOF
    cat >"$DYNAMIC_CONFIG.tmp" <<'EOF'
# Rendered by testbed/temporal-cluster.sh.
# Search attributes added by the bed's setup are usable at once (as on the dev server).
system.forceSearchAttributesCacheRefreshOnRead:
  - value: true
# A denial's reason (the role and the API, from the bed's authorizer) in the error message callers see,
# not only in its details.
frontend.exposeAuthorizerErrors:
  - value: true
EOF
  )
  mv -f "$SERVER_CONFIG.tmp" "$SERVER_CONFIG"
  mv -f "$DYNAMIC_CONFIG.tmp" "$DYNAMIC_CONFIG"
}

# The server's arguments. VBT_TEMPORAL_LOG_ALLOWED=1 logs every allowed call too ("vbt-authz: allowed"),
# to learn which calls a client makes.
server_args() {
  SERVER_ARGS=(-config "$SERVER_CONFIG" -namespaces "$NAMESPACE")
  [[ ${VBT_TEMPORAL_LOG_ALLOWED:-0} == 1 ]] && SERVER_ARGS+=(-log-allowed)
  return 0
}

# What the running server must have started with: the binary, the config and the arguments.
server_inputs() {
  server_args
  hash_of "$SERVER_BIN.inputs" "$SERVER_CONFIG" "$DYNAMIC_CONFIG" "${SERVER_ARGS[*]}"
}

temporal_cli() { "$CACHE/bin/temporal" --disable-config-file --disable-config-env "$@"; }
# as ROLE CLI-ARGS...: the Temporal CLI against this cluster with ROLE's certificate.
as_role() {
  local role=$1
  shift
  temporal_cli "$@" --address "$FRONTEND" --tls-ca-path "$PKI_DIR/ca.pem" --tls-server-name "$SERVER_NAME" \
    --tls-cert-path "$PKI_DIR/$role.pem" --tls-key-path "$PKI_DIR/$role.key"
}

probe_serving() { as_role viewer operator cluster health --command-timeout 3s 2>/dev/null | grep -q SERVING; }
probe_server() { pid_alive "$SERVER_PID_FILE" vbt-temporal-server && probe_serving; }
# server_current: it runs with the binary, config and arguments `up` would start it with now.
server_current() { probe_server && [[ $(cat "$SERVER_INPUTS" 2>/dev/null) == "$(server_inputs)" ]]; }

# start_server: starts it detached and waits until the frontend is SERVING.
start_server() {
  local started
  started=$(date +%s%3N)
  [[ -x $CACHE/bin/temporal ]] || die "server: $CACHE/bin/temporal (the CLI) is missing: run 'bash testbed/testbed.sh up' once"
  printf '\n==== %s: starting %s\n' "$(date -Is)" "$SERVER_BIN" >>"$SERVER_LOG"
  server_inputs >"$SERVER_INPUTS"
  server_args
  start_detached "$SERVER_LOG" "$SERVER_PID_FILE" "$SERVER_BIN" "${SERVER_ARGS[@]}"
  local deadline=$((SECONDS + 120))
  until probe_serving; do
    if ((SECONDS >= deadline)) || { sleep 0.5 && ! pid_alive "$SERVER_PID_FILE" vbt-temporal-server; }; then
      tail_log "$SERVER_LOG"
      die "server: not SERVING on $FRONTEND within 120s (log: $SERVER_LOG)"
    fi
  done
  log "server: SERVING on $FRONTEND (pid $(cat "$SERVER_PID_FILE")) in $(elapsed "$started")"
}

# stop_server SIGNAL: TERM (a clean stop, KILL after 30 s) or KILL.
stop_server() {
  local signal=$1 pid
  if ! pid_alive "$SERVER_PID_FILE" vbt-temporal-server; then
    log "server: not running"
    rm -f "$SERVER_PID_FILE"
    return
  fi
  pid=$(cat "$SERVER_PID_FILE")
  log "server: sending SIG$signal to pid $pid"
  kill "-$signal" "$pid"
  if ! wait_until 30 pid_gone "$pid"; then
    log "server: still running after 30s, killing it"
    kill -KILL "$pid" 2>/dev/null || true
    wait_until 10 pid_gone "$pid" || die "server: pid $pid survives SIGKILL"
  fi
  rm -f "$SERVER_PID_FILE"
}

ensure_server() {
  render_config
  if server_current; then
    log "server: SERVING on $FRONTEND"
    return
  fi
  if pid_alive "$SERVER_PID_FILE" vbt-temporal-server; then
    log "server: running with another binary or config, or not serving: restarting it"
    stop_server TERM
  fi
  # Nothing else may hold the ports (an earlier server whose pid file was lost).
  if bash -c "exec 3<>/dev/tcp/$IP/$FRONTEND_PORT" 2>/dev/null; then
    die "server: $FRONTEND is taken by a process this script did not start (ss -ltnp 'sport = :$FRONTEND_PORT')"
  fi
  log "server: starting (config: $SERVER_CONFIG, log: $SERVER_LOG)"
  start_server
}

# Namespace default and the search attributes, with the admin certificate; each only when missing.
ensure_namespace() {
  if as_role admin operator namespace describe --namespace "$NAMESPACE" >/dev/null 2>&1; then
    log "namespace: $NAMESPACE exists"
  else
    log "namespace: creating $NAMESPACE (retention $RETENTION)"
    as_role admin operator namespace create --namespace "$NAMESPACE" --retention "$RETENTION" >/dev/null ||
      die "namespace: creating $NAMESPACE failed"
  fi
  local existing sa missing=()
  # A namespace just created is known to the frontend only once its namespace cache refreshes (~10 s).
  wait_until 60 as_role admin operator search-attribute list --namespace "$NAMESPACE" ||
    die "search attributes: namespace $NAMESPACE still unknown to the frontend after 60s"
  existing=$(as_role admin operator search-attribute list --namespace "$NAMESPACE" -o json) ||
    die "search attributes: listing them failed"
  for sa in "${SEARCH_ATTRIBUTES[@]}"; do
    grep -q "\"${sa%%=*}\"" <<<"$existing" || missing+=("$sa")
  done
  if ((${#missing[@]} == 0)); then
    log "search attributes: present"
    return
  fi
  local args=()
  for sa in "${missing[@]}"; do args+=(--name "${sa%%=*}" --type "${sa#*=}"); done
  log "search attributes: adding ${missing[*]}"
  as_role admin operator search-attribute create --namespace "$NAMESPACE" "${args[@]}" >/dev/null ||
    die "search attributes: adding ${missing[*]} failed"
}

# ---------------------------------------------------------------------------------------------
# Commands

write_env() {
  local env_file=$CACHE/testbed-cluster.env
  cat >"$env_file.tmp" <<EOF
# Written by testbed/temporal-cluster.sh up; sourceable, one KEY=value per line.
# The SDK's conventions (@temporalio/envconfig); the client certificate is the worker's: for another
# role, use \$TEMPORAL_CLUSTER_PKI_DIR/<role>.pem and <role>.key (roles: ${CLIENT_ROLES[*]}).
TEMPORAL_ADDRESS=$FRONTEND
TEMPORAL_NAMESPACE=$NAMESPACE
TEMPORAL_TLS=true
TEMPORAL_TLS_SERVER_CA_CERT_PATH=$PKI_DIR/ca.pem
TEMPORAL_TLS_SERVER_NAME=$SERVER_NAME
TEMPORAL_TLS_CLIENT_CERT_PATH=$PKI_DIR/worker.pem
TEMPORAL_TLS_CLIENT_KEY_PATH=$PKI_DIR/worker.key
TEMPORAL_CLUSTER_PKI_DIR=$PKI_DIR
TEMPORAL_CLUSTER_ROLES="${CLIENT_ROLES[*]}"
TEMPORAL_CLUSTER_HTTP_ADDRESS=$IP:$FRONTEND_HTTP_PORT
TEMPORAL_CLUSTER_METRICS_URL=http://$IP:$METRICS_PORT/metrics
TEMPORAL_CLUSTER_SERVER_LOG=$SERVER_LOG
TEMPORAL_CLUSTER_SCRIPT=$TESTBED_DIR/temporal-cluster.sh
TEMPORAL_UI_URL=$(ui_url | sed 's#/$##')
EOF
  mv -f "$env_file.tmp" "$env_file"
  log "wrote $env_file"
}

# listener_pid PORT: the pid listening on the loopback PORT, if any.
listener_pid() { { ss -ltnpH "sport = :$1" 2>/dev/null || true; } | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2 || true; }

# take_over_ports: the cluster's ports are the machine's, its state is a cache's (certificates, database).
# A cluster another cache started (another clone, CI's clean clone) holds them with a CA this cache does
# not trust: its server, UI and PostgreSQL are stopped, said loudly, and this cache's take their place.
# Anything else on those ports is not ours to stop.
take_over_ports() {
  local pid exe cmd
  for port in "$FRONTEND_PORT" "$UI_PORT" "$PG_PORT"; do
    pid=$(listener_pid "$port")
    [[ -n $pid ]] || continue
    exe=$(readlink "/proc/$pid/exe" 2>/dev/null || true)
    cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)
    case $exe in
      "$SERVER_BIN" | "$UI_BIN") continue ;; # this cache's own
      */bin/vbt-temporal-server | */bin/vbt-temporal-ui)
        log "port $port: taking it over from another bed's cluster ($exe, pid $pid)"
        kill "$pid"
        wait_until 30 pid_gone "$pid" || kill -KILL "$pid" 2>/dev/null || true
        ;;
      */postgres)
        local data
        data=$(readlink "/proc/$pid/cwd" 2>/dev/null || true)
        [[ $data != "$PG_DATA" ]] || continue
        [[ $data == */temporal-cluster/pgdata ]] ||
          die "port $port: held by a PostgreSQL that is no test bed's ($data); the cluster needs it"
        log "port $port: taking it over from another bed's PostgreSQL ($data)"
        runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null
        ;;
      *) die "port $port: held by $exe (pid $pid), not a test bed's cluster: the cluster needs it ($cmd)" ;;
    esac
  done
}

cmd_up() {
  local started
  started=$(date +%s%3N)
  [[ $CACHE != *[[:space:]]* ]] || die "the cache path '$CACHE' contains whitespace; set VAULT_BOOTSTRAP_CACHE"
  mkdir -p "$LOG_DIR" "$TC_DIR"
  take_over_ports
  ensure_build
  ensure_pki
  ensure_pg
  ensure_schema
  ensure_server
  ensure_namespace
  ui_start "$FRONTEND" "$PKI_DIR/ca.pem" "$PKI_DIR/viewer.pem" "$PKI_DIR/viewer.key" "$SERVER_NAME"
  write_env
  log "up in $(elapsed "$started"); UI (viewer role) on $(ui_url)"
}

probe_ui() { ui_probe; }

cmd_status() {
  local part status=0
  for part in build pki pg schema server ui; do
    if "probe_$part"; then
      printf '%-8s OK\n' "$part"
    else
      printf '%-8s DOWN\n' "$part"
      status=1
    fi
  done
  return "$status"
}

cmd_down() {
  ui_stop
  stop_server TERM
  stop_pg
  log "down: left in place on purpose: the binaries, $PKI_DIR and $PG_DATA (the cluster's history)"
}

# timed WHAT CMD...: runs CMD and prints what it did and how long it took.
timed() {
  local what=$1 started
  shift
  started=$(date +%s%3N)
  "$@"
  printf 'temporal-cluster: %s in %s\n' "$what" "$(elapsed "$started")"
}

cmd_server() {
  case ${1:-} in
    kill) timed "server killed (SIGKILL)" stop_server KILL ;;
    stop) timed "server stopped (SIGTERM)" stop_server TERM ;;
    start)
      probe_pg || die "server start: PostgreSQL is down (run 'up' or 'pg restart')"
      render_config
      if pid_alive "$SERVER_PID_FILE" vbt-temporal-server; then
        log "server: already running (pid $(cat "$SERVER_PID_FILE"))"
        return
      fi
      timed "server started and SERVING" start_server
      ;;
    *) usage ;;
  esac
}

pg_restart() {
  if pg_ctl_ status >/dev/null 2>&1; then
    log "postgres: immediate stop (no checkpoint: recovery at the next start)"
    pg_ctl_ -m immediate -w -t 60 stop >/dev/null
  else
    log "postgres: not running"
  fi
  start_pg
}

cmd_pg() {
  case ${1:-} in
    restart) timed "postgres restarted (immediate stop, start)" pg_restart ;;
    *) usage ;;
  esac
}

usage() {
  die "usage: bash testbed/temporal-cluster.sh build | pki | up | status | down | cert ROLE CN NAME" \
    "| server kill|stop|start | pg restart"
}

case ${1:-} in
  build) timed "build checked" ensure_build ;;
  pki) ensure_pki ;;
  up) cmd_up ;;
  status) cmd_status || exit 1 ;;
  down) cmd_down ;;
  cert) cmd_cert "${@:2}" ;;
  server) cmd_server "${@:2}" ;;
  pg) cmd_pg "${@:2}" ;;
  *) usage ;;
esac
