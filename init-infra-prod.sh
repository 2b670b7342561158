#!/usr/bin/env bash
# init-infra-prod.sh: the operator's entry point for production, run on a swarm manager (or with
# DOCKER_HOST naming one).
#
# The infrastructure steps before and after Vault that are not this project's are placeholders: they
# show where the real ones go and do nothing. What it does:
#   1. checks the Engine is a swarm manager;
#   2. creates the overlay network iklimco-net when it does not exist;
#   4. runs the vault-bootstrap worker on the swarm (docker-stack-vault-bootstrap.yml): creates the
#      custody key secret when it does not exist, deploys the worker stack (Swarm restarts nothing
#      whose spec did not change) and waits until the worker and an agent on every manager run;
#   5. bootstraps Vault through init/vault/vault-bootstrap.sh (the durable BootstrapVault workflow,
#      through the client; it attaches to a run in flight and changes nothing on a bootstrapped
#      cluster), then creates or updates the health-check schedule and its events watcher.
# Safe to re-run at any point: every step looks before it changes anything.
#
# Environment (README "Running the worker on the swarm"):
#   VAULT_BOOTSTRAP_IMAGE        the worker image, pinned (required)
#   TEMPORAL_ADDRESS             Temporal frontend host:port, reachable from here AND from the swarm's
#                                tasks (required; the client and the worker stack both use it)
#   VAULT_BOOTSTRAP_STACK        the Vault stack (default iklimco)
#   VAULT_BOOTSTRAP_WORKER_STACK the worker stack (default vault-bootstrap)
#   VAULT_BOOTSTRAP_CUSTODY_KEY_SOURCE  a file with the custody key to create its secret from (a
#                                restore); unset: a new random key, the first time only
#   DOCKER_SOCKET_GID            gid of the managers' /var/run/docker.sock (default: this Engine's socket's)
#   VAULT_CERT_DIR, VAULT_IMAGE, TEMPORAL_NAMESPACE, VAULT_BOOTSTRAP_TASK_QUEUE, TEMPORAL_UI_URL
#   VAULT_BOOTSTRAP_SKIP_WORKER_STACK=1   the worker runs elsewhere (a host process, `npm start`):
#                                skip step 4
# Extra arguments go to the client's `bootstrap` (e.g. `--stack other`).
#
# Exit codes: 0 bootstrapped, verified and scheduled; 1 the bootstrap failed (the output names the
# step); 2 bad configuration, Docker or Temporal unreachable, or the worker stack did not start.
set -Eeuo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
log() { printf '[init-infra-prod] %s\n' "$*"; }
fail() {
  log "ERROR: $*" >&2
  exit 2
}

NETWORK=iklimco-net
WORKER_STACK=${VAULT_BOOTSTRAP_WORKER_STACK:-vault-bootstrap}
WORKER_STACK_FILE=$root/docker-stack-vault-bootstrap.yml
WORKER_START_TIMEOUT=${VAULT_BOOTSTRAP_WORKER_START_TIMEOUT:-180}

# --- 1. Swarm --------------------------------------------------------------------------------------------
# (placeholder) `docker swarm init` on the first manager, the other managers joined; then:
check_manager() {
  local control
  control=$(docker info --format '{{.Swarm.ControlAvailable}}' 2>/dev/null) ||
    fail "Docker is not reachable (DOCKER_HOST=${DOCKER_HOST:-unset}); is dockerd running?"
  [[ $control == true ]] ||
    fail "this Docker Engine is not a swarm manager (DOCKER_HOST=${DOCKER_HOST:-unset}): run on a manager"
}

# --- 2. Network ------------------------------------------------------------------------------------------
ensure_network() {
  local driver
  if driver=$(docker network inspect --format '{{.Driver}} {{.Scope}} {{.Attachable}}' "$NETWORK" 2>/dev/null); then
    [[ $driver == "overlay swarm true" ]] ||
      fail "network $NETWORK exists but is not an attachable swarm overlay ($driver); remove or fix it by hand"
    log "network $NETWORK: present"
  else
    log "network $NETWORK: creating (overlay, attachable)"
    docker network create --driver overlay --attachable "$NETWORK" >/dev/null
  fi
}

# --- 3. TLS (placeholder) --------------------------------------------------------------------------------
# cert-distributor puts the Vault CA, certificate and key in VAULT_CERT_DIR on every manager.

# --- 4. The worker on the swarm --------------------------------------------------------------------------
# The custody key every worker task decrypts custody with, as a Docker secret: from the file
# VAULT_BOOTSTRAP_CUSTODY_KEY_SOURCE names (a restore), else 32 random bytes. Never on argv or in a log.
ensure_custody_key() {
  local name=vault_bootstrap_custody_key${VAULT_BOOTSTRAP_SUFFIX:-}
  if docker secret inspect "$name" >/dev/null 2>&1; then
    log "custody key: secret $name present"
  elif [[ -n ${VAULT_BOOTSTRAP_CUSTODY_KEY_SOURCE:-} ]]; then
    log "custody key: creating secret $name from $VAULT_BOOTSTRAP_CUSTODY_KEY_SOURCE"
    docker secret create --label io.iklimco.vault-bootstrap.kind=custody-key "$name" \
      "$VAULT_BOOTSTRAP_CUSTODY_KEY_SOURCE" >/dev/null || fail "could not create the secret $name"
  else
    log "custody key: creating secret $name (32 random bytes); back it up now (README \"Where custody lives\")"
    head -c 32 /dev/urandom | base64 |
      docker secret create --label io.iklimco.vault-bootstrap.kind=custody-key "$name" - >/dev/null ||
      fail "could not create the secret $name"
  fi
}

# The gid of the Engine's socket, for the worker's group; only this Engine's socket can be seen from
# here, so DOCKER_SOCKET_GID must be set when the managers differ.
socket_gid() {
  local socket=/var/run/docker.sock
  [[ ${DOCKER_HOST:-} != unix://* ]] || socket=${DOCKER_HOST#unix://}
  stat -c %g "$socket" 2>/dev/null ||
    fail "cannot read the group of $socket: set DOCKER_SOCKET_GID to the gid of /var/run/docker.sock on the managers"
}

# Ready when the worker has one task running and the agent one on each Ready manager (a manager that is
# down runs nothing: waiting for its agent would fail a run that has all it needs).
running_tasks() {
  docker service ps --filter desired-state=running --format '{{.CurrentState}}' "$1" 2>/dev/null | grep -c '^Running' || true
}
worker_stack_ready() {
  local managers
  managers=$(docker node ls --filter role=manager --format '{{.Status}}' | grep -c '^Ready$' || true)
  (($(running_tasks "${WORKER_STACK}_worker") == 1 && $(running_tasks "${WORKER_STACK}_agent") == managers))
}

deploy_worker_stack() {
  [[ -n ${VAULT_BOOTSTRAP_IMAGE:-} ]] || fail "VAULT_BOOTSTRAP_IMAGE is not set: the worker image to run (pinned)"
  [[ -n ${TEMPORAL_ADDRESS:-} ]] || fail "TEMPORAL_ADDRESS is not set: the Temporal frontend, reachable from the swarm"
  ensure_custody_key
  DOCKER_SOCKET_GID=${DOCKER_SOCKET_GID:-$(socket_gid)}
  export DOCKER_SOCKET_GID
  log "worker stack $WORKER_STACK: deploying $VAULT_BOOTSTRAP_IMAGE (Temporal $TEMPORAL_ADDRESS)"
  docker stack deploy --resolve-image never -c "$WORKER_STACK_FILE" "$WORKER_STACK" >/dev/null ||
    fail "worker stack $WORKER_STACK: docker stack deploy failed (above)"
  local deadline=$((SECONDS + WORKER_START_TIMEOUT))
  until worker_stack_ready; do
    if ((SECONDS >= deadline)); then
      docker service ps --no-trunc --format '  {{.Name}} {{.Node}} {{.CurrentState}} {{.Error}}' \
        "${WORKER_STACK}_worker" "${WORKER_STACK}_agent" >&2 || true
      fail "worker stack $WORKER_STACK: not running after ${WORKER_START_TIMEOUT}s (tasks above;" \
        "docker service logs ${WORKER_STACK}_worker)"
    fi
    sleep 2
  done
  docker service ps --filter desired-state=running --format '  {{.Name}} on {{.Node}}: {{.CurrentState}}' \
    "${WORKER_STACK}_worker" "${WORKER_STACK}_agent"
}

# --- 5. Vault --------------------------------------------------------------------------------------------
bootstrap_vault() {
  log "bootstrapping Vault for stack ${VAULT_BOOTSTRAP_STACK:-iklimco}"
  local rc=0
  VAULT_BOOTSTRAP_SCHEDULE=1 "$root/init/vault/vault-bootstrap.sh" "$@" || rc=$?
  if ((rc != 0)); then
    log "Vault bootstrap FAILED (exit $rc); stopping here, nothing after it runs." >&2
    if ((rc == 1)); then
      log "The output above names the failed step and what to do; 'vault-bootstrap status' shows the progress." >&2
      log "Once fixed, re-run this script: the workflow resumes where it stopped." >&2
    else
      log "Bad configuration, or Temporal unreachable, or the client is not built: see the message above." >&2
    fi
    exit "$rc"
  fi
  log "Vault is bootstrapped and verified; the health check is scheduled"
}

check_manager
ensure_network
if [[ ${VAULT_BOOTSTRAP_SKIP_WORKER_STACK:-} == 1 ]]; then
  log "worker stack: skipped (VAULT_BOOTSTRAP_SKIP_WORKER_STACK=1); the worker must be running elsewhere"
else
  deploy_worker_stack
fi
bootstrap_vault "$@"

# --- 6. After Vault (placeholders) -----------------------------------------------------------------------
# Services that need Vault (secrets engines, policies, app stacks) go here.
