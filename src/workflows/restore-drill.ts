/**
 * `RestoreDrill`: proves the newest snapshot restores (issue 11; docs/backups.md). Deploys a throwaway
 * one-node stack (`<stack>-drill`, its data on tmpfs), restores the newest good snapshot into it, unseals it
 * with the key the manifest names, reads back the canary `BackupVault` wrote before that snapshot, and
 * removes the throwaway stack whatever happened, even when the drill is cancelled. The outcome goes into the
 * search attribute `VaultRestoreDrill` (`ok` / `failed:<type>`) and beside the snapshots, where the health
 * report shows it.
 *
 * One drill of a stack at a time: the drill runs under the stack's drill id (`backupWorkflowIds(stack).drill`),
 * which `backup drill` starts or attaches to; a scheduled run hands the drill to a child of that id.
 */
import {
  CancellationScope,
  log,
  ParentClosePolicy,
  patched,
  proxyActivities,
  setCurrentDetails,
  sleep,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../activities';
import type { DrillRecord, DrillResult } from '../shared/backup';
import { drillStackName } from '../shared/backup';
import { describeFailure, failureTypeOf } from '../shared/errors';
import { drillRunSummary } from '../shared/run-text';
import { backupWorkflowIds } from '../shared/workflow-ids';
import { drilling, drillHousekeeping } from './activity-options';
import { DRILL_RECORD_FIRST_PATCH, ONE_DRILL_PATCH } from './patches';
import { VAULT_RESTORE_DRILL } from '../shared/search-attributes';
import { checkStackInput } from '../shared/inputs';

const drill = proxyActivities<Activities>(drilling);

const housekeeping = proxyActivities<Activities>(drillHousekeeping);

/** Records the outcome where the health report reads it; a folder that refuses it does not change the outcome. */
async function record(stack: string, outcome: DrillRecord): Promise<void> {
  try {
    await housekeeping.recordDrill({ stack, record: outcome });
  } catch (err) {
    log.warn('the restore drill outcome could not be recorded', { stack, error: describeFailure(err) });
  }
}

/** How often a scheduled drill that found another drill of the stack running looks again. */
const DRILL_BUSY_RETRY = '1 minute';

/**
 * A run under another id than the stack's drill id (a scheduled one: the server gives it `<schedule>-<time>`):
 * the drill runs as a child under the stack's drill id, so it never runs beside another drill of the stack.
 * While one runs (`backup drill`), this run waits for it to end, then drills; it is cancelled with its child.
 */
async function drillUnderStackId(input: { stack: string }): Promise<DrillResult> {
  const workflowId = backupWorkflowIds(input.stack).drill;
  for (;;) {
    let child;
    try {
      child = await startChild(RestoreDrill, {
        workflowId,
        args: [input],
        staticSummary: drillRunSummary(input.stack, 'scheduled'),
        // Cancelled, not terminated, with this run: the child's clean-up removes the throwaway stack.
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      setCurrentDetails(
        `**Restore drill ${input.stack}**: waiting for the drill running under ${workflowId} to end`,
      );
      await sleep(DRILL_BUSY_RETRY);
      continue;
    }
    setCurrentDetails(`**Restore drill ${input.stack}**: running as ${workflowId}`);
    return child.result();
  }
}

export async function RestoreDrill(input: { stack: string }): Promise<DrillResult> {
  const { stack } = checkStackInput(input);
  if (workflowInfo().workflowId !== backupWorkflowIds(stack).drill && patched(ONE_DRILL_PATCH))
    return drillUnderStackId(input);
  setCurrentDetails(
    `**Restore drill ${stack}**: restoring the newest snapshot into ${drillStackName(stack)}`,
  );
  let result: DrillResult;
  try {
    result = await drill.runRestoreDrill(input);
  } catch (err) {
    upsertSearchAttributes([{ key: VAULT_RESTORE_DRILL, value: `failed:${failureTypeOf(err)}` }]);
    setCurrentDetails(`**Restore drill ${stack}: FAILED**\n\n${describeFailure(err)}`);
    const failed: DrillRecord = { at: new Date().toISOString(), ok: false, error: describeFailure(err) };
    await CancellationScope.nonCancellable(async () => {
      if (!patched(DRILL_RECORD_FIRST_PATCH)) {
        await housekeeping.removeDrillStack(input);
        await record(stack, failed);
        return;
      }
      // Recorded first: whatever the clean-up meets (a foreign stack of the drill's name refuses it as the
      // drill did), the health report shows this failure, and the run fails with the drill's own error.
      await record(stack, failed);
      try {
        await housekeeping.removeDrillStack(input);
      } catch (cleanup) {
        log.warn('the throwaway stack was not removed; the next drill removes it first', {
          stack,
          error: describeFailure(cleanup),
        });
      }
    });
    throw err;
  }
  // Whatever happened, and even when the drill is cancelled: the throwaway stack goes.
  await CancellationScope.nonCancellable(() => housekeeping.removeDrillStack(input));
  upsertSearchAttributes([{ key: VAULT_RESTORE_DRILL, value: 'ok' }]);
  await record(stack, {
    at: new Date().toISOString(),
    ok: true,
    snapshot: result.snapshot.file,
    seconds: result.seconds.total,
  });
  setCurrentDetails(
    [
      `**Restore drill ${stack}: OK**, ${result.snapshot.file} restored and read back`,
      '',
      `Canary ${result.canary.path} = ${result.canary.read}; ${result.seconds.total.toFixed(1)} s in all ` +
        `(deploy ${result.seconds.deploy.toFixed(1)} s, restore and unseal ${result.seconds.restore.toFixed(1)} s).`,
    ].join('\n'),
  );
  return result;
}
