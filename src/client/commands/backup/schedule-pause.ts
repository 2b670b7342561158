/** `backup schedule pause`: stop the stack's scheduled backups and restore drills until `unpause`. */
import type { CommandContext } from '../../context';
import { forEachBackupSchedule } from './schedules';

/** Runs `backup schedule pause`; resolves with 0 (a missing schedule is skipped). */
export async function pauseBackupSchedules(ctx: CommandContext): Promise<number> {
  await forEachBackupSchedule(ctx, async (handle) => {
    await handle.pause('paused from vault-bootstrap');
    return 'paused';
  });
  return 0;
}
