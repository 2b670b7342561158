/**
 * Steps 1 and 4: the `vault_unseal_key` Docker secret.
 *
 * Docker secrets are immutable, so the family is `<base>` (the placeholder) and `<base>_vN` (real keys),
 * each labelled with its kind and the custody record id of the key it holds. The service always mounts
 * the current member at target `vault_unseal_key`; an old member is removed only when no service uses it.
 */
import type { SecretInfo, TaskInfo } from '../ports';
import {
  serviceName,
  LEADER_SLOT,
  PEER_SLOTS,
  LABEL_KIND,
  LABEL_STACK,
  LABEL_VERSION,
  VAULT_REPLICAS,
} from '../shared/constants';
import { ErrorType, NonRetryableError } from '../shared/errors';
import type { BootstrapInput, SecretRef, StepOutcome } from '../shared/types';
import { readCustody } from './cluster/custody';
import {
  awaySlots,
  beginSteeredRestart,
  claimEmptyPeerHomes,
  claimHome,
  describeAway,
  homesOf,
  rehomeSlots,
  startSteered,
  steeringUnderway,
} from './cluster/homes';
import { proveUnsealKey } from './cluster/node-actions';
import { locateNodes, servingTasks, waitFor } from './cluster/nodes';
import {
  createKeySecret,
  holdsKey,
  isConflict,
  removeUnmountedSecrets,
  stackSecrets,
} from './cluster/secrets';
import type { ActivityDeps } from './deps';
import { currentUnsealSecret } from './cluster/secrets';

const PLACEHOLDER_VALUE =
  'placeholder: vault-bootstrap replaces this secret with the unseal key after init\n';

function ref(s: SecretInfo): SecretRef {
  return { name: s.name, id: s.id, kind: s.kind, version: s.version };
}

/**
 * Whether the swap may restart every task at once. Two things must hold:
 * - no peer has joined, which both peers say themselves (they answer, uninitialized): there is no quorum to
 *   keep and nothing on a peer to lose;
 * - every task has a node, and each slot's home (./cluster/homes.ts) is the node it runs on now. Raft data
 *   lives in node-local volumes, and with every task stopped at once Swarm may start a slot on another node
 *   (the three-node e2e saw slot 1 on an empty volume: `vault-1 reports it is not initialized`). With every
 *   home recorded, such a shuffle is seen: no slot is unsealed or joined away from its home, and the swap's
 *   wait puts them back (`rehomeSlots`) before the step ends. vault-1's home was recorded at its init; the
 *   peers' homes are recorded here, where their (empty) volumes are, before anything restarts. On one node
 *   every home is that node.
 * Anything else keeps the stack's own one-at-a-time rollout: a formed cluster, a peer that does not answer, a
 * task not placed, vault-1 running away from its home.
 *
 * Returns how: `steered` when the homes are on more than one node (see `rotateUnsealKeySecret`), `at-once` on
 * one node (nowhere else to go), false for one at a time.
 */
async function nothingAtStake(deps: ActivityDeps, stack: string): Promise<'steered' | 'at-once' | false> {
  const tasks = await deps.swarm.currentTasks(serviceName(stack));
  if (tasks.size !== VAULT_REPLICAS || [...tasks.values()].some((t) => t.nodeId === undefined)) return false;
  if (!(await peersUninitialized(deps, stack, tasks))) return false;
  const leaderHome = homesOf(await deps.swarm.listNodes(), stack).get(LEADER_SLOT);
  if (leaderHome !== tasks.get(LEADER_SLOT)!.nodeId) return false;
  for (const slot of PEER_SLOTS) await claimHome(deps, stack, slot, tasks.get(slot)!.nodeId!);
  return new Set([...tasks.values()].map((t) => t.nodeId)).size > 1 ? 'steered' : 'at-once';
}

/** Whether both peers answer, uninitialized (nothing has joined; their volumes are empty). */
async function peersUninitialized(
  deps: ActivityDeps,
  stack: string,
  tasks?: Map<number, TaskInfo>,
): Promise<boolean> {
  const peers = await locateNodes(deps, stack, PEER_SLOTS, { starting: true, ...(tasks ? { tasks } : {}) });
  if (peers.size !== PEER_SLOTS.length) return false;
  const statuses = await Promise.all(
    [...peers.values()].map((p) => p.client.sealStatus().catch(() => undefined)),
  );
  return statuses.every((s) => s !== undefined && !s.initialized);
}

/**
 * When a slot runs away from its home (an all-at-once restart shuffled them), puts the slots back and says so
 * (the caller waits on); otherwise nothing.
 */
async function slotsAwayFromHome(deps: ActivityDeps, stack: string, tasks: Map<number, TaskInfo>) {
  const nodes = await deps.swarm.listNodes();
  const away = awaySlots(tasks, homesOf(nodes, stack));
  if (away.length === 0) return undefined;
  const moved = await rehomeSlots(deps, stack);
  return `${away.map((a) => describeAway(a, nodes)).join('; ')}: ${moved ?? 'left for Swarm to move back'}`;
}

/** The summary's tail for a rollout of every task at once, by how it went (`nothingAtStake`). */
const HOW_ALL_AT_ONCE = {
  'at-once': '; all tasks at once (no peer joined yet, every slot at its home)',
  steered: '; all tasks at once, each started on its home (no peer joined yet)',
} as const;

export function createSecretActivities(deps: ActivityDeps) {
  const { swarm } = deps;

  /** Step 1: makes sure a secret exists for the stack to mount; creates the placeholder only when none does. */
  async function ensurePlaceholderSecret(
    input: BootstrapInput,
  ): Promise<StepOutcome & { secret: SecretRef }> {
    const existing = await currentUnsealSecret(deps, input.stack);
    if (existing) {
      return {
        changed: false,
        summary: `${existing.name} (${existing.kind}) already exists`,
        secret: ref(existing),
      };
    }
    // The base name, unless another stack (sharing a name without `{stack}`) holds it: then the next version.
    const { base, taken, nextVersion } = await stackSecrets(deps, input.stack);
    const version = taken.has(base) ? nextVersion : 0;
    const name = version === 0 ? base : `${base}_v${version}`;
    await deps.failpoints.hit('ensurePlaceholderSecret:before-create');
    try {
      await swarm.createSecret(name, Buffer.from(PLACEHOLDER_VALUE), {
        [LABEL_KIND]: 'placeholder',
        [LABEL_VERSION]: String(version),
        [LABEL_STACK]: input.stack,
      });
    } catch (err) {
      if (!isConflict(err)) throw err;
    }
    await deps.failpoints.hit('ensurePlaceholderSecret:after-create');
    const created = (await stackSecrets(deps, input.stack)).own.find((s) => s.name === name);
    if (!created)
      throw new Error(`secret ${name} was taken by another stack meanwhile; retrying with a new name`);
    return { changed: true, summary: `created placeholder ${name}`, secret: ref(created) };
  }

  /**
   * Step 4: puts the real key into a new secret version, swaps it into the service at target
   * `vault_unseal_key`, waits for the rollout, then removes members no service uses any more.
   */
  async function rotateUnsealKeySecret(input: BootstrapInput): Promise<StepOutcome & { secret: SecretRef }> {
    const name = serviceName(input.stack);
    const held = await readCustody(deps, input.stack, 'the unseal-key secret cannot be written');
    const secrets = await stackSecrets(deps, input.stack);
    const svc = await swarm.inspectService(name);
    if (!svc) throw new Error(`service ${name} does not exist; deployStack must run first`);
    const family = secrets.own;
    const current = family.find((s) => s.id === svc.unsealSecret?.id);
    let target = family.find((s) => holdsKey(s, held));
    let changed = false;
    let allAtOnce: 'steered' | 'at-once' | false = false;
    if (current?.kind === 'unseal-key' && current.keyId !== held.keyId) {
      throw new NonRetryableError(
        ErrorType.CustodyKeyMismatch,
        `${name} mounts ${current.name}, made for custody record ${String(current.keyId)}, but custody holds record ${held.keyId}. ` +
          `Custody was replaced or the cluster re-initialized elsewhere; restore the matching custody record. Nothing was changed.`,
      );
    }
    if (!current || current.id !== target?.id) {
      // Before the key goes into a secret (and the tasks restart), prove it is this cluster's key.
      await proveUnsealKey(deps, input.stack, held);
      target ??= await createKeySecret(deps, input.stack, held, 'rotateUnsealKeySecret');
      allAtOnce = await nothingAtStake(deps, input.stack);
      // Steered on more than one node: every task stopped by the swap itself (0 replicas), then vault-1 started
      // on its home and the peers after it (`startSteered`, below). Swarm's own all-at-once rollout places the
      // three new tasks at once and put a slot on another's node in nearly every round of the three-node bench
      // (issue 31); putting them back cost more than the steering. The pause labels come first, so any retry
      // carries on.
      if (allAtOnce === 'steered') await beginSteeredRestart(deps, input.stack);
      await deps.failpoints.hit('rotateUnsealKeySecret:before-service-update');
      await swarm.swapUnsealSecret(
        name,
        { id: target.id, name: target.name },
        allAtOnce === 'at-once' ? 'all-at-once' : allAtOnce === 'steered' ? 'stop-all' : 'rolling',
      );
      await deps.failpoints.hit('rotateUnsealKeySecret:after-service-update');
      changed = true;
    }
    // vault-1 started on its home, then the peers: this attempt's steered swap; one a crash cut short (its labels
    // remain) is carried on slot by slot.
    if (changed && allAtOnce === 'steered') await startSteered(deps, input.stack);
    else if (await steeringUnderway(deps, input.stack)) await rehomeSlots(deps, input.stack);
    const targetId = target.id;
    // A task that fails during the rollout (its node lost mid-rotation) makes Swarm pause it, and the tasks not
    // yet updated would keep the old secret for good: resume it, at most every 30 s (a task that keeps failing
    // pauses it again, and the wait then ends in its timeout, naming the tasks).
    let resumedAt = -Infinity;
    await waitFor(deps, `${name} tasks to run with ${target.name}`, 300_000, async () => {
      const tasks = await swarm.currentTasks(name);
      const ready = await servingTasks(deps, input.stack, tasks, (t) => t.secretIds.includes(targetId));
      if (ready.length === VAULT_REPLICAS) {
        // Peers that swapped nodes at the restart (both still empty) are at home where they run.
        await claimEmptyPeerHomes(deps, input.stack, tasks, () =>
          peersUninitialized(deps, input.stack, tasks),
        );
        const away = await slotsAwayFromHome(deps, input.stack, tasks);
        if (away === undefined) return true;
        throw new Error(`the rollout shuffled the slots (${away})`);
      }
      if (deps.clock.now() - resumedAt >= 30_000 && (await swarm.resumePausedUpdate(name)))
        resumedAt = deps.clock.now();
      throw new Error(
        `${ready.length}/${VAULT_REPLICAS} tasks running with ${target?.name}` +
          (resumedAt > -Infinity ? ' (a paused rollout was resumed)' : ''),
      );
    });
    // The stack's own update_config again (a no-op unless an all-at-once swap, this attempt's or an
    // interrupted one's, changed it): the next rollout, on a formed cluster, goes one task at a time.
    const restored = await swarm.restoreUpdateConfig(name);
    const removed = await removeUnmountedSecrets(deps, input.stack, targetId, {
      before: 'rotateUnsealKeySecret:before-remove-old',
      after: 'rotateUnsealKeySecret:after-remove-old',
    });
    const summary =
      `${changed ? 'rotated to' : 'already on'} ${target.name}` +
      (removed.length ? `; removed ${removed.join(', ')}` : '') +
      (allAtOnce ? HOW_ALL_AT_ONCE[allAtOnce] : '');
    return { changed: changed || restored || removed.length > 0, summary, secret: ref(target) };
  }

  return { ensurePlaceholderSecret, rotateUnsealKeySecret };
}
