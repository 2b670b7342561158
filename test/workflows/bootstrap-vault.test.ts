/**
 * Workflow tests: the real `BootstrapVault` and `VerifyVaultHealth` code on Temporal's time-skipping test
 * server (`test/support/time-skipping.ts`; no test bed, no Docker, no Vault), with STUBBED activities. They
 * check the orchestration only: step order, retries, non-retryable failures and their failure chain,
 * progress query and search attributes (registered on the test server, which stores upserts and returns
 * them from describe like a real server). Retry back-offs are skipped, not waited for.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ActivityFailure, ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import {
  VAULT_BOOTSTRAP_STEP,
  VAULT_HEALTH_FINDINGS,
  VAULT_HEALTH_VERDICT,
} from '../../src/shared/search-attributes';
import type { Activities } from '../../src/activities';
import { ErrorType } from '../../src/shared/errors';
import type { Finding, HealthReport } from '../../src/shared/health';
import { stepSummary } from '../../src/shared/run-text';
import { BOOTSTRAP_STEPS } from '../../src/shared/steps';
import type { BootstrapStep } from '../../src/shared/steps';
import type { BootstrapResult } from '../../src/shared/types';
import { BootstrapVault, progressQuery, VerifyVaultHealth } from '../../src/workflows';
import { clusterOf, reportOf, stubActivities } from '../support/stub-activities';
import { timeSkippingEnv } from '../support/time-skipping';

/** The worker of swarm node `node-3`: the stubs, with every signal it is asked to send recorded in `onNode3`. */
function recordingNode3(activities: Activities): { node3: Activities; onNode3: string[] } {
  const onNode3: string[] = [];
  const node3: Activities = {
    ...activities,
    signalVaultContainer(input) {
      onNode3.push(`${input.signal} ${input.containerId}`);
      return Promise.resolve({ nodeId: 'node-3' });
    },
  };
  return { node3, onNode3 };
}

void describe('BootstrapVault and VerifyVaultHealth on the time-skipping test server, stubbed activities', () => {
  const testEnv = timeSkippingEnv();
  async function startBootstrap(
    taskQueue: string,
    id: string,
  ): Promise<WorkflowHandle<typeof BootstrapVault>> {
    return testEnv().client.workflow.start(BootstrapVault, {
      taskQueue,
      workflowId: `wf-test-bootstrap-${id}`,
      args: [{ stack: `st${id}` }],
    });
  }

  void it('runs the steps once each in the designed order and reports them', async () => {
    const { activities, calls } = stubActivities();
    await testEnv().withWorker(activities, async (taskQueue, id) => {
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

  void it('says on the timeline which step each activity is, and in its current details what happened', async () => {
    const { activities } = stubActivities();
    await testEnv().withWorker(activities, async (taskQueue, id) => {
      const handle = await startBootstrap(taskQueue, id);
      await handle.result();

      const { events } = await handle.fetchHistory();
      const summaries = (events ?? [])
        .filter((e) => e.activityTaskScheduledEventAttributes)
        .map((e) => {
          const payload = e.userMetadata?.summary;
          return payload ? defaultPayloadConverter.fromPayload<string>(payload) : undefined;
        });
      assert.deepEqual(summaries, BOOTSTRAP_STEPS.map(stepSummary));

      const meta = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
      const details = meta.currentDetails ?? '';
      assert.equal(details.split('\n')[0], `**Bootstrap Vault stack st${id}**: done`);
      assert.match(details, /^- `joinPeers` done: joined vault-2, vault-3$/m);
    });
  });

  void it('fails fast on a non-retryable UnsealKeyUnavailable and runs no later step', async () => {
    const message = 'vault-1 is initialized but key custody holds no key for it: restore the custody record';
    const { activities, calls } = stubActivities({
      initLeader: () => Promise.reject(ApplicationFailure.nonRetryable(message, 'UnsealKeyUnavailable')),
    });
    await testEnv().withWorker(activities, async (taskQueue, id) => {
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
    await testEnv().withWorker(activities, async (taskQueue, id) => {
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
    await testEnv().withWorker(activities, async (taskQueue, id) => {
      const handle = await testEnv().client.workflow.start(VerifyVaultHealth, {
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
    await testEnv().withWorker(activities, async (taskQueue, id) => {
      const handle = await testEnv().client.workflow.start(VerifyVaultHealth, {
        taskQueue,
        workflowId: `wf-test-verify-${id}`,
        args: [{ stack: 's' }],
      });
      const report = await handle.result();
      assert.deepEqual(calls, ['checkVaultHealth', 'remediateNode:vault-2', 'checkVaultHealth']);
      assert.equal(report.verdict, 'Healthy');
      assert.deepEqual(report.actions, ['unsealed vault-2']);
      assert.deepEqual(report.findingsBefore, [sealed]);
      assert.equal(report.actionFailures, undefined);
      const meta = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
      assert.equal(meta.currentDetails, '**Health s: Healthy**\n\nActions:\n- unsealed vault-2');
    });
  });

  void it('VerifyVaultHealth: SIGHUP goes to the queue of the node that runs the task', async () => {
    const stale: Finding = { code: 'CertificateStale', node: 'vault-3', detail: 'old certificate' };
    const { activities, calls } = stubActivities({}, [reportOf('s', [stale]), reportOf('s')]);
    const { node3, onNode3 } = recordingNode3(activities);
    await testEnv().withWorker(
      activities,
      async (taskQueue, id) => {
        const report = await testEnv().client.workflow.execute(VerifyVaultHealth, {
          taskQueue,
          workflowId: `wf-test-verify-sighup-${id}`,
          args: [{ stack: 's' }],
        });
        assert.deepEqual(onNode3, ['SIGHUP c0ffee3'], 'signalled on node-3, the node of vault-3');
        assert.deepEqual(calls, ['checkVaultHealth', 'waitForServedCertificate', 'checkVaultHealth']);
        assert.match(
          report.actions[0] ?? '',
          /^reloaded the certificate of vault-3 \(SIGHUP on swarm node node-3\)/,
        );
      },
      { 'node-3': node3 },
    );
  });

  void it('VerifyVaultHealth: a NodeNotMember node is left alone (no remediateNode, no signal)', async () => {
    const findings: Finding[] = [
      { code: 'NodeSealed', node: 'vault-2', detail: 'sealed' },
      { code: 'NodeSealed', node: 'vault-3', detail: 'sealed' },
      { code: 'NodeNotMember', node: 'vault-3', detail: 'not in the Raft configuration' },
      { code: 'CertificateStale', node: 'vault-3', detail: 'old certificate' },
    ];
    const { activities, calls } = stubActivities({}, [reportOf('s', findings), reportOf('s')]);
    const { node3, onNode3 } = recordingNode3(activities);
    await testEnv().withWorker(
      activities,
      async (taskQueue, id) => {
        const report = await testEnv().client.workflow.execute(VerifyVaultHealth, {
          taskQueue,
          workflowId: `wf-test-verify-not-member-${id}`,
          args: [{ stack: 's' }],
        });
        assert.deepEqual(calls, ['checkVaultHealth', 'remediateNode:vault-2', 'checkVaultHealth']);
        assert.deepEqual(onNode3, [], 'vault-3 was not signalled');
        assert.deepEqual(report.actions, ['unsealed vault-2']);
      },
      { 'node-3': node3 },
    );
  });

  void it('VerifyVaultHealth: a node whose remediation fails is listed, and the other nodes are still handled', async () => {
    const findings: Finding[] = [
      { code: 'NodeSealed', node: 'vault-1', detail: 'sealed' },
      { code: 'NodeSealed', node: 'vault-2', detail: 'sealed' },
      { code: 'CertificateStale', node: 'vault-3', detail: 'old certificate' },
    ];
    const { activities, calls } = stubActivities({}, [reportOf('s', findings), reportOf('s')]);
    const main: Activities = {
      ...activities,
      remediateNode(input, report, name) {
        if (name === 'vault-1') {
          calls.push(`remediateNode:${name}`);
          return Promise.reject(
            ApplicationFailure.nonRetryable('vault-1 rejected the key', ErrorType.UnsealKeyRejected),
          );
        }
        return activities.remediateNode(input, report, name);
      },
    };
    // No worker polls node-3's queue (its node agent is down): the signal times out before it starts.
    await testEnv().withWorker(
      main,
      async (taskQueue, id) => {
        const report = await testEnv().client.workflow.execute(VerifyVaultHealth, {
          taskQueue,
          workflowId: `wf-test-verify-fail-${id}`,
          args: [{ stack: 's' }],
        });
        assert.deepEqual(calls, [
          'checkVaultHealth',
          'remediateNode:vault-1',
          'remediateNode:vault-2',
          'checkVaultHealth',
        ]);
        assert.deepEqual(report.actions, ['unsealed vault-2']);
        assert.equal(report.actionFailures?.length, 2, JSON.stringify(report.actionFailures));
        assert.match(
          report.actionFailures?.[0] ?? '',
          /^vault-1: UnsealKeyRejected: vault-1 rejected the key/,
        );
        assert.match(
          report.actionFailures?.[1] ?? '',
          /^vault-3: certificate reload on swarm node node-3: .*(timeout|timed out)/i,
        );
      },
      {},
    );
  });

  void it('VerifyVaultHealth only reports when remediation is off', async () => {
    const stale: Finding = { code: 'CertificateStale', node: 'vault-3', detail: 'old certificate' };
    const { activities, calls } = stubActivities({}, [reportOf('s', [stale])]);
    await testEnv().withWorker(activities, async (taskQueue, id) => {
      const handle = await testEnv().client.workflow.start(VerifyVaultHealth, {
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
