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
import { HOLD_PATCH, NODE_ROUTING_PATCH, WATCH_WINDOW_PATCH } from './patches';
import { VerifyVaultHealth } from './verify-vault-health';
import { watchNodeWait, watchRead, watchWait } from './activity-options';
import { checkWatchInput } from '../shared/inputs';

const watch = proxyActivities<Activities>(watchWait);
const read = proxyActivities<Activities>(watchRead);

/** Iterations before continue-as-new: each is ~10 events per node, far below any history limit. */
const ITERATIONS_PER_RUN = 50;
const MAX_WAIT_SECONDS = 3600;

type TaskStart = { started: boolean; container?: string; nodeId?: string; atMs?: number };

/** Waits for a Vault task to start on any node of the swarm; the waits on the other nodes are cancelled. */
async function nextStartOnAnyNode(stack: string, sinceMs: number): Promise<TaskStart> {
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
        sleep(`${MAX_WAIT_SECONDS + 60} seconds`).then((): TaskStart => ({ started: false })),
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
  // 1 s of margin for the clock skew between this worker and the nodes' Engines.
  let nextSinceMs = windowed && input.sinceMs !== undefined ? input.sinceMs : Date.now() - 1000;
  for (let i = 0; i < ITERATIONS_PER_RUN; i++) {
    // Starts since the previous wait ended count, except the one already handled: one while a node's events
    // stream was down, or while the previous check ran, is replayed by the Engine (or found running by the
    // agent's reconcile), not missed. Runs from before the patch began the window here, after the check.
    const sinceMs = windowed ? nextSinceMs : Math.max(Date.now() - 1000, handledUntilMs + 1);
    const event = routed
      ? await nextStartOnAnyNode(input.stack, sinceMs)
      : await watch.waitForVaultTaskStart({ stack: input.stack, maxWaitSeconds: MAX_WAIT_SECONDS });
    if (event.started && event.atMs !== undefined) handledUntilMs = Math.max(handledUntilMs, event.atMs);
    nextSinceMs = Math.max(Date.now() - 1000, handledUntilMs + 1);
    if (!event.started) continue;
    if (patched(HOLD_PATCH)) {
      const hold = await read.readStackHold({ stack: input.stack });
      if (hold) {
        log.info('a Vault task started while the stack is held: no check', { reason: hold.reason });
        continue;
      }
    }
    try {
      await executeChild(VerifyVaultHealth, {
        workflowId: `${healthWorkflowIds(input.stack).event}-${workflowInfo().runId.slice(0, 8)}-${i}`,
        staticSummary: healthRunSummary(input.stack, 'task start'),
        args: [{ stack: input.stack, remediate: true, settleSeconds: 60 }],
      });
    } catch (err) {
      if (!routed) throw err;
      // The check failed (e.g. Docker or Vault unreachable for its retries): the watcher goes on.
      log.warn('event-triggered health check failed', { error: describeFailure(err) });
    }
  }
  await continueAsNew<typeof WatchVaultTasks>(
    windowed ? { stack: input.stack, sinceMs: nextSinceMs } : input,
  );
}
