#!/usr/bin/env bash
# init-infra-prod.sh: the operator's entry point for production, run on a swarm manager (or with
# DOCKER_HOST naming one).
#
# The infrastructure steps before and after Vault that are not this project's are placeholders: they
# show where the real ones go and do nothing. What it does:
#   1. checks the Engine is a swarm manager;
#   2. creates the overlay network iklimco-net when it does not exist;
#   3. checks VAULT_CERT_DIR holds ca.pem, fullchain.pem and privkey.pem (on this manager);
#   4. runs the vault-bootstrap worker on the swarm (docker-stack-vault-bootstrap.yml): creates the
#      custody key secret when it does not exist (from a key file the operator keeps, or a new key
#      written first to the backup file the operator names), checks the backup folder (and creates it
#      on the mounted storage), deploys the worker stack (Swarm restarts nothing whose spec did not
#      change) and waits until the worker, and an agent and its Docker proxy on every node, run;
#   5. bootstraps Vault through init/vault/vault-bootstrap.sh (the durable BootstrapVault workflow,
#      through the client; it attaches to a run in flight and changes nothing on a bootstrapped
#      cluster), then creates or updates the health-check schedule and its events watcher, and the
#      backup and restore-drill schedules.
# Safe to re-run at any point: every step looks before it changes anything.
#
# Environment (README "Running the worker on the swarm"):
#   VAULT_BOOTSTRAP_IMAGE        the worker image, pinned (required)
#   TEMPORAL_ADDRESS             Temporal frontend host:port, reachable from here AND from the swarm's
#                                tasks (required; the client and the worker stack both use it)
#   VAULT_BOOTSTRAP_STACK        the Vault stack (default iklimco)
#   VAULT_BOOTSTRAP_WORKER_STACK the worker stack (default vault-bootstrap)
#   VAULT_BOOTSTRAP_CUSTODY_KEY_SOURCE  a file with the custody key to create its secret from (a
#                                restore, or a key you made and backed up yourself)
#   VAULT_BOOTSTRAP_CUSTODY_KEY_BACKUP  the first time, without a SOURCE: a file (that must not exist) the
#                                new random key is written to, owner-only, BEFORE its secret is created.
#                                Copy it off this machine: a Docker secret cannot be read back, and
#                                without the key custody's swarm copies cannot be read. One of the two
#                                is required while the secret does not exist
#   VAULT_BOOTSTRAP_BREAK_GLASS_RECIPIENTS  a file of the operators' PEM public keys: the only keys break
#                                glass (root-token) encrypts a root token to. Unset: root-token is refused
#   TEMPORAL_TLS_SERVER_CA_CERT_PATH, TEMPORAL_TLS_SERVER_NAME  Temporal over mutual TLS (a cluster with the
#                                project's authorizer, docs/temporal-cluster.md); then also
#   VAULT_BOOTSTRAP_WORKER_TLS_CERT/_KEY, VAULT_BOOTSTRAP_AGENT_TLS_CERT/_KEY  the worker's and the agents'
#                                certificates (roles worker and agent), handed to them as Swarm secrets;
#                                TEMPORAL_TLS_CLIENT_CERT_PATH/_KEY_PATH are this script's own (operator)
#   VAULT_BACKUP_MOUNT           the backup storage's mount point on every manager (default /mnt/storagebox)
#   VAULT_BACKUP_DIR             the backup root on it (default $VAULT_BACKUP_MOUNT/vault-snapshots): created
#                                owner-only for the worker's uid 1000 when the storage is mounted here
#   VAULT_BACKUP_ALLOW_UNMOUNTED=1  create the backup root even though VAULT_BACKUP_MOUNT is not a mount
#                                point (a local disk that is the storage, or a test bed)
#   VAULT_BACKUP_INTERVAL, VAULT_DRILL_INTERVAL  the backup and drill schedules (default 1h, 24h)
#   DOCKER_SOCKET_GID            gid of the managers' /var/run/docker.sock (default: this Engine's socket's)
#   VAULT_CERT_DIR, VAULT_IMAGE, TEMPORAL_NAMESPACE, VAULT_BOOTSTRAP_TASK_QUEUE, TEMPORAL_UI_URL
#   VAULT_STACK_FILES            the Vault stack's files in the worker image (default docker-stack-vault.yml);
#                                OpenBao: docker-stack-vault.yml,docker-stack-vault.openbao.yml (its audit device)
#   VAULT_BOOTSTRAP_SKIP_WORKER_STACK=1   the worker runs elsewhere (a host process, `npm start`):
#                                skip step 4
# Extra arguments go to the client's `bootstrap` (e.g. `--stack other`).
#
# Exit codes: 0 bootstrapped, verified and scheduled; 1 the bootstrap failed (the output names the
# step); 2 bad configuration, Docker unreachable, or the worker stack did not start; 5 Temporal unreachable
# (the client's codes pass through: README, "Exit codes").
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

# --- 3. TLS ---------------------------------------------------------------------------------------------
# (placeholder) cert-distributor puts the Vault CA, certificate and key in VAULT_CERT_DIR on every manager.
# Checked here, on this manager: the worker stack binds ca.pem and fullchain.pem (a missing one keeps the
# worker's task from starting), and privkey.pem, which only Vault reads, is never given to the worker, so its
# preflight cannot look for it. Not checked when DOCKER_HOST names another host: the files are there.
TLS_FILES=(ca.pem fullchain.pem privkey.pem)
check_tls_files() {
  local dir=${VAULT_CERT_DIR:-/opt/iklimco/ssl} f missing=()
  if [[ -n ${DOCKER_HOST:-} && ${DOCKER_HOST} != unix://* ]]; then
    log "TLS: $dir is on the managers, not here (DOCKER_HOST=$DOCKER_HOST): not checked"
    return
  fi
  for f in "${TLS_FILES[@]}"; do [[ -f $dir/$f ]] || missing+=("$f"); done
  ((${#missing[@]} == 0)) ||
    fail "TLS: VAULT_CERT_DIR=$dir lacks ${missing[*]}: cert-distributor puts ${TLS_FILES[*]} there on every manager"
  log "TLS: $dir holds ${TLS_FILES[*]}"
}

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
  elif [[ -n ${VAULT_BOOTSTRAP_CUSTODY_KEY_BACKUP:-} ]]; then
    # The key is written to the operator's file first and the secret made from that file: a key that
    # reached the swarm but no backup is a key nobody can restore custody with.
    local backup=$VAULT_BOOTSTRAP_CUSTODY_KEY_BACKUP
    [[ ! -e $backup ]] || fail "VAULT_BOOTSTRAP_CUSTODY_KEY_BACKUP=$backup exists: never overwritten;" \
      "if it is this swarm's key, pass it as VAULT_BOOTSTRAP_CUSTODY_KEY_SOURCE, else name a new file"
    (umask 077 && set -o noclobber && head -c 32 /dev/urandom | base64 >"$backup") ||
      fail "could not write the new custody key to $backup"
    log "custody key: a new key (32 random bytes) written to $backup (owner-only); creating secret $name from it"
    docker secret create --label io.iklimco.vault-bootstrap.kind=custody-key "$name" "$backup" >/dev/null ||
      fail "could not create the secret $name (the key is in $backup; nothing else was made)"
    log "custody key: BACK UP $backup NOW, off this machine (a password safe): the secret cannot be read back," \
      "and without this key custody's swarm copies cannot be read (README \"Where custody lives\")"
  else
    fail "the custody key secret $name does not exist, and nothing says where its backup goes: set" \
      "VAULT_BOOTSTRAP_CUSTODY_KEY_BACKUP to a new file the key is written to first (then copy it to a" \
      "safe place), or VAULT_BOOTSTRAP_CUSTODY_KEY_SOURCE to a key file you already keep"
  fi
}

# Swarm configs and secrets cannot change: each carries a hash of its content in its name, so new content
# is a new object the next deploy swaps in, and the same content is found again. Labelled with the
# worker stack, which is how the ones no deploy uses any more are found.
WORKER_LABEL=io.iklimco.vault-bootstrap.worker-stack
content_name() { printf '%s_%s' "$1" "$(sha256sum "$2" | cut -c1-12)"; }
# ensure_swarm_object config|secret BASE FILE: the object for FILE's content; prints its name.
ensure_swarm_object() {
  local kind=$1 name
  name=$(content_name "$2" "$3")
  if ! docker "$kind" inspect "$name" >/dev/null 2>&1; then
    docker "$kind" create --label "$WORKER_LABEL=$WORKER_STACK" "$name" "$3" >/dev/null ||
      fail "could not create the $kind $name from $3"
    log "$kind $name: created from $3" >&2
  fi
  printf '%s' "$name"
}

# Break glass (docs/temporal-cluster.md): the operators' public keys the worker encrypts a root token to,
# as a Swarm config, from the PEM file VAULT_BOOTSTRAP_BREAK_GLASS_RECIPIENTS names. Unset: no key is
# pinned and the worker refuses every `root-token` until one is.
ensure_break_glass_pins() {
  local file=${VAULT_BOOTSTRAP_BREAK_GLASS_RECIPIENTS:-} empty=
  if [[ -z $file ]]; then
    file=$(mktemp) empty=$file
    echo '# no break-glass recipient key is pinned: root-token is refused' >"$file"
    log "break glass: no recipient keys pinned (VAULT_BOOTSTRAP_BREAK_GLASS_RECIPIENTS unset): root-token is" \
      "refused until you pin the operators' public keys and re-run"
  else
    [[ -r $file ]] || fail "VAULT_BOOTSTRAP_BREAK_GLASS_RECIPIENTS=$file is not a readable file"
    grep -q -- '-----BEGIN PUBLIC KEY-----' "$file" ||
      fail "VAULT_BOOTSTRAP_BREAK_GLASS_RECIPIENTS=$file holds no PEM public key (openssl pkey -pubout makes one)"
    log "break glass: pinning the $(grep -c -- '-----BEGIN PUBLIC KEY-----' "$file") public key(s) of $file"
  fi
  VAULT_BOOTSTRAP_BREAK_GLASS_CONFIG=$(ensure_swarm_object config \
    "vault_bootstrap_break_glass${VAULT_BOOTSTRAP_SUFFIX:-}" "$file")
  export VAULT_BOOTSTRAP_BREAK_GLASS_CONFIG
  [[ -z $empty ]] || rm -f "$empty"
}

# Temporal TLS (docs/temporal-cluster.md): with TEMPORAL_TLS_SERVER_CA_CERT_PATH set, the worker and the
# agents reach Temporal over mutual TLS, each with a certificate of its own role (worker, agent), handed to
# their tasks as Swarm secrets by docker-stack-vault-bootstrap.tls.yml. This script's own client calls
# use the operator's TEMPORAL_TLS_CLIENT_CERT_PATH / _KEY_PATH as they are.
TLS_STACK_FILE=$root/docker-stack-vault-bootstrap.tls.yml
worker_stack_files=(-c "$WORKER_STACK_FILE")
ensure_temporal_tls() {
  if [[ -z ${TEMPORAL_TLS_SERVER_CA_CERT_PATH:-} ]]; then
    log "Temporal TLS: off (TEMPORAL_TLS_SERVER_CA_CERT_PATH unset): the worker stack connects in plain text"
    return
  fi
  local var
  for var in TEMPORAL_TLS_SERVER_CA_CERT_PATH VAULT_BOOTSTRAP_WORKER_TLS_CERT VAULT_BOOTSTRAP_WORKER_TLS_KEY \
    VAULT_BOOTSTRAP_AGENT_TLS_CERT VAULT_BOOTSTRAP_AGENT_TLS_KEY; do
    [[ -n ${!var:-} && -r ${!var} ]] ||
      fail "$var must name a readable file: with TEMPORAL_TLS_SERVER_CA_CERT_PATH set, the worker and the" \
        "agents need certificates of their roles (docs/temporal-cluster.md)"
  done
  local role
  for role in WORKER AGENT; do
    local cert_var=VAULT_BOOTSTRAP_${role}_TLS_CERT key_var=VAULT_BOOTSTRAP_${role}_TLS_KEY end
    end=$(openssl x509 -enddate -noout -in "${!cert_var}" 2>/dev/null) ||
      fail "$cert_var=${!cert_var} is not a PEM certificate"
    openssl x509 -checkend 0 -noout -in "${!cert_var}" >/dev/null ||
      fail "$cert_var=${!cert_var} has expired (${end#notAfter=})"
    [[ $(openssl x509 -pubkey -noout -in "${!cert_var}" | sha256sum) == \
      "$(openssl pkey -pubout -in "${!key_var}" 2>/dev/null | sha256sum)" ]] ||
      fail "$key_var=${!key_var} is not the private key of $cert_var=${!cert_var}"
  done
  local s=${VAULT_BOOTSTRAP_SUFFIX:-}
  VBT_TEMPORAL_CA_SECRET=$(ensure_swarm_object secret "vault_bootstrap_temporal_ca$s" "$TEMPORAL_TLS_SERVER_CA_CERT_PATH")
  VBT_WORKER_CERT_SECRET=$(ensure_swarm_object secret "vault_bootstrap_worker_cert$s" "$VAULT_BOOTSTRAP_WORKER_TLS_CERT")
  VBT_WORKER_KEY_SECRET=$(ensure_swarm_object secret "vault_bootstrap_worker_key$s" "$VAULT_BOOTSTRAP_WORKER_TLS_KEY")
  VBT_AGENT_CERT_SECRET=$(ensure_swarm_object secret "vault_bootstrap_agent_cert$s" "$VAULT_BOOTSTRAP_AGENT_TLS_CERT")
  VBT_AGENT_KEY_SECRET=$(ensure_swarm_object secret "vault_bootstrap_agent_key$s" "$VAULT_BOOTSTRAP_AGENT_TLS_KEY")
  export VBT_TEMPORAL_CA_SECRET VBT_WORKER_CERT_SECRET VBT_WORKER_KEY_SECRET VBT_AGENT_CERT_SECRET VBT_AGENT_KEY_SECRET
  worker_stack_files+=(-c "$TLS_STACK_FILE")
  log "Temporal TLS: on; the worker and the agents present their own certificates (server name" \
    "${TEMPORAL_TLS_SERVER_NAME:-from TEMPORAL_ADDRESS})"
}

# The backup folder the worker writes snapshots to (docs/backups.md). The worker mounts VAULT_BACKUP_MOUNT,
# which must exist for its task to start; the backup root is made here, owner-only for the worker's uid,
# only on a mounted storage (a folder on this node's own disk would look like backups and be lost with it).
# Whatever is wrong here is said loudly but does not stop the bootstrap: the health check reports it
# (BackupTargetUnusable) and VaultBackupTargetUnusable fires until it is fixed.
WORKER_UID=1000
check_backup_folder() {
  local mount=${VAULT_BACKUP_MOUNT:-/mnt/storagebox}
  local dir=${VAULT_BACKUP_DIR:-$mount/vault-snapshots}
  export VAULT_BACKUP_MOUNT=$mount VAULT_BACKUP_DIR=$dir
  [[ $dir == "$mount"/* ]] ||
    fail "VAULT_BACKUP_DIR=$dir is not inside VAULT_BACKUP_MOUNT=$mount, the only storage the worker mounts"
  if [[ -n ${DOCKER_HOST:-} && ${DOCKER_HOST} != unix://* ]]; then
    log "backups: $dir is on the managers, not here (DOCKER_HOST=$DOCKER_HOST): the health check reports it"
    return
  fi
  [[ -d $mount ]] || fail "VAULT_BACKUP_MOUNT=$mount does not exist: make it on every manager (the worker" \
    "binds it; an empty mount point is enough until the storage is mounted)"
  if [[ -d $dir ]]; then
    local owner mode
    owner=$(stat -c %u "$dir") mode=$(stat -c %a "$dir")
    if [[ $owner != "$WORKER_UID" && $owner != 0 ]] || (((8#$mode & 8#022) != 0)); then
      log "WARNING: backups: $dir is owned by uid $owner with mode $mode: the worker (uid $WORKER_UID) refuses a" \
        "folder others can write or another user owns (BackupTargetInsecure); chown $WORKER_UID and chmod 700 it"
    else
      log "backups: $dir present (uid $owner, mode $mode)"
    fi
  elif mountpoint -q "$mount" || [[ ${VAULT_BACKUP_ALLOW_UNMOUNTED:-} == 1 ]]; then
    install -d -o "$WORKER_UID" -g "$WORKER_UID" -m 0700 "$dir" || fail "could not create the backup root $dir"
    log "backups: created $dir (uid $WORKER_UID, mode 700); each stack's folder is made by its first backup"
  else
    log "WARNING: backups: nothing is mounted at $mount, so $dir is not created on this node's own disk." \
      "Backups fail (BackupTargetMissing) and the health check reports it until the storage is mounted and" \
      "$dir exists, owned by uid $WORKER_UID (VAULT_BACKUP_ALLOW_UNMOUNTED=1 if this disk is the storage)"
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

# Ready when the worker has one task running and the agent and its proxy one on each node that can run
# a task (Ready and Active: the agents are global on every node, workers too, as the Vault service can
# run anywhere; a node that is down or drained runs nothing, and waiting for it would fail a run that
# has all it needs).
running_tasks() {
  docker service ps --filter desired-state=running --format '{{.CurrentState}}' "$1" 2>/dev/null | grep -c '^Running' || true
}
worker_stack_ready() {
  local nodes
  nodes=$(docker node ls --format '{{.Status}} {{.Availability}}' | grep -c '^Ready Active$' || true)
  (($(running_tasks "${WORKER_STACK}_worker") == 1 && $(running_tasks "${WORKER_STACK}_agent") == nodes &&
    $(running_tasks "${WORKER_STACK}_docker-proxy") == nodes))
}

deploy_worker_stack() {
  [[ -n ${VAULT_BOOTSTRAP_IMAGE:-} ]] || fail "VAULT_BOOTSTRAP_IMAGE is not set: the worker image to run (pinned)"
  [[ -n ${TEMPORAL_ADDRESS:-} ]] || fail "TEMPORAL_ADDRESS is not set: the Temporal frontend, reachable from the swarm"
  ensure_custody_key
  ensure_break_glass_pins
  ensure_temporal_tls
  check_backup_folder
  DOCKER_SOCKET_GID=${DOCKER_SOCKET_GID:-$(socket_gid)}
  export DOCKER_SOCKET_GID
  log "worker stack $WORKER_STACK: deploying $VAULT_BOOTSTRAP_IMAGE (Temporal $TEMPORAL_ADDRESS)"
  docker stack deploy --resolve-image never "${worker_stack_files[@]}" "$WORKER_STACK" >/dev/null ||
    fail "worker stack $WORKER_STACK: docker stack deploy failed (above)"
  local deadline=$((SECONDS + WORKER_START_TIMEOUT))
  until worker_stack_ready; do
    if ((SECONDS >= deadline)); then
      docker service ps --no-trunc --format '  {{.Name}} {{.Node}} {{.CurrentState}} {{.Error}}' \
        "${WORKER_STACK}_worker" "${WORKER_STACK}_agent" "${WORKER_STACK}_docker-proxy" >&2 || true
      fail "worker stack $WORKER_STACK: not running after ${WORKER_START_TIMEOUT}s (tasks above;" \
        "docker service logs ${WORKER_STACK}_worker)"
    fi
    sleep 2
  done
  docker service ps --filter desired-state=running --format '  {{.Name}} on {{.Node}}: {{.CurrentState}}' \
    "${WORKER_STACK}_worker" "${WORKER_STACK}_agent" "${WORKER_STACK}_docker-proxy"
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
    elif ((rc == 5)); then
      log "Temporal unreachable from here: check TEMPORAL_ADDRESS, TLS (TEMPORAL_TLS*) and that the server runs." >&2
    else
      log "Bad configuration, or Temporal unreachable, or the client is not built: see the message above." >&2
    fi
    exit "$rc"
  fi
  log "Vault is bootstrapped and verified; the health check, backups and restore drills are scheduled"
}

check_manager
ensure_network
check_tls_files
if [[ ${VAULT_BOOTSTRAP_SKIP_WORKER_STACK:-} == 1 ]]; then
  log "worker stack: skipped (VAULT_BOOTSTRAP_SKIP_WORKER_STACK=1); the worker must be running elsewhere"
else
  deploy_worker_stack
fi
bootstrap_vault "$@"

# --- 6. After Vault (placeholders) -----------------------------------------------------------------------
# Services that need Vault (secrets engines, policies, app stacks) go here.
