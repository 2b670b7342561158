/**
 * `vault-bootstrap backup ACTION`: one backup now, one restore drill now, or the stack's backup and drill
 * schedules (`backup schedule ACTION`: the `backup` kind of `../schedule.ts`) (docs/backups.md).
 */
import type { Command } from '../../args';
import type { CommandContext } from '../../context';
import { schedule } from '../schedule';
import { backupDrill } from './drill';
import { backupNow } from './now';

/** Runs `backup <action>`; resolves with its exit code. */
export function backup(ctx: CommandContext, command: Extract<Command, { name: 'backup' }>): Promise<number> {
  switch (command.action) {
    case 'now':
      return backupNow(ctx, { wait: command.wait });
    case 'drill':
      return backupDrill(ctx, { wait: command.wait });
    case 'schedule':
      return schedule(ctx, 'backup', command.scheduleAction);
  }
}
