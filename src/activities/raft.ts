/**
 * Steps 5 to 8, which form the Raft cluster once vault-1 is initialized (./init-leader.ts): unseal the leader,
 * join and unseal the peers, verify.
 * Every step reads the nodes' real state first (never the workflow's memory) and returns once the effect holds.
 */
import { keyGenerationOf } from '../shared/key-generation';
import type { AutopilotConfig, HeldKeys, NodeObservation, RaftServer, SecretInfo } from '../ports';
import {
  ALL_SLOTS,
  AUTOPILOT_CONFIG,
  FORMING_STABILIZATION_TIME,
  LEADER_SLOT,
  nodeName,
  PEER_SLOTS,
  serviceName,
  UNSEAL_SECRET_TARGET,
  VAULT_REPLICAS,
} from '../shared/constants';
import type { PeerSlot, Slot } from '../shared/constants';
import { ErrorType, NonRetryableError, VaultRequestError } from '../shared/errors';
import type { BootstrapInput, ClusterSummary, StepOutcome } from '../shared/types';
import { apiToken, readCustody } from './cluster/custody';
import { rehomeSlots } from './cluster/homes';
import { joinAtHome, unsealAtHome } from './cluster/node-actions';
import { activeAmong, findActive, locateNodes, nodeAt, waitFor, waitForNodes } from './cluster/nodes';
import type { ClusterNode } from './cluster/nodes';
import { stackSecrets } from './cluster/secrets';
import type { ActivityDeps } from './deps';

/**
 * The service must mount, at target `vault_unseal_key`, the unseal-key secret made for the custody record:
 * a placeholder there (the stack redeployed with the stack file's default secret name after the rotation)
 * is a named failure, not a healthy cluster. Nothing is changed here; a full bootstrap run
 * swaps the key back in.
 */
function assertMountsKey(
  service: string,
  mountedName: string | undefined,
  secret: SecretInfo | undefined,
  held: Pick<HeldKeys, 'keyId' | 'keyGeneration' | 'stack'>,
  allowOutdated = false,
): asserts secret is SecretInfo {
  const { keyId } = held;
  if (secret?.kind === 'placeholder') {
    throw new NonRetryableError(
      ErrorType.PlaceholderWhereKeyExpected,
      `${service} mounts the placeholder secret ${secret.name} at target ${UNSEAL_SECRET_TARGET} where the unseal key is expected ` +
        `(the stack was redeployed with the default secret name). Nothing was changed; ` +
        `run the bootstrap again: rotateUnsealKeySecret swaps the key back in.`,
    );
  }
  if (secret?.kind !== 'unseal-key') {
    throw new NonRetryableError(
      ErrorType.UnexpectedServiceShape,
      `${service} mounts ${mountedName ?? 'no secret'} at target ${UNSEAL_SECRET_TARGET}, not a secret of the bootstrap's unseal-key family. Nothing was changed.`,
    );
  }
  if (secret.keyId !== keyId) {
    throw new NonRetryableError(
      ErrorType.CustodyKeyMismatch,
      `${service} mounts ${secret.name}, made for custody record ${String(secret.keyId)}, but custody holds record ${keyId}. Nothing was changed.`,
    );
  }
  if (!allowOutdated && secret.keyGeneration !== keyGenerationOf(held)) {
    throw new NonRetryableError(
      ErrorType.UnsealSecretOutdated,
      `${service} mounts ${secret.name}, of key generation ${secret.keyGeneration}, but custody's key is generation ` +
        `${keyGenerationOf(held)}: a rotation of the unseal key did not finish its rollout. Nothing was changed; ` +
        `run \`vault-bootstrap rekey --stack ${held.stack}\` to finish it.`,
    );
  }
}

/**
 * Runs `each` on both peers at once and resolves with the results in slot order. Waits for both even when
 * one fails (a failed attempt leaves nothing running into its retry), then throws the first failure.
 */
async function onPeers<T>(
  nodes: Map<Slot, ClusterNode<Slot>>,
  each: (peer: ClusterNode<PeerSlot>) => Promise<T>,
): Promise<T[]> {
  const settled = await Promise.allSettled(PEER_SLOTS.map((slot) => each(nodeAt(nodes, slot))));
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<T>).value);
}

/**
 * Puts `wanted` (by default `AUTOPILOT_CONFIG`) in place on the active node unless it already is:
 * `configured` when it wrote, `kept` when it was in place, `not allowed` when the token may not read it (a
 * worker token made before the worker policy allowed it, on a cluster bootstrapped by an older version: left
 * as it is, and said so).
 */
async function configureAutopilot(
  leader: ClusterNode,
  token: string,
  wanted: AutopilotConfig = AUTOPILOT_CONFIG,
): Promise<'configured' | 'kept' | 'not allowed'> {
  let current;
  try {
    current = await leader.client.autopilotConfiguration(token);
  } catch (err) {
    if (err instanceof VaultRequestError && err.status === 403) return 'not allowed';
    throw err;
  }
  const keys = Object.keys(wanted) as (keyof AutopilotConfig)[];
  if (keys.every((k) => current[k] === wanted[k])) return 'kept';
  await leader.client.setAutopilotConfiguration(token, { ...wanted });
  return 'configured';
}

export function createRaftActivities(deps: ActivityDeps) {
  /** The custody record of an initialized cluster; every step after initLeader needs it. */
  const keys = (stack: string): Promise<HeldKeys> =>
    readCustody(
      deps,
      stack,
      `the initialized cluster of ${serviceName(stack)} cannot be unsealed or inspected`,
    );

  /**
   * Step 5: unseals the designated leader and waits until the cluster has an active node. Slots that Swarm
   * started away from the nodes holding their data are put back first (./cluster/homes.ts).
   */
  async function unsealLeader(input: BootstrapInput): Promise<StepOutcome> {
    const held = await keys(input.stack);
    const rehomed = await rehomeSlots(deps, input.stack);
    const leader = nodeAt(await waitForNodes(deps, input.stack, [LEADER_SLOT]), LEADER_SLOT);
    const status = await leader.client.sealStatus();
    if (!status.initialized) {
      throw new NonRetryableError(
        ErrorType.UnexpectedVaultResponse,
        `${leader.name} reports it is not initialized although it was; its data folder may have been replaced`,
      );
    }
    const changed = await unsealAtHome(deps, input.stack, leader, held, {
      before: 'unsealLeader:before-unseal',
      after: 'unsealLeader:after-unseal',
    });
    // The leader alone is a Raft quorum only while it is the only member (a first bootstrap). When a formed
    // cluster restarted (a redeploy, a secret swap, a reboot) every task comes back sealed, and no node can
    // become active until a majority is unsealed: the peers that are already members are unsealed too.
    // An active node is one that says so when asked, not the one vault-1's leader address names: a standby
    // with no quorum still names the last active node, sealed since (issue 26), and would stay a standby.
    const peers: string[] = [];
    await waitFor(deps, `an active Vault node of ${serviceName(input.stack)}`, 120_000, async () => {
      const nodes = await locateNodes(deps, input.stack, ALL_SLOTS, { starting: true });
      if ((await findActive(nodes.values())).active) return true;
      for (const slot of PEER_SLOTS) {
        const peer = nodes.get(slot) as ClusterNode<PeerSlot> | undefined;
        // A peer not initialized has not joined (a first bootstrap, or wiped): not this step's to touch. One
        // that does not answer yet is asked again at the next poll; the other may make the quorum meanwhile.
        const seal = await peer?.client.sealStatus().catch(() => undefined);
        if (!peer || !seal?.initialized) continue;
        const points = {
          before: `unsealLeader:before-unseal:${peer.name}`,
          after: `unsealLeader:after-unseal:${peer.name}`,
        } as const;
        if (await unsealAtHome(deps, input.stack, peer, held, points)) peers.push(peer.name);
      }
      return undefined;
    });
    const quorum = peers.length ? ` (and ${peers.join(', ')} for a Raft quorum)` : '';
    const moved = rehomed ? `${rehomed}; ` : '';
    return {
      changed: changed || peers.length > 0 || rehomed !== undefined,
      summary:
        moved + (changed ? `unsealed ${leader.name}${quorum}` : `${leader.name} already unsealed${quorum}`),
    };
  }

  /**
   * Joins one peer when it reports itself uninitialized (fresh, wiped, or a pending join forgotten by a
   * restart). Decided from the node's own seal status, never from the Raft configuration: a peer whose data
   * was wiped stays listed there (by name) until it is removed, and would otherwise never be joined again.
   * `activity` names the fault points around the join (`<activity>:before-join:<peer>`).
   */
  async function joinIfNeeded(
    activity: 'joinPeers' | 'unsealPeers',
    stack: string,
    leader: ClusterNode,
    peer: ClusterNode<PeerSlot>,
  ): Promise<boolean> {
    return joinAtHome(deps, stack, leader, peer, {
      before: `${activity}:before-join:${peer.name}`,
      after: `${activity}:after-join:${peer.name}`,
    });
  }

  /**
   * Before a peer joins, waits until Swarm counts every task running. Raft reaches each server at its host
   * name (`VAULT_CLUSTER_ADDR`), which Docker's DNS lists only from then on: after the task's first healthy
   * check (docs/tunnel.md), up to one healthcheck interval (5 s in the production file) after a restart. A peer
   * joined before that is added to the Raft configuration under a name that does not resolve yet, and the
   * leader's replication to it fails and backs off exponentially (hashicorp/raft: up to 41 s between tries):
   * after the first rollout restarted every task at once, the peers became voters 20 s after they were
   * reachable (docs/performance.md). Only when a peer is to be joined; a task whose healthcheck never passes is
   * restarted by Swarm, and the wait ends in a retryable failure that names it.
   */
  async function untilInDns(stack: string, nodes: Map<Slot, ClusterNode>): Promise<void> {
    const statuses = await Promise.all(PEER_SLOTS.map((s) => nodeAt(nodes, s).client.sealStatus()));
    if (statuses.every((s) => s.initialized)) return;
    const service = serviceName(stack);
    await waitFor(deps, `every task of ${service} in Docker's DNS (Swarm: running)`, 120_000, async () => {
      const tasks = await deps.swarm.currentTasks(service);
      const notYet = ALL_SLOTS.filter((s) => tasks.get(s)?.state !== 'running').map(nodeName);
      if (notYet.length === 0) return true;
      throw new Error(`${notYet.join(', ')} not yet running in Swarm (its first healthcheck has not passed)`);
    });
  }

  /** Step 6: joins the peers to the leader's Raft cluster. */
  async function joinPeers(input: BootstrapInput): Promise<StepOutcome> {
    const token = apiToken(await keys(input.stack), input.stack);
    const nodes = await waitForNodes(deps, input.stack, ALL_SLOTS);
    // The joins and autopilot go to the node that answers as active: vault-1 on a first bootstrap, any member
    // after a restart (vault-1 may then be a standby, whose leader address can be stale). None: retryable.
    const leader = await activeAmong(input.stack, nodes);
    // Proves the token works before any join is sent.
    const servers = await leader.client.raftConfiguration(token);
    // The cluster forms while the leader is its only voter: a short stabilization until unsealPeers sees the
    // peers become voters. A formed cluster lists its peers as voters, even while they are down or wiped.
    const forming = servers.every((s) => s.nodeId === leader.name || !s.voter);
    const autopilot = await configureAutopilot(
      leader,
      token,
      forming ? { ...AUTOPILOT_CONFIG, serverStabilizationTime: FORMING_STABILIZATION_TIME } : undefined,
    );
    await untilInDns(input.stack, nodes);
    // Both peers at once: the leader orders the Raft configuration changes.
    const joined = (
      await onPeers(nodes, async (peer) =>
        (await joinIfNeeded('joinPeers', input.stack, leader, peer)) ? peer.name : undefined,
      )
    ).filter((n) => n !== undefined);
    const autopilotNote = {
      configured: forming
        ? `; autopilot configured (stabilization ${FORMING_STABILIZATION_TIME} while the cluster forms)`
        : '; autopilot configured',
      kept: '',
      'not allowed': '; autopilot left as it is (the token may not read its configuration)',
    }[autopilot];
    return {
      changed: joined.length > 0 || autopilot === 'configured',
      summary: (joined.length ? `joined ${joined.join(', ')}` : 'peers already joined') + autopilotNote,
    };
  }

  /**
   * Step 7: unseals the peers and waits until the Raft configuration lists all of them as voters.
   * A peer whose task was replaced before its unseal has forgotten the pending join; it is joined again.
   */
  async function unsealPeers(input: BootstrapInput): Promise<StepOutcome> {
    const held = await keys(input.stack);
    const token = apiToken(held, input.stack);
    const unsealed: string[] = [];
    const active = await waitFor(
      deps,
      `peers of ${serviceName(input.stack)} to be unsealed Raft voters`,
      300_000,
      async () => {
        const nodes = await waitForNodes(deps, input.stack, ALL_SLOTS);
        const leader = await activeAmong(input.stack, nodes); // the active node answers joins
        await onPeers(nodes, async (peer) => {
          await joinIfNeeded('unsealPeers', input.stack, leader, peer);
          const points = {
            before: `unsealPeers:before-unseal:${peer.name}`,
            after: `unsealPeers:after-unseal:${peer.name}`,
          } as const;
          if ((await unsealAtHome(deps, input.stack, peer, held, points)) && !unsealed.includes(peer.name))
            unsealed.push(peer.name);
        });
        const after = await leader.client.raftConfiguration(token);
        const voters = PEER_SLOTS.map(nodeName).filter((n) => after.some((m) => m.nodeId === n && m.voter));
        if (voters.length !== PEER_SLOTS.length)
          throw new Error(`Raft voters among peers: ${voters.join(', ') || 'none'}`);
        return leader;
      },
    );
    // The cluster has formed: the decided stabilization time again (a no-op unless joinPeers shortened it).
    const restored = (await configureAutopilot(active, token)) === 'configured';
    return {
      changed: unsealed.length > 0 || restored,
      summary:
        (unsealed.length ? `unsealed ${unsealed.sort().join(', ')}` : 'peers already unsealed') +
        (restored ? `; autopilot stabilization back to ${AUTOPILOT_CONFIG.serverStabilizationTime}` : ''),
    };
  }

  /** Step 8: 3 running tasks, every node unsealed, Raft: 3 voters, exactly one leader. */
  function verifyCluster(input: BootstrapInput): Promise<StepOutcome & { cluster: ClusterSummary }> {
    return verify(input, false);
  }

  /**
   * `RekeyVault`'s first step: `verifyCluster`, except that the secret may hold an older key generation than
   * custody (a rotation whose rollout a failed run left: the new run finishes it).
   */
  function checkRekeyable(input: BootstrapInput): Promise<StepOutcome & { cluster: ClusterSummary }> {
    return verify(input, true);
  }

  async function verify(
    input: BootstrapInput,
    allowOutdated: boolean,
  ): Promise<StepOutcome & { cluster: ClusterSummary }> {
    const name = serviceName(input.stack);
    const held = await keys(input.stack);
    const { keyId } = held;
    const svc = await deps.swarm.inspectService(name);
    if (!svc) throw new Error(`service ${name} does not exist`);
    const family = (await stackSecrets(deps, input.stack)).own;
    const secret = family.find((s) => s.id === svc.unsealSecret?.id);
    assertMountsKey(name, svc.unsealSecret?.name, secret, held, allowOutdated);
    const nodes = await waitForNodes(deps, input.stack, ALL_SLOTS, 60_000);
    const observedAt = new Date(deps.clock.now()).toISOString();
    const problems: string[] = [];
    const seen: NodeObservation['nodes'] = [];
    for (const n of nodes.values()) {
      const s = await n.client.sealStatus();
      seen.push({ name: n.name, reachable: true, sealed: s.sealed });
      if (!s.initialized || s.sealed)
        problems.push(`${n.name}: initialized=${s.initialized} sealed=${s.sealed}`);
    }
    // What it saw goes to the metrics whatever the verdict: the figures of a new cluster, before any health run.
    const observe = (servers: NodeObservation['servers']) =>
      deps.metrics.recordNodes({ stack: input.stack, observedAt, nodes: seen, servers });
    let servers: RaftServer[];
    try {
      servers = await nodeAt(nodes, LEADER_SLOT).client.raftConfiguration(apiToken(held, input.stack));
    } catch (err) {
      observe([]);
      throw err;
    }
    observe(servers.map((s) => ({ nodeId: s.nodeId, leader: s.leader, voter: s.voter })));
    const leaders = servers.filter((s) => s.leader);
    const voters = servers.filter((s) => s.voter);
    if (servers.length !== VAULT_REPLICAS)
      problems.push(`Raft has ${servers.length} servers: ${servers.map((s) => s.nodeId).join(', ')}`);
    if (voters.length !== VAULT_REPLICAS) problems.push(`Raft has ${voters.length} voters`);
    if (leaders.length !== 1) problems.push(`Raft has ${leaders.length} leaders`);
    if (problems.length) throw new Error(`cluster not healthy: ${problems.join('; ')}`);
    const cluster: ClusterSummary = {
      stack: input.stack,
      service: name,
      leader: leaders[0]!.nodeId,
      followers: servers
        .filter((s) => !s.leader)
        .map((s) => s.nodeId)
        .sort(),
      unsealSecret: secret.name,
      unsealSecretVersion: secret.version,
      keyId,
      runningTasks: nodes.size,
    };
    return {
      changed: false,
      summary: `leader ${cluster.leader}, followers ${cluster.followers.join(', ')}, all unsealed`,
      cluster,
    };
  }

  return { unsealLeader, joinPeers, unsealPeers, verifyCluster, checkRekeyable };
}
