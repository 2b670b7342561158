/**
 * One crash case end to end: a fresh stack, a worker started with one fault point (crash), the bootstrap
 * started with the client, the worker dead by SIGKILL at that point, a new worker without fault points,
 * and the same workflow completing; then the end state is checked (`assertBootstrapped`) and the stack
 * removed (`cleanupWithoutLeaks`). A fault point the run does not reach fails the case.
 */
import assert from 'node:assert/strict';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import { bootstrapWorkflowId } from '../../src/shared/constants';
import { BOOTSTRAP_STEPS } from '../../src/shared/steps';
import { activityCounts, attemptsByActivity, historyOf } from '../support/history';
import type { FaultCase } from './catalog';
import { assertBootstrapped, removeStackAndData, withTestRun } from './end-state';
import { expectCrashAt, innermostFailure } from './fault-control';
import { custodyOf, listDir, vaultStatusBySlot } from './stack-state';
import type { TestRun } from '../support/testbed';
import { count } from './summary';
import type { BootstrapVault } from '../../src/workflows';

/** Runs one crash case end to end; see the file comment. */
export async function runCrashCase(c: FaultCase, client: Client): Promise<void> {
  await withTestRun(async (run) => {
    const worker = run.startWorker({ VAULT_BOOTSTRAP_FAILPOINTS: c.point });
    const start = await run.client(['bootstrap']);
    assert.equal(start.code, 0, start.out);
    const handle = client.workflow.getHandle<typeof BootstrapVault>(bootstrapWorkflowId(run.stack));
    await expectCrashAt(run, worker, handle, c.point);

    run.startWorker();
    if (c.expect === 'UnsealKeyUnavailable') {
      await assertWindowOutcome(run, handle);
      // The documented recovery: the cluster holds no data yet; remove the stack and its data, run again.
      await removeStackAndData(run);
      const again = await run.client(['bootstrap', '--wait']);
      assert.equal(again.code, 0, again.out);
    }
    const result = await handle.result();
    count('runsCompleted');

    const events = await historyOf(client, handle.workflowId);
    const attempts = attemptsByActivity(events);
    const at = BOOTSTRAP_STEPS.indexOf(c.step);
    if (c.expect === 'complete') {
      assert.ok((attempts.get(c.step) ?? 0) >= 2, `${c.step} was retried after the crash`);
      for (const step of BOOTSTRAP_STEPS.slice(0, at))
        assert.equal(attempts.get(step), 1, `${step} completed before the crash and never ran again`);
      for (const [type, n] of activityCounts(events))
        assert.deepEqual(n, { scheduled: 1, completed: 1 }, `${type} was scheduled and completed once`);
    }
    await assertBootstrapped(run, client, result);
  });
}

/**
 * The crash fell between `sys/init` answering and the record reaching disk: the key is gone with the
 * process. The next attempt must fail by name and touch nothing: no record, no key secret, vault-1
 * initialized and sealed, the peers untouched.
 */
async function assertWindowOutcome(run: TestRun, handle: WorkflowHandle): Promise<void> {
  let failure: ApplicationFailure | undefined;
  await assert.rejects(handle.result(), (err: unknown) => {
    failure = innermostFailure(err);
    return true;
  });
  count('namedFailures');
  assert.equal(failure?.type, 'UnsealKeyUnavailable', String(failure));
  assert.equal(failure?.nonRetryable, true);
  assert.match(failure?.message ?? '', /Nothing was changed/);
  count('keysLostInWindow', 1);

  const { dir } = custodyOf(run);
  assert.deepEqual(
    listDir(dir).filter((f) => f.startsWith(run.stack)),
    [],
    'no custody record was written',
  );
  const family = await run.docker.listSecrets({ filters: { name: [run.secretBase] } });
  assert.deepEqual(
    family.map((s) => s.Spec?.Name),
    [run.secretBase],
    'only the placeholder secret: nothing was rotated',
  );
  const status = await vaultStatusBySlot(run.stack);
  assert.ok(
    status.get(1)?.initialized && status.get(1)?.sealed,
    `vault-1 initialized and sealed: ${status.get(1)?.text}`,
  );
  for (const slot of [2, 3]) assert.equal(status.get(slot)?.initialized, false, `vault-${slot} untouched`);
}
