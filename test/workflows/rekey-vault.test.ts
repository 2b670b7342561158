/**
 * `RekeyVault` on the time-skipping test server with stubbed activities: the steps in order (the rotation, the
 * rollout, a verified cluster, a fresh backup and its drill as children, the old secret retired last), and a
 * failure before the retirement leaves the old secret in place.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import { rekeyWorkflowIds } from '../../src/shared/workflow-ids';
import { RekeyVault } from '../../src/workflows';
import { stubActivities } from '../support/stub-activities';
import { timeSkippingEnv } from '../support/time-skipping';

void describe('RekeyVault on the time-skipping test server, stubbed activities', () => {
  const testEnv = timeSkippingEnv();

  void it('rotates, rolls out, verifies, backs up and drills, and only then retires the old secret', async () => {
    const { activities, calls } = stubActivities();
    await testEnv().withWorker(activities, async (taskQueue, id) => {
      const stack = `st${id}`;
      const result = await testEnv().client.workflow.execute(RekeyVault, {
        taskQueue,
        workflowId: rekeyWorkflowIds(stack).rekey,
        args: [{ stack }],
      });
      assert.equal(result.generation, 1);
      for (const s of result.steps) assert.ok(s.summary, `${s.step} says what it did`);
      assert.match(
        result.steps.find((s) => s.step === 'backupSnapshot')?.summary ?? '',
        /under key generation 1/,
      );
      assert.deepEqual(calls, [
        'checkRekeyable',
        'rekeyUnsealKey',
        'rollUnsealKeySecret',
        'verifyCluster',
        'ensureBackupAccess',
        'takeSnapshot',
        'pruneSnapshots',
        'runRestoreDrill',
        'removeDrillStack',
        'recordDrill',
        'retireFormerUnsealKey',
      ]);
    });
  });

  void it('a drill that fails: the run fails by name and the old secret is not retired', async () => {
    const { activities, calls } = stubActivities();
    activities.runRestoreDrill = () => {
      calls.push('runRestoreDrill');
      return Promise.reject(
        ApplicationFailure.create({
          type: 'RestoreCheckFailed',
          message: 'the restored copy holds the canary with another value',
          nonRetryable: true,
        }),
      );
    };
    await testEnv().withWorker(activities, async (taskQueue, id) => {
      const stack = `st${id}`;
      const err = await testEnv()
        .client.workflow.execute(RekeyVault, {
          taskQueue,
          workflowId: rekeyWorkflowIds(stack).rekey,
          args: [{ stack }],
        })
        .then(
          () => assert.fail('the rotation passed'),
          (e: unknown) => e,
        );
      assert.ok(err instanceof WorkflowFailedError);
      assert.ok(calls.includes('runRestoreDrill'));
      assert.ok(!calls.includes('retireFormerUnsealKey'), 'the old secret stays until a drill passed');
    });
  });
});
