#!/usr/bin/env bash
# vault-bootstrap-client.sh ARGS...: the vault-bootstrap client, wherever this manager has it, in this order:
#
#   1. a built checkout: node $VAULT_BOOTSTRAP_REPO/dist/src/client.js (default: the checkout this file is in);
#   2. a `vault-bootstrap` command on PATH (the package installed);
#   3. the worker image, which holds the same client (docs/worker-image.md): with VAULT_BOOTSTRAP_CLIENT_IMAGE,
#      or else VAULT_BOOTSTRAP_IMAGE (what init-infra-prod.sh deploys), it runs
#        docker run --rm -i --network host --user <your uid:gid> … IMAGE node dist/src/client.js ARGS...
#      on the Engine `docker` talks to (this manager, or DOCKER_HOST's), so a manager needs neither Node nor a
#      build: only the image it runs the worker from. The container gets the variables of this environment the
#      client reads (every TEMPORAL_* and VAULT_*, passed by name: no value on a command line) and, read-only at
#      the same paths, the files they name (TEMPORAL_TLS_*_PATH, TEMPORAL_CONFIG_FILE,
#      VAULT_BOOTSTRAP_BREAK_GLASS_KEY). With the host's network, TEMPORAL_ADDRESS means what it means here.
#
# VAULT_BOOTSTRAP_CLIENT=image skips 1 and 2 (the image even when a checkout is built). Exit codes are the
# client's (0 done, 1 the workflow failed, 2 usage or configuration); 2 when no client is found.
# Make it the command operators type: alias vault-bootstrap=/path/to/init/vault/vault-bootstrap-client.sh
set -Eeuo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="${VAULT_BOOTSTRAP_REPO:-$(cd "$here/../.." && pwd)}"
client_js="$repo/dist/src/client.js"
image=${VAULT_BOOTSTRAP_CLIENT_IMAGE:-${VAULT_BOOTSTRAP_IMAGE:-}}

if [[ ${VAULT_BOOTSTRAP_CLIENT:-} != image ]]; then
  if [[ -f $client_js ]] && command -v node >/dev/null 2>&1; then
    exec node "$client_js" "$@"
  fi
  if command -v vault-bootstrap >/dev/null 2>&1; then
    exec vault-bootstrap "$@"
  fi
fi
if [[ -z $image ]]; then
  {
    echo "vault-bootstrap: no client here: $client_js is not built (or node is missing), no vault-bootstrap command"
    echo "  is on PATH, and neither VAULT_BOOTSTRAP_CLIENT_IMAGE nor VAULT_BOOTSTRAP_IMAGE names the worker image"
    echo "  to run it from. Set VAULT_BOOTSTRAP_IMAGE to the worker image this manager has, or build the checkout:"
    echo "  (cd '$repo' && npm ci && npm run build)"
  } >&2
  exit 2
fi
command -v docker >/dev/null 2>&1 || {
  echo "vault-bootstrap: the client would run from $image, but the docker CLI is not on PATH" >&2
  exit 2
}

run=(docker run --rm -i --network host --user "$(id -u):$(id -g)" --read-only --tmpfs /tmp)
file_vars=(TEMPORAL_TLS_SERVER_CA_CERT_PATH TEMPORAL_TLS_CLIENT_CERT_PATH TEMPORAL_TLS_CLIENT_KEY_PATH
  TEMPORAL_CONFIG_FILE VAULT_BOOTSTRAP_BREAK_GLASS_KEY)
# Every other TEMPORAL_* and VAULT_* variable, by name: docker reads the value from this environment.
while IFS= read -r name; do
  [[ " ${file_vars[*]} " == *" $name "* ]] || run+=(-e "$name")
done < <(compgen -e | grep -E '^(TEMPORAL|VAULT)_' || true)
# The files, read-only at the same path (made absolute: the container's folder is /app).
for var in "${file_vars[@]}"; do
  file=${!var:-}
  [[ -n $file ]] || continue
  [[ -r $file ]] || {
    echo "vault-bootstrap: $var=$file is not a readable file" >&2
    exit 2
  }
  file=$(realpath "$file")
  run+=(-v "$file:$file:ro" -e "$var=$file")
done
exec "${run[@]}" "$image" node dist/src/client.js "$@"
