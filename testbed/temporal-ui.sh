#!/usr/bin/env bash
# The Temporal Web UI for the test bed's Temporal cluster: temporal-cluster/ui (the ui-server Go module, which
# carries the built UI) compiled to $CACHE/bin/vbt-temporal-ui and run on http://127.0.0.1:18233, loopback only
# and without a login. It reaches the cluster's frontend with mTLS as the read-only `viewer` (docs/temporal-ui.md).
#
#   bash testbed/temporal-ui.sh build [--force]                            # only when its sources changed
#   bash testbed/temporal-ui.sh start FRONTEND CA CERT KEY SERVER_NAME     # mTLS to the frontend
#   bash testbed/temporal-ui.sh start FRONTEND --plaintext                 # a frontend without TLS (dev server)
#   bash testbed/temporal-ui.sh stop
#   bash testbed/temporal-ui.sh status     # one line; exit 1 unless the UI answers
#
# Or sourced (by a script that set `set -Eeuo pipefail` and may have sourced lib.sh), for the functions
# ui_build, ui_start, ui_stop, ui_probe, ui_status and ui_api_probe. `start` builds first if needed, and
# with the same frontend, files and options as the running UI it only checks that one; with others (or a
# rebuilt binary) it restarts it.
#
# Options from the environment: VBT_UI_PORT (default 18233), VBT_UI_PUBLIC_PATH (e.g. /temporal; default
# none), VBT_UI_CORS_ORIGINS (comma-separated; default the UI's own origin), VBT_UI_WRITE_ACTIONS=true (the
# UI offers terminate, signal, reset...; off by default, the viewer certificate may not do them anyway),
# VBT_UI_ACCESS_LOG=true (every HTTP request in the log; an open UI polls every few seconds).
#
# Everything lives in $CACHE = ${VAULT_BOOTSTRAP_CACHE:-<repo>/.cache}: the binary in bin/, Go's module and
# build caches (the pinned toolchain too) in go/, the pid file in temporal-ui/, logs in logs/.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  set -Eeuo pipefail
fi

UI_TESTBED_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$UI_TESTBED_DIR/lib.sh"

UI_REPO_ROOT=$(dirname "$UI_TESTBED_DIR")
UI_CACHE=$(realpath -m "${VAULT_BOOTSTRAP_CACHE:-$UI_REPO_ROOT/.cache}")
UI_SRC=$UI_REPO_ROOT/temporal-cluster/ui
UI_BIN=$UI_CACHE/bin/vbt-temporal-ui
UI_BIN_HASH=$UI_BIN.inputs-hash # hash of the sources the binary was built from
UI_STATE_DIR=$UI_CACHE/temporal-ui
UI_PID_FILE=$UI_STATE_DIR/ui.pid
UI_INPUTS=$UI_STATE_DIR/ui.inputs # hash of the binary and the options the running UI started with
UI_LOG=$UI_CACHE/logs/temporal-ui.log
UI_BUILD_LOG=$UI_CACHE/logs/build-temporal-ui.log
UI_HOST=127.0.0.1 # never anything else: the UI has no login
UI_PORT=${VBT_UI_PORT:-18233}
UI_START_TIMEOUT=30

# ui_url: the UI's address, public path included, with a trailing slash.
ui_url() { printf 'http://%s:%s%s/' "$UI_HOST" "$UI_PORT" "${VBT_UI_PUBLIC_PATH:-}"; }

_ui_tail_log() { tail -n 15 "$1" 2>/dev/null | sed 's/^/    /' >&2 || true; }

_ui_pid_alive() {
  local pid
  pid=$(cat "$UI_PID_FILE" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  local cmdline
  cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) && [[ $cmdline == "$UI_BIN "* ]]
}

_ui_need_curl() { command -v curl >/dev/null || apt_install curl; }

_ui_go() {
  command -v go >/dev/null || [[ ! -x /usr/local/go/bin/go ]] || PATH=$PATH:/usr/local/go/bin
  command -v go >/dev/null || apt_install golang-go
}

# _ui_toolchain: the Go release go.mod's `toolchain` line names. ui-server v2.58.1 needs a newer Go than
# Debian's or the machine's, so every build of the module runs with GOTOOLCHAIN set to it: the go command
# then fetches that release from the module proxy (~76 MB, once, into the module cache).
_ui_toolchain() {
  local toolchain
  toolchain=$(awk '$1 == "toolchain" { print $2 }' "$UI_SRC/go.mod")
  [[ $toolchain =~ ^go[0-9]+\.[0-9]+(\.[0-9]+)?$ ]] ||
    die "temporal-ui: $UI_SRC/go.mod names no toolchain (a line like 'toolchain go1.27.3')"
  printf '%s\n' "$toolchain"
}

# _ui_src_hash: the module's Go files (tests too, if any: simpler than telling them apart), go.mod, go.sum
# and the toolchain.
_ui_src_hash() {
  local toolchain
  toolchain=$(_ui_toolchain) || return 1
  hash_of "$UI_SRC/go.mod" "$UI_SRC/go.sum" "$UI_SRC"/*.go "toolchain=$toolchain" "$(uname -m)"
}

# ui_build [--force]: builds $UI_BIN when the module's sources changed since the last build (or with
# --force), and logs how long it took.
ui_build() {
  local force=${1:-}
  [[ -z $force || $force == --force ]] || die "usage: ui_build [--force]"
  local hash toolchain
  hash=$(_ui_src_hash)
  if [[ -z $force && -x $UI_BIN && $(cat "$UI_BIN_HASH" 2>/dev/null) == "$hash" ]]; then
    log "temporal-ui: $UI_BIN is current (sources $hash)"
    return 0
  fi
  _ui_go
  toolchain=$(_ui_toolchain)
  mkdir -p "$UI_CACHE/bin" "$UI_CACHE/logs"
  log "temporal-ui: building $UI_BIN with $toolchain (log: $UI_BUILD_LOG)"
  local started_ms elapsed_ms
  started_ms=$(date +%s%3N)
  # A static binary. Go's module and build caches are its defaults, outside the repo (GOMODCACHE, GOCACHE;
  # the toolchain lands in the module cache), so a clean clone on a warm machine (CI) only links.
  # -mod=readonly: a go.sum that does not cover the build fails it instead of being rewritten. nice: a cold
  # build takes minutes of both cores.
  if ! (cd "$UI_SRC" &&
    CGO_ENABLED=0 GOTOOLCHAIN=$toolchain GOFLAGS='-mod=readonly -buildvcs=false' GO111MODULE=on \
      nice -n 19 go build -trimpath -ldflags='-s -w' -o "$UI_BIN.tmp" .) >"$UI_BUILD_LOG" 2>&1; then
    _ui_tail_log "$UI_BUILD_LOG"
    rm -f "$UI_BIN.tmp"
    die "temporal-ui: go build of $UI_SRC failed (log: $UI_BUILD_LOG)"
  fi
  mv -f "$UI_BIN.tmp" "$UI_BIN"
  printf '%s\n' "$hash" >"$UI_BIN_HASH"
  elapsed_ms=$(($(date +%s%3N) - started_ms))
  log "temporal-ui: built $UI_BIN (ui-server $("$UI_BIN" -version)) in" \
    "$((elapsed_ms / 1000)).$((elapsed_ms % 1000 / 100))s"
}

# ui_probe: the UI started by ui_start runs and answers HTTP: its health route and its page.
ui_probe() {
  _ui_pid_alive || return 1
  local body
  body=$(curl -fsS --max-time 3 "$(ui_url)healthz" 2>/dev/null) && [[ $body == *'"status":"OK"'* ]] || return 1
  body=$(curl -fsS --max-time 3 "$(ui_url)" 2>/dev/null) && [[ ${body,,} == *'<!doctype html>'* ]]
}

# ui_api_probe [NAMESPACE]: through the UI, the frontend lists NAMESPACE (default: default). What the UI's
# certificate may see decides: this is the check that the frontend and its TLS are right, not only the UI.
ui_api_probe() {
  local body
  body=$(curl -fsS --max-time 10 "$(ui_url)api/v1/namespaces" 2>/dev/null) &&
    [[ $body == *"\"name\": \"${1:-default}\""* || $body == *"\"name\":\"${1:-default}\""* ]]
}

# _ui_running_arg FLAG: the value the running UI was given for FLAG (e.g. -port).
_ui_running_arg() {
  tr '\0' '\n' <"/proc/$(cat "$UI_PID_FILE" 2>/dev/null)/cmdline" 2>/dev/null | sed -n "/^$1\$/{n;p;}" || true
}

# _ui_port_taken: something accepts connections on the UI's port.
_ui_port_taken() { (exec 3<>"/dev/tcp/$UI_HOST/$UI_PORT") 2>/dev/null; }

# ui_start FRONTEND CA CERT KEY SERVER_NAME | ui_start FRONTEND --plaintext: builds if needed, starts the UI
# unless it runs so already, and waits until it answers.
ui_start() {
  local frontend=${1:-} usage="usage: ui_start FRONTEND CA CERT KEY SERVER_NAME | ui_start FRONTEND --plaintext"
  local -a tls_args
  local mode
  [[ $frontend =~ ^[^[:space:]]+:[0-9]+$ ]] || die "$usage (FRONTEND is host:port, got '$frontend')"
  if [[ $# == 2 && $2 == --plaintext ]]; then
    tls_args=(-plaintext) mode=plaintext
  elif [[ $# == 5 ]]; then
    local ca cert key file
    for file in "$2" "$3" "$4"; do
      [[ -r $file ]] || die "temporal-ui: $file: not a readable file"
    done
    ca=$(realpath "$2") cert=$(realpath "$3") key=$(realpath "$4")
    [[ -n $5 ]] || die "$usage (SERVER_NAME is empty)"
    tls_args=(-plaintext=false -tls-ca "$ca" -tls-cert "$cert" -tls-key "$key" -tls-server-name "$5")
    mode="mTLS as $cert, server name $5"
  else
    die "$usage"
  fi
  _ui_need_curl
  ui_build
  local -a args=(-frontend "$frontend" "${tls_args[@]}" -host "$UI_HOST" -port "$UI_PORT"
    -public-path "${VBT_UI_PUBLIC_PATH:-}" -cors-origins "${VBT_UI_CORS_ORIGINS:-}"
    -write-actions="${VBT_UI_WRITE_ACTIONS:-false}" -access-log="${VBT_UI_ACCESS_LOG:-false}")
  local inputs
  inputs=$(hash_of "$UI_BIN_HASH" "${args[@]}")
  if ui_probe && [[ $(cat "$UI_INPUTS" 2>/dev/null) == "$inputs" ]]; then
    log "temporal-ui: running on $(ui_url) (frontend $frontend)"
    return 0
  fi
  # One UI per cache: one on another port is stopped too, but only once this port is known to be free.
  if ! _ui_pid_alive || [[ $(_ui_running_arg -port) != "$UI_PORT" ]]; then
    ! _ui_port_taken || die "temporal-ui: $UI_HOST:$UI_PORT is taken by another process (not $UI_PID_FILE's)"
  fi
  if _ui_pid_alive; then
    log "temporal-ui: running with other options or an older binary, restarting it"
    ui_stop
  fi

  mkdir -p "$UI_STATE_DIR" "$UI_CACHE/logs"
  rm -f "$UI_INPUTS" "$UI_PID_FILE"
  log "temporal-ui: starting on $(ui_url) for $frontend ($mode; log: $UI_LOG)"
  local started=$SECONDS pid=
  # Its own session, outliving the caller; the inner shell writes its pid and becomes the UI.
  # shellcheck disable=SC2016 # expanded by the inner shell
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$UI_PID_FILE" "$UI_BIN" "${args[@]}" \
    >>"$UI_LOG" 2>&1 </dev/null &
  until ui_probe; do
    [[ -n $pid ]] || pid=$(cat "$UI_PID_FILE" 2>/dev/null) || true
    # Gone, or a zombie: it refused its options or could not listen. (Not an empty command line: a
    # process in the middle of its exec shows one too, and was taken for dead under load.)
    if [[ -n $pid ]] && { ! kill -0 "$pid" 2>/dev/null || [[ $(cut -d' ' -f3 "/proc/$pid/stat" 2>/dev/null) == Z ]]; }; then
      _ui_tail_log "$UI_LOG"
      die "temporal-ui: the UI exited at start (log: $UI_LOG)"
    fi
    if ((SECONDS - started >= UI_START_TIMEOUT)); then
      _ui_tail_log "$UI_LOG"
      die "temporal-ui: the UI did not answer on $(ui_url) within ${UI_START_TIMEOUT}s (log: $UI_LOG)"
    fi
    sleep 0.3
  done
  printf '%s\n' "$inputs" >"$UI_INPUTS"
  log "temporal-ui: answering on $(ui_url) after $((SECONDS - started))s"
}

# ui_stop: stops the UI that ui_start started (SIGTERM, SIGKILL after 10 s).
ui_stop() {
  if ! _ui_pid_alive; then
    log "temporal-ui: not running"
    rm -f "$UI_PID_FILE" "$UI_INPUTS"
    return 0
  fi
  local pid
  pid=$(cat "$UI_PID_FILE")
  log "temporal-ui: stopping (pid $pid)"
  kill "$pid" 2>/dev/null || true
  if ! wait_until 10 bash -c "! kill -0 $pid"; then
    log "temporal-ui: still running after 10s, killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$UI_PID_FILE" "$UI_INPUTS"
}

# ui_status: one line on the UI and whether the frontend answers through it; 1 unless the UI answers.
ui_status() {
  _ui_need_curl
  if ! ui_probe; then
    printf '%-12s DOWN\n' temporal-ui
    return 1
  fi
  local frontend
  frontend=$(_ui_running_arg -frontend)
  if ui_api_probe default; then
    printf '%-12s OK %s (frontend %s: namespace default listed)\n' temporal-ui "$(ui_url)" "$frontend"
  else
    printf '%-12s OK %s (frontend %s: NOT answering through the UI, see %s)\n' temporal-ui "$(ui_url)" \
      "$frontend" "$UI_LOG"
  fi
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  case ${1:-} in
    build) ui_build "${@:2}" ;;
    start) ui_start "${@:2}" ;;
    stop) ui_stop ;;
    status) ui_status || exit 1 ;;
    *)
      die "usage: bash testbed/temporal-ui.sh build [--force] | start FRONTEND CA CERT KEY SERVER_NAME" \
        "| start FRONTEND --plaintext | stop | status"
      ;;
  esac
fi
