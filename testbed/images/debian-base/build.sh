#!/usr/bin/env bash
# The test bed's stand-in for the official base image `debian:bookworm-slim`.
#
#   bash testbed/images/debian-base/build.sh   # builds it when missing or stale; a no-op when current
#
# No registry is reachable on the test bed, so temporal-cluster/postgres/Dockerfile (`FROM
# debian:bookworm-slim`, then Debian's postgresql-15 with apt) could not build there. This script imports
# an image under that same name from the bed's Debian root file system (testbed/images/debian-rootfs.sh:
# debootstrap minbase, slimmed, cached; the same one node-base starts from). Like the official image its apt
# sources are deb.debian.org's bookworm, bookworm-updates and bookworm-security (deb822, in
# /etc/apt/sources.list.d/debian.sources) and its CMD is bash; a container build on the bed reaches that
# mirror, so the production Dockerfile builds unchanged. The image carries the test bed's inputs-hash label
# (this script, the shared root file system's, the mirror) and is rebuilt only when that changes.
# $CACHE = ${VAULT_BOOTSTRAP_CACHE:-<repo>/.cache}, as for testbed.sh. Root only (debootstrap, chroot).
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$HERE/../../.." && pwd)
CACHE=$(realpath -m "${VAULT_BOOTSTRAP_CACHE:-$REPO_ROOT/.cache}")
# shellcheck source-path=SCRIPTDIR source=../../lib.sh
source "$REPO_ROOT/testbed/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../debian-rootfs.sh
source "$REPO_ROOT/testbed/images/debian-rootfs.sh"

IMAGE=debian:$DEBIAN_SUITE-slim
WORK=$CACHE/build/debian-base
LOG_FILE=$CACHE/logs/build-debian-base.log

# apt_sources ROOTFS MIRROR: the official image's sources instead of debootstrap's one line. The security
# archive sits beside the main one on deb.debian.org ("<mirror>-security"); a mirror of another shape gets
# none (DEBIAN_MIRROR names only the main archive).
apt_sources() {
  local rootfs=$1 mirror=${2%/} security=
  [[ $mirror == */debian ]] && security=$mirror-security
  rm -f "$rootfs/etc/apt/sources.list"
  mkdir -p "$rootfs/etc/apt/sources.list.d"
  {
    printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates\nComponents: main\n' "$mirror" "$DEBIAN_SUITE" "$DEBIAN_SUITE"
    printf 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n'
    if [[ -n $security ]]; then
      printf '\nTypes: deb\nURIs: %s\nSuites: %s-security\nComponents: main\n' "$security" "$DEBIAN_SUITE"
      printf 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n'
    fi
  } >"$rootfs/etc/apt/sources.list.d/debian.sources"
}

main() {
  [[ $(id -u) == 0 ]] || die "debian-base: run as root (debootstrap and chroot)"
  local mirror hash
  mirror=$(debian_mirror)
  [[ -n $mirror ]] || die "debian-base: no Debian $DEBIAN_SUITE mirror in apt's sources; set DEBIAN_MIRROR"
  hash=$(hash_of "${BASH_SOURCE[0]}" "$REPO_ROOT/testbed/images/debian-rootfs.sh" "mirror=$mirror" \
    "suite=$DEBIAN_SUITE")
  if [[ $(image_label "$IMAGE" || true) == "$hash" ]]; then
    log "debian-base: $IMAGE is current"
    return
  fi
  log "debian-base: building $IMAGE (Debian $DEBIAN_SUITE minbase)"
  local rootfs=$WORK/rootfs
  clean_work
  trap clean_work EXIT
  mkdir -p "$rootfs"
  debian_rootfs debian-base "$rootfs" "$mirror" "$LOG_FILE"
  apt_sources "$rootfs" "$mirror"
  debian_rootfs_scrub "$rootfs"

  import_rootfs debian-base "$IMAGE" "$rootfs" "$hash" 'CMD ["bash"]'
}

main "$@"
