/**
 * `vault-bootstrap backup ACTION`: one backup now, one restore drill now, or the stack's backup and drill
 * schedules (`backup schedule ACTION`), one action per file (docs/backups.md).
 */
import type { Command, ScheduleAction } from '../../args';
import type { CommandContext } from '../../context';
import { backupDrill } from './drill';
import { backupNow } from './now';
import { createBackupSchedules } from './schedule-create';
import { deleteBackupSchedules } from './schedule-delete';
import { describeBackupSchedules } from './schedule-describe';
import { pauseBackupSchedules } from './schedule-pause';
import { triggerBackupSchedule } from './schedule-trigger';
import { unpauseBackupSchedules } from './schedule-unpause';

/** Each `backup schedule` action's implementation; every schedule action the parser accepts has one. */
export const BACKUP_SCHEDULE_COMMANDS: Record<ScheduleAction, (ctx: CommandContext) => Promise<number>> = {
  create: createBackupSchedules,
  describe: describeBackupSchedules,
  pause: pauseBackupSchedules,
  unpause: unpauseBackupSchedules,
  trigger: triggerBackupSchedule,
  delete: deleteBackupSchedules,
};

/** Runs `backup <action>`; resolves with its exit code. */
export function backup(ctx: CommandContext, command: Extract<Command, { name: 'backup' }>): Promise<number> {
  switch (command.action) {
    case 'now':
      return backupNow(ctx, { wait: command.wait });
    case 'drill':
      return backupDrill(ctx, { wait: command.wait });
    case 'schedule':
      return BACKUP_SCHEDULE_COMMANDS[command.scheduleAction](ctx);
  }
}
