/**
 * Workflow tests: the real `BootstrapVault` and `VerifyVaultHealth` code on the real Temporal dev server of the
 * test bed (`npm run testbed -- up`), with STUBBED activities. They check the orchestration only: step order,
 * retries, non-retryable failures, progress query and search attributes. No Docker, no Vault.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  ActivityFailure,
  ApplicationFailure,
  Client,
  Connection,
  WorkflowFailedError,
} from '@temporalio/client';
import type { WorkflowHandle } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { Activities } from '../../src/activities';
import {
  VAULT_BOOTSTRAP_STEP,
  VAULT_HEALTH_FINDINGS,
  VAULT_HEALTH_VERDICT,
} from '../../src/shared/search-attributes';
import type { Finding, HealthReport } from '../../src/shared/health';
import { BOOTSTRAP_STEPS } from '../../src/shared/steps';
import type { BootstrapStep } from '../../src/shared/steps';
import type { BootstrapInput, BootstrapResult, ClusterSummary, SecretRef } from '../../src/shared/types';
import { progressQuery } from '../../src/workflows';
import type { BootstrapVault, VerifyVaultHealth } from '../../src/workflows';
import { testbedEnv } from '../support/testbed';

const address = testbedEnv().TEMPORAL_ADDRESS ?? '127.0.0.1:7233';

function suffix(): string {
  return randomBytes(4).toString('hex');
}

function clusterOf(stack: string): ClusterSummary {
  return {
    stack,
    service: `${stack}_vault`,
    leader: 'vault-1',
    followers: ['vault-2', 'vault-3'],
    unsealSecret: `vault_unseal_key_v1`,
    unsealSecretVersion: 1,
    keyId: 'key-0001',
    runningTasks: 3,
  };
}

function secretRef(version: number): SecretRef {
  const name = version === 0 ? 'vault_unseal_key' : `vault_unseal_key_v${version}`;
  return { name, id: `id-${name}`, kind: version === 0 ? 'placeholder' : 'unseal-key', version };
}

/** Per-step overrides: a stub that replaces the default behaviour of one activity. */
type Overrides = Partial<{ [K in BootstrapStep]: (input: BootstrapInput) => Promise<void> }>;

/** Activities that record their calls and answer like the real ones (names and ids, no key material). */
function reportOf(stack: string, findings: Finding[] = []): HealthReport {
  return {
    stack,
    checkedAt: '2026-01-01T00:00:00.000Z',
    verdict: findings.length ? 'Degraded' : 'Healthy',
    findings,
    service: { desired: 3, running: 3 },
    nodes: [1, 2, 3].map((slot) => ({
      name: `vault-${slot}`,
      slot,
      reachable: true,
      initialized: true,
      sealed: false,
    })),
    raft: {
      servers: [1, 2, 3].map((slot) => ({ nodeId: `vault-${slot}`, leader: slot === 1, voter: true })),
      autopilotHealthy: true,
    },
    certificate: { diskFingerprint: 'AA:BB', validTo: '2027-01-01T00:00:00.000Z', daysLeft: 400 },
    actions: [],
  };
}

function stubActivities(
  overrides: Overrides = {},
  healthReports: HealthReport[] = [],
): { activities: Activities; calls: string[] } {
  const calls: string[] = [];
  async function enter(step: BootstrapStep, input: BootstrapInput): Promise<void> {
    calls.push(step);
    await overrides[step]?.(input);
  }
  const activities: Activities = {
    async preflight(input) {
      await enter('preflight', input);
      return { changed: false, summary: 'stack files, TLS files, swarm, iklimco-net and custody are usable' };
    },
    async ensurePlaceholderSecret(input) {
      await enter('ensurePlaceholderSecret', input);
      return { changed: true, summary: 'created placeholder vault_unseal_key', secret: secretRef(0) };
    },
    async deployStack(input) {
      await enter('deployStack', input);
      return { changed: true, summary: `deployed ${input.stack}_vault; 3 tasks running` };
    },
    async initLeader(input) {
      await enter('initLeader', input);
      return { changed: true, summary: 'initialized vault-1; key stored as key-0001', keyId: 'key-0001' };
    },
    async rotateUnsealKeySecret(input) {
      await enter('rotateUnsealKeySecret', input);
      return { changed: true, summary: 'swapped in vault_unseal_key_v1', secret: secretRef(1) };
    },
    async unsealLeader(input) {
      await enter('unsealLeader', input);
      return { changed: true, summary: 'unsealed vault-1' };
    },
    async joinPeers(input) {
      await enter('joinPeers', input);
      return { changed: true, summary: 'joined vault-2, vault-3' };
    },
    async unsealPeers(input) {
      await enter('unsealPeers', input);
      return { changed: true, summary: 'unsealed vault-2, vault-3' };
    },
    async verifyCluster(input) {
      await enter('verifyCluster', input);
      const cluster = clusterOf(input.stack);
      return {
        changed: false,
        summary: `leader ${cluster.leader}, followers ${cluster.followers.join(', ')}, all unsealed`,
        cluster,
      };
    },
    checkVaultHealth(input) {
      calls.push('checkVaultHealth');
      return Promise.resolve(healthReports.shift() ?? reportOf(input.stack));
    },
    remediateVaultHealth(_input, report) {
      calls.push('remediateVaultHealth');
      return Promise.resolve(
        report.findings.filter((f) => f.code === 'NodeSealed').map((f) => `unsealed ${f.node}`),
      );
    },
    waitForVaultTaskStart() {
      calls.push('waitForVaultTaskStart');
      return Promise.resolve({ started: false });
    },
  };
  return { activities, calls };
}

void describe('BootstrapVault and VerifyVaultHealth on the dev server, stubbed activities', () => {
  let bundle: WorkflowBundleWithSourceMap;
  let nativeConnection: NativeConnection;
  let connection: Connection;
  let client: Client;

  before(async () => {
    // Worker and bundler chatter would drown the test report, and the expected activity failures below are
    // logged at WARN; only errors show.
    const logger = new DefaultLogger('ERROR');
    Runtime.install({ logger });
    [bundle, nativeConnection, connection] = await Promise.all([
      bundleWorkflowCode({ workflowsPath: require.resolve('../../src/workflows'), logger }),
      NativeConnection.connect({ address }),
      Connection.connect({ address }),
    ]);
    client = new Client({ connection });
  });

  after(async () => {
    await connection?.close();
    await nativeConnection?.close();
  });

  /** A worker on its own task queue, running `fn` until it settles. */
  async function withWorker<R>(
    activities: Activities,
    fn: (taskQueue: string, id: string) => Promise<R>,
  ): Promise<R> {
    const id = suffix();
    const taskQueue = `wf-test-${id}`;
    const worker = await Worker.create({
      connection: nativeConnection,
      taskQueue,
      workflowBundle: bundle,
      activities,
    });
    return worker.runUntil(fn(taskQueue, id));
  }

  async function startBootstrap(
    taskQueue: string,
    id: string,
  ): Promise<WorkflowHandle<typeof BootstrapVault>> {
    return client.workflow.start<typeof BootstrapVault>('BootstrapVault', {
      taskQueue,
      workflowId: `wf-test-bootstrap-${id}`,
      args: [{ stack: `st${id}` }],
    });
  }

  void it('runs the steps once each in the designed order and reports them', async () => {
    const { activities, calls } = stubActivities();
    await withWorker(activities, async (taskQueue, id) => {
      const handle = await startBootstrap(taskQueue, id);
      const result: BootstrapResult = await handle.result();

      assert.deepEqual(calls, [...BOOTSTRAP_STEPS]);
      assert.deepEqual(result.summary, clusterOf(`st${id}`));
      assert.deepEqual(
        result.steps.map((s) => s.step),
        [...BOOTSTRAP_STEPS],
      );
      for (const s of result.steps) assert.notEqual(s.summary, '', `summary of ${s.step}`);
      assert.equal(result.steps.find((s) => s.step === 'joinPeers')?.summary, 'joined vault-2, vault-3');

      const progress = await handle.query(progressQuery);
      assert.deepEqual(
        progress.map((p) => p.step),
        [...BOOTSTRAP_STEPS],
      );
      for (const p of progress) {
        assert.equal(p.status, 'done', `${p.step} is done`);
        assert.ok(p.startedAt && !Number.isNaN(Date.parse(p.startedAt)), `${p.step} has startedAt`);
        assert.ok(p.endedAt && !Number.isNaN(Date.parse(p.endedAt)), `${p.step} has endedAt`);
        assert.ok(Date.parse(p.endedAt) >= Date.parse(p.startedAt), `${p.step} ends after it starts`);
        assert.equal(p.error, undefined);
      }

      const described = await handle.describe();
      assert.equal(described.typedSearchAttributes.get(VAULT_BOOTSTRAP_STEP), 'done');
    });
  });

  void it('fails fast on a non-retryable UnsealKeyUnavailable and runs no later step', async () => {
    const message = 'vault-1 is initialized but key custody holds no key for it: restore the custody record';
    const { activities, calls } = stubActivities({
      initLeader: () => Promise.reject(ApplicationFailure.nonRetryable(message, 'UnsealKeyUnavailable')),
    });
    await withWorker(activities, async (taskQueue, id) => {
      const handle = await startBootstrap(taskQueue, id);
      const err: unknown = await handle.result().then(
        () => assert.fail('the workflow should have failed'),
        (e: unknown) => e,
      );

      assert.ok(err instanceof WorkflowFailedError, `WorkflowFailedError, got ${String(err)}`);
      assert.ok(err.cause instanceof ActivityFailure, 'caused by an ActivityFailure');
      assert.equal(err.cause.activityType, 'initLeader');
      const app = err.cause.cause;
      assert.ok(app instanceof ApplicationFailure, 'caused by an ApplicationFailure');
      assert.equal(app.type, 'UnsealKeyUnavailable');
      assert.equal(app.nonRetryable, true);
      assert.equal(app.message, message);

      // One attempt, and nothing after initLeader ran.
      assert.deepEqual(calls, ['preflight', 'ensurePlaceholderSecret', 'deployStack', 'initLeader']);

      const progress = await handle.query(progressQuery);
      const row = (step: BootstrapStep) => progress.find((p) => p.step === step);
      assert.equal(row('deployStack')?.status, 'done');
      assert.equal(row('initLeader')?.status, 'failed');
      assert.equal(row('initLeader')?.error, `UnsealKeyUnavailable: ${message}`);
      assert.ok(row('initLeader')?.endedAt, 'the failed step has endedAt');
      for (const later of BOOTSTRAP_STEPS.slice(BOOTSTRAP_STEPS.indexOf('initLeader') + 1)) {
        assert.equal(row(later)?.status, 'pending', `${later} never ran`);
      }

      const described = await handle.describe();
      assert.equal(described.status.name, 'FAILED');
      assert.equal(described.typedSearchAttributes.get(VAULT_BOOTSTRAP_STEP), 'failed:initLeader');
    });
  });

  void it('retries a step that fails with a plain Error, then completes', async () => {
    let attempts = 0;
    const { activities, calls } = stubActivities({
      deployStack: () => {
        attempts += 1;
        return attempts <= 2
          ? Promise.reject(new Error(`service not converged yet (attempt ${attempts})`))
          : Promise.resolve();
      },
    });
    await withWorker(activities, async (taskQueue, id) => {
      const handle = await startBootstrap(taskQueue, id);
      const result = await handle.result();
      assert.equal(attempts, 3, 'deployStack ran three times');
      assert.deepEqual(
        calls.filter((c) => c !== 'deployStack'),
        BOOTSTRAP_STEPS.filter((s) => s !== 'deployStack'),
      );
      assert.equal(result.summary.leader, 'vault-1');
      const described = await handle.describe();
      assert.equal(described.typedSearchAttributes.get(VAULT_BOOTSTRAP_STEP), 'done');
    });
  });

  void it('VerifyVaultHealth reports a healthy cluster without remediating', async () => {
    const { activities, calls } = stubActivities();
    await withWorker(activities, async (taskQueue, id) => {
      const handle = await client.workflow.start<typeof VerifyVaultHealth>('VerifyVaultHealth', {
        taskQueue,
        workflowId: `wf-test-verify-${id}`,
        args: [{ stack: `st${id}` }],
      });
      const report: HealthReport = await handle.result();
      assert.equal(report.verdict, 'Healthy');
      assert.deepEqual(report.actions, []);
      assert.deepEqual(calls, ['checkVaultHealth']);
      const described = await handle.describe();
      assert.equal(described.typedSearchAttributes.get(VAULT_HEALTH_VERDICT), 'Healthy');
      assert.deepEqual(
        described.typedSearchAttributes.get(VAULT_HEALTH_FINDINGS) ?? [],
        [],
        'an empty list is stored as absent',
      );
    });
  });

  void it('VerifyVaultHealth remediates a sealed node, checks again and reports both', async () => {
    const sealed: Finding = { code: 'NodeSealed', node: 'vault-2', detail: 'vault-2 is sealed' };
    const { activities, calls } = stubActivities({}, [reportOf('s', [sealed]), reportOf('s')]);
    await withWorker(activities, async (taskQueue, id) => {
      const handle = await client.workflow.start<typeof VerifyVaultHealth>('VerifyVaultHealth', {
        taskQueue,
        workflowId: `wf-test-verify-${id}`,
        args: [{ stack: 's' }],
      });
      const report = await handle.result();
      assert.deepEqual(calls, ['checkVaultHealth', 'remediateVaultHealth', 'checkVaultHealth']);
      assert.equal(report.verdict, 'Healthy');
      assert.deepEqual(report.actions, ['unsealed vault-2']);
      assert.deepEqual(report.findingsBefore, [sealed]);
    });
  });

  void it('VerifyVaultHealth only reports when remediation is off', async () => {
    const stale: Finding = { code: 'CertificateStale', node: 'vault-3', detail: 'old certificate' };
    const { activities, calls } = stubActivities({}, [reportOf('s', [stale])]);
    await withWorker(activities, async (taskQueue, id) => {
      const handle = await client.workflow.start<typeof VerifyVaultHealth>('VerifyVaultHealth', {
        taskQueue,
        workflowId: `wf-test-verify-${id}`,
        args: [{ stack: 's', remediate: false }],
      });
      const report = await handle.result();
      assert.deepEqual(calls, ['checkVaultHealth']);
      assert.equal(report.verdict, 'Degraded');
      const described = await handle.describe();
      assert.equal(described.typedSearchAttributes.get(VAULT_HEALTH_VERDICT), 'Degraded');
      assert.deepEqual(described.typedSearchAttributes.get(VAULT_HEALTH_FINDINGS), ['CertificateStale']);
    });
  });
});
