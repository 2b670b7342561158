/**
 * `backup schedule create`: create the stack's backup schedule and restore-drill schedule, or update them to
 * the current configuration (idempotent). With `VAULT_DRILL_INTERVAL=off` the drill schedule is deleted
 * instead, so the configuration says what runs.
 */
import { ScheduleNotFoundError } from '@temporalio/client';
import type { CommandContext } from '../../context';
import { backupScheduleIds, upsertSchedule } from './schedules';
import { backupSchedule, drillSchedule } from './spec';

/** Runs `backup schedule create`; resolves with 0. */
export async function createBackupSchedules(ctx: CommandContext): Promise<number> {
  const { client, config, stack } = ctx;
  const [backupId, drillId] = backupScheduleIds(stack);
  const backup = await upsertSchedule(client, backupId, backupSchedule(config, stack), `Backups of ${stack}`);
  console.log(`schedule ${backupId}: ${backup} (a backup every ${config.backup.interval})`);
  const drill = drillSchedule(config, stack);
  if (drill) {
    const done = await upsertSchedule(client, drillId, drill, `Restore drills of ${stack}`);
    console.log(`schedule ${drillId}: ${done} (a restore drill every ${config.backup.drillInterval})`);
    return 0;
  }
  const deleted = await client.schedule
    .getHandle(drillId)
    .delete()
    .then(
      () => true,
      (err: unknown) => {
        if (!(err instanceof ScheduleNotFoundError)) throw err;
        return false;
      },
    );
  console.log(`schedule ${drillId}: ${deleted ? 'deleted' : 'none'} (VAULT_DRILL_INTERVAL=off)`);
  return 0;
}
