/**
 * The rolling upgrade of the Vault image (`UpgradeVault`, issue 29; docs/upgrade.md): the image swapped into the
 * service stepwise (src/activities/cluster/rollout.ts), one task at a time, each unsealed on its home and a
 * healthy Raft voter before the next.
 *
 * Swarm's updater picks which stale task goes next (docs/upgrade.md, "Order": 1, 2, 3 in the rotations, 1, 3, 2
 * in an upgrade on the same bed). The active node hands over when its own task goes: Vault steps down on SIGTERM,
 * and when it is the last one left the tool steps it down first (`sys/step-down`, with a root token generated for
 * the call and revoked once a new active node answers).
 */
import type { HeldKeys, TaskInfo } from '../ports';
import { ALL_SLOTS, nodeName, serviceName } from '../shared/constants';
import type { Slot } from '../shared/constants';
import { ErrorType, isNamedFailure, messageOf, NonRetryableError } from '../shared/errors';
import { UPGRADE_NODE_TIMEOUT } from '../shared/inputs';
import type { StepOutcome, UpgradeInput } from '../shared/types';
import { apiToken, readCustody } from './cluster/custody';
import { unsealAtHome } from './cluster/node-actions';
import { activeAmong, findActive, locateNodes, waitFor } from './cluster/nodes';
import type { ClusterNode } from './cluster/nodes';
import { rootGeneration } from './cluster/root-generation';
import { followStepwiseRollout, taskState } from './cluster/rollout';
import type { ActivityDeps } from './deps';

/** An image reference the tool accepts: a tag or a digest, never `latest` or none. */
const PINNED_IMAGE = /^[a-z0-9][a-z0-9._/:-]*(:[A-Za-z0-9_][A-Za-z0-9._-]{0,127}|@sha256:[0-9a-f]{64})$/;

/** An image reference without its digest and tag: `registry:5000/org/name@sha256:…` → `registry:5000/org/name`. */
function repositoryOf(image: string): string {
  const name = image.split('@')[0]!;
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  return colon > slash ? name.slice(0, colon) : name;
}

/** How long a replaced node may take to serve before the upgrade stops (`--node-timeout`). */
const NODE_TIMEOUT_MS = UPGRADE_NODE_TIMEOUT.defaultMs;

/** How many step-downs may come back to the same node before Swarm's SIGTERM is left to hand over. */
const STEP_DOWN_TRIES = 6;

export function createUpgradeActivities(deps: ActivityDeps) {
  const { withGeneratedRoot } = rootGeneration(deps);

  /** The node that answers as active now, if one does. */
  async function activeNow(stack: string) {
    return (await findActive((await locateNodes(deps, stack, ALL_SLOTS)).values())).active;
  }

  /** Resolves the target image (`--rollback`: the one recorded at the last swap) and the running one. */
  async function planUpgrade(input: UpgradeInput): Promise<StepOutcome & { from: string; to: string }> {
    const name = serviceName(input.stack);
    const svc = await deps.swarm.inspectService(name);
    if (!svc?.image) throw new Error(`service ${name} does not exist or names no image`);
    const to = input.rollback ? svc.previousImage : input.image;
    if (!to)
      throw new NonRetryableError(
        ErrorType.InvalidConfig,
        input.rollback
          ? `${name} records no image from before an upgrade: nothing to roll back to. Nothing was changed.`
          : `no image given for ${name}. Nothing was changed.`,
      );
    if (!PINNED_IMAGE.test(to) || /:latest$/.test(to))
      throw new NonRetryableError(
        ErrorType.InvalidConfig,
        `image ${to} is not pinned (a tag other than latest, or a digest). Nothing was changed.`,
      );
    const from = svc.image;
    // Whoever may start a workflow must not be able to make any image the one that holds the unsealed keyring:
    // an upgrade changes the tag (or digest) of the image the stack runs, never where it comes from. Another
    // repository is the stack file's business (`VAULT_IMAGE`, a deploy by someone with Docker access).
    if (repositoryOf(to) !== repositoryOf(from))
      throw new NonRetryableError(
        ErrorType.InvalidConfig,
        `image ${to} is not of ${repositoryOf(from)}, the repository ${name} runs: an upgrade changes the tag only. ` +
          `Nothing was changed; a change of repository goes through the stack file (VAULT_IMAGE) and a deploy.`,
      );
    return {
      changed: false,
      from,
      to,
      summary: from === to ? `${name} runs ${to} already` : `${from} → ${to}`,
    };
  }

  /**
   * Rolls the service onto `image` one task at a time (see the module header). Returns the order Swarm replaced
   * the nodes in, the step-downs, and each node's version after.
   */
  async function rollImage(input: {
    stack: string;
    image: string;
    nodeTimeoutMs?: number;
  }): Promise<StepOutcome & { versions: string[] }> {
    const { stack, image } = input;
    const nodeTimeoutMs = input.nodeTimeoutMs ?? NODE_TIMEOUT_MS;
    const name = serviceName(stack);
    const held = await readCustody(deps, stack, 'no node can be unsealed after its upgrade');
    const token = apiToken(held, stack);
    const svc = await deps.swarm.inspectService(name);
    if (!svc) throw new Error(`service ${name} does not exist`);
    const updated = (t: TaskInfo) => t.image === image;
    let stepDowns = 0;
    // The active node before each replacement Swarm was asked for (the swap's, then each advance's): which of
    // Swarm's picks took the active node while a standby was left, reported (docs/upgrade.md, "Order").
    const activeBefore: (Slot | undefined)[] = [];
    const noteActive = async () => {
      activeBefore.push((await activeNow(stack))?.slot);
    };
    const leaveActive = async (stale: Slot[]) => {
      stepDowns += await steerActive(stack, stale, held);
      await noteActive();
    };
    let swapped = false;
    // The nodes on the image before the swap (a rollback's that never left it): not replaced, not reported so.
    let onItBefore: string[] = [];
    if (svc.image !== image) {
      const tasks = await refuseUnsafeSwap(stack, held, updated);
      onItBefore = [...tasks.values()].filter(updated).map((t) => nodeName(t.slot as Slot));
      await noteActive();
      await deps.swarm.swapImage(name, image, 'stepwise');
      await deps.failpoints.hit('rollImage:after-swap');
      swapped = true;
    }
    const rollout = await followStepwiseRollout(deps, stack, {
      updated,
      unseal: async (node) => {
        await unsealAtHome(deps, stack, node, held);
      },
      token,
      beforeAdvance: leaveActive,
      afterAdvance: () => deps.failpoints.hit('rollImage:after-advance'),
      deadlineMs: nodeTimeoutMs,
      stalled: (slots, why) =>
        new NonRetryableError(
          ErrorType.UpgradeNodeUnhealthy,
          `${slots.map(nodeName).join(', ')} did not serve on ${image} within ` +
            `${Math.round(nodeTimeoutMs / 1000)}s of its replacement (${why}). ` +
            `The upgrade stopped there: no other task is replaced, the cluster serves on the nodes that do. ` +
            `\`vault-bootstrap upgrade --rollback\` returns that node to the image before (docs/upgrade.md).`,
        ),
    });
    const { advances } = rollout;
    const replaced = rollout.replaced.filter((n) => !onItBefore.includes(n));
    // Only when this call asked for every replacement: after a crash the picks before it are not known.
    const activeTaken = swapped
      ? replaced.filter(
          (n, k) =>
            k < replaced.length - 1 && activeBefore[k] !== undefined && n === nodeName(activeBefore[k]),
        )
      : [];
    const restored = await deps.swarm.restoreUpdateConfig(name);
    const nodes = await locateNodes(deps, stack, ALL_SLOTS);
    const versions = await Promise.all(
      [...nodes.values()].map(async (n) => `${n.name} ${(await n.client.sealStatus()).version}`),
    );
    return {
      changed: swapped || advances > 0 || restored,
      versions,
      summary:
        `${image} on every node` +
        (replaced.length ? `, one at a time: ${replaced.join(', ')}` : '') +
        (stepDowns ? `; the active node stepped down before its own replacement (${stepDowns}x)` : '') +
        (activeTaken.length
          ? `; Swarm took the active node ${activeTaken.join(', ')} while a standby was left: it handed over on SIGTERM`
          : '') +
        `; ${versions.join(', ')}`,
    };
  }

  /**
   * Which nodes serve (unsealed, on their homes; a sealed one is unsealed first) and why the others do not
   * (`down`, and `why` as one line); the tasks and nodes it looked at.
   */
  async function servingNodes(
    stack: string,
    held: HeldKeys,
  ): Promise<{
    tasks: Map<number, TaskInfo>;
    nodes: Map<Slot, ClusterNode>;
    down: Map<Slot, string>;
    why: string;
  }> {
    const tasks = await deps.swarm.currentTasks(serviceName(stack));
    const nodes = await locateNodes(deps, stack, ALL_SLOTS, { starting: true, tasks });
    const down = new Map<Slot, string>();
    for (const slot of ALL_SLOTS) {
      const node = nodes.get(slot);
      if (!node) {
        down.set(slot, taskState(tasks.get(slot)));
        continue;
      }
      try {
        await unsealAtHome(deps, stack, node, held);
        if ((await node.client.sealStatus()).sealed) down.set(slot, 'it is sealed');
      } catch (err) {
        if (isNamedFailure(err)) throw err;
        down.set(slot, `it is not unsealed: ${messageOf(err)}`);
      }
    }
    const why = [...down].map(([s, w]) => `${nodeName(s)} does not serve: ${w}`).join('; ');
    return { tasks, nodes, down, why };
  }

  /**
   * Before the swap. Swarm's updater stops one stale task at once, of its own choosing: with every node
   * serving, one of three goes down; with a node down, that pick must be the down node itself (the only stale
   * one), or two are down and Raft has no quorum. Refused (`RolloutUnsafe`) otherwise, nothing changed.
   * Returns the tasks it looked at.
   */
  async function refuseUnsafeSwap(
    stack: string,
    held: HeldKeys,
    updated: (t: TaskInfo) => boolean,
  ): Promise<Map<number, TaskInfo>> {
    const { tasks, down, why } = await servingNodes(stack, held);
    const exposed = ALL_SLOTS.filter((s) => {
      const t = tasks.get(s);
      return !down.has(s) && !(t && updated(t));
    });
    if (down.size === 0 || exposed.length === 0) return tasks;
    throw new NonRetryableError(
      ErrorType.RolloutUnsafe,
      `${why}. Swarm would replace a stale task of its own choosing first, and ${exposed.map(nodeName).join(', ')} ` +
        `serve${exposed.length === 1 ? 's' : ''} and would be replaced too: two nodes down, no quorum. Nothing was ` +
        `changed. Bring ${[...down.keys()].map(nodeName).join(', ')} back first (docs/upgrade.md, "A node that does not come back").`,
    );
  }

  /**
   * `--rollback`'s first check, in place of `verifyCluster`: a rollback is what an operator runs when a node did
   * not come back on the new image, so one node may be down; a quorum must serve (the snapshot is taken from
   * it). Whether the swap may go ahead with that node down is `rollImage`'s check.
   */
  async function checkRollback(input: { stack: string }): Promise<StepOutcome & { down: string[] }> {
    const { stack } = input;
    const held = await readCustody(deps, stack, 'no node can be unsealed for the rollback');
    const { nodes, down, why } = await servingNodes(stack, held);
    const serving = ALL_SLOTS.filter((s) => !down.has(s)).map(nodeName);
    if (serving.length < 2)
      throw new NonRetryableError(
        ErrorType.RolloutUnsafe,
        `${why}: no quorum serves, so no snapshot can be taken and no rollout is safe. Nothing was changed ` +
          `(docs/runbooks.md).`,
      );
    // Serving is not enough: a quorum is two of the three Raft voters (a node removed from the configuration
    // and unsealed again counts for nothing).
    const active = await activeAmong(stack, nodes);
    const voters = (await active.client.raftConfiguration(apiToken(held, stack)))
      .filter((s) => s.voter)
      .map((s) => s.nodeId);
    const servingVoters = serving.filter((n) => voters.some((id) => id.endsWith(n)));
    if (servingVoters.length < 2)
      throw new NonRetryableError(
        ErrorType.RolloutUnsafe,
        `${why || 'every node serves'}; serving Raft voters: ${servingVoters.join(', ') || 'none'}. No quorum ` +
          `would be left to take a node away from. Nothing was changed (docs/runbooks.md).`,
      );
    return {
      changed: false,
      down: [...down.keys()].map(nodeName),
      summary: `${servingVoters.join(', ')} serve as Raft voters` + (why ? `; ${why}` : ''),
    };
  }

  /**
   * When the one slot not replaced yet is the active node, it steps down first (to a replaced node), so that it
   * hands over before Swarm stops it rather than on SIGTERM. Earlier, which stale task Swarm replaces next is
   * its own pick (docs/upgrade.md, "Order"), so nothing is steered. Returns how many step-downs it took.
   */
  async function steerActive(stack: string, stale: Slot[], held: HeldKeys): Promise<number> {
    if (stale.length !== 1) return 0;
    const last = stale[0]!;
    let downs = 0;
    for (;;) {
      const active = await activeAmong(stack, await locateNodes(deps, stack, ALL_SLOTS));
      // Elections are Raft's: after this many that came back to it, SIGTERM's own hand-over is left to do it.
      if (active.slot !== last || downs >= STEP_DOWN_TRIES) return downs;
      // The root token is revoked once a new active node answers (the old one forwards to it): revoking it
      // while none is active fails, and the retry would step down again.
      await withGeneratedRoot(active.client, held, stack, async (root) => {
        await active.client.stepDown(root);
        await waitFor(
          deps,
          `a new active node after ${nodeName(active.slot)} stepped down`,
          60_000,
          async () => {
            const now = await activeNow(stack);
            return now && now.slot !== active.slot ? true : undefined;
          },
        );
      });
      downs++;
    }
  }

  return { planUpgrade, checkRollback, rollImage };
}
