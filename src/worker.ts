#!/usr/bin/env node
/**
 * The worker process: validates the configuration, checks Docker and Temporal are reachable, then polls
 * the task queue until SIGINT/SIGTERM, when it finishes the activities in flight and exits.
 */
import { Runtime, Worker } from '@temporalio/worker';
import type { NativeConnection } from '@temporalio/worker';
import { createActivities } from './activities';
import { Failpoints } from './activities/failpoints';
import { loadWorkerConfig } from './config';
import type { WorkerConfig } from './config';
import { DockerGateway } from './docker/gateway';
import { ConfigError, FailpointSpecError, TemporalUnreachableError } from './shared/errors';
import { connectWorker } from './temporal';
import { buildActivityDeps } from './wiring';

async function createWorker(config: WorkerConfig, connection: NativeConnection): Promise<Worker> {
  const docker = new DockerGateway(config.dockerSocket, config.stack.dockerCli);
  try {
    await docker.ping();
  } catch (err) {
    throw new ConfigError(
      'DOCKER_SOCKET',
      `a reachable Docker Engine socket (is dockerd running?): ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      config.dockerSocket,
    );
  }
  return Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    workflowsPath: require.resolve('./workflows'),
    activities: createActivities(buildActivityDeps(config, docker)),
  });
}

async function main(): Promise<void> {
  const config = loadWorkerConfig(process.env);
  new Failpoints(config.failpoints); // validates the list at start, not at the first fault point
  Runtime.install({ shutdownSignals: ['SIGINT', 'SIGTERM'] });
  const connection = await connectWorker(config.temporal);
  try {
    const worker = await createWorker(config, connection);
    console.log(
      `vault-bootstrap worker: polling task queue ${config.temporal.taskQueue} on ${config.temporal.address} (namespace ${config.temporal.namespace})`,
    );
    await worker.run();
    console.log('vault-bootstrap worker: shut down cleanly');
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    if (
      err instanceof ConfigError ||
      err instanceof TemporalUnreachableError ||
      err instanceof FailpointSpecError
    ) {
      console.error(`vault-bootstrap worker: ${err.message}`);
      process.exit(2);
    }
    console.error('vault-bootstrap worker failed:', err);
    process.exit(1);
  });
}
