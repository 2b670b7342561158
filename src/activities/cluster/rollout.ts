/**
 * A rollout of the Vault service one task at a time, each next task only once the ones before serve again.
 *
 * Swarm's own rolling update counts a restarted task as up as soon as its healthcheck answers, and a sealed
 * Vault answers: left alone it restarts the next node while the last one is still sealed, and with two of three
 * sealed the cluster has no quorum. So the tool drives it (`Swarm.swapUnsealSecret`, `stepwise`): Swarm's
 * updater is given one task at a time and a day's delay after each, and the tool asks for the next
 * (`advanceRollout`, which restarts the updater) only when all three tasks, replaced or not, run unsealed on
 * their homes (the caller's `unseal`), are Raft voters, and autopilot calls each of them healthy.
 *
 * The service label `LABEL_ROLLOUT_STEP` counts the replacements asked for, in Swarm's own state: a retry
 * after a crash anywhere reads it and the tasks, and never asks for a task twice (two tasks down at once is
 * what this exists to prevent). Swarm picks which task it replaces next (its order is its own); a replaced
 * leader hands over on SIGTERM.
 */
import type { TaskInfo } from '../../ports';
import { ALL_SLOTS, nodeName, serviceName, VAULT_REPLICAS } from '../../shared/constants';
import type { Slot } from '../../shared/constants';
import type { ActivityDeps } from '../deps';
import { activeNode, locateNodes, waitFor } from './nodes';
import type { ClusterNode } from './nodes';

/** What the caller does with a replaced task's node (unseal it with the new key) and checks of the cluster. */
export interface StepwiseRollout {
  /** Whether `task` runs the new spec (mounts the new secret, runs the new image). */
  updated(task: TaskInfo): boolean;
  /** Makes a node serve (unseal it, on its home); called for every node on every look, so idempotent. */
  unseal(node: ClusterNode): Promise<void>;
  /** The token the Raft configuration and autopilot's state are read with (`raftView`). */
  token: string;
  /** Called before each `advanceRollout` with the slots not replaced yet (the next is one of them). */
  beforeAdvance?(stale: Slot[]): Promise<void>;
  /** Hit after each `advanceRollout`. */
  afterAdvance?(): Promise<void>;
}

/**
 * The Raft view a stepwise rollout waits on, read from the active node with `token`: voters, autopilot's
 * verdict on the cluster and on each server.
 */
async function raftView(
  deps: ActivityDeps,
  stack: string,
  token: string,
): Promise<{ voters: string[]; healthy: boolean; healthyServers: string[] }> {
  const active = await activeNode(deps, stack);
  const servers = await active.raftConfiguration(token);
  const autopilot = await active.autopilotState(token);
  return {
    voters: servers.filter((s) => s.voter).map((s) => s.nodeId),
    healthy: autopilot.healthy,
    healthyServers: Object.entries(autopilot.servers ?? {})
      .filter(([, s]) => s.healthy)
      .map(([id]) => id),
  };
}

/** How long one replaced task may take to stop, start, unseal and catch up before the step fails (retried). */
export const STEP_DEADLINE_MS = 300_000;

/**
 * Waits for the stepwise rollout of the stack's Vault service to finish, asking Swarm for each next task when
 * the ones before serve. Returns the nodes in the order Swarm replaced them (as far as this call saw).
 */
export async function followStepwiseRollout(
  deps: ActivityDeps,
  stack: string,
  rollout: StepwiseRollout,
): Promise<{ replaced: string[]; advances: number }> {
  const service = serviceName(stack);
  const replaced: string[] = [];
  let advances = 0;
  for (;;) {
    const look: { done: boolean; stale: Slot[] } = await waitFor(
      deps,
      `${service}: every task to serve before the next is replaced`,
      STEP_DEADLINE_MS,
      async () => {
        const tasks = await deps.swarm.currentTasks(service);
        const fresh = ALL_SLOTS.filter((s) => {
          const t = tasks.get(s);
          return t !== undefined && rollout.updated(t);
        });
        for (const s of fresh) if (!replaced.includes(nodeName(s))) replaced.push(nodeName(s));
        // Every slot must serve before the next goes down, replaced or not: a task of the old spec that
        // restarted meanwhile (killed, its node restarted) is unsealed too, or the next step would take a
        // second node away.
        const nodes = await locateNodes(deps, stack, ALL_SLOTS, { starting: true, tasks });
        if (nodes.size !== VAULT_REPLICAS)
          throw new Error(
            `${ALL_SLOTS.filter((s) => !nodes.has(s))
              .map(nodeName)
              .join(', ')} not started yet`,
          );
        for (const n of nodes.values()) await rollout.unseal(n);
        const raft = await raftView(deps, stack, rollout.token);
        const is = (ids: string[], n: string) => ids.some((id) => id.endsWith(n));
        const notVoting = ALL_SLOTS.map(nodeName).filter((n) => !is(raft.voters, n));
        if (notVoting.length) throw new Error(`${notVoting.join(', ')} not a Raft voter yet`);
        // Per server, not only the cluster's verdict: autopilot notices a restarted server only after its
        // last-contact threshold, and an unsealed one catches up only once it has the leader's log.
        const lagging = ALL_SLOTS.map(nodeName).filter((n) => !is(raft.healthyServers, n));
        if (lagging.length) throw new Error(`autopilot does not call ${lagging.join(', ')} healthy yet`);
        if (!raft.healthy) throw new Error('autopilot does not call the cluster healthy yet');
        if (fresh.length === VAULT_REPLICAS) return { done: true, stale: [] };
        // Every slot must have a running task of the old spec too: one stopping or starting is Swarm still at work.
        if (tasks.size !== VAULT_REPLICAS || [...tasks.values()].some((t) => t.state !== 'running'))
          throw new Error(`${tasks.size}/${VAULT_REPLICAS} tasks running`);
        const step = (await deps.swarm.inspectService(service))?.rolloutStep ?? 0;
        // The step asked for last has not happened yet (Swarm has not stopped the task it picked): wait.
        if (step > fresh.length) throw new Error(`Swarm has not replaced task ${step} yet`);
        return { done: false, stale: ALL_SLOTS.filter((s) => !fresh.includes(s)) };
      },
    );
    if (look.done) return { replaced, advances };
    const { stale } = look;
    await rollout.beforeAdvance?.(stale);
    await deps.swarm.advanceRollout(service, VAULT_REPLICAS - stale.length + 1);
    advances++;
    await rollout.afterAdvance?.();
  }
}
