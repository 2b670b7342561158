/** `schedule trigger`: one health check now, through the schedule (skipped if one is running). */
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { healthWorkflowIds } from '../../../shared/workflow-ids';
import type { CommandContext } from '../../context';

/** Runs `schedule trigger`; resolves with 0. */
export async function triggerSchedule(ctx: CommandContext): Promise<number> {
  const { schedule } = healthWorkflowIds(ctx.stack);
  await ctx.client.schedule.getHandle(schedule).trigger(ScheduleOverlapPolicy.SKIP);
  console.log(`schedule ${schedule}: triggered one run`);
  return 0;
}
