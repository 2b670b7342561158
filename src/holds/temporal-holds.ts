/**
 * An operator's hold on a stack, kept in Temporal: while the `HoldVaultStack` workflow of the stack runs,
 * and its memo carries the hold (why, since when, by whom), the stack is held. `vault-bootstrap hold` starts
 * it and `release` signals it, which clears the memo before anything else: the hold outlives every worker and
 * shows in the UI's list as a running workflow with its reason.
 */
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { StackHolds } from '../ports';
import type { StackHold } from '../shared/health';
import { holdWorkflowId } from '../shared/workflow-ids';
import { HOLD_MEMO_KEY } from '../shared/hold-memo';

export class TemporalStackHolds implements StackHolds {
  /** `client`: the Temporal client to ask; default the one of the activity that asks (a Worker's). */
  constructor(private readonly client: () => Client = () => Context.current().client) {}

  async current(stack: string): Promise<StackHold | undefined> {
    try {
      const run = await this.client().workflow.getHandle(holdWorkflowId(stack)).describe();
      const hold = run.memo?.[HOLD_MEMO_KEY] as Partial<StackHold> | null | undefined;
      if (run.status.name !== 'RUNNING' || !hold) return undefined;
      return {
        reason: typeof hold.reason === 'string' ? hold.reason : '(no reason recorded)',
        since: typeof hold.since === 'string' ? hold.since : run.startTime.toISOString(),
        ...(typeof hold.by === 'string' ? { by: hold.by } : {}),
      };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
  }
}
