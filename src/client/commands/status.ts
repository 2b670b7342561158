/**
 * `vault-bootstrap status`: each step of the latest BootstrapVault run of the stack, with the current attempt;
 * exit 3 (`EXIT.notFound`) when the stack has no bootstrap run at all.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { WorkflowExecutionStatusName, WorkflowHandle } from '@temporalio/client';
import { bootstrapWorkflowId } from '../../shared/workflow-ids';
import { progressQuery } from '../../workflows';
import type { BootstrapVault } from '../../workflows';
import type { CommandContext } from '../context';
import { describeFailure } from '../../shared/errors';
import { formatProgress, uiLink } from '../format';
import { EXIT } from '../grammar';
import { emit } from '../output';
import { TemporalStackHolds } from '../../holds/temporal-holds';
import { holdLine } from '../../shared/run-text';
import type { StepProgress } from '../../shared/steps';

/** How long `status` waits for the progress query: a query waits for a worker, which may not be polling. */
const QUERY_WAIT_MS = 5000;

/** The attempt of the activity the run is waiting on, if any (shown beside the running step). */
async function pendingAttempt(handle: WorkflowHandle<typeof BootstrapVault>): Promise<number | undefined> {
  const d = await handle.describe();
  return d.raw.pendingActivities?.[0]?.attempt ?? undefined;
}

/** Exit code of `status` for a run in this state: 1 when it ended badly, else 0 (running or completed). */
export function statusExitCode(status: WorkflowExecutionStatusName): number {
  return status === 'FAILED' || status === 'TERMINATED' || status === 'TIMED_OUT' ? EXIT.failed : EXIT.ok;
}

/** Runs `status`; resolves with `statusExitCode` of the latest run, or 3 when there is none. */
export async function status(ctx: CommandContext): Promise<number> {
  const { client, config, stack } = ctx;
  const handle = client.workflow.getHandle<typeof BootstrapVault>(bootstrapWorkflowId(stack));
  let d;
  try {
    d = await handle.describe();
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    console.error(
      `vault-bootstrap: stack ${stack} has no bootstrap run (no workflow ${handle.workflowId} in namespace ` +
        `${config.temporal.namespace}); start one: vault-bootstrap bootstrap --stack ${stack}`,
    );
    return EXIT.notFound;
  }
  const hold = await new TemporalStackHolds(() => client).current(stack);
  let rows: StepProgress[] | undefined;
  let attempt: number | undefined;
  let unavailable: string | undefined;
  try {
    const gaveUp = new AbortController();
    const answered = await Promise.race([
      handle.query(progressQuery),
      sleep(QUERY_WAIT_MS, undefined, { signal: gaveUp.signal }).catch(() => undefined),
    ]).finally(() => gaveUp.abort());
    if (answered === undefined)
      unavailable = `no worker answered within ${QUERY_WAIT_MS / 1000} s (does one poll task queue ${config.temporal.taskQueue}?)`;
    else {
      rows = answered;
      attempt = await pendingAttempt(handle);
    }
  } catch (err) {
    unavailable = describeFailure(err);
  }
  const ui = uiLink(config, handle.workflowId);
  emit(
    ctx,
    {
      stack,
      workflowId: handle.workflowId,
      runId: d.runId,
      status: d.status.name,
      startTime: d.startTime.toISOString(),
      ...(d.closeTime ? { closeTime: d.closeTime.toISOString() } : {}),
      ...(hold ? { hold } : {}),
      ...(rows ? { steps: rows } : { progressUnavailable: unavailable }),
      ...(attempt !== undefined ? { attempt } : {}),
      ui,
    },
    () =>
      [
        `BootstrapVault ${handle.workflowId}: ${d.status.name} (started ${d.startTime.toISOString()})`,
        ...(hold ? [`${holdLine(hold)} (health reports and never acts until release)`] : []),
        rows ? formatProgress(rows, attempt) : `  (progress not available: ${unavailable})`,
        `Temporal UI: ${ui}`,
      ].join('\n'),
  );
  return statusExitCode(d.status.name);
}
