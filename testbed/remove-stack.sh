#!/usr/bin/env bash
# Removes a stack deployed on the test bed, with everything it left behind:
#
#   bash testbed/remove-stack.sh vbtmanual1
#
# Waits until the stack's containers are gone (until then they hold the secrets and the
# folders), then removes the stack's secrets (<stack>_*: the placeholder and the versioned
# unseal-key secrets the bootstrap created) and its bind-mount folders with the Raft data.
set -Eeuo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
load_stack "${1:-}"

if docker stack ls --format '{{.Name}}' | grep -qxF "$STACK"; then
  log "removing the stack $STACK"
  docker stack rm "$STACK" >/dev/null
fi
wait_until 60 stack_containers_gone "$STACK" ||
  die "the containers of stack $STACK are still there after 60s: docker ps -a --filter label=com.docker.stack.namespace=$STACK"

secrets=$(docker secret ls --format '{{.Name}}' | grep "^${STACK}_" || true)
if [[ -n $secrets ]]; then
  log "removing the secrets: ${secrets//$'\n'/ }"
  # shellcheck disable=SC2086 # one argument per secret
  docker secret rm $secrets >/dev/null
fi

if [[ -d $STACK_DIR ]]; then
  log "removing $STACK_DIR"
  rm -rf "$STACK_DIR"
fi
log "stack $STACK removed"
