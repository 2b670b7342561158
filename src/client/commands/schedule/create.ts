/**
 * `schedule create`: create the periodic health check, or update it to the current configuration, and
 * start the Docker-events watcher (idempotent: a watcher already running is kept).
 */
import { watcherRunSummary } from '../../../shared/run-text';
import { ScheduleAlreadyRunning, ScheduleNotFoundError } from '@temporalio/client';
import { healthWorkflowIds } from '../../../shared/workflow-ids';
import { WatchVaultTasks } from '../../../workflows';
import type { CommandContext } from '../../context';
import { healthSchedule } from './spec';

/** Runs `schedule create`; resolves with 0. */
export async function createSchedule(ctx: CommandContext): Promise<number> {
  const { client, config, stack } = ctx;
  const ids = healthWorkflowIds(stack);
  const wanted = healthSchedule(config, stack);
  const every = `every ${config.health.interval}, jitter ${config.health.jitter}`;
  const update = () => client.schedule.getHandle(ids.schedule).update((prev) => ({ ...prev, ...wanted }));
  try {
    await update();
    console.log(`schedule ${ids.schedule}: updated (${every})`);
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
    try {
      await client.schedule.create({
        scheduleId: ids.schedule,
        ...wanted,
        state: { note: `Vault health of ${stack}` },
      });
      console.log(`schedule ${ids.schedule}: created (${every})`);
    } catch (raced) {
      // Another `schedule create` (a second init-infra-prod.sh) made it between our update and create.
      if (!(raced instanceof ScheduleAlreadyRunning)) throw raced;
      await update();
      console.log(`schedule ${ids.schedule}: updated (${every})`);
    }
  }
  await client.workflow.start(WatchVaultTasks, {
    taskQueue: config.temporal.taskQueue,
    workflowId: ids.watcher,
    args: [{ stack }],
    staticSummary: watcherRunSummary(stack),
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
  console.log(`watcher ${ids.watcher}: running (checks right after a Vault task starts)`);
  return 0;
}
