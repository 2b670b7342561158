#!/usr/bin/env node
"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * The worker process: validates the configuration, checks Docker and Temporal are reachable, then polls
 * until SIGINT/SIGTERM, when it finishes the activities in flight and exits.
 *
 * In its role `full` (the default) it polls the main task queue with every activity, and its own node's
 * queue with the node-local ones; as a `node-agent` only its node's queue (see `WorkerRole`). The node's
 * queue is named from the Swarm node id of the Engine it talks to (`nodeTaskQueue`).
 *
 * With `VAULT_BOOTSTRAP_HEALTH_FILE` set, it rewrites that file while its Workers run, for a container
 * HEALTHCHECK (`src/health-file.ts`, `src/healthcheck.ts`).
 *
 * Unless `VAULT_BOOTSTRAP_METRICS_ADDRESS` is empty, it serves Prometheus metrics there (`src/metrics/`,
 * docs/metrics.md): its own and Temporal Core's, in both roles.
 *
 * Everything it writes goes through one logger (`src/logging.ts`): with `VAULT_BOOTSTRAP_LOG_FORMAT=json`,
 * its own lines, the SDK's and Core's are JSON lines on stdout.
 */
const worker_1 = require("@temporalio/worker");
const activities_1 = require("./activities");
const failpoints_1 = require("./activities/failpoints");
const wait_1 = require("./activities/wait");
const config_1 = require("./config");
const gateway_1 = require("./docker/gateway");
const health_file_1 = require("./health-file");
const logging_1 = require("./logging");
const prometheus_1 = require("./metrics/prometheus");
const server_1 = require("./metrics/server");
const ports_1 = require("./ports");
const constants_1 = require("./shared/constants");
const errors_1 = require("./shared/errors");
const temporal_1 = require("./temporal");
const temporal_holds_1 = require("./holds/temporal-holds");
const wiring_1 = require("./wiring");
const workflow_bundle_1 = require("./workflow-bundle");
/** The Engine this worker talks to, checked to answer and to be a swarm node; returns its node id. */
async function nodeOf(docker, socket) {
    try {
        await docker.ping();
    }
    catch (err) {
        throw new errors_1.ConfigError('DOCKER_SOCKET', `a reachable Docker Engine socket (is dockerd running?): ${err.code ?? String(err)}`, socket);
    }
    try {
        return await docker.localNodeId();
    }
    catch (err) {
        throw new errors_1.ConfigError('DOCKER_SOCKET', `the socket of a swarm node: ${err.message}`, socket);
    }
}
/**
 * One INFO line per activity attempt that completes, with its duration: the SDK logs completions at DEBUG and
 * failures at WARN, so without it `docker service logs` would not show a step succeeding. The line carries the
 * SDK's activity meta (workflow and activity ids, attempt); never the activity's input or result.
 */
const logActivityCompletion = (ctx) => ({
    inbound: {
        async execute(input, next) {
            const started = Date.now();
            const result = await next(input);
            ctx.log.info('activity completed', { durationMs: Date.now() - started });
            return result;
        },
    },
});
/**
 * The duration and outcome of every activity attempt, by activity type, into the metrics. `cancelled` when
 * Temporal cancelled the attempt (the watcher's waits, a timeout seen by the server, the worker's shutdown),
 * so that those do not count as failures.
 */
function observeActivityDurations(metrics) {
    return (ctx) => ({
        inbound: {
            async execute(input, next) {
                const started = performance.now();
                const seconds = () => (performance.now() - started) / 1000;
                try {
                    const result = await next(input);
                    metrics.observeActivity(ctx.info.activityType, seconds(), 'completed');
                    return result;
                }
                catch (err) {
                    const outcome = ctx.cancellationSignal.aborted ? 'cancelled' : 'failed';
                    metrics.observeActivity(ctx.info.activityType, seconds(), outcome);
                    throw err;
                }
            },
        },
    });
}
function loadRoleConfig(env) {
    const role = (0, config_1.loadWorkerRole)(env);
    if (role === 'node-agent')
        return { role, config: (0, config_1.loadNodeAgentConfig)(env) };
    const config = (0, config_1.loadWorkerConfig)(env);
    new failpoints_1.Failpoints(config.failpoints); // validates the list at start, not at the first fault point
    return { role, config };
}
/**
 * Serves metrics on `address` before the Runtime is installed (it needs Core's exporter) and before anything
 * connects: an address the worker cannot listen on stops it at once, as a configuration error (exit 2).
 */
async function serveMetrics(address, log) {
    const sdk = (0, server_1.sdkMetricsEndpoint)(await (0, server_1.freeLoopbackPort)());
    const metrics = new prometheus_1.PrometheusMetrics();
    let server;
    try {
        server = await (0, server_1.startMetricsServer)(address, { registry: metrics.registry, sdkUrl: sdk.url });
    }
    catch (err) {
        if (!(err instanceof server_1.MetricsListenError))
            throw err;
        throw new errors_1.ConfigError('VAULT_BOOTSTRAP_METRICS_ADDRESS', `an address the worker can listen on (${err.reason}), or empty for none`, err.address);
    }
    log.info(`vault-bootstrap worker: metrics on ${server.url}`);
    return { metrics, server, sdkExporter: sdk.exporter };
}
/** Logging in the chosen format; and Core's metrics exporter when metrics are served. */
function runtimeOptions(log, sdkExporter) {
    const logging = (0, logging_1.runtimeLogging)(log);
    const options = { ...logging, shutdownSignals: ['SIGINT', 'SIGTERM'] };
    if (sdkExporter)
        options.telemetryOptions = { ...logging.telemetryOptions, metrics: sdkExporter };
    return options;
}
async function createWorkers(rc, connection, log, metrics) {
    const { config } = rc;
    const health = metrics ?? ports_1.NO_METRICS;
    // A node agent never deploys: no CLI and no CLI environment.
    const docker = rc.role === 'full'
        ? new gateway_1.DockerGateway(config.dockerSocket, rc.config.stack.dockerCli, rc.config.stack.cliBaseEnv)
        : new gateway_1.DockerGateway(config.dockerSocket);
    const nodeId = await nodeOf(docker, config.dockerSocket);
    const common = {
        connection,
        namespace: config.temporal.namespace,
        interceptors: {
            activity: metrics
                ? [logActivityCompletion, observeActivityDurations(metrics)]
                : [logActivityCompletion],
        },
    };
    const nodeWorker = worker_1.Worker.create({
        ...common,
        taskQueue: (0, constants_1.nodeTaskQueue)(config.temporal.taskQueue, nodeId),
        activities: (0, activities_1.createNodeAgentActivities)({
            swarm: docker,
            clock: wait_1.systemClock,
            metrics: health,
            holds: new temporal_holds_1.TemporalStackHolds(),
        }),
    });
    if (rc.role === 'node-agent')
        return [await nodeWorker];
    const { note, ...workflowCode } = (0, workflow_bundle_1.workflowSource)();
    log.info(`vault-bootstrap worker: ${note}`);
    const mainWorker = worker_1.Worker.create({
        ...common,
        taskQueue: config.temporal.taskQueue,
        // On SIGTERM (a rolling update, `docker stop`) the steps in flight get 20 s to finish before they are
        // cancelled, inside the worker stack's 30 s stop_grace_period; one cut off is run again by the next worker.
        // Not the node queue's Worker: the events watcher's waits there never finish on their own.
        shutdownGraceTime: '20s',
        ...workflowCode,
        activities: (0, activities_1.createActivities)((0, wiring_1.buildActivityDeps)(rc.config, docker, health)),
    });
    return Promise.all([mainWorker, nodeWorker]);
}
async function main(log) {
    const rc = loadRoleConfig(process.env);
    const metricsAddress = (0, config_1.loadMetricsAddress)(process.env);
    const served = metricsAddress === undefined ? undefined : await serveMetrics(metricsAddress, log);
    const runtime = worker_1.Runtime.install(runtimeOptions(log, served?.sdkExporter));
    try {
        await serve(rc, log, served?.metrics);
    }
    finally {
        await served?.server.close();
        // In `json` the SDK holds its logs up to 100 ms to sort them: write them before the process exits.
        runtime.flushLogs();
    }
}
async function serve(rc, log, metrics) {
    const { role, config } = rc;
    const connection = await (0, temporal_1.connectWorker)(config.temporal);
    try {
        const workers = await createWorkers(rc, connection, log, metrics);
        const queues = workers.map((w) => String(w.options.taskQueue)).join(' and ');
        log.info(`vault-bootstrap worker (${role}): polling task queue ${queues} on ${config.temporal.address} (namespace ${config.temporal.namespace})`);
        // One worker stopping (a fatal error) stops the other: the process is the unit operators restart.
        const running = Promise.all(workers.map((w) => w.run().catch((err) => {
            for (const other of workers)
                if (other !== w && other.getState() === 'RUNNING')
                    other.shutdown();
            throw err;
        })));
        // run() makes a Worker RUNNING at once; the file is written from here on while both stay so.
        const health = config.healthFile === undefined
            ? undefined
            : (0, health_file_1.startHealthFile)(config.healthFile, () => workers.every((w) => w.getState() === 'RUNNING'), undefined, (m) => log.warn(m));
        try {
            await running;
        }
        finally {
            health?.stop();
        }
        log.info('vault-bootstrap worker: shut down cleanly');
    }
    finally {
        await connection.close();
    }
}
function start() {
    let log;
    try {
        log = new logging_1.WorkerLogger((0, config_1.loadLogFormat)(process.env));
    }
    catch (err) {
        // The format itself is wrong: the one line that cannot be written in it.
        console.error(`vault-bootstrap worker: ${err.message}`);
        process.exit(2);
    }
    main(log).catch((err) => {
        if (err instanceof errors_1.ConfigError ||
            err instanceof errors_1.TemporalUnreachableError ||
            err instanceof errors_1.FailpointSpecError) {
            log.error(`vault-bootstrap worker: ${err.message}`);
            process.exit(2);
        }
        log.error('vault-bootstrap worker failed', { error: err });
        process.exit(1);
    });
}
if (require.main === module)
    start();
//# sourceMappingURL=worker.js.map