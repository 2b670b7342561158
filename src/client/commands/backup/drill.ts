/**
 * `vault-bootstrap backup drill [--wait]`: one `RestoreDrill` of the stack now (docs/backups.md): the newest
 * snapshot restored into a throwaway `<stack>-drill` stack and its canary read back, under the stack's one drill
 * id (a drill running already is attached to, not raced). Without `--wait` it prints the run's id and UI link;
 * with it, what was restored and how long it took.
 */
import { backupWorkflowIds } from '../../../shared/workflow-ids';
import { drillRunSummary } from '../../../shared/run-text';
import { RestoreDrill } from '../../../workflows';
import type { CommandContext } from '../../context';
import { formatDrillResult } from '../../format';
import { runToEnd } from '../run-to-end';

/** Runs `backup drill`; resolves with 0 once started (or, with `--wait`, once read back), 1 when it failed. */
export async function backupDrill(
  ctx: CommandContext,
  options: { wait: boolean; timeoutMs?: number },
): Promise<number> {
  const { client, config, stack } = ctx;
  const handle = await client.workflow.start(RestoreDrill, {
    taskQueue: config.temporal.taskQueue,
    // One drill of a stack at a time (a rival would remove its throwaway stack): a second call while one runs,
    // scheduled or asked for, attaches to it.
    workflowId: backupWorkflowIds(stack).drill,
    workflowIdConflictPolicy: 'USE_EXISTING',
    args: [{ stack }],
    staticSummary: drillRunSummary(stack, 'on demand'),
  });
  return runToEnd(ctx, handle, { ...options, what: 'restore drill', format: formatDrillResult });
}
