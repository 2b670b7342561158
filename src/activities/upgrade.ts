/**
 * The rolling upgrade of the Vault image (`UpgradeVault`, issue 29; docs/upgrade.md): the image swapped into the
 * service stepwise (src/activities/cluster/rollout.ts), one task at a time, each unsealed on its home and a
 * healthy Raft voter before the next; the active node steered so that the standbys go first and the leader steps
 * down before its own task is replaced.
 *
 * Swarm's updater picks the next stale task itself; on the bed it took them in slot order (docs/upgrade.md,
 * "Order"). So before each replacement the tool makes sure the slot Swarm takes next is not the active node
 * (`sys/step-down`, with a root token generated for the call and revoked right after), and the last stale slot,
 * the old leader, steps down before it goes. Should Swarm pick otherwise, the leader it picks hands over on
 * SIGTERM: a few seconds of election, nothing lost.
 */
import type { TaskInfo } from '../ports';
import { ALL_SLOTS, nodeName, serviceName } from '../shared/constants';
import type { Slot } from '../shared/constants';
import { ErrorType, NonRetryableError } from '../shared/errors';
import type { StepOutcome, UpgradeInput } from '../shared/types';
import { apiToken, readCustody } from './cluster/custody';
import { unsealAtHome } from './cluster/node-actions';
import { findActive, locateNodes, waitFor } from './cluster/nodes';
import { rootGeneration } from './cluster/root-generation';
import { followStepwiseRollout, raftView } from './cluster/rollout';
import type { ActivityDeps } from './deps';

/** An image reference the tool accepts: a tag or a digest, never `latest` or none. */
const PINNED_IMAGE = /^[a-z0-9][a-z0-9._/:-]*(:[A-Za-z0-9_][A-Za-z0-9._-]{0,127}|@sha256:[0-9a-f]{64})$/;

/** How many elections a step-down may take to move the active node off the slots it must leave. */
const STEP_DOWN_TRIES = 6;

export function createUpgradeActivities(deps: ActivityDeps) {
  const { withGeneratedRoot } = rootGeneration(deps);

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
  }): Promise<StepOutcome & { versions: string[] }> {
    const { stack, image } = input;
    const name = serviceName(stack);
    const held = await readCustody(deps, stack, 'no node can be unsealed after its upgrade');
    const token = apiToken(held, stack);
    const svc = await deps.swarm.inspectService(name);
    if (!svc) throw new Error(`service ${name} does not exist`);
    const updated = (t: TaskInfo) => t.image === image;
    let stepDowns = 0;
    const leaveActive = async (stale: Slot[]) => {
      stepDowns += await steerActive(stack, stale, held);
    };
    let swapped = false;
    if (svc.image !== image) {
      // Swarm replaces its first pick at once: the active node leaves it first.
      await leaveActive([...ALL_SLOTS]);
      await deps.swarm.swapImage(name, image, 'stepwise');
      await deps.failpoints.hit('rollImage:after-swap');
      swapped = true;
    }
    const { replaced, advances } = await followStepwiseRollout(deps, stack, {
      updated,
      unseal: async (node) => {
        await unsealAtHome(deps, stack, node, held);
      },
      raft: () => raftView(deps, stack, token),
      beforeAdvance: leaveActive,
      afterAdvance: () => deps.failpoints.hit('rollImage:after-advance'),
    });
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
        (stepDowns ? `; ${stepDowns} step-down(s) kept the active node off the next replacement` : '') +
        `; ${versions.join(', ')}`,
    };
  }

  /**
   * Moves the active node off the slot Swarm replaces next (the lowest of `stale`), onto another stale slot
   * while there is one (the standbys go first), else onto a replaced node (the old leader steps down before
   * its task goes). Returns how many step-downs it took.
   */
  async function steerActive(
    stack: string,
    stale: Slot[],
    held: Awaited<ReturnType<typeof readCustody>>,
  ): Promise<number> {
    if (stale.length === 0) return 0;
    const next = Math.min(...stale);
    const allowed = (slot: Slot) => slot !== next && (stale.length === 1 || stale.includes(slot));
    let downs = 0;
    for (;;) {
      const nodes = await locateNodes(deps, stack, ALL_SLOTS);
      const { active } = await findActive(nodes.values());
      if (!active)
        throw new Error(`no active node in ${serviceName(stack)} to steer before the next replacement`);
      if (allowed(active.slot)) return downs;
      if (downs >= STEP_DOWN_TRIES) {
        // Elections are Raft's: after this many, let Swarm's SIGTERM hand over instead.
        return downs;
      }
      await withGeneratedRoot(active.client, held, stack, (root) => active.client.stepDown(root));
      downs++;
      await waitFor(
        deps,
        `a new active node after ${nodeName(active.slot)} stepped down`,
        60_000,
        async () => {
          const { active: now } = await findActive((await locateNodes(deps, stack, ALL_SLOTS)).values());
          return now && now.slot !== active.slot ? true : undefined;
        },
      );
    }
  }

  return { planUpgrade, rollImage };
}
