# shellcheck shell=bash
# The Debian root file system the test bed's stand-ins for official Debian-based images start from
# (node-base: `node:20-bookworm-slim`; debian-base: `debian:bookworm-slim`). Sourced, never run, by a
# script that set `set -Eeuo pipefail`, sourced testbed/lib.sh and set CACHE.
#
# `debootstrap --variant=minbase` from the mirror apt uses here, slimmed as Debian's slim images are, and
# cached in $CACHE/node-base/ as a tar keyed by mirror, suite and recipe: only the first stand-in built on a
# machine downloads Debian; the others unpack the same tar. Root only (debootstrap, chroot).

DEBIAN_SUITE=bookworm
# Bump when the cached root file system should be made again (what debootstrap gets, the clean-up).
DEBIAN_ROOTFS_RECIPE=2
DEBIAN_ROOTFS_CACHE=$CACHE/node-base # its name from when node-base was its only user; kept for the cached tar

# debian_mirror: the mirror apt uses for the suite (deb822 or one-line sources alike); DEBIAN_MIRROR overrides it.
debian_mirror() {
  if [[ -n ${DEBIAN_MIRROR:-} ]]; then
    printf '%s\n' "$DEBIAN_MIRROR"
    return
  fi
  # shellcheck disable=SC2016 # apt's own $(FIELD) syntax
  apt-get indextargets --format '$(SITE) $(RELEASE) $(IDENTIFIER)' 2>/dev/null |
    awk -v suite="$DEBIAN_SUITE" '$2 == suite && $3 == "Packages" { print $1; exit }'
}

# debian_rootfs_tar MIRROR: where the root file system from MIRROR is cached.
debian_rootfs_tar() {
  printf '%s/%s-minbase-%s.tar\n' "$DEBIAN_ROOTFS_CACHE" "$DEBIAN_SUITE" \
    "$(hash_of "$1" "$DEBIAN_SUITE" "recipe=$DEBIAN_ROOTFS_RECIPE")"
}

# unmount_under DIR: mount points under DIR (debootstrap mounts /proc and /sys in its target; a failed run can
# leave them), unmounted deepest first, before anything under DIR is removed.
unmount_under() {
  local mp
  while read -r _ mp _; do
    if [[ $mp == "$1"/* ]]; then printf '%s\n' "$mp"; fi
  done </proc/mounts | sort -r | while read -r mp; do umount "$mp" || umount -l "$mp"; done
}

# clean_work: removes the caller's build folder $WORK, unmounting what a failed debootstrap left mounted first.
clean_work() {
  unmount_under "${WORK:?}"
  rm -rf --one-file-system "$WORK"
}

# debian_rootfs WHO ROOTFS MIRROR LOG_FILE: the root file system in the (empty) folder ROOTFS, from the
# cache, or debootstrapped and then cached. WHO prefixes the log lines.
debian_rootfs() {
  local who=$1 rootfs=${2:?} mirror=$3 log_file=$4 tar
  tar=$(debian_rootfs_tar "$mirror")
  if [[ -f $tar ]]; then
    log "$who: Debian $DEBIAN_SUITE from the cache ($tar)"
    tar -C "$rootfs" --numeric-owner -xpf "$tar"
    return
  fi
  command -v debootstrap >/dev/null || apt_install debootstrap
  mkdir -p "$(dirname "$log_file")"
  log "$who: debootstrap --variant=minbase $DEBIAN_SUITE from $mirror (log: $log_file)"
  if ! nice -n 19 debootstrap --variant=minbase "$DEBIAN_SUITE" "$rootfs" "$mirror" >"$log_file" 2>&1; then
    tail -n 15 "$log_file" | sed 's/^/    /' >&2
    die "debootstrap failed (log: $log_file)"
  fi
  unmount_under "$rootfs"
  # The downloaded packages and lists are not part of an image; the official slim one has neither.
  rm -rf "${rootfs:?}"/var/cache/apt/archives/*.deb "${rootfs:?}"/var/lib/apt/lists/* "${rootfs:?}"/debootstrap
  debian_slim "$rootfs"
  mkdir -p "$(dirname "$tar")"
  tar -C "$rootfs" --numeric-owner -cf "$tar.part" . && mv "$tar.part" "$tar"
  # Root file systems of an older recipe or another mirror are not used again.
  find "$(dirname "$tar")" -maxdepth 1 -name '*.tar' -not -path "$tar" -delete
}

# debian_slim ROOTFS: as Debian's slim images, no documentation but the copyright files, no manuals, no
# translations, now and for packages installed later (dpkg's path excludes).
debian_slim() {
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

# debian_rootfs_scrub ROOTFS: what Docker provides at run time, and the build host's identity, out of the image.
debian_rootfs_scrub() {
  local rootfs=${1:?}
  rm -rf "${rootfs:?}"/dev/* "${rootfs:?}"/proc/* "${rootfs:?}"/sys/* "${rootfs:?}"/tmp/* "${rootfs:?}"/root/.npm
  rm -f "$rootfs/etc/hostname" "$rootfs/etc/resolv.conf"
}

# The PATH of the official Debian-based images.
PATH_IN_IMAGE=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# import_rootfs WHO IMAGE ROOTFS HASH [CHANGE...]: imports ROOTFS as IMAGE with the official images' PATH, the
# test bed's labels (HASH as its inputs hash) and each CHANGE (a Dockerfile instruction, as `docker import
# --change` takes it); then removes the image it replaced, unless an image built from that still needs it.
import_rootfs() {
  local who=$1 image=$2 rootfs=$3 hash=$4 old_id change
  local -a changes=(--change "ENV PATH=$PATH_IN_IMAGE")
  for change in "${@:5}"; do changes+=(--change "$change"); done
  old_id=$(docker image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
  tar -C "$rootfs" --numeric-owner -c . |
    docker import "${changes[@]}" --change "LABEL $INPUTS_LABEL=$hash" --change "LABEL $TESTBED_LABEL" \
      - "$image" >/dev/null
  if [[ -n $old_id && $old_id != $(docker image inspect --format '{{.Id}}' "$image") ]]; then
    docker image rm "$old_id" >/dev/null 2>&1 || log "$who: the replaced image $old_id is still in use; kept"
  fi
  log "$who: built $image in ${SECONDS}s ($(docker image inspect --format '{{.Size}}' "$image" | numfmt --to=si)B)"
}
