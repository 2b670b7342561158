/**
 * Disaster recovery (issue 11; docs/backups.md): the activities `RestoreVault` adds to the bootstrap's own
 * steps, which it reuses for everything else (placeholder secret, deploy, secret rotation, unseal, join,
 * verify).
 *
 * - `checkSnapshot` refuses, by name and before anything is touched, a snapshot that does not match its
 *   manifest, one of another stack, one whose key custody does not hold, or a stack that is not gone.
 * - `restoreLeader` brings the snapshot into the designated leader. Vault restores only into an initialized,
 *   unsealed cluster, so the empty leader is first initialized with a throwaway key. That key is kept in
 *   custody under a scratch name (`<stack>.restore-<run>`) before it is used: a crash at any point leaves a
 *   leader this step can open again. Once the snapshot is in, Vault seals; the key from custody opens it.
 * - `checkRestored` reads the canary the snapshot holds back through the worker's token; once it has, the
 *   scratch record goes.
 */
import { keyGenerationOf, manifestKeyGeneration } from '../shared/key-generation';
import type { HeldKeys, SnapshotFolder, SnapshotManifest } from '../ports';
import { LEADER_SLOT, PEER_SLOTS, serviceName } from '../shared/constants';
import { ErrorType, NonRetryableError } from '../shared/errors';
import type { RestoreInput, StepOutcome } from '../shared/types';
import { apiToken, readCustody } from './cluster/custody';
import { forceRestore, unsealNode, waitActive } from './cluster/node-actions';
import { nodeAt, waitForNodes } from './cluster/nodes';
import { claimHome } from './cluster/homes';
import type { ActivityDeps } from './deps';

/** How long the leader may take for each change of state around the restore. */
const STATE_MS = 120_000;

/** The custody name the throwaway init answer of a restore is kept under. */
export function scratchCustodyName(input: RestoreInput): string {
  return `${input.stack}.restore-${input.restoreId}`;
}

/** The snapshot's folder (a bare name is in the stack's backup folder), its name there and its path. */
function snapshotAt(
  deps: ActivityDeps,
  input: RestoreInput,
): { folder: SnapshotFolder; name: string; file: string } {
  const { folder, file: name } = deps.snapshots.locate(input.stack, input.snapshot);
  return { folder, name, file: folder.pathOf(name) };
}

function refused(type: keyof typeof ErrorType, message: string): NonRetryableError {
  return new NonRetryableError(ErrorType[type], `${message}. Nothing was changed.`);
}

export function createRestoreActivities(deps: ActivityDeps) {
  const { custody, swarm } = deps;

  /** The snapshot's manifest (a snapshot without one is `SnapshotCorrupt`). */
  async function manifestOf(input: RestoreInput): Promise<SnapshotManifest> {
    const { folder, name, file } = snapshotAt(deps, input);
    const manifest = await folder.readManifest(name);
    if (!manifest)
      throw refused('SnapshotCorrupt', `snapshot ${file} has no readable manifest beside it that names it`);
    return manifest;
  }

  /** The snapshot's manifest, the file checked against it; else `SnapshotCorrupt`. */
  async function verifiedManifest(input: RestoreInput): Promise<SnapshotManifest> {
    const { folder, name, file } = snapshotAt(deps, input);
    const manifest = await manifestOf(input);
    const size = await folder.size(name);
    if (size !== manifest.size)
      throw refused(
        'SnapshotCorrupt',
        `snapshot ${file} has ${size} bytes, its manifest says ${manifest.size}`,
      );
    if (!(await folder.verify(manifest)))
      throw refused('SnapshotCorrupt', `snapshot ${file} does not have the sha256 its manifest says`);
    return manifest;
  }

  /** The custody record the snapshot needs, which must be the stack's; else `SnapshotKeyNotInCustody`. */
  async function keyFor(input: RestoreInput, manifest: SnapshotManifest): Promise<HeldKeys> {
    const record = await custody.describe(input.stack);
    if (record?.keyId !== manifest.unsealKey.custodyKeyId)
      throw refused(
        'SnapshotKeyNotInCustody',
        `snapshot ${manifest.file} opens with the key of custody record ${manifest.unsealKey.custodyKeyId}; custody ` +
          `holds ${record ? `record ${record.keyId}` : 'no record'} for stack ${input.stack}`,
      );
    const held = await readCustody(deps, input.stack, 'the snapshot cannot be unsealed');
    // A snapshot of an earlier key generation opens only with that older key, which would become the
    // cluster's key again behind custody's back: not restored (docs/rekey.md, "Snapshots and key generations").
    const generation = manifestKeyGeneration(manifest);
    if (generation !== keyGenerationOf(held))
      throw refused(
        'SnapshotKeyNotInCustody',
        `snapshot ${manifest.file} was taken under key generation ${generation}; custody's key of ${input.stack} is ` +
          `generation ${keyGenerationOf(held)} (the unseal key was rotated since). Restoring it would make the old key ` +
          `the cluster's key again; choose a snapshot taken since the rotation`,
      );
    return held;
  }

  /** Refuses what cannot be restored, before anything changes; resolves with what will be restored. */
  async function checkSnapshot(input: RestoreInput): Promise<StepOutcome> {
    const manifest = await verifiedManifest(input);
    if (manifest.stack !== input.stack)
      throw refused(
        'SnapshotForOtherStack',
        `snapshot ${manifest.file} is of stack ${manifest.stack}, not ${input.stack}`,
      );
    if (!manifest.canary)
      throw refused(
        'SnapshotCorrupt',
        `the manifest of ${manifest.file} names no canary to check the restore by`,
      );
    await keyFor(input, manifest);
    if (await swarm.inspectService(serviceName(input.stack)))
      throw refused(
        'StackNotEmpty',
        `service ${serviceName(input.stack)} exists: restore brings a stack back from nothing. Remove the stack ` +
          `(docker stack rm ${input.stack}) and its data volumes first, or restore into the running cluster by hand`,
      );
    return {
      changed: false,
      summary:
        `${manifest.file} (${manifest.size} bytes, taken ${manifest.takenAt}, Raft index ${manifest.raftIndex ?? '?'}) ` +
        `matches its manifest; custody holds its key ${manifest.unsealKey.custodyKeyId}`,
    };
  }

  /**
   * Brings the snapshot into the leader and leaves it unsealed with the stack's own key. Observes first, so a
   * retry continues wherever a crashed attempt stopped (an initialized leader without this restore's scratch
   * record is not this restore's: `ForeignClusterDetected`, nothing changed):
   * - leader not initialized: initialize it, the answer kept in custody under the scratch name first;
   * - leader sealed: the stack's key opens restored data (done); the scratch key opens the throwaway data;
   * - throwaway data open: restore the snapshot into it (Vault seals), then unseal with the stack's key.
   */
  async function restoreLeader(input: RestoreInput): Promise<StepOutcome> {
    const manifest = await verifiedManifest(input);
    const held = await keyFor(input, manifest);
    const scratch = scratchCustodyName(input);
    const nodes = await waitForNodes(deps, input.stack, [LEADER_SLOT, ...PEER_SLOTS]);
    const leader = nodeAt(nodes, LEADER_SLOT);
    for (const slot of PEER_SLOTS) {
      if ((await nodeAt(nodes, slot).client.sealStatus()).initialized)
        throw refused(
          'ForeignClusterDetected',
          `${nodeAt(nodes, slot).name} of ${serviceName(input.stack)} is initialized before the restore: its data ` +
            `volume is not empty. Empty it and run the restore again`,
        );
    }
    const node = leader.client;
    const done: string[] = [];
    // Initialized already: by this restore only if its throwaway answer is in custody (a retry resumes);
    // otherwise the leader's old volume survived, and its data would pass for the restored data.
    if ((await node.sealStatus()).initialized && !(await custody.describe(scratch)))
      throw refused(
        'ForeignClusterDetected',
        `${leader.name} of ${serviceName(input.stack)} is initialized, but not by this restore (custody holds no ` +
          `${scratch}): its data volume is not empty. Empty it and run the restore again`,
      );
    if (!(await node.sealStatus()).initialized) {
      if (await custody.describe(scratch))
        throw refused(
          'StaleCustodyRecord',
          `custody holds ${scratch} from an earlier attempt, but ${leader.name} is not initialized (its volume ` +
            `was emptied?). Move the record aside and run the restore again`,
        );
      if (!leader.task.nodeId)
        throw new Error(`${leader.name} of ${serviceName(input.stack)} has no node yet`);
      // The init makes vault-1's data where it runs: that node is its home from now on (cluster/homes.ts).
      await claimHome(deps, input.stack, LEADER_SLOT, leader.task.nodeId);
      const answer = await node.init();
      await custody.store(scratch, answer);
      done.push(`initialized ${leader.name} with a throwaway key (custody ${scratch})`);
    }
    const throwaway = await custody.describe(scratch).then((r) => (r ? custody.read(scratch) : undefined));
    if ((await node.sealStatus()).sealed) {
      // Restored data opens with the stack's key; the throwaway data only with the scratch key.
      const opened = await unsealNode(deps, leader, held).then(
        () => 'stack' as const,
        async (err: unknown) => {
          if (!(err instanceof NonRetryableError && err.type === ErrorType.UnsealKeyRejected) || !throwaway)
            throw err;
          await unsealNode(deps, leader, throwaway);
          return 'scratch' as const;
        },
      );
      await waitActive(deps, leader, STATE_MS);
      if (opened === 'stack') {
        done.push(`${leader.name} holds the restored data, unsealed with key ${held.keyId}`);
        return { changed: done.length > 1, summary: done.join('; ') };
      }
    }
    // Open: the throwaway data unless the stack's worker token is known (restored data, opened before a crash).
    if (await node.lookupSelf(apiToken(held, input.stack))) {
      done.push(`${leader.name} holds the restored data`);
      return { changed: done.length > 1, summary: done.join('; ') };
    }
    if (!throwaway?.rootToken)
      throw refused(
        'RestoreCheckFailed',
        `${leader.name} is open but holds neither the restored data nor the throwaway data of ${scratch}`,
      );
    await waitActive(deps, leader, STATE_MS);
    const { folder, name } = snapshotAt(deps, input);
    await forceRestore(deps, leader, throwaway.rootToken, folder.read(name), held, STATE_MS);
    done.push(`restored ${manifest.file} into ${leader.name} and unsealed it with key ${held.keyId}`);
    return { changed: true, summary: done.join('; ') };
  }

  /**
   * Reads the canary back from the restored cluster with the worker's token; else `RestoreCheckFailed`. The
   * snapshot was checked before it was restored: only its manifest is read here. Then removes the scratch
   * custody record of `restoreLeader` (idempotent: none left, nothing to do).
   */
  async function checkRestored(input: RestoreInput): Promise<StepOutcome> {
    const manifest = await manifestOf(input);
    const held = await readCustody(deps, input.stack, 'the restored cluster cannot be read');
    const canary = manifest.canary;
    if (!canary) throw refused('SnapshotCorrupt', `the manifest of ${manifest.file} names no canary`);
    const leader = nodeAt(await waitForNodes(deps, input.stack, [LEADER_SLOT]), LEADER_SLOT);
    const read = (await leader.client.readKv(apiToken(held, input.stack), canary.path))?.snapshot;
    if (read !== canary.value)
      throw new NonRetryableError(
        ErrorType.RestoreCheckFailed,
        `the restored ${serviceName(input.stack)} holds ${canary.path} = ${read ?? '(missing)'}, not ${canary.value}`,
      );
    // The restore succeeded: the throwaway init's answer (of data the snapshot replaced) is of no more use.
    // Removed only now, so a failed restore keeps it; a retry after the removal finds nothing to remove.
    const scratch = scratchCustodyName(input);
    const record = await custody.describe(scratch);
    if (record) await custody.remove(scratch, record.keyId);
    return { changed: false, summary: `${canary.path} = ${read}: the data of ${manifest.file} is back` };
  }

  return { checkSnapshot, restoreLeader, checkRestored };
}
