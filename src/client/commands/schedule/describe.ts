/**
 * `schedule describe`: whether the periodic health check is active, how often it ran, its last and next runs.
 */
import { healthWorkflowIds } from '../../../shared/health';
import type { CommandContext } from '../../context';

/** Runs `schedule describe`; resolves with 0 (a missing schedule rejects with `ScheduleNotFoundError`). */
export async function describeSchedule(ctx: CommandContext): Promise<number> {
  const ids = healthWorkflowIds(ctx.stack);
  const d = await ctx.client.schedule.getHandle(ids.schedule).describe();
  console.log(
    `schedule ${ids.schedule}: ${d.state.paused ? 'PAUSED' : 'active'}${d.state.note ? ` (${d.state.note})` : ''}`,
  );
  console.log(
    `  runs so far ${d.info.numActionsTaken}, skipped for overlap ${d.info.numActionsSkippedOverlap}`,
  );
  for (const a of d.info.recentActions)
    console.log(`  ran ${a.takenAt.toISOString()} ${a.action.workflow.workflowId}`);
  for (const n of d.info.nextActionTimes.slice(0, 3)) console.log(`  next ${n.toISOString()}`);
  return 0;
}
