/**
 * `RestoreDrill` on the time-skipping test server with stubbed activities: the throwaway stack is removed
 * after a drill that passed, one that failed with a named failure, and one that was cancelled mid-way; the
 * outcome is recorded for the health report and set as the search attribute `VaultRestoreDrill`. One drill
 * of a stack runs at a time, whoever asked: `backup drill` attaches to one running, a scheduled run waits.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import type { DrillRecord } from '../../src/shared/backup';
import { VAULT_RESTORE_DRILL } from '../../src/shared/search-attributes';
import { backupDrill } from '../../src/client/commands/backup/drill';
import { loadClientConfig } from '../../src/config/client';
import { backupWorkflowIds } from '../../src/shared/workflow-ids';
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

  /** Runs a drill of `st<id>` under its drill id that must fail; resolves with its handle and the failure. */
  async function failedDrill(taskQueue: string, id: string) {
    const handle = await testEnv().client.workflow.start(RestoreDrill, {
      taskQueue,
      workflowId: backupWorkflowIds(`st${id}`).drill,
      args: [{ stack: `st${id}` }],
    });
    const err = await handle.result().then(
      () => assert.fail('the drill passed'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WorkflowFailedError);
    return { handle, err };
  }

  void it('passes: removes the throwaway stack, records ok, sets VaultRestoreDrill=ok', async () => {
    const { activities, calls, records } = stubs();
    await testEnv().withWorker(activities, async (taskQueue, id) => {
      const handle = await testEnv().client.workflow.start(RestoreDrill, {
        taskQueue,
        workflowId: backupWorkflowIds(`st${id}`).drill,
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
      const { handle } = await failedDrill(taskQueue, id);
      assert.deepEqual(calls, ['runRestoreDrill', 'recordDrill', 'removeDrillStack']);
      assert.equal(records[0]?.ok, false);
      assert.match(records[0]?.error ?? '', /^SnapshotCorrupt: the newest snapshot x\.snap/);
      const described = await handle.describe();
      assert.equal(described.typedSearchAttributes.get(VAULT_RESTORE_DRILL), 'failed:SnapshotCorrupt');
    });
  });

  // Issue 27: a foreign `<stack>-drill` refuses the drill and its clean-up alike (ForeignDrillStack). The clean-up
  // ran first and failed the run, so the failure was never recorded and `verify` kept showing the drill before
  // as OK. Now the failure is recorded first, and the run fails with the drill's own error.
  void it('the clean-up refused too (a foreign <stack>-drill): the failure is recorded all the same, the run fails with the drill’s error', async () => {
    const foreign = () =>
      ApplicationFailure.create({
        type: 'ForeignDrillStack',
        message: 'stack x-drill has service x-drill_app without the label io.iklimco.restore-drill',
        nonRetryable: true,
      });
    const { activities, calls, records } = stubs(() => Promise.reject(foreign()));
    activities.removeDrillStack = () => {
      calls.push('removeDrillStack');
      return Promise.reject(foreign());
    };
    await testEnv().withWorker(activities, async (taskQueue, id) => {
      const { handle, err } = await failedDrill(taskQueue, id);
      assert.match(
        String((err.cause?.cause as Error | undefined)?.message),
        /x-drill_app without the label/,
        'the drill’s own error',
      );
      assert.deepEqual(calls, ['runRestoreDrill', 'recordDrill', 'removeDrillStack']);
      assert.equal(records.length, 1);
      assert.match(records[0]?.error ?? '', /^ForeignDrillStack: /);
      const described = await handle.describe();
      assert.equal(described.typedSearchAttributes.get(VAULT_RESTORE_DRILL), 'failed:ForeignDrillStack');
    });
  });

  /**
   * `runRestoreDrill` held until `release()`: counts the attempts, and how many ran at once (two drills of a
   * stack at once remove each other's throwaway stack).
   */
  function gatedDrill() {
    const { activities, calls, records } = stubs();
    const base = activities.runRestoreDrill;
    const gate = { started: 0, inFlight: 0, maxInFlight: 0, released: false };
    let entered: () => void = () => undefined;
    const firstEntered = new Promise<void>((r) => (entered = r));
    activities.runRestoreDrill = async (i) => {
      gate.started++;
      gate.maxInFlight = Math.max(gate.maxInFlight, ++gate.inFlight);
      entered();
      const ctx = Context.current();
      try {
        while (!gate.released) {
          ctx.heartbeat();
          await ctx.sleep(100);
        }
        return await base(i);
      } finally {
        gate.inFlight--;
      }
    };
    return { activities, calls, records, gate, firstEntered };
  }

  // Issue 27, item 3 (c): `backup drill` gave each call an id of its own, so a second call started a rival drill
  // that removed the first one's throwaway stack. Under the stack's one drill id, the second attaches.
  void it('backup drill twice while one runs: the second attaches to the first, one drill', async () => {
    const { activities, gate, firstEntered } = gatedDrill();
    await testEnv().withWorker(activities, async (taskQueue, id) => {
      const stack = `st${id}`;
      const config = loadClientConfig({});
      const ctx = {
        client: testEnv().client,
        config: { ...config, temporal: { ...config.temporal, taskQueue } },
        stack,
        output: 'text' as const,
      };
      assert.equal(await backupDrill(ctx, { wait: false }), 0);
      await firstEntered;
      assert.equal(await backupDrill(ctx, { wait: false }), 0);
      await new Promise((r) => setTimeout(r, 1_000));
      assert.equal(gate.started, 1, 'no rival drill');
      gate.released = true;
      const handle = testEnv().client.workflow.getHandle(backupWorkflowIds(stack).drill);
      await handle.result();
      // Attached, not a run under an id of its own: that one would hand a second drill to a child under the
      // drill id once the first ended (its retry timer is a minute).
      await testEnv().env.sleep('3 minutes');
      await new Promise((r) => setTimeout(r, 1_000));
      assert.deepEqual(
        { started: gate.started, maxInFlight: gate.maxInFlight },
        { started: 1, maxInFlight: 1 },
        'one drill in all: the second call attached to the first',
      );
    });
  });

  // (c) continued: a scheduled run (an id of its own, given by the server) while a drill of the stack runs used
  // to drill beside it. Now it hands the drill to the stack's drill id, waits while one runs, then drills.
  void it('a scheduled run while a drill runs: waits for it to end, never drills beside it', async () => {
    const { activities, gate, firstEntered } = gatedDrill();
    await testEnv().withWorker(activities, async (taskQueue, id) => {
      const stack = `st${id}`;
      const first = await testEnv().client.workflow.start(RestoreDrill, {
        taskQueue,
        workflowId: backupWorkflowIds(stack).drill,
        args: [{ stack }],
      });
      await firstEntered;
      const scheduled = await testEnv().client.workflow.start(RestoreDrill, {
        taskQueue,
        workflowId: `${backupWorkflowIds(stack).drillSchedule}-2026-12-06T00:00:00Z`,
        args: [{ stack }],
      });
      await new Promise((r) => setTimeout(r, 1_500));
      assert.equal(gate.started, 1, 'no second drill while the first runs');
      gate.released = true;
      await first.result();
      await testEnv().env.sleep('1 minute'); // the scheduled run's next look
      const result = await scheduled.result();
      assert.equal(result.canary.read, result.canary.expected);
      assert.deepEqual(
        { started: gate.started, maxInFlight: gate.maxInFlight },
        { started: 2, maxInFlight: 1 },
      );
    });
  });

  // Last: its cancelled activity stays pending on the test server until its heartbeat times out, and while it
  // does the server skips no time (the scheduled run's minute above would take a real minute).
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
        workflowId: backupWorkflowIds(`st${id}`).drill,
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
