/**
 * `vault-bootstrap backup now [--wait]`: one `BackupVault` of the stack now (docs/backups.md). Without
 * `--wait` it prints the run's id and UI link; with it, the snapshot written and what retention kept.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { backupWorkflowIds } from '../../../shared/backup';
import { describeFailure } from '../../../shared/errors';
import { backupRunSummary } from '../../../shared/run-text';
import { BackupVault } from '../../../workflows';
import type { CommandContext } from '../../context';
import { uiLink } from '../../format';

/** Runs `backup now`; resolves with 0 once started (or, with `--wait`, once written), 1 when it failed. */
export async function backupNow(ctx: CommandContext, options: { wait: boolean }): Promise<number> {
  const { client, config, stack } = ctx;
  const workflowId = backupWorkflowIds(stack).backupNow(Date.now());
  const handle = await client.workflow.start(BackupVault, {
    taskQueue: config.temporal.taskQueue,
    workflowId,
    args: [{ stack }],
    staticSummary: backupRunSummary(stack, 'on demand'),
  });
  if (!options.wait) {
    console.log(`BackupVault ${workflowId} started\nTemporal UI: ${uiLink(config, workflowId)}`);
    return 0;
  }
  let result;
  try {
    result = await handle.result();
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    console.error(
      `vault-bootstrap: backup failed: ${describeFailure(err)}\nTemporal UI: ${uiLink(config, workflowId)}`,
    );
    return 1;
  }
  const { manifest, retention } = result;
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
