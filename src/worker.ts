#!/usr/bin/env node
/**
 * The worker process: validates the configuration, checks Docker and Temporal are reachable, then polls
 * until SIGINT/SIGTERM, when it finishes the activities in flight and exits.
 *
 * In its role `full` (the default) it polls the main task queue with every activity, and its own node's
 * queue with the node-local ones; as a `node-agent` only its node's queue (see `WorkerRole`). The node's
 * queue is named from the Swarm node id of the Engine it talks to (`nodeTaskQueue`).
 *
 * With `VAULT_BOOTSTRAP_HEALTH_FILE` set, it rewrites that liveness file while its Workers run, for a
 * container HEALTHCHECK (`src/liveness-file.ts`, `src/liveness-check.ts`).
 *
 * Unless `VAULT_BOOTSTRAP_METRICS_ADDRESS` is empty, it serves Prometheus metrics there (`src/metrics/`,
 * docs/metrics.md): its own and Temporal Core's, in both roles; a full worker then checks its stacks once as
 * it starts, so that the per-node figures are there from the first scrape (`src/first-check.ts`).
 *
 * Everything it writes goes through one logger (`src/logging.ts`): with `VAULT_BOOTSTRAP_LOG_FORMAT=json`,
 * its own lines, the SDK's and Core's are JSON lines on stdout.
 *
 * The dependencies its activities get are built in `src/wiring.ts`, the interceptors around them in
 * `src/interceptors.ts`.
 */
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { Runtime, Worker } from '@temporalio/worker';
import type { MetricsExporterConfig, NativeConnection, RuntimeOptions } from '@temporalio/worker';
import { createActivities, createNodeAgentActivities } from './activities';
import { Failpoints } from './faults/failpoints';
import { checkAtStart } from './first-check';
import { loadNodeAgentConfig } from './config/agent';
import type { NodeAgentConfig } from './config/agent';
import { loadLogFormat, loadMetricsAddress, loadWorkerRole } from './config/process';
import type { ListenAddress, WorkerRole } from './config/process';
import { loadWorkerConfig } from './config/worker';
import type { WorkerConfig } from './config/worker';
import type { DockerGateway } from './docker/gateway';
import { activityInterceptors } from './interceptors';
import { replacedFiles, startLivenessFile } from './liveness-file';
import { runtimeLogging, WorkerLogger } from './logging';
import { PrometheusMetrics } from './metrics/prometheus';
import {
  freeLoopbackPort,
  MetricsListenError,
  sdkMetricsEndpoint,
  startMetricsServer,
} from './metrics/server';
import type { MetricsServer } from './metrics/server';
import { NO_METRICS } from './ports';
import { nodeTaskQueue, TLS_FILES } from './shared/constants';
import {
  ConfigError,
  FailpointSpecError,
  TemporalPermissionDeniedError,
  TemporalUnreachableError,
} from './shared/errors';
import { connectWorker, namePermissionDenied } from './temporal';
import {
  buildActivityDeps,
  buildDockerGateway,
  buildFirstCheckDeps,
  buildNodeAgentGateway,
  buildNodeLocalDeps,
} from './wiring';
import { workflowSource } from './workflow-bundle';

/**
 * How long a node agent waits for its Docker socket to appear or accept connections at start: in the worker
 * stack that socket is its node's docker-proxy's, a service Swarm may start (or update) after the agent's.
 */
const AGENT_SOCKET_WAIT_MS = 30_000;

/** A socket that is not there yet, or that nobody listens on yet. */
const NOT_YET = new Set(['ENOENT', 'ECONNREFUSED']);

/**
 * The Engine this worker talks to, checked to answer and to be a swarm node; returns its node id. With
 * `waitMs`, a socket that is not there yet or refuses connections is tried again each second until then.
 */
async function nodeOf(docker: DockerGateway, socket: string, log: WorkerLogger, waitMs = 0): Promise<string> {
  const deadline = Date.now() + waitMs;
  for (let said = false; ;) {
    try {
      await docker.ping();
      break;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === undefined || !NOT_YET.has(code) || Date.now() >= deadline)
        throw new ConfigError(
          'DOCKER_SOCKET',
          `a reachable Docker Engine socket (is dockerd running?): ${code ?? String(err)}`,
          socket,
        );
      if (!said) log.info(`vault-bootstrap worker: waiting for the Docker socket ${socket} (${code})`);
      said = true;
      await new Promise((resolve) => setTimeout(resolve, 1000)); // held: nothing else may keep the process up yet
    }
  }
  try {
    return await docker.localNodeId();
  } catch (err) {
    throw new ConfigError('DOCKER_SOCKET', `the socket of a swarm node: ${(err as Error).message}`, socket);
  }
}

type RoleConfig = { role: 'full'; config: WorkerConfig } | { role: 'node-agent'; config: NodeAgentConfig };

function loadRoleConfig(env: NodeJS.ProcessEnv): RoleConfig {
  const role: WorkerRole = loadWorkerRole(env);
  if (role === 'node-agent') return { role, config: loadNodeAgentConfig(env) };
  const config = loadWorkerConfig(env);
  new Failpoints(config.failpoints); // validates the list at start, not at the first fault point
  return { role, config };
}

/** The metrics of a worker that serves them: what the activities record into, and the server. */
interface ServedMetrics {
  metrics: PrometheusMetrics;
  server: MetricsServer;
  /** Core's exporter, for the Runtime: the server fetches its text at each scrape. */
  sdkExporter: MetricsExporterConfig;
}

/**
 * Serves metrics on `address` before the Runtime is installed (it needs Core's exporter) and before anything
 * connects: an address the worker cannot listen on stops it at once, as a configuration error (exit 2).
 */
async function serveMetrics(address: ListenAddress, log: WorkerLogger): Promise<ServedMetrics> {
  const sdk = sdkMetricsEndpoint(await freeLoopbackPort());
  const metrics = new PrometheusMetrics();
  let server: MetricsServer;
  try {
    server = await startMetricsServer(address, { registry: metrics.registry, sdkUrl: sdk.url });
  } catch (err) {
    if (!(err instanceof MetricsListenError)) throw err;
    throw new ConfigError(
      'VAULT_BOOTSTRAP_METRICS_ADDRESS',
      `an address the worker can listen on (${err.reason}), or empty for none`,
      err.address,
    );
  }
  log.info(`vault-bootstrap worker: metrics on ${server.url}`);
  return { metrics, server, sdkExporter: sdk.exporter };
}

/** Logging in the chosen format; and Core's metrics exporter when metrics are served. */
function runtimeOptions(log: WorkerLogger, sdkExporter?: MetricsExporterConfig): RuntimeOptions {
  const logging = runtimeLogging(log);
  const options: RuntimeOptions = { ...logging, shutdownSignals: ['SIGINT', 'SIGTERM'] };
  if (sdkExporter) options.telemetryOptions = { ...logging.telemetryOptions, metrics: sdkExporter };
  return options;
}

async function createWorkers(
  rc: RoleConfig,
  connection: NativeConnection,
  log: WorkerLogger,
  metrics: PrometheusMetrics | undefined,
): Promise<Worker[]> {
  const { config } = rc;
  const health = metrics ?? NO_METRICS;
  const docker = rc.role === 'full' ? buildDockerGateway(rc.config) : buildNodeAgentGateway(rc.config);
  const nodeId = await nodeOf(
    docker,
    config.dockerSocket,
    log,
    rc.role === 'node-agent' ? AGENT_SOCKET_WAIT_MS : 0,
  );
  const common = {
    connection,
    namespace: config.temporal.namespace,
    interceptors: { activity: activityInterceptors(metrics) },
  };
  const nodeWorker = Worker.create({
    ...common,
    taskQueue: nodeTaskQueue(config.temporal.taskQueue, nodeId),
    activities: createNodeAgentActivities(buildNodeLocalDeps(docker, health)),
  });
  if (rc.role === 'node-agent') return [await nodeWorker];
  const deps = buildActivityDeps(rc.config, docker, health);
  // The metrics' figures from the first scrape on (src/first-check.ts): started now, beside the Workers' start
  // (the workflow bundle takes seconds to load), never awaited. Outside an activity, holds are asked through a
  // client of the worker's own connection.
  if (metrics)
    void checkAtStart(
      buildFirstCheckDeps(deps, new Client({ connection, namespace: config.temporal.namespace })),
      log,
    );
  const { note, ...workflowCode } = workflowSource();
  log.info(`vault-bootstrap worker: ${note}`);
  const mainWorker = Worker.create({
    ...common,
    taskQueue: config.temporal.taskQueue,
    // On SIGTERM (a rolling update, `docker stop`) the steps in flight get 20 s to finish before they are
    // cancelled, inside the worker stack's 30 s stop_grace_period; one cut off is run again by the next worker.
    // Not the node queue's Worker: the events watcher's waits there never finish on their own.
    shutdownGraceTime: '20s',
    ...workflowCode,
    activities: createActivities(deps),
  });
  return Promise.all([mainWorker, nodeWorker]);
}

async function main(log: WorkerLogger): Promise<void> {
  const rc = loadRoleConfig(process.env);
  const metricsAddress = loadMetricsAddress(process.env);
  const served = metricsAddress === undefined ? undefined : await serveMetrics(metricsAddress, log);
  const runtime = Runtime.install(runtimeOptions(log, served?.sdkExporter));
  try {
    await serve(rc, log, served?.metrics);
  } finally {
    await served?.server.close();
    // In `json` the SDK holds its logs up to 100 ms to sort them: write them before the process exits.
    runtime.flushLogs();
  }
}

async function serve(
  rc: RoleConfig,
  log: WorkerLogger,
  metrics: PrometheusMetrics | undefined,
): Promise<void> {
  const { role, config } = rc;
  const connection = await connectWorker(config.temporal);
  try {
    const workers = await createWorkers(rc, connection, log, metrics);
    const queues = workers.map((w) => String(w.options.taskQueue)).join(' and ');
    log.info(
      `vault-bootstrap worker (${role}): polling task queue ${queues} on ${config.temporal.address} (namespace ${config.temporal.namespace})`,
    );
    // One worker stopping (a fatal error) stops the other (below): the process is the unit operators
    // restart. The first failure is the one reported, once the others ended or a grace period passed.
    const ends = workers.map((w) => w.run());
    // A worker's run() does not always settle when it fails (seen when the server refused both workers'
    // polls: both FAILED, neither run() settled): its state is watched too, and the failure it logged is
    // the one reported.
    const failedState = watchForFailure(workers, log);
    const running = Promise.race([Promise.all(ends), failedState.failed]).then(
      () => failedState.stop(),
      async (err: unknown) => {
        failedState.stop();
        for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
        await Promise.race([Promise.allSettled(ends), graceOf(SHUTDOWN_GRACE_MS)]);
        // What the first worker failed with, as the SDK logged it: a run() may reject later with an error of
        // the shutdown itself (IllegalStateError: Worker still in use).
        throw log.firstWorkerFailure ?? err;
      },
    );
    // run() makes a Worker RUNNING at once; the file is written from here on while both stay so, and while the
    // TLS files a full worker reads are still the host's current ones (`boundFilesCurrent`).
    const current = boundFilesCurrent(rc, log);
    const liveness =
      config.livenessFile === undefined
        ? undefined
        : startLivenessFile(
            config.livenessFile,
            () => workers.every((w) => w.getState() === 'RUNNING') && current(),
            undefined,
            (m) => log.warn(m),
          );
    try {
      await running.catch((err: unknown) => {
        throw namePermissionDenied(config.temporal, err);
      });
    } finally {
      liveness?.stop();
    }
    log.info('vault-bootstrap worker: shut down cleanly');
  } finally {
    // After workers that failed, the SDK may refuse to close (a worker that never settled still holds the
    // connection) or wait: bounded and not thrown, so the failure that ended them is what the process
    // reports, with its exit code.
    const closed = connection.close().catch((err: unknown) => {
      log.warn(`vault-bootstrap worker: the Temporal connection did not close: ${String(err)}`);
    });
    await Promise.race([closed, graceOf(SHUTDOWN_GRACE_MS)]);
  }
}

/**
 * Whether the TLS files a full worker reads (the CA it verifies Vault with, the chain the health check compares
 * with what Vault serves) are still the ones on the host. The worker stack binds the two files one by one (no
 * private key in the container), and a bound file that the host replaces stays the old one in the container
 * (`replacedFiles`): said once, and then the liveness file is no longer written, so the HEALTHCHECK fails and
 * Swarm starts the worker again with the current files. A node agent reads no TLS file.
 */
function boundFilesCurrent(rc: RoleConfig, log: WorkerLogger): () => boolean {
  if (rc.role !== 'full') return () => true;
  const files = [rc.config.vault.caFile, join(rc.config.vault.certDir, TLS_FILES.chain)];
  let said = false;
  return () => {
    const replaced = replacedFiles(files);
    if (replaced.length > 0 && !said) {
      said = true;
      log.warn(
        `vault-bootstrap worker: ${replaced.join(' and ')} was replaced on the host after this worker started, and ` +
          'its mount still shows the old file: the health file is no longer written, so the HEALTHCHECK fails ' +
          'and the worker is started again with the current files',
      );
    }
    return replaced.length === 0;
  };
}

const SHUTDOWN_GRACE_MS = 10_000;

/** Rejects once a worker is FAILED, with the error the SDK logged for it (`WorkerLogger.firstWorkerFailure`). */
function watchForFailure(
  workers: readonly Worker[],
  log: WorkerLogger,
): { failed: Promise<never>; stop: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const failed = new Promise<never>((_, reject) => {
    timer = setInterval(() => {
      if (!workers.some((w) => w.getState() === 'FAILED')) return;
      clearInterval(timer);
      reject(log.firstWorkerFailure ?? new Error('a worker failed (its error is logged above)'));
    }, 1000);
    timer.unref();
  });
  failed.catch(() => undefined); // rejected after the run already ended: nobody listens
  return { failed, stop: () => clearInterval(timer) };
}
/** Resolves after `ms` without holding the process open. */
function graceOf(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function start(): void {
  let log: WorkerLogger;
  try {
    log = new WorkerLogger(loadLogFormat(process.env));
  } catch (err) {
    // The format itself is wrong: the one line that cannot be written in it.
    console.error(`vault-bootstrap worker: ${(err as Error).message}`);
    process.exit(2);
  }
  main(log).catch((err: unknown) => {
    if (
      err instanceof ConfigError ||
      err instanceof TemporalUnreachableError ||
      err instanceof TemporalPermissionDeniedError ||
      err instanceof FailpointSpecError
    ) {
      log.error(`vault-bootstrap worker: ${err.message}`);
      process.exit(2);
    }
    log.error('vault-bootstrap worker failed', { error: err });
    process.exit(1);
  });
}

if (require.main === module) start();
