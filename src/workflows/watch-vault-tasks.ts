/**
 * `WatchVaultTasks`: faster than the schedule. Docker's container events are node-local, so on every swarm
 * node a long-running activity (on that node's queue, run by its worker or node agent) waits for a Vault
 * task of the stack to start there (a restart by Swarm comes back sealed); the moment one does, the other
 * waits are cancelled and a `VerifyVaultHealth` child runs with remediation, so the node is unsealed within
 * seconds instead of at the next scheduled check. A node with no agent just leaves its wait queued. While an
 * operator holds the stack (`vault-bootstrap hold`) a start is noted in the log and nothing is started.
 *
 * A failed check does not stop the watcher (the next event or scheduled run tries again), nor does an
 * event stream that ends (the wait fails and is retried). The loop continues-as-new regularly, so its
 * history stays small forever. Events missed while no worker runs are covered by the schedule.
 */
import {
  CancellationScope,
  continueAsNew,
  executeChild,
  isCancellation,
  log,
  patched,
  proxyActivities,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import { healthRunSummary } from '../shared/run-text';
import type { Activities } from '../activities';
import { nodeTaskQueue } from '../shared/constants';
import { describeFailure } from '../shared/errors';
import { healthWorkflowIds } from '../shared/workflow-ids';
import { HOLD_PATCH, NODE_ROUTING_PATCH, RECHECK_PATCH, WATCH_WINDOW_PATCH } from './patches';
import { REMEDIABLE } from '../shared/health';
import { VerifyVaultHealth } from './verify-vault-health';
import { watchNodeWait, watchRead, watchWait } from './activity-options';
import { checkWatchInput } from '../shared/inputs';

const watch = proxyActivities<Activities>(watchWait);
const read = proxyActivities<Activities>(watchRead);

/** Iterations before continue-as-new: each is ~10 events per node, far below any history limit. */
const ITERATIONS_PER_RUN = 50;
const MAX_WAIT_SECONDS = 3600;

/**
 * After a check that left something to fix (a finding remediation acts on, or the check failed), the watcher
 * checks again after these delays, start or no start, then leaves the rest to the schedule. What heals such a
 * state is often not a task start: a lost node back in the swarm lets a slot that waited away from its home be
 * put back (`rehomeSlots`), and no Vault task starts until a check does that (issue 31).
 */
const RECHECK_SECONDS = [15, 30, 60, 120, 240] as const;

type TaskStart = { started: boolean; container?: string; nodeId?: string; atMs?: number; recheck?: boolean };

/**
 * Waits for a Vault task to start on any node of the swarm; the waits on the other nodes are cancelled. With
 * `recheckSeconds`, gives up after that long with `recheck: true`.
 */
async function nextStartOnAnyNode(
  stack: string,
  sinceMs: number,
  recheckSeconds?: number,
): Promise<TaskStart> {
  const nodes = await read.listSwarmNodes();
  const base = workflowInfo().taskQueue;
  const scope = new CancellationScope();
  const never = new Promise<TaskStart>(() => undefined);
  try {
    return await scope.run(() =>
      Promise.race([
        ...nodes.map((n) =>
          proxyActivities<Activities>({ ...watchNodeWait, taskQueue: nodeTaskQueue(base, n.id) })
            .waitForVaultTaskStart({ stack, maxWaitSeconds: MAX_WAIT_SECONDS, sinceMs })
            // A node whose wait fails for good is not watched this round; the others still are.
            .catch((err: unknown) => {
              if (!isCancellation(err))
                log.warn('watch on a node failed', { node: n.hostname, error: describeFailure(err) });
              return never;
            }),
        ),
        recheckSeconds === undefined
          ? sleep(`${MAX_WAIT_SECONDS + 60} seconds`).then((): TaskStart => ({ started: false }))
          : sleep(`${recheckSeconds} seconds`).then((): TaskStart => ({ started: false, recheck: true })),
      ]),
    );
  } finally {
    scope.cancel();
  }
}

export async function WatchVaultTasks(input: {
  stack: string;
  /** Where the first wait's window begins (epoch ms): the previous run's, carried over continue-as-new. */
  sinceMs?: number;
}): Promise<void> {
  checkWatchInput(input);
  const routed = patched(NODE_ROUTING_PATCH);
  const windowed = patched(WATCH_WINDOW_PATCH);
  let handledUntilMs = 0;
  /** How many checks in a row left something to fix (the next recheck's delay); 0 after a healthy one. */
  let unfixed = 0;
  // 1 s of margin for the clock skew between this worker and the nodes' Engines.
  let nextSinceMs = windowed && input.sinceMs !== undefined ? input.sinceMs : Date.now() - 1000;
  for (let i = 0; i < ITERATIONS_PER_RUN; i++) {
    // Starts since the previous wait ended count, except the one already handled: one while a node's events
    // stream was down, or while the previous check ran, is replayed by the Engine (or found running by the
    // agent's reconcile), not missed. Runs from before the patch began the window here, after the check.
    const sinceMs = windowed ? nextSinceMs : Math.max(Date.now() - 1000, handledUntilMs + 1);
    const recheckSeconds = unfixed > 0 ? RECHECK_SECONDS[unfixed - 1] : undefined;
    const event: TaskStart = routed
      ? await nextStartOnAnyNode(input.stack, sinceMs, recheckSeconds)
      : await watch.waitForVaultTaskStart({ stack: input.stack, maxWaitSeconds: MAX_WAIT_SECONDS });
    if (event.started && event.atMs !== undefined) handledUntilMs = Math.max(handledUntilMs, event.atMs);
    nextSinceMs = Math.max(Date.now() - 1000, handledUntilMs + 1);
    if (!event.started && !event.recheck) continue;
    if (patched(HOLD_PATCH)) {
      const hold = await read.readStackHold({ stack: input.stack });
      if (hold) {
        log.info('a Vault task started while the stack is held: no check', { reason: hold.reason });
        unfixed = 0; // no recheck of a held stack: its release checks and heals
        continue;
      }
    }
    let leftToFix: boolean;
    try {
      const report = await executeChild(VerifyVaultHealth, {
        workflowId: `${healthWorkflowIds(input.stack).event}-${workflowInfo().runId.slice(0, 8)}-${i}`,
        staticSummary: healthRunSummary(input.stack, event.recheck ? 'recheck' : 'task start'),
        args: [{ stack: input.stack, remediate: true, settleSeconds: 60 }],
      });
      leftToFix = report.findings.some((f) => REMEDIABLE.includes(f.code));
    } catch (err) {
      if (!routed) throw err;
      // The check failed (e.g. Docker or Vault unreachable for its retries): the watcher goes on.
      log.warn('event-triggered health check failed', { error: describeFailure(err) });
      leftToFix = true;
    }
    // Runs from before the patch wait for the next start only (the schedule covers the rest).
    if (routed && patched(RECHECK_PATCH)) {
      unfixed = leftToFix && unfixed < RECHECK_SECONDS.length ? unfixed + 1 : 0;
      if (leftToFix && unfixed === 0)
        log.warn("the stack is still not healthy after the watcher's rechecks: left to the scheduled check");
    }
  }
  await continueAsNew<typeof WatchVaultTasks>(
    windowed ? { stack: input.stack, sinceMs: nextSinceMs } : input,
  );
}
