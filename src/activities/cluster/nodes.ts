/**
 * The Vault nodes of a stack as Swarm schedules them: locating them, waiting for them, the active one, and
 * the polling every step's wait is made of.
 */
import { Context } from '@temporalio/activity';
import type { TaskInfo, VaultNode } from '../../ports';
import { ALL_SLOTS, nodeName, serviceName, VAULT_API_PORT } from '../../shared/constants';
import type { NodeName, Slot } from '../../shared/constants';
import { messageOf, NoActiveNodeError } from '../../shared/errors';
import type { ActivityDeps } from '../deps';
import { waitUntil } from '../../time/wait';

/** One Vault node of the stack, as currently scheduled by Swarm. */
export interface ClusterNode<S extends Slot = Slot> {
  slot: S;
  name: NodeName<S>;
  task: TaskInfo;
  client: VaultNode;
}

export function serverName(deps: Pick<ActivityDeps, 'config'>, slot: number): string {
  return deps.config.vault.serverNameTemplate.replaceAll('{slot}', String(slot));
}

/**
 * How often a step re-reads the state it waits for. Each read is one Docker or Vault API call per node; a
 * step's wait ends at most this long after the state holds.
 */
export const STATE_POLL_MS = 250;

/**
 * Polls `check` until it returns a value, up to `deadlineMs` (see `waitUntil`). Runs inside an activity:
 * the pause between polls ends when the activity is cancelled, and each poll heartbeats.
 */
export function waitFor<T>(
  deps: Pick<ActivityDeps, 'clock'>,
  what: string,
  deadlineMs: number,
  check: () => Promise<T | undefined>,
  intervalMs = STATE_POLL_MS,
): Promise<T> {
  const ctx = Context.current();
  return waitUntil(check, {
    what,
    deadlineMs,
    intervalMs,
    clock: deps.clock,
    cancelled: ctx.cancelled,
    onPoll: () => ctx.heartbeat(),
  });
}

/**
 * The current task of each requested slot, each with an overlay address and a Vault client: `running`
 * tasks, and with `starting: true` also tasks whose container started but whose first healthcheck has not
 * passed yet. Swarm reports a task `running` only after that check (the production file checks every
 * 5 s), while Vault answers, sealed, within a second of its start: the health check and its remediation
 * talk to a restarted node at once instead of up to an interval later.
 */
export async function locateNodes<S extends Slot>(
  deps: ActivityDeps,
  stack: string,
  slots: readonly S[],
  options: { starting?: boolean; tasks?: Map<number, TaskInfo> } = {},
): Promise<Map<S, ClusterNode<S>>> {
  const tasks = options.tasks ?? (await deps.swarm.currentTasks(serviceName(stack)));
  const nodes = new Map<S, ClusterNode<S>>();
  const usable = (state: string) =>
    state === 'running' || (options.starting === true && state === 'starting');
  for (const slot of slots) {
    const task = tasks.get(slot);
    if (!task || !usable(task.state) || !task.address || !task.containerId) continue;
    const name = nodeName(slot);
    const client = deps.vaultNode(name, {
      host: task.address,
      port: VAULT_API_PORT,
      serverName: serverName(deps, slot),
    });
    nodes.set(slot, { slot, name, task, client });
  }
  return nodes;
}

/**
 * Of `tasks` (by slot), the ones that serve Vault's API: `running`, or `starting` with the API already
 * answering seal-status (see `locateNodes`: the healthcheck that makes a task `running` comes up to an
 * interval after Vault answers). `accept` narrows the tasks looked at (e.g. to those with a new secret).
 */
export async function servingTasks(
  deps: ActivityDeps,
  stack: string,
  tasks: Map<number, TaskInfo>,
  accept: (task: TaskInfo) => boolean = () => true,
): Promise<TaskInfo[]> {
  const nodes = await locateNodes(deps, stack, ALL_SLOTS, { starting: true, tasks });
  const serving = await Promise.all(
    [...nodes.values()]
      .filter((n) => accept(n.task))
      .map(async (n) =>
        n.task.state === 'running' ||
        (await n.client.sealStatus().then(
          () => true,
          () => false,
        ))
          ? n.task
          : undefined,
      ),
  );
  return serving.filter((t) => t !== undefined);
}

/** Waits until every requested slot has a task (running, or starting) whose API answers seal-status. */
export async function waitForNodes<S extends Slot>(
  deps: ActivityDeps,
  stack: string,
  slots: readonly S[],
  deadlineMs = 180_000,
): Promise<Map<S, ClusterNode<S>>> {
  return waitFor(
    deps,
    `Vault API of ${slots.map(nodeName).join(', ')} in ${serviceName(stack)}`,
    deadlineMs,
    async () => {
      const nodes = await locateNodes(deps, stack, slots, { starting: true });
      if (nodes.size !== slots.length) {
        const missing = slots.filter((s) => !nodes.has(s)).map(nodeName);
        throw new Error(`no running task yet for ${missing.join(', ')}`);
      }
      for (const n of nodes.values()) await n.client.sealStatus();
      return nodes;
    },
  );
}

/** The node of `slot` in a map from `locateNodes`/`waitForNodes` (which hold every slot they return). */
export function nodeAt<S extends Slot, K extends S>(nodes: Map<S, ClusterNode<S>>, slot: K): ClusterNode<K> {
  const node = nodes.get(slot);
  if (node === undefined) throw new Error(`internal: no node for slot ${slot}`);
  return node as ClusterNode<K>;
}

/** What asking each node found: the active node, if one answered as it, and what the others answered. */
export interface ActiveSearch<S extends Slot> {
  active?: ClusterNode<S>;
  /** One entry per other node, in the order asked: `vault-2 sealed`, `vault-1 unsealed standby naming … as leader`. */
  seen: string[];
}

/**
 * Finds the active node among `nodes` by asking each of them (all at once): the one that answers seal-status
 * unsealed and sys/leader `is_self`. A standby's leader address is reported, never trusted: Vault reads it
 * from the leader entry in the standby's own Raft data, so while no node is active (a restart took the
 * quorum away) it still names the last active node, sealed or gone since. A node that does not answer is
 * passed over.
 */
export async function findActive<S extends Slot>(nodes: Iterable<ClusterNode<S>>): Promise<ActiveSearch<S>> {
  const answers = await Promise.all(
    [...nodes].map(async (n): Promise<{ node: ClusterNode<S>; seen?: string }> => {
      try {
        const status = await n.client.sealStatus();
        if (!status.initialized) return { node: n, seen: `${n.name} not initialized` };
        if (status.sealed) return { node: n, seen: `${n.name} sealed` };
        const { isSelf, leaderAddress } = await n.client.leader();
        if (isSelf) return { node: n };
        const named = leaderAddress ? `naming ${leaderAddress} as leader` : 'naming no leader';
        return { node: n, seen: `${n.name} unsealed standby ${named}` };
      } catch (err) {
        const reason = messageOf(err);
        return { node: n, seen: `${n.name} not answering (${reason})` };
      }
    }),
  );
  return {
    active: answers.find((a) => a.seen === undefined)?.node,
    seen: answers.flatMap((a) => (a.seen === undefined ? [] : [a.seen])),
  };
}

/**
 * The active node among `nodes` (see `findActive`), for the calls that must reach it: Raft joins, autopilot.
 * None answering as active is `NoActiveNodeError` (retryable), saying what each node answered, rather than
 * the 307 a standby gives for a call it cannot forward to a stale leader.
 */
export async function activeAmong<S extends Slot>(
  stack: string,
  nodes: Map<S, ClusterNode<S>>,
): Promise<ClusterNode<S>> {
  const { active, seen } = await findActive(nodes.values());
  if (!active) throw new NoActiveNodeError(serviceName(stack), seen);
  return active;
}

/** A client of the stack's active node (any unsealed node as a fallback: standbys forward). */
export async function activeNode(deps: ActivityDeps, stack: string): Promise<VaultNode> {
  const nodes = [...(await locateNodes(deps, stack, ALL_SLOTS)).values()];
  let unsealed: VaultNode | undefined;
  for (const n of nodes) {
    try {
      if ((await n.client.leader()).isSelf) return n.client;
      if (!unsealed && !(await n.client.sealStatus()).sealed) unsealed = n.client;
    } catch {
      // an unreachable node: try the next
    }
  }
  if (unsealed) return unsealed;
  throw new Error(`no unsealed node of ${serviceName(stack)} answers`);
}
