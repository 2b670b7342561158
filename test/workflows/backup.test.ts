/** `BackupVault` on the time-skipping test server, stubbed activities: snapshot, then retention, and what it says. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { BackupVault, ListVaultSnapshots } from '../../src/workflows';
import { stubActivities } from '../support/stub-activities';
import { timeSkippingEnv } from '../support/time-skipping';

void describe('BackupVault on the time-skipping test server, stubbed activities', () => {
  const testEnv = timeSkippingEnv();

  void it('takes the snapshot, then applies retention, and ends with both', async () => {
    const { activities, calls } = stubActivities();
    await testEnv().withWorker(activities, async (taskQueue, id) => {
      const handle = await testEnv().client.workflow.start(BackupVault, {
        taskQueue,
        workflowId: `wf-test-backup-${id}`,
        args: [{ stack: `st${id}` }],
      });
      const result = await handle.result();
      assert.deepEqual(calls, ['ensureBackupAccess', 'takeSnapshot', 'pruneSnapshots']);
      assert.equal(result.manifest.stack, `st${id}`);
      const meta = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
      assert.match(
        meta.currentDetails ?? '',
        new RegExp(
          `^\\*\\*Backup st${id}: st${id}-20260101T000000Z\\.snap\\*\\* \\(0\\.0 MiB, sha256 0{16}…\\)`,
        ),
      );
      assert.match(
        meta.currentDetails ?? '',
        /Unseals with custody record key-0001 \(vault_unseal_key_v1\)\.\nKept 0, pruned 0\.$/,
      );
    });
  });
});

void describe('ListVaultSnapshots on the time-skipping test server, stubbed activities', () => {
  const testEnv = timeSkippingEnv();

  void it('reads the listing with one read-only activity; a bad stack name is refused before it', async () => {
    const { activities, calls } = stubActivities();
    await testEnv().withWorker(activities, async (taskQueue, id) => {
      const listing = await testEnv().client.workflow.execute(ListVaultSnapshots, {
        taskQueue,
        workflowId: `wf-test-list-${id}`,
        args: [{ stack: `st${id}` }],
      });
      assert.deepEqual(calls, ['listSnapshots']);
      assert.deepEqual(listing.snapshots, []);
      await assert.rejects(
        testEnv().client.workflow.execute(ListVaultSnapshots, {
          taskQueue,
          workflowId: `wf-test-list-bad-${id}`,
          args: [{ stack: '../etc' }],
        }),
        (err: unknown) =>
          err instanceof WorkflowFailedError &&
          err.cause instanceof ApplicationFailure &&
          err.cause.type === 'InvalidInput',
      );
      assert.deepEqual(calls, ['listSnapshots'], 'nothing read for the refused input');
    });
  });
});
