/**
 * `HoldVaultStack`: an operator's hold on a stack (`vault-bootstrap hold --reason …`). While it runs and its
 * memo carries the hold, health runs report and never act, and the watcher starts no check: a node an
 * operator sealed on purpose during an incident stays sealed, reported as `SealedWhileHeld`.
 *
 * The hold is the running workflow, so it outlives every worker and client, and the UI's list shows it with
 * its reason. `release` (a signal) clears the memo first — from then on the stack is no longer held — and
 * then runs one `VerifyVaultHealth` at once, so what the hold kept sealed is unsealed within seconds, not at
 * the next scheduled check. The run ends with that check's report.
 */
import {
  condition,
  defineSignal,
  executeChild,
  setCurrentDetails,
  setHandler,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';
import { HOLD_MEMO_KEY } from '../shared/hold-memo';
import { releaseCheckWorkflowId } from '../shared/workflow-ids';
import type { HoldInput, HoldOutcome, ReleaseInput } from '../shared/health';
import { healthDetails, heldDetails, healthRunSummary } from '../shared/run-text';
import { VerifyVaultHealth } from './verify-vault-health';
import { checkHoldInput } from '../shared/inputs';

/** Ends the hold: the stack is no longer held once the workflow handles it. */
export const releaseSignal = defineSignal<[ReleaseInput]>('release');

export async function HoldVaultStack(input: HoldInput): Promise<HoldOutcome> {
  const { stack } = checkHoldInput(input).check;
  let release: ReleaseInput | undefined;
  setHandler(releaseSignal, (r) => {
    release ??= r;
  });
  setCurrentDetails(heldDetails(stack, input.hold));
  await condition(() => release !== undefined);
  const releasedAt = new Date().toISOString();
  const releasedBy = release?.by;
  const released = `**Released** ${releasedAt}${releasedBy ? ` by ${releasedBy}` : ''}`;
  // Cleared before the check starts: the check reads the hold through this memo, and must find none.
  upsertMemo({ [HOLD_MEMO_KEY]: null });
  setCurrentDetails(`${released}: checking health`);
  const health = await executeChild(VerifyVaultHealth, {
    workflowId: releaseCheckWorkflowId(stack, workflowInfo().runId),
    staticSummary: healthRunSummary(stack, 'release'),
    args: [input.check],
  });
  setCurrentDetails(`${released}\n\n${healthDetails(health)}`);
  return { releasedAt, ...(releasedBy ? { releasedBy } : {}), health };
}
