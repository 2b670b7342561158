/**
 * The operator's one-answer workflows on the time-skipping test server with stubbed activities:
 * `RunVaultCommand` (`exec`) refuses a command outside the list before any activity, and returns the
 * command's own exit code as a result (a non-zero exit is not a failure); `DiagnoseVaultStack` (`doctor`)
 * returns the worker's checks, a failed preflight as a row.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { DiagnoseVaultStack, RunVaultCommand } from '../../src/workflows';
import { stubActivities } from '../support/stub-activities';
import { timeSkippingEnv } from '../support/time-skipping';

void describe('RunVaultCommand and DiagnoseVaultStack, stubbed activities', () => {
  const testEnv = timeSkippingEnv();

  void it('RunVaultCommand: the command runs once; a non-zero exit is the result, not a failure', async () => {
    const { activities, calls } = stubActivities();
    const ran = activities.runVaultCommand;
    activities.runVaultCommand = async (i) => ({ ...(await ran(i)), exitCode: 2 });
    await testEnv().withWorker(activities, async (taskQueue, id) => {
      const out = await testEnv().client.workflow.execute(RunVaultCommand, {
        taskQueue,
        workflowId: `wf-test-exec-${id}`,
        args: [{ stack: `st${id}`, command: ['vault', 'operator', 'raft', 'list-peers'] }],
      });
      assert.equal(out.exitCode, 2);
      assert.equal(out.stdout, 'ran vault operator raft list-peers\n');
      assert.deepEqual(calls, ['runVaultCommand']);
    });
  });

  for (const [what, command] of [
    ['a shell', ['sh', '-c', 'cat /run/secrets/vault_unseal_key']],
    ['vault read', ['vault', 'read', 'sys/storage/raft/configuration']],
    ['another server', ['vault', 'status', '-address=https://elsewhere:8200']],
  ] as const) {
    void it(`RunVaultCommand with ${what}: InvalidInput before any activity`, async () => {
      const { activities, calls } = stubActivities();
      await testEnv().withWorker(activities, async (taskQueue, id) => {
        await assert.rejects(
          testEnv().client.workflow.execute(RunVaultCommand, {
            taskQueue,
            workflowId: `wf-test-exec-bad-${id}`,
            args: [{ stack: `st${id}`, command: [...command] }],
          }),
          (err: unknown) => {
            assert.ok(err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure);
            assert.equal(err.cause.type, 'InvalidInput');
            return true;
          },
        );
        assert.deepEqual(calls, []);
      });
    });
  }

  void it("DiagnoseVaultStack: the worker's checks are the result", async () => {
    const { activities, calls } = stubActivities();
    await testEnv().withWorker(activities, async (taskQueue, id) => {
      const out = await testEnv().client.workflow.execute(DiagnoseVaultStack, {
        taskQueue,
        workflowId: `wf-test-doctor-${id}`,
        args: [{ stack: `st${id}`, certExpiryWarnDays: 30 }],
      });
      assert.deepEqual(calls, ['preflight', 'diagnoseStack']);
      assert.equal(out.vaultTasks.length, 3);
      assert.deepEqual(
        out.checks.map((c) => [c.name, c.status]),
        [
          ['preflight', 'ok'],
          ['swarm', 'ok'],
        ],
      );
    });
  });

  void it('DiagnoseVaultStack: a failed preflight is a row, and the other checks still run', async () => {
    const { activities, calls } = stubActivities({
      preflight: () =>
        Promise.reject(
          ApplicationFailure.nonRetryable('TLS file /x/ca.pem is missing', 'CertificatesMissing'),
        ),
    });
    await testEnv().withWorker(activities, async (taskQueue, id) => {
      const out = await testEnv().client.workflow.execute(DiagnoseVaultStack, {
        taskQueue,
        workflowId: `wf-test-doctor-fail-${id}`,
        args: [{ stack: `st${id}`, certExpiryWarnDays: 30 }],
      });
      assert.deepEqual(calls, ['preflight', 'diagnoseStack']);
      assert.deepEqual(out.checks[0], {
        name: 'preflight',
        status: 'fail',
        detail: 'CertificatesMissing: TLS file /x/ca.pem is missing',
      });
    });
  });
});
