/**
 * `schedule delete`: remove the periodic health check and stop its events watcher; either may be gone already.
 * Also removes the ones an earlier version created under the ids without the `:` separator
 * (`vault-health-<stack>`, `vault-health-watch-<stack>`), so `delete` + `create` migrates a stack.
 */
import { ScheduleNotFoundError } from '@temporalio/client';
import { healthWorkflowIds, legacyHealthWorkflowIds } from '../../../shared/workflow-ids';
import type { WatchVaultTasks } from '../../../workflows';
import type { CommandContext } from '../../context';

/** Runs `schedule delete`; resolves with 0. */
export async function deleteSchedule(ctx: CommandContext): Promise<number> {
  for (const ids of [healthWorkflowIds(ctx.stack), legacyHealthWorkflowIds(ctx.stack)]) {
    await ctx.client.schedule
      .getHandle(ids.schedule)
      .delete()
      .catch((err: unknown) => {
        if (!(err instanceof ScheduleNotFoundError)) throw err;
      });
    await ctx.client.workflow
      .getHandle<typeof WatchVaultTasks>(ids.watcher)
      .terminate('schedule deleted')
      .catch(() => undefined);
  }
  const ids = healthWorkflowIds(ctx.stack);
  console.log(`schedule ${ids.schedule} and watcher ${ids.watcher}: deleted`);
  return 0;
}
