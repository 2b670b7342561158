#!/usr/bin/env bash
# The test bed's stand-in for the official image `docker:28-cli`, which the worker's Dockerfile
# copies its docker CLI from (the worker runs `docker stack deploy`).
#
#   bash testbed/images/docker-cli/build.sh   # builds it when missing or stale; a no-op when current
#
# No registry is reachable on the test bed. The official image's one file the worker image takes is
# /usr/local/bin/docker, a static binary; this machine has the same kind (Docker's static CLI 28.x,
# which the test bed already requires). The stand-in is that binary alone at the same path, imported
# under the official name, labelled with a hash of this script and the binary. See docs/worker-image.md.
set -Eeuo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
CACHE=$(realpath -m "${VAULT_BOOTSTRAP_CACHE:-$REPO_ROOT/.cache}")
# shellcheck source-path=SCRIPTDIR source=../../lib.sh
source "$REPO_ROOT/testbed/lib.sh"

CLI_MAJOR=28
IMAGE=docker:$CLI_MAJOR-cli
WORK=$CACHE/build/docker-cli

main() {
  local cli version hash
  cli=$(realpath "$(command -v docker)") || die "docker-cli: no docker CLI on this machine"
  version=$(docker version --format '{{.Client.Version}}' 2>/dev/null) ||
    version=$(docker --version | sed -n 's/^Docker version \([0-9.]*\).*/\1/p')
  [[ $version == "$CLI_MAJOR".* ]] || die "docker-cli: $IMAGE needs a $CLI_MAJOR.x CLI, this machine has '$version'"
  # The image has no C library: a dynamically linked CLI (Debian's) would not run in it.
  ! LC_ALL=C grep -qa 'ld-linux' <(head -c 4096 "$cli") ||
    die "docker-cli: $cli is dynamically linked; the stand-in needs Docker's static CLI"
  hash=$(hash_of "${BASH_SOURCE[0]}" "$cli")
  if [[ $(image_label "$IMAGE" || true) == "$hash" ]]; then
    log "docker-cli: $IMAGE is current"
    return
  fi
  log "docker-cli: building $IMAGE from $cli ($version)"
  rm -rf "$WORK" && mkdir -p "$WORK/usr/local/bin"
  trap 'rm -rf "$WORK"' EXIT
  install -m 0755 "$cli" "$WORK/usr/local/bin/docker"
  local old_id
  old_id=$(docker image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)
  tar -C "$WORK" --numeric-owner --owner=0 --group=0 -c . |
    docker import \
      --change 'ENV PATH=/usr/local/bin' \
      --change 'CMD ["docker"]' \
      --change "LABEL $INPUTS_LABEL=$hash" \
      --change "LABEL $TESTBED_LABEL" \
      - "$IMAGE" >/dev/null
  if [[ -n $old_id && $old_id != $(docker image inspect --format '{{.Id}}' "$IMAGE") ]]; then
    docker image rm "$old_id" >/dev/null 2>&1 || log "docker-cli: the replaced image $old_id is still in use; kept"
  fi
  log "docker-cli: built $IMAGE in ${SECONDS}s"
}

main "$@"
