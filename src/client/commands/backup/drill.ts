/**
 * `vault-bootstrap backup drill [--wait]`: one `RestoreDrill` of the stack now (docs/backups.md): the newest
 * snapshot restored into a throwaway `<stack>-drill` stack and its canary read back. Without `--wait` it
 * prints the run's id and UI link; with it, what was restored and how long it took.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { backupWorkflowIds } from '../../../shared/backup';
import { describeFailure } from '../../../shared/errors';
import { drillRunSummary } from '../../../shared/run-text';
import { RestoreDrill } from '../../../workflows';
import type { CommandContext } from '../../context';
import { formatDrillResult, uiLink } from '../../format';

/** Runs `backup drill`; resolves with 0 once started (or, with `--wait`, once read back), 1 when it failed. */
export async function backupDrill(ctx: CommandContext, options: { wait: boolean }): Promise<number> {
  const { client, config, stack } = ctx;
  const workflowId = backupWorkflowIds(stack).drillNow(Date.now());
  const handle = await client.workflow.start(RestoreDrill, {
    taskQueue: config.temporal.taskQueue,
    workflowId,
    args: [{ stack }],
    staticSummary: drillRunSummary(stack, 'on demand'),
  });
  const link = `Temporal UI: ${uiLink(config, workflowId)}`;
  if (!options.wait) {
    console.log(`RestoreDrill ${workflowId} started\n${link}`);
    return 0;
  }
  let result;
  try {
    result = await handle.result();
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    console.error(`vault-bootstrap: restore drill failed: ${describeFailure(err)}\n${link}`);
    return 1;
  }
  console.log(`${formatDrillResult(result)}\n${link}`);
  return 0;
}
