/**
 * `vault-bootstrap bootstrap [--wait [--timeout D]]`: start BootstrapVault for the stack, or attach to the run
 * already going; with `--wait`, follow it (`../wait.ts` says when no worker polls and what is retried) and exit 1
 * with the innermost failure when it fails.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { describeFailure } from '../../shared/errors';
import { bootstrapWorkflowId } from '../../shared/workflow-ids';
import { bootstrapRunDetails, bootstrapRunSummary } from '../../shared/run-text';
import { BootstrapVault, progressQuery } from '../../workflows';
import type { CommandContext } from '../context';
import { followProgress } from '../follow';
import { formatBootstrapFailure, formatBootstrapStarted, formatBootstrapSummary, uiLink } from '../format';
import { emit, note } from '../output';
import { awaitResult } from '../wait';

export interface BootstrapOptions {
  /** Follow the run until it ends (`--wait`). */
  wait: boolean;
  /** `--timeout`: stop waiting after this many milliseconds. */
  timeoutMs?: number;
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
  const started = { stack, workflowId, runId: handle.firstExecutionRunId, ui: uiLink(config, workflowId) };
  if (!options.wait) {
    emit(ctx, started, () => formatBootstrapStarted(config, stack, workflowId, handle.firstExecutionRunId));
    return 0;
  }
  note(ctx, formatBootstrapStarted(config, stack, workflowId, handle.firstExecutionRunId));
  // By workflow id, not run id: follows whichever run of this id is current.
  const current = client.workflow.getHandle<typeof BootstrapVault>(workflowId);
  const print = (line: string) => note(ctx, line);
  const watched = awaitResult(ctx, current, { timeoutMs: options.timeoutMs, print });
  try {
    const res = await followProgress(
      { progress: () => current.query(progressQuery), result: () => watched },
      { print },
    );
    emit(ctx, { ...started, result: res }, () => formatBootstrapSummary(res.summary));
    return 0;
  } catch (err) {
    if (err instanceof WorkflowFailedError) {
      if (ctx.output === 'json') emit(ctx, { ...started, failed: describeFailure(err) }, () => '');
      console.error(formatBootstrapFailure(config, workflowId, err));
      return 1;
    }
    throw err;
  }
}
