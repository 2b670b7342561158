/**
 * What the `backup schedule` actions share: the stack's two schedules, acting on each when it exists, and
 * creating or updating one to what configuration says.
 */
import { ScheduleAlreadyRunning, ScheduleNotFoundError } from '@temporalio/client';
import type { Client, ScheduleHandle, Workflow } from '@temporalio/client';
import { backupWorkflowIds } from '../../../shared/workflow-ids';
import type { CommandContext } from '../../context';
import type { BackupScheduleSpec } from './spec';

/**
 * The ids of the stack's backup schedule and restore-drill schedule, in the order every action goes through
 * them. Both, whatever `VAULT_DRILL_INTERVAL` says now: a drill schedule made before it was `off` is still
 * paused, described and deleted.
 */
export function backupScheduleIds(stack: string): [backup: string, drill: string] {
  const ids = backupWorkflowIds(stack);
  return [ids.backupSchedule, ids.drillSchedule];
}

/**
 * Runs `act` on each of the stack's two schedules and prints `schedule <id>: <what act says>`; one that does
 * not exist is skipped, and says so. Resolves with how many existed.
 */
export async function forEachBackupSchedule(
  ctx: CommandContext,
  act: (handle: ScheduleHandle) => Promise<string>,
): Promise<number> {
  let existed = 0;
  for (const id of backupScheduleIds(ctx.stack)) {
    try {
      console.log(`schedule ${id}: ${await act(ctx.client.schedule.getHandle(id))}`);
      existed++;
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
      console.log(`schedule ${id}: not created, skipped`);
    }
  }
  return existed;
}

/**
 * Makes the schedule `scheduleId` what `wanted` says: updates it when it exists (keeping its state, so a
 * paused one stays paused), creates it with `note` otherwise. Resolves with which it did.
 */
export async function upsertSchedule<W extends Workflow>(
  client: Client,
  scheduleId: string,
  wanted: BackupScheduleSpec<W>,
  note: string,
): Promise<'created' | 'updated'> {
  const update = () => client.schedule.getHandle(scheduleId).update((prev) => ({ ...prev, ...wanted }));
  try {
    await update();
    return 'updated';
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
  }
  try {
    await client.schedule.create({ scheduleId, ...wanted, state: { note } });
    return 'created';
  } catch (raced) {
    // Another `backup schedule create` (a second init-infra-prod.sh) made it between our update and create.
    if (!(raced instanceof ScheduleAlreadyRunning)) throw raced;
    await update();
    return 'updated';
  }
}
