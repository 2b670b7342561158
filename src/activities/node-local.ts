/**
 * The activities that must run on the node that runs a Vault task, because Docker's signals and events
 * are node-local: a SIGHUP to a container, and the `start` events of the node's Vault containers. They
 * need only the node's own Engine (no custody, no Vault), so a node agent (`VAULT_BOOTSTRAP_WORKER_ROLE=
 * node-agent`) can run them; workflows route them to the node's queue (`nodeTaskQueue`).
 */
import { Context } from '@temporalio/activity';
import { serviceName } from '../shared/constants';
import { ErrorType, NonRetryableError } from '../shared/errors';
import { refuseWhileHeld } from './cluster/holds';
import type { ContainerStart } from '../ports';
import type { ActivityDeps } from './deps';

export type NodeLocalDeps = Pick<ActivityDeps, 'swarm' | 'clock' | 'metrics' | 'holds'>;

export function createNodeLocalActivities(deps: NodeLocalDeps) {
  const { swarm, clock, metrics } = deps;

  /**
   * Sends `signal` to the container of a Vault task on this node, unless the stack is held (`StackHeld`).
   * A container this Engine does not have
   * (the task moved, or the activity reached the wrong node) is `ContainerNotOnNode`, not retried: the next
   * health check sees where the task runs now.
   */
  async function signalVaultContainer(input: {
    stack: string;
    node: string;
    containerId: string;
    signal: 'SIGHUP';
  }): Promise<{ nodeId: string }> {
    // The input is the caller's word: a task on this queue may name any signal and container. Only SIGHUP,
    // only to a Vault task of the stack, whatever it says (docs/temporal-cluster.md, defense in depth).
    if (input.signal !== 'SIGHUP')
      throw new NonRetryableError(
        ErrorType.SignalRefused,
        `${String(input.signal)} was not sent to ${input.node} of ${input.stack}: a node agent sends SIGHUP only`,
      );
    const nodeId = await swarm.localNodeId();
    await refuseWhileHeld(deps, input.stack, `${input.node} was not sent ${input.signal}`);
    let sent: 'signalled' | 'other-service';
    try {
      sent = await swarm.signalServiceContainer(serviceName(input.stack), input.containerId, input.signal);
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) {
        throw new NonRetryableError(
          ErrorType.ContainerNotOnNode,
          `the container of ${input.node} (${input.containerId.slice(0, 12)}) of ${serviceName(input.stack)} ` +
            `is not on swarm node ${nodeId}; nothing was signalled`,
        );
      }
      throw err;
    }
    if (sent === 'other-service')
      throw new NonRetryableError(
        ErrorType.SignalRefused,
        `container ${input.containerId.slice(0, 12)} is not a task of ${serviceName(input.stack)}: nothing was signalled`,
      );
    // An automatic action (only health remediation sends it): logged and counted where it happened.
    Context.current().log.info(`sent ${input.signal} to ${input.node} of ${input.stack}`, {
      container: input.containerId.slice(0, 12),
      swarmNode: nodeId,
    });
    metrics.countAction(input.stack, 'sighup');
    return { nodeId };
  }

  /**
   * Waits for a Vault task of the stack to start on this node (Docker `start` event), up to
   * `maxWaitSeconds`. Heartbeats throughout (see createActivities); returns as soon as one starts. An event
   * stream that ends or fails fails the attempt, and the retry subscribes again from `sinceMs`.
   *
   * Each attempt (a connect or a reconnect) also reconciles once, whatever the stream replays: once
   * subscribed, it lists the stack's Vault containers running on this node, and one that started at or after
   * `sinceMs` is returned as a start (`reconciled: true`), as its event would have been. The Engine keeps only
   * its last 256 events, from its own start: a task that started while the Engine was starting, or while this
   * agent was away, can be pushed out before the retry subscribes, and its start never replayed (issue 31).
   * A task started since `sinceMs` is a new task, so sealed; the health check it leads to says so and unseals
   * it. The agent itself cannot ask Vault (no CA, no token: README, "Every node of a multi-node swarm").
   */
  async function waitForVaultTaskStart(input: {
    stack: string;
    maxWaitSeconds: number;
    /** Also count starts since then (epoch ms) that happened before this attempt subscribed. */
    sinceMs?: number;
  }): Promise<{
    started: boolean;
    container?: string;
    nodeId?: string;
    atMs?: number;
    /** Found running by the reconcile on (re)connect, not delivered by the events stream. */
    reconciled?: boolean;
  }> {
    const ctx = Context.current();
    const nodeId = await swarm.localNodeId().catch(() => undefined);
    const service = serviceName(input.stack);
    const starts = await swarm.containerStarts(service, input.sinceMs);
    const timer = new AbortController();
    try {
      // Subscribed first, then listed: a start between the two is in the stream, none falls in between.
      // A list refused (an older Docker proxy during a rolling upgrade of the worker stack) leaves the stream.
      const missed =
        input.sinceMs === undefined
          ? undefined
          : await startedSince(service, input.sinceMs).catch((err: unknown) => {
              ctx.log.warn('the reconcile on (re)connect failed: waiting on the events stream alone', {
                error: (err as Error).message,
              });
              return undefined;
            });
      if (missed) {
        ctx.log.info(`reconciled on (re)connect: a Vault task of ${input.stack} started on this node`, {
          container: missed.containerId?.slice(0, 12),
          swarmNode: nodeId,
          startedAt: new Date(missed.atMs ?? 0).toISOString(),
        });
        return {
          started: true,
          container: missed.containerId?.slice(0, 12),
          nodeId,
          ...(missed.atMs === undefined ? {} : { atMs: missed.atMs }),
          reconciled: true,
        };
      }
      return await Promise.race([
        starts.next().then((e) => ({
          started: true,
          container: e.containerId?.slice(0, 12),
          nodeId,
          ...(e.atMs === undefined ? {} : { atMs: e.atMs }),
        })),
        clock.sleep(input.maxWaitSeconds * 1000, timer.signal).then(() => ({ started: false, nodeId })),
        ctx.cancelled,
      ]);
    } finally {
      timer.abort();
      starts.close();
    }
  }

  /** The earliest-started of the service's containers on this node that started at or after `sinceMs`. */
  async function startedSince(service: string, sinceMs: number): Promise<ContainerStart | undefined> {
    const running = await swarm.runningContainers(service);
    return running
      .filter((c) => c.atMs !== undefined && c.atMs >= sinceMs)
      .sort((a, b) => (a.atMs ?? 0) - (b.atMs ?? 0))[0];
  }

  return { signalVaultContainer, waitForVaultTaskStart };
}
