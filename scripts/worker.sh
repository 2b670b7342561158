#!/bin/sh
# Starts the vault-bootstrap Temporal worker (dist/src/worker.js) with the memory settings it is measured
# and tested with (docs/performance.md, "Worker memory"). Every way of running the worker goes through
# here: the image's CMD, `npm start`, scripts/bootstrap-local.sh and the tests' spawnWorker.
#
# - MALLOC_ARENA_MAX=2: glibc gives each thread that allocates (Temporal Core's Rust threads, libuv's pool,
#   V8's helpers) an arena of its own, up to 8 per core, and their touched pages stay resident. Two are
#   plenty for a worker that mostly waits on the network. An operator's own value wins.
# - --max-semi-space-size=2 (MB): V8's young generation grows to 16 MB per semi-space in the main thread
#   and again in the workflow thread, and an idle process keeps it. 2 MB costs a few more short collections.
# Together they take the idle worker from about 173 MB to below 150 MB of RSS (npm run bench).
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
exec node --max-semi-space-size=2 "$(dirname "$0")/../dist/src/worker.js" "$@"
