/** `schedule unpause`: resume the periodic health check. */
import { healthWorkflowIds } from '../../../shared/workflow-ids';
import type { CommandContext } from '../../context';

/** Runs `schedule unpause`; resolves with 0. */
export async function unpauseSchedule(ctx: CommandContext): Promise<number> {
  const { schedule } = healthWorkflowIds(ctx.stack);
  await ctx.client.schedule.getHandle(schedule).unpause('unpaused from vault-bootstrap');
  console.log(`schedule ${schedule}: active`);
  return 0;
}
