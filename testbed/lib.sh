# shellcheck shell=bash
# Helpers shared by the test bed's scripts; sourced, never run. The sourcing script sets
# `set -Eeuo pipefail` itself.

log() { printf 'testbed: %s\n' "$*" >&2; }

# `docker` in the bed's scripts is the host's Engine (the three-node bed names its nodes' sockets with -H):
# an inherited DOCKER_HOST or context (e.g. pointing at a node, to run a stack command there) would send a
# build or a load to the wrong Engine.
unset DOCKER_HOST DOCKER_CONTEXT

die() {
  printf 'testbed: ERROR: %s\n' "$*" >&2
  exit 1
}

INPUTS_LABEL=io.iklimco.testbed.inputs-hash # on images: hash of what they were built from
# shellcheck disable=SC2034 # used by the sourcing scripts
TESTBED_LABEL=io.iklimco.testbed=1          # on everything the test bed creates in Docker

# Whatever fails without its own message still names the command and the line.
trap 'die "unexpected failure (exit $?) at ${BASH_SOURCE[0]##*/} line $LINENO: $BASH_COMMAND"' ERR

# wait_until SECONDS CMD...: polls CMD until it succeeds; returns 1 once the deadline passes.
wait_until() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}

# stack_containers_gone STACK: no container of the stack is left, running or not.
stack_containers_gone() {
  [[ -z $(docker ps -aq --filter "label=com.docker.stack.namespace=$1") ]]
}

# load_stack STACK: sources (and exports) the test bed's testbed.env, checks the stack name and
# sets STACK, STACK_DIR (its per-slot bind-mount folders), UNSEAL_KEY_SECRET (its placeholder
# secret's name) and REPO_ROOT.
load_stack() {
  local repo_root env_file
  repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  env_file=${VAULT_BOOTSTRAP_CACHE:-$repo_root/.cache}/testbed.env
  [[ -f $env_file ]] || die "$env_file not found: run 'npm run testbed -- up' first"
  set -a
  # shellcheck source=/dev/null
  source "$env_file"
  set +a
  # No "_" in the name: then "<stack>_" prefixes only this stack's secrets.
  [[ ${1:-} =~ ^[a-z][a-z0-9-]{0,40}$ ]] ||
    die "usage: $0 STACK, where STACK is lower-case letters, digits and '-' (test stacks start with vbt)"
  # shellcheck disable=SC2034 # used by the sourcing script
  STACK=$1 STACK_DIR=$TESTBED_STACK_ROOT/$1 UNSEAL_KEY_SECRET=${1}_vault_unseal_key REPO_ROOT=$repo_root
}

# hash_of FILE|STRING...: a short hash of the files' contents and the given strings.
hash_of() {
  local part
  for part in "$@"; do
    if [[ -f $part ]]; then cat "$part"; else printf '%s\n' "$part"; fi
  done | sha256sum | cut -c1-16
}

image_label() { docker image inspect --format "{{index .Config.Labels \"$INPUTS_LABEL\"}}" "$1" 2>/dev/null; }

# apt_install PACKAGE...: installs Debian packages, updating the lists once per run.
APT_UPDATED=
apt_install() {
  command -v apt-get >/dev/null || die "apt-get not found: install $* by hand"
  if [[ -z $APT_UPDATED ]]; then
    log "apt: updating the package lists"
    apt-get update -qq || die "apt-get update failed"
    APT_UPDATED=1
  fi
  log "apt: installing $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null || die "apt-get install $* failed"
}

# start_detached LOG PID_FILE CMD...: runs CMD in its own session, outliving this script.
start_detached() {
  local log_file=$1 pid_file=$2
  shift 2
  mkdir -p "$(dirname "$log_file")" "$(dirname "$pid_file")"
  # The inner shell records its own pid and then becomes CMD, so the pid file is right even
  # when setsid has to fork. It first closes every descriptor above 2 it inherited: a daemon
  # started from a script that holds a lock (the three-node bed's /work-wide flock) would hold
  # that lock for as long as it runs.
  # shellcheck disable=SC2016 # expanded by the inner shell
  setsid bash -c 'for fd in /proc/$$/fd/*; do fd=${fd##*/}; [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done
    echo $$ >"$0"; exec "$@"' "$pid_file" "$@" >>"$log_file" 2>&1 </dev/null &
}

# pid_alive PID_FILE [CMDLINE_PART]: the process in PID_FILE runs (and its command line has PART).
pid_alive() {
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  [[ -z ${2:-} ]] || tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$2"
}
