# The vault-bootstrap worker image, as production builds it (docs/worker-image.md).
#
#   docker build -t vault-bootstrap-worker:<version> .
#   docker run ... vault-bootstrap-worker:<version>              # the worker (SIGTERM: drains, exits)
#   docker run ... vault-bootstrap-worker:<version> node dist/src/client.js status --stack iklimco
#
# Base images are pinned by tag. Production should pin them by digest as well (`node:20-bookworm-slim@sha256:…`,
# for a build that cannot change under it); that cannot be done from here: no registry is reachable, and the
# test bed builds stand-ins under the same names (testbed/images/node-base, testbed/images/docker-cli), whose
# digests are their own. Written for the classic builder as well as BuildKit (the bed's docker CLI has no buildx).
ARG NODE_IMAGE=node:20-bookworm-slim
ARG DOCKER_CLI_IMAGE=docker:28-cli

# The docker CLI, for `docker stack deploy` (the one step the worker does not do through the Engine API).
# The official image's CLI is a static binary, so it runs on Debian too.
FROM ${DOCKER_CLI_IMAGE} AS docker-cli

# ---------------------------------------------------------------------------------------------------------
# Production dependencies, in a stage of their own: a change to the code alone rebuilds neither this
# stage nor the image's node_modules layer. No install scripts (as .npmrc says): none of the packages
# needs one to work here, their native parts ship prebuilt. Of Temporal's native bridge, which ships
# prebuilt for five platforms (about 27 MB each), only the one this image runs on is kept.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --ignore-scripts \
 && target="$(node -p "({ x64: 'x86_64', arm64: 'aarch64' })[process.arch]")-unknown-linux-gnu" \
 && releases=node_modules/@temporalio/core-bridge/releases \
 && test -d "$releases/$target" \
 && find "$releases" -mindepth 1 -maxdepth 1 ! -name "$target" -exec rm -rf {} +

# ---------------------------------------------------------------------------------------------------------
# The build: every dependency (the compiler, the types), then src only (tsconfig.build.json): the tests are
# neither built nor shipped.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json && node dist/src/workflow-bundle.js

# ---------------------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE}
WORKDIR /app
# Key custody: the defaults are /var/lib/vault-bootstrap/custody and .../custody.key. Mount a volume at
# /var/lib/vault-bootstrap; a new named volume takes this folder's owner and mode (node, 0700). Custody
# makes its folder and key file itself, owned by the user the worker runs as, and refuses another uid's.
#
# /run/vault-bootstrap-docker: the same for the node agent's Docker proxy (src/docker-proxy.ts). The worker stack
# mounts one volume per node there, in the proxy and in the agent: the proxy serves its socket in it, owner-only.
#
# No file of the image may raise privileges: setuid and setgid bits are removed (su, passwd, mount and the
# like keep working for root, and nothing here needs them). Swarm has no no-new-privileges option, so this,
# with the stack's cap_drop ALL, is what keeps a process in the container from gaining any (docs/worker-image.md).
RUN mkdir -p /var/lib/vault-bootstrap /run/vault-bootstrap-docker \
 && chown node:node /var/lib/vault-bootstrap /run/vault-bootstrap-docker \
 && chmod 0700 /var/lib/vault-bootstrap /run/vault-bootstrap-docker \
 && find / -xdev -type f -perm /6000 -exec chmod ug-s {} + \
 && test -z "$(find / -xdev -type f -perm /6000)"
# Everything below is owned by root and read-only to the worker's user: it cannot change its own code.
# Least often changed first.
COPY --from=docker-cli /usr/local/bin/docker /usr/local/bin/docker
COPY --from=deps /app/node_modules ./node_modules
# The production stack file and the Vault config it references: VAULT_STACK_FILES' default (relative to
# /app). With an OpenBao image: VAULT_STACK_FILES=docker-stack-vault.yml,docker-stack-vault.openbao.yml (its
# audit device). An operator who deploys another file mounts it and points VAULT_STACK_FILES at it.
COPY package.json docker-stack-vault.yml docker-stack-vault.openbao.yml ./
COPY init/vault/vault-template-v2.json init/vault/openbao-audit.hcl ./init/vault/
# The worker starts through its launcher, with the memory settings it is measured with.
COPY scripts/worker.sh ./scripts/
COPY --from=build /app/dist/src ./dist/src

# Non-root by default. The worker needs the Docker socket (DOCKER_SOCKET, /var/run/docker.sock), which is
# root:docker 0660 on the hosts, and uid 1000 is not in the host's docker group. The stack decides, not the
# image: either `user: "1000:<the socket's gid on the managers>"` (group_add is refused by `docker stack
# deploy`, so the gid goes in as the primary group; it must be the same on every manager the worker may run
# on), or `user: root`. Either way the socket gives root on the host: whoever runs this image runs the host.
# Without access the worker stops at start with exit 2 and "DOCKER_SOCKET: expected a reachable Docker
# Engine socket ... EACCES". Keep the user once custody holds a key: a key file of another uid is refused.
USER node

# The worker rewrites this file every 10 s while its Temporal Workers run (src/liveness-file.ts); the check
# passes while it is at most 30 s old. The first write follows the Temporal connection and the bundling of
# the workflow code (1.5 s of the start in this image on the 2-core test bed): a minute's grace is ample.
# Every 10 s: Swarm counts a task as running only once it is healthy, and a rolling update (start-first)
# stops the old task only then; at 30 s a restarted or upgraded worker showed `Starting` for 30 s.
ENV VAULT_BOOTSTRAP_HEALTH_FILE=/tmp/vault-bootstrap-worker.alive
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "dist/src/liveness-check.js"]

CMD ["/app/scripts/worker.sh"]
