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
set -Eeuo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=$(realpath -m "${VAULT_BOOTSTRAP_CACHE:-$REPO/.cache}")
PID_FILE=$CACHE/worker.pid
STACK=${VAULT_BOOTSTRAP_STACK:-iklimco}
cd "$REPO"

say() { printf 'local: %s\n' "$*" >&2; }

worker_alive() { [[ -f $PID_FILE ]] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; }

if [[ ${1:-} == stop ]]; then
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

if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  say "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund
fi
npm run --silent build
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

if ! worker_alive; then
  mkdir -p "$CACHE/logs"
  say "starting the worker (log: $CACHE/logs/worker.log)"
  setsid node dist/src/worker.js >>"$CACHE/logs/worker.log" 2>&1 </dev/null &
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
