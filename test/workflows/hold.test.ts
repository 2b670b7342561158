/**
 * Workflow tests of an operator's hold on the time-skipping test server, stubbed activities: a held health
 * run reports and never acts; the watcher starts no check while held; `HoldVaultStack` keeps the hold in its
 * memo until `release`, clears it before the check it then runs, and ends with that check's report.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Context } from '@temporalio/activity';
import type { Activities } from '../../src/activities';
import { HOLD_MEMO_KEY } from '../../src/shared/hold-memo';
import { TemporalStackHolds } from '../../src/holds/temporal-holds';
import { healthWorkflowIds, holdWorkflowId, releaseCheckWorkflowId } from '../../src/shared/workflow-ids';
import type { Finding, StackHold } from '../../src/shared/health';
import { HoldVaultStack, releaseSignal, VerifyVaultHealth, WatchVaultTasks } from '../../src/workflows';
import { reportOf, stubActivities } from '../support/stub-activities';
import { timeSkippingEnv } from '../support/time-skipping';
import { eventually } from '../support/wait';

const HOLD: StackHold = { reason: 'disk swap on node 2', since: '2026-11-30T12:00:00.000Z', by: 'ana' };

void describe('an operator hold, on the time-skipping test server, stubbed activities', () => {
  const testEnv = timeSkippingEnv();

  void it('VerifyVaultHealth of a held stack reports and never acts (one check, no remediation)', async () => {
    const held: Finding = {
      code: 'SealedWhileHeld',
      node: 'vault-2',
      detail: 'vault-2 is sealed while held',
    };
    const certificate: Finding = { code: 'CertificateStale', node: 'vault-3', detail: 'older certificate' };
    const { activities, calls } = stubActivities({}, [{ ...reportOf('s', [held, certificate]), hold: HOLD }]);
    await testEnv().withWorker(activities, async (taskQueue, id) => {
      const handle = await testEnv().client.workflow.start(VerifyVaultHealth, {
        taskQueue,
        workflowId: `wf-test-held-${id}`,
        args: [{ stack: 's', remediate: true }],
      });
      const report = await handle.result();
      assert.deepEqual(calls, ['checkVaultHealth'], 'no remediateNode, no SIGHUP, no second check');
      assert.deepEqual(report.hold, HOLD);
      assert.deepEqual(report.actions, []);
      const meta = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
      assert.match(
        meta.currentDetails ?? '',
        /^\*\*Health s: Degraded — SealedWhileHeld vault-2, CertificateStale vault-3\*\*\n\nHeld since 2026-11-30T12:00:00.000Z by ana: disk swap on node 2: reported only, nothing done\n/,
      );
    });
  });

  void it('the watcher sees a task start while held: reads the hold, starts no check, watches on', async () => {
    const stub = stubActivities();
    let waits = 0;
    let onSecondWait: () => void = () => undefined;
    const secondWait = new Promise<void>((r) => (onSecondWait = r));
    const activities: Activities = {
      ...stub.activities,
      async waitForVaultTaskStart(input) {
        await stub.activities.waitForVaultTaskStart(input);
        if (waits++ === 0) return { started: true, container: 'c0ffee1', atMs: 1 };
        onSecondWait();
        const ctx = Context.current();
        const beat = setInterval(() => ctx.heartbeat(), 1_000);
        try {
          return await ctx.cancelled;
        } finally {
          clearInterval(beat);
        }
      },
    };
    await testEnv().withWorker(activities, async (taskQueue, id) => {
      stub.holds.set(`st${id}`, HOLD);
      const handle = await testEnv().client.workflow.start(WatchVaultTasks, {
        taskQueue,
        workflowId: `wf-test-watch-held-${id}`,
        args: [{ stack: `st${id}` }],
      });
      try {
        await secondWait;
        assert.deepEqual(stub.calls, [
          'listSwarmNodes',
          'waitForVaultTaskStart',
          'readStackHold',
          'listSwarmNodes',
          'waitForVaultTaskStart',
        ]);
        const { events } = await handle.fetchHistory();
        assert.equal(
          (events ?? []).filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes).length,
          0,
          'no check started',
        );
        await assert.rejects(
          testEnv()
            .client.workflow.getHandle(
              `${healthWorkflowIds(`st${id}`).event}-${handle.firstExecutionRunId.slice(0, 8)}-0`,
            )
            .describe(),
        );
      } finally {
        await handle.terminate('test over');
      }
    });
  });

  void it('HoldVaultStack: held (memo, details) until release; the memo is cleared before the check it runs', async () => {
    const sealedBefore: Finding = { code: 'NodeSealed', node: 'vault-2', detail: 'vault-2 is sealed' };
    const stub = stubActivities({}, [reportOf('s', [sealedBefore]), reportOf('s')]);
    /** What the release check saw of the hold, through the same reader the real activities use. */
    const seenByCheck: (StackHold | undefined)[] = [];
    const activities: Activities = {
      ...stub.activities,
      async checkVaultHealth(input) {
        seenByCheck.push(await new TemporalStackHolds(() => Context.current().client).current(input.stack));
        return stub.activities.checkVaultHealth(input);
      },
    };
    await testEnv().withWorker(activities, async (taskQueue, id) => {
      const stack = `st${id}`;
      const client = testEnv().client;
      const holds = new TemporalStackHolds(() => client);
      assert.equal(await holds.current(stack), undefined, 'no hold workflow: not held');
      const handle = await client.workflow.start(HoldVaultStack, {
        taskQueue,
        workflowId: holdWorkflowId(stack),
        args: [{ hold: HOLD, check: { stack, remediate: true } }],
        memo: { [HOLD_MEMO_KEY]: HOLD },
      });
      assert.deepEqual(await holds.current(stack), HOLD);
      await eventually('the hold shows its details', 10_000, async () => {
        const meta = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
        return meta.currentDetails?.startsWith(
          '**Held since 2026-11-30T12:00:00.000Z by ana: disk swap on node 2**',
        )
          ? true
          : undefined;
      });
      await handle.signal(releaseSignal, { by: 'bo' });
      const outcome = await handle.result();
      assert.equal(outcome.releasedBy, 'bo');
      assert.deepEqual(outcome.health.actions, ['unsealed vault-2']);
      assert.deepEqual(seenByCheck, [undefined, undefined], 'the check ran with the stack no longer held');
      assert.deepEqual(stub.calls, ['checkVaultHealth', 'remediateNode:vault-2', 'checkVaultHealth']);
      const check = await client.workflow
        .getHandle(releaseCheckWorkflowId(stack, handle.firstExecutionRunId))
        .describe();
      assert.equal(check.type, 'VerifyVaultHealth');
      assert.equal(await holds.current(stack), undefined, 'completed: not held');
    });
  });
});
