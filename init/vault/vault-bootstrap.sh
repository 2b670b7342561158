#!/usr/bin/env bash
# vault-bootstrap.sh: bootstrap (or resume bootstrapping) the Vault Raft cluster of a Swarm stack.
#
# What it replaces: the old bash bootstrap that did everything itself, in one shell session: create the
# placeholder `vault_unseal_key` secret, `docker stack deploy`, `vault operator init`, rotate the secret to the
# real unseal key, unseal the leader, `raft join` the peers, unseal them, verify. Those steps are now the
# durable `BootstrapVault` workflow run by the vault-bootstrap worker (src/worker.ts): each step is an
# idempotent, retried activity, and a crash of this shell, the worker or Temporal resumes at the last completed
# step instead of starting over. This script is only a thin shim over the `vault-bootstrap` client:
#
#   vault-bootstrap bootstrap --wait --stack "${VAULT_BOOTSTRAP_STACK:-iklimco}" "$@"
#
# It starts the workflow (or attaches to the one already running for the stack), prints each step as it
# completes and exits 0 once the cluster is verified. Running it again after a failure is safe: fix what the
# error says, re-run, and the workflow continues from where it stopped.
#
# Needs: the client (vault-bootstrap-client.sh beside this file finds it: a built checkout with Node.js >= 20, a
# vault-bootstrap command on PATH, or else the worker image VAULT_BOOTSTRAP_IMAGE names, run with docker), a
# reachable Temporal server, and a RUNNING vault-bootstrap worker polling the task queue (the worker stack,
# `npm start`). Without a worker the workflow waits and so does this script: `vault-bootstrap status` shows where
# it is.
#
# Environment (all optional; the client validates them and says which one is wrong):
#   VAULT_BOOTSTRAP_STACK        stack name (default iklimco); the service is <stack>_vault
#   VAULT_BOOTSTRAP_REPO         checkout holding dist/src/client.js (default: two levels above this script)
#   VAULT_BOOTSTRAP_IMAGE        the worker image: the client runs from it when no built client is here
#                                (VAULT_BOOTSTRAP_CLIENT_IMAGE another image; VAULT_BOOTSTRAP_CLIENT=image always)
#   TEMPORAL_ADDRESS             Temporal frontend host:port (default 127.0.0.1:7233)
#   TEMPORAL_NAMESPACE           namespace (default default)
#   VAULT_BOOTSTRAP_TASK_QUEUE   task queue the worker polls (default vault-bootstrap)
#   TEMPORAL_UI_URL              Web UI base URL for the links it prints (default http://127.0.0.1:8233)
#   TEMPORAL_TLS*, TEMPORAL_API_KEY, TEMPORAL_PROFILE, TEMPORAL_CONFIG_FILE   Temporal connection settings
#   VAULT_BOOTSTRAP_SCHEDULE     1: after the bootstrap, also `schedule create` (the health check and the events
#                                watcher; VAULT_HEALTH_* settings) and `backup schedule create` (a backup every
#                                VAULT_BACKUP_INTERVAL, a restore drill every VAULT_DRILL_INTERVAL);
#                                init-infra-prod.sh sets it
# Extra arguments are passed to the client (e.g. `--stack other`).
#
# Secrets: this script and the client never take or print key material. The unseal key and root token stay
# in the worker's key custody; only names and ids appear in arguments, output and workflow history.
#
# Exit codes (the client's): 0 bootstrapped and verified, 1 the workflow failed, 2 bad usage or configuration
# or Temporal unreachable.
set -Eeuo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
stack="${VAULT_BOOTSTRAP_STACK:-iklimco}"
# The client: a built checkout, a vault-bootstrap command, or the worker image (vault-bootstrap-client.sh says how).
cli=("$here/vault-bootstrap-client.sh")

# The stack the client acts on: a `--stack` among the arguments wins over VAULT_BOOTSTRAP_STACK, as in the client;
# it is given to each command once (the other arguments as they are).
args=("$@") rest=()
for ((i = 0; i < ${#args[@]}; i++)); do
  case ${args[i]} in
    --stack) stack=${args[i + 1]:-$stack} i=$((i + 1)) ;;
    --stack=*) stack=${args[i]#--stack=} ;;
    *) rest+=("${args[i]}") ;;
  esac
done
set -- "${rest[@]}"

if [[ ${VAULT_BOOTSTRAP_SCHEDULE:-} != 1 ]]; then
  exec "${cli[@]}" bootstrap --wait --stack "$stack" "${rest[@]}"
fi
# VAULT_BOOTSTRAP_SCHEDULE=1 (init-infra-prod.sh): once verified, the health-check schedule and its events
# watcher are created, or updated to the current settings (VAULT_HEALTH_*), the watcher kept if it runs; then
# the backup and drill schedules, likewise (VAULT_BACKUP_INTERVAL, VAULT_DRILL_INTERVAL). A cluster nobody
# backs up is not bootstrapped for production.
"${cli[@]}" bootstrap --wait --stack "$stack" "${rest[@]}"
"${cli[@]}" schedule create --stack "$stack"
exec "${cli[@]}" backup schedule create --stack "$stack"
