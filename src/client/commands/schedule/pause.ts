/** `schedule pause`: stop the periodic health check until `unpause` (the events watcher keeps running). */
import { healthWorkflowIds } from '../../../shared/workflow-ids';
import type { CommandContext } from '../../context';

/** Runs `schedule pause`; resolves with 0. */
export async function pauseSchedule(ctx: CommandContext): Promise<number> {
  const { schedule } = healthWorkflowIds(ctx.stack);
  await ctx.client.schedule.getHandle(schedule).pause('paused from vault-bootstrap');
  console.log(`schedule ${schedule}: paused`);
  return 0;
}
