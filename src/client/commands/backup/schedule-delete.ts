/**
 * `backup schedule delete`: remove the stack's backup and restore-drill schedules; either may be gone
 * already. Runs they started go on; the snapshots stay.
 */
import type { CommandContext } from '../../context';
import { forEachBackupSchedule } from './schedules';

/** Runs `backup schedule delete`; resolves with 0 (a missing schedule is skipped). */
export async function deleteBackupSchedules(ctx: CommandContext): Promise<number> {
  await forEachBackupSchedule(ctx, async (handle) => {
    await handle.delete();
    return 'deleted';
  });
  return 0;
}
