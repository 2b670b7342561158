/**
 * `vault-bootstrap schedule ACTION`: the periodic health check and its events watcher, one action per file.
 */
import type { ScheduleAction } from '../../args';
import type { CommandContext } from '../../context';
import { createSchedule } from './create';
import { deleteSchedule } from './delete';
import { describeSchedule } from './describe';
import { pauseSchedule } from './pause';
import { triggerSchedule } from './trigger';
import { unpauseSchedule } from './unpause';

/** Each schedule action's implementation; every action the parser accepts has one. */
export const SCHEDULE_COMMANDS: Record<ScheduleAction, (ctx: CommandContext) => Promise<number>> = {
  create: createSchedule,
  describe: describeSchedule,
  pause: pauseSchedule,
  unpause: unpauseSchedule,
  trigger: triggerSchedule,
  delete: deleteSchedule,
};

/** Runs `schedule <action>`; resolves with its exit code. */
export function schedule(ctx: CommandContext, action: ScheduleAction): Promise<number> {
  return SCHEDULE_COMMANDS[action](ctx);
}
