/**
 * `UpgradeVault` on the time-skipping test server with stubbed activities: the snapshot and its drill before
 * anything restarts, the stack held while the image rolls out and released after (its check runs), and a
 * rollout that fails still releases the hold.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import { holdWorkflowId, upgradeWorkflowIds } from '../../src/shared/workflow-ids';
import { UpgradeVault } from '../../src/workflows';
import { stubActivities } from '../support/stub-activities';
import { timeSkippingEnv } from '../support/time-skipping';

const IMAGE = 'openbao:2.7.2';

void describe('UpgradeVault on the time-skipping test server, stubbed activities', () => {
  const testEnv = timeSkippingEnv();

  void it('backs up and drills first, holds the stack while the image rolls out, releases it after', async () => {
    const { activities, calls } = stubActivities();
    await testEnv().withWorker(activities, async (taskQueue, id) => {
      const stack = `st${id}`;
      const result = await testEnv().client.workflow.execute(UpgradeVault, {
        taskQueue,
        workflowId: upgradeWorkflowIds(stack).upgrade,
        args: [{ stack, image: IMAGE }],
      });
      assert.equal(result.to, IMAGE);
      const hold = testEnv().client.workflow.getHandle(holdWorkflowId(stack));
      await hold.result(); // released: its check ran
      assert.deepEqual(calls.filter((c) => c !== 'removeDrillStack' && c !== 'recordDrill').slice(0, 9), [
        'planUpgrade',
        'verifyCluster',
        'ensureBackupAccess',
        'takeSnapshot',
        'pruneSnapshots',
        'runRestoreDrill',
        'rollImage',
        'verifyCluster',
        'checkVaultHealth',
      ]);
      assert.equal((await hold.describe()).status.name, 'COMPLETED', 'the hold was released');
    });
  });

  void it('a rollout that fails: the run fails by name and the hold is released all the same', async () => {
    const { activities, calls } = stubActivities();
    activities.rollImage = () => {
      calls.push('rollImage');
      return Promise.reject(
        ApplicationFailure.create({
          type: 'UnsealKeyRejected',
          message: 'vault-2 rejected the key',
          nonRetryable: true,
        }),
      );
    };
    await testEnv().withWorker(activities, async (taskQueue, id) => {
      const stack = `st${id}`;
      const err = await testEnv()
        .client.workflow.execute(UpgradeVault, {
          taskQueue,
          workflowId: upgradeWorkflowIds(stack).upgrade,
          args: [{ stack, image: IMAGE }],
        })
        .then(
          () => assert.fail('the upgrade passed'),
          (e: unknown) => e,
        );
      assert.ok(err instanceof WorkflowFailedError);
      const hold = testEnv().client.workflow.getHandle(holdWorkflowId(stack));
      await hold.result();
      assert.equal((await hold.describe()).status.name, 'COMPLETED', 'the hold was released');
    });
  });
});
