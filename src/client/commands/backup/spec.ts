/**
 * The stack's two backup schedules as configuration makes them (issue 11; docs/backups.md): a `BackupVault`
 * every `VAULT_BACKUP_INTERVAL` and a `RestoreDrill` every `VAULT_DRILL_INTERVAL`. Pure, so what
 * `backup schedule create` sends is testable without a server.
 */
import type { ScheduleOptionsStartWorkflowAction, ScheduleUpdateOptions, Workflow } from '@temporalio/client';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import type { ClientConfig } from '../../../config';
import { backupWorkflowIds } from '../../../shared/workflow-ids';
import { backupRunSummary, drillRunSummary } from '../../../shared/run-text';
import { BackupVault, RestoreDrill } from '../../../workflows';

/** What `backup schedule create` sets on a new or existing schedule of `W` (the state is set on creation only). */
export type BackupScheduleSpec<W extends Workflow> = Pick<
  ScheduleUpdateOptions<ScheduleOptionsStartWorkflowAction<W>>,
  'spec' | 'action' | 'policies'
>;

/**
 * Never two at once (a run still going when the next is due makes the next one skip), and a run missed while
 * the server was down is made up if it is at most 10 minutes late: later than that, the next one is as good.
 * A failed run does not pause the schedule: the next one may well succeed (the storage mount is back).
 */
const POLICIES = {
  overlap: ScheduleOverlapPolicy.SKIP,
  catchupWindow: '10 minutes',
  pauseOnFailure: false,
} as const;

/**
 * Every `VAULT_BACKUP_INTERVAL`, start `BackupVault` of the stack under the id `vault-backup:<stack>` (the
 * server appends the time).
 */
export function backupSchedule(config: ClientConfig, stack: string): BackupScheduleSpec<typeof BackupVault> {
  return {
    spec: { intervals: [{ every: config.backup.interval }] },
    action: {
      type: 'startWorkflow',
      workflowType: BackupVault,
      taskQueue: config.temporal.taskQueue,
      workflowId: backupWorkflowIds(stack).backupSchedule,
      args: [{ stack }],
      staticSummary: backupRunSummary(stack, 'scheduled'),
    },
    policies: POLICIES,
  };
}

/**
 * Every `VAULT_DRILL_INTERVAL`, start `RestoreDrill` of the stack under the id `vault-drill:<stack>`; or
 * `undefined` when it is `off`, and the stack has no drill schedule.
 */
export function drillSchedule(
  config: ClientConfig,
  stack: string,
): BackupScheduleSpec<typeof RestoreDrill> | undefined {
  const every = config.backup.drillInterval;
  if (every === undefined) return undefined;
  return {
    spec: { intervals: [{ every }] },
    action: {
      type: 'startWorkflow',
      workflowType: RestoreDrill,
      taskQueue: config.temporal.taskQueue,
      workflowId: backupWorkflowIds(stack).drillSchedule,
      args: [{ stack }],
      staticSummary: drillRunSummary(stack, 'scheduled'),
    },
    policies: POLICIES,
  };
}
