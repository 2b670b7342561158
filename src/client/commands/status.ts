/**
 * `vault-bootstrap status`: each step of the latest BootstrapVault run of the stack, with the current attempt.
 */
import type { WorkflowExecutionStatusName, WorkflowHandle } from '@temporalio/client';
import { bootstrapWorkflowId } from '../../shared/workflow-ids';
import { progressQuery } from '../../workflows';
import type { BootstrapVault } from '../../workflows';
import type { CommandContext } from '../context';
import { describeFailure } from '../../shared/errors';
import { formatProgress, uiLink } from '../format';
import { TemporalStackHolds } from '../../holds/temporal-holds';
import { holdLine } from '../../shared/run-text';

/** The attempt of the activity the run is waiting on, if any (shown beside the running step). */
async function pendingAttempt(handle: WorkflowHandle<typeof BootstrapVault>): Promise<number | undefined> {
  const d = await handle.describe();
  return d.raw.pendingActivities?.[0]?.attempt ?? undefined;
}

/** Exit code of `status` for a run in this state: 1 when it ended badly, else 0 (running or completed). */
export function statusExitCode(status: WorkflowExecutionStatusName): number {
  return status === 'FAILED' || status === 'TERMINATED' || status === 'TIMED_OUT' ? 1 : 0;
}

/** Runs `status`; resolves with `statusExitCode` of the latest run. */
export async function status(ctx: CommandContext): Promise<number> {
  const { client, config, stack } = ctx;
  const handle = client.workflow.getHandle<typeof BootstrapVault>(bootstrapWorkflowId(stack));
  const d = await handle.describe();
  console.log(`BootstrapVault ${handle.workflowId}: ${d.status.name} (started ${d.startTime.toISOString()})`);
  const hold = await new TemporalStackHolds(() => client).current(stack);
  if (hold) console.log(`${holdLine(hold)} (health reports and never acts until release)`);
  try {
    const rows = await handle.query(progressQuery);
    console.log(formatProgress(rows, await pendingAttempt(handle)));
  } catch (err) {
    console.log(`  (progress not available: ${describeFailure(err)})`);
  }
  console.log(`Temporal UI: ${uiLink(config, handle.workflowId)}`);
  return statusExitCode(d.status.name);
}
