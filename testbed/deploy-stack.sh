#!/usr/bin/env bash
# Deploys the Vault stack on the test bed by hand, the way the bootstrap's first two steps do:
#
#   bash testbed/deploy-stack.sh vbtmanual1
#
# Needs `npm run testbed -- up` first; undo with `bash testbed/remove-stack.sh vbtmanual1`.
# The three nodes come up sealed and uninitialized. Reach one from the host through the tunnel
# ($VAULT_TUNNEL_ADDRESS: send "vault-1:8200\n", then TLS) or with `docker exec ... vault status`.
# The service always gets the placeholder secret <stack>_vault_unseal_key: re-running this on a
# bootstrapped stack swaps the bootstrap's versioned unseal-key secret out again.
set -Eeuo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
load_stack "${1:-}"

# Bind-mount sources must exist before a task can start (see docker-stack-vault.testbed.yml).
mkdir -p "$STACK_DIR"/vault-{1,2,3}/{data,logs}

if docker secret inspect "$UNSEAL_KEY_SECRET" >/dev/null 2>&1; then
  log "secret $UNSEAL_KEY_SECRET exists"
else
  log "creating the placeholder secret $UNSEAL_KEY_SECRET"
  printf 'placeholder\n' |
    docker secret create --label io.iklimco.testbed=1 "$UNSEAL_KEY_SECRET" - >/dev/null
fi

log "deploying the stack $STACK (image $VAULT_IMAGE, folders under $STACK_DIR)"
cd "$REPO_ROOT"
VAULT_UNSEAL_KEY_SECRET=$UNSEAL_KEY_SECRET TESTBED_STACK_DIR=$STACK_DIR VAULT_BOOTSTRAP_STACK_NAME=$STACK \
  docker stack deploy --resolve-image never \
  -c docker-stack-vault.yml -c docker-stack-vault.openbao.yml -c testbed/docker-stack-vault.testbed.yml \
  "$STACK" >/dev/null

# Converged: no rolling update in progress (a redeploy replaces the tasks one by one) and three
# tasks running; Swarm counts a task as running once its healthcheck passed.
three_tasks_running() {
  [[ $(docker service inspect --format '{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}' "${STACK}_vault") != updating ]] &&
    [[ $(docker service ps --filter desired-state=running --format '{{.CurrentState}}' "${STACK}_vault" |
      grep -c '^Running') -eq 3 ]]
}
if wait_until 90 three_tasks_running; then
  log "stack $STACK: 3 tasks running"
else
  docker service ps --no-trunc "${STACK}_vault" >&2 || true
  die "stack $STACK: 3 tasks are not running after 90s (see the task errors above)"
fi
