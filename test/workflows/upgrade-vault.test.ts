/**
 * `UpgradeVault` on the time-skipping test server with stubbed activities: the snapshot and its drill before
 * anything restarts, the stack held while the image rolls out and released after (its check runs), and a
 * rollout that fails (`UpgradeNodeUnhealthy`) still releases the hold; `--rollback` checks for a quorum.
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

  void it('--rollback checks for a quorum (checkRollback), not all three, and passes the node timeout on', async () => {
    const { activities, calls } = stubActivities();
    const rolled: unknown[] = [];
    const roll = activities.rollImage;
    activities.planUpgrade = () => {
      calls.push('planUpgrade');
      return Promise.resolve({ changed: false, from: IMAGE, to: 'openbao:2.7.1', summary: 'back' });
    };
    activities.rollImage = (input) => {
      rolled.push(input);
      return roll(input);
    };
    await testEnv().withWorker(activities, async (taskQueue, id) => {
      const stack = `st${id}`;
      const result = await testEnv().client.workflow.execute(UpgradeVault, {
        taskQueue,
        workflowId: upgradeWorkflowIds(stack).upgrade,
        args: [{ stack, rollback: true, nodeTimeoutMs: 90_000 }],
      });
      assert.equal(result.steps[1]?.step, 'checkCluster');
      assert.match(result.steps[1]?.summary ?? '', /vault-2 does not serve/);
      assert.deepEqual(calls.slice(0, 2), ['planUpgrade', 'checkRollback']);
      assert.deepEqual(rolled, [{ stack, image: result.to, nodeTimeoutMs: 90_000 }]);

      // None down: the whole check too, as before an upgrade.
      activities.checkRollback = () => {
        calls.push('checkRollback');
        return Promise.resolve({ changed: false, down: [], summary: 'all serve' });
      };
      calls.length = 0;
      const again = await testEnv().client.workflow.execute(UpgradeVault, {
        taskQueue,
        workflowId: `${upgradeWorkflowIds(stack).upgrade}-again`,
        args: [{ stack, rollback: true }],
      });
      const checks = calls.filter((c) => ['planUpgrade', 'checkRollback', 'verifyCluster'].includes(c));
      assert.deepEqual(checks.slice(0, 3), ['planUpgrade', 'checkRollback', 'verifyCluster']);
      assert.doesNotMatch(again.steps[1]?.summary ?? '', /all serve/);
    });
  });

  void it('a node timeout out of bounds: InvalidInput before any activity', async () => {
    const { activities, calls } = stubActivities();
    await testEnv().withWorker(activities, async (taskQueue, id) => {
      const err = await testEnv()
        .client.workflow.execute(UpgradeVault, {
          taskQueue,
          workflowId: upgradeWorkflowIds(`st${id}`).upgrade,
          args: [{ stack: `st${id}`, image: IMAGE, nodeTimeoutMs: 1_000 }],
        })
        .then(
          () => assert.fail('the upgrade started'),
          (e: unknown) => e,
        );
      assert.ok(err instanceof WorkflowFailedError);
      assert.ok(
        err.cause instanceof ApplicationFailure && err.cause.type === 'InvalidInput',
        String(err.cause),
      );
      assert.deepEqual(calls, []);
    });
  });

  void it('a rollout that fails: the run fails by name and the hold is released all the same', async () => {
    const { activities, calls } = stubActivities();
    activities.rollImage = () => {
      calls.push('rollImage');
      return Promise.reject(
        ApplicationFailure.create({
          type: 'UpgradeNodeUnhealthy',
          message: 'vault-2 did not serve on openbao:2.7.2 within 300s of its replacement',
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
      assert.equal((err.cause?.cause as ApplicationFailure | undefined)?.type, 'UpgradeNodeUnhealthy');
      const hold = testEnv().client.workflow.getHandle(holdWorkflowId(stack));
      await hold.result();
      assert.equal((await hold.describe()).status.name, 'COMPLETED', 'the hold was released');
    });
  });
});
