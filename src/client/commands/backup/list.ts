/**
 * `vault-bootstrap backup list`: the stack's snapshots, newest first, as the worker reads its backup folder
 * (`ListVaultSnapshots`; the client does not see the folder): when each was taken, its size, whether the file
 * matches its manifest, and the files skipped with why. These names are what `restore --snapshot` takes.
 */
import type { SnapshotListing } from '../../../shared/backup';
import { backupWorkflowIds } from '../../../shared/workflow-ids';
import { ListVaultSnapshots } from '../../../workflows';
import type { CommandContext } from '../../context';
import { emit, note } from '../../output';
import { awaitResult } from '../../wait';

/** The listing as text: one line per snapshot, then the skipped files and a folder that cannot be written. */
export function formatSnapshotListing(stack: string, l: SnapshotListing): string {
  const lines = [`snapshots of ${stack} in ${l.dir} (newest first): ${l.snapshots.length}`];
  for (const s of l.snapshots)
    lines.push(
      `  ${s.file}  ${s.takenAt}  ${s.size >= 0 ? `${s.size} bytes` : 'no manifest'}  ` +
        (s.good ? 'ok' : s.size < 0 ? 'NO MANIFEST' : 'DOES NOT MATCH ITS MANIFEST'),
    );
  for (const s of l.skipped) lines.push(`  ${s.file}  skipped (${s.reason}): ${s.detail}`);
  if (!l.target.usable) lines.push(`  NEXT BACKUP WOULD FAIL: ${l.target.error}: ${l.target.detail}`);
  return lines.join('\n');
}

/** Runs `backup list`; resolves with 0 once listed. */
export async function backupList(ctx: CommandContext): Promise<number> {
  const { client, config, stack } = ctx;
  const handle = await client.workflow.start(ListVaultSnapshots, {
    taskQueue: config.temporal.taskQueue,
    workflowId: backupWorkflowIds(stack).list(Date.now()),
    args: [{ stack }],
    staticSummary: `List the snapshots of ${stack}`,
  });
  const listing = await awaitResult(ctx, handle, { print: (line) => note(ctx, line) });
  emit(ctx, { stack, ...listing }, () => formatSnapshotListing(stack, listing));
  return 0;
}
