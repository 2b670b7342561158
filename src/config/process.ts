/**
 * What a worker process reads whatever its role, apart from its role's configuration (`worker.ts` for the
 * `full` role, `agent.ts` for a `node-agent`): the role itself, the log format, the metrics address, the
 * Docker socket and the liveness file. The liveness file is also read by the container's HEALTHCHECK command
 * (src/liveness-check.ts), which runs beside the worker in its container.
 */
import { dirname, isAbsolute } from 'node:path';
import { existsSync, statSync } from 'node:fs';
import { ConfigError } from '../shared/errors';
import { hostPort, oneOf, str } from './env';
import type { Env } from './env';

/**
 * What a worker process runs. Env `VAULT_BOOTSTRAP_WORKER_ROLE`; default `full`.
 * - `full`: every activity on the main task queue (custody, Vault, Docker), plus the node-local ones on its
 *   own node's queue. Custody lives with these workers, so the steps that need it only ever run here.
 * - `node-agent`: only the node-local activities (signals, Docker events) on its own node's queue; it
 *   needs Temporal and its node's Docker socket, and holds no custody and no Vault credentials.
 */
export type WorkerRole = 'full' | 'node-agent';

export function loadWorkerRole(env: Env): WorkerRole {
  return oneOf(env, 'VAULT_BOOTSTRAP_WORKER_ROLE', ['full', 'node-agent'], 'full');
}

/**
 * How the worker writes its log lines (`src/logging.ts`). Env `VAULT_BOOTSTRAP_LOG_FORMAT`; default `text`.
 * - `text`: the human lines of before, and the SDK's own console output.
 * - `json`: one JSON object per line on stdout, the SDK's and Core's logs included, for `docker service logs`.
 *
 * Read apart from, and before, the rest of the worker's settings, so that an error in those is already
 * written in the chosen format.
 */
export type LogFormat = 'text' | 'json';

export function loadLogFormat(env: Env): LogFormat {
  return oneOf(env, 'VAULT_BOOTSTRAP_LOG_FORMAT', ['text', 'json'], 'text');
}

/** An address to listen on; an IPv6 host without its brackets. */
export interface ListenAddress {
  host: string;
  port: number;
}

/**
 * Where the worker serves its Prometheus metrics (docs/metrics.md), in both roles. Env
 * `VAULT_BOOTSTRAP_METRICS_ADDRESS`, `host:port` (an IPv6 host in brackets); default `127.0.0.1:9464` (this
 * host only; 9464 is the usual port of OpenTelemetry's Prometheus exporter). Empty: no metrics are served and
 * the worker runs exactly as without them. Read apart from the rest, like the role: both roles read it.
 */
export function loadMetricsAddress(env: Env): ListenAddress | undefined {
  const raw = env.VAULT_BOOTSTRAP_METRICS_ADDRESS ?? '127.0.0.1:9464';
  if (raw === '') return undefined;
  return hostPort('VAULT_BOOTSTRAP_METRICS_ADDRESS', raw, 'host:port (e.g. 0.0.0.0:9464), or empty for none');
}

/** The Docker Engine socket, in both roles. Env `DOCKER_SOCKET`; default `/var/run/docker.sock`. */
export function loadDockerSocket(env: Env): string {
  return str(env, 'DOCKER_SOCKET', '/var/run/docker.sock');
}

/**
 * The worker's liveness file (src/liveness-file.ts), read by the worker and by the HEALTHCHECK that checks
 * it. Env `VAULT_BOOTSTRAP_HEALTH_FILE` (the name Docker's HEALTHCHECK and the image set): an absolute path
 * whose folder exists, or `undefined` when unset.
 */
export function loadLivenessFile(env: Env): string | undefined {
  const raw = env.VAULT_BOOTSTRAP_HEALTH_FILE;
  if (raw === undefined || raw === '') return undefined;
  if (!isAbsolute(raw) || raw.endsWith('/')) {
    throw new ConfigError('VAULT_BOOTSTRAP_HEALTH_FILE', 'an absolute file path', raw);
  }
  const dir = dirname(raw);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new ConfigError('VAULT_BOOTSTRAP_HEALTH_FILE', 'a file in an existing folder', raw);
  }
  return raw;
}
