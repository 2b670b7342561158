#!/usr/bin/env bash
# The test bed's stand-in for the official base image `node:20-bookworm-slim`.
#
#   bash testbed/images/node-base/build.sh   # builds it when missing or stale; a no-op when current
#
# No registry is reachable on the test bed, so the worker's production Dockerfile (`FROM
# node:20-bookworm-slim`) could not build there. This script builds an image under that same name
# from what the machine does reach: Debian bookworm (`debootstrap --variant=minbase` from the mirror
# apt uses here) plus this machine's own Node 20 (the binary, npm, corepack, the headers). Like the
# official image it has them under /usr/local, a `node` user (uid and gid 1000, home /home/node), an
# entrypoint that runs non-commands with node, and `CMD ["node"]`; unlike it, no yarn, and Node's
# build is this machine's, and npm trusts the CA bundle this machine's npm is configured with (see
# docs/worker-image.md). The production Dockerfile builds unchanged.
#
# The debootstrapped root file system (testbed/images/debian-rootfs.sh, shared with the
# `debian:bookworm-slim` stand-in) is cached in $CACHE/node-base/ (a tar, keyed by mirror and suite), so
# only the first stand-in built on a machine downloads Debian. The image carries the test bed's inputs-hash
# label (this script, the Node and npm versions, the mirror) and is rebuilt only when that changes.
# $CACHE = ${VAULT_BOOTSTRAP_CACHE:-<repo>/.cache}, as for testbed.sh. Root only (debootstrap, chroot).
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$HERE/../../.." && pwd)
CACHE=$(realpath -m "${VAULT_BOOTSTRAP_CACHE:-$REPO_ROOT/.cache}")
# shellcheck source-path=SCRIPTDIR source=../../lib.sh
source "$REPO_ROOT/testbed/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../debian-rootfs.sh
source "$REPO_ROOT/testbed/images/debian-rootfs.sh"

IMAGE=node:20-bookworm-slim
NODE_MAJOR=20
SUITE=$DEBIAN_SUITE
WORK=$CACHE/build/node-base
LOG_FILE=$CACHE/logs/build-node-base.log

# Node, npm and corepack where the official image has them, with the same bin links.
add_node() {
  local rootfs=$1
  install -D -m 0755 "$NODE_BIN" "$rootfs/usr/local/bin/node"
  mkdir -p "$rootfs/usr/local/lib/node_modules" "$rootfs/usr/local/include"
  cp -a "$NODE_PREFIX/lib/node_modules/npm" "$NODE_PREFIX/lib/node_modules/corepack" "$rootfs/usr/local/lib/node_modules/"
  [[ ! -d $NODE_PREFIX/include/node ]] || cp -a "$NODE_PREFIX/include/node" "$rootfs/usr/local/include/"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  ln -s ../lib/node_modules/corepack/dist/corepack.js "$rootfs/usr/local/bin/corepack"
  # Arguments that are no command (an option, a script file) run under node, the rest as given:
  # what the official image's entrypoint does, so `docker run IMAGE app.js` behaves the same.
  cat >"$rootfs/usr/local/bin/docker-entrypoint.sh" <<'SH'
#!/bin/sh
set -e
if [ "${1#-}" != "$1" ] || ! command -v "$1" >/dev/null 2>&1 || { [ -f "$1" ] && [ ! -x "$1" ]; }; then
  set -- node "$@"
fi
exec "$@"
SH
  chmod 0755 "$rootfs/usr/local/bin/docker-entrypoint.sh"
  # This machine's npm trusts the CA bundle its global npmrc names (the registry is reached through a
  # TLS-inspecting gateway here); npm in the image does too, so `npm ci` in a build stage works. Only
  # npm's own config: node, and so the worker at run time, trusts what the official image trusts.
  if [[ -n $NPM_CAFILE ]]; then
    install -D -m 0644 "$NPM_CAFILE" "$rootfs/usr/local/etc/npm-cafile.pem"
    printf 'cafile=/usr/local/etc/npm-cafile.pem\n' >"$rootfs/usr/local/etc/npmrc"
  fi
}

in_rootfs() { chroot "$1" /usr/bin/env -i PATH="$PATH_IN_IMAGE" HOME=/root "${@:2}"; }

finish_rootfs() {
  local rootfs=${1:?} missing
  in_rootfs "$rootfs" groupadd --gid 1000 node
  in_rootfs "$rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  # The host's node is dynamically linked: every library it needs must be in the minbase system.
  missing=$(in_rootfs "$rootfs" ldd /usr/local/bin/node | grep 'not found' || true)
  [[ -z $missing ]] || die "node needs libraries that Debian's minbase lacks: $missing"
  [[ $(in_rootfs "$rootfs" node --version) == "$NODE_VERSION" ]] || die "node does not run inside the image"
  [[ $(in_rootfs "$rootfs" npm --version) == "$NPM_VERSION" ]] || die "npm does not run inside the image"
  debian_rootfs_scrub "$rootfs"
}

main() {
  [[ $(id -u) == 0 ]] || die "node-base: run as root (debootstrap and chroot)"
  NODE_BIN=$(realpath "$(command -v node)") || die "node-base: node not found on this machine"
  NODE_PREFIX=$(dirname "$(dirname "$NODE_BIN")")
  NODE_VERSION=$("$NODE_BIN" --version)
  [[ $NODE_VERSION == "v$NODE_MAJOR".* ]] || die "node-base: $IMAGE needs Node $NODE_MAJOR, this machine has $NODE_VERSION"
  [[ -d $NODE_PREFIX/lib/node_modules/npm ]] || die "node-base: npm not found at $NODE_PREFIX/lib/node_modules/npm"
  NPM_VERSION=$(node -p "require('$NODE_PREFIX/lib/node_modules/npm/package.json').version")
  NPM_CAFILE=$(npm config get cafile 2>/dev/null || true)
  [[ $NPM_CAFILE != null && -f $NPM_CAFILE ]] || NPM_CAFILE=
  MIRROR=$(debian_mirror)
  [[ -n $MIRROR ]] || die "node-base: no Debian $SUITE mirror in apt's sources; set DEBIAN_MIRROR"

  local hash
  hash=$(hash_of "${BASH_SOURCE[0]}" "$REPO_ROOT/testbed/images/debian-rootfs.sh" "node=$NODE_VERSION" \
    "npm=$NPM_VERSION" "mirror=$MIRROR" "suite=$SUITE" "npm-cafile=$NPM_CAFILE" ${NPM_CAFILE:+"$NPM_CAFILE"})
  if [[ $(image_label "$IMAGE" || true) == "$hash" ]]; then
    log "node-base: $IMAGE is current"
    return
  fi
  log "node-base: building $IMAGE (Debian $SUITE minbase, node $NODE_VERSION, npm $NPM_VERSION)"
  local rootfs=$WORK/rootfs
  clean_work
  trap clean_work EXIT
  mkdir -p "$rootfs"
  debian_rootfs node-base "$rootfs" "$MIRROR" "$LOG_FILE"
  add_node "$rootfs"
  finish_rootfs "$rootfs"

  import_rootfs node-base "$IMAGE" "$rootfs" "$hash" "ENV NODE_VERSION=${NODE_VERSION#v}" \
    'ENTRYPOINT ["docker-entrypoint.sh"]' 'CMD ["node"]'
}

main "$@"
