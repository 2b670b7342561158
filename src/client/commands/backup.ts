/**
 * `vault-bootstrap backup now [--wait]`: one `BackupVault` of the stack now (docs/backups.md). Without
 * `--wait` it prints the run's id and UI link; with it, the snapshot written and what retention kept.
 */
import { BackupVault } from '../../workflows';
import type { CommandContext } from '../context';
import { uiLink } from '../format';

/** Runs `backup now`; resolves with 0 once started (or, with `--wait`, once written), and rejects if it failed. */
export async function backupNow(ctx: CommandContext, options: { wait: boolean }): Promise<number> {
  const { client, config, stack } = ctx;
  const workflowId = `vault-backup-now:${stack}:${Date.now()}`;
  const handle = await client.workflow.start(BackupVault, {
    taskQueue: config.temporal.taskQueue,
    workflowId,
    args: [{ stack }],
    staticSummary: `Backup ${stack} (on demand)`,
  });
  if (!options.wait) {
    console.log(`BackupVault ${workflowId} started\nTemporal UI: ${uiLink(config, workflowId)}`);
    return 0;
  }
  const { manifest, retention } = await handle.result();
  console.log(
    [
      `wrote ${manifest.file}: ${manifest.size} bytes, sha256 ${manifest.sha256}, Vault ${manifest.vaultVersion}`,
      `  unseals with custody record ${manifest.unsealKey.custodyKeyId} (${manifest.unsealKey.secretName})`,
      `  retention kept ${retention.kept.length}, pruned ${retention.pruned.length}${retention.pruned.length ? `: ${retention.pruned.join(', ')}` : ''}`,
      `Temporal UI: ${uiLink(config, workflowId)}`,
    ].join('\n'),
  );
  return 0;
}
