/**
 * `backup schedule describe`: for each of the stack's two schedules, whether it is active, how often it ran,
 * its last and next runs; or that it is not created.
 */
import { ScheduleNotFoundError } from '@temporalio/client';
import type { CommandContext } from '../../context';
import { formatScheduleDescription } from '../../format';
import { backupScheduleIds } from './schedules';

/** Runs `backup schedule describe`; resolves with 0, also when a schedule is missing (that is an answer). */
export async function describeBackupSchedules(ctx: CommandContext): Promise<number> {
  for (const id of backupScheduleIds(ctx.stack)) {
    try {
      console.log(formatScheduleDescription(id, await ctx.client.schedule.getHandle(id).describe()));
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
      console.log(`schedule ${id}: not created`);
    }
  }
  return 0;
}
