/**
 * Each slot's home: the swarm node whose volume holds the slot's Raft data.
 *
 * The Vault service is one replicated service with node-local volumes, and Swarm does not keep a slot on its
 * node: once every task stopped at once (a power cut, the service scaled to 0, an all-at-once update) slot 1 may
 * start on slot 2's node and open slot 2's volume as Raft server vault-1. OpenBao takes it without a word
 * (docs/faults.md, "Slots and their volumes"), and a Raft server that carries another server's term, vote and log
 * under its own id can vote twice in a term. So the tool records where it made each slot's data, as a node label
 * (`LABEL_HOME_PREFIX`), when it makes it (vault-1's init, a peer's join), and unseals a slot's task only on that
 * node (`unsealAtHome` in node-actions.ts). Slots that Swarm started away from their homes are put back (`rehomeSlots`): every
 * task stopped, then started one slot at a time with every node but the slot's home paused. The first unseal-key
 * rollout on more than one node goes the same way from the start (`beginSteeredRestart`), so it shuffles nothing.
 */
import type { SwarmNodeDetail, TaskInfo } from '../../ports';
import {
  ALL_SLOTS,
  LABEL_HOME_PREFIX,
  LABEL_PAUSED_FOR,
  LEADER_SLOT,
  nodeName,
  PEER_SLOTS,
  serviceName,
  VAULT_REPLICAS,
} from '../../shared/constants';
import type { Slot } from '../../shared/constants';
import type { ActivityDeps } from '../deps';
import { waitFor } from './nodes';

/** A Raft quorum of the stack's slots. */
const QUORUM = Math.floor(VAULT_REPLICAS / 2) + 1;

/** How long `rehomeSlots` waits for Swarm to stop the tasks, or to place one slot. */
const PLACE_DEADLINE_MS = 90_000;

/** The node label that names `slot`'s home for `stack`. */
export function homeLabel(stack: string, slot: Slot): string {
  return `${LABEL_HOME_PREFIX}${stack}.${nodeName(slot)}`;
}

/** Each slot's home node id, as the nodes' labels record it (the newest claim, should a crash have left two). */
export function homesOf(nodes: SwarmNodeDetail[], stack: string): Map<Slot, string> {
  const homes = new Map<Slot, string>();
  for (const slot of ALL_SLOTS) {
    const key = homeLabel(stack, slot);
    const newest = nodes
      .filter((n) => n.labels[key] !== undefined)
      .sort((a, b) => Number(b.labels[key]) - Number(a.labels[key]) || a.id.localeCompare(b.id))[0];
    if (newest) homes.set(slot, newest.id);
  }
  return homes;
}

/**
 * Records `nodeId` as `slot`'s home: the tool is about to make the slot's data there (init, join), or a slot
 * with no home yet is unsealed where it runs. Labels the new home first and then unlabels the old one, so a
 * crash in between leaves two claims, of which the newer counts. Returns whether it changed anything.
 */
export async function claimHome(
  deps: Pick<ActivityDeps, 'swarm' | 'clock'>,
  stack: string,
  slot: Slot,
  nodeId: string,
): Promise<boolean> {
  const key = homeLabel(stack, slot);
  const holders = (await deps.swarm.listNodes()).filter((n) => n.labels[key] !== undefined);
  if (holders.length === 1 && holders[0]!.id === nodeId) return false;
  const newest = Math.max(deps.clock.now(), ...holders.map((h) => Number(h.labels[key]) + 1));
  await deps.swarm.updateNode(nodeId, { labels: { [key]: String(newest) } });
  for (const h of holders)
    if (h.id !== nodeId) await deps.swarm.updateNode(h.id, { labels: { [key]: null } });
  return true;
}

/** A slot whose task Swarm placed away from the node that holds its data. */
export interface AwaySlot {
  slot: Slot;
  /** Where its task runs. */
  nodeId: string;
  /** Where its data is. */
  home: string;
}

/** The slots of `tasks` placed on a node other than their recorded home (a slot without one is never away). */
export function awaySlots(tasks: Map<number, TaskInfo>, homes: Map<Slot, string>): AwaySlot[] {
  return ALL_SLOTS.flatMap((slot) => {
    const nodeId = tasks.get(slot)?.nodeId;
    const home = homes.get(slot);
    return nodeId !== undefined && home !== undefined && nodeId !== home ? [{ slot, nodeId, home }] : [];
  });
}

/** Words for an away slot: `vault-1 runs on node abc, its data is on node def`. */
export function describeAway(a: AwaySlot, nodes: SwarmNodeDetail[]): string {
  const host = (id: string) => nodes.find((n) => n.id === id)?.hostname || id;
  return `${nodeName(a.slot)} runs on ${host(a.nodeId)}, its Raft data is on ${host(a.home)}`;
}

/** A slot found away from its home: retryable, the step runs again once `rehomeSlots` put it back. */
export class SlotAwayFromHomeError extends Error {
  constructor(stack: string, what: string, moved: string | undefined) {
    super(
      `${what} (${serviceName(stack)}): it is not unsealed there, where its volume holds another slot's data or ` +
        (moved ? `none; ${moved}` : `none; it is left sealed until Swarm runs it on its home again`),
    );
    this.name = 'SlotAwayFromHomeError';
  }
}

/** A node that can take a slot's task: ready, and not drained or paused by someone else. */
function canHost(node: SwarmNodeDetail | undefined, stack: string): boolean {
  return (
    node !== undefined &&
    node.state === 'ready' &&
    (node.availability === 'active' ||
      (node.availability === 'pause' && node.labels[LABEL_PAUSED_FOR] === stack))
  );
}

/**
 * Pauses every node but `home` (each labelled `LABEL_PAUSED_FOR`: the tool's own pauses, undone by
 * `unpause`), so that the next task Swarm places goes there. A node drained or paused by someone else is left as
 * it is; with no `home`, nothing is paused.
 */
async function steerTo(
  deps: Pick<ActivityDeps, 'swarm'>,
  stack: string,
  home: string | undefined,
): Promise<void> {
  for (const n of await deps.swarm.listNodes()) {
    const ours = n.labels[LABEL_PAUSED_FOR] === stack;
    if (n.availability === 'drain' || (n.availability === 'pause' && !ours)) continue;
    if (home !== undefined && n.id !== home && n.availability === 'active')
      await deps.swarm.updateNode(n.id, { availability: 'pause', labels: { [LABEL_PAUSED_FOR]: stack } });
    else if ((home === undefined || n.id === home) && ours)
      await deps.swarm.updateNode(n.id, { availability: 'active', labels: { [LABEL_PAUSED_FOR]: null } });
  }
}

/**
 * Begins a steered restart of every task of the stack (the unseal-key swap before any peer joined): every node
 * but vault-1's home is paused with the tool's label before anything stops. `startSteered` then starts vault-1
 * on its home and the peers after it; a retry after a crash anywhere after this finds the labels
 * (`steeringUnderway`) and carries on from Swarm's state (`rehomeSlots`).
 */
export async function beginSteeredRestart(deps: Pick<ActivityDeps, 'swarm'>, stack: string): Promise<void> {
  const home = homesOf(await deps.swarm.listNodes(), stack).get(LEADER_SLOT);
  if (home === undefined) throw new Error(`${nodeName(LEADER_SLOT)} of ${stack} has no recorded home`);
  await steerTo(deps, stack, home);
}

/**
 * After `beginSteeredRestart` and the swap that stopped every task: vault-1 is started with only its home active,
 * then the peers are added and the nodes made active again, so the peers take the two other nodes (one task per
 * node) in whichever order Swarm likes: their volumes are empty (no peer has joined), and `claimEmptyPeerHomes`
 * records their homes where they land. The nodes stay paused only while vault-1 is placed (Swarm places it once
 * its old task stopped there): a pause keeps every service's new tasks off a node, the worker's own too, should
 * its node be lost meanwhile (docs/runbooks.md, "A node paused for a stack").
 */
export async function startSteered(deps: ActivityDeps, stack: string): Promise<void> {
  const service = serviceName(stack);
  await deps.swarm.scaleService(service, 1);
  await waitFor(deps, `${nodeName(LEADER_SLOT)} of ${service} to be placed`, PLACE_DEADLINE_MS, async () =>
    (await deps.swarm.currentTasks(service)).get(LEADER_SLOT)?.nodeId !== undefined ? true : undefined,
  );
  // The peers are added while the other nodes are still paused (they wait for a node), so that a crash from here
  // leaves the labels, and the retry's `rehomeSlots` finds a service of three replicas to carry on with.
  await deps.swarm.scaleService(service, VAULT_REPLICAS);
  await unpause(deps, stack);
}

/**
 * While no peer has joined, a peer's home is wherever it runs: a slot that answers uninitialized runs on an empty
 * volume. So when both peers answer uninitialized, each is recorded at home where it runs, unless that is
 * vault-1's home (it could not answer uninitialized there; a task still starting is left for the next look).
 * Returns whether it recorded anything.
 */
export async function claimEmptyPeerHomes(
  deps: ActivityDeps,
  stack: string,
  tasks: Map<number, TaskInfo>,
  peersUninitialized: () => Promise<boolean>,
): Promise<boolean> {
  const homes = homesOf(await deps.swarm.listNodes(), stack);
  const leaderHome = homes.get(LEADER_SLOT);
  const at = PEER_SLOTS.map((slot) => tasks.get(slot)?.nodeId);
  if (at.some((n) => n === undefined || n === leaderHome)) return false;
  if (PEER_SLOTS.every((slot, i) => homes.get(slot) === at[i])) return false;
  if (!(await peersUninitialized())) return false;
  let changed = false;
  for (const [i, slot] of PEER_SLOTS.entries())
    changed = (await claimHome(deps, stack, slot, at[i]!)) || changed;
  return changed;
}

/** Whether the tool has nodes paused for `stack`: a steered restart or a rehome is under way (or was cut short). */
export async function steeringUnderway(deps: Pick<ActivityDeps, 'swarm'>, stack: string): Promise<boolean> {
  return (await deps.swarm.listNodes()).some((n) => n.labels[LABEL_PAUSED_FOR] === stack);
}

/** Makes every node the tool paused for `stack` active again. */
async function unpause(deps: Pick<ActivityDeps, 'swarm'>, stack: string): Promise<void> {
  await steerTo(deps, stack, undefined);
}

/**
 * Puts the stack's slots back on their homes when Swarm placed one or more away from it and fewer than a Raft
 * quorum of slots run at home: then no quorum can be unsealed anyway (on three nodes that is every shuffle), so
 * stopping every task takes nothing down. Otherwise (a quorum at home, a slot on a fourth node) nothing is
 * done: the away slot stays sealed and the health check reports it. Each step reads Swarm's state first, so a
 * retry after a crash anywhere carries on: every task is stopped (the service scaled down), then slot k = 1..3
 * is started (scaled up to k: Swarm adds the lowest free slot) with every node but its home paused, and last the
 * paused nodes are made active again. A slot whose home cannot take it (down, drained) goes where Swarm puts it;
 * a slot with no home (its node removed) to a node that is no slot's home, when there is one.
 * Returns what it did, or undefined when nothing was needed.
 */
export async function rehomeSlots(deps: ActivityDeps, stack: string): Promise<string | undefined> {
  const service = serviceName(stack);
  const nodes = await deps.swarm.listNodes();
  const homes = homesOf(nodes, stack);
  const svc = await deps.swarm.inspectService(service);
  if (!svc || svc.replicas === undefined) return undefined;
  const resuming = nodes.some((n) => n.labels[LABEL_PAUSED_FOR] === stack);
  const first = await deps.swarm.currentTasks(service);
  const away = awaySlots(first, homes).filter((a) =>
    canHost(
      nodes.find((n) => n.id === a.home),
      stack,
    ),
  );
  const atHome = ALL_SLOTS.filter((s) => {
    const at = first.get(s)?.nodeId;
    return at !== undefined && at === homes.get(s);
  });
  if (!resuming && (away.length === 0 || atHome.length >= QUORUM)) return undefined;
  const target = (slot: Slot): string | undefined => {
    const home = homes.get(slot);
    if (home === undefined) {
      // No home (its node was removed from the swarm): a node that is no slot's home, or else where Swarm puts it.
      const others = new Set(homes.values());
      return nodes.find((n) => !others.has(n.id) && canHost(n, stack))?.id;
    }
    return canHost(
      nodes.find((n) => n.id === home),
      stack,
    )
      ? home
      : undefined;
  };
  const placed = (tasks: Map<number, TaskInfo>, slot: Slot): boolean => {
    const at = tasks.get(slot)?.nodeId;
    return at !== undefined && (target(slot) === undefined || at === target(slot));
  };
  for (let round = 0; round < 4 * VAULT_REPLICAS; round++) {
    const tasks = await deps.swarm.currentTasks(service);
    const next = ALL_SLOTS.find((s) => !placed(tasks, s));
    if (next === undefined) {
      await unpause(deps, stack);
      if ((await deps.swarm.inspectService(service))?.replicas !== VAULT_REPLICAS)
        await deps.swarm.scaleService(service, VAULT_REPLICAS);
      const moved = away.map((a) => nodeName(a.slot)).join(', ') || 'the slots';
      return `started ${moved} again on the nodes that hold their data`;
    }
    // Paused before anything stops: a crash from here on leaves the labels that make the retry carry on.
    await steerTo(deps, stack, target(next));
    const beyond = [...tasks.keys()].filter((s) => s >= next);
    if (beyond.length > 0) {
      await deps.swarm.scaleService(service, next - 1);
      await waitFor(
        deps,
        `the tasks of ${service} from ${nodeName(next)} on to stop`,
        PLACE_DEADLINE_MS,
        async () =>
          [...(await deps.swarm.currentTasks(service)).keys()].some((s) => s >= next) ? undefined : true,
      );
      continue;
    }
    await deps.swarm.scaleService(service, next);
    await waitFor(deps, `${nodeName(next)} of ${service} to be placed`, PLACE_DEADLINE_MS, async () =>
      (await deps.swarm.currentTasks(service)).get(next)?.nodeId !== undefined ? true : undefined,
    );
  }
  throw new Error(`the slots of ${service} could not be put back on their homes; the step is retried`);
}
