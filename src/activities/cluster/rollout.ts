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
 * The service label `LABEL_ROLLOUT_STEP` counts the tasks on the new spec asked for (those already on it at the
 * swap included: a rollback's tasks that never left the image), in Swarm's own state; the next is asked for only
 * once as many tasks are on the new spec, so never while Swarm's last pick has not shown yet. A retry
 * after a crash anywhere reads it and the tasks, and never asks for a task twice (two tasks down at once is
 * what this exists to prevent). Swarm picks which task it replaces next (its order is its own); a replaced
 * leader hands over on SIGTERM.
 */
import type { TaskInfo } from '../../ports';
import { ALL_SLOTS, nodeName, serviceName, VAULT_REPLICAS } from '../../shared/constants';
import type { Slot } from '../../shared/constants';
import { isNamedFailure, messageOf } from '../../shared/errors';
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
  /** How long a replaced task may take to serve (default `STEP_DEADLINE_MS`). */
  deadlineMs?: number;
  /**
   * The named failure when replaced tasks (`slots`) still do not serve once `deadlineMs` ran out, `why` the
   * reasons; absent: the wait's own timeout, retried by the activity's policy.
   */
  stalled?(slots: Slot[], why: string): Error;
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

/** What a slot's current task is doing, for a message: none between a failed task and its restart. */
export function taskState(task: TaskInfo | undefined): string {
  return task ? `its task is ${task.state}` : 'no task: Swarm is starting one again';
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
  const deadlineMs = rollout.deadlineMs ?? STEP_DEADLINE_MS;
  for (;;) {
    // A replaced node's time counts from when the tool asked Swarm for the step (its label, kept in Swarm's
    // state), not from this call: a worker that crashed mid-wait does not give a stuck node the whole time again.
    const asked = (await deps.swarm.inspectService(service))?.rolloutStepAt;
    const since = Math.min(deps.clock.now(), asked ?? Infinity);
    const look: { done: boolean; stale: Slot[] } = await waitFor(
      deps,
      `${service}: every task to serve before the next is replaced`,
      // The named failure (`stalled`), decided inside the check, comes first; this bounds the rest.
      deadlineMs + 60_000,
      async () => {
        const tasks = await deps.swarm.currentTasks(service);
        const fresh = ALL_SLOTS.filter((s) => {
          const t = tasks.get(s);
          return t !== undefined && rollout.updated(t);
        });
        for (const s of fresh) if (!replaced.includes(nodeName(s))) replaced.push(nodeName(s));
        // What keeps each slot from serving this look, and the end of the wait when it is a replaced one.
        const trouble = new Map<Slot, string>();
        const check = () => {
          if (trouble.size === 0) return;
          const why = [...trouble].map(([s, w]) => `${nodeName(s)} ${w}`).join('; ');
          // Seen replaced in this call, not only in this look: a task that fails to start is replaced by
          // Swarm again after the restart delay, and in between its slot lists no current task at all.
          const stuck = ALL_SLOTS.filter((s) => trouble.has(s) && replaced.includes(nodeName(s)));
          if (rollout.stalled && stuck.length && deps.clock.now() - since >= deadlineMs)
            throw rollout.stalled(stuck, why);
          throw new Error(why);
        };
        // Every slot must serve before the next goes down, replaced or not: a task of the old spec that
        // restarted meanwhile (killed, its node restarted) is unsealed too, or the next step would take a
        // second node away.
        const nodes = await locateNodes(deps, stack, ALL_SLOTS, { starting: true, tasks });
        for (const s of ALL_SLOTS)
          if (!nodes.has(s)) trouble.set(s, `not started (${taskState(tasks.get(s))})`);
        for (const n of nodes.values())
          await rollout.unseal(n).catch((err: unknown) => {
            if (isNamedFailure(err)) throw err;
            trouble.set(n.slot, `not unsealed: ${messageOf(err)}`);
          });
        check();
        const raft = await raftView(deps, stack, rollout.token);
        const is = (ids: string[], n: string) => ids.some((id) => id.endsWith(n));
        for (const s of ALL_SLOTS)
          if (!is(raft.voters, nodeName(s))) trouble.set(s, 'not a Raft voter yet');
          // Per server, not only the cluster's verdict: autopilot notices a restarted server only after its
          // last-contact threshold, and an unsealed one catches up only once it has the leader's log.
          else if (!is(raft.healthyServers, nodeName(s)))
            trouble.set(s, 'not called healthy by autopilot yet');
        check();
        if (!raft.healthy) throw new Error('autopilot does not call the cluster healthy yet');
        if (fresh.length === VAULT_REPLICAS) return { done: true, stale: [] };
        // Every slot must have a running task of the old spec too: one stopping or starting is Swarm still at work.
        if (tasks.size !== VAULT_REPLICAS || [...tasks.values()].some((t) => t.state !== 'running'))
          throw new Error(`${tasks.size}/${VAULT_REPLICAS} tasks running`);
        const step = (await deps.swarm.inspectService(service))?.rolloutStep ?? 0;
        // The step asked for last has not happened yet (Swarm has not stopped the task it picked): wait. The
        // step counts the tasks already on the new spec at the swap too, so they cannot stand in for the pick.
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
