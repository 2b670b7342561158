/**
 * `vault-bootstrap bootstrap [--wait]`: start BootstrapVault for the stack, or attach to
 * the run already going; with `--wait`, follow it and exit 1 with the innermost failure when it fails.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { bootstrapWorkflowId } from '../../shared/workflow-ids';
import { bootstrapRunDetails, bootstrapRunSummary } from '../../shared/run-text';
import { BootstrapVault } from '../../workflows';
import type { CommandContext } from '../context';
import { bootstrapRun, followProgress } from '../follow';
import { formatBootstrapFailure, formatBootstrapStarted, formatBootstrapSummary } from '../format';

export interface BootstrapOptions {
  /** Follow the run until it ends (`--wait`). */
  wait: boolean;
}

/** Runs `bootstrap`; resolves with the exit code (0 started or done, 1 the workflow failed). */
export async function bootstrap(ctx: CommandContext, options: BootstrapOptions): Promise<number> {
  const { client, config, stack } = ctx;
  const workflowId = bootstrapWorkflowId(stack);
  const handle = await client.workflow.start(BootstrapVault, {
    taskQueue: config.temporal.taskQueue,
    workflowId,
    args: [{ stack }],
    staticSummary: bootstrapRunSummary(stack),
    staticDetails: bootstrapRunDetails(stack, config.temporal.taskQueue),
    // A second call while one runs attaches to it; a call after it ended starts a fresh, idempotent run.
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
  });
  console.log(formatBootstrapStarted(config, stack, workflowId, handle.firstExecutionRunId));
  if (!options.wait) return 0;
  try {
    // By workflow id, not run id: follows whichever run of this id is current.
    const res = await followProgress(
      bootstrapRun(client.workflow.getHandle<typeof BootstrapVault>(workflowId)),
    );
    console.log(formatBootstrapSummary(res.summary));
    return 0;
  } catch (err) {
    if (err instanceof WorkflowFailedError) {
      console.error(formatBootstrapFailure(config, workflowId, err));
      return 1;
    }
    throw err;
  }
}
