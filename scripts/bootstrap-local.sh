#!/usr/bin/env bash
# The main job on one machine: a real bootstrap of the stack `iklimco` on the local test bed
# (Docker Swarm, OpenBao, the Temporal dev server), started through the project's client exactly as
# init-infra-prod.sh does in production.
#
#   bash scripts/bootstrap-local.sh          # (npm run local) set up, start the worker, bootstrap, verify
#   bash scripts/bootstrap-local.sh stop     # delete the health schedule, stop the worker;
#                                            # `npm run testbed -- down` stops the rest
#
# Afterwards the worker keeps running (pid in .cache/worker.pid, log in .cache/logs/worker.log), and so
# do the health schedule (every VAULT_HEALTH_INTERVAL, default 5m) and the Docker-events watcher, which
# unseal a Vault task that Swarm restarted.
#
# With `--nodes 3` the same job runs on the three-node bed (`npm run testbed -- up --nodes 3`), in
# production's shape: the production stack file alone, one Vault task per node, and one worker
# process per node: the full worker on n1 (every activity, key custody in .cache/custody-3, and n1's
# own queue) and a node agent on n2 and n3 (VAULT_BOOTSTRAP_WORKER_ROLE=node-agent: only its node's
# queue). Each has its pid in .cache/worker-nN.pid and its log in .cache/logs/worker-nN.log.
#
#   bash scripts/bootstrap-local.sh --nodes 3        # (npm run local -- --nodes 3)
#   bash scripts/bootstrap-local.sh stop --nodes 3   # then npm run testbed -- down --nodes 3
#
# The two jobs bootstrap the same stack name on the same Temporal server (same workflow, schedule and
# watcher ids), so one refuses to start while the other's workers run.
set -Eeuo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=$(realpath -m "${VAULT_BOOTSTRAP_CACHE:-$REPO/.cache}")
PID_FILE=$CACHE/worker.pid
STACK=${VAULT_BOOTSTRAP_STACK:-iklimco}
cd "$REPO"

say() { printf 'local: %s\n' "$*" >&2; }

usage() {
  say "usage: bash scripts/bootstrap-local.sh [stop] [--nodes 1|3]"
  exit 2
}

ACTION=up NODES=1
while (($# > 0)); do
  case $1 in
    stop) ACTION=stop ;;
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

# worker_running PID_FILE: the process in PID_FILE runs, and it is a worker (not a reused pid).
worker_running() {
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null &&
    tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF "dist/src/worker.js"
}

THREE_NODES=(n1 n2 n3)
node_pid_file() { printf '%s/worker-%s.pid' "$CACHE" "$1"; }
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

install_and_build() {
  if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
    say "installing npm packages (npm ci)"
    npm ci --no-audit --no-fund
  fi
  npm run --silent build
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
      TEMPORAL_ADDRESS | TEMPORAL_UI_URL | VAULT_IMAGE | VAULT_CERT_DIR | TESTBED_NODE_HOSTS | TESTBED_NODE_TUNNELS)
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
  local env=(
    TEMPORAL_ADDRESS="$BED_TEMPORAL_ADDRESS"
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
      TEMPORAL_UI_URL="$BED_TEMPORAL_UI_URL"
      VAULT_BOOTSTRAP_STACK="$STACK"
      VAULT_STACK_FILES="$REPO/docker-stack-vault.yml"
      VAULT_IMAGE="$BED_VAULT_IMAGE"
      VAULT_CERT_DIR="$BED_VAULT_CERT_DIR"
      VAULT_BOOTSTRAP_CUSTODY_DIR="$CUSTODY_3"
      VAULT_BOOTSTRAP_CUSTODY_KEY_FILE="$CUSTODY_3_KEY"
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

three_node_stop() {
  if load_three_node_env && [[ -f dist/src/client.js ]]; then
    TEMPORAL_ADDRESS=$BED_TEMPORAL_ADDRESS node dist/src/client.js schedule delete --stack "$STACK" || true
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
  refuse_if_running one-node "npm run local -- stop" "$PID_FILE"
  install_and_build
  bash testbed/testbed.sh up --nodes 3
  load_three_node_env || {
    say "$CACHE/testbed-3.env is missing after up --nodes 3"
    exit 1
  }

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
  export TEMPORAL_ADDRESS=$BED_TEMPORAL_ADDRESS TEMPORAL_UI_URL=$BED_TEMPORAL_UI_URL VAULT_BOOTSTRAP_STACK=$STACK
  node dist/src/client.js bootstrap --stack "$STACK" --wait
  node dist/src/client.js schedule create --stack "$STACK"
  echo
  # The seed's verification verbatim, with docker pointed at n1.
  DOCKER_HOST=$(bed_node_value "$BED_TESTBED_NODE_HOSTS" n1) \
    node dist/test/support/seed-verify.js "$STACK" "$CUSTODY_3" "$CUSTODY_3_KEY"
  echo
  report_node_workers
  say "Temporal UI: $TEMPORAL_UI_URL/namespaces/default/workflows/vault-bootstrap-$STACK"
  say "the workers, the health schedule and the events watcher keep running;"
  say "stop them with: npm run local -- stop --nodes 3 (then npm run testbed -- down --nodes 3 for the nodes)"
}

if ((NODES == 3)); then
  "three_node_$ACTION"
  exit 0
fi

# ---------------------------------------------------------------------------------------------
# One node: the test bed's single-node swarm on the host's dockerd

worker_alive() { [[ -f $PID_FILE ]] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; }

if [[ $ACTION == stop ]]; then
  if [[ -f $CACHE/testbed.env && -f dist/src/client.js ]]; then
    set -a
    # shellcheck source=/dev/null
    source "$CACHE/testbed.env"
    set +a
    node dist/src/client.js schedule delete --stack "$STACK" || true
  fi
  if worker_alive; then
    kill -TERM "$(cat "$PID_FILE")"
    say "worker stopped"
  fi
  rm -f "$PID_FILE"
  exit 0
fi

refuse_if_running three-node "npm run local -- stop --nodes 3" \
  "$(node_pid_file n1)" "$(node_pid_file n2)" "$(node_pid_file n3)"
install_and_build
bash testbed/testbed.sh up

set -a
# shellcheck source=/dev/null
source "$CACHE/testbed.env"
VAULT_STACK_FILES=$REPO/docker-stack-vault.yml,$REPO/testbed/docker-stack-vault.testbed.yml
VAULT_STACK_DIR_ROOT=$TESTBED_STACK_ROOT
VAULT_BOOTSTRAP_STACK=$STACK
VAULT_BOOTSTRAP_CUSTODY_DIR=${VAULT_BOOTSTRAP_CUSTODY_DIR:-$CACHE/custody}
VAULT_BOOTSTRAP_CUSTODY_KEY_FILE=${VAULT_BOOTSTRAP_CUSTODY_KEY_FILE:-$CACHE/custody.key}
set +a
export VAULT_STACK_FILES VAULT_STACK_DIR_ROOT # (set -a exported them already; said again for shellcheck)

if ! worker_alive; then
  mkdir -p "$CACHE/logs"
  say "starting the worker (log: $CACHE/logs/worker.log)"
  setsid scripts/worker.sh >>"$CACHE/logs/worker.log" 2>&1 </dev/null &
  echo $! >"$PID_FILE"
fi

node dist/src/client.js bootstrap --stack "$STACK" --wait
node dist/src/client.js schedule create --stack "$STACK"
echo
node dist/test/support/seed-verify.js "$STACK" "$VAULT_BOOTSTRAP_CUSTODY_DIR" "$VAULT_BOOTSTRAP_CUSTODY_KEY_FILE"
echo
say "Temporal UI: $TEMPORAL_UI_URL/namespaces/default/workflows/vault-bootstrap-$STACK"
say "the worker, the health schedule and the events watcher keep running;"
say "stop them with: npm run local -- stop (then npm run testbed -- down for the dev server and tunnel)"
