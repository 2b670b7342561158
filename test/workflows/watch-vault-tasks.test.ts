/**
 * Workflow tests of `WatchVaultTasks`, the long-running Docker-events watcher, on Temporal's time-skipping
 * test server with STUBBED activities (no Docker, no Vault): one `VerifyVaultHealth` child per started-task
 * event, continue-as-new after its iteration count (same workflow id, new run id), and what a failed child
 * does to the watcher today.
 *
 * The stubbed `waitForVaultTaskStart` answers from a script per run of the watcher: a task started, nothing
 * happened, or "block" (wait for Docker events until cancelled, heartbeating like the real one). A test that
 * inspects a watcher in flight waits for its block, asserts, and terminates the watcher.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Context } from '@temporalio/activity';
import {
  ActivityFailure,
  ApplicationFailure,
  ChildWorkflowFailure,
  WorkflowFailedError,
} from '@temporalio/client';
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { Activities } from '../../src/activities';
import { ErrorType } from '../../src/shared/errors';
import { healthWorkflowIds } from '../../src/shared/health';
import type { Finding, HealthReport } from '../../src/shared/health';
import { VAULT_HEALTH_VERDICT } from '../../src/shared/search-attributes';
import { WatchVaultTasks } from '../../src/workflows';
import type { HistoryEvent } from '../support/history';
import { reportOf, stubActivities } from '../support/stub-activities';
import { timeSkippingEnv } from '../support/time-skipping';

/** `ITERATIONS_PER_RUN` of src/workflows/watch-vault-tasks.ts (not exported): pinned here on purpose. */
const ITERATIONS_PER_RUN = 50;

/** What the stubbed watch activity answers on call `call` (0-based) of run `run` (0-based) of the watcher. */
type Answer = 'started' | 'quiet' | 'block' | 'unexpected';
type Script = (run: number, call: number) => Answer;

interface Blocked {
  runId: string;
  run: number;
}

/**
 * The stub activities with a scripted `waitForVaultTaskStart`. `calls` lists every activity call in order;
 * `blocked` resolves when a call blocks (and rejects on an unexpected call); `stacks` holds the stack each watch call was asked about.
 */
function watcherActivities(
  script: Script,
  healthReports: HealthReport[] = [],
  checkFails?: ApplicationFailure,
): { activities: Activities; calls: string[]; stacks: string[]; blocked: Promise<Blocked> } {
  const base = stubActivities({}, healthReports);
  const calls = base.calls;
  const stacks: string[] = [];
  const runs: string[] = [];
  const callsPerRun = new Map<string, number>();
  let onBlocked: (b: Blocked) => void = () => undefined;
  let onUnexpected: (err: Error) => void = () => undefined;
  const blocked = new Promise<Blocked>((resolve, reject) => {
    onBlocked = resolve;
    onUnexpected = reject;
  });
  // A test that never awaits `blocked` must not die of an unhandled rejection; one that does still sees it.
  blocked.catch(() => undefined);

  const activities: Activities = {
    ...base.activities,
    checkVaultHealth(input) {
      if (!checkFails) return base.activities.checkVaultHealth(input);
      calls.push('checkVaultHealth');
      return Promise.reject(checkFails);
    },
    async waitForVaultTaskStart(input) {
      calls.push('waitForVaultTaskStart');
      stacks.push(input.stack);
      const ctx = Context.current();
      const runId = ctx.info.workflowExecution?.runId ?? '?';
      if (!runs.includes(runId)) runs.push(runId);
      const run = runs.indexOf(runId);
      const call = callsPerRun.get(runId) ?? 0;
      callsPerRun.set(runId, call + 1);
      switch (script(run, call)) {
        case 'started':
          return { started: true, container: `c0ffee${run}${call}` };
        case 'quiet':
          return { started: false };
        case 'block': {
          // Waits for Docker events that never come, heartbeating like the real activity, until the worker
          // shuts down or the watcher is terminated (both cancel it).
          onBlocked({ runId, run });
          const beat = setInterval(() => ctx.heartbeat(), 1_000);
          try {
            return await ctx.cancelled;
          } finally {
            clearInterval(beat);
          }
        }
        case 'unexpected': {
          // Fails the watcher, and the test that waits for a block at once instead of at its timeout.
          const err = ApplicationFailure.nonRetryable(
            `the test did not expect watch call ${call} of run ${run}`,
            'UnexpectedTestCall',
          );
          onUnexpected(err);
          throw err;
        }
      }
    },
  };
  return { activities, calls, stacks, blocked };
}

/** The child workflows a run started and completed, by workflow id, with their results. */
async function childrenOf(
  client: Client,
  workflowId: string,
  runId: string,
): Promise<{ started: { id: string; type: string }[]; results: Map<string, HealthReport> }> {
  const { events } = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const started: { id: string; type: string }[] = [];
  const results = new Map<string, HealthReport>();
  for (const e of events ?? []) {
    const s = e.childWorkflowExecutionStartedEventAttributes;
    if (s) started.push({ id: s.workflowExecution?.workflowId ?? '?', type: s.workflowType?.name ?? '?' });
    const c = e.childWorkflowExecutionCompletedEventAttributes;
    const payload = c?.result?.payloads?.[0];
    if (c && payload) {
      results.set(
        c.workflowExecution?.workflowId ?? '?',
        defaultPayloadConverter.fromPayload<HealthReport>(payload),
      );
    }
  }
  return { started, results };
}

function count(events: HistoryEvent[], pick: (e: HistoryEvent) => unknown): number {
  return events.filter((e) => pick(e) != null).length;
}

void describe('WatchVaultTasks on the time-skipping test server, stubbed activities', () => {
  const testEnv = timeSkippingEnv();

  function startWatcher(taskQueue: string, id: string) {
    return testEnv().client.workflow.start(WatchVaultTasks, {
      taskQueue,
      workflowId: `wf-test-watch-${id}`,
      args: [{ stack: `st${id}` }],
    });
  }

  void it(
    'runs one VerifyVaultHealth child with remediation per started-task event',
    { timeout: 60_000 },
    async () => {
      const sealed: Finding = { code: 'NodeSealed', node: 'vault-2', detail: 'vault-2 is sealed' };
      const script: Script = (run, call) =>
        run === 0 && call < 2 ? 'started' : run === 0 ? 'block' : 'unexpected';
      const { activities, calls, blocked } = watcherActivities(script, [
        reportOf('s', [sealed]),
        reportOf('s'),
        reportOf('s'),
      ]);
      await testEnv().withWorker(activities, async (taskQueue, id) => {
        const handle = await startWatcher(taskQueue, id);
        const { runId } = await blocked;
        try {
          assert.equal(runId, handle.firstExecutionRunId, 'still the first run');
          assert.deepEqual(calls, [
            'waitForVaultTaskStart',
            'checkVaultHealth',
            'remediateVaultHealth',
            'checkVaultHealth',
            'waitForVaultTaskStart',
            'checkVaultHealth',
            'waitForVaultTaskStart',
          ]);

          const prefix = `${healthWorkflowIds(`st${id}`).event}-${runId.slice(0, 8)}`;
          const children = await childrenOf(testEnv().client, handle.workflowId, runId);
          assert.deepEqual(children.started, [
            { id: `${prefix}-0`, type: 'VerifyVaultHealth' },
            { id: `${prefix}-1`, type: 'VerifyVaultHealth' },
          ]);
          assert.deepEqual(children.results.get(`${prefix}-0`)?.actions, ['unsealed vault-2']);
          assert.deepEqual(children.results.get(`${prefix}-0`)?.findingsBefore, [sealed]);
          assert.deepEqual(children.results.get(`${prefix}-1`)?.actions, []);
          for (const child of children.started) {
            const described = await testEnv().client.workflow.getHandle(child.id).describe();
            assert.equal(described.status.name, 'COMPLETED', `${child.id} completed`);
            assert.equal(described.typedSearchAttributes.get(VAULT_HEALTH_VERDICT), 'Healthy');
          }
        } finally {
          await handle.terminate('test over');
        }
      });
    },
  );

  void it(
    `continues as new after ${ITERATIONS_PER_RUN} iterations: same workflow id, new run id, same input`,
    { timeout: 120_000 },
    async () => {
      // Run 0: one event at iteration 10, quiet otherwise. Run 1: an event at once, then it waits.
      const script: Script = (run, call) => {
        if (run === 0) return call === 10 ? 'started' : call < ITERATIONS_PER_RUN ? 'quiet' : 'unexpected';
        if (run === 1) return call === 0 ? 'started' : call === 1 ? 'block' : 'unexpected';
        return 'unexpected';
      };
      const { activities, calls, stacks, blocked } = watcherActivities(script);
      await testEnv().withWorker(activities, async (taskQueue, id) => {
        const handle = await startWatcher(taskQueue, id);
        const second = await blocked;
        try {
          const client = testEnv().client;
          const firstRunId = handle.firstExecutionRunId;
          assert.equal(second.run, 1, 'the block is in the second run');

          // The workflow id now names the second run, which runs.
          const latest = await handle.describe();
          assert.equal(latest.workflowId, handle.workflowId);
          assert.equal(latest.runId, second.runId);
          assert.notEqual(latest.runId, firstRunId);
          assert.equal(latest.status.name, 'RUNNING');

          // The first run ended by continuing as new into the second, after exactly its iteration count.
          const first = client.workflow.getHandle(handle.workflowId, firstRunId);
          assert.equal((await first.describe()).status.name, 'CONTINUED_AS_NEW');
          const firstEvents = (await first.fetchHistory()).events ?? [];
          const last = firstEvents[firstEvents.length - 1];
          assert.equal(last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId, second.runId);
          assert.equal(
            count(firstEvents, (e) => e.activityTaskScheduledEventAttributes),
            ITERATIONS_PER_RUN,
            'one watch activity per iteration',
          );
          const secondEvents = (await handle.fetchHistory()).events ?? [];
          assert.equal(
            secondEvents[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId,
            firstRunId,
          );

          // Same input in both runs; one child per event in each run, named after its run.
          assert.ok(
            stacks.every((s) => s === `st${id}`),
            'every watch call is about the same stack',
          );
          assert.equal(calls.filter((c) => c === 'waitForVaultTaskStart').length, ITERATIONS_PER_RUN + 2);
          const event = healthWorkflowIds(`st${id}`).event;
          assert.deepEqual(
            (await childrenOf(client, handle.workflowId, firstRunId)).started.map((c) => c.id),
            [`${event}-${firstRunId.slice(0, 8)}-10`],
          );
          assert.deepEqual(
            (await childrenOf(client, handle.workflowId, second.runId)).started.map((c) => c.id),
            [`${event}-${second.runId.slice(0, 8)}-0`],
          );
        } finally {
          await handle.terminate('test over');
        }
      });
    },
  );

  // CURRENT BEHAVIOUR, PINNED: a child that fails (here: the health check fails non-retryably) fails the
  // whole watcher, which then watches nothing until the schedule's next check or a restart of the watcher.
  // Issue 8 changes this (a failed check must not stop the watching); when it lands, this test must be
  // flipped to expect the watcher to record the failure and go on watching.
  void it(
    'TODAY a failed child fails the watcher (issue 8 will flip this)',
    { timeout: 60_000 },
    async () => {
      const message =
        'vault-1 is initialized but key custody holds no key for it: restore the custody record';
      const script: Script = (run, call) => (run === 0 && call === 0 ? 'started' : 'unexpected');
      const { activities, calls } = watcherActivities(
        script,
        [],
        ApplicationFailure.nonRetryable(message, ErrorType.UnsealKeyUnavailable),
      );
      await testEnv().withWorker(activities, async (taskQueue, id) => {
        const handle = await startWatcher(taskQueue, id);
        const err: unknown = await handle.result().then(
          () => assert.fail('the watcher should have failed'),
          (e: unknown) => e,
        );

        assert.ok(err instanceof WorkflowFailedError, `WorkflowFailedError, got ${String(err)}`);
        const child = err.cause;
        assert.ok(
          child instanceof ChildWorkflowFailure,
          `caused by a ChildWorkflowFailure, got ${String(child)}`,
        );
        assert.equal(child.workflowType, 'VerifyVaultHealth');
        assert.equal(
          child.execution.workflowId,
          `${healthWorkflowIds(`st${id}`).event}-${handle.firstExecutionRunId.slice(0, 8)}-0`,
        );
        const activity = child.cause;
        assert.ok(activity instanceof ActivityFailure, 'caused by an ActivityFailure');
        assert.equal(activity.activityType, 'checkVaultHealth');
        const app = activity.cause;
        assert.ok(app instanceof ApplicationFailure, 'caused by an ApplicationFailure');
        assert.equal(app.type, ErrorType.UnsealKeyUnavailable);
        assert.equal(app.nonRetryable, true);
        assert.equal(app.message, message);

        // One check, one attempt, and the watcher stopped watching: no second watch call, no new run.
        assert.deepEqual(calls, ['waitForVaultTaskStart', 'checkVaultHealth']);
        const described = await handle.describe();
        assert.equal(described.status.name, 'FAILED');
        assert.equal(described.runId, handle.firstExecutionRunId);
      });
    },
  );
});
