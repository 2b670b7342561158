/**
 * `RestoreDrill` on the time-skipping test server with stubbed activities: the throwaway stack is removed
 * after a drill that passed, one that failed with a named failure, and one that was cancelled mid-way; the
 * outcome is recorded for the health report and set as the search attribute `VaultRestoreDrill`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import type { DrillRecord } from '../../src/shared/backup';
import { VAULT_RESTORE_DRILL } from '../../src/shared/search-attributes';
import { RestoreDrill } from '../../src/workflows';
import { stubActivities } from '../support/stub-activities';
import { timeSkippingEnv } from '../support/time-skipping';

void describe('RestoreDrill on the time-skipping test server, stubbed activities', () => {
  const testEnv = timeSkippingEnv();

  /** The stubs, with the drill replaced by `drill` and every recorded outcome kept. */
  function stubs(drill?: () => Promise<never>) {
    const { activities, calls } = stubActivities();
    const records: DrillRecord[] = [];
    activities.recordDrill = (input) => {
      calls.push('recordDrill');
      records.push(input.record);
      return Promise.resolve();
    };
    if (drill)
      activities.runRestoreDrill = () => {
        calls.push('runRestoreDrill');
        return drill();
      };
    return { activities, calls, records };
  }

  void it('passes: removes the throwaway stack, records ok, sets VaultRestoreDrill=ok', async () => {
    const { activities, calls, records } = stubs();
    await testEnv().withWorker(activities, async (taskQueue, id) => {
      const handle = await testEnv().client.workflow.start(RestoreDrill, {
        taskQueue,
        workflowId: `wf-test-drill-${id}`,
        args: [{ stack: `st${id}` }],
      });
      const result = await handle.result();
      assert.equal(result.canary.read, result.canary.expected);
      assert.deepEqual(calls, ['runRestoreDrill', 'removeDrillStack', 'recordDrill']);
      assert.equal(records[0]?.ok, true);
      assert.equal(records[0]?.snapshot, `st${id}-20260101T000000Z.snap`);
      const described = await handle.describe();
      assert.equal(described.typedSearchAttributes.get(VAULT_RESTORE_DRILL), 'ok');
    });
  });

  void it('fails by name: still removes the stack, records the failure, sets failed:<type>, fails with it', async () => {
    const { activities, calls, records } = stubs(() =>
      Promise.reject(
        ApplicationFailure.create({
          type: 'SnapshotCorrupt',
          message:
            'the newest snapshot x.snap cannot be restored: its sha256 is not the one its manifest says',
          nonRetryable: true,
        }),
      ),
    );
    await testEnv().withWorker(activities, async (taskQueue, id) => {
      const handle = await testEnv().client.workflow.start(RestoreDrill, {
        taskQueue,
        workflowId: `wf-test-drill-${id}`,
        args: [{ stack: `st${id}` }],
      });
      const err = await handle.result().then(
        () => assert.fail('the drill passed'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof WorkflowFailedError);
      assert.deepEqual(calls, ['runRestoreDrill', 'removeDrillStack', 'recordDrill']);
      assert.equal(records[0]?.ok, false);
      assert.match(records[0]?.error ?? '', /^SnapshotCorrupt: the newest snapshot x\.snap/);
      const described = await handle.describe();
      assert.equal(described.typedSearchAttributes.get(VAULT_RESTORE_DRILL), 'failed:SnapshotCorrupt');
    });
  });

  void it('cancelled mid-drill: the throwaway stack is still removed', async () => {
    let entered: () => void = () => undefined;
    const inDrill = new Promise<void>((r) => (entered = r));
    const { activities, calls } = stubs(async () => {
      entered();
      // Runs until cancelled: a heartbeat brings the cancellation, and the activity's sleep rejects with it.
      const ctx = Context.current();
      for (;;) {
        ctx.heartbeat();
        await ctx.sleep(100);
      }
    });
    await testEnv().withWorker(activities, async (taskQueue, id) => {
      const handle = await testEnv().client.workflow.start(RestoreDrill, {
        taskQueue,
        workflowId: `wf-test-drill-${id}`,
        args: [{ stack: `st${id}` }],
      });
      await inDrill;
      await handle.cancel();
      await handle.result().then(
        () => assert.fail('a cancelled drill passed'),
        () => undefined,
      );
      assert.ok(calls.includes('removeDrillStack'), calls.join(', '));
    });
  });
});
