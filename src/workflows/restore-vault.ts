/**
 * `RestoreVault`: disaster recovery (issue 11; docs/backups.md). Brings a stack back from nothing (all nodes
 * and volumes gone) from one snapshot: the bootstrap's steps (./cluster-steps.ts), with the leader's init
 * replaced by the restore.
 *
 *   checkSnapshot (named refusals, nothing touched) → preflight → ensurePlaceholderSecret → deployStack →
 *   restoreLeader → rotateUnsealKeySecret → unsealLeader → joinPeers → unsealPeers → verifyCluster →
 *   checkRestored (the canary) → release the hold
 *
 * The stack is held (`HoldVaultStack`) for the whole restore, so no health run acts on a half-restored
 * cluster; a hold an operator already has is left to them, and the release goes to the hold run this restore
 * started only (by its run id), never to a later hold of the same id. A restore that fails keeps its hold: an operator
 * looks, then releases. Each step is an idempotent activity, so a crash anywhere resumes at the step it hit.
 */
import {
  getExternalWorkflowHandle,
  isCancellation,
  log,
  ParentClosePolicy,
  proxyActivities,
  setCurrentDetails,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { ActivityInterfaceFor, ActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { describeFailure } from '../shared/errors';
import { holdWorkflowId } from '../shared/workflow-ids';
import type { HealthInput, StackHold } from '../shared/health';
import { HOLD_MEMO_KEY } from '../shared/hold-memo';
import { holdRunSummary } from '../shared/run-text';
import type { RestoreInput, StepOutcome } from '../shared/types';
import { apiCall, restoring } from './activity-options';
import { formCluster } from './cluster-steps';
import { HoldVaultStack, releaseSignal } from './hold-vault-stack';
import { checkRestoreInput } from '../shared/inputs';

/** Input of `RestoreVault`: the stack, the snapshot, and the health check the hold's release runs. */
export interface RestoreVaultInput {
  stack: string;
  /** A snapshot file in the stack's backup folder (its name), or an absolute path the worker can read. */
  snapshot: string;
  check: HealthInput;
}

/** What a restore reports: each step's one-line summary, in order. */
export interface RestoreResult {
  stack: string;
  snapshot: string;
  steps: { step: string; summary: string }[];
}

export async function RestoreVault(input: RestoreVaultInput): Promise<RestoreResult> {
  const { stack, snapshot } = checkRestoreInput(input);
  const restore: RestoreInput = { stack, snapshot, restoreId: workflowInfo().runId.slice(0, 8) };
  const steps: { step: string; summary: string }[] = [];
  const show = (now?: string) =>
    setCurrentDetails(
      [
        `**Restore ${stack} from ${snapshot}**${now ? `: ${now}` : ''}`,
        '',
        ...steps.map((s) => `- ${s.step}: ${s.summary}`),
      ].join('\n'),
    );
  async function step<T extends StepOutcome>(
    name: string,
    options: ActivityOptions,
    run: (a: ActivityInterfaceFor<Activities>) => Promise<T>,
  ): Promise<T> {
    show(name);
    try {
      const out = await run(proxyActivities<Activities>({ ...options, summary: `restore: ${name}` }));
      steps.push({ step: name, summary: out.summary });
      return out;
    } catch (err) {
      show(`${name} FAILED: ${describeFailure(err)}`);
      throw err;
    }
  }

  // Hashes the whole snapshot: as long as it is big, heartbeating (the restore's long options).
  await step('checkSnapshot', restoring, (a) => a.checkSnapshot(restore));
  const holdRunId = await holdForRestore(input);
  await formCluster(
    step,
    { stack },
    {
      name: 'restoreLeader',
      options: restoring,
      run: (a) => a.restoreLeader(restore),
    },
  );
  await step('checkRestored', apiCall, (a) => a.checkRestored(restore));
  if (holdRunId) steps.push({ step: 'release', summary: await releaseHold(stack, holdRunId) });
  show('done');
  return { stack, snapshot, steps };
}

/**
 * Releases the hold this restore took: the run `holdRunId` only, never a later hold an operator put on under the
 * same id. That run may have ended already (an operator terminated or released it): nothing to release then,
 * and the restore, which succeeded, still does.
 */
async function releaseHold(stack: string, holdRunId: string): Promise<string> {
  try {
    await getExternalWorkflowHandle(holdWorkflowId(stack), holdRunId).signal(releaseSignal, {
      by: 'RestoreVault',
    });
    return "the restore's hold released: one health check with remediation runs";
  } catch (err) {
    if (isCancellation(err)) throw err;
    log.warn("the restore's hold could not be signalled: it had ended", {
      stack,
      holdRunId,
      error: describeFailure(err),
    });
    return "the restore's hold had ended already: nothing to release";
  }
}

/**
 * Holds the stack for the restore (a `HoldVaultStack` that outlives this run) and resolves with that run's id;
 * undefined when an operator holds it already (their hold, theirs to release).
 */
async function holdForRestore(input: RestoreVaultInput): Promise<string | undefined> {
  const hold: StackHold = {
    reason: `restore from ${input.snapshot}`,
    since: new Date().toISOString(),
    by: 'RestoreVault',
  };
  try {
    const child = await startChild(HoldVaultStack, {
      workflowId: holdWorkflowId(input.stack),
      args: [{ hold, check: input.check }],
      memo: { [HOLD_MEMO_KEY]: hold },
      staticSummary: holdRunSummary(input.stack, hold),
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
    return child.firstExecutionRunId;
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return undefined;
    throw err;
  }
}
