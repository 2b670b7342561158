/**
 * What is done to one Vault node, shared by the bootstrap steps and the health remediation: unseal it with
 * the key from custody, join it to the leader's Raft cluster, prove the key on the leader; and by the restore
 * drill and disaster recovery: wait until it is active, restore a snapshot into it.
 */
import type { Readable } from 'node:stream';
import { Context } from '@temporalio/activity';
import type { FailpointName, HeldKeys, SealStatus, SwarmNodeDetail } from '../../ports';
import { LEADER_SLOT, nodeName, serviceName, VAULT_API_PORT } from '../../shared/constants';
import type { Slot } from '../../shared/constants';
import { ErrorType, NonRetryableError, VaultRequestError } from '../../shared/errors';
import { claimHome, describeAway, homesOf, rehomeSlots, SlotAwayFromHomeError } from './homes';
import { nodeAt, serverName, waitFor, waitForNodes } from './nodes';
import type { ClusterNode } from './nodes';
import type { ActivityDeps } from '../deps';

/** The fault points right before and after one state-changing call of an activity (src/ports/failpoints.ts). */
export interface CallPoints {
  before: FailpointName;
  after: FailpointName;
}

/**
 * Whether Vault refused a key given to it (unseal, root generation, rotation): its 400 or 500 naming the key or
 * its decryption. Such a refusal changes nothing on the server.
 */
export function isKeyRefusal(err: unknown): err is VaultRequestError {
  return (
    err instanceof VaultRequestError &&
    (err.status === 400 || err.status === 500) &&
    /key|decrypt|authentic/i.test(err.message)
  );
}

/**
 * `sys/unseal` with custody's key; when it is refused and the record keeps keys of earlier generations
 * (docs/rekey.md), with those, newest first. A node whose local Raft data predates a rotation (restarted before
 * the new keyring reached it, or down during the rotation) opens only with the key before; once unsealed it
 * catches up with the leader's log and the new keyring with it. Only keys this record made are ever tried.
 */
async function unsealWithKeyOrFormer(
  node: ClusterNode,
  key: Pick<HeldKeys, 'unsealKey' | 'keyId'> & Partial<Pick<HeldKeys, 'formerUnsealKeys'>>,
): Promise<SealStatus> {
  try {
    return await node.client.unseal(key.unsealKey);
  } catch (err) {
    const former = Object.entries(key.formerUnsealKeys ?? {}).sort(([a], [b]) => Number(b) - Number(a));
    if (!isKeyRefusal(err) || former.length === 0) throw err;
    for (const [generation, formerKey] of former) {
      try {
        const status = await node.client.unseal(formerKey);
        Context.current().log.warn(
          `${node.name} opened only with key generation ${generation}: its Raft data predates the rotation; it catches up once unsealed`,
        );
        return status;
      } catch (e) {
        if (!isKeyRefusal(e)) throw e;
      }
    }
    throw err;
  }
}

/**
 * Unseals `node` when it is sealed; returns whether it did. A key Vault refuses is a named,
 * non-retryable failure: retrying a wrong key changes nothing. `points` are hit right before and after
 * the `sys/unseal` call, so only when an unseal really happens.
 */
export async function unsealNode(
  deps: Pick<ActivityDeps, 'failpoints' | 'clock'>,
  node: ClusterNode,
  key: Pick<HeldKeys, 'unsealKey' | 'keyId'> & Partial<Pick<HeldKeys, 'formerUnsealKeys'>>,
  points?: CallPoints,
): Promise<boolean> {
  const before = await node.client.sealStatus();
  if (!before.sealed) return false;
  // A node removed from the Raft cluster keeps data that is not this cluster's any more: never unsealed.
  if (before.removedFromCluster)
    throw new NonRetryableError(
      ErrorType.NodeRemovedFromCluster,
      `${node.name} reports removed_from_cluster: it was removed from the Raft cluster and was not unsealed. ` +
        'Empty its data volume for it to join again as a new node.',
    );
  let after;
  try {
    if (points) await deps.failpoints.hit(points.before);
    after = await unsealWithKeyOrFormer(node, key);
    if (points) await deps.failpoints.hit(points.after);
  } catch (err) {
    // A joining peer with no keyring yet (two remediations unsealing it at once, seen on the three-node bed)
    // answers `invalid key size 0` whatever the key: not the custody key's fault, so retried, not a rejection.
    if (err instanceof VaultRequestError && /invalid key size 0\b/.test(err.message))
      throw new Error(`${node.name} cannot take an unseal key yet (${err.message}); retried`, { cause: err });
    if (isKeyRefusal(err)) {
      throw new NonRetryableError(
        ErrorType.UnsealKeyRejected,
        `${node.name} rejected the key in custody (record ${key.keyId}): ${err.message}. Nothing was changed.`,
      );
    }
    throw err;
  }
  if (after.sealed) {
    // A joining peer stays sealed until it has answered the leader's Raft challenge: wait for it.
    await waitFor(deps, `${node.name} to report sealed=false`, 60_000, async () =>
      (await node.client.sealStatus()).sealed ? undefined : true,
    );
  }
  return true;
}

/**
 * A slot with no home (its node was removed from the swarm, or the cluster predates homes) does not take a node
 * that is another slot's home while that slot's task is not running there: the node's volume holds that slot's
 * Raft data. Swarm puts a slot there when the slot's own task stopped (a crash) while a lost node's slot waited
 * for a place. On one node every slot runs on the shared home, so nothing is refused there.
 */
async function refuseAnotherSlotsHome(
  deps: ActivityDeps,
  stack: string,
  node: ClusterNode,
  nodeId: string,
  homes: Map<Slot, string>,
  nodes: SwarmNodeDetail[],
): Promise<void> {
  const tasks = await deps.swarm.currentTasks(serviceName(stack));
  const owner = [...homes].find(([slot, at]) => at === nodeId && tasks.get(slot)?.nodeId !== nodeId);
  if (owner === undefined) return;
  const host = nodes.find((n) => n.id === nodeId)?.hostname || nodeId;
  throw new SlotAwayFromHomeError(
    stack,
    `${node.name} runs on ${host}, whose volume holds ${nodeName(owner[0])}'s Raft data (${node.name} has no home)`,
    `it stays sealed until Swarm starts it on a node that is no other slot's home (docs/runbooks.md, "A lost node")`,
  );
}

/**
 * Joins `node` to the Raft cluster of `leader` when it is not initialized (a fresh or wiped node); returns
 * whether it did. `joined: true` is not trusted: the join counts once the node reports itself initialized.
 * `points` are hit right before and after the `sys/storage/raft/join` call.
 */
export async function joinNode(
  deps: Pick<ActivityDeps, 'failpoints' | 'clock' | 'config'>,
  leader: ClusterNode,
  node: ClusterNode,
  points?: CallPoints,
): Promise<boolean> {
  if ((await node.client.sealStatus()).initialized) return false;
  if (points) await deps.failpoints.hit(points.before);
  await node.client.raftJoin(
    `https://${leader.task.address}:${VAULT_API_PORT}`,
    serverName(deps, leader.slot),
  );
  if (points) await deps.failpoints.hit(points.after);
  await waitFor(deps, `${node.name} to report its join to ${leader.name}`, 60_000, async () =>
    (await node.client.sealStatus()).initialized ? true : undefined,
  );
  return true;
}

/**
 * Unseals `node` (see `unsealNode`) only on its slot's home (./homes.ts); a slot with no home yet (a cluster
 * bootstrapped before homes were recorded) takes the node it runs on. Away from its home it is not unsealed: the
 * slots are put back when `rehomeSlots` may, and a retryable `SlotAwayFromHomeError` says what was found and done.
 */
export async function unsealAtHome(
  deps: ActivityDeps,
  stack: string,
  node: ClusterNode,
  key: Pick<HeldKeys, 'unsealKey' | 'keyId'> & Partial<Pick<HeldKeys, 'formerUnsealKeys'>>,
  points?: CallPoints,
): Promise<boolean> {
  if (!(await node.client.sealStatus()).sealed) return false;
  const nodeId = node.task.nodeId;
  if (nodeId === undefined) throw new Error(`${node.name} of ${serviceName(stack)} has no node yet`);
  const nodes = await deps.swarm.listNodes();
  const homes = homesOf(nodes, stack);
  const home = homes.get(node.slot);
  if (home === undefined) {
    await refuseAnotherSlotsHome(deps, stack, node, nodeId, homes, nodes);
    await claimHome(deps, stack, node.slot, nodeId);
  } else if (home !== nodeId) {
    const moved = await rehomeSlots(deps, stack);
    throw new SlotAwayFromHomeError(stack, describeAway({ slot: node.slot, nodeId, home }, nodes), moved);
  }
  return unsealNode(deps, node, key, points);
}

/**
 * Joins `node` to `leader`'s cluster when it is not initialized (see `joinNode`), after recording the node it
 * runs on as its slot's home: the join makes the slot's data there, and a copy it left on another node is
 * never unsealed again (an older log and vote of the same server).
 */
export async function joinAtHome(
  deps: ActivityDeps,
  stack: string,
  leader: ClusterNode,
  node: ClusterNode,
  points?: CallPoints,
): Promise<boolean> {
  if ((await node.client.sealStatus()).initialized) return false;
  const nodeId = node.task.nodeId;
  if (nodeId === undefined) throw new Error(`${node.name} of ${serviceName(stack)} has no node yet`);
  await claimHome(deps, stack, node.slot, nodeId);
  return joinNode(deps, leader, node, points);
}

/**
 * Proves the custody key belongs to this cluster before it is written anywhere: a sealed leader is
 * unsealed with it (a wrong key fails by name, nothing changed). An unsealed leader cannot be asked,
 * so the key is taken as it is (the step order makes that case rare: rotation precedes the unseal).
 */
export async function proveUnsealKey(
  deps: ActivityDeps,
  stack: string,
  held: Pick<HeldKeys, 'unsealKey' | 'keyId'>,
): Promise<void> {
  const leader = nodeAt(await waitForNodes(deps, stack, [LEADER_SLOT]), LEADER_SLOT);
  const points: CallPoints = {
    before: 'rotateUnsealKeySecret:before-prove-unseal',
    after: 'rotateUnsealKeySecret:after-prove-unseal',
  };
  await unsealAtHome(deps, stack, leader, held, points);
}

/** Waits until `node` is its cluster's active node (unsealed and leading). */
export async function waitActive(
  deps: Pick<ActivityDeps, 'clock'>,
  node: ClusterNode,
  deadlineMs: number,
  what = `${node.name} active`,
): Promise<void> {
  await waitFor(deps, what, deadlineMs, async () => ((await node.client.leader()).isSelf ? true : undefined));
}

/**
 * Replaces the data of the active `node` with the snapshot streamed from `snapshot` (`sys/storage/raft/snapshot-force`,
 * authorized by `rootToken` of the data it replaces), waits for Vault to seal itself (the restored data opens
 * only with the snapshot's own key), unseals it with `key` and waits until it is active again.
 */
export async function forceRestore(
  deps: Pick<ActivityDeps, 'failpoints' | 'clock'>,
  node: ClusterNode,
  rootToken: string,
  snapshot: Readable,
  key: Pick<HeldKeys, 'unsealKey' | 'keyId'>,
  deadlineMs: number,
): Promise<void> {
  await node.client.forceRestoreSnapshot(rootToken, snapshot);
  await waitFor(deps, `${node.name} sealed after the restore`, deadlineMs, async () =>
    (await node.client.sealStatus()).sealed ? true : undefined,
  );
  await unsealNode(deps, node, key);
  await waitActive(deps, node, deadlineMs, `${node.name} active with the restored data`);
}
