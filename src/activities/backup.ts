/**
 * The backup activities (issue 11; `docs/backups.md`): a Raft snapshot read from the active node and streamed
 * into the stack's snapshot folder with its manifest, and retention. Each is idempotent: a retried snapshot is
 * a new file (a crashed attempt leaves only a hidden partial file), and pruning deletes only what the plan
 * computed from the folder as it is now says.
 */
import { Context } from '@temporalio/activity';
import { planRetention, retentionEntries } from '../backup/retention';
import { keyGenerationOf } from '../shared/key-generation';
import type { KeepReason } from '../backup/retention';
import { snapshotMetaTap } from '../backup/snapshot-meta';
import { snapshotFileName } from '../backup/snapshot-names';
import type { SkippedSnapshot, SnapshotManifest } from '../ports';
import type { SnapshotListing } from '../shared/backup';
import { apiToken, readCustody, snapshotToken } from './cluster/custody';
import { activeNode } from './cluster/nodes';
import { CANARY_PATH } from './cluster/policies';
import { currentUnsealSecret } from './cluster/secrets';
import type { ActivityDeps } from './deps';

/** What `pruneSnapshots` kept (with why) and removed, newest first. */
export interface PruneResult {
  kept: { file: string; reasons: KeepReason[] }[];
  pruned: string[];
  /** Partial files a killed writer left (untouched for `ABANDONED_PARTIAL_MS`), removed. */
  abandoned?: string[];
  /**
   * Snapshots retention did not judge and left alone: an unreadable, unsigned, forged or other cluster's
   * manifest (issue 27). Never pruned: an operator looks at them.
   */
  skipped?: SkippedSnapshot[];
}

/**
 * A partial file nobody has written to for this long was left by a writer that died (a snapshot being
 * written grows with every chunk, and a stall fails the read within the request timeout).
 */
export const ABANDONED_PARTIAL_MS = 10 * 60_000;

/**
 * `source`, heartbeating as each chunk passes (a worker that dies mid-stream is noticed by its heartbeat
 * timeout), each chunk also shown to `observe`.
 */
async function* heartbeating(
  source: AsyncIterable<Uint8Array>,
  observe: (chunk: Uint8Array) => void,
  afterFirst: () => Promise<void>,
): AsyncIterable<Uint8Array> {
  const ctx = Context.current();
  let bytes = 0;
  for await (const chunk of source) {
    const first = bytes === 0;
    bytes += chunk.length;
    ctx.heartbeat({ bytes });
    observe(chunk);
    yield chunk;
    if (first) await afterFirst();
  }
}

export function createBackupActivities(deps: ActivityDeps) {
  const { config, clock, snapshots } = deps;

  /**
   * Reads a Raft snapshot from the active node (a standby forwards) into the stack's folder; resolves with its manifest, which
   * names the custody record and the unseal-key secret the snapshot needs to be unsealed.
   */
  async function takeSnapshot(input: { stack: string }): Promise<SnapshotManifest> {
    const { stack } = input;
    const held = await readCustody(deps, stack, 'no snapshot can be read');
    const token = apiToken(held, stack); // the canary: the worker's token may write it, and read no snapshot
    const reader = snapshotToken(held, stack);
    const secret = await currentUnsealSecret(deps, stack);
    const node = await activeNode(deps, stack);
    const { version } = await node.sealStatus();
    const takenAt = new Date(clock.now());
    const file = snapshotFileName(stack, takenAt);
    // Written just before the snapshot, so the snapshot holds it: the drill reads it back from the restored copy.
    const canary = { path: CANARY_PATH, value: file };
    await node.writeKv(token, CANARY_PATH, { snapshot: file, takenAt: takenAt.toISOString(), stack });
    await deps.failpoints.hit('takeSnapshot:before-read');
    const stream = await node.raftSnapshot(reader);
    const meta = snapshotMetaTap();
    const late = async () => {
      const raft = await meta.result();
      return raft ? { raftIndex: raft.index, raftTerm: raft.term } : {};
    };
    const source = heartbeating(
      stream,
      (c) => meta.observe(c),
      () => deps.failpoints.hit('takeSnapshot:after-first-chunk'),
    );
    return snapshots.of(stack).write(
      source,
      {
        stack,
        file,
        takenAt: takenAt.toISOString(),
        canary,
        vaultVersion: version,
        unsealKey: {
          custodyKeyId: held.keyId,
          ...(keyGenerationOf(held) > 0 ? { keyGeneration: keyGenerationOf(held) } : {}),
          secretName: secret?.name ?? '',
          secretVersion: secret?.version ?? 0,
        },
      },
      late,
    );
  }

  /** Applies retention to the stack's folder as it is now; resolves with what it kept (and why) and removed. */
  async function pruneSnapshots(input: { stack: string }): Promise<PruneResult> {
    const store = snapshots.of(input.stack);
    // Only what the folder can vouch for is judged; a manifest it cannot read or trust is reported, not fatal.
    const { snapshots: stored, skipped } = await store.scan();
    for (const s of skipped)
      Context.current().log.warn(`snapshot ${s.file} in ${store.dir} skipped by retention: ${s.detail}`);
    const plan = planRetention(retentionEntries(stored), config.backup.keep);
    for (const entry of plan.prune) await store.remove(entry.name);
    const abandoned = await store.removePartialsOlderThan(clock.now() - ABANDONED_PARTIAL_MS);
    return {
      kept: plan.keep.map((k) => ({ file: k.entry.name, reasons: k.reasons })),
      pruned: plan.prune.map((e) => e.name),
      ...(abandoned.length ? { abandoned } : {}),
      ...(skipped.length ? { skipped } : {}),
    };
  }

  /**
   * The stack's snapshots as its folder holds them now, newest first, with whether each file has its
   * manifest's size, and the files skipped (with why); reads only. A folder not made yet lists none; one a
   * backup could not be written to is said (`target`), and listed when it can be read.
   */
  async function listSnapshots(input: { stack: string }): Promise<SnapshotListing> {
    const store = snapshots.of(input.stack);
    const target = await store.check();
    if (target.usable && !target.created) return { dir: store.dir, target, snapshots: [], skipped: [] };
    const { snapshots: stored, skipped } = await store.scan();
    return {
      dir: store.dir,
      target,
      snapshots: stored.map(({ manifest: m, good }) => ({
        file: m.file,
        takenAt: m.takenAt,
        size: m.size,
        good,
        ...(m.vaultVersion ? { vaultVersion: m.vaultVersion } : {}),
        ...(m.unsealKey.custodyKeyId ? { custodyKeyId: m.unsealKey.custodyKeyId } : {}),
        ...(m.raftIndex !== undefined ? { raftIndex: m.raftIndex } : {}),
      })),
      skipped,
    };
  }

  return { takeSnapshot, pruneSnapshots, listSnapshots };
}
