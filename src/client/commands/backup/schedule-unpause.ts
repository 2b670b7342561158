/** `backup schedule unpause`: resume the stack's scheduled backups and restore drills. */
import type { CommandContext } from '../../context';
import { forEachBackupSchedule } from './schedules';

/** Runs `backup schedule unpause`; resolves with 0 (a missing schedule is skipped). */
export async function unpauseBackupSchedules(ctx: CommandContext): Promise<number> {
  await forEachBackupSchedule(ctx, async (handle) => {
    await handle.unpause('unpaused from vault-bootstrap');
    return 'active';
  });
  return 0;
}
