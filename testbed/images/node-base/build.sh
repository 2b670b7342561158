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
# The debootstrapped root file system is cached in $CACHE/node-base/ (a tar, keyed by mirror and
# suite), so only the first run downloads Debian. The image carries the test bed's inputs-hash
# label (this script, the Node and npm versions, the mirror) and is rebuilt only when that changes.
# $CACHE = ${VAULT_BOOTSTRAP_CACHE:-<repo>/.cache}, as for testbed.sh. Root only (debootstrap, chroot).
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$HERE/../../.." && pwd)
CACHE=$(realpath -m "${VAULT_BOOTSTRAP_CACHE:-$REPO_ROOT/.cache}")
# shellcheck source-path=SCRIPTDIR source=../../lib.sh
source "$REPO_ROOT/testbed/lib.sh"

IMAGE=node:20-bookworm-slim
NODE_MAJOR=20
SUITE=bookworm
# Bump when the cached root file system should be made again (what debootstrap gets, the clean-up).
ROOTFS_RECIPE=2
WORK=$CACHE/build/node-base
LOG_FILE=$CACHE/logs/build-node-base.log
PATH_IN_IMAGE=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# The mirror apt uses for the suite (deb822 or one-line sources alike); DEBIAN_MIRROR overrides it.
debian_mirror() {
  if [[ -n ${DEBIAN_MIRROR:-} ]]; then
    printf '%s\n' "$DEBIAN_MIRROR"
    return
  fi
  # shellcheck disable=SC2016 # apt's own $(FIELD) syntax
  apt-get indextargets --format '$(SITE) $(RELEASE) $(IDENTIFIER)' 2>/dev/null |
    awk -v suite="$SUITE" '$2 == suite && $3 == "Packages" { print $1; exit }'
}

# Mount points under DIR (debootstrap mounts /proc and /sys in its target; a failed run can leave
# them): unmounted, deepest first, before anything under DIR is removed.
unmount_under() {
  local mp
  while read -r _ mp _; do
    if [[ $mp == "$1"/* ]]; then printf '%s\n' "$mp"; fi
  done </proc/mounts | sort -r | while read -r mp; do umount "$mp" || umount -l "$mp"; done
}

clean_work() {
  unmount_under "$WORK"
  rm -rf --one-file-system "$WORK"
}

# The root file system: from the cache, or debootstrapped and then cached.
make_rootfs() {
  local rootfs=${1:?} tar=$2
  if [[ -f $tar ]]; then
    log "node-base: Debian $SUITE from the cache ($tar)"
    tar -C "$rootfs" --numeric-owner -xpf "$tar"
    return
  fi
  command -v debootstrap >/dev/null || apt_install debootstrap
  log "node-base: debootstrap --variant=minbase $SUITE from $MIRROR (log: $LOG_FILE)"
  if ! nice -n 19 debootstrap --variant=minbase "$SUITE" "$rootfs" "$MIRROR" >"$LOG_FILE" 2>&1; then
    tail -n 15 "$LOG_FILE" | sed 's/^/    /' >&2
    die "debootstrap failed (log: $LOG_FILE)"
  fi
  unmount_under "$rootfs"
  # The downloaded packages and lists are not part of an image; the official slim one has neither.
  rm -rf "${rootfs:?}"/var/cache/apt/archives/*.deb "${rootfs:?}"/var/lib/apt/lists/* "${rootfs:?}"/debootstrap
  slim "$rootfs"
  mkdir -p "$(dirname "$tar")"
  tar -C "$rootfs" --numeric-owner -cf "$tar.part" . && mv "$tar.part" "$tar"
  # Root file systems of an older recipe or another mirror are not used again.
  find "$(dirname "$tar")" -maxdepth 1 -name '*.tar' -not -path "$tar" -delete
}

# As Debian's slim images: no documentation but the copyright files, no manuals, no translations,
# now and for packages installed later (dpkg's path excludes).
slim() {
  local rootfs=${1:?}
  cat >"$rootfs/etc/dpkg/dpkg.cfg.d/slim" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/lintian/*
CFG
  find "$rootfs/usr/share/doc" -mindepth 1 -not -type d -not -name copyright -delete
  find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete
  rm -rf "$rootfs"/usr/share/{man,info,locale,groff,lintian}/*
}

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
  # What Docker provides at run time, and the build host's identity, stay out of the image.
  rm -rf "${rootfs:?}"/dev/* "${rootfs:?}"/proc/* "${rootfs:?}"/sys/* "${rootfs:?}"/tmp/* "${rootfs:?}"/root/.npm
  rm -f "$rootfs/etc/hostname" "$rootfs/etc/resolv.conf"
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
  hash=$(hash_of "${BASH_SOURCE[0]}" "node=$NODE_VERSION" "npm=$NPM_VERSION" "mirror=$MIRROR" "suite=$SUITE" \
    "npm-cafile=$NPM_CAFILE" ${NPM_CAFILE:+"$NPM_CAFILE"})
  if [[ $(image_label "$IMAGE" || true) == "$hash" ]]; then
    log "node-base: $IMAGE is current"
    return
  fi
  log "node-base: building $IMAGE (Debian $SUITE minbase, node $NODE_VERSION, npm $NPM_VERSION)"
  local rootfs=$WORK/rootfs old_id tar
  tar=$CACHE/node-base/$SUITE-minbase-$(hash_of "$MIRROR" "$SUITE" "recipe=$ROOTFS_RECIPE").tar
  mkdir -p "$(dirname "$LOG_FILE")"
  clean_work
  trap clean_work EXIT
  mkdir -p "$rootfs"
  make_rootfs "$rootfs" "$tar"
  add_node "$rootfs"
  finish_rootfs "$rootfs"

  old_id=$(docker image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)
  tar -C "$rootfs" --numeric-owner -c . |
    docker import \
      --change "ENV PATH=$PATH_IN_IMAGE" \
      --change "ENV NODE_VERSION=${NODE_VERSION#v}" \
      --change 'ENTRYPOINT ["docker-entrypoint.sh"]' \
      --change 'CMD ["node"]' \
      --change "LABEL $INPUTS_LABEL=$hash" \
      --change "LABEL $TESTBED_LABEL" \
      - "$IMAGE" >/dev/null
  # The image this one replaced, unless an image built from it still needs it.
  if [[ -n $old_id && $old_id != $(docker image inspect --format '{{.Id}}' "$IMAGE") ]]; then
    docker image rm "$old_id" >/dev/null 2>&1 || log "node-base: the replaced image $old_id is still in use; kept"
  fi
  log "node-base: built $IMAGE in ${SECONDS}s ($(docker image inspect --format '{{.Size}}' "$IMAGE" | numfmt --to=si)B)"
}

main "$@"
