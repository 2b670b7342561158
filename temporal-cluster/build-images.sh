#!/usr/bin/env bash
# Builds the three images docker-compose.temporal.yml runs, each only when its inputs changed:
#
#   vault-bootstrap/temporal-server:<go.temporal.io/server's version>   temporal-cluster/server/Dockerfile
#   vault-bootstrap/temporal-ui:<ui-server's version>                   temporal-cluster/ui/Dockerfile
#   vault-bootstrap/temporal-postgres:15                                temporal-cluster/postgres/Dockerfile
#
#   bash temporal-cluster/build-images.sh            # what changed; a no-op when every image is current
#   bash temporal-cluster/build-images.sh --force    # all three again (PostgreSQL without the layer cache:
#                                                    # Debian's newest postgresql-15 and base packages)
#
# Production and the test bed run this same script. The server and UI binaries are compiled here, static
# (CGO_ENABLED=0), with the Go on PATH (or /usr/local/go/bin) and Go's module and build caches where Go keeps
# them (outside the checkout), into a temporary build context the Dockerfile packs FROM scratch: a change to
# authz.go then costs a relink, not the server's ten minutes of compiling. The UI module names its Go release
# (go.mod's toolchain line), which the go command fetches from the module proxy once. The PostgreSQL image is
# Debian's postgresql-15 on `debian:bookworm-slim`, pulled when missing (the test bed builds a stand-in under
# that name: testbed/images/debian-base/build.sh).
#
# Each image carries the label io.iklimco.vault-bootstrap.inputs-hash: a hash of its Dockerfile, its sources,
# the Go release and the build flags (PostgreSQL: its Dockerfile, its entrypoint and the base image's id); a
# current label skips the build without running Go. The tags must be the ones the compose file names: a
# go.mod bumped without the compose file (or the other way round) is refused.
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(dirname "$HERE")
COMPOSE_FILE=$REPO_ROOT/docker-compose.temporal.yml
INPUTS_LABEL=io.iklimco.vault-bootstrap.inputs-hash
GO_BUILD_FLAGS=(-trimpath -ldflags=-s\ -w)

log() { printf 'build-images: %s\n' "$*" >&2; }
die() {
  printf 'build-images: ERROR: %s\n' "$*" >&2
  exit 1
}
trap 'die "unexpected failure (exit $?) at line $LINENO: $BASH_COMMAND"' ERR

FORCE=
case ${1:-} in
  '') ;;
  --force) FORCE=1 ;;
  *) die "usage: bash temporal-cluster/build-images.sh [--force]" ;;
esac
(($# <= 1)) || die "usage: bash temporal-cluster/build-images.sh [--force]"

# hash_of FILE|STRING...: a short hash of the files' contents and the given strings.
hash_of() {
  local part
  for part in "$@"; do
    if [[ -f $part ]]; then cat "$part"; else printf '%s\n' "$part"; fi
  done | sha256sum | cut -c1-16
}

image_label() { docker image inspect --format "{{index .Config.Labels \"$INPUTS_LABEL\"}}" "$1" 2>/dev/null || true; }
image_id() { docker image inspect --format '{{.Id}}' "$1" 2>/dev/null || true; }

# module_version DIR MODULE: the version go.mod in DIR requires MODULE at, without the v.
module_version() {
  local v
  v=$(awk -v m="$2" '($1 == m) { print $2 } ($1 == "require" && $2 == m) { print $3 }' "$1/go.mod" | head -1)
  [[ $v =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "$1/go.mod: no exact version of $2 (got '$v')"
  printf '%s\n' "${v#v}"
}

# go_sources DIR: GO_SOURCES, the Go files of the module in DIR that its binaries are built from (not tests).
go_sources() { mapfile -t GO_SOURCES < <(find "$1" -maxdepth 1 -name '*.go' ! -name '*_test.go' | sort); }

# The image names, each checked against the compose file.
SERVER_IMAGE=vault-bootstrap/temporal-server:$(module_version "$HERE/server" go.temporal.io/server)
UI_IMAGE=vault-bootstrap/temporal-ui:$(module_version "$HERE/ui" github.com/temporalio/ui-server/v2)
PG_MAJOR=$(sed -n 's/^ARG PG_MAJOR=\([0-9][0-9]*\)$/\1/p' "$HERE/postgres/Dockerfile")
[[ -n $PG_MAJOR ]] || die "$HERE/postgres/Dockerfile: no 'ARG PG_MAJOR=<major>' line"
PG_IMAGE=vault-bootstrap/temporal-postgres:$PG_MAJOR
PG_BASE=$(sed -n 's/^ARG DEBIAN_IMAGE=\(.*\)$/\1/p' "$HERE/postgres/Dockerfile")
[[ -n $PG_BASE ]] || die "$HERE/postgres/Dockerfile: no 'ARG DEBIAN_IMAGE=<image>' line"
for image in "$SERVER_IMAGE" "$UI_IMAGE" "$PG_IMAGE"; do
  awk '$1 == "image:" { print $2 }' "$COMPOSE_FILE" | tr -d "'\"" | grep -Fxq "$image" ||
    die "$COMPOSE_FILE does not run $image: bump the compose file's image tags together with go.mod / the Dockerfile"
done

command -v docker >/dev/null || die "docker not found"
command -v go >/dev/null || PATH=$PATH:/usr/local/go/bin
# Debian's docker.io has no buildx; a newer CLI without it refuses to build unless told to use the classic builder.
docker buildx version >/dev/null 2>&1 || export DOCKER_BUILDKIT=0

CONTEXT=
BUILD_LOG=$(mktemp)
cleanup() { [[ -z $CONTEXT ]] || rm -rf "$CONTEXT"; }
trap 'cleanup; rm -f "$BUILD_LOG"' EXIT

# build IMAGE HASH CONTEXT_DIR DOCKERFILE [DOCKER BUILD ARGS...]: docker build, labelled with HASH; the image
# the tag named before is removed unless a container still uses it.
build() {
  local image=$1 hash=$2 context=$3 dockerfile=$4 old started=$SECONDS
  shift 4
  old=$(image_id "$image")
  log "$image: docker build (${DOCKER_BUILDKIT:+classic builder, }context $context)"
  if ! nice -n 19 docker build --label "$INPUTS_LABEL=$hash" -f "$dockerfile" -t "$image" "$@" "$context" \
    >"$BUILD_LOG" 2>&1; then
    tail -n 30 "$BUILD_LOG" | sed 's/^/    /' >&2
    die "$image: docker build failed"
  fi
  if [[ -n $old && $old != $(image_id "$image") ]]; then
    docker image rm "$old" >/dev/null 2>&1 || log "$image: the image it replaced ($old) is still in use; kept"
  fi
  log "$image: built in $((SECONDS - started))s ($(docker image inspect --format '{{.Size}}' "$image" | numfmt --to=si)B)"
}

# go_build DIR TOOLCHAIN OUT PACKAGE: one static binary.
go_build() {
  if ! (cd "$1" && CGO_ENABLED=0 GOTOOLCHAIN=$2 GOFLAGS='-mod=readonly -buildvcs=false' \
    nice -n 19 go build "${GO_BUILD_FLAGS[@]}" -o "$3" "$4") >"$BUILD_LOG" 2>&1; then
    tail -n 30 "$BUILD_LOG" | sed 's/^/    /' >&2
    die "go build $4 in $1 failed"
  fi
}

server_image() {
  local src=$HERE/server toolchain=auto hash started=$SECONDS
  command -v go >/dev/null || die "go not found: the server image's binaries are compiled here (Go >= the go line of $src/go.mod)"
  go_sources "$src"
  hash=$(hash_of "$src/Dockerfile" "$src/go.mod" "$src/go.sum" "${GO_SOURCES[@]}" \
    "$(cd "$src" && GOTOOLCHAIN=$toolchain go version)" "${GO_BUILD_FLAGS[*]}" "$(uname -m)")
  if [[ -z $FORCE && $(image_label "$SERVER_IMAGE") == "$hash" ]]; then
    log "$SERVER_IMAGE: current"
    return
  fi
  CONTEXT=$(mktemp -d)
  log "$SERVER_IMAGE: compiling the server and the sql tool (from nothing: about 10 minutes of two cores)"
  go_build "$src" "$toolchain" "$CONTEXT/vbt-temporal-server" .
  go_build "$src" "$toolchain" "$CONTEXT/temporal-sql-tool" go.temporal.io/server/cmd/tools/sql
  log "$SERVER_IMAGE: compiled in $((SECONDS - started))s"
  cp "$src/Dockerfile" "$CONTEXT/"
  build "$SERVER_IMAGE" "$hash" "$CONTEXT" "$CONTEXT/Dockerfile"
  cleanup
  CONTEXT=
}

ui_image() {
  local src=$HERE/ui toolchain hash started=$SECONDS
  command -v go >/dev/null || die "go not found: the UI image's binary is compiled here"
  toolchain=$(awk '$1 == "toolchain" { print $2 }' "$src/go.mod")
  [[ $toolchain =~ ^go[0-9]+\.[0-9]+(\.[0-9]+)?$ ]] || die "$src/go.mod names no toolchain (a line like 'toolchain go1.27.3')"
  go_sources "$src"
  hash=$(hash_of "$src/Dockerfile" "$src/go.mod" "$src/go.sum" "${GO_SOURCES[@]}" "toolchain=$toolchain" \
    "${GO_BUILD_FLAGS[*]}" "$(uname -m)")
  if [[ -z $FORCE && $(image_label "$UI_IMAGE") == "$hash" ]]; then
    log "$UI_IMAGE: current"
    return
  fi
  CONTEXT=$(mktemp -d)
  log "$UI_IMAGE: compiling the UI server with $toolchain"
  go_build "$src" "$toolchain" "$CONTEXT/vbt-temporal-ui" .
  log "$UI_IMAGE: compiled in $((SECONDS - started))s"
  cp "$src/Dockerfile" "$CONTEXT/"
  build "$UI_IMAGE" "$hash" "$CONTEXT" "$CONTEXT/Dockerfile"
  cleanup
  CONTEXT=
}

postgres_image() {
  local src=$HERE/postgres hash base_id
  base_id=$(image_id "$PG_BASE")
  if [[ -z $base_id ]]; then
    log "$PG_IMAGE: pulling its base $PG_BASE"
    docker pull -q "$PG_BASE" >/dev/null || die "$PG_IMAGE: pulling $PG_BASE failed"
    base_id=$(image_id "$PG_BASE")
  fi
  hash=$(hash_of "$src/Dockerfile" "$src/entrypoint.sh" "base=$base_id")
  if [[ -z $FORCE && $(image_label "$PG_IMAGE") == "$hash" ]]; then
    log "$PG_IMAGE: current"
    return
  fi
  [[ -x $src/entrypoint.sh ]] || die "$src/entrypoint.sh is not executable (the image runs it as is)"
  build "$PG_IMAGE" "$hash" "$src" "$src/Dockerfile" ${FORCE:+--no-cache}
}

started=$SECONDS
server_image
ui_image
postgres_image
log "done in $((SECONDS - started))s: $SERVER_IMAGE $UI_IMAGE $PG_IMAGE"
