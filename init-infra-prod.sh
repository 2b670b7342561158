#!/usr/bin/env bash
# init-infra-prod.sh: EXAMPLE of the production caller of the Vault bootstrap.
#
# The infrastructure steps before Vault are placeholders: they show where the real ones go, they do nothing.
# The Vault part is real: it calls init/vault/vault-bootstrap.sh, which drives the durable BootstrapVault
# workflow through the vault-bootstrap client and needs a running Temporal and vault-bootstrap worker.
# Safe to re-run: the workflow observes the cluster and only does what is still missing.
set -Eeuo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
log() { printf '[init-infra-prod] %s\n' "$*"; }

# --- before Vault (placeholders) -------------------------------------------------------------------------
# 1. Swarm: `docker swarm init` on the first manager, join the other nodes, label the three Vault nodes.
# 2. Network: `docker network create --driver overlay --attachable iklimco-net` when it does not exist.
# 3. TLS: put the Vault CA, certificate and key in /opt/iklimco/ssl on every Vault node (mounted read-only).
# 4. Temporal and the worker: Temporal up (docker-compose.temporal.yml, or a dev server) and the
#    vault-bootstrap worker running with its key custody folder (see README).

# --- Vault ---------------------------------------------------------------------------------------------------
log "bootstrapping Vault for stack ${VAULT_BOOTSTRAP_STACK:-iklimco}"
rc=0
"$root/init/vault/vault-bootstrap.sh" "$@" || rc=$?
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
log "Vault is bootstrapped and verified"

# --- after Vault (placeholders) ------------------------------------------------------------------------------
# 5. Services that need Vault (secrets engines, policies, app stacks) go here.
