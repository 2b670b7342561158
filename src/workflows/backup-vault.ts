/**
 * `BackupVault`: one backup of a stack (issue 11; docs/backups.md): a Raft snapshot from the active node into
 * the stack's snapshot folder with its manifest, then retention. Run by its schedule and by
 * `vault-bootstrap backup now`. First the snapshot token and the canary's engine are checked, never granted
 * (`ensureBackupAccess`; `credentials repair` makes what is missing). Each step is an activity that may be retried whole: a snapshot cut off by a
 * crash leaves only a hidden partial file, and the retry writes a new snapshot.
 */
import { proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { PruneResult } from '../activities/backup';
import type { SnapshotManifest } from '../backup/snapshot-store';
import { backupHousekeeping, snapshotting } from './activity-options';
import { checkStackInput } from '../shared/inputs';

export interface BackupResult {
  manifest: SnapshotManifest;
  retention: PruneResult;
}

const snapshot = proxyActivities<Activities>(snapshotting);

const housekeeping = proxyActivities<Activities>(backupHousekeeping);

function mib(bytes: number): string {
  return `${(bytes / 1_048_576).toFixed(1)} MiB`;
}

export async function BackupVault(input: { stack: string }): Promise<BackupResult> {
  checkStackInput(input);
  // The snapshot token and the canary's mount are checked, never granted (`credentials repair` does that).
  setCurrentDetails(`**Backup ${input.stack}**: checking the snapshot token`);
  await housekeeping.ensureBackupAccess(input);
  setCurrentDetails(`**Backup ${input.stack}**: reading a Raft snapshot from the active node`);
  const manifest = await snapshot.takeSnapshot(input);
  setCurrentDetails(
    `**Backup ${input.stack}**: wrote ${manifest.file} (${mib(manifest.size)}); applying retention`,
  );
  const retention = await housekeeping.pruneSnapshots(input);
  setCurrentDetails(
    [
      `**Backup ${input.stack}: ${manifest.file}** (${mib(manifest.size)}, sha256 ${manifest.sha256.slice(0, 16)}…)`,
      '',
      `Unseals with custody record ${manifest.unsealKey.custodyKeyId} (${manifest.unsealKey.secretName}).`,
      `Kept ${retention.kept.length}, pruned ${retention.pruned.length}.`,
    ].join('\n'),
  );
  return { manifest, retention };
}
