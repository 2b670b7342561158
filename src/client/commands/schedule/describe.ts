/**
 * `schedule describe`: whether the periodic health check is active, how often it ran, its last and next runs.
 */
import { healthWorkflowIds } from '../../../shared/workflow-ids';
import type { CommandContext } from '../../context';
import { formatScheduleDescription } from '../../format';

/** Runs `schedule describe`; resolves with 0 (a missing schedule rejects with `ScheduleNotFoundError`). */
export async function describeSchedule(ctx: CommandContext): Promise<number> {
  const ids = healthWorkflowIds(ctx.stack);
  const d = await ctx.client.schedule.getHandle(ids.schedule).describe();
  console.log(formatScheduleDescription(ids.schedule, d));
  return 0;
}
