#!/usr/bin/env bash
# The bootstrap's eight steps as a bare sequential shell script: the yardstick `npm run bench` runs in the
# same session as the workflow (test/bench/bench.ts), on the same bed, with the same stack files.
#
# It is what an operator would write without the workflow: each step runs once, in order, and waits the
# way a script waits (`docker service update` until converged, a one-second poll otherwise). It is NOT a
# bootstrap to use: no custody (the key lives in shell variables for the run's few seconds), no retries,
# no idempotence, no crash safety. Key material never reaches argv: keys go through stdin or the mounted
# secret file.
#
# Environment: STACK, STACK_DIR (bind-mount root for the testbed overlay), REPO, VAULT_IMAGE,
# VAULT_CERT_DIR. Prints one line per step, `step <name> <milliseconds>`, on stdout.
# On the three-node bed (`npm run bench -- --nodes 3`): NODE_SOCKETS, "HOSTNAME=DOCKER_HOST ..." of every
# node, with DOCKER_HOST naming a manager. Then the production stack file is deployed alone (node-local
# volumes, one task per node), each slot's commands go to the Engine of the node its task runs on, and the
# peers join the leader at its address on iklimco-net, as the workflow's direct addressing does.
set -Eeuo pipefail
: "${STACK:?}" "${REPO:?}" "${VAULT_IMAGE:?}" "${VAULT_CERT_DIR:?}"
declare -A ENGINE_OF=()
for pair in ${NODE_SOCKETS:-}; do ENGINE_OF[${pair%%=*}]=${pair#*=}; done
((${#ENGINE_OF[@]} > 0)) || : "${STACK_DIR:?}"

SVC=${STACK}_vault
SECRET=${STACK}_vault_unseal_key

now_ms() {
  local t=${EPOCHREALTIME/./}
  echo $((t / 1000))
}
step() {
  local name=$1 started
  shift
  started=$(now_ms)
  "$@"
  echo "step $name $(($(now_ms) - started))"
}
# on_slot SLOT ARGS...: docker ARGS against the Engine that runs SLOT's task (the only one on one node).
on_slot() {
  local slot=$1 node
  shift
  if ((${#ENGINE_OF[@]} == 0)); then
    docker "$@"
    return
  fi
  node=$(docker service ps --filter desired-state=running --format '{{.Name}} {{.Node}}' "$SVC" |
    awk -v want="$SVC.$slot" '$1 == want { print $2; exit }')
  DOCKER_HOST=${ENGINE_OF[$node]:?no Engine for node \"$node\" of slot $slot} docker "$@"
}
container() { on_slot "$1" ps -q -f "name=${SVC}.$1." | head -1; }
# in_slot SLOT ARGS...: runs ARGS in SLOT's container.
in_slot() {
  local slot=$1 ctr
  shift
  ctr=$(container "$slot")
  on_slot "$slot" exec "$ctr" "$@"
}
in_slot_stdin() {
  local slot=$1 ctr
  shift
  ctr=$(container "$slot")
  on_slot "$slot" exec -i "$ctr" "$@"
}
running_tasks() {
  docker service ps --filter desired-state=running --format '{{.CurrentState}}' "$SVC" | grep -c '^Running' || true
}
wait_running() { until [[ $(running_tasks) -eq 3 ]]; do sleep 1; done; }
json_field() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(String(eval("JSON.parse(s)"+process.argv[1]))))' "$1"; }
# `vault write sys/unseal key=@file` reads the key from the secret Swarm mounted in the task.
unseal() { in_slot "$1" vault write -format=json sys/unseal key=@/run/secrets/vault_unseal_key >/dev/null; }

placeholder() { printf 'placeholder\n' | docker secret create "$SECRET" - >/dev/null; }

deploy() {
  if ((${#ENGINE_OF[@]} > 0)); then
    (cd "$REPO" && VAULT_UNSEAL_KEY_SECRET=$SECRET \
      docker stack deploy --resolve-image never -c docker-stack-vault.yml "$STACK" >/dev/null)
  else
    mkdir -p "$STACK_DIR"/vault-{1,2,3}/{data,logs}
    (cd "$REPO" && VAULT_UNSEAL_KEY_SECRET=$SECRET TESTBED_STACK_DIR=$STACK_DIR VAULT_BOOTSTRAP_STACK_NAME=$STACK \
      docker stack deploy --resolve-image never -c docker-stack-vault.yml \
      -c testbed/docker-stack-vault.testbed.yml "$STACK" >/dev/null)
  fi
  wait_running
}

init() {
  local out
  out=$(in_slot 1 vault operator init -key-shares=1 -key-threshold=1 -format=json)
  KEY=$(printf %s "$out" | json_field '.unseal_keys_b64[0]')
  ROOT=$(printf %s "$out" | json_field '.root_token')
}

rotate() {
  printf %s "$KEY" | docker secret create "${SECRET}_v1" - >/dev/null
  docker service update --quiet --secret-rm "$SECRET" \
    --secret-add "source=${SECRET}_v1,target=vault_unseal_key" "$SVC" >/dev/null
  wait_running
  docker secret rm "$SECRET" >/dev/null
}

unseal_leader() {
  unseal 1
  # Active once it answers a token-authenticated read.
  until printf %s "$ROOT" | in_slot_stdin 1 \
    sh -c 'read -r VAULT_TOKEN; export VAULT_TOKEN; vault read sys/storage/raft/configuration' >/dev/null 2>&1; do
    sleep 1
  done
}

join_peers() {
  local slot leader=${STACK}-vault-1
  if ((${#ENGINE_OF[@]} > 0)); then
    leader=$(on_slot 1 inspect -f '{{with index .NetworkSettings.Networks "iklimco-net"}}{{.IPAddress}}{{end}}' \
      "$(container 1)")
  fi
  for slot in 2 3; do
    # The API rather than `vault operator raft join`, whose CLI has no flag for the TLS server name.
    in_slot "$slot" vault write sys/storage/raft/join \
      "leader_api_addr=https://${leader}:8200" leader_ca_cert=@/vault/certs/ca.pem \
      leader_tls_servername=vault-1 >/dev/null
  done
}

unseal_peers() {
  unseal 2
  unseal 3
}

voters() {
  printf %s "$ROOT" | in_slot_stdin 1 \
    sh -c 'read -r VAULT_TOKEN; export VAULT_TOKEN; vault operator raft list-peers -format=json' |
    json_field '.data.config.servers.filter(s=>s.voter).length'
}
verify() {
  until [[ $(voters 2>/dev/null || echo 0) -eq 3 ]]; do sleep 1; done
  [[ $(in_slot 1 vault status -format=json | json_field '.sealed') == false ]]
}

step ensurePlaceholderSecret placeholder
step deployStack deploy
step initLeader init
step rotateUnsealKeySecret rotate
step unsealLeader unseal_leader
step joinPeers join_peers
step unsealPeers unseal_peers
step verifyCluster verify
