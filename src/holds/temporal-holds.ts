/**
 * An operator's hold on a stack, kept in Temporal: while the `HoldVaultStack` workflow of the stack runs,
 * the stack is held; its memo says why, since when and by whom. `vault-bootstrap hold` starts it and
 * `release` signals it to end, so the hold outlives every worker and shows in the UI's list as a running
 * workflow with its reason.
 */
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { StackHolds } from '../ports';
import type { StackHold } from '../shared/health';
import { holdWorkflowId } from '../shared/health';

/** The memo key the hold is written under. */
export const HOLD_MEMO_KEY = 'hold';

export class TemporalStackHolds implements StackHolds {
  /** `client`: the Temporal client to ask; default the one of the activity that asks (a Worker's). */
  constructor(private readonly client: () => Client = () => Context.current().client) {}

  async current(stack: string): Promise<StackHold | undefined> {
    try {
      const run = await this.client().workflow.getHandle(holdWorkflowId(stack)).describe();
      if (run.status.name !== 'RUNNING') return undefined;
      const hold = run.memo?.[HOLD_MEMO_KEY] as Partial<StackHold> | undefined;
      return {
        reason: typeof hold?.reason === 'string' ? hold.reason : '(no reason recorded)',
        since: typeof hold?.since === 'string' ? hold.since : run.startTime.toISOString(),
        ...(typeof hold?.by === 'string' ? { by: hold.by } : {}),
      };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
  }
}
