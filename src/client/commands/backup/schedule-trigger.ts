/**
 * `backup schedule trigger`: one backup now, through the schedule (skipped if one is running). Only the
 * backup: a restore drill on demand is `backup drill`.
 */
import { ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import type { CommandContext } from '../../context';
import { backupScheduleIds } from './schedules';

/** Runs `backup schedule trigger`; resolves with 0, or 1 when the stack has no backup schedule to trigger. */
export async function triggerBackupSchedule(ctx: CommandContext): Promise<number> {
  const [backupId] = backupScheduleIds(ctx.stack);
  try {
    await ctx.client.schedule.getHandle(backupId).trigger(ScheduleOverlapPolicy.SKIP);
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
    // Nothing ran, so a script that asked for a backup must not read success.
    console.error(
      `vault-bootstrap: schedule ${backupId} is not created, nothing triggered ` +
        `(backup schedule create makes it; backup now runs one without it)`,
    );
    return 1;
  }
  console.log(`schedule ${backupId}: triggered one backup`);
  return 0;
}
