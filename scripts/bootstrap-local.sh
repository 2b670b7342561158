#!/usr/bin/env bash
# The main job on one machine: a real bootstrap of the stack `iklimco` on the local test bed
# (Docker Swarm, OpenBao, the Temporal dev server), started through the project's client exactly as
# init-infra-prod.sh does in production.
#
#   bash scripts/bootstrap-local.sh          # (npm run local) set up, start the worker, bootstrap,
#                                            # schedule health checks and backups, back up, drill, verify
#   bash scripts/bootstrap-local.sh stop     # delete the health and backup schedules, stop the worker;
#                                            # `npm run testbed -- down` stops the rest
#
# It walks through the product as an operator would: each step announced, the client command shown as it
# would be typed, and the client's own answer printed. The backups go to .cache/backups/<stack> (the
# worker's VAULT_BACKUP_DIR is .cache/backups), never to the production storage box's folder.
#
# Afterwards the worker keeps running (pid in .cache/worker.pid, log in .cache/logs/worker.log), and so
# do the health schedule (every VAULT_HEALTH_INTERVAL, default 5m) and the Docker-events watcher, which
# unseal a Vault task that Swarm restarted, and the backup and drill schedules (every
# VAULT_BACKUP_INTERVAL, default 1h, and VAULT_DRILL_INTERVAL, default 24h).
#
# With `--nodes 3` the same job runs on the three-node bed (`npm run testbed -- up --nodes 3`), in
# production's shape: the production stack file alone, one Vault task per node, and one worker
# process per node: the full worker on n1 (every activity, key custody in .cache/custody-3, and n1's
# own queue) and a node agent on n2 and n3 (VAULT_BOOTSTRAP_WORKER_ROLE=node-agent: only its node's
# queue). Each has its pid in .cache/worker-nN.pid and its log in .cache/logs/worker-nN.log. Its
# snapshots go to .cache/backups-3/<stack>: their manifests are sealed with a key derived from custody-3's
# records, which the one-node job's drill could not check (and the reverse).
#
#   bash scripts/bootstrap-local.sh --nodes 3        # (npm run local -- --nodes 3)
#   bash scripts/bootstrap-local.sh stop --nodes 3   # then npm run testbed -- down --nodes 3
#
# With `--temporal cluster` either job runs against the test bed's Temporal cluster instead of the dev
# server (`npm run testbed -- up --temporal cluster`: PostgreSQL, mutual TLS, the project's authorizer;
# docs/temporal-cluster.md), each process with the certificate of its role as production runs it: the
# full worker `worker`, the node agents `agent`, the client `operator` (its pids: worker-cluster*.pid).
#
#   bash scripts/bootstrap-local.sh --temporal cluster [--nodes 3]
#   bash scripts/bootstrap-local.sh stop --temporal cluster [--nodes 3]
#
# The jobs bootstrap the same stack name (same workflow, schedule and watcher ids, the same Vault
# stack), so one refuses to start while another's workers run.
set -Eeuo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=$(realpath -m "${VAULT_BOOTSTRAP_CACHE:-$REPO/.cache}")
STACK=${VAULT_BOOTSTRAP_STACK:-iklimco}
cd "$REPO"

say() { printf 'local: %s\n' "$*" >&2; }

usage() {
  say "usage: bash scripts/bootstrap-local.sh [stop] [--nodes 1|3] [--temporal dev|cluster]"
  exit 2
}

ACTION=up NODES=1 TEMPORAL_MODE=dev
while (($# > 0)); do
  case $1 in
    stop) ACTION=stop ;;
    --temporal)
      (($# >= 2)) || usage
      TEMPORAL_MODE=$2
      shift
      ;;
    --nodes)
      (($# >= 2)) || usage
      NODES=$2
      shift
      ;;
    --nodes=*) NODES=${1#--nodes=} ;;
    *) usage ;;
  esac
  shift
done
[[ $NODES == 1 || $NODES == 3 ]] || usage
[[ $TEMPORAL_MODE == dev || $TEMPORAL_MODE == cluster ]] || usage
# Each Temporal its own pid files: worker.pid, worker-nN.pid; worker-cluster.pid, worker-cluster-nN.pid.
mode_pid_suffix() { [[ $1 == dev ]] || printf -- '-cluster'; }
PID_FILE=$CACHE/worker$(mode_pid_suffix "$TEMPORAL_MODE").pid

# ---------------------------------------------------------------------------------------------
# Temporal: the dev server, or the cluster with a certificate per role

# load_cluster_env: the cluster's settings from testbed-cluster.env (read, not exported).
load_cluster_env() {
  local env_file=$CACHE/testbed-cluster.env key value
  [[ -f $env_file ]] || return 1
  while IFS='=' read -r key value; do
    case $key in
      TEMPORAL_ADDRESS | TEMPORAL_UI_URL | TEMPORAL_TLS_SERVER_CA_CERT_PATH | TEMPORAL_TLS_SERVER_NAME | TEMPORAL_CLUSTER_PKI_DIR)
        printf -v "CLUSTER_$key" '%s' "$value"
        ;;
    esac
  done <"$env_file"
}

# temporal_env ROLE ADDRESS UI_URL: sets TEMPORAL_ENV to the settings a process reaches Temporal with:
# the address alone for the dev server; on the cluster also TLS with ROLE's certificate.
temporal_env() {
  TEMPORAL_ENV=(TEMPORAL_ADDRESS="$2" TEMPORAL_UI_URL="$3")
  [[ $TEMPORAL_MODE == cluster ]] || return 0
  TEMPORAL_ENV+=(
    TEMPORAL_TLS_SERVER_CA_CERT_PATH="$CLUSTER_TEMPORAL_TLS_SERVER_CA_CERT_PATH"
    TEMPORAL_TLS_SERVER_NAME="$CLUSTER_TEMPORAL_TLS_SERVER_NAME"
    TEMPORAL_TLS_CLIENT_CERT_PATH="$CLUSTER_TEMPORAL_CLUSTER_PKI_DIR/$1.pem"
    TEMPORAL_TLS_CLIENT_KEY_PATH="$CLUSTER_TEMPORAL_CLUSTER_PKI_DIR/$1.key"
  )
}
mode_flag() { [[ $TEMPORAL_MODE == dev ]] || printf -- ' --temporal cluster'; }
CLIENT_ENV=() # the client's Temporal settings (the operator's on the cluster), set by each job

# bed_up ARGS...: the test bed (and with --temporal cluster the cluster), then its settings.
bed_up() {
  if [[ $TEMPORAL_MODE == cluster ]]; then
    bash testbed/testbed.sh up --temporal cluster "$@"
    load_cluster_env || {
      say "$CACHE/testbed-cluster.env is missing after up --temporal cluster"
      exit 1
    }
  else
    bash testbed/testbed.sh up "$@"
  fi
}

# worker_running PID_FILE: the process in PID_FILE runs, and it is a worker (not a reused pid).
worker_running() {
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null &&
    tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF "dist/src/worker.js"
}

THREE_NODES=(n1 n2 n3)
node_pid_file() { printf '%s/worker%s-%s.pid' "$CACHE" "$(mode_pid_suffix "${2:-$TEMPORAL_MODE}")" "$1"; }
node_log() { printf '%s/logs/worker-%s.log' "$CACHE" "$1"; }

# refuse_if_running JOB STOP PID_FILE...: stops here if one of the other job's workers runs.
refuse_if_running() {
  local job=$1 stop=$2 file
  shift 2
  for file in "$@"; do
    if worker_running "$file"; then
      say "the $job job's worker runs ($file): the two jobs share the workflow, schedule and watcher ids of"
      say "stack $STACK on one Temporal server; stop that job first: $stop"
      exit 1
    fi
  done
}

# refuse_other_jobs: stops here if a worker of another job (one or three nodes, dev server or cluster) runs.
refuse_other_jobs() {
  local mode nodes stop files
  for mode in dev cluster; do
    for nodes in 1 3; do
      [[ $mode == "$TEMPORAL_MODE" && $nodes == "$NODES" ]] && continue
      stop="npm run local -- stop"
      ((nodes == 1)) || stop+=" --nodes 3"
      [[ $mode == dev ]] || stop+=" --temporal cluster"
      if ((nodes == 1)); then
        files=("$CACHE/worker$(mode_pid_suffix "$mode").pid")
      else
        files=("$(node_pid_file n1 "$mode")" "$(node_pid_file n2 "$mode")" "$(node_pid_file n3 "$mode")")
      fi
      refuse_if_running "$nodes-node ($mode)" "$stop" "${files[@]}"
    done
  done
}

install_and_build() {
  if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
    say "installing npm packages (npm ci)"
    npm ci --no-audit --no-fund
  fi
  # The bundler's report is for developers: in the log, and on the terminal only when the build fails.
  local log=$CACHE/logs/build.log
  mkdir -p "$(dirname "$log")"
  say "building (log: $log)"
  if ! npm run --silent build >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    say "the build failed; the whole report is in $log"
    exit 1
  fi
}

# ---------------------------------------------------------------------------------------------
# Both jobs: the backup folder, and the walk through the product

# make_backup_folder ROOT: ROOT (the full worker's VAULT_BACKUP_DIR), as a mounted storage box has it;
# the worker's first backup makes the stack's folder in it, owner only. Made owner-only again when an
# earlier hand left it open (the worker refuses a folder others can write: they could replace or hide
# a snapshot).
make_backup_folder() {
  install -d -m 700 "$1"
}

# make_break_glass_key: the local operator's break-glass key pair, made once: the worker pins the public
# half (VAULT_BOOTSTRAP_BREAK_GLASS_RECIPIENTS) and `vault-bootstrap root-token` asks with the private
# half (VAULT_BOOTSTRAP_BREAK_GLASS_KEY, 0600), as production sets it up (docs/temporal-cluster.md).
BREAK_GLASS_DIR=$CACHE/break-glass
make_break_glass_key() {
  install -d -m 700 "$BREAK_GLASS_DIR"
  if [[ ! -s $BREAK_GLASS_DIR/operator.key ]]; then
    (umask 077 && openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 \
      -out "$BREAK_GLASS_DIR/operator.key.tmp" 2>/dev/null)
    mv -f "$BREAK_GLASS_DIR/operator.key.tmp" "$BREAK_GLASS_DIR/operator.key"
  fi
  openssl pkey -in "$BREAK_GLASS_DIR/operator.key" -pubout -out "$BREAK_GLASS_DIR/pins.pem"
  export VAULT_BOOTSTRAP_BREAK_GLASS_RECIPIENTS=$BREAK_GLASS_DIR/pins.pem
  export VAULT_BOOTSTRAP_BREAK_GLASS_KEY=$BREAK_GLASS_DIR/operator.key
}

# step TEXT: announces the next step of the walk.
step() {
  echo >&2
  say "$*"
}

# client ARGS...: the client, its command line shown first as an operator would type it.
client() {
  say "\$ vault-bootstrap $*"
  env "${CLIENT_ENV[@]}" node dist/src/client.js "$@"
}

# repair_credentials_if_reported: on a cluster an earlier version bootstrapped, the tool's tokens of today
# (the snapshot token, the root generation token) are missing and backups would fail with CredentialMissing.
# Nothing repairs them on its own (README, "No self-regrant"): the operator runs `credentials repair`, and
# so does this walk, when a health check reports it.
repair_credentials_if_reported() {
  local report
  report=$(env "${CLIENT_ENV[@]}" node dist/src/client.js verify --stack "$STACK" -o json 2>/dev/null || true)
  if grep -Eq '"code": ?"(CredentialMissing|CredentialPolicyChanged|WorkerTokenRejected)"' <<<"$report"; then
    say "the health check reports a credential of an earlier version missing or changed: repairing it"
    client credentials repair --stack "$STACK" --wait
  fi
}

# walk CUSTODY_DIR CUSTODY_KEY_FILE BACKUP_ROOT [DOCKER_HOST]: the job's steps through the client (the
# caller exports what it needs to reach Temporal), then the seed's verification, with docker pointed at
# DOCKER_HOST when given. Each step is idempotent, so a second run on a bootstrapped cluster changes
# nothing but adds a snapshot and a drill.
walk() {
  local custody_dir=$1 custody_key=$2 backups=$3 docker_host=${4:-}
  step "1/6 bootstrap $STACK (on a bootstrapped cluster each step finds its effect and changes nothing)"
  client bootstrap --stack "$STACK" --wait
  repair_credentials_if_reported
  step "2/6 healing: a health check on a schedule, and the watcher that unseals a restarted Vault task"
  client schedule create --stack "$STACK"
  step "3/6 backups: a snapshot on a schedule into $backups/$STACK, and a restore drill on another"
  client backup schedule create --stack "$STACK"
  step "4/6 a snapshot now, with its manifest; then retention"
  client backup now --stack "$STACK" --wait
  step "5/6 a restore drill now: the newest snapshot restored into a throwaway $STACK-drill stack,"
  say "its canary read back, the throwaway stack removed"
  client backup drill --stack "$STACK" --wait
  step "6/6 the seed's verification commands, verbatim"
  env ${docker_host:+"DOCKER_HOST=$docker_host"} \
    node dist/test/support/seed-verify.js "$STACK" "$custody_dir" "$custody_key"
  echo >&2
}

# ---------------------------------------------------------------------------------------------
# Three nodes: the three-node bed, a worker process per node

# Read, not exported: each process below gets exactly the settings it needs.
load_three_node_env() {
  local env_file=$CACHE/testbed-3.env
  [[ -f $env_file ]] || return 1
  local key value
  while IFS='=' read -r key value; do
    case $key in
      TEMPORAL_ADDRESS | TEMPORAL_UI_URL | VAULT_IMAGE | VAULT_CERT_DIR | TESTBED_NODE_HOSTS | TESTBED_NODE_TUNNELS | \
        TEMPORAL_CLUSTER_NODE_ADDRESS)
        printf -v "BED_$key" '%s' "$value"
        ;;
    esac
  done <"$env_file"
}

# bed_node_value CSV NODE: NODE's entry (n1 first) of a comma-separated testbed-3.env value.
bed_node_value() {
  local values
  IFS=, read -r -a values <<<"$1"
  printf '%s' "${values[${2#n} - 1]}"
}

# Key custody of the three-node job: never the one-node job's records.
CUSTODY_3=$CACHE/custody-3
CUSTODY_3_KEY=$CACHE/custody-3.key
# Nor its snapshots: their manifests are sealed with a key from custody.
BACKUPS_3=$CACHE/backups-3

# start_node_worker NODE ROLE: starts the worker process for NODE (unless it runs), in ROLE.
start_node_worker() {
  local node=$1 role=$2 pid_file log docker_host tunnel
  pid_file=$(node_pid_file "$node") log=$(node_log "$node")
  if worker_running "$pid_file"; then
    say "$node: the $role worker runs (pid $(cat "$pid_file"))"
    return
  fi
  docker_host=$(bed_node_value "$BED_TESTBED_NODE_HOSTS" "$node")
  tunnel=$(bed_node_value "$BED_TESTBED_NODE_TUNNELS" "$node")
  # Every worker: Temporal, the task queue, its node's Engine and tunnel. DOCKER_HOST too: the worker
  # runs the docker CLI for `stack deploy`, which does not read DOCKER_SOCKET.
  # The nodes reach Temporal through the bed's relay; on the cluster the full worker as role worker, an agent
  # as role agent.
  temporal_env "$([[ $role == full ]] && echo worker || echo agent)" "$(node_temporal_address)" "$(node_ui_url)"
  local env=(
    "${TEMPORAL_ENV[@]}"
    VAULT_BOOTSTRAP_TASK_QUEUE="${VAULT_BOOTSTRAP_TASK_QUEUE:-vault-bootstrap}"
    VAULT_BOOTSTRAP_WORKER_ROLE="$role"
    DOCKER_SOCKET="${docker_host#unix://}"
    DOCKER_HOST="$docker_host"
    VAULT_TUNNEL_ADDRESS="$tunnel"
    # All three run on this host: each its own metrics port (n1 9464, n2 9465, n3 9466).
    VAULT_BOOTSTRAP_METRICS_ADDRESS="127.0.0.1:$((9463 + ${node#n}))"
  )
  local run=(env)
  if [[ $role == full ]]; then
    # As the one-node job's worker: this environment, plus the stack's and custody's settings.
    env+=(
      VAULT_BOOTSTRAP_STACK="$STACK"
      VAULT_STACK_FILES="$REPO/docker-stack-vault.yml,$REPO/docker-stack-vault.openbao.yml"
      VAULT_IMAGE="$BED_VAULT_IMAGE"
      VAULT_CERT_DIR="$BED_VAULT_CERT_DIR"
      VAULT_BOOTSTRAP_CUSTODY_DIR="$CUSTODY_3"
      VAULT_BOOTSTRAP_CUSTODY_KEY_FILE="$CUSTODY_3_KEY"
      VAULT_BACKUP_DIR="$BACKUPS_3"
      VAULT_BOOTSTRAP_BREAK_GLASS_RECIPIENTS="$VAULT_BOOTSTRAP_BREAK_GLASS_RECIPIENTS"
    )
    run+=(-u VAULT_STACK_DIR_ROOT)
  else
    # A node agent holds no custody and no certificate settings: nothing else is passed on.
    run+=(-i PATH="$PATH" HOME="${HOME:-/root}")
  fi
  mkdir -p "$(dirname "$log")"
  say "$node: starting the $role worker (Engine $docker_host, tunnel $tunnel, log: $log)"
  printf '%s %s\n' "$START_MARK" "$(date -u +%FT%TZ) $role" >>"$log"
  setsid "${run[@]}" "${env[@]}" "$REPO/scripts/worker.sh" >>"$log" 2>&1 </dev/null &
  echo $! >"$pid_file"
}

START_MARK='=== local: starting the worker:' # in the node's log before each start

# report_node_workers: one line per node's worker process; for one that exited, what it wrote since
# its last start.
report_node_workers() {
  local node pid_file
  for node in "${THREE_NODES[@]}"; do
    pid_file=$(node_pid_file "$node")
    if worker_running "$pid_file"; then
      say "$node: worker running (pid $(cat "$pid_file"), log $(node_log "$node"))"
    else
      say "$node: worker NOT running; the end of $(node_log "$node"):"
      awk -v m="$START_MARK" 'index($0, m) == 1 {n = 0; next} {last[n++ % 5] = $0}
        END {for (i = (n > 5 ? n - 5 : 0); i < n; i++) print "    " last[i % 5]}' "$(node_log "$node")" >&2 || true
    fi
  done
}

# The address and UI the nodes' workers use: the dev server's relay, or the cluster's.
node_temporal_address() {
  if [[ $TEMPORAL_MODE == cluster ]]; then printf '%s' "$BED_TEMPORAL_CLUSTER_NODE_ADDRESS"; else printf '%s' "$BED_TEMPORAL_ADDRESS"; fi
}
node_ui_url() {
  if [[ $TEMPORAL_MODE == cluster ]]; then printf '%s' "$CLUSTER_TEMPORAL_UI_URL"; else printf '%s' "$BED_TEMPORAL_UI_URL"; fi
}

# three_node_client_env: the client's Temporal settings: it runs on the host (the operator's role there).
three_node_client_env() {
  if [[ $TEMPORAL_MODE == cluster ]]; then
    temporal_env operator "$CLUSTER_TEMPORAL_ADDRESS" "$CLUSTER_TEMPORAL_UI_URL"
  else
    temporal_env operator "$BED_TEMPORAL_ADDRESS" "$BED_TEMPORAL_UI_URL"
  fi
  CLIENT_ENV=("${TEMPORAL_ENV[@]}")
}

three_node_stop() {
  if load_three_node_env && [[ -f dist/src/client.js ]] &&
    { [[ $TEMPORAL_MODE == dev ]] || load_cluster_env; }; then
    three_node_client_env
    env "${CLIENT_ENV[@]}" node dist/src/client.js schedule delete --stack "$STACK" --yes || true
    env "${CLIENT_ENV[@]}" node dist/src/client.js backup schedule delete --stack "$STACK" --yes || true
  fi
  local node pid_file pid pids=()
  for node in "${THREE_NODES[@]}"; do
    pid_file=$(node_pid_file "$node")
    if worker_running "$pid_file"; then
      pid=$(cat "$pid_file")
      kill -TERM "$pid"
      pids+=("$pid")
      say "$node: worker stopping (pid $pid)"
    fi
    rm -f "$pid_file"
  done
  # They finish what they run and exit; wait for that, so that a `testbed down` after this finds none.
  local deadline=$((SECONDS + 30))
  while ((${#pids[@]} > 0)) && kill -0 "${pids[@]}" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.5; done
  say "workers stopped"
}

three_node_up() {
  refuse_other_jobs
  install_and_build
  bed_up --nodes 3
  load_three_node_env || {
    say "$CACHE/testbed-3.env is missing after up --nodes 3"
    exit 1
  }

  make_backup_folder "$BACKUPS_3"
  make_break_glass_key
  start_node_worker n1 full
  start_node_worker n2 node-agent
  start_node_worker n3 node-agent
  sleep 2 # a worker that cannot start (bad setting, unknown role) exits within this
  report_node_workers
  worker_running "$(node_pid_file n1)" || {
    say "the full worker on n1 did not start; see $(node_log n1)"
    exit 1
  }

  # The client, as in the one-node job: it reaches Temporal only.
  three_node_client_env
  export VAULT_BOOTSTRAP_STACK=$STACK
  TEMPORAL_UI_URL=$(node_ui_url)
  # The seed's verification with docker pointed at n1, as an operator logged in there.
  walk "$CUSTODY_3" "$CUSTODY_3_KEY" "$BACKUPS_3" "$(bed_node_value "$BED_TESTBED_NODE_HOSTS" n1)"
  report_node_workers
  say "Temporal UI: $TEMPORAL_UI_URL/namespaces/default/workflows/vault-bootstrap-$STACK"
  say "snapshots and their manifests: $BACKUPS_3/$STACK"
  say "the workers, the health, backup and drill schedules and the events watcher keep running;"
  say "stop them with: npm run local -- stop --nodes 3$(mode_flag) (then npm run testbed -- down --nodes 3 for the nodes)"
}

if ((NODES == 3)); then
  "three_node_$ACTION"
  exit 0
fi

# ---------------------------------------------------------------------------------------------
# One node: the test bed's single-node swarm on the host's dockerd

worker_alive() { [[ -f $PID_FILE ]] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; }

# one_node_temporal: the worker's (WORKER_ENV) and the client's (CLIENT_ENV) Temporal settings: the dev
# server of testbed.env, or the cluster with the worker's and the operator's certificates.
one_node_temporal() {
  local address=$TEMPORAL_ADDRESS ui=$TEMPORAL_UI_URL
  if [[ $TEMPORAL_MODE == cluster ]]; then
    address=$CLUSTER_TEMPORAL_ADDRESS ui=$CLUSTER_TEMPORAL_UI_URL
  fi
  temporal_env worker "$address" "$ui"
  WORKER_ENV=("${TEMPORAL_ENV[@]}")
  temporal_env operator "$address" "$ui"
  CLIENT_ENV=("${TEMPORAL_ENV[@]}")
  TEMPORAL_UI_URL=$ui
}

if [[ $ACTION == stop ]]; then
  if [[ -f $CACHE/testbed.env && -f dist/src/client.js ]] && { [[ $TEMPORAL_MODE == dev ]] || load_cluster_env; }; then
    set -a
    # shellcheck source=/dev/null
    source "$CACHE/testbed.env"
    set +a
    one_node_temporal
    env "${CLIENT_ENV[@]}" node dist/src/client.js schedule delete --stack "$STACK" --yes || true
    env "${CLIENT_ENV[@]}" node dist/src/client.js backup schedule delete --stack "$STACK" --yes || true
  fi
  if worker_alive; then
    kill -TERM "$(cat "$PID_FILE")"
    say "worker stopped"
  fi
  rm -f "$PID_FILE"
  exit 0
fi

refuse_other_jobs
install_and_build
bed_up

set -a
# shellcheck source=/dev/null
source "$CACHE/testbed.env"
VAULT_STACK_FILES=$REPO/docker-stack-vault.yml,$REPO/docker-stack-vault.openbao.yml,$REPO/testbed/docker-stack-vault.testbed.yml
VAULT_STACK_DIR_ROOT=$TESTBED_STACK_ROOT
VAULT_BOOTSTRAP_STACK=$STACK
VAULT_BOOTSTRAP_CUSTODY_DIR=${VAULT_BOOTSTRAP_CUSTODY_DIR:-$CACHE/custody}
VAULT_BOOTSTRAP_CUSTODY_KEY_FILE=${VAULT_BOOTSTRAP_CUSTODY_KEY_FILE:-$CACHE/custody.key}
# Under the bed's cache whatever the shell says: never the production storage box's folder.
VAULT_BACKUP_DIR=$CACHE/backups
set +a
make_backup_folder "$VAULT_BACKUP_DIR"
make_break_glass_key
export VAULT_STACK_FILES VAULT_STACK_DIR_ROOT # (set -a exported them already; said again for shellcheck)
one_node_temporal

if ! worker_alive; then
  mkdir -p "$CACHE/logs"
  WORKER_LOG=$CACHE/logs/worker$(mode_pid_suffix "$TEMPORAL_MODE").log
  say "starting the worker (Temporal: $TEMPORAL_MODE, log: $WORKER_LOG)"
  setsid env "${WORKER_ENV[@]}" scripts/worker.sh >>"$WORKER_LOG" 2>&1 </dev/null &
  echo $! >"$PID_FILE"
fi

walk "$VAULT_BOOTSTRAP_CUSTODY_DIR" "$VAULT_BOOTSTRAP_CUSTODY_KEY_FILE" "$VAULT_BACKUP_DIR"
say "Temporal UI: $TEMPORAL_UI_URL/namespaces/default/workflows/vault-bootstrap-$STACK"
say "snapshots and their manifests: $VAULT_BACKUP_DIR/$STACK"
say "the worker, the health, backup and drill schedules and the events watcher keep running;"
say "stop them with: npm run local -- stop$(mode_flag) (then npm run testbed -- down for Temporal and the tunnel)"
