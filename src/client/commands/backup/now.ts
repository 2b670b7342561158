/**
 * `vault-bootstrap backup now [--wait]`: one `BackupVault` of the stack now (docs/backups.md). Without
 * `--wait` it prints the run's id and UI link; with it, the snapshot written and what retention kept.
 */
import { backupWorkflowIds } from '../../../shared/workflow-ids';
import { backupRunSummary } from '../../../shared/run-text';
import { BackupVault } from '../../../workflows';
import type { CommandContext } from '../../context';
import { runToEnd } from '../run-to-end';

/** Runs `backup now`; resolves with 0 once started (or, with `--wait`, once written), 1 when it failed. */
export async function backupNow(
  ctx: CommandContext,
  options: { wait: boolean; timeoutMs?: number },
): Promise<number> {
  const { client, config, stack } = ctx;
  const handle = await client.workflow.start(BackupVault, {
    taskQueue: config.temporal.taskQueue,
    workflowId: backupWorkflowIds(stack).backupNow(Date.now()),
    args: [{ stack }],
    staticSummary: backupRunSummary(stack, 'on demand'),
  });
  return runToEnd(ctx, handle, {
    ...options,
    what: 'backup',
    format: ({ manifest, retention }) =>
      [
        `wrote ${manifest.file}: ${manifest.size} bytes, sha256 ${manifest.sha256}, Vault ${manifest.vaultVersion}`,
        `  unseals with custody record ${manifest.unsealKey.custodyKeyId} (${manifest.unsealKey.secretName})`,
        `  retention kept ${retention.kept.length}, pruned ${retention.pruned.length}${retention.pruned.length ? `: ${retention.pruned.join(', ')}` : ''}`,
      ].join('\n'),
  });
}
