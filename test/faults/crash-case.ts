/**
 * One crash case end to end: a fresh stack, a worker started with one fault point (crash), the bootstrap
 * started with the client, the worker dead by SIGKILL at that point, a new worker without fault points,
 * and the same workflow completing; then the end state is checked (`assertBootstrapped`) and the stack
 * removed (`cleanupWithoutLeaks`). A fault point the run does not reach fails the case.
 */
import assert from 'node:assert/strict';
import type { Client } from '@temporalio/client';
import { bootstrapWorkflowId } from '../../src/shared/workflow-ids';
import { BOOTSTRAP_STEPS } from '../../src/shared/steps';
import { activityCounts, attemptsByActivity, historyOf } from '../support/history';
import type { FaultCase } from './catalog';
import { assertBootstrapped, withTestRun } from './end-state';
import { expectCrashAt } from './fault-control';
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
    const result = await handle.result();
    count('runsCompleted');

    const events = await historyOf(client, handle.workflowId);
    const attempts = attemptsByActivity(events);
    const at = BOOTSTRAP_STEPS.indexOf(c.step);
    assert.ok((attempts.get(c.step) ?? 0) >= 2, `${c.step} was retried after the crash`);
    for (const step of BOOTSTRAP_STEPS.slice(0, at))
      assert.equal(attempts.get(step), 1, `${step} completed before the crash and never ran again`);
    for (const [type, n] of activityCounts(events))
      assert.deepEqual(n, { scheduled: 1, completed: 1 }, `${type} was scheduled and completed once`);
    await assertBootstrapped(run, client, result);
  });
}
