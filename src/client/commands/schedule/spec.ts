/**
 * The periodic health check as configuration makes it: the health input and the schedule's spec, action
 * and policies. Pure, so what `schedule create` sends is testable without a server.
 */
import { healthRunSummary } from '../../../shared/run-text';
import type { ScheduleOptionsStartWorkflowAction, ScheduleUpdateOptions } from '@temporalio/client';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import type { ClientConfig } from '../../../config';
import { healthWorkflowIds } from '../../../shared/workflow-ids';
import type { HealthInput } from '../../../shared/health';
import { VerifyVaultHealth } from '../../../workflows';

/** The input of every VerifyVaultHealth the client starts (`verify`, the schedule), from `VAULT_HEALTH_*`. */
export function healthInput(config: ClientConfig, stack: string): HealthInput {
  return { stack, remediate: config.health.remediate, certExpiryWarnDays: config.health.certExpiryWarnDays };
}

/** What `schedule create` sets on a new or existing schedule (the state is set on creation only). */
export type HealthSchedule = Pick<
  ScheduleUpdateOptions<ScheduleOptionsStartWorkflowAction<typeof VerifyVaultHealth>>,
  'spec' | 'action' | 'policies'
>;

/**
 * Every `VAULT_HEALTH_INTERVAL` with `VAULT_HEALTH_JITTER`, start VerifyVaultHealth with the configured input
 * under the id `vault-health:<stack>` (the server appends the time); never two checks at once.
 */
export function healthSchedule(config: ClientConfig, stack: string): HealthSchedule {
  return {
    spec: { intervals: [{ every: config.health.interval }], jitter: config.health.jitter },
    action: {
      type: 'startWorkflow',
      workflowType: VerifyVaultHealth,
      taskQueue: config.temporal.taskQueue,
      workflowId: healthWorkflowIds(stack).scheduled,
      args: [healthInput(config, stack)],
      staticSummary: healthRunSummary(stack, 'scheduled'),
    },
    // Never two checks at once: a run still going when the next is due makes the next one skip.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute', pauseOnFailure: false },
  };
}
