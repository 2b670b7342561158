/**
 * The restore drill's activities (issue 11; docs/backups.md): the proof that the newest snapshot restores.
 *
 * `runRestoreDrill` does the whole drill in one attempt: a retry starts over on a fresh throwaway stack, since
 * the throwaway node's own init answer (its key and root token) never leaves the process. Its data lives on
 * tmpfs, so removing the stack removes every byte of the restored copy, on whichever node it ran.
 * `removeDrillStack` removes it; the workflow runs it whatever happened. Both remove only services that carry
 * the drill's label (`DRILL_LABEL`, set by `drillOverride`).
 */
import { Context } from '@temporalio/activity';
import { stringify } from 'yaml';
import { manifestKeyGeneration, unsealKeyOfGeneration } from '../shared/key-generation';
import type { SnapshotFolder, SnapshotManifest } from '../ports';
import type { DrillRecord, DrillResult } from '../shared/backup';
import { DRILL_LABEL, drillStackName } from '../shared/backup';
import { serviceName, VAULT_SERVICE } from '../shared/constants';
import { ErrorType, NonRetryableError, VaultRequestError } from '../shared/errors';
import { apiToken, readCustody } from './cluster/custody';
import { forceRestore, unsealNode, waitActive } from './cluster/node-actions';
import { nodeAt, waitFor, waitForNodes } from './cluster/nodes';
import { currentUnsealSecret } from './cluster/secrets';
import type { ActivityDeps } from './deps';

/** How long the throwaway node may take to start, and then each of its state changes. */
const DRILL_START_MS = 180_000;
const DRILL_STATE_MS = 120_000;

/**
 * The compose file laid over the stack's own files for the throwaway stack: one replica; host name, API and
 * cluster addresses and Raft node id of its own, so that nothing on `iklimco-net` can mistake it for a member
 * of the real cluster; its data and logs on tmpfs, gone with its container.
 */
export function drillOverride(drillStack: string): string {
  const host = `${drillStack}-vault-1`;
  return stringify({
    version: '3.8',
    services: {
      [VAULT_SERVICE]: {
        hostname: host,
        environment: {
          VAULT_API_ADDR: `https://${host}:8200`,
          VAULT_CLUSTER_ADDR: `https://${host}:8201`,
          VAULT_RAFT_NODE_ID: host,
        },
        volumes: [
          { type: 'tmpfs', target: '/vault/data' },
          { type: 'tmpfs', target: '/vault/logs' },
        ],
        deploy: { replicas: 1, labels: { [DRILL_LABEL]: 'true' } },
      },
    },
  });
}

function seconds(fromMs: number, toMs: number): number {
  return Math.round((toMs - fromMs) / 100) / 10;
}

export function createDrillActivities(deps: ActivityDeps) {
  const { config, clock, swarm } = deps;

  /** The snapshot the drill restores: the newest one, which must match its manifest; else a named failure. */
  async function newestSnapshot(
    stack: string,
  ): Promise<{ store: SnapshotFolder; manifest: SnapshotManifest }> {
    const store = deps.snapshots.of(stack);
    // A manifest that cannot be read or trusted (issue 27) is never the newest: skipped, and named.
    const { snapshots, skipped } = await store.scan();
    for (const s of skipped)
      Context.current().log.warn(`snapshot ${s.file} in ${store.dir} skipped by the drill: ${s.detail}`);
    const [newest] = snapshots;
    if (!newest)
      throw new NonRetryableError(
        ErrorType.NoSnapshot,
        `no snapshot of ${stack} in ${store.dir}` +
          (skipped.length
            ? ` that can be trusted (skipped: ${skipped.map((s) => `${s.file}: ${s.detail}`).join('; ')})`
            : '') +
          `: run \`vault-bootstrap backup now --stack ${stack}\` first`,
      );
    const m = newest.manifest;
    const why = !m.sha256
      ? 'it has no manifest'
      : !newest.good
        ? `its size is not the ${m.size} bytes its manifest says`
        : !(await store.verify(m))
          ? 'its sha256 is not the one its manifest says'
          : !m.canary
            ? 'its manifest names no canary to read back'
            : undefined;
    if (why)
      throw new NonRetryableError(
        ErrorType.SnapshotCorrupt,
        `the newest snapshot ${m.file} in ${store.dir} cannot be restored: ${why}. It was left in place; ` +
          `the next backup writes a new one.`,
      );
    return { store, manifest: m };
  }

  /**
   * Removes the throwaway stack and waits until none of its tasks is left on any node (so its container, and
   * the tmpfs with the restored copy, are gone); absent already: nothing to do. A service there without the
   * drill's label is not the drill's: nothing is removed, `ForeignDrillStack`. On the test bed also the
   * folders its deploy needed (the Swarm port's `removeStackFolders`).
   */
  async function removeDrill(stack: string, drillStack: string): Promise<boolean> {
    // Only a drill's own services (`drillOverride` labels them): a stack of that name someone else deployed stays.
    const { removed, unlabelled } = await swarm.removeStack(drillStack, DRILL_LABEL);
    if (unlabelled.length)
      throw new NonRetryableError(
        ErrorType.ForeignDrillStack,
        `stack ${drillStack} has service${unlabelled.length > 1 ? 's' : ''} ${unlabelled.join(', ')} without the ` +
          `label ${DRILL_LABEL}: it is not a restore drill's throwaway stack, so nothing of it was removed. The ` +
          `drill of ${stack} needs that name: remove or rename that stack by hand`,
      );
    await waitFor(deps, `removal of ${serviceName(drillStack)}'s tasks`, DRILL_STATE_MS, async () =>
      (await swarm.stackTasks(drillStack)) === 0 ? true : undefined,
    );
    await swarm.removeStackFolders(drillStack);
    return removed;
  }

  /** Deploys the throwaway stack: the stack's own files, then `drillOverride`. */
  async function deployDrill(stack: string, drillStack: string): Promise<void> {
    const secret = await currentUnsealSecret(deps, stack);
    if (!secret) throw new Error(`stack ${stack} has no unseal-key secret: is it bootstrapped?`);
    const env: Record<string, string> = {
      ...config.stack.deployEnv,
      // Mounted only because the stack file names it; the drill unseals through the API.
      VAULT_UNSEAL_KEY_SECRET: secret.name,
      VAULT_BOOTSTRAP_STACK_NAME: drillStack,
    };
    await swarm.deployStack(drillStack, config.stack.files, env, drillOverride(drillStack));
  }

  async function runRestoreDrill(input: { stack: string }): Promise<DrillResult> {
    const { stack } = input;
    const started = clock.now();
    const { store, manifest } = await newestSnapshot(stack);
    const canary = manifest.canary!;
    const held = await readCustody(deps, stack, 'no snapshot can be unsealed');
    if (held.keyId !== manifest.unsealKey.custodyKeyId)
      throw new NonRetryableError(
        ErrorType.SnapshotKeyNotInCustody,
        `snapshot ${manifest.file} needs the unseal key of custody record ${manifest.unsealKey.custodyKeyId}, ` +
          `but custody holds ${held.keyId} for ${stack}. Nothing was deployed.`,
      );
    // A snapshot opens with the key of the generation it was taken under (docs/rekey.md).
    const generation = manifestKeyGeneration(manifest);
    const snapshotKey = unsealKeyOfGeneration(held, generation);
    if (snapshotKey === undefined)
      throw new NonRetryableError(
        ErrorType.SnapshotKeyNotInCustody,
        `snapshot ${manifest.file} needs key generation ${generation} of custody record ${held.keyId}, which ` +
          `custody does not hold. Nothing was deployed.`,
      );
    const token = apiToken(held, stack);
    const drillStack = drillStackName(stack);
    // A crashed attempt's throwaway stack holds a node this attempt cannot unseal: start over.
    await removeDrill(stack, drillStack);
    await deployDrill(stack, drillStack);
    const drillNode = nodeAt(await waitForNodes(deps, drillStack, [1], DRILL_START_MS), 1);
    const node = drillNode.client;
    const deployed = clock.now();

    // The throwaway node's own key and root token: used here, gone with it.
    const own = await node.init();
    await unsealNode(deps, drillNode, { unsealKey: own.unsealKey, keyId: 'the throwaway init' });
    await waitActive(deps, drillNode, DRILL_STATE_MS);
    await forceRestore(
      deps,
      drillNode,
      own.rootToken,
      store.read(manifest.file),
      { unsealKey: snapshotKey, keyId: `${held.keyId} (key generation ${generation})` },
      DRILL_STATE_MS,
    );
    const restored = clock.now();

    // Restoring keeps the throwaway node's own Raft membership: it must not believe the real nodes are its peers.
    const members = (await node.raftConfiguration(token)).map((s) => s.nodeId);
    if (members.length !== 1 || members[0] !== `${drillStack}-vault-1`)
      throw new NonRetryableError(
        ErrorType.RestoreCheckFailed,
        `the restored copy in ${drillStack} lists Raft members ${members.join(', ')}, not only itself`,
      );
    let value: Record<string, string> | undefined;
    try {
      value = await node.readKv(token, canary.path);
    } catch (err) {
      if (!(err instanceof VaultRequestError && err.status === 403)) throw err;
      throw new NonRetryableError(
        ErrorType.RestoreCheckFailed,
        `the restored copy of ${manifest.file} refuses the worker's token from custody (HTTP 403): ` +
          `a restore of it would leave the worker without access`,
      );
    }
    const read = value?.snapshot ?? '(missing)';
    if (read !== canary.value)
      throw new NonRetryableError(
        ErrorType.RestoreCheckFailed,
        `the restored copy of ${manifest.file} holds ${canary.path} = ${read}, not ${canary.value}`,
      );
    const { version } = await node.sealStatus();
    return {
      stack,
      drillStack,
      snapshot: {
        file: manifest.file,
        size: manifest.size,
        sha256: manifest.sha256,
        takenAt: manifest.takenAt,
      },
      canary: { path: canary.path, expected: canary.value, read },
      vaultVersion: version,
      seconds: {
        deploy: seconds(started, deployed),
        restore: seconds(deployed, restored),
        total: seconds(started, clock.now()),
      },
    };
  }

  /** Removes the throwaway stack (absent already: nothing to do); resolves with whether it was there. */
  async function removeDrillStack(input: { stack: string }): Promise<{ removed: boolean }> {
    return { removed: await removeDrill(input.stack, drillStackName(input.stack)) };
  }

  /** Records the drill's outcome beside the snapshots, where the health report reads it. */
  async function recordDrill(input: { stack: string; record: DrillRecord }): Promise<void> {
    await deps.snapshots.of(input.stack).writeDrillRecord(input.record);
  }

  return { runRestoreDrill, removeDrillStack, recordDrill };
}
