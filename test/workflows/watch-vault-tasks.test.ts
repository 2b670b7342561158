/**
 * Workflow tests of `WatchVaultTasks`, the long-running Docker-events watcher, on Temporal's time-skipping
 * test server with STUBBED activities (no Docker, no Vault): one `VerifyVaultHealth` child per started-task
 * event, continue-as-new after its iteration count (same workflow id, new run id), a failed child that
 * does not stop the watcher, and (second describe) the waits routed to every swarm node's queue.
 *
 * The stubbed `waitForVaultTaskStart` answers from a script per run of the watcher: a task started, nothing
 * happened, or "block" (wait for Docker events until cancelled, heartbeating like the real one). A test that
 * inspects a watcher in flight waits for its block, asserts, and terminates the watcher.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Context } from '@temporalio/activity';
import { ActivityFailure, ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { Activities } from '../../src/activities';
import { ErrorType } from '../../src/shared/errors';
import { healthWorkflowIds } from '../../src/shared/workflow-ids';
import type { Finding, HealthReport } from '../../src/shared/health';
import { VAULT_HEALTH_VERDICT } from '../../src/shared/search-attributes';
import type { VerifyVaultHealth } from '../../src/workflows';
import { WatchVaultTasks } from '../../src/workflows';
import type { HistoryEvent } from '../support/history';
import { reportOf, stubActivities } from '../support/stub-activities';
import { timeSkippingEnv } from '../support/time-skipping';
import { eventually } from '../support/wait';

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
            'listSwarmNodes',
            'waitForVaultTaskStart',
            'readStackHold',
            'checkVaultHealth',
            'remediateNode:vault-2',
            'checkVaultHealth',
            'listSwarmNodes',
            'waitForVaultTaskStart',
            'readStackHold',
            'checkVaultHealth',
            'listSwarmNodes',
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
            2 * ITERATIONS_PER_RUN + 1,
            'per iteration: the node list, and one watch on the one node; per start: the hold read',
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

  void it(
    'a failed child does not stop the watcher: the child fails, the watcher watches on',
    { timeout: 60_000 },
    async () => {
      const message =
        'vault-1 is initialized but key custody holds no key for it: restore the custody record';
      const script: Script = (run, call) =>
        run === 0 && call === 0 ? 'started' : run === 0 ? 'block' : 'unexpected';
      const { activities, calls, blocked } = watcherActivities(
        script,
        [],
        ApplicationFailure.nonRetryable(message, ErrorType.UnsealKeyUnavailable),
      );
      await testEnv().withWorker(activities, async (taskQueue, id) => {
        const handle = await startWatcher(taskQueue, id);
        const { runId } = await blocked;
        try {
          assert.equal(runId, handle.firstExecutionRunId);
          // One check, one attempt (non-retryable), then the next watch.
          assert.deepEqual(calls, [
            'listSwarmNodes',
            'waitForVaultTaskStart',
            'readStackHold',
            'checkVaultHealth',
            'listSwarmNodes',
            'waitForVaultTaskStart',
          ]);
          const childId = `${healthWorkflowIds(`st${id}`).event}-${runId.slice(0, 8)}-0`;
          const child = await testEnv().client.workflow.getHandle(childId).describe();
          assert.equal(child.status.name, 'FAILED');
          const err: unknown = await testEnv()
            .client.workflow.getHandle(childId)
            .result()
            .then(
              () => undefined,
              (e: unknown) => e,
            );
          assert.ok(err instanceof WorkflowFailedError);
          const activity = err.cause;
          assert.ok(activity instanceof ActivityFailure && activity.cause instanceof ApplicationFailure);
          assert.equal(activity.cause.type, ErrorType.UnsealKeyUnavailable);
          assert.equal((await handle.describe()).status.name, 'RUNNING');
        } finally {
          await handle.terminate('test over');
        }
      });
    },
  );
});

void describe('WatchVaultTasks across three swarm nodes (node queues), stubbed activities', () => {
  const testEnv = timeSkippingEnv();

  /** Per node: what its waits answer, in order ('block' waits until cancelled, recording the cancel). */
  function nodeActivities(
    base: Activities,
    node: string,
    answers: ('started' | 'block' | 'stream-ended')[],
    log: string[],
  ): Activities {
    let call = 0;
    return {
      ...base,
      async waitForVaultTaskStart() {
        const answer = answers[call++] ?? 'block';
        log.push(`${node}:${answer}`);
        if (answer === 'started') return { started: true, container: `c0ffee-${node}`, nodeId: node };
        if (answer === 'stream-ended') throw new Error('the Docker events stream ended');
        const ctx = Context.current();
        const beat = setInterval(() => ctx.heartbeat(), 1_000);
        try {
          return await ctx.cancelled;
        } catch (err) {
          log.push(`${node}:cancelled`);
          throw err;
        } finally {
          clearInterval(beat);
        }
      },
    };
  }

  void it(
    'a start on any node triggers the check; the waits on the other nodes are cancelled; a node with no agent holds nothing up',
    { timeout: 60_000 },
    async () => {
      const stub = stubActivities({}, [
        reportOf('s', [{ code: 'NodeSealed', node: 'vault-2', detail: 'sealed' }]),
      ]);
      const nodes = [1, 2, 3].map((n) => ({ id: `node-${n}`, hostname: `host-${n}`, state: 'ready' }));
      const main: Activities = { ...stub.activities, listSwarmNodes: () => Promise.resolve(nodes) };
      const log: string[] = [];
      let secondRound: () => void = () => undefined;
      const reachedSecondRound = new Promise<void>((r) => (secondRound = r));
      const node1 = nodeActivities(main, 'node-1', ['block', 'block'], log);
      const node2 = nodeActivities(main, 'node-2', ['started'], log);
      // node-3 has no worker at all (its agent is down): its waits stay queued.
      const node2Then = {
        ...node2,
        async waitForVaultTaskStart(input: { stack: string; maxWaitSeconds: number }) {
          if (log.filter((l) => l.startsWith('node-2:')).length >= 1) secondRound();
          return node2.waitForVaultTaskStart(input);
        },
      };
      await testEnv().withWorker(
        main,
        async (taskQueue, id) => {
          const handle = await testEnv().client.workflow.start(WatchVaultTasks, {
            taskQueue,
            workflowId: `wf-test-watch3-${id}`,
            args: [{ stack: `st${id}` }],
          });
          try {
            await reachedSecondRound;
            const prefix = `${healthWorkflowIds(`st${id}`).event}-${handle.firstExecutionRunId.slice(0, 8)}`;
            const children = await childrenOf(
              testEnv().client,
              handle.workflowId,
              handle.firstExecutionRunId,
            );
            assert.deepEqual(children.started, [{ id: `${prefix}-0`, type: 'VerifyVaultHealth' }]);
            assert.deepEqual(children.results.get(`${prefix}-0`)?.actions, ['unsealed vault-2']);
            assert.ok(log.includes('node-2:started'), log.join(' '));
            // The cancel reaches a running activity with its next heartbeat's answer (the SDK throttles them).
            await eventually("node-1's first wait cancelled", 40_000, () =>
              Promise.resolve(log.includes('node-1:cancelled') ? true : undefined),
            );
          } finally {
            await handle.terminate('test over');
          }
        },
        { 'node-1': node1, 'node-2': node2Then },
      );
    },
  );

  void it(
    'an event stream that ends fails the wait; the retry subscribes again and the start is seen',
    { timeout: 60_000 },
    async () => {
      const stub = stubActivities({}, []);
      const log: string[] = [];
      const node1 = nodeActivities(stub.activities, 'node-1', ['stream-ended', 'started', 'block'], log);
      await testEnv().withWorker(
        stub.activities,
        async (taskQueue, id) => {
          const handle = await testEnv().client.workflow.start(WatchVaultTasks, {
            taskQueue,
            workflowId: `wf-test-watch-end-${id}`,
            args: [{ stack: `st${id}` }],
          });
          try {
            const prefix = `${healthWorkflowIds(`st${id}`).event}-${handle.firstExecutionRunId.slice(0, 8)}`;
            const child = testEnv().client.workflow.getHandle<typeof VerifyVaultHealth>(`${prefix}-0`);
            await eventually('the check the start triggered', 30_000, () => child.describe());
            const report = await child.result();
            assert.equal(report.verdict, 'Healthy');
            assert.deepEqual(log.slice(0, 2), ['node-1:stream-ended', 'node-1:started']);
            assert.equal((await handle.describe()).status.name, 'RUNNING');
          } finally {
            await handle.terminate('test over');
          }
        },
        { 'node-1': node1 },
      );
    },
  );

  void it(
    'a check that leaves something to fix is followed by a recheck with no start (a lost node back lets a slot go home); a healthy one ends them',
    { timeout: 90_000 },
    async () => {
      const away: Finding = {
        code: 'SlotAwayFromHome',
        node: 'vault-1',
        detail: "vault-1 runs on vault-3's home; its own is down",
      };
      // The start's check: away before remediation and after it (its home was down, nothing was done); the
      // recheck: healthy (the home is back and the check put the slot there).
      const stub = stubActivities({}, [reportOf('s', [away]), reportOf('s', [away]), reportOf('s')]);
      const log: string[] = [];
      // One start, then every wait blocks: only the watcher's own timer can lead to the second check.
      const node1 = nodeActivities(stub.activities, 'node-1', ['started'], log);
      await testEnv().withWorker(
        stub.activities,
        async (taskQueue, id) => {
          const handle = await testEnv().client.workflow.start(WatchVaultTasks, {
            taskQueue,
            workflowId: `wf-test-watch-recheck-${id}`,
            args: [{ stack: `st${id}` }],
          });
          try {
            const prefix = `${healthWorkflowIds(`st${id}`).event}-${handle.firstExecutionRunId.slice(0, 8)}`;
            const recheck = testEnv().client.workflow.getHandle<typeof VerifyVaultHealth>(`${prefix}-1`);
            await eventually('the recheck', 60_000, () => recheck.describe());
            assert.equal((await recheck.result()).verdict, 'Healthy');
            assert.equal(
              await (await recheck.describe()).staticSummary(),
              `Health st${id} (recheck)`,
              'the UI says why it ran',
            );
            assert.deepEqual(
              log.filter((l) => l.endsWith(':started')),
              ['node-1:started'],
              'one start only: the second check is the recheck',
            );
            assert.deepEqual(
              stub.calls.filter((c) => c === 'checkVaultHealth' || c.startsWith('remediateNode')),
              ['checkVaultHealth', 'remediateNode:vault-1', 'checkVaultHealth', 'checkVaultHealth'],
            );
            // Healthy: no third check follows; the watcher waits for starts again.
            await new Promise((r) => setTimeout(r, 3_000));
            const { started } = await childrenOf(
              testEnv().client,
              handle.workflowId,
              handle.firstExecutionRunId,
            );
            assert.equal(started.length, 2);
            assert.equal((await handle.describe()).status.name, 'RUNNING');
          } finally {
            await handle.terminate('test over');
          }
        },
        { 'node-1': node1 },
      );
    },
  );

  void it(
    'the next window begins where the previous wait ended, not after the check: a start during a long check is replayed',
    { timeout: 60_000 },
    async () => {
      const stub = stubActivities({}, []);
      // Times on the test server's clock (which skips ahead of this process's): when each wait was scheduled.
      const waits: { sinceMs?: number; scheduledMs: number }[] = [];
      const node1: Activities = {
        ...stub.activities,
        async waitForVaultTaskStart(input) {
          const ctx = Context.current();
          const scheduledMs = ctx.info.currentAttemptScheduledTimestampMs;
          waits.push({ sinceMs: input.sinceMs, scheduledMs });
          if (waits.length === 1)
            return { started: true, container: 'c0ffee-1', nodeId: 'node-1', atMs: scheduledMs };
          const beat = setInterval(() => ctx.heartbeat(), 1_000);
          try {
            return await ctx.cancelled;
          } finally {
            clearInterval(beat);
          }
        },
      };
      // The check the start leads to takes a while (3 s of real time, so of workflow time too).
      const main: Activities = {
        ...stub.activities,
        async checkVaultHealth(input) {
          await new Promise((r) => setTimeout(r, 3_000));
          return stub.activities.checkVaultHealth(input);
        },
      };
      await testEnv().withWorker(
        main,
        async (taskQueue, id) => {
          const handle = await testEnv().client.workflow.start(WatchVaultTasks, {
            taskQueue,
            workflowId: `wf-test-watch-window-${id}`,
            args: [{ stack: `st${id}` }],
          });
          try {
            await eventually('the wait after the check', 30_000, () =>
              Promise.resolve(waits.length >= 2 ? true : undefined),
            );
            const [first, second] = waits as [(typeof waits)[0], (typeof waits)[0]];
            assert.ok(second.sinceMs !== undefined, 'the wait names its window');
            // After the start handled, and before the check: the 3 s check lies inside the window.
            assert.ok(second.sinceMs > first.scheduledMs, `${second.sinceMs} vs ${first.scheduledMs}`);
            assert.ok(
              second.sinceMs <= second.scheduledMs - 3_000,
              `the window begins ${second.scheduledMs - second.sinceMs} ms before the next wait`,
            );
          } finally {
            await handle.terminate('test over');
          }
        },
        { 'node-1': node1 },
      );
    },
  );
});
